#include "tolsim/sbml/reader.hpp"

#include <fmt/format.h>
#include <sbml/SBMLTypes.h>
#include <sbml/extension/SBasePlugin.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <set>
#include <utility>

#include "tolsim/expr/ast.hpp"

namespace tolsim::sbml {

namespace {

// Debian builds libSBML without its C++ namespace (LIBSBML_USE_CPP_NAMESPACE is off): its names are global.
using expr::AstOp;
using expr::AstPtr;

// A construct tolsim does not simulate; reported as an error at the element that uses it.
struct Unsupported {
  std::string what;
};

class Reader {
 public:
  Reader(std::string file, Diagnostics& diagnostics) : file_(std::move(file)), diagnostics_(diagnostics) {}

  model::Model read(::SBMLDocument& document);
  const std::map<std::string, std::string>& renamed() const { return renamed_; }

 private:
  SourceLocation where(const ::SBase* element) const {
    SourceLocation location;
    location.file = file_;
    if (element) {
      location.line = static_cast<int>(element->getLine());
      location.column = static_cast<int>(element->getColumn());
    }
    return location;
  }
  void error(const ::SBase* element, std::string message) {
    diagnostics_.error(where(element), std::move(message));
  }

  // MathML to a tolsim expression; nullopt (after an error at `owner`) when the math uses something unsupported.
  std::optional<model::Expression> expression(const ::ASTNode* math, const ::SBase* owner, const char* role);
  AstPtr convert(const ::ASTNode& node) const;
  AstPtr fold(const ::ASTNode& node, AstOp op, double empty) const;
  AstPtr relation(const ::ASTNode& node, AstOp op) const;
  AstPtr call(const char* name, const ::ASTNode& node) const;
  AstPtr child(const ::ASTNode& node, unsigned int i) const { return convert(*node.getChild(i)); }
  AstPtr expand_call(const ::ASTNode& node) const;

  void read_species_reference(const ::SpeciesReference& reference, bool reactant, model::Reaction& out);
  void read_stoichiometry_parameters(const ::Model& sm, model::Model& m);
  void add_split_reactions(const std::string& reaction, bool reversible, model::Model& m);

  // The tolsim id of an SBML id: SBML ids that are tolsim's reserved names (pi, time, exp...) are renamed, and
  // so are local parameters that would hide a compartment, species or reaction (see plan_renames).
  std::string id(const std::string& sbml_id) const {
    if (auto it = local_.find(sbml_id); it != local_.end()) return it->second;
    auto it = renamed_.find(sbml_id);
    return it == renamed_.end() ? sbml_id : it->second;
  }
  void plan_renames(const ::Model& sm);
  void resolve_rate_of(model::Model& m);
  AstPtr rate_of(const model::Model& m, const std::string& x, int depth);
  AstPtr without_rate_of(const model::Model& m, const AstPtr& node, int depth);
  std::string fresh_id(std::string base);

