#include "tolsim/units/unit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "tolsim/common/error.hpp"
#include "units/unit_parser.hpp"

namespace tolsim::units {

namespace {

// Exponents and relative scales closer than this are equal: units come from decimal text and a few products,
// so their rounding errors are near 1e-15, far below any real difference between two units.
constexpr double kTolerance = 1e-9;
// A name keeps a symbol whose exponent is at least this far from zero. Smaller leftovers of cancellation
// (0.1 + 0.2 - 0.3) change the unit by much less than kTolerance, so parse_unit(name()) stays equal.
constexpr double kNameExponentEpsilon = 1e-12;

constexpr std::string_view kSiSymbols[kNumBaseDimensions] = {"s",  "m", "kg", "mol", "item",
                                                             "IU", "K", "A",  "cd"};

bool scales_equal(double a, double b) {
  return std::abs(a - b) <= kTolerance * std::max(std::abs(a), std::abs(b));
}

void require_valid(double scale, const std::array<double, kNumBaseDimensions>& exponents, const char* where) {
  if (!(std::isfinite(scale) && scale > 0.0))
    throw InternalError(fmt::format("{}: a unit's scale must be positive and finite, got {}", where, scale));
  for (double e : exponents)
    if (!std::isfinite(e))
      throw InternalError(fmt::format("{}: a unit's exponents must be finite, got {}", where, e));
}

// Result of *, / and pow: these can leave the range of double with perfectly valid (if odd) operands.
void require_in_range(double scale, const std::array<double, kNumBaseDimensions>& exponents,
                      const std::string& expression) {
  if (!(std::isnormal(scale) && scale > 0.0))
    throw std::range_error(fmt::format("unit {}: scale {} is out of range", expression, scale));
  for (double e : exponents)
    if (!std::isfinite(e))
      throw std::range_error(fmt::format("unit {}: exponent {} is out of range", expression, e));
}

// ---- names
// -------------------------------------------------------------------------------------------------

struct Symbol {
  std::string text;
  double exponent;
  bool numeric;
};

void merge(std::vector<Symbol>& into, const std::vector<Symbol>& from, double power) {
  for (const auto& symbol : from) {
    bool found = false;
    for (auto& existing : into) {
      if (existing.text == symbol.text) {
        existing.exponent += symbol.exponent * power;
        found = true;
        break;
      }
    }
    if (!found) into.push_back({symbol.text, symbol.exponent * power, symbol.numeric});
  }
}

// The symbols of a unit's name, merged by spelling, or nullopt when the name does not parse or does not
// describe the unit (with_name can set any text); such names are then only concatenated, never simplified.
std::optional<std::vector<Symbol>> symbols_of(const Unit& unit) {
  auto parsed = detail::parse_factors(unit.name());
  if (!std::holds_alternative<std::vector<detail::Factor>>(parsed)) return std::nullopt;
  const auto& factors = std::get<std::vector<detail::Factor>>(parsed);
  const auto value = detail::evaluate(factors);
  if (!std::holds_alternative<detail::Evaluated>(value)) return std::nullopt;
  const auto& evaluated = std::get<detail::Evaluated>(value);
  if (!scales_equal(evaluated.scale, unit.scale())) return std::nullopt;
  for (int d = 0; d < kNumBaseDimensions; ++d)
    if (std::abs(evaluated.exponents[d] - unit.exponent(static_cast<BaseDimension>(d))) > kTolerance)
      return std::nullopt;
  std::vector<Symbol> symbols;
  for (const auto& f : factors) merge(symbols, {{f.symbol, f.exponent, f.numeric}}, 1.0);
  return symbols;
}

std::string power_suffix(double exponent) {
  return exponent == 1.0 ? std::string() : fmt::format("^{}", exponent);
}

// "10^6 cells*mL/day/kg^2": factors with positive exponents in order of first appearance, then '/' before
// each one with a negative exponent. No parentheses are needed because '/' divides by one factor only.
std::string format_symbols(const std::vector<Symbol>& symbols) {
  std::string numerator, denominator;
  bool previous_numeric = false;
  for (const auto& s : symbols) {
    if (std::abs(s.exponent) < kNameExponentEpsilon) continue;
    if (s.text == "1" || s.text == "dimensionless") continue;  // equal to 1 whatever the power
    if (s.exponent > 0.0) {
      if (!numerator.empty()) numerator += previous_numeric ? " " : "*";
      numerator += s.text + power_suffix(s.exponent);
      previous_numeric = s.numeric;
    } else {
      denominator += "/" + s.text + power_suffix(-s.exponent);
    }
  }
  return (numerator.empty() ? std::string("1") : numerator) + denominator;
}

// A name that may follow '/' or precede '^' as one factor; anything else is parenthesised.
std::string as_factor(const Unit& unit) {
  const std::string& name = unit.name().empty() ? unit.to_si_string() : unit.name();
  if (name.find_first_of(" \t\n\r\v\f*/.^()") == std::string::npos) return name;
  return "(" + name + ")";
}

std::string product_name(const Unit& a, const Unit& b, double power) {
  auto left = symbols_of(a);
  auto right = symbols_of(b);
  if (left && right) {
    merge(*left, *right, power);
    return format_symbols(*left);
  }
  return as_factor(a) + (power > 0.0 ? "*" : "/") + as_factor(b);
}

std::string power_name(const Unit& a, double exponent) {
  if (auto symbols = symbols_of(a)) {
    for (auto& s : *symbols) s.exponent *= exponent;
    return format_symbols(*symbols);
  }
  if (exponent == 0.0) return "1";
  return as_factor(a) + power_suffix(exponent);
}

}  // namespace

// ---- Unit
// ----------------------------------------------------------------------------------------------------

Unit Unit::base(BaseDimension dimension, double scale) {
  const int index = static_cast<int>(dimension);
  if (index < 0 || index >= kNumBaseDimensions)
    throw InternalError(fmt::format("Unit::base: {} is not a base dimension", index));
  std::array<double, kNumBaseDimensions> exponents{};
  exponents[index] = 1.0;
  return from_parts(scale, exponents);
}

Unit Unit::scalar(double scale) {
  return from_parts(scale, {});
}

Unit Unit::from_parts(double scale, const std::array<double, kNumBaseDimensions>& exponents,
                      std::string name) {
  require_valid(scale, exponents, "Unit::from_parts");
  Unit unit;
  unit.scale_ = scale;
  unit.exponents_ = exponents;
  unit.name_ = name.empty() ? unit.to_si_string() : std::move(name);
  return unit;
}

bool Unit::is_dimensionless() const {
  for (double e : exponents_)
    if (std::abs(e) > kTolerance) return false;
  return true;
}

Unit Unit::operator*(const Unit& other) const {
  Unit result;
  result.scale_ = scale_ * other.scale_;
  for (int d = 0; d < kNumBaseDimensions; ++d) result.exponents_[d] = exponents_[d] + other.exponents_[d];
  require_in_range(result.scale_, result.exponents_, fmt::format("'{}' * '{}'", name_, other.name_));
  result.name_ = product_name(*this, other, 1.0);
  return result;
}

Unit Unit::operator/(const Unit& other) const {
  Unit result;
  result.scale_ = scale_ / other.scale_;
  for (int d = 0; d < kNumBaseDimensions; ++d) result.exponents_[d] = exponents_[d] - other.exponents_[d];
  require_in_range(result.scale_, result.exponents_, fmt::format("'{}' / '{}'", name_, other.name_));
  result.name_ = product_name(*this, other, -1.0);
  return result;
}

Unit Unit::pow(double exponent) const {
  if (!std::isfinite(exponent))
    throw InternalError(fmt::format("Unit::pow: exponent {} is not finite", exponent));
  Unit result;
  result.scale_ = std::pow(scale_, exponent);
  for (int d = 0; d < kNumBaseDimensions; ++d) result.exponents_[d] = exponents_[d] * exponent;
  require_in_range(result.scale_, result.exponents_, fmt::format("'{}'^{}", name_, exponent));
  result.name_ = power_name(*this, exponent);
  return result;
}

bool Unit::same_dimension(const Unit& other) const {
  for (int d = 0; d < kNumBaseDimensions; ++d)
    if (std::abs(exponents_[d] - other.exponents_[d]) > kTolerance) return false;
  return true;
}

bool Unit::operator==(const Unit& other) const {
  return same_dimension(other) && scales_equal(scale_, other.scale_);
}

double Unit::conversion_factor_to(const Unit& other) const {
  if (!same_dimension(other))
    throw InternalError(fmt::format("cannot convert '{}' ({}) to '{}' ({}): the dimensions differ", name_,
                                    to_si_string(), other.name_, other.to_si_string()));
  return scale_ / other.scale_;
}

Unit Unit::with_name(std::string name) const {
  Unit result = *this;
  result.name_ = std::move(name);
  return result;
}

std::string Unit::to_si_string() const {
  // 15 significant digits hide the last-bit noise of prefix products (0.001 * 0.001) in messages; the text
  // still parses back to an equal unit.
  std::string scale_text = fmt::format("{:.15g}", scale_);
  double reread = 0.0;
  const auto reparsed = std::from_chars(scale_text.data(), scale_text.data() + scale_text.size(), reread);
  // Near the ends of the range of double, 15 digits may round out of it: fall back to the exact shortest
  // form.
  if (reparsed.ec != std::errc() || !std::isnormal(reread)) scale_text = fmt::format("{}", scale_);
  std::string dimensions;
  for (const bool positive : {true, false}) {
    for (int d = 0; d < kNumBaseDimensions; ++d) {
      const double e = exponents_[d];
      if (std::abs(e) <= kTolerance || (e > 0.0) != positive) continue;
      if (!dimensions.empty()) dimensions += "*";
      dimensions += std::string(kSiSymbols[d]) + power_suffix(e);
    }
  }
  if (dimensions.empty()) return scale_text;
  if (scale_text == "1") return dimensions;
  return scale_text + " " + dimensions;
}

ParseResult parse_unit(std::string_view text) {
  ParseResult result;
  auto parsed = detail::parse_unit_detailed(text);
  if (auto* problem = std::get_if<detail::ParseProblem>(&parsed)) {
    result.error = problem->message();
    result.error_offset = problem->offset;
    return result;
  }
  result.unit = std::move(std::get<Unit>(parsed));
  return result;
}

}  // namespace tolsim::units
