// Tokenizer of math expressions (private to the parser).
//
// Tokens are produced on demand, one at a time, so that a lexical problem is reported where the parser
// reaches it: the first problem in reading order is the one the user sees. A number token carries its
// optional unit annotation
// ("0.04 [1/day]"), because the text inside the brackets is not made of expression tokens ("µg/mL", "%").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tolsim::expr::detail {

enum class TokenKind {
  kEnd,
  kNumber,
  kName,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kCaret,
  kBang,
  kLParen,
  kRParen,
  kComma,
  kLBracket,
  kRBracket,
  kLt,
  kLe,
  kGt,
  kGe,
  kEqEq,
  kNe,
  kAndAnd,
  kOrOr,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  // first byte of the token
  std::size_t length = 0;  // bytes, including a number's unit annotation
  std::string_view text;   // the token as written (a number without its annotation)
  double number = 0.0;     // kNumber
  std::string unit;        // kNumber: the trimmed text inside '[...]', or empty
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token; kEnd (at offset text.size()) once the text is exhausted. Throws SyntaxError.
  Token next();

  std::string_view text() const { return text_; }

 private:
  Token lex_number(std::size_t start);
  Token lex_name(std::size_t start);
  void lex_unit(Token& number);
  void skip_space();

  std::string_view text_;
  std::size_t pos_ = 0;
};

// "'x'" for a token (shortened when long), "end of input" for kEnd: how a token is quoted in messages.
std::string describe(const Token& token);

// Whitespace between tokens: space, tab, newline, carriage return, form feed, vertical tab.
bool is_space(char c);

}  // namespace tolsim::expr::detail
