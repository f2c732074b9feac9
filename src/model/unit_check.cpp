// Dimensional analysis of every equation of a model.
//
// Each expression's unit is computed bottom-up from the units of the quantities it names. A bare number is
// dimensionless, except 0, which fits any unit; `2 [mg]` gives a number a unit. Sums, comparisons, min/max and
// piecewise branches need equal units (equal dimension and scale: mg/L + ug/mL is fine, mg/L + ng/mL is not);
// exp, log and trigonometric functions need dimensionless arguments; x^n needs a constant n when x has units.
// A mismatch inside an expression is reported where it happens, and the expression then counts as "any unit" so
// that one mistake gives one message.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "model/checks.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::model::detail {

namespace {

using expr::Ast;
using expr::AstKind;
using expr::AstOp;
using units::Unit;

// An expression's unit, or `any` when it fits every unit (the number 0, or after a reported mismatch).
struct UnitValue {
  Unit unit;
  bool any = false;
  std::optional<double> value;  // known constant value (function arguments, local parameters), for exponents
  static UnitValue of(Unit u) { return {std::move(u), false, std::nullopt}; }
  static UnitValue anything() { return {Unit(), true, std::nullopt}; }
};

bool is_bare_number(const Ast& node) {
  return node.kind == AstKind::kNumber && node.unit.empty();
}

std::string describe_difference(const Unit& got, const Unit& expected) {
  if (got.same_dimension(expected))
    return fmt::format(" (same dimension, but 1 {} = {:g} {})", got.name(),
                       got.conversion_factor_to(expected), expected.name());
  return {};
}

class UnitChecker {
 public:
  UnitChecker(const Model& model, Diagnostics& diagnostics) : m_(model), d_(diagnostics) {}

  void run() {
    if (m_.unit_check == UnitCheck::kOff) return;
    time_ = parse(m_.time_unit, m_.location, "the model's time unit").value_or(Unit());
    for (const auto& c : m_.compartments) declare(c.id, c.unit, c.location, "compartment");
    for (const auto& s : m_.species) declare(s.id, s.unit, s.location, "species");
    for (const auto& p : m_.parameters) declare(p.id, p.unit, p.location, "parameter");

    for (const auto& c : m_.compartments)
      if (c.size_expr) expect(*c.size_expr, {}, unit_of(c.id), fmt::format("size of compartment '{}'", c.id));
    for (const auto& s : m_.species)
      if (s.initial_expr) {
        auto target = s.initial_is_amount ? amount_unit(s) : unit_of(s.id);
        expect(*s.initial_expr, {}, target, fmt::format("initial value of species '{}'", s.id));
      }
    for (const auto& p : m_.parameters)
      if (p.value_expr)
        expect(*p.value_expr, {}, unit_of(p.id), fmt::format("value of parameter '{}'", p.id));
    for (const auto& rule : m_.rules) {
      auto var = unit_of(rule.variable);
      if (rule.kind == Rule::Kind::kAssignment) {
        expect(rule.math, {}, var, fmt::format("assignment rule of '{}'", rule.variable));
      } else {
        std::optional<Unit> per_time;
        if (var) per_time = *var / time_;
        expect(rule.math, {}, per_time, fmt::format("rate rule of '{}'", rule.variable));
      }
    }
    for (const auto& r : m_.reactions) check_reaction(r);
    for (const auto& e : m_.events) {
      // A trigger that is missing or did not parse has no tree; the reader has reported it already.
      if (e.trigger.ast)
        (void)value(e.trigger, *e.trigger.ast, {}, fmt::format("trigger of event '{}'", e.id));
      if (e.delay) expect(*e.delay, {}, time_, fmt::format("delay of event '{}'", e.id));
      if (e.priority) expect(*e.priority, {}, Unit(), fmt::format("priority of event '{}'", e.id));
      for (const auto& a : e.assignments)
        expect(a.math, {}, unit_of(a.variable),
               fmt::format("assignment to '{}' in event '{}'", a.variable, e.id));
    }
  }

 private:
  using Env = std::map<std::string, UnitValue>;

  void report(const SourceLocation& loc, const std::string& message) {
    if (m_.unit_check == UnitCheck::kWarning)
      d_.warning(loc, message);
    else
      d_.error(loc, message);
  }

  std::optional<Unit> parse(const std::string& text, const SourceLocation& loc, const std::string& owner) {
    auto parsed = units::parse_unit(text);
    if (!parsed.unit) {
      d_.error(loc, fmt::format("unit '{}' of {}: {}", text, owner, parsed.error));
      return std::nullopt;
    }
    return parsed.unit;
  }

