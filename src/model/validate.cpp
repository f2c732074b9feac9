// Structural validation of a composed model: names, references, cycles, constants, numbers and triggers.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "model/checks.hpp"
#include "tolsim/model/loader.hpp"

namespace tolsim::model {

namespace {

using expr::Ast;
using expr::AstKind;
using expr::AstOp;

enum class SymbolKind { kCompartment, kSpecies, kParameter, kReaction, kEvent, kFunction };

const char* kind_name(SymbolKind k) {
  switch (k) {
    case SymbolKind::kCompartment:
      return "compartment";
    case SymbolKind::kSpecies:
      return "species";
    case SymbolKind::kParameter:
      return "parameter";
    case SymbolKind::kReaction:
      return "reaction";
    case SymbolKind::kEvent:
      return "event";
    case SymbolKind::kFunction:
      return "function";
  }
  return "name";
}

struct Arity {
  int min;
  int max;  // -1: unbounded
};

std::optional<Arity> builtin_arity(const std::string& name) {
  static const std::map<std::string, Arity> table = {
      {"exp", {1, 1}},       {"log", {1, 1}},  {"ln", {1, 1}},   {"log10", {1, 1}},      {"log2", {1, 1}},
      {"sqrt", {1, 1}},      {"pow", {2, 2}},  {"abs", {1, 1}},  {"floor", {1, 1}},      {"ceil", {1, 1}},
      {"factorial", {1, 1}}, {"min", {1, -1}}, {"max", {1, -1}}, {"sin", {1, 1}},        {"cos", {1, 1}},
      {"tan", {1, 1}},       {"asin", {1, 1}}, {"acos", {1, 1}}, {"atan", {1, 1}},       {"sinh", {1, 1}},
      {"cosh", {1, 1}},      {"tanh", {1, 1}}, {"hill", {3, 3}}, {"piecewise", {1, -1}}, {"and", {1, -1}},
      {"or", {1, -1}},       {"xor", {1, -1}}, {"not", {1, 1}},  {"delay", {2, 2}}};
  auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

class Validator {
 public:
  Validator(const Model& model, Diagnostics& diagnostics) : m_(model), d_(diagnostics) {}

  void run() {
    collect_names();
    check_references();
    check_functions();
    check_all_expressions();
    check_cycles();
    check_numbers();
    check_triggers();
    check_fast_reactions();
  }

 private:
  // One fast reaction is held at equilibrium by a closed-form projection; several would need a linear solve.
  void check_fast_reactions() {
    const Reaction* first = nullptr;
    for (const auto& r : m_.reactions) {
      if (!r.fast) continue;
      if (!first) {
        first = &r;
        continue;
      }
      d_.error(r.location,
               fmt::format("reaction '{}' is fast, and so is '{}': tolsim supports one fast reaction "
                           "per model",
                           r.id, first->id));
    }
  }

  void declare(const std::string& id, SymbolKind kind, const SourceLocation& loc) {
    auto [it, inserted] = symbols_.emplace(id, std::make_pair(kind, loc));
    if (!inserted) {
      d_.error(loc, fmt::format("'{}' is declared twice: as a {} here and as a {} at {}", id, kind_name(kind),
                                kind_name(it->second.first), it->second.second.to_string()));
      return;
    }
    names_.push_back(id);
  }

  void collect_names() {
    for (const auto& c : m_.compartments) declare(c.id, SymbolKind::kCompartment, c.location);
    for (const auto& s : m_.species) declare(s.id, SymbolKind::kSpecies, s.location);
    for (const auto& p : m_.parameters) declare(p.id, SymbolKind::kParameter, p.location);
    for (const auto& r : m_.reactions) declare(r.id, SymbolKind::kReaction, r.location);
    for (const auto& e : m_.events) declare(e.id, SymbolKind::kEvent, e.location);
    for (const auto& f : m_.functions) declare(f.id, SymbolKind::kFunction, f.location);
    for (const auto& rule : m_.rules) {
      if (rule.kind == Rule::Kind::kAssignment)
        assigned_.insert(rule.variable);
      else
        rated_.insert(rule.variable);
    }
    for (const auto& r : m_.reactions) {
      for (const auto& ref : r.reactants) in_reactions_.insert(ref.species);
      for (const auto& ref : r.products) in_reactions_.insert(ref.species);
    }
  }

  std::optional<SymbolKind> kind_of(const std::string& id) const {
    auto it = symbols_.find(id);
    if (it == symbols_.end()) return std::nullopt;
    return it->second.first;
  }

  std::string unknown(const std::string& id, const std::string& what) const {
    return fmt::format("unknown {} '{}'{}", what, id, did_you_mean(id, names_));
  }

  bool is_constant(const std::string& id) const {
    if (auto* p = m_.find_parameter(id)) return p->constant;
    if (auto* c = m_.find_compartment(id)) return c->constant;
    if (auto* s = m_.find_species(id)) return s->constant;
    return false;
  }

  // A quantity that can take a value: compartment, species or parameter.
  bool check_variable(const std::string& id, const SourceLocation& loc, const std::string& what) {
    auto kind = kind_of(id);
    if (!kind) {
      d_.error(loc, fmt::format("{}: {}", what, unknown(id, "quantity")));
      return false;
    }
    if (*kind != SymbolKind::kCompartment && *kind != SymbolKind::kSpecies &&
        *kind != SymbolKind::kParameter) {
      d_.error(loc, fmt::format("{}: '{}' is a {}, not a compartment, species or parameter", what, id,
                                kind_name(*kind)));
      return false;
    }
    return true;
  }

  void check_references() {
    for (const auto& s : m_.species) {
      if (!s.compartment.empty() && !m_.find_compartment(s.compartment))
        d_.error(s.location,
                 fmt::format("species '{}' is in {}", s.id, unknown(s.compartment, "compartment")));
      if (!s.conversion_factor.empty()) {
        const Parameter* p = m_.find_parameter(s.conversion_factor);
        if (!p || !p->constant)
          d_.error(s.location,
                   fmt::format("conversion factor of species '{}' must be a constant parameter", s.id));
      }
    }
    std::map<std::string, const Rule*> rule_of;
    for (const auto& rule : m_.rules) {
      const std::string what =
          fmt::format("{} rule", rule.kind == Rule::Kind::kAssignment ? "assignment" : "rate");
      if (!check_variable(rule.variable, rule.location, what)) continue;
      auto [it, inserted] = rule_of.emplace(rule.variable, &rule);
      if (!inserted) {
        d_.error(rule.location, fmt::format("'{}' has more than one rule (the other is at {})", rule.variable,
                                            it->second->location.to_string()));
      }
      if (is_constant(rule.variable))
        d_.error(rule.location, fmt::format("'{}' is declared constant but has a {}", rule.variable, what));
      if (auto* s = m_.find_species(rule.variable); s && !s->boundary && in_reactions_.count(s->id))
        d_.error(rule.location,
                 fmt::format("species '{}' is changed by reactions and also has a {}; make it a "
                             "boundary species or drop one",
                             s->id, what));
      if (rule.kind == Rule::Kind::kAssignment) {
        bool has_initial = false;
        if (auto* p = m_.find_parameter(rule.variable)) has_initial = p->value_expr.has_value();
        if (auto* c = m_.find_compartment(rule.variable)) has_initial = c->size_expr.has_value();
        if (auto* s = m_.find_species(rule.variable)) has_initial = s->initial_expr.has_value();
        if (has_initial)
          d_.error(rule.location,
                   fmt::format("'{}' has both an assignment rule and an initial-value expression; "
                               "the rule defines it at every time, so drop the expression",
                               rule.variable));
      }
    }
    for (const auto& r : m_.reactions) {
      auto check_ref = [&](const SpeciesReference& ref) {
        const Species* s = m_.find_species(ref.species);
        if (!s) {
          d_.error(r.location, fmt::format("reaction '{}': {}", r.id, unknown(ref.species, "species")));
          return;
        }
        if (s->constant && !s->boundary)
          d_.error(r.location,
                   fmt::format("reaction '{}' changes species '{}', which is constant; declare it "
                               "`boundary: true` to use it as a fixed source or sink",
                               r.id, s->id));
        if (!std::isfinite(ref.stoichiometry) || ref.stoichiometry <= 0)
          d_.error(r.location,
                   fmt::format("reaction '{}': stoichiometry of '{}' must be positive", r.id, s->id));
      };
      for (const auto& ref : r.reactants) check_ref(ref);
      for (const auto& ref : r.products) check_ref(ref);
      for (const auto& mod : r.modifiers)
        if (!m_.find_species(mod))
          d_.error(r.location, fmt::format("reaction '{}': modifier is {}", r.id, unknown(mod, "species")));
    }
    for (const auto& e : m_.events) {
      std::set<std::string> seen;
      for (const auto& a : e.assignments) {
        const std::string what = fmt::format("event '{}'", e.id);
        if (!check_variable(a.variable, a.location, what)) continue;
        if (!seen.insert(a.variable).second)
          d_.error(a.location, fmt::format("event '{}' assigns '{}' twice", e.id, a.variable));
        if (is_constant(a.variable))
          d_.error(a.location,
                   fmt::format("event '{}' assigns '{}', which is declared constant", e.id, a.variable));
        if (assigned_.count(a.variable))
          d_.error(a.location,
                   fmt::format("event '{}' assigns '{}', whose value an assignment rule fixes at every "
                               "time",
                               e.id, a.variable));
      }
    }
    if (!m_.conversion_factor.empty()) {
      const Parameter* p = m_.find_parameter(m_.conversion_factor);
      if (!p || !p->constant)
        d_.error(m_.location, "the model's conversion factor must be a constant parameter");
    }
  }

  void check_functions() {
    for (const auto& f : m_.functions) {
      if (!f.body.ast) continue;
      std::set<std::string> args(f.arguments.begin(), f.arguments.end());
      walk(*f.body.ast, [&](const Ast& node) {
        if (node.kind == AstKind::kSymbol && !args.count(node.name) && !is_reserved_name(node.name))
          d_.error(
              f.body.at(node.offset),
              fmt::format("function '{}' uses '{}', which is not one of its arguments ({}); functions see "
                          "only their arguments",
                          f.id, node.name, fmt::join(f.arguments, ", ")));
      });
    }
  }

  static void walk(const Ast& node, const std::function<void(const Ast&)>& visit) {
    visit(node);
    for (const auto& a : node.args) walk(*a, visit);
  }

  // Names resolve, calls have the right number of arguments, nothing divides by a constant zero.
  void check_expression(const Expression& e, const std::string& context, const std::set<std::string>& locals,
                        const std::map<std::string, double>& local_values = {}) {
    if (!e.ast) return;
    walk(*e.ast, [&](const Ast& node) {
      if (node.kind == AstKind::kSymbol) {
        if (locals.count(node.name) || is_reserved_name(node.name)) return;
        auto kind = kind_of(node.name);
        if (!kind) {
          std::string hint = did_you_mean(node.name, names_);
          if (hint.empty() && (node.name == "t" || node.name == "T_time")) hint = " (time is written 'time')";
          d_.error(e.at(node.offset), fmt::format("in {}: unknown name '{}'{}", context, node.name, hint));
        } else if (*kind == SymbolKind::kEvent || *kind == SymbolKind::kFunction) {
          d_.error(e.at(node.offset),
                   fmt::format("in {}: '{}' is a {} and has no value{}", context, node.name, kind_name(*kind),
                               *kind == SymbolKind::kFunction ? "; call it with arguments" : ""));
        }
      } else if (node.kind == AstKind::kCall) {
        if (auto arity = builtin_arity(node.name)) {
          const int n = static_cast<int>(node.args.size());
          if (n < arity->min || (arity->max >= 0 && n > arity->max)) {
            const std::string expected =
                arity->max < 0 ? fmt::format("at least {}", arity->min)
                               : (arity->min == arity->max ? fmt::format("{}", arity->min)
                                                           : fmt::format("{} to {}", arity->min, arity->max));
            d_.error(e.at(node.offset), fmt::format("in {}: {}() takes {} argument{}, got {}", context,
                                                    node.name, expected, expected == "1" ? "" : "s", n));
          }
        } else if (const FunctionDefinition* f = m_.find_function(node.name)) {
          if (node.args.size() != f->arguments.size())
            d_.error(e.at(node.offset),
                     fmt::format("in {}: {}() takes {} argument{}, got {}", context, node.name,
                                 f->arguments.size(), f->arguments.size() == 1 ? "" : "s", node.args.size()));
        } else {
          std::vector<std::string> candidates = builtin_function_names();
          for (const auto& fn : m_.functions) candidates.push_back(fn.id);
          d_.error(e.at(node.offset), fmt::format("in {}: unknown function '{}'{}", context, node.name,
                                                  did_you_mean(node.name, candidates)));
        }
      } else if (node.kind == AstKind::kBinary && node.op == AstOp::kDiv) {
        auto denominator = detail::constant_value(*node.args[1], m_, local_values);
        if (denominator && *denominator == 0.0)
          d_.error(e.at(node.args[1]->offset), fmt::format("in {}: division by zero: '{}' is always 0",
                                                           context, expr::to_string(*node.args[1])));
      }
    });
  }

  void check_all_expressions() {
    for (const auto& c : m_.compartments)
      if (c.size_expr) check_expression(*c.size_expr, fmt::format("size of compartment '{}'", c.id), {});
    for (const auto& s : m_.species)
      if (s.initial_expr)
        check_expression(*s.initial_expr, fmt::format("initial value of species '{}'", s.id), {});
    for (const auto& p : m_.parameters)
      if (p.value_expr) check_expression(*p.value_expr, fmt::format("value of parameter '{}'", p.id), {});
    for (const auto& rule : m_.rules)
      check_expression(
          rule.math,
          fmt::format("{} rule of '{}'", rule.kind == Rule::Kind::kAssignment ? "assignment" : "rate",
                      rule.variable),
          {});
    for (const auto& r : m_.reactions) {
      std::set<std::string> locals;
      std::map<std::string, double> values;
      for (const auto& p : r.local_parameters) {
        locals.insert(p.id);
        if (p.value) values[p.id] = *p.value;
      }
      check_expression(r.rate, fmt::format("rate of reaction '{}'", r.id), locals, values);
    }
    for (const auto& e : m_.events) {
      check_expression(e.trigger, fmt::format("trigger of event '{}'", e.id), {});
      if (e.delay) check_expression(*e.delay, fmt::format("delay of event '{}'", e.id), {});
      if (e.priority) check_expression(*e.priority, fmt::format("priority of event '{}'", e.id), {});
      for (const auto& a : e.assignments)
        check_expression(a.math, fmt::format("assignment to '{}' in event '{}'", a.variable, e.id), {});
    }
  }

  // Dependencies between quantities whose values are defined by expressions. At every time, assignment rules
  // depend on each other (and on reaction rates named in them); at the start, initial-value expressions join in.
  void check_cycles() {
    std::map<std::string, std::pair<const Expression*, std::set<std::string>>> local_names;
    std::map<std::string, const Expression*> dynamic, initial;
    for (const auto& rule : m_.rules)
      if (rule.kind == Rule::Kind::kAssignment) dynamic[rule.variable] = &rule.math;
    for (const auto& r : m_.reactions) dynamic[r.id] = &r.rate;
    initial = dynamic;
    for (const auto& c : m_.compartments)
      if (c.size_expr) initial[c.id] = &*c.size_expr;
    for (const auto& s : m_.species)
      if (s.initial_expr) initial[s.id] = &*s.initial_expr;
    for (const auto& p : m_.parameters)
      if (p.value_expr) initial[p.id] = &*p.value_expr;
    find_cycles(dynamic, "cyclic assignment rules");
    find_cycles(initial, "cyclic initial values");
    // Function definitions cannot call themselves, directly or not.
    std::map<std::string, std::set<std::string>> calls;
    for (const auto& f : m_.functions)
      if (f.body.ast)
        walk(*f.body.ast, [&](const Ast& node) {
          if (node.kind == AstKind::kCall && m_.find_function(node.name)) calls[f.id].insert(node.name);
        });
    std::set<std::string> done, active;
    std::function<bool(const std::string&)> visit = [&](const std::string& f) {
      if (active.count(f)) return true;
      if (done.count(f)) return false;
      active.insert(f);
      for (const auto& g : calls[f])
        if (visit(g)) {
          active.erase(f);
          done.insert(f);
          return true;
        }
      active.erase(f);
      done.insert(f);
      return false;
    };
    for (const auto& f : m_.functions)
      if (!done.count(f.id) && visit(f.id))
        d_.error(f.location,
                 fmt::format("function '{}' calls itself (directly or through other functions)", f.id));
  }

  void find_cycles(const std::map<std::string, const Expression*>& defs, const char* what) {
    std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
    std::vector<std::string> path;
    std::function<void(const std::string&)> visit = [&](const std::string& v) {
      state[v] = 1;
      path.push_back(v);
      const Expression* e = defs.at(v);
      std::vector<std::string> deps;
      if (e->ast) deps = expr::symbols_used(*e->ast);
      // Names inside calls to user functions are arguments, already in `deps`.
      for (const auto& dep : deps) {
        if (!defs.count(dep)) continue;
        if (state[dep] == 1) {
          auto start = std::find(path.begin(), path.end(), dep);
          std::vector<std::string> cycle(start, path.end());
          std::vector<std::string> key = cycle;
          std::sort(key.begin(), key.end());
          if (reported_cycles_.insert(fmt::format("{}", fmt::join(key, ","))).second) {
            cycle.push_back(dep);
            d_.error(defs.at(dep)->location, fmt::format("{}: {}", what, fmt::join(cycle, " -> ")));
          }
        } else if (state[dep] == 0) {
          visit(dep);
        }
      }
      path.pop_back();
      state[v] = 2;
    };
    for (const auto& [v, e] : defs)
      if (state[v] == 0) visit(v);
  }

  void check_numbers() {
    std::set<std::string> with_concentrations;
    for (const auto& s : m_.species)
      if (!s.only_substance_units) with_concentrations.insert(s.compartment);
    for (const auto& c : m_.compartments) {
      if (!c.size) continue;
      if (*c.size < 0)
        d_.error(c.location, fmt::format("compartment '{}' has a negative size ({})", c.id, *c.size));
      else if (*c.size == 0 && with_concentrations.count(c.id))
        d_.error(
            c.location,
            fmt::format("compartment '{}' has size 0 but holds species measured as concentrations", c.id));
    }
    for (const auto& s : m_.species)
      if (s.initial && *s.initial < 0 && !s.allow_negative)
        d_.error(s.location,
                 fmt::format("species '{}' starts at {} but may not go negative; set `allow_negative: "
                             "true` if it can",
                             s.id, *s.initial));
    for (const auto& p : m_.parameters) check_parameter_numbers(p);
    for (const auto& r : m_.reactions)
      for (const auto& p : r.local_parameters) check_parameter_numbers(p);
  }

  void check_parameter_numbers(const Parameter& p) {
    using D = Variability::Distribution;
    if (p.variability) {
      const Variability& v = *p.variability;
      auto err = [&](const std::string& msg) {
        d_.error(v.location, fmt::format("variability of '{}': {}", p.id, msg));
      };
      if (!p.value) {
        err("only a parameter with a numeric value can vary between patients");
      } else if (v.distribution == D::kLogNormal) {
        if (*p.value <= 0) err(fmt::format("a lognormal parameter needs a positive value, not {}", *p.value));
        if (v.cv.has_value() == v.sigma.has_value())
          err("a lognormal distribution needs exactly one of cv or sigma");
        if (v.cv && *v.cv <= 0) err(fmt::format("cv = {}: must be > 0", *v.cv));
        if (v.sigma && *v.sigma <= 0) err(fmt::format("sigma = {}: must be > 0", *v.sigma));
        if (v.sd) err("sd is for normal distributions; a lognormal one takes cv or sigma");
      } else if (v.distribution == D::kNormal) {
        if (v.cv.has_value() == v.sd.has_value()) err("a normal distribution needs exactly one of sd or cv");
        if (v.sd && *v.sd <= 0) err(fmt::format("sd = {}: must be > 0", *v.sd));
        if (v.cv && *v.cv <= 0) err(fmt::format("cv = {}: must be > 0", *v.cv));
        if (v.sigma) err("sigma is for lognormal distributions; a normal one takes sd or cv");
      } else {
        if (!v.lower || !v.upper) err("a uniform distribution needs lower and upper");
        if (v.cv || v.sd || v.sigma) err("a uniform distribution takes only lower and upper");
      }
      if (v.lower && v.upper && *v.lower >= *v.upper)
        err(fmt::format("lower = {} must be below upper = {}", *v.lower, *v.upper));
      if (p.value && ((v.lower && *p.value < *v.lower) || (v.upper && *p.value > *v.upper)))
        err(fmt::format("the value {} lies outside the bounds", *p.value));
      if (v.distribution == D::kLogNormal && v.lower && *v.lower < 0)
        err(fmt::format("lower = {}: a lognormal value is never negative", *v.lower));
    }
    if (p.prior) {
      const Prior& pr = *p.prior;
      if (pr.lower >= pr.upper)
        d_.error(pr.location,
                 fmt::format("prior of '{}': lower = {} must be below upper = {}", p.id, pr.lower, pr.upper));
      else if (pr.scale == Prior::Scale::kLog && pr.lower <= 0)
        d_.error(pr.location, fmt::format("prior of '{}': a log-scale prior needs lower > 0", p.id));
      else if (p.value && (*p.value < pr.lower || *p.value > pr.upper))
        d_.warning(pr.location, fmt::format("the value of '{}' ({}) lies outside its prior [{}, {}]", p.id,
                                            *p.value, pr.lower, pr.upper));
    }
  }

  // A trigger is a condition: comparisons joined by &&, ||, !, and(), or(), xor(), not(), or true/false.
  bool is_condition(const Ast& node) const {
    switch (node.kind) {
      case AstKind::kSymbol:
        return node.name == "true" || node.name == "false";
      case AstKind::kUnary:
        return node.op == AstOp::kNot && is_condition(*node.args[0]);
      case AstKind::kBinary:
        if (node.op == AstOp::kAnd || node.op == AstOp::kOr)
          return is_condition(*node.args[0]) && is_condition(*node.args[1]);
        return node.op == AstOp::kLt || node.op == AstOp::kLe || node.op == AstOp::kGt ||
               node.op == AstOp::kGe || node.op == AstOp::kEq || node.op == AstOp::kNe;
      case AstKind::kCall:
        if (node.name == "and" || node.name == "or" || node.name == "xor" || node.name == "not")
          return std::all_of(node.args.begin(), node.args.end(),
                             [&](const auto& a) { return is_condition(*a); });
        return false;
      default:
        return false;
    }
  }

  void check_triggers() {
    for (const auto& e : m_.events)
      if (e.trigger.ast && !is_condition(*e.trigger.ast))
        d_.error(e.trigger.location,
                 fmt::format("trigger of event '{}' must be a condition such as \"X > 5\" or "
                             "\"time >= 28\", joined by &&, || and !",
                             e.id));
  }

  const Model& m_;
  Diagnostics& d_;
  std::map<std::string, std::pair<SymbolKind, SourceLocation>> symbols_;
  std::vector<std::string> names_;
  std::set<std::string> assigned_, rated_, in_reactions_;
  std::set<std::string>
      reported_cycles_;  // a cycle of rules is reported once, not again among initial values
};

}  // namespace

void validate_model(const Model& model, Diagnostics& diagnostics) {
  Validator validator(model, diagnostics);
  validator.run();
  // Units are checked even when other problems were found, so that one pass reports everything; names that did
  // not resolve count as "any unit" there and add no messages of their own.
  detail::check_units(model, diagnostics);
  for (const auto& p : model.parameters)
    if (!p.observable && p.source.missing())
      diagnostics.warning(p.location,
                          fmt::format("parameter '{}' has no source: add `source: \"doi:...\"` (or "
                                      "PMID, or a citation) or `source: \"assumption: <why>\"`",
                                      p.id));
  for (const auto& c : model.compartments)
    if (c.source.missing() && !c.size_expr)
      diagnostics.warning(c.location,
                          fmt::format("compartment '{}' has no source for its size: add `source:` as for "
                                      "a parameter",
                                      c.id));
  for (const auto& r : model.reactions)
    for (const auto& p : r.local_parameters)
      if (p.source.missing())
        diagnostics.warning(p.location,
                            fmt::format("local parameter '{}' of reaction '{}' has no source", p.id, r.id));
}

}  // namespace tolsim::model
