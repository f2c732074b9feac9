// MathML to tolsim expressions for the SBML reader: operators and functions, calls of function definitions
// (expanded), and rateOf (written out from the model's rules and reactions once all are read).
#include <fmt/format.h>
#include <sbml/SBMLTypes.h>

#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "sbml/reader_impl.hpp"

namespace tolsim::sbml::detail {

// A converted expression: its text is rendered from the tree, and its columns do not point into the XML.
model::Expression converted(AstPtr ast, SourceLocation location) {
  model::Expression e;
  e.text = expr::to_string(*ast);
  e.ast = std::move(ast);
  e.location = std::move(location);
  e.single_line = false;
  return e;
}

// Whether an expression is a truth value (a relation, a logical operation or true/false) rather than a number.
bool is_condition(const expr::Ast& a) {
  switch (a.op) {
    case AstOp::kLt:
    case AstOp::kLe:
    case AstOp::kGt:
    case AstOp::kGe:
    case AstOp::kEq:
    case AstOp::kNe:
    case AstOp::kAnd:
    case AstOp::kOr:
    case AstOp::kNot:
      return true;
    default:
      break;
  }
  if (a.kind == expr::AstKind::kSymbol) return a.name == "true" || a.name == "false";
  return a.kind == expr::AstKind::kCall && (a.name == "xor" || a.name == "piecewise");
}

AstPtr Reader::fold(const ::ASTNode& node, AstOp op, double empty) const {
  const unsigned int n = node.getNumChildren();
  if (n == 0) return number(empty);
  AstPtr out = child(node, 0);
  for (unsigned int i = 1; i < n; ++i) out = expr::make_binary(op, out, child(node, i));
  return out;
}

// a < b < c (n-ary MathML relations) is (a < b) && (b < c).
AstPtr Reader::relation(const ::ASTNode& node, AstOp op) const {
  const unsigned int n = node.getNumChildren();
  if (n < 2) throw Unsupported{fmt::format("a relation with {} argument(s)", n)};
  AstPtr out;
  for (unsigned int i = 0; i + 1 < n; ++i) {
    AstPtr pair = expr::make_binary(op, child(node, i), child(node, i + 1));
    out = out ? expr::make_binary(AstOp::kAnd, out, pair) : pair;
  }
  return out;
}

AstPtr Reader::call(const char* name, const ::ASTNode& node) const {
  std::vector<AstPtr> args;
  for (unsigned int i = 0; i < node.getNumChildren(); ++i) args.push_back(child(node, i));
  return expr::make_call(name, std::move(args));
}

// A call of a function definition, expanded: the body with every argument replaced by the expression passed, all at
// once (libSBML's converter substitutes one argument after the other, so f(y, 1) with body piecewise(x, y) and
// arguments x, y wrongly becomes piecewise(1, 1)).
AstPtr Reader::expand_call(const ::ASTNode& node) const {
  const std::string name = node.getName() ? node.getName() : "";
  const ::FunctionDefinition* f = sbml_model_ ? sbml_model_->getFunctionDefinition(name) : nullptr;
  if (!f || !f->getBody())
    throw Unsupported{fmt::format("the call of '{}', which is not a function definition", name)};
  if (node.getNumChildren() != f->getNumArguments())
    throw Unsupported{fmt::format("the call of '{}' with {} arguments, where it takes {}", name,
                                  node.getNumChildren(), f->getNumArguments())};
  if (bound_.size() >= 64)
    throw Unsupported{fmt::format("function definitions nested deeper than 64 ('{}')", name)};
  std::map<std::string, AstPtr> arguments;
  for (unsigned int i = 0; i < f->getNumArguments(); ++i) {
    const ::ASTNode* a = f->getArgument(i);
    arguments[a && a->getName() ? a->getName() : ""] = child(node, i);
  }
  bound_.push_back(std::move(arguments));
  struct Pop {
    std::vector<std::map<std::string, AstPtr>>& stack;
    ~Pop() { stack.pop_back(); }
  } pop{bound_};
  return convert(*f->getBody());
}

AstPtr Reader::convert(const ::ASTNode& node) const {
  const auto one = [&](const char* name) {
    if (node.getNumChildren() != 1)
      throw Unsupported{fmt::format("{}() with {} arguments", name, node.getNumChildren())};
    return expr::make_call(name, {child(node, 0)});
  };
  const auto inverse = [&](AstPtr x) { return expr::make_binary(AstOp::kDiv, number(1.0), std::move(x)); };
  const auto x = [&] {
    if (node.getNumChildren() != 1) throw Unsupported{"a function with other than one argument"};
    return child(node, 0);
  };
  const auto ln = [](AstPtr a) { return expr::make_call("ln", {std::move(a)}); };
  const auto sqrt = [](AstPtr a) { return expr::make_call("sqrt", {std::move(a)}); };
  const auto add = [](AstPtr a, AstPtr b) {
    return expr::make_binary(AstOp::kAdd, std::move(a), std::move(b));
  };
  const auto sub = [](AstPtr a, AstPtr b) {
    return expr::make_binary(AstOp::kSub, std::move(a), std::move(b));
  };
  const auto mul = [](AstPtr a, AstPtr b) {
    return expr::make_binary(AstOp::kMul, std::move(a), std::move(b));
  };
  const auto div = [](AstPtr a, AstPtr b) {
    return expr::make_binary(AstOp::kDiv, std::move(a), std::move(b));
  };
  const auto square = [](AstPtr a) { return expr::make_binary(AstOp::kPow, std::move(a), number(2.0)); };

  switch (node.getType()) {
    case ::AST_INTEGER:
    case ::AST_REAL:
    case ::AST_REAL_E: {
      const double value =
          node.getType() == ::AST_INTEGER ? static_cast<double>(node.getInteger()) : node.getReal();
      // A unit that tolsim's export defined keeps its tolsim spelling; other SBML units are not read.
      if (node.isSetUnits())
        if (auto it = unit_text_.find(node.getUnits()); it != unit_text_.end())
          return expr::make_number(value, it->second);
      return number(value);
    }
    case ::AST_RATIONAL:
      return number(static_cast<double>(node.getNumerator()) / static_cast<double>(node.getDenominator()));
    case ::AST_NAME:
      if (!bound_.empty()) {
        // Inside a function body its arguments hide the model's ids.
        auto it = bound_.back().find(node.getName());
        if (it != bound_.back().end()) return it->second;
      }
      return expr::make_symbol(id(node.getName()));
    case ::AST_NAME_TIME:
      return expr::make_symbol("time");
    case ::AST_NAME_AVOGADRO:
      // SBML Level 3 fixes the value at 6.02214179e23 (CODATA 2006), not the SI's exact 6.02214076e23 that
      // tolsim's own `avogadro` has.
      return number(6.02214179e23);
    case ::AST_CONSTANT_E:
      return number(std::numbers::e);
    case ::AST_CONSTANT_PI:
      return expr::make_symbol("pi");
    case ::AST_CONSTANT_TRUE:
      return expr::make_symbol("true");
    case ::AST_CONSTANT_FALSE:
      return expr::make_symbol("false");
    case ::AST_PLUS:
      return fold(node, AstOp::kAdd, 0.0);
    case ::AST_TIMES:
      return fold(node, AstOp::kMul, 1.0);
    case ::AST_MINUS:
      if (node.getNumChildren() == 1) return expr::make_unary(AstOp::kNeg, child(node, 0));
      if (node.getNumChildren() != 2) throw Unsupported{"minus with more than two arguments"};
      return sub(child(node, 0), child(node, 1));
    case ::AST_DIVIDE:
      if (node.getNumChildren() != 2) throw Unsupported{"divide with other than two arguments"};
      return div(child(node, 0), child(node, 1));
    case ::AST_POWER:
    case ::AST_FUNCTION_POWER:
      if (node.getNumChildren() != 2) throw Unsupported{"power with other than two arguments"};
      return expr::make_binary(AstOp::kPow, child(node, 0), child(node, 1));
    case ::AST_FUNCTION_ROOT:
      if (node.getNumChildren() == 1) return sqrt(child(node, 0));
      if (node.getNumChildren() != 2) throw Unsupported{"root with more than two arguments"};
      return expr::make_binary(AstOp::kPow, child(node, 1), div(number(1.0), child(node, 0)));
    case ::AST_FUNCTION_LOG:
      // <log/> without <logbase> is base 10; libSBML gives the base as the first child when there are two.
      if (node.getNumChildren() == 1) return expr::make_call("log10", {child(node, 0)});
      if (node.getNumChildren() != 2) throw Unsupported{"log with more than two arguments"};
      return div(ln(child(node, 1)), ln(child(node, 0)));
    case ::AST_FUNCTION_LN:
      return one("ln");
    case ::AST_FUNCTION_EXP:
      return one("exp");
    case ::AST_FUNCTION_ABS:
      return one("abs");
    case ::AST_FUNCTION_FLOOR:
      return one("floor");
    case ::AST_FUNCTION_CEILING:
      return one("ceil");
    case ::AST_FUNCTION_SIN:
      return one("sin");
    case ::AST_FUNCTION_COS:
      return one("cos");
    case ::AST_FUNCTION_TAN:
      return one("tan");
    case ::AST_FUNCTION_SINH:
      return one("sinh");
    case ::AST_FUNCTION_COSH:
      return one("cosh");
    case ::AST_FUNCTION_TANH:
      return one("tanh");
    case ::AST_FUNCTION_ARCSIN:
      return one("asin");
    case ::AST_FUNCTION_ARCCOS:
      return one("acos");
    case ::AST_FUNCTION_ARCTAN:
      return one("atan");
    case ::AST_FUNCTION_SEC:
      return inverse(expr::make_call("cos", {x()}));
    case ::AST_FUNCTION_CSC:
      return inverse(expr::make_call("sin", {x()}));
    case ::AST_FUNCTION_COT:
      return inverse(expr::make_call("tan", {x()}));
    case ::AST_FUNCTION_SECH:
      return inverse(expr::make_call("cosh", {x()}));
    case ::AST_FUNCTION_CSCH:
      return inverse(expr::make_call("sinh", {x()}));
    case ::AST_FUNCTION_COTH:
      return inverse(expr::make_call("tanh", {x()}));
    case ::AST_FUNCTION_ARCSEC:
      return expr::make_call("acos", {inverse(x())});
    case ::AST_FUNCTION_ARCCSC:
      return expr::make_call("asin", {inverse(x())});
    case ::AST_FUNCTION_ARCSINH: {
      const AstPtr a = x();  // ln(x + sqrt(x^2 + 1))
      return ln(add(a, sqrt(add(square(a), number(1.0)))));
    }
    case ::AST_FUNCTION_ARCCOSH: {
      const AstPtr a = x();  // ln(x + sqrt(x^2 - 1))
      return ln(add(a, sqrt(sub(square(a), number(1.0)))));
    }
    case ::AST_FUNCTION_ARCTANH: {
      const AstPtr a = x();  // ln((1 + x) / (1 - x)) / 2
      return mul(number(0.5), ln(div(add(number(1.0), a), sub(number(1.0), a))));
    }
    case ::AST_FUNCTION_ARCCOTH: {
      const AstPtr a = x();  // ln((x + 1) / (x - 1)) / 2
      return mul(number(0.5), ln(div(add(a, number(1.0)), sub(a, number(1.0)))));
    }
    case ::AST_FUNCTION_ARCSECH: {
      const AstPtr a = inverse(x());  // arccosh(1 / x)
      return ln(add(a, sqrt(sub(square(a), number(1.0)))));
    }
    case ::AST_FUNCTION_ARCCSCH: {
      const AstPtr a = inverse(x());  // arcsinh(1 / x)
      return ln(add(a, sqrt(add(square(a), number(1.0)))));
    }
    case ::AST_FUNCTION_PIECEWISE:
      return call("piecewise", node);
    case ::AST_FUNCTION_MIN:
      return call("min", node);
    case ::AST_FUNCTION_MAX:
      return call("max", node);
    case ::AST_LOGICAL_AND:
      return node.getNumChildren() == 0 ? expr::make_symbol("true") : fold(node, AstOp::kAnd, 1.0);
    case ::AST_LOGICAL_OR:
      return node.getNumChildren() == 0 ? expr::make_symbol("false") : fold(node, AstOp::kOr, 0.0);
    case ::AST_LOGICAL_XOR:
      if (node.getNumChildren() == 0) return expr::make_symbol("false");
      return call("xor", node);
    case ::AST_LOGICAL_NOT:
      if (node.getNumChildren() != 1) throw Unsupported{"not with other than one argument"};
      return expr::make_unary(AstOp::kNot, child(node, 0));
    case ::AST_LOGICAL_IMPLIES:
      if (node.getNumChildren() != 2) throw Unsupported{"implies with other than two arguments"};
      return expr::make_binary(AstOp::kOr, expr::make_unary(AstOp::kNot, child(node, 0)), child(node, 1));
    case ::AST_RELATIONAL_EQ:
      return relation(node, AstOp::kEq);
    case ::AST_RELATIONAL_NEQ:
      if (node.getNumChildren() != 2) throw Unsupported{"neq with other than two arguments"};
      return expr::make_binary(AstOp::kNe, child(node, 0), child(node, 1));
    case ::AST_RELATIONAL_LT:
      return relation(node, AstOp::kLt);
    case ::AST_RELATIONAL_LEQ:
      return relation(node, AstOp::kLe);
    case ::AST_RELATIONAL_GT:
      return relation(node, AstOp::kGt);
    case ::AST_RELATIONAL_GEQ:
      return relation(node, AstOp::kGe);
    case ::AST_FUNCTION_DELAY:
      if (node.getNumChildren() != 2) throw Unsupported{"delay with other than two arguments"};
      return expr::make_call("delay", {child(node, 0), child(node, 1)});
    case ::AST_FUNCTION_RATE_OF:
      // A placeholder until every reaction and rule is read; resolve_rate_of replaces it.
      if (node.getNumChildren() != 1 || node.getChild(0)->getType() != ::AST_NAME)
        throw Unsupported{"rateOf of anything but one symbol"};
      if (local_ids_.count(node.getChild(0)->getName())) return number(0.0);  // a local parameter is constant
      return expr::make_call(kRateOf, {child(node, 0)});
    case ::AST_FUNCTION_FACTORIAL:
      return one("factorial");
    case ::AST_FUNCTION_QUOTIENT:
    case ::AST_FUNCTION_REM: {
      // MathML's integer division: a = q b + r with q a whole number, |r| < |b| and r of a's sign, so q is a / b
      // truncated toward zero and r is a - q b (C's fmod).
      if (node.getNumChildren() != 2) throw Unsupported{"quotient or rem with other than two arguments"};
      const AstPtr a = child(node, 0), b = child(node, 1);
      const AstPtr ratio = div(a, b);
      const AstPtr q = expr::make_call(
          "piecewise", {expr::make_call("floor", {ratio}), expr::make_binary(AstOp::kGe, ratio, number(0.0)),
                        expr::make_call("ceil", {ratio})});
      return node.getType() == ::AST_FUNCTION_QUOTIENT ? q : sub(a, mul(q, b));
    }
    case ::AST_FUNCTION_ARCCOT: {
      const AstPtr a = x();  // arctan(1 / x), with arccot(0) = pi / 2 (1 / 0 is infinite)
      return expr::make_call("atan", {inverse(a)});
    }
    case ::AST_FUNCTION:
      return expand_call(node);
    default:
      break;
  }
  const char* name = node.getName();
  throw Unsupported{fmt::format("MathML element '{}'", name ? name : "unknown")};
}

std::optional<model::Expression> Reader::expression(const ::ASTNode* math, const ::SBase* owner,
                                                    const char* role) {
  if (!math) {
    error(owner, fmt::format("{} has no math", role));
    return std::nullopt;
  }
  try {
    return converted(convert(*math), where(owner));
  } catch (const Unsupported& u) {
    error(owner, fmt::format("{} uses {}, which tolsim does not support", role, u.what));
    return std::nullopt;
  }
}

AstPtr Reader::rate_of(const model::Model& m, const std::string& x, int depth) {
  if (depth > 32) throw Unsupported{"rateOf nested deeper than 32 levels"};
  if (const model::Rule* rule = m.find_rule(x)) {
    if (rule->kind == model::Rule::Kind::kRate) return without_rate_of(m, rule->math.ast, depth + 1);
    throw Unsupported{fmt::format("rateOf('{}'), which an assignment rule sets", x)};
  }
  const model::Species* s = m.find_species(x);
  if (!s || s->constant || s->boundary) return number(0.0);
  AstPtr sum;
  for (const auto& r : m.reactions) {
    double net = 0.0;
    for (const auto& p : r.products) net += p.species == x ? p.stoichiometry : 0.0;
    for (const auto& p : r.reactants) net -= p.species == x ? p.stoichiometry : 0.0;
    if (net == 0.0) continue;
    AstPtr term = expr::make_binary(AstOp::kMul, number(net), expr::make_symbol(r.id));
    sum = sum ? expr::make_binary(AstOp::kAdd, sum, term) : term;
  }
  if (!sum) return number(0.0);
  const std::string factor = !s->conversion_factor.empty() ? s->conversion_factor : m.conversion_factor;
  if (!factor.empty()) sum = expr::make_binary(AstOp::kMul, sum, expr::make_symbol(factor));
  if (s->only_substance_units) return sum;
  const model::Compartment* c = m.find_compartment(s->compartment);
  if (c && !c->constant)
    throw Unsupported{fmt::format("rateOf('{}'), a concentration in a compartment that changes size", x)};
  return expr::make_binary(AstOp::kDiv, sum, expr::make_symbol(s->compartment));
}

AstPtr Reader::without_rate_of(const model::Model& m, const AstPtr& node, int depth, bool delayed) {
  if (node->kind == expr::AstKind::kCall && node->name == kRateOf) {
    AstPtr rate = rate_of(m, node->args.at(0)->name, depth);
    // Inside delay(): SBML's past before time 0 holds every quantity at its initial value, so no rate of change
    // there is anything but 0 (the SBML Test Suite, cases 01400-01409).
    if (!delayed) return rate;
    return expr::make_call(
        "piecewise",
        {rate, expr::make_binary(AstOp::kGe, expr::make_symbol("time"), number(0.0)), number(0.0)});
  }
  const bool delay = node->kind == expr::AstKind::kCall && node->name == "delay";
  std::shared_ptr<expr::Ast> copy;
  for (std::size_t i = 0; i < node->args.size(); ++i) {
    AstPtr arg = without_rate_of(m, node->args[i], depth, delayed || (delay && i == 0));
    if (arg == node->args[i]) continue;
    if (!copy) copy = std::make_shared<expr::Ast>(*node);
    copy->args[i] = std::move(arg);
  }
  return copy ? copy : node;
}

void Reader::resolve_rate_of(model::Model& m) {
  const auto resolve = [&](model::Expression& e) {
    if (!e.ast || e.text.find(kRateOf) == std::string::npos) return;
    try {
      e = converted(without_rate_of(m, e.ast, 0), e.location);
    } catch (const Unsupported& u) {
      diagnostics_.error(e.location,
                         fmt::format("this expression uses {}, which tolsim does not support", u.what));
    }
  };
  const auto resolve_optional = [&](std::optional<model::Expression>& e) {
    if (e) resolve(*e);
  };
  for (auto& c : m.compartments) resolve_optional(c.size_expr);
  for (auto& s : m.species) resolve_optional(s.initial_expr);
  for (auto& p : m.parameters) resolve_optional(p.value_expr);
  for (auto& r : m.reactions) resolve(r.rate);
  for (auto& e : m.events) {
    resolve(e.trigger);
    resolve_optional(e.delay);
    resolve_optional(e.priority);
    for (auto& a : e.assignments) resolve(a.math);
  }
  for (auto& r : m.rules) resolve(r.math);
}

}  // namespace tolsim::sbml::detail
