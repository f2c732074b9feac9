// The unit-string parser behind parse_unit, parse_quantity and the names that Unit algebra builds.
//
// Every unit expression of the grammar (see include/tolsim/units/unit.hpp) is a product of powers of its
// factors, because '/' divides by one factor only and parentheses merely group. So the parser flattens the
// text into a list of factors (symbol^exponent, each with its own value), and the same list serves two
// purposes: evaluating the unit, and rebuilding a readable name in which equal symbols cancel ("cells/uL" *
// "uL" = "cells").
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tolsim/units/unit.hpp"

namespace tolsim::units::detail {

using Exponents = std::array<double, kNumBaseDimensions>;

// One factor of a flattened unit expression: symbol^exponent.
struct Factor {
  std::string symbol;     // the spelling: "mg", "10", "%"; a digit exponent ("cm3") is not part of it
  double exponent = 1.0;  // includes the sign of a preceding '/' and the exponents of enclosing groups
  bool numeric = false;   // a number such as "10" or "1e6" rather than an atom
  // The value of one `symbol`: mantissa * 10^decade times the base dimensions. Keeping powers of ten apart
  // makes "mg/L" exactly 0.001 kg/m^3 instead of a product of rounded prefixes.
  double mantissa = 1.0;
  double decade = 0.0;
  Exponents dims{};
  std::size_t offset = 0;  // byte offset of the symbol in the parsed text
};

// A problem found while parsing, kept in parts so that a caller parsing a substring can shift the offset.
struct ParseProblem {
  std::string what;        // "unknown unit 'mgg'"
  std::size_t offset = 0;  // relative to the parsed text
  std::string hint;        // " (did you mean 'mg'?)" or ""

  // "<what> at offset <offset + base><hint>".
  std::string message(std::size_t base = 0) const;
};

// The factors of `text`, or the first problem. Never throws on any input.
std::variant<std::vector<Factor>, ParseProblem> parse_factors(std::string_view text);

struct Evaluated {
  double scale = 1.0;
  Exponents exponents{};
};

// The value of a factor list, or a problem at the factor that takes the scale or an exponent out of range.
std::variant<Evaluated, ParseProblem> evaluate(const std::vector<Factor>& factors);

// Parses and evaluates `text`; the unit's name is `text` without surrounding whitespace.
std::variant<Unit, ParseProblem> parse_unit_detailed(std::string_view text);

bool is_space(char c);
bool is_digit(char c);

}  // namespace tolsim::units::detail
