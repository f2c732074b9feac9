// Recursive-descent parser of the grammar documented in include/tolsim/expr/ast.hpp: one function per
// precedence level, so that the code reads like the grammar.
//
// Two limits keep every recursive pass over the tree (this parser, to_string, the destructor of the tree, the
// derivative and code generators later) far from the end of the stack, whatever the input:
//   - nesting: '(' groups, call argument lists, unary operators and '^' exponents each open one level; more
//   than
//     kMaxNesting levels is an error (this bounds the parser's own recursion);
//   - depth: the height of the resulting tree, which also grows with chains of left-associative operators
//     ("a + b + c + ..." is a left-leaning tree as tall as the chain is long) that the parser builds in a
//     loop.
//
// Spans: a node covers its own text; a parenthesized operand keeps the span of what is inside the
// parentheses, but the node built around it (a binary operator, a unary operator, a call) covers the
// parentheses too, so that every span is a balanced piece of the source ("(a + b) * c" -> "(a + b) * c" and
// "a + b").
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "expr/lexer.hpp"
#include "tolsim/expr/ast.hpp"

namespace tolsim::expr {

namespace {

using detail::Lexer;
using detail::Token;
using detail::TokenKind;

constexpr int kMaxNesting = 200;
// Sums of a few hundred terms exist in real models; a thousand levels is still a small stack for any tree
// walk.
constexpr int kMaxDepth = 1000;

// An operand as parsed: the node, the source text it came from (including enclosing parentheses) and the
// height of its tree.
struct Parsed {
  AstPtr node;
  std::size_t begin = 0;
  std::size_t end = 0;
  int depth = 1;
};

// Binary precedence levels, lowest first, as in the grammar; kLevelCount is the unary level.
struct BinaryRule {
  TokenKind token;
  AstOp op;
};
constexpr BinaryRule kOrRules[] = {{TokenKind::kOrOr, AstOp::kOr}};
constexpr BinaryRule kAndRules[] = {{TokenKind::kAndAnd, AstOp::kAnd}};
constexpr BinaryRule kEqualityRules[] = {{TokenKind::kEqEq, AstOp::kEq}, {TokenKind::kNe, AstOp::kNe}};
constexpr BinaryRule kRelationRules[] = {{TokenKind::kLt, AstOp::kLt},
                                         {TokenKind::kLe, AstOp::kLe},
                                         {TokenKind::kGt, AstOp::kGt},
                                         {TokenKind::kGe, AstOp::kGe}};
constexpr BinaryRule kAdditiveRules[] = {{TokenKind::kPlus, AstOp::kAdd}, {TokenKind::kMinus, AstOp::kSub}};
constexpr BinaryRule kTermRules[] = {{TokenKind::kStar, AstOp::kMul}, {TokenKind::kSlash, AstOp::kDiv}};

struct BinaryLevel {
  const BinaryRule* rules;
  std::size_t count;
};
constexpr BinaryLevel kLevels[] = {
    {kOrRules, std::size(kOrRules)},
    {kAndRules, std::size(kAndRules)},
    {kEqualityRules, std::size(kEqualityRules)},
    {kRelationRules, std::size(kRelationRules)},
    {kAdditiveRules, std::size(kAdditiveRules)},
    {kTermRules, std::size(kTermRules)},
};
constexpr std::size_t kLevelCount = std::size(kLevels);

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  AstPtr parse_all() {
    if (token_.kind == TokenKind::kEnd) throw SyntaxError("empty expression", 0);
    Parsed result = parse_binary(0);
    if (token_.kind != TokenKind::kEnd) trailing_text(result);
    return result.node;
  }

 private:
  // Counts one nesting level for as long as it lives.
  class NestingLevel {
   public:
    NestingLevel(Parser& parser, std::size_t offset) : parser_(parser) {
      if (++parser_.nesting_ > kMaxNesting)
        throw SyntaxError(fmt::format("expression nested deeper than {} levels", kMaxNesting), offset);
    }
    ~NestingLevel() { --parser_.nesting_; }
    NestingLevel(const NestingLevel&) = delete;
    NestingLevel& operator=(const NestingLevel&) = delete;

   private:
    Parser& parser_;
  };

  void advance() { token_ = lexer_.next(); }

  static int checked_depth(int depth, std::size_t offset) {
    if (depth > kMaxDepth) {
      throw SyntaxError(
          fmt::format("expression deeper than {} operations; split it into intermediate quantities",
                      kMaxDepth),
          offset);
    }
    return depth;
  }

  static Parsed node(Ast ast, std::size_t begin, std::size_t end, int depth) {
    ast.offset = begin;
    ast.length = end - begin;
    return {std::make_shared<const Ast>(std::move(ast)), begin, end, depth};
  }

  static Parsed binary(AstOp op, Parsed lhs, Parsed rhs, std::size_t op_offset) {
    Ast ast;
    ast.kind = AstKind::kBinary;
    ast.op = op;
    ast.args = {std::move(lhs.node), std::move(rhs.node)};
    const int depth = checked_depth(1 + std::max(lhs.depth, rhs.depth), op_offset);
    return node(std::move(ast), lhs.begin, rhs.end, depth);
  }

