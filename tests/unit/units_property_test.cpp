// Property tests of the unit parser and algebra, with fixed seeds so that a run is reproducible.
//
// The oracle for generated units is independent of the parser: the generator writes a unit expression and,
// from its own table of SI definitions (SI Brochure, 9th ed., Tables 7 and 8; Julian year 365.25 d; M =
// mol/dm^3), computes the value that expression must have.
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "support/property.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::units {
namespace {

using tolsim::testing::check_property;

// ---- an independent model of unit values
// --------------------------------------------------------------------

using Dims = std::array<double, kNumBaseDimensions>;  // s, m, kg, mol, item, IU, K, A, cd

struct Value {
  double scale = 1.0;
  Dims dims{};
};

Value times(Value a, const Value& b, double power) {
  a.scale *= std::pow(b.scale, power);
  for (int d = 0; d < kNumBaseDimensions; ++d) a.dims[d] += b.dims[d] * power;
  return a;
}

struct TestAtom {
  const char* text;
  double scale;
  Dims dims;
  bool prefixable;
};

constexpr Dims kT{1}, kL{0, 1}, kV{0, 3}, kKg{0, 0, 1}, kMol{0, 0, 0, 1}, kMolar{0, -3, 0, 1},
    kItem{0, 0, 0, 0, 1}, kIU{0, 0, 0, 0, 0, 1}, kOne{};

const std::vector<TestAtom> kTestAtoms = {
    {"g", 1e-3, kKg, true},
    {"L", 1e-3, kV, true},
    {"l", 1e-3, kV, true},
    {"mol", 1, kMol, true},
    {"M", 1e3, kMolar, true},
    {"m", 1, kL, true},
    {"s", 1, kT, true},
    {"IU", 1, kIU, true},
    {"kg", 1, kKg, false},
    {"min", 60, kT, false},
    {"h", 3600, kT, false},
    {"hr", 3600, kT, false},
    {"d", 86400, kT, false},
    {"day", 86400, kT, false},
    {"wk", 7 * 86400, kT, false},
    {"yr", 365.25 * 86400, kT, false},
    {"cells", 1, kItem, false},
    {"item", 1, kItem, false},
    {"%", 0.01, kOne, false},
    {"percent", 0.01, kOne, false},
    {"dimensionless", 1, kOne, false},
    {"score", 1, kOne, false},
    {"litre", 1e-3, kV, false},
    {"gram", 1e-3, kKg, false},
};

struct TestPrefix {
  const char* text;
  double factor;
};
// Moderate prefixes only, so that generated units and their products stay far inside the range of double.
const std::vector<TestPrefix> kTestPrefixes = {
    {"", 1},      {"m", 1e-3}, {"u", 1e-6}, {"\xC2\xB5", 1e-6}, {"\xCE\xBC", 1e-6}, {"n", 1e-9},
    {"p", 1e-12}, {"k", 1e3},  {"M", 1e6},  {"G", 1e9},         {"c", 1e-2},        {"d", 1e-1}};

using Choices = std::vector<std::pair<const char*, double>>;

struct Generated {
  std::string text;
  Value value;
};

// One factor: an atom (maybe prefixed) with an optional exponent, or a number.
rc::Gen<Generated> gen_factor() {
  return rc::gen::exec([] {
    Generated out;
    if (*rc::gen::inRange(0, 6) == 0) {
      const auto number = *rc::gen::elementOf(
          Choices{{"10^6", 1e6}, {"1e3", 1e3}, {"2.5", 2.5}, {"1000", 1000}, {"10^-3", 1e-3}, {"0.5", 0.5}});
      out.text = number.first;
      out.value.scale = number.second;
      return out;
    }
    const TestAtom& atom = *rc::gen::elementOf(kTestAtoms);
    const TestPrefix& prefix = atom.prefixable ? *rc::gen::elementOf(kTestPrefixes) : kTestPrefixes[0];
    out.text = std::string(prefix.text) + atom.text;
    out.value = times(Value{prefix.factor, {}}, Value{atom.scale, atom.dims}, 1.0);
    const bool ends_in_letter = out.text.back() != '%';
    const auto power = *rc::gen::elementOf(Choices{{"", 1},
                                                   {"^2", 2},
                                                   {"^-1", -1},
                                                   {"^0.5", 0.5},
                                                   {"^-2", -2},
                                                   {ends_in_letter ? "2" : "^2", 2},
                                                   {ends_in_letter ? "3" : "^3", 3}});
    out.text += power.first;
    out.value = times(Value{}, out.value, power.second);
    return out;
  });
}

// A product of up to three terms; a term is a factor or, at the outer level, a parenthesised product.
rc::Gen<Generated> gen_product(int depth) {
  return rc::gen::exec([depth] {
    const int terms = *rc::gen::inRange(1, depth == 0 ? 4 : 3);
    Generated out;
    for (int i = 0; i < terms; ++i) {
      Generated term;
      if (depth == 0 && *rc::gen::inRange(0, 4) == 0) {
        const Generated inner = *gen_product(depth + 1);
        const auto power = *rc::gen::elementOf(Choices{{"", 1}, {"^-1", -1}, {"^0.5", 0.5}});
        term.text = "(" + inner.text + ")" + power.first;
        term.value = times(Value{}, inner.value, power.second);
      } else {
        term = *gen_factor();
      }
      double power = 1.0;
      if (i > 0) {
        std::string op = *rc::gen::elementOf(std::vector<std::string>{"*", " * ", ".", " ", "/", " / "});
        // A '.' before a digit is a decimal point ("m^2.5"), not a separator.
        if (op == "." && term.text[0] >= '0' && term.text[0] <= '9') op = "*";
        if (op.find('/') != std::string::npos) power = -1.0;
        out.text += op;
      }
      out.text += term.text;
      out.value = times(out.value, term.value, power);
    }
    return out;
  });
}

void showValue(const Generated& g, std::ostream& out) {
  out << "'" << g.text << "'";
}

Unit unit_of(const Value& value) {
  return Unit::from_parts(value.scale, value.dims);
}

Unit parsed(const std::string& text) {
  const ParseResult result = parse_unit(text);
  RC_LOG() << "parse '" << text << "': " << (result.unit ? result.unit->to_si_string() : result.error)
           << "\n";
  RC_ASSERT(result.unit.has_value());
  return *result.unit;
}

TEST(UnitProperty, GeneratedUnitsHaveTheirDefinedValue) {
  check_property(
      [] {
        const Generated g = *gen_product(0);
        const ParseResult result = parse_unit(g.text);
        RC_LOG() << "'" << g.text << "': " << result.error << "\n";
        RC_ASSERT(result.error.empty());
        RC_ASSERT(result.unit.has_value());
        RC_ASSERT(*result.unit == unit_of(g.value));
        RC_ASSERT(result.unit->name() == g.text);
      },
      0x756e697473ULL, 1000);
}

TEST(UnitProperty, ProductThenQuotientGivesBackTheFirstUnit) {
  check_property(
      [] {
        const Unit a = parsed((*gen_product(0)).text);
        const Unit b = parsed((*gen_product(0)).text);
        RC_ASSERT((a * b) / b == a);
        RC_ASSERT((a / b) * b == a);
        RC_ASSERT(a.pow(2) / a == a);
      },
      0x616c67656272ULL);
}

TEST(UnitProperty, BuiltNamesAndSiStringsParseBackToEqualUnits) {
  check_property(
      [] {
        const Unit a = parsed((*gen_product(0)).text);
        const Unit b = parsed((*gen_product(0)).text);
        const double exponent = *rc::gen::element(2.0, -1.0, 0.5, 3.0, -1.5);
        for (const Unit& built : {a * b, a / b, a.pow(exponent), (a * b).pow(exponent) / b}) {
          RC_LOG() << "name: " << built.name() << ", SI: " << built.to_si_string() << "\n";
          RC_ASSERT(parsed(built.name()) == built);
          RC_ASSERT(parsed(built.to_si_string()) == built);
        }
      },
      0x6e616d6573ULL);
}

// ---- parsers never throw
// ------------------------------------------------------------------------------------

// Pieces of the grammar, so that random text reaches deep into the parser and not just its first error.
const std::vector<std::string> kTokens = {
    "m",    "g",    "mg", "L",  "uL", "\xC2\xB5", "\xCE\xBC", "cells", "IU",   "M",      "d",     "min",
    "%",    "(",    ")",  "^",  "-",  "+",        "1",        "2",     "0",    "1e6",    "1e999", "10",
    ".",    "*",    "/",  " ",  "\t", "e",        "E",        "^-1",   "^0.5", "^1e308", "nan",   "inf",
    "\xFF", "\xC2", "_",  "((", "))", "3",        "1e-320",   "0.",    "cm3",  "ym^20",  "10^400"};

rc::Gen<std::string> gen_token_soup() {
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kTokens)),
                      [](const std::vector<std::string>& tokens) {
                        std::string text;
                        for (const auto& token : tokens) text += token;
                        return text;
                      });
}

