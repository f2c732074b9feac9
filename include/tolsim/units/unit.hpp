// Physical units: parsing, algebra and comparison.
//
// A Unit is a scale factor times a product of base dimensions with real exponents (real, because x^n with a
// non-integer Hill coefficient n is common in pharmacology). Two units are equal when their dimensions and scales
// agree, whatever their spelling: "mg/L" equals "ug/mL". Units never convert values inside model equations (SBML
// semantics); they are checked. Conversions happen only at the edges: doses, scenario times and overrides.
//
// Base dimensions follow SBML's base units where they overlap, plus the international unit (IU), whose size is
// defined per substance by bioassay and so cannot be reduced to mass or substance.
//
// Atoms understood by parse_unit (case-sensitive):
//   dimensionless: 1, dimensionless, count, joints, points, score, fraction; % and percent (= 0.01)
//   time:          s sec second(s), min minute(s), h hr hour(s), d day(s), wk week(s), yr year(s) (365.25 d)
//   volume:        L l litre(s) liter(s), m3 (length: m metre(s) meter(s))
//   mass:          g gram(s), kg
//   substance:     mol mole(s); molar M (= mol/L)
//   count:         cell cells item items (SBML "item")
//   activity:      IU
//   other SI base: K (kelvin), A (ampere), cd (candela), so that to_si_string() always parses back
// Prefixes (on g, L, l, mol, M, m, s, IU): y z a f p n u µ μ m c d k M G.
// An exact atom wins over prefix+atom: "min" is minute, "d" day but "dL" decilitre, "M" molar, "mM" millimolar.
// Grammar: factor (('*' | '/' | '.' | ' ') factor)*, factor = atom ['^' exponent] | number ['^' exponent] |
// '(' unit ')' ['^' exponent]. '/' divides by the single factor after it: "a/b/c" = a/(b*c), "a/b*c" = (a/b)*c.
// Unsigned digits written directly after an atom are an integer exponent, as in UCUM: "cm3" = cm^3 (so "m3" is
// m^3, "mg/m2" is per square metre); a sign needs '^' ("s^-1"). Numbers start with a digit ("1e6", "0.5"), and
// a '.' followed by a digit continues a number or exponent ("m^2.5"), so write "m^2*5" rather than "m^2.5" for m^2 x 5.
// Examples: "cells/uL", "1/day", "mg/kg", "L/day/kg", "mol*L^-1", "pg/mL", "10^6 cells", "%".
//
// Invariant: the scale is positive and finite and the exponents are finite. Violating a precondition (a bad
// scale to base/scalar/from_parts, conversion between different dimensions) throws tolsim::InternalError;
// operator*, operator/ and pow throw std::range_error when the result leaves the range of double.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tolsim::units {

enum class BaseDimension : int {
  kTime = 0,   // second
  kLength,     // metre (volume is length^3)
  kMass,       // kilogram
  kSubstance,  // mole
  kItem,       // a counted entity: cells
  kActivity,   // international unit
  kTemperature,
  kCurrent,
  kLuminosity,
  kCount_  // number of base dimensions; not a dimension
};
inline constexpr int kNumBaseDimensions = static_cast<int>(BaseDimension::kCount_);

class Unit {
 public:
  // Dimensionless with scale 1.
  Unit() = default;

  static Unit dimensionless() { return Unit(); }
  static Unit base(BaseDimension dimension, double scale = 1.0);
  static Unit scalar(double scale);
  // A unit from its parts, for code that computes dimensions itself; an empty name means to_si_string().
  static Unit from_parts(double scale, const std::array<double, kNumBaseDimensions>& exponents,
                         std::string name = {});

  double scale() const { return scale_; }
  double exponent(BaseDimension dimension) const { return exponents_[static_cast<int>(dimension)]; }
  bool is_dimensionless() const;  // no dimensions; the scale may differ from 1 (percent)

  Unit operator*(const Unit& other) const;
  Unit operator/(const Unit& other) const;
  Unit pow(double exponent) const;

  // Same dimensions (scale ignored), with exponents compared to 1e-9.
  bool same_dimension(const Unit& other) const;
  // Same dimensions and scales equal to 1e-9 relative.
  bool operator==(const Unit& other) const;
  bool operator!=(const Unit& other) const { return !(*this == other); }

  // Factor f such that a value v in this unit equals v*f in `other`. Requires same_dimension.
  double conversion_factor_to(const Unit& other) const;

  // The spelling this unit was parsed from, or a canonical spelling built from its parts ("cells/uL", "1/day").
  // Names built by *, / and pow cancel and merge factors of parseable names ("cells/uL" * "uL" is "cells"), so
  // that parse_unit(u.name()) == u; a name set by with_name that does not parse is kept verbatim in parentheses.
  const std::string& name() const { return name_; }
  Unit with_name(std::string name) const;

  // Canonical SI form for messages: "1e-06 m^3", "0.001 kg*m^-3"...
  std::string to_si_string() const;

 private:
  double scale_ = 1.0;
  std::array<double, kNumBaseDimensions> exponents_{};
  std::string name_ = "1";
};

struct ParseResult {
  std::optional<Unit> unit;
  std::string error;             // empty on success
  std::size_t error_offset = 0;  // byte offset into the text where the problem starts
};

// Parses a unit string. Never throws; reports the offending offset on failure.
ParseResult parse_unit(std::string_view text);

// A quantity given as "100 mg", "1e6 cells/kg" or "12 h": a number followed by an optional unit.
struct Quantity {
  double value = 0.0;
  Unit unit;
};
struct QuantityParseResult {
  std::optional<Quantity> quantity;
  std::string error;
  std::size_t error_offset = 0;
};
QuantityParseResult parse_quantity(std::string_view text);

}  // namespace tolsim::units