  Parsed parse_binary(std::size_t level) {
    if (level == kLevelCount) return parse_unary();
    Parsed lhs = parse_binary(level + 1);
    while (true) {
      const BinaryLevel& rules = kLevels[level];
      const BinaryRule* rule = std::find_if(rules.rules, rules.rules + rules.count,
                                            [&](const BinaryRule& r) { return r.token == token_.kind; });
      if (rule == rules.rules + rules.count) return lhs;
      const std::size_t op_offset = token_.offset;
      advance();
      Parsed rhs = parse_binary(level + 1);
      lhs = binary(rule->op, std::move(lhs), std::move(rhs), op_offset);
    }
  }

  Parsed parse_unary() {
    AstOp op = AstOp::kNone;
    if (token_.kind == TokenKind::kMinus) op = AstOp::kNeg;
    if (token_.kind == TokenKind::kPlus) op = AstOp::kPlus;
    if (token_.kind == TokenKind::kBang) op = AstOp::kNot;
    if (op == AstOp::kNone) return parse_power();
    const std::size_t op_offset = token_.offset;
    NestingLevel level(*this, op_offset);
    advance();
    Parsed arg = parse_unary();
    Ast ast;
    ast.kind = AstKind::kUnary;
    ast.op = op;
    ast.args = {std::move(arg.node)};
    return node(std::move(ast), op_offset, arg.end, checked_depth(1 + arg.depth, op_offset));
  }

  Parsed parse_power() {
    Parsed base = parse_postfix();
    if (token_.kind != TokenKind::kCaret) return base;
    const std::size_t op_offset = token_.offset;
    NestingLevel level(*this, op_offset);
    advance();
    // The exponent is a unary expression: a^-b is allowed, and a^b^c nests to the right.
    Parsed exponent = parse_unary();
    return binary(AstOp::kPow, std::move(base), std::move(exponent), op_offset);
  }

  Parsed parse_postfix() {
    switch (token_.kind) {
      case TokenKind::kNumber: {
        Ast ast;
        ast.kind = AstKind::kNumber;
        ast.number = token_.number;
        ast.unit = std::move(token_.unit);
        const std::size_t begin = token_.offset, end = token_.offset + token_.length;
        advance();
        return node(std::move(ast), begin, end, 1);
      }
      case TokenKind::kName: {
        Ast ast;
        ast.name = std::string(token_.text);
        const std::size_t begin = token_.offset, end = token_.offset + token_.length;
        advance();
        if (token_.kind == TokenKind::kLParen) return parse_call(std::move(ast), begin);
        ast.kind = AstKind::kSymbol;
        return node(std::move(ast), begin, end, 1);
      }
      case TokenKind::kLParen: {
        const std::size_t open = token_.offset;
        NestingLevel level(*this, open);
        advance();
        Parsed inner = parse_binary(0);
        if (token_.kind != TokenKind::kRParen) expected_close("')'", open);
        inner.begin = open;
        inner.end = token_.offset + token_.length;
        advance();
        return inner;
      }
      case TokenKind::kEnd:
        throw SyntaxError("expected an expression", token_.offset);
      default:
        throw SyntaxError(fmt::format("unexpected {}", detail::describe(token_)), token_.offset);
    }
  }

  // The name has been read and the current token is '('.
  Parsed parse_call(Ast ast, std::size_t begin) {
    const std::size_t open = token_.offset;
    NestingLevel level(*this, open);
    advance();
    ast.kind = AstKind::kCall;
    int depth = 0;
    if (token_.kind != TokenKind::kRParen) {
      while (true) {
        Parsed arg = parse_binary(0);
        depth = std::max(depth, arg.depth);
        ast.args.push_back(std::move(arg.node));
        if (token_.kind == TokenKind::kRParen) break;
        if (token_.kind != TokenKind::kComma) expected_close("',' or ')'", open);
        advance();
      }
    }
    const std::size_t end = token_.offset + token_.length;
    advance();
    return node(std::move(ast), begin, end, checked_depth(1 + depth, begin));
  }

  [[noreturn]] void expected_close(std::string_view what, std::size_t open) const {
    std::string message = fmt::format("expected {} to close '(' at offset {}", what, open);
    if (token_.kind != TokenKind::kEnd) message += fmt::format(", found {}", detail::describe(token_));
    throw SyntaxError(message, token_.offset);
  }

  // A complete expression is followed by more text; say what the author probably meant.
  [[noreturn]] void trailing_text(const Parsed& expression) const {
    const std::string found = detail::describe(token_);
    std::string hint;
    const Ast& ast = *expression.node;
    if (token_.kind == TokenKind::kLBracket) {
      hint = " (a unit annotation '[...]' may only follow a number)";
    } else if (token_.kind == TokenKind::kName && (token_.text == "and" || token_.text == "or")) {
      hint = fmt::format(" ('{}' is not an operator; use '{}')", token_.text,
                         token_.text == "and" ? "&&" : "||");
    } else if (ast.kind == AstKind::kSymbol && ast.name == "not" && expression.begin == ast.offset) {
      hint = " ('not' is not an operator; use '!' or not(...))";
    } else if (token_.kind == TokenKind::kName || token_.kind == TokenKind::kNumber ||
               token_.kind == TokenKind::kLParen) {
      hint = " (missing operator?)";
    }
    throw SyntaxError(fmt::format("unexpected {} after a complete expression{}", found, hint), token_.offset);
  }

  Lexer lexer_;
  Token token_;
  int nesting_ = 0;
};

}  // namespace

AstPtr parse_expression(std::string_view text) {
  return Parser(text).parse_all();
}

}  // namespace tolsim::expr