rc::Gen<std::string> gen_any_text() {
  return rc::gen::oneOf(rc::gen::container<std::string>(rc::gen::arbitrary<char>()), gen_token_soup());
}

TEST(UnitProperty, ParseUnitNeverThrowsAndReportsAnOffsetInsideTheText) {
  check_property(
      [] {
        const std::string text = *gen_any_text();
        const ParseResult result = parse_unit(text);  // an exception fails the property
        RC_ASSERT(result.unit.has_value() == result.error.empty());
        RC_ASSERT(result.error_offset <= text.size());
        if (result.unit) {
          RC_ASSERT(parsed(result.unit->name()) == *result.unit);
          RC_ASSERT(parsed(result.unit->to_si_string()) == *result.unit);
        }
      },
      0x66757a7aULL, 3000);
}

TEST(UnitProperty, ParseQuantityNeverThrowsAndValuesAreFinite) {
  check_property(
      [] {
        const std::string text = *rc::gen::oneOf(
            gen_any_text(), rc::gen::map(gen_token_soup(), [](std::string s) { return "-1.5 " + s; }));
        const QuantityParseResult result = parse_quantity(text);
        RC_ASSERT(result.quantity.has_value() == result.error.empty());
        RC_ASSERT(result.error_offset <= text.size());
        if (result.quantity) RC_ASSERT(std::isfinite(result.quantity->value));
      },
      0x7175616e74ULL, 3000);
}

}  // namespace
}  // namespace tolsim::units
