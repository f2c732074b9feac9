// Building, comparing, printing and rewriting ASTs. Parsing lives in parser.cpp.
#include "tolsim/expr/ast.hpp"

#include <charconv>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "tolsim/common/error.hpp"

namespace tolsim::expr {

namespace {

bool is_unary_op(AstOp op) {
  return op == AstOp::kNeg || op == AstOp::kPlus || op == AstOp::kNot;
}
bool is_binary_op(AstOp op) {
  return op != AstOp::kNone && !is_unary_op(op);
}

// Binding strength of what to_string prints for a node; the numbers follow the grammar in ast.hpp, lowest
// first. Parentheses are added exactly where the parser would otherwise group differently.
enum Precedence : int {
  kPrecOr = 1,
  kPrecAnd,
  kPrecEquality,
  kPrecRelation,
  kPrecAdditive,
  kPrecTerm,
  kPrecUnary,
  kPrecPower,
  kPrecAtom,
};

int binary_precedence(AstOp op) {
  switch (op) {
    case AstOp::kOr:
      return kPrecOr;
    case AstOp::kAnd:
      return kPrecAnd;
    case AstOp::kEq:
    case AstOp::kNe:
      return kPrecEquality;
    case AstOp::kLt:
    case AstOp::kLe:
    case AstOp::kGt:
    case AstOp::kGe:
      return kPrecRelation;
    case AstOp::kAdd:
    case AstOp::kSub:
      return kPrecAdditive;
    case AstOp::kMul:
    case AstOp::kDiv:
      return kPrecTerm;
    case AstOp::kPow:
      return kPrecPower;
    default:
      throw InternalError("binary AST node with a non-binary operator");
  }
}

const char* op_text(AstOp op) {
  switch (op) {
    case AstOp::kNeg:
      return "-";
    case AstOp::kPlus:
      return "+";
    case AstOp::kNot:
      return "!";
    case AstOp::kAdd:
      return " + ";
    case AstOp::kSub:
      return " - ";
    case AstOp::kMul:
      return " * ";
    case AstOp::kDiv:
      return " / ";
    case AstOp::kPow:
      return "^";
    case AstOp::kLt:
      return " < ";
    case AstOp::kLe:
      return " <= ";
    case AstOp::kGt:
      return " > ";
    case AstOp::kGe:
      return " >= ";
    case AstOp::kEq:
      return " == ";
    case AstOp::kNe:
      return " != ";
    case AstOp::kAnd:
      return " && ";
    case AstOp::kOr:
      return " || ";
    case AstOp::kNone:
      break;
  }
  throw InternalError("AST node without an operator");
}

void check_shape(const Ast& ast) {
  std::size_t expected = 0;
  switch (ast.kind) {
    case AstKind::kNumber:
    case AstKind::kSymbol:
      expected = 0;
      break;
    case AstKind::kUnary:
      if (!is_unary_op(ast.op)) throw InternalError("unary AST node with a non-unary operator");
      expected = 1;
      break;
    case AstKind::kBinary:
      if (!is_binary_op(ast.op)) throw InternalError("binary AST node with a non-binary operator");
      expected = 2;
      break;
    case AstKind::kCall:
      for (const auto& arg : ast.args)
        if (!arg) throw InternalError("call AST node '" + ast.name + "' with a null argument");
      return;
  }
  if (ast.args.size() != expected) throw InternalError("AST node with the wrong number of arguments");
  for (const auto& arg : ast.args)
    if (!arg) throw InternalError("AST node with a null argument");
}

// A negative literal has no syntax of its own: it prints as a unary minus and binds like one.
bool prints_as_negation(const Ast& ast) {
  return ast.kind == AstKind::kNumber && !std::isnan(ast.number) && std::signbit(ast.number);
}

int precedence(const Ast& ast) {
  switch (ast.kind) {
    case AstKind::kNumber:
      return prints_as_negation(ast) ? kPrecUnary : kPrecAtom;
    case AstKind::kSymbol:
    case AstKind::kCall:
      return kPrecAtom;
    case AstKind::kUnary:
      return kPrecUnary;
    case AstKind::kBinary:
      return binary_precedence(ast.op);
  }
  return kPrecAtom;
}

void write_number(double value, std::string& out) {
  // Non-finite values cannot come from the parser; print the reserved constant (inf) or a readable word.
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::signbit(value)) out += '-';
  value = std::fabs(value);
  if (std::isinf(value)) {
    out += "inf";
    return;
  }
  // The shortest text that reads back to the same double (std::to_chars without a precision); it is always in
  // the number grammar: digits, an optional fraction and an optional exponent like "e+16" or "e-05".
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void write(const Ast& ast, std::string& out);

void write_operand(const Ast& ast, bool parenthesize, std::string& out) {
  if (parenthesize) out += '(';
  write(ast, out);
  if (parenthesize) out += ')';
}

void write(const Ast& ast, std::string& out) {
  check_shape(ast);
  switch (ast.kind) {
    case AstKind::kNumber:
      write_number(ast.number, out);
      if (!ast.unit.empty()) {
        out += " [";
        out += ast.unit;
        out += ']';
      }
      return;
    case AstKind::kSymbol:
      out += ast.name;
      return;
    case AstKind::kCall:
      out += ast.name;
      out += '(';
      for (std::size_t i = 0; i < ast.args.size(); ++i) {
        if (i > 0) out += ", ";
        write(*ast.args[i], out);
      }
      out += ')';
      return;
    case AstKind::kUnary:
      out += op_text(ast.op);
      write_operand(*ast.args[0], precedence(*ast.args[0]) < kPrecUnary, out);
      return;
    case AstKind::kBinary: {
      const Ast& lhs = *ast.args[0];
      const Ast& rhs = *ast.args[1];
      const int own = binary_precedence(ast.op);
      if (ast.op == AstOp::kPow) {
        // power := postfix '^' unary
        write_operand(lhs, precedence(lhs) < kPrecAtom, out);
        out += op_text(ast.op);
        write_operand(rhs, precedence(rhs) < kPrecUnary, out);
      } else {
        // Left-associative: an equal-precedence operand needs parentheses only on the right.
        write_operand(lhs, precedence(lhs) < own, out);
        out += op_text(ast.op);
        write_operand(rhs, precedence(rhs) <= own, out);
      }
      return;
    }
  }
}

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

void collect_symbols(const Ast& ast, std::unordered_set<std::string>& seen, std::vector<std::string>& out) {
  if (ast.kind == AstKind::kSymbol && seen.insert(ast.name).second) out.push_back(ast.name);
  for (const auto& arg : ast.args)
    if (arg) collect_symbols(*arg, seen, out);
}

AstPtr make_node(Ast ast) {
  return std::make_shared<const Ast>(std::move(ast));
}

}  // namespace

std::string to_string(const Ast& ast) {
  std::string out;
  write(ast, out);
  return out;
}

bool equal(const Ast& a, const Ast& b) {
  if (a.kind != b.kind || a.op != b.op || a.name != b.name || a.unit != b.unit) return false;
  if (!same_number(a.number, b.number) || a.args.size() != b.args.size()) return false;
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    const Ast* x = a.args[i].get();
    const Ast* y = b.args[i].get();
    if (x == y) continue;
    if (x == nullptr || y == nullptr || !equal(*x, *y)) return false;
  }
  return true;
}

