// Unit tests of the expression parser, printer and AST helpers (include/tolsim/expr/ast.hpp).
//
// Where expected values come from:
//   - trees: derived by hand from the grammar and precedence table in the header comment of ast.hpp, written
//   as
//     S-expressions and compared through a printer local to this test (not through equal() or to_string());
//   - numbers: the C++ compiler's own conversion of the same decimal literal (an independent strtod-exact
//     conversion), and std::numeric_limits for the extremes;
//   - offsets and spans: counted by hand in the input strings (the comment next to each case shows the
//   count);
//   - messages: the wording this parser promises to users (see the task's examples: "expected ')' to close
//   '(' at
//     offset 3", "unexpected '*'", "expected an expression", "unknown character '#'").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/ast.hpp"

namespace tolsim::expr {
namespace {

// An S-expression of the tree, independent of to_string(): "(+ a (* b 2))", "(neg x)", "(call f a b)",
// "0.04[1/day]".
std::string sexpr(const Ast& ast) {
  auto op_name = [](AstOp op) -> std::string {
    switch (op) {
      case AstOp::kNeg:
        return "neg";
      case AstOp::kPlus:
        return "pos";
      case AstOp::kNot:
        return "not";
      case AstOp::kAdd:
        return "+";
      case AstOp::kSub:
        return "-";
      case AstOp::kMul:
        return "*";
      case AstOp::kDiv:
        return "/";
      case AstOp::kPow:
        return "^";
      case AstOp::kLt:
        return "<";
      case AstOp::kLe:
        return "<=";
      case AstOp::kGt:
        return ">";
      case AstOp::kGe:
        return ">=";
      case AstOp::kEq:
        return "==";
      case AstOp::kNe:
        return "!=";
      case AstOp::kAnd:
        return "&&";
      case AstOp::kOr:
        return "||";
      case AstOp::kNone:
        return "?";
    }
    return "?";
  };
  switch (ast.kind) {
    case AstKind::kNumber:
      return ast.unit.empty() ? fmt::format("{}", ast.number) : fmt::format("{}[{}]", ast.number, ast.unit);
    case AstKind::kSymbol:
      return ast.name;
    case AstKind::kUnary:
    case AstKind::kBinary:
    case AstKind::kCall: {
      std::string out = "(" + (ast.kind == AstKind::kCall ? "call " + ast.name : op_name(ast.op));
      for (const auto& arg : ast.args) out += " " + sexpr(*arg);
      return out + ")";
    }
  }
  return "?";
}

std::string parsed(std::string_view text) {
  return sexpr(*parse_expression(text));
}

// Test names shown by ctest carry the input, with bytes that are awkward in a test name written as \xNN.
std::string printable(std::string_view text) {
  if (text.empty()) return "(empty)";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain =
        byte >= 0x20 && byte < 0x7F && std::string_view(";[]\\\"#$").find(c) == std::string_view::npos;
    out += plain ? std::string(1, c) : fmt::format("\\x{:02X}", byte);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Precedence and associativity: every row is derived by hand from the grammar in ast.hpp.

struct TreeCase {
  const char* text;
  const char* tree;
};

void PrintTo(const TreeCase& c, std::ostream* os) {
  *os << printable(c.text);
}

class PrecedenceTest : public ::testing::TestWithParam<TreeCase> {};

TEST_P(PrecedenceTest, ParsesToTheTreeTheGrammarPrescribes) {
  EXPECT_EQ(parsed(GetParam().text), GetParam().tree) << "input: " << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, PrecedenceTest,
    ::testing::Values(
        // term binds tighter than additive; both are left-associative
        TreeCase{"a + b * c", "(+ a (* b c))"}, TreeCase{"a * b + c", "(+ (* a b) c)"},
        TreeCase{"a - b - c", "(- (- a b) c)"}, TreeCase{"a / b / c", "(/ (/ a b) c)"},
        TreeCase{"a * b / c * d", "(* (/ (* a b) c) d)"}, TreeCase{"a - b + c", "(+ (- a b) c)"},
        // '^' is right-associative and binds tighter than unary minus; its exponent is a unary expression
        TreeCase{"a ^ b ^ c", "(^ a (^ b c))"}, TreeCase{"-x^2", "(neg (^ x 2))"},
        TreeCase{"-2^2", "(neg (^ 2 2))"}, TreeCase{"2^-1", "(^ 2 (neg 1))"},
        TreeCase{"a^-b^c", "(^ a (neg (^ b c)))"}, TreeCase{"-a^b^c", "(neg (^ a (^ b c)))"},
        TreeCase{"a^b*c", "(* (^ a b) c)"}, TreeCase{"(a^b)^c", "(^ (^ a b) c)"},
        TreeCase{"f(x)^2", "(^ (call f x) 2)"}, TreeCase{"2 [m]^2", "(^ 2[m] 2)"},
        // unary binds tighter than '*' and than every comparison
        TreeCase{"-a * b", "(* (neg a) b)"}, TreeCase{"+a - -b", "(- (pos a) (neg b))"},
        TreeCase{"!!a", "(not (not a))"}, TreeCase{"!a == b", "(== (not a) b)"},
        TreeCase{"- - x", "(neg (neg x))"}, TreeCase{"!a^b", "(not (^ a b))"},
        // comparisons: relation above equality, both left-associative, both below additive
        TreeCase{"a < b + c", "(< a (+ b c))"}, TreeCase{"a < b < c", "(< (< a b) c)"},
        TreeCase{"a <= b >= c", "(>= (<= a b) c)"}, TreeCase{"a > b", "(> a b)"},
        TreeCase{"a == b < c", "(== a (< b c))"}, TreeCase{"a != b == c", "(== (!= a b) c)"},
        // logic: '&&' above '||', both below equality
        TreeCase{"a || b && c", "(|| a (&& b c))"}, TreeCase{"a && b || c", "(|| (&& a b) c)"},
        TreeCase{"a < b && !c || d", "(|| (&& (< a b) (not c)) d)"},
        TreeCase{"a || b || c", "(|| (|| a b) c)"}, TreeCase{"a == 1 && b != 2", "(&& (== a 1) (!= b 2))"},
        // parentheses override everything and leave no node of their own
        TreeCase{"(a + b) * c", "(* (+ a b) c)"}, TreeCase{"a - (b - c)", "(- a (- b c))"},
        TreeCase{"((a))", "a"}, TreeCase{"-(a + b)", "(neg (+ a b))"},
        // whitespace of every kind separates tokens and is otherwise ignored
        TreeCase{"\ta\n+\r\fb\v", "(+ a b)"}, TreeCase{"a+b*c", "(+ a (* b c))"}));

// ---------------------------------------------------------------------------------------------------------------
// Names and calls

TEST(ParseNames, DottedNamesAreOneSymbol) {
  EXPECT_EQ(parsed("core.Th17"), "core.Th17");
  EXPECT_EQ(parsed("a.b.c_1 * _x"), "(* a.b.c_1 _x)");
  EXPECT_EQ(parsed("x1 + X_2"), "(+ x1 X_2)");
}

TEST(ParseNames, WordsThatAreNotOperatorsAreNames) {
  // ast.hpp: 'and', 'or', 'not' are not operators, so alone they are ordinary names (and also function
  // names).
  EXPECT_EQ(parsed("and + or"), "(+ and or)");
  EXPECT_EQ(parsed("not(a)"), "(call not a)");
}

TEST(ParseCalls, TakeZeroOrMoreArguments) {
  EXPECT_EQ(parsed("f()"), "(call f)");
  EXPECT_EQ(parsed("g(1)"), "(call g 1)");
  EXPECT_EQ(parsed("piecewise(a, b > 1, c)"), "(call piecewise a (> b 1) c)");
  EXPECT_EQ(parsed("core.hill(x, k, n) * 2"), "(* (call core.hill x k n) 2)");
  EXPECT_EQ(parsed("f (x)"), "(call f x)");
  EXPECT_EQ(parsed("max(min(a, b), -c)"), "(call max (call min a b) (neg c))");
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and unit annotations

TEST(ParseNumbers, AreTheDoubleTheCompilerMakesOfTheSameLiteral) {
  EXPECT_EQ(parse_expression("0.04")->number, 0.04);
  EXPECT_EQ(parse_expression("123")->number, 123.0);
  EXPECT_EQ(parse_expression(".5")->number, .5);
  EXPECT_EQ(parse_expression("0.5e1")->number, 0.5e1);
  EXPECT_EQ(parse_expression("1e-3")->number, 1e-3);
  EXPECT_EQ(parse_expression("1E+3")->number, 1E+3);
  EXPECT_EQ(parse_expression("6.02214076e23")->number, 6.02214076e23);
  EXPECT_EQ(parse_expression("0.1")->number, 0.1);
  EXPECT_EQ(parse_expression("007")->number, 7.0);
}

TEST(ParseNumbers, ReachTheLimitsOfDouble) {
  EXPECT_EQ(parse_expression("1.7976931348623157e308")->number, std::numeric_limits<double>::max());
  EXPECT_EQ(parse_expression("2.2250738585072014e-308")->number, std::numeric_limits<double>::min());
  // Subnormal values are representable, so they are not "out of range".
  EXPECT_EQ(parse_expression("4.9406564584124654e-324")->number, std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(parse_expression("0e99999")->number, 0.0);
}

TEST(ParseUnits, KeepTheAnnotationVerbatimAndTrimmed) {
  const AstPtr rate = parse_expression("0.04 [1/day]");
  EXPECT_EQ(rate->kind, AstKind::kNumber);
  EXPECT_EQ(rate->number, 0.04);
  EXPECT_EQ(rate->unit, "1/day");
  EXPECT_EQ(parse_expression("5[  ng / mL\t]")->unit, "ng / mL");
  EXPECT_EQ(parse_expression("2 [\xC2\xB5g/mL]")->unit, "\xC2\xB5g/mL");  // UTF-8 "µg/mL"
  EXPECT_EQ(parse_expression("1e3[cells]")->unit, "cells");
  EXPECT_EQ(parsed("k * 2 [1/h] + 3"), "(+ (* k 2[1/h]) 3)");
  EXPECT_EQ(parse_expression("7")->unit, "");
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: message and byte offset of every kind of problem

struct ErrorCase {
  std::string text;
  std::size_t offset;
  const char* message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << printable(c.text);
}

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, ThrowsSyntaxErrorWithMessageAndOffset) {
  const ErrorCase& c = GetParam();
  try {
    parse_expression(c.text);
    FAIL() << "no error for: " << c.text;
  } catch (const SyntaxError& e) {
    EXPECT_EQ(std::string(e.what()), c.message) << "input: " << c.text;
    EXPECT_EQ(e.offset(), c.offset) << "input: " << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ErrorTest,
    ::testing::Values(
        // nothing to parse
        ErrorCase{"", 0, "empty expression"}, ErrorCase{" \t\n", 0, "empty expression"},
        // missing operands: the offset is where the operand should start
        ErrorCase{"1 +", 3, "expected an expression"}, ErrorCase{"a ^", 3, "expected an expression"},
        ErrorCase{"- ", 2, "expected an expression"}, ErrorCase{"f(a,", 4, "expected an expression"},
        ErrorCase{"* 2", 0, "unexpected '*'"}, ErrorCase{"1 + * 2", 4, "unexpected '*'"},
        ErrorCase{"f(a,)", 4, "unexpected ')'"}, ErrorCase{"f(,)", 2, "unexpected ','"},
        ErrorCase{"]", 0, "unexpected ']'"}, ErrorCase{"()", 1, "unexpected ')'"},
        // unbalanced parentheses: "(1 + 2" has 6 bytes, so the end is offset 6
        ErrorCase{"(1 + 2", 6, "expected ')' to close '(' at offset 0"},
        ErrorCase{"2 * (a + b", 10, "expected ')' to close '(' at offset 4"},
        ErrorCase{"(a b)", 3, "expected ')' to close '(' at offset 0, found 'b'"},
        ErrorCase{"f(a b)", 4, "expected ',' or ')' to close '(' at offset 1, found 'b'"},
        ErrorCase{"f(a", 3, "expected ',' or ')' to close '(' at offset 1"},
        // trailing text after a complete expression
        ErrorCase{"x y", 2, "unexpected 'y' after a complete expression (missing operator?)"},
        ErrorCase{"2(x)", 1, "unexpected '(' after a complete expression (missing operator?)"},
        ErrorCase{"a)", 1, "unexpected ')' after a complete expression"},
        ErrorCase{"a and b", 2,
                  "unexpected 'and' after a complete expression ('and' is not an operator; use '&&')"},
        ErrorCase{"a or b", 2,
                  "unexpected 'or' after a complete expression ('or' is not an operator; use '||')"},
        ErrorCase{
            "not x", 4,
            "unexpected 'x' after a complete expression ('not' is not an operator; use '!' or not(...))"},
        // bad numbers: the offset is the first byte that cannot continue the number
        ErrorCase{"1e", 2, "invalid number '1e': expected digits in the exponent"},
        ErrorCase{"1e+", 3, "invalid number '1e+': expected digits in the exponent"},
        ErrorCase{"1.2.3", 3, "invalid number '1.2.3': unexpected '.'"},
        ErrorCase{"1.", 2, "invalid number '1.': expected a digit after '.'"},
        ErrorCase{"1.e5", 2, "invalid number '1.e5': expected a digit after '.'"},
        ErrorCase{"2x", 1, "invalid number '2x': unexpected 'x'"}, ErrorCase{".", 0, "unexpected '.'"},
        ErrorCase{"1e999", 0, "number out of range: '1e999' is too large for a double"},
        ErrorCase{"1.8e308", 0, "number out of range: '1.8e308' is too large for a double"},
        ErrorCase{"x + 1e-999", 4, "number out of range: '1e-999' is too small for a double (it would be 0)"},
        ErrorCase{"0.00001e-320", 0,
                  "number out of range: '0.00001e-320' is too small for a double (it would be 0)"},
        // characters that are not part of the language
        ErrorCase{"a # b", 2, "unknown character '#'"},
        ErrorCase{"a \xC2\xB5", 2, "unknown character '\xC2\xB5'"},
        ErrorCase{"a\x01", 1, "unknown control character 0x01"},
        ErrorCase{std::string("a\0b", 3), 1, "unknown control character 0x00"},
        ErrorCase{"a \xFF", 2, "invalid byte 0xFF (the text is not UTF-8)"},
        ErrorCase{"a \xC2", 2, "invalid byte 0xC2 (the text is not UTF-8)"},  // truncated 2-byte sequence
        ErrorCase{"a = b", 2, "unexpected '=' (use '==' to compare)"},
        ErrorCase{"a & b", 2, "unexpected '&' (use '&&' for logical and)"},
        ErrorCase{"a | b", 2, "unexpected '|' (use '||' for logical or)"},
        ErrorCase{"2**3", 1, "unexpected '**' (use '^' for powers)"},
        // names
        ErrorCase{"core.", 5, "expected a name after '.' in 'core.'"},
        ErrorCase{"core.1x", 5, "expected a name after '.' in 'core.'"},
        ErrorCase{"a..b", 2, "expected a name after '.' in 'a.'"},
        // unit annotations: "1 [m" ends at 4; the '[' is at 2
        ErrorCase{"1 [m", 4, "expected ']' to close '[' at offset 2"},
        ErrorCase{"1 [m [s]", 5, "expected ']' to close '[' at offset 2, found '['"},
        ErrorCase{"1 [ ]", 2, "empty unit annotation"},
        ErrorCase{"x [m]", 2,
                  "unexpected '[' after a complete expression (a unit annotation '[...]' may only follow a "
                  "number)"},
        // long tokens are cut to 32 bytes in messages
        ErrorCase{"x " + std::string(40, 'b'), 2,
                  "unexpected 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...' after a complete expression (missing "
                  "operator?)"}));

// ---------------------------------------------------------------------------------------------------------------
// Limits: nesting and depth never reach the end of the stack

std::string repeat(std::string_view piece, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += piece;
  return out;
}

void expect_error_at(const std::string& text, std::size_t offset, const std::string& message) {
  try {
    parse_expression(text);
    ADD_FAILURE() << "no error for input of " << text.size() << " bytes";
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.offset(), offset);
    EXPECT_EQ(std::string(e.what()), message);
  }
}

const std::string kNestingMessage = "expression nested deeper than 200 levels";

TEST(ParseLimits, TwoHundredLevelsOfParenthesesParse) {
  EXPECT_EQ(parsed(repeat("(", 200) + "x" + repeat(")", 200)), "x");
  EXPECT_EQ(parsed(repeat("f(", 200) + "x" + repeat(")", 200)),
            repeat("(call f ", 200) + "x" + repeat(")", 200));
}

TEST(ParseLimits, TheTwoHundredAndFirstLevelIsAnErrorAtItsOpeningToken) {
  // The 201st '(' is the byte at index 200.
  expect_error_at(repeat("(", 201) + "x" + repeat(")", 201), 200, kNestingMessage);
  // "f(" pieces are two bytes: the 201st '(' is at 2 * 200 + 1.
  expect_error_at(repeat("f(", 201) + "x" + repeat(")", 201), 401, kNestingMessage);
  // Each unary operator is a level: the 201st '-' is at 200.
  EXPECT_EQ(parse_expression(repeat("-", 200) + "x")->kind, AstKind::kUnary);
  expect_error_at(repeat("-", 201) + "x", 200, kNestingMessage);
  // Each exponent is a level: "2^" pieces, the 201st '^' is at 2 * 200 + 1.
  EXPECT_EQ(parse_expression(repeat("2^", 200) + "2")->op, AstOp::kPow);
  expect_error_at(repeat("2^", 201) + "2", 401, kNestingMessage);
}

TEST(ParseLimits, AMegabyteOfOpeningParenthesesIsASyntaxErrorNotACrash) {
  expect_error_at(repeat("(", 1'000'000), 200, kNestingMessage);
  expect_error_at(repeat("-(", 500'000), 200, kNestingMessage);
}

TEST(ParseLimits, ChainsOfOperatorsAreLimitedByTreeDepth) {
  const std::string message = "expression deeper than 1000 operations; split it into intermediate quantities";
  // "a + a + ..." with n terms is a left-leaning tree of height n (n - 1 operators above one leaf).
  EXPECT_EQ(parse_expression("a" + repeat(" + a", 999))->op, AstOp::kAdd);
  // With 1001 terms the 1000th '+' makes height 1001; the k-th '+' is at 2 + 4 (k - 1).
  expect_error_at("a" + repeat(" + a", 1000), 2 + 4 * 999, message);
  expect_error_at("a" + repeat("*a", 500'000), 1 + 2 * 999, message);
}

// ---------------------------------------------------------------------------------------------------------------
// Spans (offset, length), counted by hand

struct Span {
  std::size_t offset, length;
  bool operator==(const Span&) const = default;
};
Span span(const Ast& ast) {
  return {ast.offset, ast.length};
}
std::ostream& operator<<(std::ostream& os, const Span& s) {
  return os << "{" << s.offset << ", " << s.length << "}";
}

TEST(ParseSpans, CoverEachNodesText) {
  //                                   0123456
  const AstPtr sum = parse_expression("a + b*c");
  EXPECT_EQ(span(*sum), (Span{0, 7}));
  EXPECT_EQ(span(*sum->args[0]), (Span{0, 1}));
  EXPECT_EQ(span(*sum->args[1]), (Span{4, 3}));
  EXPECT_EQ(span(*sum->args[1]->args[1]), (Span{6, 1}));
}

TEST(ParseSpans, OfAnOperatorIncludeParenthesesAroundItsOperands) {
  //                                       01234567890
  const AstPtr product = parse_expression("(a + b) * c");
  EXPECT_EQ(span(*product), (Span{0, 11}));
  EXPECT_EQ(span(*product->args[0]), (Span{1, 5}));  // "a + b": the group itself, without its parentheses
  //                                   0123
  const AstPtr neg = parse_expression("-(a)");
  EXPECT_EQ(span(*neg), (Span{0, 4}));
  EXPECT_EQ(span(*neg->args[0]), (Span{2, 1}));
}

TEST(ParseSpans, OfCallsUnaryNumbersAndNames) {
  //                                    0123456
  const AstPtr call = parse_expression("f(x, 2)");
  EXPECT_EQ(span(*call), (Span{0, 7}));
  EXPECT_EQ(span(*call->args[0]), (Span{2, 1}));
  EXPECT_EQ(span(*call->args[1]), (Span{5, 1}));
  //                                   0123
  const AstPtr neg = parse_expression("-x^2");
  EXPECT_EQ(span(*neg), (Span{0, 4}));
  EXPECT_EQ(span(*neg->args[0]), (Span{1, 3}));
  //                                    0123456789012345
  const AstPtr rate = parse_expression("0.04 [1/day] * k");
  EXPECT_EQ(span(*rate->args[0]), (Span{0, 12}));  // the number and its annotation
  EXPECT_EQ(span(*rate), (Span{0, 16}));
  //                                    0123456789012
  const AstPtr name = parse_expression("  core.Th17  ");
  EXPECT_EQ(span(*name), (Span{2, 9}));
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

TEST(ToString, UsesOnlyTheParenthesesThePrecedenceRequires) {
  const AstPtr a = make_symbol("a"), b = make_symbol("b"), c = make_symbol("c"), two = make_number(2);
  EXPECT_EQ(to_string(*make_binary(AstOp::kSub, a, make_binary(AstOp::kSub, b, c))), "a - (b - c)");
  EXPECT_EQ(to_string(*make_binary(AstOp::kSub, make_binary(AstOp::kSub, a, b), c)), "a - b - c");
  EXPECT_EQ(to_string(*make_binary(AstOp::kPow, make_binary(AstOp::kPow, a, b), c)), "(a^b)^c");
  EXPECT_EQ(to_string(*make_binary(AstOp::kPow, a, make_binary(AstOp::kPow, b, c))), "a^b^c");
  EXPECT_EQ(to_string(*make_binary(AstOp::kPow, a, make_unary(AstOp::kNeg, b))), "a^-b");
  EXPECT_EQ(to_string(*make_unary(AstOp::kNeg, make_binary(AstOp::kPow, a, two))), "-a^2");
  EXPECT_EQ(to_string(*make_binary(AstOp::kPow, make_unary(AstOp::kNeg, a), two)), "(-a)^2");
  EXPECT_EQ(to_string(*make_binary(AstOp::kMul, make_binary(AstOp::kAdd, a, b), c)), "(a + b) * c");
  EXPECT_EQ(to_string(*make_binary(AstOp::kOr, make_binary(AstOp::kAnd, a, b), c)), "a && b || c");
  EXPECT_EQ(to_string(*make_binary(AstOp::kAnd, make_binary(AstOp::kOr, a, b), c)), "(a || b) && c");
  EXPECT_EQ(to_string(*make_unary(AstOp::kNot, make_binary(AstOp::kLt, a, b))), "!(a < b)");
  EXPECT_EQ(to_string(*make_call("f", {})), "f()");
  EXPECT_EQ(to_string(*make_call("piecewise", {a, make_binary(AstOp::kGt, b, make_number(1)), c})),
            "piecewise(a, b > 1, c)");
}

TEST(ToString, PrintsNumbersShortestAndUnitsInBrackets) {
  // Shortest round-trip decimal forms, as printed by Python's repr() for the same doubles.
  EXPECT_EQ(to_string(*make_number(0.1)), "0.1");
  EXPECT_EQ(to_string(*make_number(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(to_string(*make_number(1.0)), "1");
  EXPECT_EQ(to_string(*make_number(0.04, "1/day")), "0.04 [1/day]");
  // A negative literal has no syntax: it prints as a negation and is parenthesized like one.
  EXPECT_EQ(to_string(*make_binary(AstOp::kPow, make_number(-2), make_number(2))), "(-2)^2");
}

// ---------------------------------------------------------------------------------------------------------------
// equal, symbols_used, rename, make_*

TEST(Equal, IgnoresSpansAndComparesEverythingElse) {
  EXPECT_TRUE(equal(*parse_expression("a+b"), *parse_expression("  a  +  b")));
  EXPECT_TRUE(equal(*parse_expression("(a)"), *make_symbol("a")));
  EXPECT_FALSE(equal(*parse_expression("a+b"), *parse_expression("a-b")));
  EXPECT_FALSE(equal(*parse_expression("a+b"), *parse_expression("a+c")));
  EXPECT_FALSE(equal(*parse_expression("1 [m]"), *parse_expression("1 [s]")));
  EXPECT_FALSE(equal(*parse_expression("1 [m]"), *parse_expression("1")));
  EXPECT_FALSE(equal(*parse_expression("1"), *parse_expression("2")));
  EXPECT_FALSE(equal(*parse_expression("f(a)"), *parse_expression("f(a, a)")));
  EXPECT_FALSE(equal(*parse_expression("f(a)"), *parse_expression("g(a)")));
  EXPECT_FALSE(equal(*parse_expression("f"), *parse_expression("f()")));
}

TEST(SymbolsUsed, ListsSymbolsInFirstUseOrderWithoutCallNames) {
  EXPECT_EQ(symbols_used(*parse_expression("a + f(b, a) * core.c + b")),
            (std::vector<std::string>{"a", "b", "core.c"}));
  EXPECT_EQ(symbols_used(*parse_expression("f(x)")), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(symbols_used(*parse_expression("2 [m] * g()")).empty());
}

TEST(Rename, RewritesSymbolAndCallNamesAndKeepsSpans) {
  const AstPtr original = parse_expression("a + f(b)");
  std::vector<std::pair<std::string, bool>> seen;
  const AstPtr renamed = rename(original, [&](const std::string& name, bool is_call) {
    seen.emplace_back(name, is_call);
    return is_call ? name : "m." + name;
  });
  EXPECT_EQ(sexpr(*renamed), "(+ m.a (call f m.b))");
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, bool>>{{"a", false}, {"f", true}, {"b", false}}));
  EXPECT_EQ(span(*renamed->args[1]), span(*original->args[1]));
  EXPECT_EQ(span(*renamed->args[1]->args[0]), span(*original->args[1]->args[0]));
  EXPECT_EQ(sexpr(*original), "(+ a (call f b))");  // the input tree is shared and left alone
}

TEST(Make, BuildsNodesWithZeroSpansAndRejectsWrongOperators) {
  const AstPtr sum = make_binary(AstOp::kAdd, make_symbol("x"), make_number(1, "1/day"));
  EXPECT_EQ(sexpr(*sum), "(+ x 1[1/day])");
  EXPECT_EQ(span(*sum), (Span{0, 0}));
  EXPECT_THROW(make_unary(AstOp::kAdd, make_symbol("x")), InternalError);
  EXPECT_THROW(make_binary(AstOp::kNeg, make_symbol("x"), make_symbol("y")), InternalError);
  EXPECT_THROW(make_binary(AstOp::kAdd, make_symbol("x"), nullptr), InternalError);
  EXPECT_THROW(make_call("f", {nullptr}), InternalError);
}

}  // namespace
}  // namespace tolsim::expr
