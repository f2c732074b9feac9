// Abstract syntax tree of a math expression as written in a model file.
//
// The AST keeps names as written and byte offsets into the source text, so that every later diagnostic (unknown
// name, unit mismatch, division by zero) can point at the exact column. It is immutable and shared. Name
// resolution and lowering to the evaluation graph (expr/graph.hpp) happen in the model compiler, not here.
//
// Grammar (lowest to highest precedence; all binary operators are left-associative except '^'):
//   expr     := or
//   or       := and ('||' and)*
//   and      := equality ('&&' equality)*
//   equality := relation (('==' | '!=') relation)*
//   relation := additive (('<' | '<=' | '>' | '>=') additive)*
//   additive := term (('+' | '-') term)*
//   term     := unary (('*' | '/') unary)*
//   unary    := ('-' | '+' | '!') unary | power
//   power    := postfix ('^' unary)?            (right-associative: a^b^c = a^(b^c); -a^2 = -(a^2))
//   postfix  := number ['[' unit ']'] | name | name '(' [expr (',' expr)*] ')' | '(' expr ')'
//   name     := [A-Za-z_][A-Za-z0-9_]* ('.' [A-Za-z_][A-Za-z0-9_]*)*     (dots separate module namespaces)
//   number   := digits ['.' digits] [('e'|'E') ['+'|'-'] digits]  |  '.' digits [...]
// The words 'and', 'or', 'not' are not operators; use '&&', '||', '!' or the functions and(), or(), not().
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tolsim::expr {

enum class AstKind {
  kNumber,  // number (with optional unit annotation)
  kSymbol,  // a name: a model quantity, 'time', or a reserved constant (pi, true, false, inf, avogadro)
  kUnary,   // op + one argument
  kBinary,  // op + two arguments
  kCall,    // name(args...)
};

enum class AstOp {
  kNone,
  // unary
  kNeg,
  kPlus,
  kNot,
  // binary
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kAnd,
  kOr,
};

struct Ast;
using AstPtr = std::shared_ptr<const Ast>;

struct Ast {
  AstKind kind = AstKind::kNumber;
  AstOp op = AstOp::kNone;
  double number = 0.0;  // kNumber
  std::string unit;     // kNumber: the text inside [...] or empty
  std::string name;     // kSymbol, kCall
  std::vector<AstPtr> args;
  // Span of this node in the source text, in bytes.
  std::size_t offset = 0;
  std::size_t length = 0;
};

// Thrown by parse_expression for malformed text. offset is the byte offset of the problem in the text.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(const std::string& message, std::size_t offset)
      : std::runtime_error(message), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// Parses one expression. Throws SyntaxError (never anything else for any input text) on malformed input,
// including trailing text, empty input, unbalanced parentheses, and nesting deeper than 200 levels.
AstPtr parse_expression(std::string_view text);

// Renders an AST as text that parse_expression reads back to an equal tree (minimal parentheses; numbers are
// printed with enough digits to round-trip exactly).
std::string to_string(const Ast& ast);

// Structural equality (kind, op, names, numbers, units, args); spans are ignored.
bool equal(const Ast& a, const Ast& b);

// Helpers to build ASTs in code (used by importers and tests). Spans are zero.
AstPtr make_number(double value, std::string unit = {});
AstPtr make_symbol(std::string name);
AstPtr make_unary(AstOp op, AstPtr arg);
AstPtr make_binary(AstOp op, AstPtr lhs, AstPtr rhs);
AstPtr make_call(std::string name, std::vector<AstPtr> args);

// Every symbol name used in the expression (not call names), in first-use order, without duplicates.
std::vector<std::string> symbols_used(const Ast& ast);

// A copy of the tree with names rewritten by `rename(name, is_call)`, which returns the new name (or the same).
// Used to qualify names when a module is included under a namespace. Spans are kept.
AstPtr rename(const AstPtr& ast,
              const std::function<std::string(const std::string& name, bool is_call)>& rename);

}  // namespace tolsim::expr
