// Units: atoms, grammar, algebra, names and errors.
//
// Expected values come from the definitions, never from this code's output:
//   SI Brochure (BIPM, 9th ed., 2019): Table 7 (prefixes), Table 8 (min = 60 s, h = 3600 s, d = 86400 s,
//   L = 1e-3 m^3); the Julian year of the IAU (365.25 d); molar M = mol/dm^3 = 1000 mol/m^3 (IUPAC Green
//   Book, 3rd ed., 2.10); percent = 0.01 (ISO 80000-1); the week = 7 d; the month = a twelfth of the Julian year (30.4375 d, as docs/trials.md
//   states). Offsets are counted by hand in the
//   strings.
#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "tolsim/common/error.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::units {
namespace {

constexpr double kSecondsPerDay = 86400.0;  // SI Brochure Table 8

Unit must_parse(std::string_view text) {
  const ParseResult result = parse_unit(text);
  EXPECT_TRUE(result.unit.has_value()) << "'" << text << "': " << result.error;
  EXPECT_TRUE(result.error.empty()) << result.error;
  return result.unit.value_or(Unit());
}

// A unit from SI parts: dims = {time s, length m, mass kg, substance mol, item, activity IU}.
Unit si(double scale, std::array<double, 6> dims) {
  std::array<double, kNumBaseDimensions> exponents{};
  for (int i = 0; i < 6; ++i) exponents[i] = dims[i];
  return Unit::from_parts(scale, exponents);
}
constexpr std::array<double, 6> kNone{0, 0, 0, 0, 0, 0};
constexpr std::array<double, 6> kTime{1, 0, 0, 0, 0, 0};
constexpr std::array<double, 6> kLength{0, 1, 0, 0, 0, 0};
constexpr std::array<double, 6> kVolume{0, 3, 0, 0, 0, 0};
constexpr std::array<double, 6> kMass{0, 0, 1, 0, 0, 0};
constexpr std::array<double, 6> kSubstance{0, 0, 0, 1, 0, 0};
constexpr std::array<double, 6> kConcentration{0, -3, 0, 1, 0, 0};
constexpr std::array<double, 6> kMassConcentration{0, -3, 1, 0, 0, 0};
constexpr std::array<double, 6> kItem{0, 0, 0, 0, 1, 0};
constexpr std::array<double, 6> kActivity{0, 0, 0, 0, 0, 1};

struct AtomCase {
  const char* text;
  double scale;
  std::array<double, 6> dims;
};

std::ostream& operator<<(std::ostream& out, const AtomCase& c) {
  return out << "'" << c.text << "'";
}

class UnitAtom : public ::testing::TestWithParam<AtomCase> {};

TEST_P(UnitAtom, HasItsDefinedValue) {
  const AtomCase& c = GetParam();
  const Unit unit = must_parse(c.text);
  EXPECT_EQ(unit, si(c.scale, c.dims)) << c.text << " parsed as " << unit.to_si_string();
  EXPECT_NEAR(unit.scale(), c.scale, 1e-12 * c.scale) << c.text;
  EXPECT_EQ(unit.name(), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Definitions, UnitAtom,
    ::testing::Values(
        // Dimensionless and percent.
        AtomCase{"1", 1, kNone}, AtomCase{"dimensionless", 1, kNone}, AtomCase{"count", 1, kNone},
        AtomCase{"joints", 1, kNone}, AtomCase{"points", 1, kNone}, AtomCase{"score", 1, kNone},
        AtomCase{"fraction", 1, kNone}, AtomCase{"%", 0.01, kNone}, AtomCase{"percent", 0.01, kNone},
        // Time.
        AtomCase{"s", 1, kTime}, AtomCase{"sec", 1, kTime}, AtomCase{"second", 1, kTime},
        AtomCase{"seconds", 1, kTime}, AtomCase{"ms", 1e-3, kTime}, AtomCase{"min", 60, kTime},
        AtomCase{"minute", 60, kTime}, AtomCase{"minutes", 60, kTime}, AtomCase{"h", 3600, kTime},
        AtomCase{"hr", 3600, kTime}, AtomCase{"hour", 3600, kTime}, AtomCase{"hours", 3600, kTime},
        AtomCase{"d", kSecondsPerDay, kTime}, AtomCase{"day", kSecondsPerDay, kTime},
        AtomCase{"days", kSecondsPerDay, kTime}, AtomCase{"wk", 7 * kSecondsPerDay, kTime},
        AtomCase{"week", 7 * kSecondsPerDay, kTime}, AtomCase{"weeks", 7 * kSecondsPerDay, kTime},
        AtomCase{"yr", 365.25 * kSecondsPerDay, kTime}, AtomCase{"year", 365.25 * kSecondsPerDay, kTime},
        AtomCase{"years", 365.25 * kSecondsPerDay, kTime},
        AtomCase{"month", 365.25 / 12 * kSecondsPerDay, kTime},
        AtomCase{"months", 365.25 / 12 * kSecondsPerDay, kTime},
        // Length and volume.
        AtomCase{"m", 1, kLength}, AtomCase{"metre", 1, kLength}, AtomCase{"meters", 1, kLength},
        AtomCase{"cm", 1e-2, kLength}, AtomCase{"mm", 1e-3, kLength}, AtomCase{"um", 1e-6, kLength},
        AtomCase{"m3", 1, kVolume}, AtomCase{"cm3", 1e-6, kVolume}, AtomCase{"dm3", 1e-3, kVolume},
        AtomCase{"L", 1e-3, kVolume}, AtomCase{"l", 1e-3, kVolume}, AtomCase{"litre", 1e-3, kVolume},
        AtomCase{"liters", 1e-3, kVolume}, AtomCase{"dL", 1e-4, kVolume}, AtomCase{"mL", 1e-6, kVolume},
        AtomCase{"ml", 1e-6, kVolume}, AtomCase{"uL", 1e-9, kVolume}, AtomCase{"\xC2\xB5L", 1e-9, kVolume},
        AtomCase{"\xCE\xBCL", 1e-9, kVolume}, AtomCase{"fL", 1e-18, kVolume},
        // Mass.
        AtomCase{"kg", 1, kMass}, AtomCase{"g", 1e-3, kMass}, AtomCase{"gram", 1e-3, kMass},
        AtomCase{"mg", 1e-6, kMass}, AtomCase{"ug", 1e-9, kMass}, AtomCase{"\xC2\xB5g", 1e-9, kMass},
        AtomCase{"\xCE\xBCg", 1e-9, kMass}, AtomCase{"ng", 1e-12, kMass}, AtomCase{"pg", 1e-15, kMass},
        AtomCase{"Mg", 1e3, kMass},
        // Substance and molarity.
        AtomCase{"mol", 1, kSubstance}, AtomCase{"moles", 1, kSubstance}, AtomCase{"mmol", 1e-3, kSubstance},
        AtomCase{"kmol", 1e3, kSubstance}, AtomCase{"M", 1e3, kConcentration},
        AtomCase{"mM", 1, kConcentration}, AtomCase{"uM", 1e-3, kConcentration},
        AtomCase{"nM", 1e-6, kConcentration}, AtomCase{"pM", 1e-9, kConcentration},
        // Counted items and activity.
        AtomCase{"cell", 1, kItem}, AtomCase{"cells", 1, kItem}, AtomCase{"item", 1, kItem},
        AtomCase{"items", 1, kItem}, AtomCase{"IU", 1, kActivity}, AtomCase{"MIU", 1e6, kActivity},
        AtomCase{"mIU", 1e-3, kActivity}, AtomCase{"kIU", 1e3, kActivity},
        // Compound units of pharmacology.
        AtomCase{"mg/L", 1e-6 / 1e-3, kMassConcentration}, AtomCase{"mg/dL", 1e-6 / 1e-4, kMassConcentration},
        AtomCase{"pg/mL", 1e-15 / 1e-6, kMassConcentration}, AtomCase{"mg/kg", 1e-6, kNone},
        AtomCase{"cells/kg", 1, {0, 0, -1, 0, 1, 0}}, AtomCase{"IU/mL", 1e6, {0, -3, 0, 0, 0, 1}},
        AtomCase{"cells/uL", 1e9, {0, -3, 0, 0, 1, 0}},
        AtomCase{"1/day", 1 / kSecondsPerDay, {-1, 0, 0, 0, 0, 0}},
        AtomCase{"mg/m2", 1e-6, {0, -2, 1, 0, 0, 0}}, AtomCase{"10^6 cells", 1e6, kItem},
        AtomCase{"1e6 cells", 1e6, kItem}, AtomCase{"mol*L^-1", 1e3, kConcentration},
        AtomCase{"L/day/kg", 1e-3 / kSecondsPerDay, {-1, 3, -1, 0, 0, 0}}));

TEST(UnitAtom, ExactAtomsWinOverPrefixPlusAtom) {
  // "min" is minute; "m" metre; "M" molar; "d" day; "h" hour: the bare atoms, not prefixes.
  EXPECT_EQ(must_parse("min"), si(60, kTime));
  EXPECT_EQ(must_parse("d"), si(kSecondsPerDay, kTime));
  EXPECT_TRUE(must_parse("m").same_dimension(si(1, kLength)));
  EXPECT_TRUE(must_parse("M").same_dimension(si(1, kConcentration)));
  // ... while a prefix applies where no atom of that spelling exists.
  EXPECT_EQ(must_parse("mM"), si(1, kConcentration));  // milli * 1000 mol/m^3
  EXPECT_EQ(must_parse("Mm"), si(1e6, kLength));       // megametre
  EXPECT_EQ(must_parse("MIU"), si(1e6, kActivity));    // mega-IU
  EXPECT_EQ(must_parse("dL"), si(1e-4, kVolume));      // decilitre, not day*litre
}

TEST(UnitAtom, OtherSiBaseUnitsParseSoThatSiStringsRoundTrip) {
  const Unit kelvin = must_parse("K");
  const Unit ampere = must_parse("A");
  const Unit candela = must_parse("cd");
  EXPECT_EQ(kelvin.exponent(BaseDimension::kTemperature), 1.0);
  EXPECT_EQ(ampere.exponent(BaseDimension::kCurrent), 1.0);
  EXPECT_EQ(candela.exponent(BaseDimension::kLuminosity), 1.0);
}

// ---- grammar
// ------------------------------------------------------------------------------------------------

struct EquivalentCase {
  const char* left;
  const char* right;
};

std::ostream& operator<<(std::ostream& out, const EquivalentCase& c) {
  return out << "'" << c.left << "' vs '" << c.right << "'";
}

class UnitEquivalent : public ::testing::TestWithParam<EquivalentCase> {};

TEST_P(UnitEquivalent, SpellingsOfTheSameUnitAreEqual) {
  const Unit left = must_parse(GetParam().left);
  const Unit right = must_parse(GetParam().right);
  EXPECT_EQ(left, right) << GetParam().left << " = " << left.to_si_string() << ", " << GetParam().right
                         << " = " << right.to_si_string();
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, UnitEquivalent,
    ::testing::Values(
        // Same quantity, different prefixes: 1e-6 kg / 1e-3 m^3 = 1e-9 kg / 1e-6 m^3.
        EquivalentCase{"mg/L", "ug/mL"}, EquivalentCase{"pg/mL", "ng/L"}, EquivalentCase{"nM", "nmol/L"},
        EquivalentCase{"M", "mol/L"}, EquivalentCase{"M", "1000 mol/m^3"}, EquivalentCase{"M", "1000 mol/m3"},
        EquivalentCase{"mL", "cm3"}, EquivalentCase{"L", "dm^3"}, EquivalentCase{"mg/dL", "10 mg/L"},
        EquivalentCase{"wk", "7 d"}, EquivalentCase{"yr", "365.25 day"}, EquivalentCase{"day", "24 h"},
        EquivalentCase{"h", "60 min"}, EquivalentCase{"%", "0.01"}, EquivalentCase{"percent", "1/100"},
        EquivalentCase{"mg/kg", "1e-6"}, EquivalentCase{"kg", "1000 g"}, EquivalentCase{"\xC2\xB5g", "ug"},
        EquivalentCase{"\xCE\xBCmol", "umol"},
        // '/' divides by the single factor after it; parentheses group.
        EquivalentCase{"mg/kg/day", "mg/(kg*day)"}, EquivalentCase{"mg/kg*day", "mg*day/kg"},
        EquivalentCase{"L/day/kg", "L/(day*kg)"}, EquivalentCase{"1/(1/day)", "day"},
        EquivalentCase{"(mg/L)^2", "mg^2/L^2"}, EquivalentCase{"(mg/L)^-1", "L/mg"},
        EquivalentCase{"((m))", "m"}, EquivalentCase{"(cells/uL)*uL", "cells"},
        // Separators: '*', '.', whitespace, with optional spaces around operators.
        EquivalentCase{"m*s", "m.s"}, EquivalentCase{"m*s", "m s"}, EquivalentCase{"m*s", " m \t* s "},
        EquivalentCase{"mg / L", "mg/L"}, EquivalentCase{"mol.L^-1", "mol L^-1"},
        // Exponents: integers, signed, real.
        EquivalentCase{"m^2", "m*m"}, EquivalentCase{"m^+2", "m2"}, EquivalentCase{"s^-1", "1/s"},
        EquivalentCase{"m^0.5*m^0.5", "m"}, EquivalentCase{"m^1.5", "m*m^0.5"}, EquivalentCase{"m^0", "1"},
        EquivalentCase{"mg/m2", "mg/m^2"}, EquivalentCase{"cm3", "(cm)^3"},
        // Numbers as factors.
        EquivalentCase{"10^6 cells", "1e6 cells"}, EquivalentCase{"10^6 cells", "1000000 cells"},
        EquivalentCase{"10^-3", "0.001"}, EquivalentCase{"1e6 cells/kg", "10^6 cells/kg"},
        EquivalentCase{"2.5e-3 L", "2.5 mL"}));

TEST(UnitGrammar, KeepsTheGivenSpellingWithoutSurroundingSpace) {
  EXPECT_EQ(must_parse("  mg / L \t").name(), "mg / L");
  EXPECT_EQ(must_parse("\xC2\xB5g/mL").name(), "\xC2\xB5g/mL");
}

TEST(UnitGrammar, DeepButBoundedNestingParses) {
  std::string text = std::string(60, '(') + "mg" + std::string(60, ')');
  EXPECT_EQ(must_parse(text), must_parse("mg"));
}

// ---- errors
// -------------------------------------------------------------------------------------------------

struct ErrorCase {
  std::string text;
  std::size_t offset;
  std::string message;  // the whole message, or a part of it when `exact` is false
  bool exact;
};

std::ostream& operator<<(std::ostream& out, const ErrorCase& c) {
  return out << "'" << c.text << "'";
}

class UnitError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(UnitError, NamesTheProblemAndItsOffset) {
  const ErrorCase& c = GetParam();
  ParseResult result;
  ASSERT_NO_THROW(result = parse_unit(c.text));
  EXPECT_FALSE(result.unit.has_value()) << c.text;
  EXPECT_EQ(result.error_offset, c.offset) << c.text << ": " << result.error;
  if (c.exact) {
    EXPECT_EQ(result.error, c.message);
  } else {
    EXPECT_NE(result.error.find(c.message), std::string::npos) << result.error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Offsets, UnitError,
    ::testing::Values(
        ErrorCase{"mgg", 0, "unknown unit 'mgg' at offset 0 (did you mean 'mg'?)", true},
        ErrorCase{"mg/Lx", 3, "unknown unit 'Lx' at offset 3", false},
        ErrorCase{"mcg/kg", 0, "unknown unit 'mcg' at offset 0 (did you mean 'ug'?)", true},
        ErrorCase{"KG", 0, "(did you mean 'kg'?)", false},
        ErrorCase{"\xC2\xB5", 0, "unknown unit '\xC2\xB5' at offset 0", false},
        ErrorCase{"", 0, "empty unit", false}, ErrorCase{"  \t ", 0, "empty unit", false},
        ErrorCase{"mg/", 3, "expected a unit after '/', found end of text at offset 3", true},
        ErrorCase{"mg//L", 3, "expected a unit after '/', found '/' at offset 3", true},
        ErrorCase{"mg*", 3, "expected a unit after '*'", false},
        ErrorCase{"*mg", 0, "expected a unit, found '*' at offset 0", true},
        ErrorCase{"/day", 0, "expected a unit, found '/'", false},
        ErrorCase{"(mg/L", 0, "unclosed '(' at offset 0", true},
        ErrorCase{"((mg)", 0, "unclosed '(' at offset 0", true},
        ErrorCase{"mg/(L*(day)", 3, "unclosed '(' at offset 3", true},
        ErrorCase{"mg/L)", 4, "unmatched ')' at offset 4", true},
        ErrorCase{"()", 1, "expected a unit, found ')' at offset 1", true},
        ErrorCase{"2m", 1, "expected '*', '/', '.' or a space before 'm' at offset 1", true},
        ErrorCase{"m^", 2, "expected an exponent after '^', found end of text at offset 2", true},
        ErrorCase{"m^x", 2, "expected an exponent after '^', found 'x' at offset 2", true},
        ErrorCase{"m^-", 2, "expected an exponent after '^'", false},
        ErrorCase{"cm3^2", 3, "second exponent after 'cm3' at offset 3", true},
        ErrorCase{"m2.5", 1, "(write 'm^2.5' for a fractional exponent)", false},
        ErrorCase{"m^1e999", 2, "number '1e999' out of range at offset 2", true},
        ErrorCase{"1e999 cells", 0, "number '1e999' out of range at offset 0", true},
        ErrorCase{"0 cells", 0, "must be positive", false},
        // 1e-24^20 = 1e-480 and 10^400 leave the range of double; exponents 1e308 + 1e308 overflow.
        ErrorCase{"ym^20", 0, "unit scale out of range at offset 0", true},
        ErrorCase{"cells*10^400", 6, "unit scale out of range at offset 6", true},
        ErrorCase{"m^1e308*m^1e308", 8, "exponent out of range at offset 8", true},
        ErrorCase{"mg_L", 2, "expected '*', '/', '.' or a space before '_' at offset 2", true},
        ErrorCase{"mg\xFF", 2, "non-ASCII byte 0xFF at offset 2", false},
        ErrorCase{"mg\x01", 2, "control character 0x01 at offset 2", false},
        ErrorCase{"mg/\xE2\x80\xA2", 3, "non-ASCII byte 0xE2", false},
        ErrorCase{std::string(100, '(') + "m" + std::string(100, ')'), 64, "nested deeper than 64", false},
        // A long name is cut in the message, never inside the two bytes of a micro sign.
        ErrorCase{std::string(23, 'x') + "\xC2\xB5g", 0,
                  "unknown unit '" + std::string(23, 'x') + "...' at offset 0", false}));

// ---- algebra
// ------------------------------------------------------------------------------------------------

TEST(UnitAlgebra, CellsPerMicrolitreTimesMicrolitreIsCells) {
  const Unit product = must_parse("cells/uL") * must_parse("uL");
  EXPECT_EQ(product, must_parse("cells"));
  EXPECT_EQ(product.name(), "cells");
}

TEST(UnitAlgebra, MgPerKgIsDimensionlessWithScaleOneMillionth) {
  const Unit unit = must_parse("mg/kg");
  EXPECT_TRUE(unit.is_dimensionless());
  EXPECT_NEAR(unit.scale(), 1e-6, 1e-21);  // 1e-6 kg per kg
  EXPECT_NE(unit, Unit::dimensionless());
  EXPECT_TRUE(unit.same_dimension(Unit::dimensionless()));
}

TEST(UnitAlgebra, PowersAndQuotientsFollowTheExponentRules) {
  const Unit m = must_parse("m");
  EXPECT_EQ(m.pow(3), must_parse("m3"));
  EXPECT_EQ(m.pow(0.5).pow(2), m);
  EXPECT_EQ(m / m, Unit::dimensionless());
  EXPECT_EQ(Unit::base(BaseDimension::kMass, 1e-3), must_parse("g"));
  EXPECT_EQ(Unit::scalar(0.01), must_parse("%"));
  EXPECT_DOUBLE_EQ(must_parse("M").exponent(BaseDimension::kLength), -3.0);
}

TEST(UnitAlgebra, EqualityToleratesRoundingOnly) {
  // 1e-9 relative on the scale and 1e-9 absolute on exponents, as the header states.
  EXPECT_EQ(Unit::scalar(1.0 + 1e-12), Unit::scalar(1.0));
  EXPECT_NE(Unit::scalar(1.0 + 1e-6), Unit::scalar(1.0));
  std::array<double, kNumBaseDimensions> almost_metre{};
  almost_metre[static_cast<int>(BaseDimension::kLength)] = 1.0 + 1e-12;
  EXPECT_EQ(Unit::from_parts(1.0, almost_metre), must_parse("m"));
  almost_metre[static_cast<int>(BaseDimension::kLength)] = 1.0 + 1e-6;
  EXPECT_FALSE(Unit::from_parts(1.0, almost_metre).same_dimension(must_parse("m")));
}

struct ConversionCase {
  const char* from;
  const char* to;
  double factor;
};

std::ostream& operator<<(std::ostream& out, const ConversionCase& c) {
  return out << "'" << c.from << "' -> '" << c.to << "'";
}

class UnitConversion : public ::testing::TestWithParam<ConversionCase> {};

TEST_P(UnitConversion, FactorFollowsFromTheDefinitions) {
  const ConversionCase& c = GetParam();
  const double factor = must_parse(c.from).conversion_factor_to(must_parse(c.to));
  EXPECT_NEAR(factor, c.factor, 1e-12 * c.factor) << c.from << " -> " << c.to;
}

INSTANTIATE_TEST_SUITE_P(
    Definitions, UnitConversion,
    ::testing::Values(ConversionCase{"mg", "g", 1e-3}, ConversionCase{"g", "mg", 1e3},
                      ConversionCase{"day", "h", 24}, ConversionCase{"1/h", "1/day", 24},
                      ConversionCase{"1/day", "1/h", 1.0 / 24}, ConversionCase{"wk", "d", 7},
                      ConversionCase{"yr", "d", 365.25}, ConversionCase{"mg/dL", "mg/L", 10},
                      ConversionCase{"nM", "M", 1e-9}, ConversionCase{"ug/mL", "mg/L", 1},
                      ConversionCase{"%", "1", 0.01}, ConversionCase{"pg/mL", "ng/L", 1},
                      ConversionCase{"mM", "mol/m3", 1}, ConversionCase{"10^6 cells/kg", "cells/kg", 1e6},
                      ConversionCase{"MIU", "IU", 1e6}));

TEST(UnitConversion, DifferentDimensionsAreABug) {
  // mmol/L and mg/dL both measure glucose, but converting needs a molar mass the units do not know.
  EXPECT_THROW((void)must_parse("mmol/L").conversion_factor_to(must_parse("mg/dL")), InternalError);
  EXPECT_THROW((void)must_parse("h").conversion_factor_to(must_parse("m")), InternalError);
}

TEST(UnitAlgebra, InvalidPartsAndOverflowThrow) {
  EXPECT_THROW(Unit::scalar(0.0), InternalError);
  EXPECT_THROW(Unit::scalar(-1.0), InternalError);
  EXPECT_THROW(Unit::scalar(std::nan("")), InternalError);
  EXPECT_THROW(Unit::base(BaseDimension::kCount_), InternalError);
  EXPECT_THROW((void)must_parse("m").pow(std::nan("")), InternalError);
  EXPECT_THROW((void)(Unit::scalar(1e200) * Unit::scalar(1e200)), std::range_error);
  EXPECT_THROW((void)(Unit::scalar(1e-200) / Unit::scalar(1e200)), std::range_error);
}

// ---- names
// --------------------------------------------------------------------------------------------------

TEST(UnitName, BuiltNamesAreReadable) {
  EXPECT_EQ((must_parse("mg") / must_parse("L")).name(), "mg/L");
  EXPECT_EQ(must_parse("mg/L").pow(2).name(), "mg^2/L^2");
  EXPECT_EQ((must_parse("1/day") * must_parse("cells")).name(), "cells/day");
  EXPECT_EQ((must_parse("10^6 cells") / must_parse("kg")).name(), "10^6 cells/kg");
  EXPECT_EQ((must_parse("L") / must_parse("L")).name(), "1");
  EXPECT_EQ(must_parse("m^2").pow(0.5).name(), "m");
  EXPECT_EQ(Unit().name(), "1");
  EXPECT_EQ(Unit::base(BaseDimension::kTime).name(), "s");
  EXPECT_EQ(Unit::scalar(0.01).name(), "0.01");
}

TEST(UnitName, NamesThatDoNotParseAreKeptVerbatim) {
  const Unit per_day = must_parse("1/day").with_name("per_day");
  const Unit product = per_day * must_parse("nM");
  EXPECT_EQ(product.name(), "per_day*nM");
  EXPECT_EQ(product, must_parse("nM/day"));
  EXPECT_EQ((must_parse("mg") / must_parse("1/day").with_name("per day")).name(), "mg/(per day)");
  EXPECT_EQ(per_day.pow(2).name(), "per_day^2");
}

TEST(UnitName, BuiltNamesParseBackToEqualUnits) {
  const char* texts[] = {"cells/uL", "uL",    "1/day", "mg/kg",    "10^6 cells", "%",         "IU/mL",
                         "nM",       "mg/dL", "m^0.5", "L/day/kg", "(mg/L)^2",   "\xC2\xB5g", "cm3"};
  for (const char* a : texts) {
    for (const char* b : texts) {
      const Unit ua = must_parse(a), ub = must_parse(b);
      for (const Unit& built : {ua * ub, ua / ub, ua.pow(2), ua.pow(-0.5), ub.pow(3) / ua}) {
        const ParseResult reparsed = parse_unit(built.name());
        ASSERT_TRUE(reparsed.unit.has_value()) << built.name() << ": " << reparsed.error;
        EXPECT_EQ(*reparsed.unit, built) << a << ", " << b << " -> " << built.name();
      }
    }
  }
}

TEST(UnitName, SiStringsForMessages) {
  // The header's own examples: 1 mL = 1e-6 m^3; 1 mg/L = 1e-6 kg / 1e-3 m^3.
  EXPECT_EQ(must_parse("mL").to_si_string(), "1e-06 m^3");
  EXPECT_EQ(must_parse("mg/L").to_si_string(), "0.001 kg*m^-3");
  EXPECT_EQ(must_parse("M").to_si_string(), "1000 mol*m^-3");
  EXPECT_EQ(must_parse("cells/kg").to_si_string(), "item*kg^-1");
  EXPECT_EQ(must_parse("h").to_si_string(), "3600 s");
  EXPECT_EQ(must_parse("%").to_si_string(), "0.01");
  EXPECT_EQ(Unit().to_si_string(), "1");
  for (const char* text : {"1/day", "mg/dL", "IU/mL", "yr", "m^0.5", "K*A/cd", "ng/L"}) {
    const Unit unit = must_parse(text);
    EXPECT_EQ(must_parse(unit.to_si_string()), unit) << text << " -> " << unit.to_si_string();
  }
}

// ---- quantities
// ---------------------------------------------------------------------------------------------

TEST(Quantity, NumberThenOptionalUnit) {
  struct Case {
    const char* text;
    double value;
    const char* unit;
  };
  for (const Case& c :
       {Case{"100 mg", 100, "mg"}, Case{"1e6 cells/kg", 1e6, "cells/kg"}, Case{"12 h", 12, "h"},
        Case{"5", 5, "1"}, Case{"-3 mg", -3, "mg"}, Case{"+2 d", 2, "d"}, Case{"100mg", 100, "mg"},
        Case{"  2.5e-3 L ", 2.5e-3, "L"}, Case{".5 mg", 0.5, "mg"}, Case{"3 10^6 cells", 3, "10^6 cells"},
        Case{"0 mg", 0, "mg"}}) {
    const QuantityParseResult result = parse_quantity(c.text);
    ASSERT_TRUE(result.quantity.has_value()) << c.text << ": " << result.error;
    EXPECT_EQ(result.quantity->value, c.value) << c.text;
    EXPECT_EQ(result.quantity->unit, must_parse(c.unit)) << c.text;
    EXPECT_EQ(result.quantity->unit.name(), c.unit) << c.text;
  }
  // 12 h in seconds: 12 * 3600 (SI Brochure Table 8).
  const Quantity twelve_hours = *parse_quantity("12 h").quantity;
  EXPECT_DOUBLE_EQ(twelve_hours.value * twelve_hours.unit.conversion_factor_to(must_parse("s")), 43200.0);
}

TEST(Quantity, ErrorsNameTheProblemAndOffset) {
  for (const ErrorCase& c : {
           ErrorCase{"nan", 0, "'nan' is not a finite number at offset 0", true},
           ErrorCase{"NaN mg", 0, "'NaN' is not a finite number", false},
           ErrorCase{"inf", 0, "'inf' is not a finite number", false},
           ErrorCase{" -Infinity h", 1, "'-Infinity' is not a finite number at offset 1", true},
           ErrorCase{"1e999 mg", 0, "number '1e999' out of range at offset 0", true},
           ErrorCase{"mg", 0, "expected a number at offset 0, found 'm'", true},
           ErrorCase{"", 0, "empty quantity", false},
           ErrorCase{"-", 0, "expected a number", false},
           ErrorCase{"5 mgg", 2, "unknown unit 'mgg' at offset 2 (did you mean 'mg'?)", true},
           ErrorCase{"5 mg)", 4, "unmatched ')' at offset 4", true},
           ErrorCase{"1.5.3 mg", 3, "expected a unit, found '.' at offset 3", true},
       }) {
    QuantityParseResult result;
    ASSERT_NO_THROW(result = parse_quantity(c.text));
    EXPECT_FALSE(result.quantity.has_value()) << c.text;
    EXPECT_EQ(result.error_offset, c.offset) << c.text << ": " << result.error;
    if (c.exact) {
      EXPECT_EQ(result.error, c.message) << c.text;
    } else {
      EXPECT_NE(result.error.find(c.message), std::string::npos) << c.text << ": " << result.error;
    }
  }
}

}  // namespace
}  // namespace tolsim::units
