#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "tolsim/units/unit.hpp"
#include "units/unit_parser.hpp"

namespace tolsim::units {

namespace {

QuantityParseResult failure(std::string error, std::size_t offset) {
  QuantityParseResult result;
  result.error = std::move(error);
  result.error_offset = offset;
  return result;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_word(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(text[i]) != word[i]) return false;
  return true;
}

}  // namespace

QuantityParseResult parse_quantity(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size() && detail::is_space(text[pos])) ++pos;
  if (pos == text.size())
    return failure("empty quantity (expected a number and an optional unit) at offset 0", 0);

  const std::size_t start = pos;
  double sign = 1.0;
  if (text[pos] == '+' || text[pos] == '-') {
    sign = text[pos] == '-' ? -1.0 : 1.0;
    ++pos;
  }
  // from_chars would accept these spellings; a dose of NaN or infinity is never meant.
  const std::string_view rest = text.substr(pos);
  if (starts_with_word(rest, "nan") || starts_with_word(rest, "inf")) {
    std::size_t end = pos;
    while (end < text.size() &&
           ((text[end] >= 'a' && text[end] <= 'z') || (text[end] >= 'A' && text[end] <= 'Z')))
      ++end;
    return failure(
        fmt::format("'{}' is not a finite number at offset {}", text.substr(start, end - start), start),
        start);
  }

  // digits ['.' digits] | '.' digits, then an optional exponent.
  const std::size_t digits_start = pos;
  std::size_t digit_count = 0;
  while (pos < text.size() && detail::is_digit(text[pos])) ++pos, ++digit_count;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t after = pos + 1;
    std::size_t fraction = 0;
    while (after < text.size() && detail::is_digit(text[after])) ++after, ++fraction;
    if (fraction > 0 || digit_count > 0) {
      pos = after;
      digit_count += fraction;
    }
  }
  if (digit_count == 0) {
    const std::string found = start < text.size() && static_cast<unsigned char>(text[start]) < 0x80
                                  ? fmt::format("'{}'", text[start])
                                  : std::string("a non-ASCII byte");
    return failure(fmt::format("expected a number at offset {}, found {}", start, found), start);
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    std::size_t at = pos + 1;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    if (at < text.size() && detail::is_digit(text[at])) {
      pos = at;
      while (pos < text.size() && detail::is_digit(text[pos])) ++pos;
    }
  }
  double magnitude = 0.0;
  const char* first = text.data() + digits_start;
  const char* last = text.data() + pos;
  const auto parsed = std::from_chars(first, last, magnitude);
  if (parsed.ec != std::errc() || parsed.ptr != last || !std::isfinite(magnitude)) {
    const std::string_view literal = text.substr(start, std::min<std::size_t>(pos - start, 24));
    return failure(
        fmt::format("number '{}{}' out of range at offset {}", literal, pos - start > 24 ? "..." : "", start),
        start);
  }

  QuantityParseResult result;
  Quantity quantity;
  quantity.value = sign * magnitude;
  std::size_t unit_start = pos;
  while (unit_start < text.size() && detail::is_space(text[unit_start])) ++unit_start;
  if (unit_start < text.size()) {
    auto unit = detail::parse_unit_detailed(text.substr(unit_start));
    if (auto* problem = std::get_if<detail::ParseProblem>(&unit))
      return failure(problem->message(unit_start), problem->offset + unit_start);
    quantity.unit = std::move(std::get<Unit>(unit));
  }
  result.quantity = std::move(quantity);
  return result;
}

}  // namespace tolsim::units