  void declare(const std::string& id, const std::string& text, const SourceLocation& loc, const char* kind) {
    if (text.empty()) return;  // reported by the loader
    if (auto u = parse(text, loc, fmt::format("{} '{}'", kind, id))) units_[id] = *u;
  }

  std::optional<Unit> unit_of(const std::string& id) const {
    auto it = units_.find(id);
    if (it == units_.end()) return std::nullopt;
    return it->second;
  }

  std::optional<Unit> amount_unit(const Species& s) const {
    auto u = unit_of(s.id);
    if (!u || s.only_substance_units) return u;
    auto c = unit_of(s.compartment);
    if (!c) return std::nullopt;
    return *u * *c;
  }

  void check_reaction(const Reaction& r) {
    Env env;
    for (const auto& p : r.local_parameters) {
      if (p.unit.empty()) continue;
      if (auto u = parse(p.unit, p.location, fmt::format("local parameter '{}'", p.id))) {
        env[p.id] = UnitValue::of(*u);
        env[p.id].value = p.value;
      }
    }
    if (!r.rate.ast) return;
    UnitValue rate = value(r.rate, *r.rate.ast, env, fmt::format("rate of reaction '{}'", r.id));
    if (rate.any) return;
    std::set<std::string> reported;
    auto check = [&](const SpeciesReference& ref) {
      const Species* s = m_.find_species(ref.species);
      if (!s) return;
      auto amount = amount_unit(*s);
      if (!amount) return;
      Unit expected = *amount / time_;
      Unit got = rate.unit;
      const std::string& factor = !s->conversion_factor.empty() ? s->conversion_factor : m_.conversion_factor;
      if (!factor.empty())
        if (auto f = unit_of(factor)) got = got * *f;
      if (got == expected || !reported.insert(expected.name()).second) return;
      report(r.rate.location,
             fmt::format(
                 "unit mismatch in rate of reaction '{}': got {}, expected {} (the amount of species '{}' "
                 "per {}){}",
                 r.id, got.name(), expected.name(), s->id, time_.name(), describe_difference(got, expected)));
    };
    for (const auto& ref : r.reactants) check(ref);
    for (const auto& ref : r.products) check(ref);
  }

  void expect(const Expression& e, const Env& env, const std::optional<Unit>& expected,
              const std::string& what) {
    if (!e.ast) return;
    UnitValue got = value(e, *e.ast, env, what);
    if (got.any || !expected) return;
    if (got.unit != *expected)
      report(e.location, fmt::format("unit mismatch in {}: got {}, expected {}{}", what, got.unit.name(),
                                     expected->name(), describe_difference(got.unit, *expected)));
  }

  // Unit algebra throws std::range_error when a scale or exponent leaves the range of double (1e308/s * mol/L,
  // x^1e308): odd but possible input, so it is reported like a mismatch instead of escaping the loader.
  template <typename Compute>
  UnitValue in_range(const Expression& e, const Ast& node, const std::string& what, Compute compute) {
    try {
      return UnitValue::of(compute());
    } catch (const std::range_error& error) {
      return mismatch(e, node, what, error.what());
    }
  }

  UnitValue mismatch(const Expression& e, const Ast& node, const std::string& what,
                     const std::string& message) {
    report(report_at_ ? *report_at_ : e.at(node.offset), fmt::format("in {}: {}", what, message));
    return UnitValue::anything();
  }

  // Units of operands that must agree (sums, comparisons, min/max, piecewise values).
  // "; write the number with its unit, as 28 [day]" when a bare number meets a quantity with a unit.
  static std::string bare_number_hint(const Ast& node, const UnitValue& a, const UnitValue& b) {
    const Ast* number = nullptr;
    const UnitValue* other = nullptr;
    if (is_bare_number(*node.args[0]) && !b.any) number = node.args[0].get(), other = &b;
    if (is_bare_number(*node.args[1]) && !a.any) number = node.args[1].get(), other = &a;
    if (!number || other->unit.is_dimensionless()) return {};
    return fmt::format("; write the number with its unit, as {} [{}]", expr::to_string(*number),
                       other->unit.name());
  }