AstPtr make_number(double value, std::string unit) {
  Ast ast;
  ast.kind = AstKind::kNumber;
  ast.number = value;
  ast.unit = std::move(unit);
  return make_node(std::move(ast));
}

AstPtr make_symbol(std::string name) {
  Ast ast;
  ast.kind = AstKind::kSymbol;
  ast.name = std::move(name);
  return make_node(std::move(ast));
}

AstPtr make_unary(AstOp op, AstPtr arg) {
  if (!is_unary_op(op)) throw InternalError("make_unary: not a unary operator");
  if (!arg) throw InternalError("make_unary: null argument");
  Ast ast;
  ast.kind = AstKind::kUnary;
  ast.op = op;
  ast.args = {std::move(arg)};
  return make_node(std::move(ast));
}

AstPtr make_binary(AstOp op, AstPtr lhs, AstPtr rhs) {
  if (!is_binary_op(op)) throw InternalError("make_binary: not a binary operator");
  if (!lhs || !rhs) throw InternalError("make_binary: null argument");
  Ast ast;
  ast.kind = AstKind::kBinary;
  ast.op = op;
  ast.args = {std::move(lhs), std::move(rhs)};
  return make_node(std::move(ast));
}

AstPtr make_call(std::string name, std::vector<AstPtr> args) {
  for (const auto& arg : args)
    if (!arg) throw InternalError("make_call: null argument to '" + name + "'");
  Ast ast;
  ast.kind = AstKind::kCall;
  ast.name = std::move(name);
  ast.args = std::move(args);
  return make_node(std::move(ast));
}

std::vector<std::string> symbols_used(const Ast& ast) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  collect_symbols(ast, seen, out);
  return out;
}

AstPtr rename(const AstPtr& ast,
              const std::function<std::string(const std::string& name, bool is_call)>& rename) {
  if (!ast) return ast;
  Ast copy = *ast;
  if (copy.kind == AstKind::kSymbol) copy.name = rename(copy.name, false);
  if (copy.kind == AstKind::kCall) copy.name = rename(copy.name, true);
  for (auto& arg : copy.args) arg = expr::rename(arg, rename);
  return make_node(std::move(copy));
}

}  // namespace tolsim::expr
