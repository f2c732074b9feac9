#include "units/unit_parser.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "tolsim/common/error.hpp"

namespace tolsim::units::detail {

namespace {

// Deep enough for any hand-written unit, shallow enough that hostile input cannot exhaust the stack.
constexpr int kMaxDepth = 64;
// Long numbers or names are cut when quoted in a message.
constexpr std::size_t kMaxQuote = 24;

constexpr Exponents dims(double time, double length, double mass, double substance = 0, double item = 0,
                         double activity = 0, double temperature = 0, double current = 0,
                         double luminosity = 0) {
  return {time, length, mass, substance, item, activity, temperature, current, luminosity};
}

struct Atom {
  std::string_view symbol;
  double mantissa;  // value = mantissa * 10^decade in SI base units (kg for mass)
  double decade;
  Exponents dims;
  bool prefixable;
};

constexpr Exponents kNone = dims(0, 0, 0);
constexpr Exponents kTime = dims(1, 0, 0);
constexpr Exponents kLength = dims(0, 1, 0);
constexpr Exponents kVolume = dims(0, 3, 0);
constexpr Exponents kMass = dims(0, 0, 1);
constexpr Exponents kSubstance = dims(0, 0, 0, 1);
constexpr Exponents kMolar = dims(0, -3, 0, 1);
constexpr Exponents kItem = dims(0, 0, 0, 0, 1);
constexpr Exponents kActivity = dims(0, 0, 0, 0, 0, 1);

// Values from the SI Brochure (BIPM, 9th ed., 2019): Table 8 for min, h, d, L; the Julian year (365.25 d) of
// the IAU; molar M = mol/dm^3 (IUPAC Green Book). The prefixable atoms come first in their group: the
// did-you-mean list is built in this order, and the first equally close candidate wins.
constexpr Atom kAtoms[] = {
    {"g", 1, -3, kMass, true},
    {"L", 1, -3, kVolume, true},
    {"mol", 1, 0, kSubstance, true},
    {"M", 1, 3, kMolar, true},
    {"m", 1, 0, kLength, true},
    {"s", 1, 0, kTime, true},
    {"IU", 1, 0, kActivity, true},
    {"l", 1, -3, kVolume, true},
    {"kg", 1, 0, kMass, false},
    {"gram", 1, -3, kMass, false},
    {"grams", 1, -3, kMass, false},
    {"litre", 1, -3, kVolume, false},
    {"litres", 1, -3, kVolume, false},
    {"liter", 1, -3, kVolume, false},
    {"liters", 1, -3, kVolume, false},
    {"metre", 1, 0, kLength, false},
    {"metres", 1, 0, kLength, false},
    {"meter", 1, 0, kLength, false},
    {"meters", 1, 0, kLength, false},
    {"mole", 1, 0, kSubstance, false},
    {"moles", 1, 0, kSubstance, false},
    {"sec", 1, 0, kTime, false},
    {"second", 1, 0, kTime, false},
    {"seconds", 1, 0, kTime, false},
    {"min", 60, 0, kTime, false},
    {"minute", 60, 0, kTime, false},
    {"minutes", 60, 0, kTime, false},
    {"h", 3600, 0, kTime, false},
    {"hr", 3600, 0, kTime, false},
    {"hour", 3600, 0, kTime, false},
    {"hours", 3600, 0, kTime, false},
    {"d", 86400, 0, kTime, false},
    {"day", 86400, 0, kTime, false},
    {"days", 86400, 0, kTime, false},
    {"wk", 604800, 0, kTime, false},
    {"week", 604800, 0, kTime, false},
    {"weeks", 604800, 0, kTime, false},
    {"month", 2629800, 0, kTime, false},  // a twelfth of a Julian year: 30.4375 d
    {"months", 2629800, 0, kTime, false},
    {"yr", 31557600, 0, kTime, false},
    {"year", 31557600, 0, kTime, false},
    {"years", 31557600, 0, kTime, false},
    {"cell", 1, 0, kItem, false},
    {"cells", 1, 0, kItem, false},
    {"item", 1, 0, kItem, false},
    {"items", 1, 0, kItem, false},
    {"dimensionless", 1, 0, kNone, false},
    {"count", 1, 0, kNone, false},
    {"joints", 1, 0, kNone, false},
    {"points", 1, 0, kNone, false},
    {"score", 1, 0, kNone, false},
    {"fraction", 1, 0, kNone, false},
    {"%", 1, -2, kNone, false},
    {"percent", 1, -2, kNone, false},
    {"K", 1, 0, dims(0, 0, 0, 0, 0, 0, 1), false},
    {"A", 1, 0, dims(0, 0, 0, 0, 0, 0, 0, 1), false},
    {"cd", 1, 0, dims(0, 0, 0, 0, 0, 0, 0, 0, 1), false},
};

struct Prefix {
  std::string_view symbol;
  double decade;
};

// SI Brochure Table 7. Ordered by how often they occur in pharmacology, for the did-you-mean list.
constexpr Prefix kPrefixes[] = {
    {"m", -3}, {"u", -6}, {"n", -9},  {"p", -12}, {"k", 3},   {"f", -15},       {"c", -2},        {"d", -1},
    {"M", 6},  {"G", 9},  {"a", -18}, {"z", -21}, {"y", -24}, {"\xC2\xB5", -6}, {"\xCE\xBC", -6},
};

// Common spellings outside the grammar whose nearest name by edit distance would be a dangerous suggestion
// ("mcg" is one edit from "mg", a factor 1000 away).
struct Hint {
  std::string_view spelling;
  std::string_view suggestion;
};
constexpr Hint kHints[] = {{"mcg", "ug"}, {"mcL", "uL"}, {"mcmol", "umol"}, {"cc", "mL"}, {"IE", "IU"}};

struct AtomValue {
  double mantissa;
  double decade;
  Exponents dims;
};

const Atom* find_atom(std::string_view symbol) {
  for (const auto& atom : kAtoms)
    if (atom.symbol == symbol) return &atom;
  return nullptr;
}

// An exact atom wins; otherwise one prefix followed by a prefixable atom.
std::optional<AtomValue> lookup(std::string_view identifier) {
  if (const Atom* atom = find_atom(identifier)) return AtomValue{atom->mantissa, atom->decade, atom->dims};
  for (const auto& prefix : kPrefixes) {
    if (identifier.size() <= prefix.symbol.size() ||
        identifier.substr(0, prefix.symbol.size()) != prefix.symbol)
      continue;
    const Atom* atom = find_atom(identifier.substr(prefix.symbol.size()));
    if (atom != nullptr && atom->prefixable)
      return AtomValue{atom->mantissa, atom->decade + prefix.decade, atom->dims};
  }
  return std::nullopt;
}

std::string suggestion_for(std::string_view identifier) {
  for (const auto& hint : kHints)
    if (hint.spelling == identifier) return fmt::format(" (did you mean '{}'?)", hint.suggestion);
  // Edit distance costs length x length per candidate; no name this long is within three edits of an atom.
  if (identifier.size() > kMaxQuote) return {};
  std::vector<std::string> candidates;
  for (const auto& atom : kAtoms) candidates.emplace_back(atom.symbol);
  for (const auto& prefix : kPrefixes) {
    if (static_cast<unsigned char>(prefix.symbol[0]) >= 0x80) continue;  // 'u' already stands for micro
    for (const auto& atom : kAtoms)
      if (atom.prefixable) candidates.push_back(std::string(prefix.symbol) + std::string(atom.symbol));
  }
  return did_you_mean(std::string(identifier), candidates);
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string quote(std::string_view text) {
  if (text.size() <= kMaxQuote) return fmt::format("'{}'", text);
  // Never cut a UTF-8 sequence ("µ") in half: messages must stay valid UTF-8.
  std::size_t cut = kMaxQuote;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("'{}...'", text.substr(0, cut));
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::variant<std::vector<Factor>, ParseProblem> run() {
    std::vector<Factor> factors;
    skip_space();
    if (at_end()) return ParseProblem{"empty unit (write '1' or 'dimensionless' for a pure number)", 0, ""};
    if (!product(0, factors)) return *problem_;
    if (!at_end()) return ParseProblem{"unmatched ')'", pos_, ""};  // product() stops only at the end or ')'
    return factors;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }
  std::size_t micro_length(std::size_t at) const {
    if (at + 1 >= text_.size()) return 0;
    const std::string_view two = text_.substr(at, 2);
    return (two == "\xC2\xB5" || two == "\xCE\xBC") ? 2 : 0;
  }
  bool fail(std::string what, std::size_t offset, std::string hint = {}) {
    problem_ = ParseProblem{std::move(what), offset, std::move(hint)};
    return false;
  }

  // What stands at `at`, for messages; raw non-ASCII bytes are shown as hex so that messages stay valid
  // UTF-8.
  std::string describe(std::size_t at) const {
    if (at >= text_.size()) return "end of text";
    const auto byte = static_cast<unsigned char>(text_[at]);
    if (byte >= 0x80) return fmt::format("non-ASCII byte 0x{:02X}", byte);
    if (byte < 0x20 || byte == 0x7F) return fmt::format("control character 0x{:02X}", byte);
    return fmt::format("'{}'", text_[at]);
  }
  std::string describe_hint(std::size_t at) const {
    if (at < text_.size() && static_cast<unsigned char>(text_[at]) >= 0x80)
      return " (the only non-ASCII characters understood are the micro signs '\xC2\xB5' and '\xCE\xBC')";
    return {};
  }

  // product = factor (separator factor)*; stops at the end of the text or before ')'.
  bool product(int depth, std::vector<Factor>& out) {
    double sign = 1.0;
    char op = 0;
    for (;;) {
      if (!factor(depth, sign, op, out)) return false;
      const std::size_t before = pos_;
      skip_space();
      if (at_end() || peek() == ')') return true;
      const char c = peek();
      if (c == '*' || c == '.' || c == '/') {
        op = c;
        sign = c == '/' ? -1.0 : 1.0;
        ++pos_;
        skip_space();
      } else if (pos_ > before) {
        op = 0;  // whitespace multiplies
        sign = 1.0;
      } else {
        return fail(fmt::format("expected '*', '/', '.' or a space before {}", describe(pos_)), pos_,
                    describe_hint(pos_));
      }
    }
  }

  bool factor(int depth, double sign, char op, std::vector<Factor>& out) {
    const std::size_t start = pos_;
    const char c = peek();
    if (c == '(') return group(depth, sign, out);
    if (is_digit(c)) return number(sign, out);
    if (is_letter(c) || c == '%' || micro_length(pos_) > 0) return atom(sign, out);
    const std::string after = op != 0 ? fmt::format(" after '{}'", op) : std::string();
    return fail(fmt::format("expected a unit{}, found {}", after, describe(start)), start,
                describe_hint(start));
  }

  bool group(int depth, double sign, std::vector<Factor>& out) {
    const std::size_t open = pos_;
    if (depth >= kMaxDepth) return fail(fmt::format("parentheses nested deeper than {}", kMaxDepth), open);
    ++pos_;
    skip_space();
    const std::size_t first = out.size();
    if (!product(depth + 1, out)) return false;
    if (peek() != ')') return fail("unclosed '('", open);
    ++pos_;
    double power = 1.0;
    if (peek() == '^' && !exponent(power)) return false;
    for (std::size_t i = first; i < out.size(); ++i) {
      out[i].exponent *= power * sign;
      if (!std::isfinite(out[i].exponent)) return fail("exponent out of range", open);
    }
    return true;
  }

  bool number(double sign, std::vector<Factor>& out) {
    const std::size_t start = pos_;
    double value = 0.0;
    if (!scan_number(value)) return false;
    if (value == 0.0)
      return fail("a number in a unit must be positive, got " + quote(text_.substr(start, pos_ - start)),
                  start);
    Factor f;
    f.symbol = std::string(text_.substr(start, pos_ - start));
    f.numeric = true;
    f.mantissa = value;
    f.offset = start;
    if (peek() == '^' && !exponent(f.exponent)) return false;
    f.exponent *= sign;
    out.push_back(std::move(f));
    return true;
  }

  bool atom(double sign, std::vector<Factor>& out) {
    const std::size_t start = pos_;
    if (peek() == '%') {
      ++pos_;
    } else {
      for (;;) {
        if (!at_end() && is_letter(text_[pos_])) {
          ++pos_;
        } else if (const std::size_t n = micro_length(pos_); n > 0) {
          pos_ += n;
        } else {
          break;
        }
      }
    }
    const std::string_view identifier = text_.substr(start, pos_ - start);
    const auto value = lookup(identifier);
    if (!value) return fail("unknown unit " + quote(identifier), start, suggestion_for(identifier));
    Factor f;
    f.symbol = std::string(identifier);
    f.mantissa = value->mantissa;
    f.decade = value->decade;
    f.dims = value->dims;
    f.offset = start;
    if (is_digit(peek())) {
      // UCUM style "cm3": unsigned digits right after an atom are an integer exponent.
      const std::size_t digits = pos_;
      while (is_digit(peek())) ++pos_;
      if (!to_double(text_.substr(digits, pos_ - digits), f.exponent))
        return fail("exponent " + quote(text_.substr(digits, pos_ - digits)) + " out of range", digits);
      if (peek() == '^')
        return fail("second exponent after " + quote(text_.substr(start, pos_ - start)), pos_);
      if (peek() == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
        // "m2.5" would read as m^2 * 5: refuse to guess.
        std::size_t end = pos_ + 1;
        while (end < text_.size() && is_digit(text_[end])) ++end;
        return fail("ambiguous digits after " + quote(identifier), digits,
                    fmt::format(" (write '{}^{}' for a fractional exponent)", identifier,
                                text_.substr(digits, end - digits)));
      }
    } else if (peek() == '^' && !exponent(f.exponent)) {
      return false;
    }
    f.exponent *= sign;
    out.push_back(std::move(f));
    return true;
  }

  // '^' [+-] number
  bool exponent(double& value) {
    ++pos_;  // '^'
    const std::size_t start = pos_;
    double sign = 1.0;
    if (peek() == '+' || peek() == '-') {
      sign = peek() == '-' ? -1.0 : 1.0;
      ++pos_;
    }
    if (!is_digit(peek()))
      return fail(fmt::format("expected an exponent after '^', found {}", describe(pos_)), start,
                  describe_hint(pos_));
    double magnitude = 0.0;
    if (!scan_number(magnitude)) return false;
    value = sign * magnitude;
    return true;
  }

  // digits ['.' digits] [('e'|'E') ['+'|'-'] digits], starting at a digit.
  bool scan_number(double& value) {
    const std::size_t start = pos_;
    while (is_digit(peek())) ++pos_;
    if (peek() == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
      ++pos_;
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      std::size_t at = pos_ + 1;
      if (at < text_.size() && (text_[at] == '+' || text_[at] == '-')) ++at;
      if (at < text_.size() && is_digit(text_[at])) {
        pos_ = at;
        while (is_digit(peek())) ++pos_;
      }
    }
    const std::string_view literal = text_.substr(start, pos_ - start);
    if (!to_double(literal, value)) return fail("number " + quote(literal) + " out of range", start);
    return true;
  }

  static bool to_double(std::string_view literal, double& value) {
    const auto result = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    return result.ec == std::errc() && result.ptr == literal.data() + literal.size() && std::isfinite(value);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<ParseProblem> problem_;
};

}  // namespace

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string ParseProblem::message(std::size_t base) const {
  return fmt::format("{} at offset {}{}", what, offset + base, hint);
}

std::variant<std::vector<Factor>, ParseProblem> parse_factors(std::string_view text) {
  return Parser(text).run();
}

std::variant<Evaluated, ParseProblem> evaluate(const std::vector<Factor>& factors) {
  // The product is kept as mantissa * 2^binary * 10^decade with the mantissa renormalised after every factor,
  // and a power that leaves the range of double on its own ("1e308^2") is folded into the decade: whether the
  // unit is in range depends on the whole product, never on the order of its factors.
  double mantissa = 1.0;
  long binary = 0;
  double decade = 0.0;
  Evaluated result;
  // The factor that moves the scale most is blamed when the whole is out of range.
  std::size_t blamed = factors.empty() ? 0 : factors.front().offset;
  double largest_contribution = -1.0;
  for (const auto& f : factors) {
    const double power = std::pow(f.mantissa, f.exponent);
    if (std::isnormal(power)) {
      int shift = 0;
      mantissa = std::frexp(mantissa * power, &shift);
      binary += shift;
    } else {
      decade += std::log10(f.mantissa) * f.exponent;
    }
    decade += f.decade * f.exponent;
    const double contribution = std::abs(f.exponent * (std::log10(f.mantissa) + f.decade));
    if (contribution > largest_contribution) {
      largest_contribution = contribution;
      blamed = f.offset;
    }
    if (!std::isfinite(decade)) return ParseProblem{"unit scale out of range", f.offset, ""};
    for (int d = 0; d < kNumBaseDimensions; ++d) {
      result.exponents[d] += f.dims[d] * f.exponent;
      if (!std::isfinite(result.exponents[d])) return ParseProblem{"exponent out of range", f.offset, ""};
    }
  }
  // Far outside the range of double (10^+-308): stop before the arithmetic below loses meaning.
  if (std::abs(decade) > 1e6 || std::abs(binary) > 1000000)
    return ParseProblem{"unit scale out of range", blamed, ""};
  result.scale = std::ldexp(mantissa, static_cast<int>(binary)) * std::pow(10.0, decade);
  // A large power of two with a small power of ten (or the reverse) can leave the range in one of the two
  // alone.
  if (!std::isnormal(result.scale))
    result.scale =
        std::pow(10.0, std::log10(mantissa) + static_cast<double>(binary) * std::log10(2.0) + decade);
  if (!(std::isnormal(result.scale) && result.scale > 0.0))
    return ParseProblem{"unit scale out of range", blamed, ""};
  return result;
}

std::variant<Unit, ParseProblem> parse_unit_detailed(std::string_view text) {
  auto parsed = parse_factors(text);
  if (auto* problem = std::get_if<ParseProblem>(&parsed)) return std::move(*problem);
  auto value = evaluate(std::get<std::vector<Factor>>(parsed));
  if (auto* problem = std::get_if<ParseProblem>(&value)) return std::move(*problem);
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  const auto& evaluated = std::get<Evaluated>(value);
  return Unit::from_parts(evaluated.scale, evaluated.exponents, std::string(text.substr(begin, end - begin)));
}

}  // namespace tolsim::units::detail