  UnitValue same(const Expression& e, const Ast& node, const std::vector<UnitValue>& values,
                 const std::string& what, const char* verb, const std::string& hint = {}) {
    const UnitValue* first = nullptr;
    for (const auto& v : values) {
      if (v.any) continue;
      if (!first) {
        first = &v;
        continue;
      }
      if (v.unit != first->unit)
        return mismatch(e, node, what,
                        fmt::format("cannot {} {} and {}{}{}", verb, first->unit.name(), v.unit.name(),
                                    describe_difference(v.unit, first->unit), hint));
    }
    return first ? *first : UnitValue::anything();
  }

  UnitValue dimensionless_arg(const Expression& e, const Ast& node, const UnitValue& arg,
                              const std::string& what) {
    if (!arg.any && !arg.unit.is_dimensionless())
      return mismatch(
          e, node, what,
          fmt::format("the argument of {}() must be dimensionless, got {}", node.name, arg.unit.name()));
    return UnitValue::of(Unit());
  }

  UnitValue power(const Expression& e, const Ast& node, const UnitValue& base, const UnitValue& exponent,
                  const Ast& exponent_ast, const Env& env, const std::string& what) {
    if (!exponent.any && !exponent.unit.is_dimensionless())
      return mismatch(e, node, what,
                      fmt::format("an exponent must be dimensionless, got {}", exponent.unit.name()));
    if (base.any) return base;
    if (base.unit.is_dimensionless() && base.unit.scale() == 1.0) return UnitValue::of(Unit());
    std::map<std::string, double> locals;
    for (const auto& [name, v] : env)
      if (v.value) locals[name] = *v.value;
    auto n = constant_value(exponent_ast, m_, locals);
    if (!n)
      return mismatch(
          e, node, what,
          fmt::format("{} is raised to a power that is not constant; the unit of the result would change "
                      "with it",
                      base.unit.name()));
    // Unit::pow requires a finite exponent (InternalError otherwise): "x^inf" is the model's problem, not ours.
    if (!std::isfinite(*n))
      return mismatch(
          e, node, what,
          fmt::format("{} is raised to the power {}, which is not a finite number", base.unit.name(), *n));
    return in_range(e, node, what, [&] { return base.unit.pow(*n); });
  }

  UnitValue value(const Expression& e, const Ast& node, const Env& env, const std::string& what) {
    switch (node.kind) {
      case AstKind::kNumber: {
        if (!node.unit.empty()) {
          auto parsed = units::parse_unit(node.unit);
          if (!parsed.unit) {
            d_.error(e.at(node.offset), fmt::format("in {}: unit '{}': {}", what, node.unit, parsed.error));
            return UnitValue::anything();
          }
          return UnitValue::of(*parsed.unit);
        }
        return node.number == 0.0 ? UnitValue::anything() : UnitValue::of(Unit());
      }
      case AstKind::kSymbol: {
        if (auto it = env.find(node.name); it != env.end()) return it->second;
        if (node.name == "time") return UnitValue::of(time_);
        if (node.name == "avogadro")
          return UnitValue::of(Unit().pow(1.0) / units::parse_unit("mol").unit.value());
        if (is_reserved_name(node.name)) return UnitValue::of(Unit());
        if (auto u = unit_of(node.name)) return UnitValue::of(*u);
        return UnitValue::
            anything();  // unknown names and reaction rates are reported elsewhere or not checked
      }
      case AstKind::kUnary: {
        UnitValue a = value(e, *node.args[0], env, what);
        if (node.op == AstOp::kNot) return UnitValue::of(Unit());
        return a;
      }
      case AstKind::kBinary: {
        UnitValue a = value(e, *node.args[0], env, what);
        UnitValue b = value(e, *node.args[1], env, what);
        switch (node.op) {
          case AstOp::kAdd:
            return same(e, node, {a, b}, what, "add", bare_number_hint(node, a, b));
          case AstOp::kSub:
            return same(e, node, {a, b}, what, "subtract", bare_number_hint(node, a, b));
          case AstOp::kMul:
            if (a.any || b.any) return UnitValue::anything();
            return in_range(e, node, what, [&] { return a.unit * b.unit; });
          case AstOp::kDiv:
            if (a.any || b.any) return UnitValue::anything();
            return in_range(e, node, what, [&] { return a.unit / b.unit; });
          case AstOp::kPow:
            return power(e, node, a, b, *node.args[1], env, what);
          case AstOp::kAnd:
          case AstOp::kOr:
            return UnitValue::of(Unit());
          default:  // comparisons
            same(e, node, {a, b}, what, "compare", bare_number_hint(node, a, b));
            return UnitValue::of(Unit());
        }
      }
      case AstKind::kCall:
        return call(e, node, env, what);
    }
    return UnitValue::anything();
  }

