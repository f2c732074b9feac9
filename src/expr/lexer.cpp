#include "expr/lexer.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cstdint>
#include <system_error>

#include "tolsim/expr/ast.hpp"

namespace tolsim::expr::detail {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

// Long tokens are shortened in messages so that one line stays one line.
std::string quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 32;
  if (text.size() <= kMaxShown) return fmt::format("'{}'", text);
  return fmt::format("'{}...'", text.substr(0, kMaxShown));
}

// Bytes of the UTF-8 sequence starting at text[pos], or 0 when the bytes there are not valid UTF-8 (RFC 3629
// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(pos);
  std::size_t length = 0;
  std::uint8_t second_lo = 0x80, second_hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_lo = 0xA0;
    if (lead == 0xED) second_hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_lo = 0x90;
    if (lead == 0xF4) second_hi = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  if (byte(pos + 1) < second_lo || byte(pos + 1) > second_hi) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 0;
  return length;
}

[[noreturn]] void unknown_character(std::string_view text, std::size_t pos) {
  const auto byte = static_cast<std::uint8_t>(text[pos]);
  if (byte >= 0x20 && byte < 0x7F) throw SyntaxError(fmt::format("unknown character '{}'", text[pos]), pos);
  if (byte < 0x80) throw SyntaxError(fmt::format("unknown control character 0x{:02X}", byte), pos);
  const std::size_t length = utf8_length(text, pos);
  if (length == 0) throw SyntaxError(fmt::format("invalid byte 0x{:02X} (the text is not UTF-8)", byte), pos);
  throw SyntaxError(fmt::format("unknown character '{}'", text.substr(pos, length)), pos);
}

// The characters a reader would take as one malformed number ("1.2.3", "1e", "2x"), for the message.
std::string_view number_run(std::string_view text, std::size_t start) {
  std::size_t end = start;
  while (end < text.size()) {
    const char c = text[end];
    const bool sign_of_exponent =
        (c == '+' || c == '-') && end > start && (text[end - 1] == 'e' || text[end - 1] == 'E');
    if (!is_name_char(c) && c != '.' && !sign_of_exponent) break;
    ++end;
  }
  return text.substr(start, end - start);
}

// Whether a literal that from_chars rejects as out of range is too large (rather than too small), from its
// decimal magnitude: the power of ten of its first non-zero digit.
bool magnitude_is_large(std::string_view literal) {
  std::int64_t integer_digits = 0, first_nonzero = -1, index = 0;
  bool in_fraction = false;
  std::size_t i = 0;
  for (; i < literal.size() && literal[i] != 'e' && literal[i] != 'E'; ++i) {
    if (literal[i] == '.') {
      in_fraction = true;
      continue;
    }
    if (!in_fraction) ++integer_digits;
    if (literal[i] != '0' && first_nonzero < 0) first_nonzero = index;
    ++index;
  }
  std::int64_t exponent = 0;
  if (i < literal.size()) {
    ++i;
    const bool negative = i < literal.size() && literal[i] == '-';
    if (i < literal.size() && (literal[i] == '-' || literal[i] == '+')) ++i;
    // Saturate: any exponent beyond a billion is out of range whatever the digits before it are.
    for (; i < literal.size() && exponent < 1'000'000'000; ++i) exponent = exponent * 10 + (literal[i] - '0');
    if (negative) exponent = -exponent;
  }
  return integer_digits - 1 - first_nonzero + exponent > 0;
}

}  // namespace

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of input";
  return quote(token.text);
}

void Lexer::skip_space() {
  while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
}

