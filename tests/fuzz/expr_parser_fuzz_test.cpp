// Property and fuzz tests of the expression parser and printer (include/tolsim/expr/ast.hpp).
//
// No expected value here comes from the code under test: the properties are the promises of ast.hpp itself.
//   - round trip: parse(to_string(ast)) is equal to ast, for random trees built with make_*;
//   - minimal parentheses: removing any pair of grouping parentheses from to_string's output changes the tree
//   or
//     breaks the syntax (otherwise that pair was not needed);
//   - spans: the source text of every node parses back to that node;
//   - robustness: for any bytes (random, token soup, mutations of valid text, very deep nesting) the parser
//   either
//     returns a tree that round-trips or throws SyntaxError with an offset inside the text; nothing else.
// Each property checks a batch of inputs per rapidcheck case, so one ctest run tries thousands of inputs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tolsim/expr/ast.hpp"

namespace tolsim::expr {

// Counterexamples are shown as expression text.
void showValue(const Ast& ast, std::ostream& os) {
  os << to_string(ast);
}

namespace {

constexpr std::size_t kBatch = 100;

// ---------------------------------------------------------------------------------------------------------------
// Generators of valid trees

rc::Gen<std::string> gen_name() {
  return rc::gen::exec([] {
    const int segments = *rc::gen::inRange(1, 4);
    std::string name;
    for (int i = 0; i < segments; ++i) {
      if (i > 0) name += '.';
      name += *rc::gen::elementOf(std::string("abckxzKT_"));
      const int rest = *rc::gen::inRange(0, 5);
      for (int j = 0; j < rest; ++j) name += *rc::gen::elementOf(std::string("ah09_Z"));
    }
    return name;
  });
}

// Non-negative finite doubles: the parser has no negative literals (a minus sign is an operator).
rc::Gen<double> gen_number() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(0, 1000), [](int i) { return static_cast<double>(i); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 1'000'000), rc::gen::inRange(0, 12)),
                   [](std::pair<int, int> p) { return p.first / std::pow(10.0, p.second); }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(),
                   [](std::uint64_t bits) {
                     const double value = std::fabs(std::bit_cast<double>(bits));
                     return std::isfinite(value) ? value : 1.0;
                   }),
      rc::gen::element(0.0, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(),
                       std::numeric_limits<double>::max(), 0.1 + 0.2));
}

// Units as the parser keeps them: trimmed, non-empty, without brackets; mostly absent.
rc::Gen<std::string> gen_unit() {
  const auto random_unit = rc::gen::exec([] {
    const std::vector<std::string> pieces = {"m", "g", "/",        "*",   "^2", " ", "(",
                                             ")", "%", "\xC2\xB5", "day", "1",  "-", "\t"};
    const int count = *rc::gen::inRange(1, 6);
    std::string unit;
    for (int i = 0; i < count; ++i) unit += *rc::gen::elementOf(pieces);
    const auto first = unit.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string("1");
    return unit.substr(first, unit.find_last_not_of(" \t") + 1 - first);
  });
  return rc::gen::weightedOneOf<std::string>(
      {{6, rc::gen::just(std::string())},
       {1, rc::gen::element<std::string>("1/day", "cells/uL", "ng/mL", "1/(day*cells)", "mol / L")},
       {1, random_unit}});
}

rc::Gen<AstPtr> gen_ast(int depth) {
  return rc::gen::exec([depth]() -> AstPtr {
    const int choice = depth <= 0 ? *rc::gen::inRange(0, 2) : *rc::gen::inRange(0, 10);
    switch (choice) {
      case 0:
        return make_number(*gen_number(), *gen_unit());
      case 1:
        return make_symbol(*gen_name());
      case 2:
      case 3: {
        const AstOp op = *rc::gen::element(AstOp::kNeg, AstOp::kPlus, AstOp::kNot);
        return make_unary(op, *gen_ast(depth - 1));
      }
      case 9: {
        const int count = *rc::gen::inRange(0, 4);
        std::vector<AstPtr> args;
        for (int i = 0; i < count; ++i) args.push_back(*gen_ast(depth - 1));
        return make_call(*gen_name(), std::move(args));
      }
      default: {
        const AstOp op = *rc::gen::element(AstOp::kAdd, AstOp::kSub, AstOp::kMul, AstOp::kDiv, AstOp::kPow,
                                           AstOp::kLt, AstOp::kLe, AstOp::kGt, AstOp::kGe, AstOp::kEq,
                                           AstOp::kNe, AstOp::kAnd, AstOp::kOr);
        const AstPtr lhs = *gen_ast(depth - 1);
        return make_binary(op, lhs, *gen_ast(depth - 1));
      }
    }
  });
}