  UnitValue call(const Expression& e, const Ast& node, const Env& env, const std::string& what) {
    std::vector<UnitValue> args;
    for (const auto& a : node.args) args.push_back(value(e, *a, env, what));
    const std::string& f = node.name;
    if (f == "exp" || f == "log" || f == "ln" || f == "log10" || f == "log2" || f == "sin" || f == "cos" ||
        f == "tan" || f == "asin" || f == "acos" || f == "atan" || f == "sinh" || f == "cosh" || f == "tanh")
      return args.size() == 1 ? dimensionless_arg(e, node, args[0], what) : UnitValue::anything();
    if (f == "sqrt") {
      if (args.size() != 1 || args[0].any) return UnitValue::anything();
      return in_range(e, node, what, [&] { return args[0].unit.pow(0.5); });
    }
    if (f == "pow")
      return args.size() == 2 ? power(e, node, args[0], args[1], *node.args[1], env, what)
                              : UnitValue::anything();
    if (f == "factorial") return UnitValue::of(Unit());
    if (f == "abs" || f == "floor" || f == "ceil") return args.size() == 1 ? args[0] : UnitValue::anything();
    if (f == "min" || f == "max") return same(e, node, args, what, "compare");
    if (f == "and" || f == "or" || f == "xor" || f == "not") return UnitValue::of(Unit());
    if (f == "hill") {
      if (args.size() != 3) return UnitValue::anything();
      same(e, node, {args[0], args[1]}, what, "compare");
      if (!args[2].any && !args[2].unit.is_dimensionless())
        mismatch(e, node, what,
                 fmt::format("the Hill coefficient must be dimensionless, got {}", args[2].unit.name()));
      return UnitValue::of(Unit());
    }
    if (f == "delay") {  // delay(x, tau): x's unit; tau is a time
      if (args.size() != 2) return UnitValue::anything();
      if (!args[1].any && args[1].unit != time_)
        mismatch(e, node, what,
                 fmt::format("the delay time must be in the model's time unit, {}, got {}{}", time_.name(),
                             args[1].unit.name(), describe_difference(args[1].unit, time_)));
      return args[0];
    }
    if (f == "piecewise") {
      std::vector<UnitValue> values;
      for (std::size_t i = 0; i < args.size(); i += 2) values.push_back(args[i]);
      return same(e, node, values, what, "mix");
    }
    if (const FunctionDefinition* fn = m_.find_function(f)) {
      if (!fn->body.ast || fn->arguments.size() != args.size() || depth_ > 32) return UnitValue::anything();
      Env inner;
      std::map<std::string, double> outer_values;
      for (const auto& [name, v] : env)
        if (v.value) outer_values[name] = *v.value;
      for (std::size_t i = 0; i < args.size(); ++i) {
        inner[fn->arguments[i]] = args[i];
        // A constant argument stays known inside the body, so that x^h with h = 2 has a unit.
        inner[fn->arguments[i]].value = constant_value(*node.args[i], m_, outer_values);
      }
      // Problems inside the body are reported at the call, where the argument units came from.
      auto saved = report_at_;
      if (!report_at_) report_at_ = e.at(node.offset);
      ++depth_;
      UnitValue result = value(fn->body, *fn->body.ast, inner, fmt::format("{} (in function '{}')", what, f));
      --depth_;
      report_at_ = saved;
      return result;
    }
    return UnitValue::anything();
  }

  const Model& m_;
  Diagnostics& d_;
  Unit time_;
  std::map<std::string, Unit> units_;
  std::optional<SourceLocation> report_at_;
  int depth_ = 0;
};

}  // namespace

void check_units(const Model& model, Diagnostics& diagnostics) {
  UnitChecker checker(model, diagnostics);
  try {
    checker.run();
  } catch (const std::range_error& error) {
    // Products of declared units (a species' unit times its compartment's, a unit per time) out of range.
    diagnostics.error(model.location, fmt::format("units out of range: {}", error.what()));
  }
}