Token Lexer::next() {
  skip_space();
  Token token;
  token.offset = pos_;
  if (pos_ >= text_.size()) {
    token.kind = TokenKind::kEnd;
    return token;
  }
  const char c = text_[pos_];
  const char after = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  if (is_digit(c) || (c == '.' && is_digit(after))) return lex_number(pos_);
  if (is_name_start(c)) return lex_name(pos_);

  auto single = [&](TokenKind kind) {
    token.kind = kind;
    token.length = 1;
    token.text = text_.substr(pos_, 1);
    pos_ += 1;
    return token;
  };
  auto pair = [&](TokenKind kind) {
    token.kind = kind;
    token.length = 2;
    token.text = text_.substr(pos_, 2);
    pos_ += 2;
    return token;
  };
  switch (c) {
    case '+':
      return single(TokenKind::kPlus);
    case '-':
      return single(TokenKind::kMinus);
    case '/':
      return single(TokenKind::kSlash);
    case '^':
      return single(TokenKind::kCaret);
    case '(':
      return single(TokenKind::kLParen);
    case ')':
      return single(TokenKind::kRParen);
    case ',':
      return single(TokenKind::kComma);
    case '[':
      return single(TokenKind::kLBracket);
    case ']':
      return single(TokenKind::kRBracket);
    case '*':
      // Python's power operator is a likely habit of model authors; say what to write instead.
      if (after == '*') throw SyntaxError("unexpected '**' (use '^' for powers)", pos_);
      return single(TokenKind::kStar);
    case '!':
      return after == '=' ? pair(TokenKind::kNe) : single(TokenKind::kBang);
    case '<':
      return after == '=' ? pair(TokenKind::kLe) : single(TokenKind::kLt);
    case '>':
      return after == '=' ? pair(TokenKind::kGe) : single(TokenKind::kGt);
    case '=':
      if (after == '=') return pair(TokenKind::kEqEq);
      throw SyntaxError("unexpected '=' (use '==' to compare)", pos_);
    case '&':
      if (after == '&') return pair(TokenKind::kAndAnd);
      throw SyntaxError("unexpected '&' (use '&&' for logical and)", pos_);
    case '|':
      if (after == '|') return pair(TokenKind::kOrOr);
      throw SyntaxError("unexpected '|' (use '||' for logical or)", pos_);
    case '.':
      throw SyntaxError("unexpected '.'", pos_);
    default:
      unknown_character(text_, pos_);
  }
}

Token Lexer::lex_number(std::size_t start) {
  std::size_t i = start;
  auto fail = [&](std::size_t where, std::string_view why) {
    throw SyntaxError(fmt::format("invalid number {}: {}", quote(number_run(text_, start)), why), where);
  };
  auto digits = [&] {
    while (i < text_.size() && is_digit(text_[i])) ++i;
  };
  digits();
  if (i < text_.size() && text_[i] == '.') {
    ++i;
    if (i >= text_.size() || !is_digit(text_[i])) fail(i, "expected a digit after '.'");
    digits();
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= text_.size() || !is_digit(text_[i])) fail(i, "expected digits in the exponent");
    digits();
  }
  if (i < text_.size() && (is_name_char(text_[i]) || text_[i] == '.'))
    fail(i, fmt::format("unexpected '{}'", text_[i]));

  Token token;
  token.kind = TokenKind::kNumber;
  token.offset = start;
  token.text = text_.substr(start, i - start);
  token.length = i - start;
  // from_chars reads exactly the strtod grammar without locale; it reports results that overflow to infinity
  // or underflow to zero as out of range, and keeps subnormal values.
  const auto result = std::from_chars(text_.data() + start, text_.data() + i, token.number);
  if (result.ec == std::errc::result_out_of_range) {
    throw SyntaxError(
        magnitude_is_large(token.text)
            ? fmt::format("number out of range: {} is too large for a double", quote(token.text))
            : fmt::format("number out of range: {} is too small for a double (it would be 0)",
                          quote(token.text)),
        start);
  }
  if (result.ec != std::errc() || result.ptr != text_.data() + i) fail(start, "not a decimal number");
  pos_ = i;
  lex_unit(token);
  return token;
}

void Lexer::lex_unit(Token& number) {
  std::size_t open = pos_;
  while (open < text_.size() && is_space(text_[open])) ++open;
  if (open >= text_.size() || text_[open] != '[') return;
  std::size_t close = open + 1;
  for (; close < text_.size() && text_[close] != ']'; ++close) {
    // Units never nest brackets; a second '[' means the first one was not closed.
    if (text_[close] == '[')
      throw SyntaxError(fmt::format("expected ']' to close '[' at offset {}, found '['", open), close);
  }
  if (close >= text_.size())
    throw SyntaxError(fmt::format("expected ']' to close '[' at offset {}", open), close);
  std::size_t first = open + 1, last = close;
  while (first < last && is_space(text_[first])) ++first;
  while (last > first && is_space(text_[last - 1])) --last;
  if (first == last) throw SyntaxError("empty unit annotation", open);
  number.unit = std::string(text_.substr(first, last - first));
  number.length = close + 1 - number.offset;
  pos_ = close + 1;
}

Token Lexer::lex_name(std::size_t start) {
  std::size_t i = start;
  while (true) {
    while (i < text_.size() && is_name_char(text_[i])) ++i;
    if (i >= text_.size() || text_[i] != '.') break;
    ++i;  // a dot separates namespaces and must be followed by another name
    if (i >= text_.size() || !is_name_start(text_[i]))
      throw SyntaxError(fmt::format("expected a name after '.' in {}", quote(text_.substr(start, i - start))),
                        i);
  }
  Token token;
  token.kind = TokenKind::kName;
  token.offset = start;
  token.length = i - start;
  token.text = text_.substr(start, i - start);
  pos_ = i;
  return token;
}

}  // namespace tolsim::expr::detail