  std::string file_;
  Diagnostics& diagnostics_;
  std::set<std::string> assigned_;              // ids that rules, initial assignments or events set
  std::set<std::string> taken_;                 // every id in use, SBML's and the renamed ones
  std::map<std::string, std::string> renamed_;  // model-wide SBML id -> tolsim id
  std::map<std::string, std::string> local_;    // within the kinetic law being read: local id -> tolsim id
  std::set<std::string> local_ids_;             // within the kinetic law being read: its local parameters
  const ::Model* sbml_model_ = nullptr;
  // Stoichiometries that may change (set by stoichiometryMath, rules, initial assignments or events): the
  // parameter that holds each, and the terms of the reaction being read that use one.
  struct SplitTerm {
    std::string species;
    bool reactant;
    std::string stoichiometry;  // parameter id
    SourceLocation location;
  };
  std::map<const ::SpeciesReference*, std::string> stoichiometry_parameter_;
  std::vector<SplitTerm> split_;
  // While a function body is expanded: its arguments (the innermost call last), each bound to the converted
  // expression passed for it.
  mutable std::vector<std::map<std::string, AstPtr>> bound_;
  unsigned int level_ = 3;
};

constexpr const char* kRateOf = "rateOf";  // not a tolsim function: never left in a model read

AstPtr number(double x) {
  return expr::make_number(x);
}

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

// The provenance of every imported quantity: SBML core has no field for it.
model::Provenance imported_source(const std::string& file) {
  model::Provenance p;
  p.text = fmt::format("assumption: imported from SBML ({}) without a source", file);
  p.is_assumption = true;
  return p;
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
      return number(static_cast<double>(node.getInteger()));
    case ::AST_REAL:
    case ::AST_REAL_E:
      return number(node.getReal());
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
      throw Unsupported{"the delay csymbol"};
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

void Reader::read_species_reference(const ::SpeciesReference& reference, bool reactant,
                                    model::Reaction& out) {
  if (auto it = stoichiometry_parameter_.find(&reference); it != stoichiometry_parameter_.end()) {
    split_.push_back({id(reference.getSpecies()), reactant, it->second, where(&reference)});
    return;
  }
  model::SpeciesReference r;
  r.species = id(reference.getSpecies());
  // Level 3 leaves an unset stoichiometry undefined; 1 is Level 2's default and what simulators assume.
  r.stoichiometry = reference.isSetStoichiometry() || level_ < 3 ? reference.getStoichiometry() : 1.0;
  r.location = where(&reference);
  // SBML allows zero and negative stoichiometries; tolsim's are positive. A zero one changes nothing, and a
  // reactant consumed -n times is a product made n times (and the other way round).
  if (r.stoichiometry == 0.0) return;
  if (r.stoichiometry < 0.0) {
    r.stoichiometry = -r.stoichiometry;
    reactant = !reactant;
  }
  (reactant ? out.reactants : out.products).push_back(std::move(r));
}

// A species reference with an id is a quantity of the model: its stoichiometry, readable in math. Each becomes a
// parameter. When the stoichiometry can change (stoichiometryMath, a rule, an initial assignment or an event), the
// reaction's term for that species is split off (add_split_reactions).
void Reader::read_stoichiometry_parameters(const ::Model& sm, model::Model& m) {
  const model::Provenance imported = imported_source(file_);
  for (unsigned int i = 0; i < sm.getNumReactions(); ++i) {
    const ::Reaction* r = sm.getReaction(i);
    std::vector<const ::SpeciesReference*> references;
    for (unsigned int k = 0; k < r->getNumReactants(); ++k) references.push_back(r->getReactant(k));
    for (unsigned int k = 0; k < r->getNumProducts(); ++k) references.push_back(r->getProduct(k));
    for (const ::SpeciesReference* reference : references) {
      model::Parameter p;
      p.source = imported;
      p.location = where(reference);
      p.value = reference->isSetStoichiometry() || level_ < 3 ? reference->getStoichiometry() : 1.0;
      if (reference->isSetStoichiometryMath()) {  // Level 2: the stoichiometry is an expression
        auto e = expression(reference->getStoichiometryMath()->getMath(), reference,
                            fmt::format("the stoichiometryMath of '{}'", reference->getSpecies()).c_str());
        if (!e) continue;
        p.id = fresh_id(fmt::format("{}_{}_stoichiometry", id(r->getId()), id(reference->getSpecies())));
        p.value.reset();
        p.constant = false;
        model::Rule rule;
        rule.variable = p.id;
        rule.math = std::move(*e);
        rule.location = p.location;
        m.rules.push_back(std::move(rule));
      } else if (reference->isSetId()) {
        p.id = id(reference->getId());
        p.constant = level_ < 3 || reference->getConstant();
      } else {
        continue;
      }
      if (reference->isSetStoichiometryMath() || assigned_.count(reference->getId()) || !p.constant)
        stoichiometry_parameter_[reference] = p.id;
      m.parameters.push_back(std::move(p));
    }
  }
}

// Each split-off term of `reaction` becomes a reaction of its own: one unit of the species per unit of extent,
// at the rate stoichiometry x rate of `reaction` (a reaction id in math stands for its rate).
void Reader::add_split_reactions(const std::string& reaction, bool reversible, model::Model& m) {
  for (auto& term : split_) {
    model::Reaction part;
    part.id = fresh_id(fmt::format("{}_{}", reaction, term.species));
    part.description = fmt::format("the term of '{}' for '{}', whose stoichiometry '{}' can change", reaction,
                                   term.species, term.stoichiometry);
    part.reversible = reversible;
    part.location = term.location;
    part.rate = converted(
        expr::make_binary(AstOp::kMul, expr::make_symbol(term.stoichiometry), expr::make_symbol(reaction)),
        term.location);
    model::SpeciesReference one;
    one.species = term.species;
    one.stoichiometry = 1.0;
    one.location = term.location;
    (term.reactant ? part.reactants : part.products).push_back(std::move(one));
    m.reactions.push_back(std::move(part));
  }
  split_.clear();
}

std::string Reader::fresh_id(std::string base) {
  base += '_';
  while (taken_.count(base) || model::is_reserved_name(base)) base += '_';
  taken_.insert(base);
  return base;
}

void Reader::plan_renames(const ::Model& sm) {
  std::vector<const ::SBase*> global;
  for (unsigned int i = 0; i < sm.getNumCompartments(); ++i) global.push_back(sm.getCompartment(i));
  for (unsigned int i = 0; i < sm.getNumSpecies(); ++i) global.push_back(sm.getSpecies(i));
  for (unsigned int i = 0; i < sm.getNumParameters(); ++i) global.push_back(sm.getParameter(i));
  for (unsigned int i = 0; i < sm.getNumReactions(); ++i) {
    const ::Reaction* r = sm.getReaction(i);
    global.push_back(r);
    for (unsigned int k = 0; k < r->getNumReactants(); ++k) global.push_back(r->getReactant(k));
    for (unsigned int k = 0; k < r->getNumProducts(); ++k) global.push_back(r->getProduct(k));
  }
  for (const ::SBase* element : global)
    if (element->isSetId()) taken_.insert(element->getId());
  for (const ::SBase* element : global) {
    if (!element->isSetId() || !model::is_reserved_name(element->getId())) continue;
    const std::string& old_id = element->getId();
    const std::string new_id = fresh_id(old_id);
    renamed_[old_id] = new_id;
    diagnostics_.note(
        where(element),
        fmt::format("SBML id '{}' is a reserved name in tolsim; it is read as '{}'", old_id, new_id));
  }
}

// rateOf(x), the time derivative of x, written out from what changes x: its rate rule, or the reactions that make
// and use it (times its conversion factor, over its compartment's size if it is a concentration). Anything else
// that is not set by an assignment rule is constant between events, with rate 0.
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

AstPtr Reader::without_rate_of(const model::Model& m, const AstPtr& node, int depth) {
  if (node->kind == expr::AstKind::kCall && node->name == kRateOf)
    return rate_of(m, node->args.at(0)->name, depth);
  std::shared_ptr<expr::Ast> copy;
  for (std::size_t i = 0; i < node->args.size(); ++i) {
    AstPtr arg = without_rate_of(m, node->args[i], depth);
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

model::Model Reader::read(::SBMLDocument& document) {
  model::Model m;
  m.files.push_back(file_);
  m.location = where(nullptr);
  level_ = document.getLevel();
  const ::Model* sm = document.getModel();
  if (!sm) {
    error(&document, "the SBML document has no model");
    return m;
  }
  m.name = sm->isSetId() ? sm->getId() : (sm->isSetName() ? sm->getName() : "sbml-model");
  m.description = sm->isSetName() ? sm->getName() : "";
  m.time_unit.assign(1, 's');  // assign(1, c): a string literal here trips GCC 12's -Wrestrict false positive
  m.unit_check = model::UnitCheck::kOff;  // SBML units are optional, and most models leave them out
  sbml_model_ = sm;
  plan_renames(*sm);
  if (sm->isSetConversionFactor()) m.conversion_factor = id(sm->getConversionFactor());

  for (unsigned int i = 0; i < sm->getNumRules(); ++i) assigned_.insert(sm->getRule(i)->getVariable());
  for (unsigned int i = 0; i < sm->getNumInitialAssignments(); ++i)
    assigned_.insert(sm->getInitialAssignment(i)->getSymbol());
  for (unsigned int i = 0; i < sm->getNumEvents(); ++i)
    for (unsigned int k = 0; k < sm->getEvent(i)->getNumEventAssignments(); ++k)
      assigned_.insert(sm->getEvent(i)->getEventAssignment(k)->getVariable());

  const model::Provenance imported = imported_source(file_);
  for (unsigned int i = 0; i < sm->getNumCompartments(); ++i) {
    const ::Compartment* c = sm->getCompartment(i);
    model::Compartment out;
    out.id = id(c->getId());
    if (c->isSetSize())
      out.size = c->getSize();
    else if (level_ < 3)
      out.size = 1.0;  // Level 2 default
    out.spatial_dimensions = static_cast<int>(c->getSpatialDimensions());
    out.constant = c->getConstant();
    out.description = c->getName();
    out.source = imported;
    out.location = where(c);
    m.compartments.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumSpecies(); ++i) {
    const ::Species* s = sm->getSpecies(i);
    model::Species out;
    out.id = id(s->getId());
    out.compartment = id(s->getCompartment());
    if (s->isSetInitialAmount()) {
      out.initial = s->getInitialAmount();
      out.initial_is_amount = true;
    } else if (s->isSetInitialConcentration()) {
      out.initial = s->getInitialConcentration();
    }
    if (s->isSetInitialConcentration() && s->getHasOnlySubstanceUnits()) {
      // The species' value is its amount: concentration x compartment size.
      out.initial.reset();
      out.initial_expr = converted(expr::make_binary(AstOp::kMul, number(s->getInitialConcentration()),
                                                     expr::make_symbol(out.compartment)),
                                   where(s));
    }
    // A species in a zero-dimensional compartment without a size has no concentration: its value is its amount.
    const ::Compartment* home = sm->getCompartment(s->getCompartment());
    const bool point = home && home->isSetSpatialDimensions() &&
                       home->getSpatialDimensionsAsDouble() == 0.0 && !home->isSetSize() &&
                       !assigned_.count(home->getId());
    out.only_substance_units = s->getHasOnlySubstanceUnits() || point;
    out.boundary = s->getBoundaryCondition();
    out.constant = s->getConstant();
    if (out.constant && !out.only_substance_units && home && !home->getConstant()) {
      // A constant species keeps its amount (the SBML Test Suite's reading): in a compartment that changes size,
      // its concentration changes. A boundary species that nothing changes behaves so.
      out.constant = false;
      out.boundary = true;
    } else if (out.constant && !out.only_substance_units && out.initial_is_amount && out.initial) {
      // A constant species is a fixed value, its concentration here: the initial amount over the size.
      out.initial_expr = converted(
          expr::make_binary(AstOp::kDiv, number(*out.initial), expr::make_symbol(out.compartment)), where(s));
      out.initial.reset();
      out.initial_is_amount = false;
    }
    out.allow_negative = true;  // SBML does not forbid negative amounts
    if (s->isSetConversionFactor()) out.conversion_factor = id(s->getConversionFactor());
    out.description = s->getName();
    out.location = where(s);
    m.species.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumParameters(); ++i) {
    const ::Parameter* p = sm->getParameter(i);
    model::Parameter out;
    out.id = id(p->getId());
    if (p->isSetValue()) out.value = p->getValue();
    out.constant = p->getConstant();
    out.description = p->getName();
    out.source = imported;
    out.location = where(p);
    m.parameters.push_back(std::move(out));
  }
  read_stoichiometry_parameters(*sm, m);
  for (unsigned int i = 0; i < sm->getNumInitialAssignments(); ++i) {
    const ::InitialAssignment* a = sm->getInitialAssignment(i);
    if (!a->isSetMath()) continue;  // SBML: an initial assignment without math has no effect
    auto e =
        expression(a->getMath(), a, fmt::format("the initial assignment of '{}'", a->getSymbol()).c_str());
    if (!e) continue;
    const std::string target = id(a->getSymbol());
    auto c =
        std::find_if(m.compartments.begin(), m.compartments.end(), [&](auto& x) { return x.id == target; });
    auto s = std::find_if(m.species.begin(), m.species.end(), [&](auto& x) { return x.id == target; });
    auto p = std::find_if(m.parameters.begin(), m.parameters.end(), [&](auto& x) { return x.id == target; });
    if (c != m.compartments.end()) {
      c->size.reset();
      c->size_expr = std::move(*e);
    } else if (s != m.species.end()) {
      s->initial.reset();
      s->initial_is_amount = false;  // the assignment gives the species' value (amount or concentration)
      s->initial_expr = std::move(*e);
    } else if (p != m.parameters.end()) {
      p->value.reset();
      p->value_expr = std::move(*e);
    } else {
      error(a, fmt::format("the initial assignment of '{}' sets something tolsim cannot (only compartments, "
                           "species and parameters)",
                           target));
    }
  }
  for (unsigned int i = 0; i < sm->getNumRules(); ++i) {
    const ::Rule* r = sm->getRule(i);
    if (r->isAlgebraic()) {
      error(r, "algebraic rules are not supported");
      continue;
    }
    if (!r->isSetMath()) continue;  // SBML: a rule without math has no effect
    auto e = expression(r->getMath(), r, fmt::format("the rule for '{}'", r->getVariable()).c_str());
    if (!e) continue;
    model::Rule out;
    out.kind = r->isRate() ? model::Rule::Kind::kRate : model::Rule::Kind::kAssignment;
    out.variable = id(r->getVariable());
    out.math = std::move(*e);
    out.location = where(r);
    m.rules.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumReactions(); ++i) {
    const ::Reaction* r = sm->getReaction(i);
    split_.clear();
    model::Reaction out;
    out.id = id(r->getId());
    out.reversible = r->getReversible();
    out.description = r->getName();
    out.location = where(r);
    if (r->isSetFast() && r->getFast())
      error(r, fmt::format("reaction '{}' is fast, which tolsim does not support", out.id));
    for (unsigned int k = 0; k < r->getNumReactants(); ++k)
      read_species_reference(*r->getReactant(k), true, out);
    for (unsigned int k = 0; k < r->getNumProducts(); ++k)
      read_species_reference(*r->getProduct(k), false, out);
    for (unsigned int k = 0; k < r->getNumModifiers(); ++k)
      out.modifiers.push_back(id(r->getModifier(k)->getSpecies()));
    const ::KineticLaw* law = r->getKineticLaw();
    if (!law || !law->isSetMath()) {
      out.rate = converted(number(0.0), out.location);  // no kinetic law: SBML leaves the rate undefined
    } else {
      // A local parameter hides any global id of the same name within its kinetic law. tolsim scopes local
      // parameters over global parameters only, so one that hides anything else (a compartment, species or
      // reaction, or a reserved name) gets a fresh id here.
      const unsigned int n_local = level_ >= 3 ? law->getNumLocalParameters() : law->getNumParameters();
      const auto local = [&](unsigned int k) {
        return level_ >= 3 ? static_cast<const ::Parameter*>(law->getLocalParameter(k))
                           : law->getParameter(k);
      };
      local_.clear();
      local_ids_.clear();
      for (unsigned int k = 0; k < n_local; ++k) {
        const std::string& lid = local(k)->getId();
        local_ids_.insert(lid);
        if (model::is_reserved_name(lid) || (taken_.count(lid) && !sm->getParameter(lid)))
          local_[lid] = fresh_id(fmt::format("{}_{}", out.id, lid));
      }
      auto e = expression(law->getMath(), law, fmt::format("the kinetic law of '{}'", out.id).c_str());
      if (!e) continue;
      out.rate = std::move(*e);
      for (unsigned int k = 0; k < n_local; ++k) {
        const ::Parameter* lp = local(k);
        model::Parameter p;
        p.id = id(lp->getId());
        if (lp->isSetValue()) p.value = lp->getValue();
        p.source = imported;
        p.location = where(lp);
        out.local_parameters.push_back(std::move(p));
      }
      local_.clear();
      local_ids_.clear();
    }
    const std::string reaction_id = out.id;
    const bool reversible = out.reversible;
    m.reactions.push_back(std::move(out));
    add_split_reactions(reaction_id, reversible, m);
  }
  for (unsigned int i = 0; i < sm->getNumEvents(); ++i) {
    const ::Event* ev = sm->getEvent(i);
    model::Event out;
    out.id = ev->isSetId() ? ev->getId() : fmt::format("event_{}", i + 1);
    out.location = where(ev);
    const ::Trigger* trigger = ev->getTrigger();
    if (!trigger || !trigger->isSetMath()) continue;  // SBML Level 3 Version 2: such an event never fires
    auto t =
        expression(trigger->getMath(), trigger, fmt::format("the trigger of event '{}'", out.id).c_str());
    if (!t) continue;
    if (!is_condition(*t->ast))  // a number as a trigger: SBML reads non-zero as true
      *t = converted(expr::make_binary(AstOp::kNe, t->ast, number(0.0)), t->location);
    out.trigger = std::move(*t);
    out.initial_value = level_ >= 3 ? trigger->getInitialValue() : true;
    out.persistent = level_ >= 3 ? trigger->getPersistent() : true;
    out.use_values_from_trigger_time = ev->getUseValuesFromTriggerTime();
    if (ev->isSetDelay() && ev->getDelay()->isSetMath()) {  // a delay without math is no delay
      auto d = expression(ev->getDelay()->getMath(), ev->getDelay(), "an event delay");
      if (!d) continue;
      out.delay = std::move(*d);
    }
    if (ev->isSetPriority() && ev->getPriority()->isSetMath()) {  // nor is a priority without math
      auto p = expression(ev->getPriority()->getMath(), ev->getPriority(), "an event priority");
      if (!p) continue;
      out.priority = std::move(*p);
    }
    for (unsigned int k = 0; k < ev->getNumEventAssignments(); ++k) {
      const ::EventAssignment* a = ev->getEventAssignment(k);
      if (!a->isSetMath()) continue;  // an assignment without math changes nothing
      auto e = expression(a->getMath(), a, fmt::format("the assignment of '{}'", a->getVariable()).c_str());
      if (!e) continue;
      out.assignments.push_back({id(a->getVariable()), std::move(*e), where(a)});
    }
    m.events.push_back(std::move(out));
  }
  resolve_rate_of(m);
  return m;
}

model::LoadedModel finish(std::unique_ptr<::SBMLDocument> document, const std::string& file,
                          std::map<std::string, std::string>* renamed) {
  Diagnostics diagnostics;
  SourceLocation at_file;
  at_file.file = file;
  const auto report_errors = [&] {
    bool any = false;
    for (unsigned int i = 0; i < document->getNumErrors(); ++i) {
      const ::SBMLError* e = document->getError(i);
      if (!e->isError() && !e->isFatal()) continue;
      SourceLocation location = at_file;
      location.line = static_cast<int>(e->getLine());
      location.column = static_cast<int>(e->getColumn());
      std::string message = e->getMessage();
      while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
      diagnostics.error(location, fmt::format("SBML: {}", message));
      any = true;
    }
    return any;
  };
  if (report_errors()) throw ModelError(diagnostics);
  // libSBML represents Level 3 Version 2's core math (min, max, rateOf...) as the plugin "l3v2extendedmath".
  // Layout and render describe how to draw the network and change nothing in the simulation: they are ignored.
  std::vector<std::string> packages;
  for (unsigned int i = 0; i < document->getNumPlugins(); ++i) {
    const std::string name = document->getPlugin(i)->getPackageName();
    if (name != "l3v2extendedmath" && name != "layout" && name != "render") packages.push_back(name);
  }
  if (!packages.empty()) {
    diagnostics.error(at_file,
                      fmt::format("SBML Level 3 packages are not supported ({})", fmt::join(packages, ", ")));
    throw ModelError(diagnostics);
  }
  Reader reader(file, diagnostics);
  model::Model m = reader.read(*document);
  if (renamed) *renamed = reader.renamed();
  if (diagnostics.has_errors()) throw ModelError(diagnostics);
  model::validate_model(m, diagnostics);
  if (diagnostics.has_errors()) throw ModelError(diagnostics);
  return {std::move(m), std::move(diagnostics)};
}

}  // namespace

model::LoadedModel read_sbml(const std::string& path, std::map<std::string, std::string>* renamed) {
  ::SBMLReader reader;
  return finish(std::unique_ptr<::SBMLDocument>(reader.readSBMLFromFile(path)), path, renamed);
}

model::LoadedModel read_sbml_from_string(const std::string& text, const std::string& file_name,
                                         std::map<std::string, std::string>* renamed) {
  ::SBMLReader reader;
  return finish(std::unique_ptr<::SBMLDocument>(reader.readSBMLFromString(text)), file_name, renamed);
}

bool is_sbml_path(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.ends_with(".xml") || lower.ends_with(".sbml");
}

}  // namespace tolsim::sbml