rc::Gen<AstPtr> gen_any_ast() {
  return rc::gen::withSize([](int size) { return gen_ast(std::min(size / 12, 7)); });
}

// Every node of a tree, parents before children.
void collect(const AstPtr& ast, std::vector<AstPtr>& out) {
  out.push_back(ast);
  for (const auto& arg : ast->args) collect(arg, out);
}

// ---------------------------------------------------------------------------------------------------------------
// Properties of valid trees

RC_GTEST_PROP(ExprRoundTrip, ParseOfToStringIsEqualToTheTree, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    const AstPtr ast = *gen_any_ast();
    const std::string text = to_string(*ast);
    RC_LOG() << text << '\n';
    const AstPtr back = parse_expression(text);
    RC_ASSERT(equal(*back, *ast));
    RC_ASSERT(to_string(*back) == text);
  }
}

// Pairs of grouping parentheses in to_string's output: not a call's (a call's '(' follows its name) and not
// inside a unit annotation.
std::vector<std::pair<std::size_t, std::size_t>> grouping_parentheses(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  std::vector<std::pair<std::size_t, bool>> open;  // offset, is a group
  bool in_unit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_unit) {
      in_unit = c != ']';
    } else if (c == '[') {
      in_unit = true;
    } else if (c == '(') {
      const char before = i > 0 ? text[i - 1] : ' ';
      const bool call = std::isalnum(static_cast<unsigned char>(before)) || before == '_';
      open.emplace_back(i, !call);
    } else if (c == ')') {
      if (open.back().second) pairs.emplace_back(open.back().first, i);
      open.pop_back();
    }
  }
  return pairs;
}

RC_GTEST_PROP(ExprRoundTrip, EveryPairOfParenthesesIsNeeded, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    const AstPtr ast = *gen_any_ast();
    const std::string text = to_string(*ast);
    for (const auto& [open, close] : grouping_parentheses(text)) {
      std::string without = text;
      without.erase(close, 1);
      without.erase(open, 1);
      try {
        const AstPtr other = parse_expression(without);
        RC_LOG() << text << "  ->  " << without << '\n';
        RC_ASSERT(!equal(*other, *ast));
      } catch (const SyntaxError&) {
        // Also fine: without this pair the text is not an expression at all.
      }
    }
  }
}