void infer_species_quantity(Species& species, const Compartment* compartment) {
  if (!compartment) return;
  auto su = units::parse_unit(species.unit);
  auto cu = units::parse_unit(compartment->unit);
  if (!su.unit || !cu.unit) return;
  if (cu.unit->is_dimensionless()) {
    species.only_substance_units = true;
    return;
  }
  // A concentration is "per compartment unit": multiplying by the compartment's unit removes every dimension the
  // compartment has (cells/uL * uL = cells).
  Unit product;
  try {
    product = *su.unit * *cu.unit;
  } catch (const std::range_error&) {
    return;  // the unit checker reports the out-of-range product
  }
  bool concentration = true;
  for (int d = 0; d < units::kNumBaseDimensions; ++d) {
    const auto dim = static_cast<units::BaseDimension>(d);
    if (cu.unit->exponent(dim) != 0.0 && std::fabs(product.exponent(dim)) > 1e-9) concentration = false;
  }
  species.only_substance_units = !concentration;
}

std::optional<double> constant_value(const Ast& ast, const Model& model,
                                     const std::map<std::string, double>& locals) {
  switch (ast.kind) {
    case AstKind::kNumber:
      return ast.number;
    case AstKind::kSymbol: {
      if (auto it = locals.find(ast.name); it != locals.end()) return it->second;
      if (ast.name == "pi") return M_PI;
      if (ast.name == "true") return 1.0;
      if (ast.name == "false") return 0.0;
      if (ast.name == "inf") return HUGE_VAL;
      if (ast.name == "nan") return std::nan("");
      if (ast.name == "avogadro") return 6.02214076e23;
      if (model.find_rule(ast.name)) return std::nullopt;
      if (const Parameter* p = model.find_parameter(ast.name); p && p->constant && p->value) return *p->value;
      if (const Compartment* c = model.find_compartment(ast.name); c && c->constant && c->size)
        return *c->size;
      if (const Species* s = model.find_species(ast.name);
          s && s->constant && s->initial && !s->initial_is_amount)
        return *s->initial;
      return std::nullopt;
    }
    case AstKind::kUnary: {
      auto a = constant_value(*ast.args[0], model, locals);
      if (!a) return std::nullopt;
      if (ast.op == AstOp::kNeg) return -*a;
      if (ast.op == AstOp::kNot) return *a == 0.0 ? 1.0 : 0.0;
      return *a;
    }
    case AstKind::kBinary: {
      auto a = constant_value(*ast.args[0], model, locals);
      auto b = constant_value(*ast.args[1], model, locals);
      if (!a || !b) return std::nullopt;
      switch (ast.op) {
        case AstOp::kAdd:
          return *a + *b;
        case AstOp::kSub:
          return *a - *b;
        case AstOp::kMul:
          return *a * *b;
        case AstOp::kDiv:
          return *a / *b;
        case AstOp::kPow:
          return std::pow(*a, *b);
        case AstOp::kLt:
          return *a < *b ? 1.0 : 0.0;
        case AstOp::kLe:
          return *a <= *b ? 1.0 : 0.0;
        case AstOp::kGt:
          return *a > *b ? 1.0 : 0.0;
        case AstOp::kGe:
          return *a >= *b ? 1.0 : 0.0;
        case AstOp::kEq:
          return *a == *b ? 1.0 : 0.0;
        case AstOp::kNe:
          return *a != *b ? 1.0 : 0.0;
        case AstOp::kAnd:
          return (*a != 0.0 && *b != 0.0) ? 1.0 : 0.0;
        case AstOp::kOr:
          return (*a != 0.0 || *b != 0.0) ? 1.0 : 0.0;
        default:
          return std::nullopt;
      }
    }
    case AstKind::kCall: {
      std::vector<double> args;
      for (const auto& a : ast.args) {
        auto v = constant_value(*a, model, locals);
        if (!v) return std::nullopt;
        args.push_back(*v);
      }
      const std::string& f = ast.name;
      if (args.size() == 1) {
        const double x = args[0];
        if (f == "exp") return std::exp(x);
        if (f == "log" || f == "ln") return std::log(x);
        if (f == "log10") return std::log10(x);
        if (f == "log2") return std::log2(x);
        if (f == "sqrt") return std::sqrt(x);
        if (f == "abs") return std::fabs(x);
        if (f == "floor") return std::floor(x);
        if (f == "ceil") return std::ceil(x);
        if (f == "factorial") return std::tgamma(x + 1.0);
      }
      if (f == "pow" && args.size() == 2) return std::pow(args[0], args[1]);
      if ((f == "min" || f == "max") && !args.empty()) {
        double v = args[0];
        for (double x : args) v = f == "min" ? std::min(v, x) : std::max(v, x);
        return v;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace tolsim::model::detail