RC_GTEST_PROP(ExprSpans, TheTextOfEveryNodeParsesBackToThatNode, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    const std::string text = to_string(**gen_any_ast());
    RC_LOG() << text << '\n';
    const AstPtr root = parse_expression(text);
    RC_ASSERT(root->offset == 0u);
    RC_ASSERT(root->length == text.size());
    std::vector<AstPtr> nodes;
    collect(root, nodes);
    for (const auto& node : nodes) {
      RC_ASSERT(node->offset + node->length <= text.size());
      RC_ASSERT(equal(*parse_expression(std::string_view(text).substr(node->offset, node->length)), *node));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Robustness on arbitrary input

// The only outcomes allowed for any input: a tree that round-trips, or a SyntaxError pointing inside the
// text. Any other exception escapes and fails the property.
void check_parse(std::string_view text) {
  AstPtr ast;
  try {
    ast = parse_expression(text);
  } catch (const SyntaxError& e) {
    RC_ASSERT(e.offset() <= text.size());
    RC_ASSERT(!std::string_view(e.what()).empty());
    return;
  }
  RC_ASSERT(ast->offset + ast->length <= text.size());
  RC_ASSERT(equal(*parse_expression(to_string(*ast)), *ast));
}

const std::vector<std::string>& fragments() {
  static const std::vector<std::string> kFragments = {
      "(",       ")",     "a",      "core.x", "f(",       "1",  "2.5",
      "1e",      "1e999", "1e-999", ".",      ".5",       "[",  "]",
      "[1/day]", " ",     "+",      "-",      "*",        "/",  "^",
      "**",      "!",     "&&",     "&",      "||",       "|",  "=",
      "==",      "!=",    "<",      "<=",     ">",        ">=", ",",
      "\t",      "and",   "not",    "\xFF",   "\xC2\xB5", "#",  std::string(1, '\0'),
      "\n",      "x.",    "..",     "e",      "E+"};
  return kFragments;
}

rc::Gen<std::string> gen_bytes() {
  return rc::gen::container<std::string>(rc::gen::arbitrary<char>());
}

rc::Gen<std::string> gen_token_soup() {
  return rc::gen::exec([] {
    const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(fragments()));
    std::string text;
    for (const auto& piece : pieces) text += piece;
    return text;
  });
}

// A valid expression with a few random edits: the inputs most likely to reach deep into the parser.
rc::Gen<std::string> gen_mutation() {
  return rc::gen::exec([] {
    std::string text = to_string(**gen_any_ast());
    const int edits = *rc::gen::inRange(1, 5);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = *rc::gen::inRange<std::size_t>(0, text.size() + 1);
      const std::size_t rest = text.size() - pos;
      switch (*rc::gen::inRange(0, 6)) {
        case 0:
          text.erase(pos, std::min<std::size_t>(rest, *rc::gen::inRange<std::size_t>(1, 4)));
          break;
        case 1:
          text.insert(pos, 1, *rc::gen::arbitrary<char>());
          break;
        case 2:
          if (rest > 0) text[pos] = *rc::gen::elementOf(std::string("()[]+-*/^!<>=&|,.e0 x"));
          break;
        case 3:
          text.insert(pos, text.substr(pos, *rc::gen::inRange<std::size_t>(0, rest + 1)));
          break;
        case 4:
          text.resize(pos);
          break;
        default:
          text.insert(pos, *rc::gen::elementOf(fragments()));
          break;
      }
    }
    return text;
  });
}

// Long runs of one opening piece: nesting limits, not the stack, must stop them.
rc::Gen<std::string> gen_deep() {
  return rc::gen::exec([] {
    const std::string piece =
        *rc::gen::element<std::string>("(", "-", "!", "f(", "2^", "a+", "(a", "+(", "g(1,", "-(", "a*");
    const std::size_t count = *rc::gen::inRange<std::size_t>(150, 3000);
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += piece;
    text += *rc::gen::element<std::string>("", "x", "x)", "1 [m]");
    return text;
  });
}

RC_GTEST_PROP(ExprFuzz, RandomBytesGiveATreeOrASyntaxError, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) check_parse(*gen_bytes());
}

RC_GTEST_PROP(ExprFuzz, TokenSoupGivesATreeOrASyntaxError, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) check_parse(*gen_token_soup());
}

RC_GTEST_PROP(ExprFuzz, MutatedExpressionsGiveATreeOrASyntaxError, ()) {
  for (std::size_t i = 0; i < kBatch; ++i) check_parse(*gen_mutation());
}

RC_GTEST_PROP(ExprFuzz, DeepNestingGivesATreeOrASyntaxError, ()) {
  for (std::size_t i = 0; i < 4; ++i) check_parse(*gen_deep());
}

// Every prefix of a valid expression: each cut point is an "unexpected end" somewhere in the grammar.
RC_GTEST_PROP(ExprFuzz, EveryPrefixOfAnExpressionGivesATreeOrASyntaxError, ()) {
  const std::string text = to_string(**gen_any_ast());
  for (std::size_t length = 0; length <= text.size(); ++length)
    check_parse(std::string_view(text).substr(0, length));
}

}  // namespace
}  // namespace tolsim::expr
