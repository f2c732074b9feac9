#include "tolsim/compile/compiler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>

#include "compile/lowering.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim {

CompileOptions::Backend parse_backend(const std::string& text) {
  if (text == "auto") return CompileOptions::Backend::kAuto;
  if (text == "native") return CompileOptions::Backend::kNative;
  if (text == "interpreter") return CompileOptions::Backend::kInterpreter;
  throw UsageError(SourceLocation{}, fmt::format("backend '{}': must be auto, native or interpreter", text));
}

namespace {

using detail::Lowering;
using detail::Mode;
using detail::Quantity;
using expr::NodeId;
using expr::Op;

std::string product_unit(const std::string& a, const std::string& b) {
  auto ua = units::parse_unit(a);
  auto ub = units::parse_unit(b);
  if (ua.unit && ub.unit) return (*ua.unit * *ub.unit).name();
  return a + "*" + b;
}

class Compiler {
 public:
  Compiler(const model::Model& model, const CompileOptions& options) : m_(model), options_(options) {}

  CompiledModel run(CompileReport* report) {
    out_.name = m_.name;
    out_.source_file = m_.files.empty() ? std::string() : m_.files.front();
    out_.time_unit = m_.time_unit;
    classify();
    Lowering lowering(m_, graph_, quantities_, local_slots_);
    lowering.set_first_delay_input(out_.n_states());
    std::vector<expr::KernelSpec> specs;
    out_.kernel.init = add(specs, init_kernel(lowering));
    const std::vector<NodeId> rhs = rhs_nodes(lowering);
    out_.kernel.rhs = add(specs, {rhs, {}, 0});
    if (out_.fast_reaction) out_.fast_reaction->kernel = add(specs, std::move(fast_spec_));
    out_.kernel.jacobian = add(specs, jacobian_kernel(rhs));
    out_.kernel.relations = add(specs, relations_kernel(lowering));
    out_.kernel.outputs = add(specs, outputs_kernel(lowering));
    events(lowering, specs);
    delays(lowering, specs);
    build_kernels(specs, report);
    out_.program = std::make_shared<const KernelProgram>(KernelProgram{std::move(graph_), std::move(specs)});
    finish_layout();
    return std::move(out_);
  }

 private:
  static int add(std::vector<expr::KernelSpec>& specs, expr::KernelSpec spec) {
    specs.push_back(std::move(spec));
    return static_cast<int>(specs.size()) - 1;
  }

  int add_parameter(const std::string& name, ParameterSlot::Role role, const std::string& unit, double value,
                    const SourceLocation& loc) {
    out_.parameters.push_back({name, role, unit, value, loc});
    return out_.n_parameters() - 1;
  }

  // Decides, for every quantity, whether it lives in p, in y, or is inlined.
  void classify() {
    std::map<std::string, const model::Expression*> assignment, rate;
    for (const auto& rule : m_.rules)
      (rule.kind == model::Rule::Kind::kAssignment ? assignment : rate)[rule.variable] = &rule.math;

    auto classify_one = [&](const std::string& id, bool constant, const std::optional<double>& value,
                            const model::Expression* initial, ParameterSlot::Role role,
                            const std::string& unit, const SourceLocation& loc) {
      Quantity q;
      if (auto it = assignment.find(id); it != assignment.end()) {
        q.kind = Quantity::Kind::kAssigned;
        q.rule = it->second;
      } else if (constant) {
        if (initial) {
          q.kind = Quantity::Kind::kDerived;
          q.initial = initial;
          q.slot = add_parameter(id, ParameterSlot::Role::kDerived, unit, std::nan(""), loc);
          out_.derived_parameters.push_back(q.slot);
        } else {
          q.kind = Quantity::Kind::kParameter;
          q.slot = add_parameter(id, role, unit, value.value_or(0.0), loc);
        }
      } else {
        q.kind = Quantity::Kind::kState;
        q.initial = initial;
        if (!initial)
          q.initial_slot =
              add_parameter(id, ParameterSlot::Role::kInitialValue, unit, value.value_or(0.0), loc);
      }
      return q;
    };

    for (const auto& c : m_.compartments) {
      Quantity q = classify_one(c.id, c.constant, c.size, c.size_expr ? &*c.size_expr : nullptr,
                                ParameterSlot::Role::kCompartmentSize, c.unit, c.location);
      add_value_state(c.id, q, c.unit, c.location);
      quantities_[c.id] = q;
    }
    for (const auto& s : m_.species) {
      Quantity q = classify_one(s.id, s.constant, s.initial, s.initial_expr ? &*s.initial_expr : nullptr,
                                ParameterSlot::Role::kConstantSpecies, s.unit, s.location);
      q.compartment = s.compartment;
      q.initial_is_amount = s.initial_is_amount && !s.only_substance_units;
      const model::Compartment* c = m_.find_compartment(s.compartment);
      const std::string amount = s.only_substance_units || !c ? s.unit : product_unit(s.unit, c->unit);
      if (q.kind == Quantity::Kind::kState) {
        const bool by_rate_rule = rate.count(s.id) > 0;
        // Species changed by reactions (or by nothing continuous) are stored as amounts, so that a changing
        // compartment size conserves mass; a rate rule gives the derivative of the species' own value.
        q.amount_of_concentration = !by_rate_rule && !s.only_substance_units;
        if (q.initial_is_amount && q.initial_slot >= 0)
          out_.parameters[static_cast<std::size_t>(q.initial_slot)].unit = amount;
        StateVariable v;
        v.name = s.id;
        v.storage = by_rate_rule ? StateVariable::Storage::kValue : StateVariable::Storage::kAmount;
        v.is_species = true;
        v.is_concentration = !s.only_substance_units;
        v.compartment = s.compartment;
        v.unit = by_rate_rule ? s.unit : amount;
        v.amount_unit = amount;
        v.nonnegative = !s.allow_negative;
        v.atol = s.atol;
        v.location = s.location;
        q.slot = out_.n_states();
        out_.states.push_back(std::move(v));
      }
      quantities_[s.id] = q;
    }
    for (const auto& p : m_.parameters) {
      Quantity q = classify_one(p.id, p.constant, p.value, p.value_expr ? &*p.value_expr : nullptr,
                                ParameterSlot::Role::kParameter, p.unit, p.location);
      add_value_state(p.id, q, p.unit, p.location);
      quantities_[p.id] = q;
    }
    for (const auto& r : m_.reactions)
      for (const auto& p : r.local_parameters)
        local_slots_[r.id + "/" + p.id] =
            add_parameter(r.id + "." + p.id, ParameterSlot::Role::kLocalParameter, p.unit,
                          p.value.value_or(0.0), p.location);
    for (const auto& [id, math] : rate)
      if (quantities_.count(id) && quantities_.at(id).kind == Quantity::Kind::kState) {
        const int slot = quantities_.at(id).slot;
        rate_rules_[slot] = math;
      }
  }

  // Compartments and parameters that change over time are stored as their own values.
  void add_value_state(const std::string& id, Quantity& q, const std::string& unit,
                       const SourceLocation& location) {
    if (q.kind != Quantity::Kind::kState) return;
    StateVariable v;
    v.name = id;
    v.storage = StateVariable::Storage::kValue;
    v.unit = unit;
    v.location = location;
    q.slot = out_.n_states();
    out_.states.push_back(std::move(v));
  }

  expr::KernelSpec init_kernel(Lowering& lowering) {
    expr::KernelSpec spec;
    for (const auto& s : out_.states) spec.outputs.push_back(lowering.initial_state_value(s.name));
    for (int slot : out_.derived_parameters)
      spec.outputs.push_back(
          lowering.symbol(out_.parameters[static_cast<std::size_t>(slot)].name, Mode::kInitial));
    return spec;
  }

  std::vector<NodeId> rhs_nodes(Lowering& lowering) {
    const int n = out_.n_states();
    std::vector<NodeId> f(static_cast<std::size_t>(n), graph_.constant(0.0));
    const auto fast_it = std::find_if(m_.reactions.begin(), m_.reactions.end(),
                                      [](const model::Reaction& r) { return r.fast; });
    const model::Reaction* fast = fast_it == m_.reactions.end() ? nullptr : &*fast_it;
    std::vector<NodeId> direction(static_cast<std::size_t>(n), graph_.constant(0.0));
    for (const auto& r : m_.reactions) {
      // A reaction that moves with the fast one adds to its column, with its own stoichiometry times `share`.
      const std::optional<model::Expression> share = fast && !r.fast ? fast_share(r, *fast) : std::nullopt;
      const bool in_column = r.fast || share;
      const NodeId rate = in_column ? graph_.constant(0.0) : lowering.lower(r.rate, Mode::kDynamic, r.id);
      const NodeId scale = share ? lowering.lower(*share, Mode::kDynamic, r.id) : graph_.constant(1.0);
      auto apply = [&](const model::SpeciesReference& ref, double sign) {
        const model::Species* s = m_.find_species(ref.species);
        const Quantity& q = quantities_.at(ref.species);
        if (!s || s->boundary || q.kind != Quantity::Kind::kState || rate_rules_.count(q.slot)) return;
        // In the column: what one unit of the fast reaction's extent changes. Elsewhere: the rate's term.
        NodeId term = graph_.mul(graph_.constant(sign * ref.stoichiometry), in_column ? scale : rate);
        const std::string& factor =
            !s->conversion_factor.empty() ? s->conversion_factor : m_.conversion_factor;
        if (!factor.empty()) term = graph_.mul(term, lowering.symbol(factor, Mode::kDynamic));
        auto& target = (in_column ? direction : f)[static_cast<std::size_t>(q.slot)];
        target = graph_.add(target, term);
      };
      for (const auto& ref : r.reactants) apply(ref, -1.0);
      for (const auto& ref : r.products) apply(ref, 1.0);
    }
    for (const auto& [slot, math] : rate_rules_)
      f[static_cast<std::size_t>(slot)] = lowering.lower(*math, Mode::kDynamic);
    for (int i = 0; i < n; ++i)
      f[static_cast<std::size_t>(i)] = graph_.add(f[static_cast<std::size_t>(i)], graph_.input(i));
    if (fast) hold_at_equilibrium(*fast, lowering.lower(fast->rate, Mode::kDynamic, fast->id), direction, f);
    return f;
  }

  // A reaction whose rate is `a * F` or `F * a`, with F the fast reaction's id, runs at a times the fast reaction's
  // extent rate: it is part of the fast reaction (the SBML reader writes a fast reaction's species with variable
  // stoichiometry so, docs/sbml.md). Returns a, or nothing for any other rate.
  static std::optional<model::Expression> fast_share(const model::Reaction& r, const model::Reaction& fast) {
    const expr::Ast* ast = r.rate.ast.get();
    if (!ast || ast->kind != expr::AstKind::kBinary || ast->op != expr::AstOp::kMul) return std::nullopt;
    auto is_fast = [&](const expr::AstPtr& a) {
      return a->kind == expr::AstKind::kSymbol && a->name == fast.id;
    };
    const expr::AstPtr* other = is_fast(ast->args[1])   ? &ast->args[0]
                                : is_fast(ast->args[0]) ? &ast->args[1]
                                                        : nullptr;
    if (!other) return std::nullopt;
    model::Expression share = r.rate;
    share.ast = *other;
    return share;
  }

  // A fast reaction keeps its rate g at 0: the states move along its column d at the extent rate v that cancels
  // what everything else does to g, dg/dt = grad(g) . (f + d v) + partial g / partial t = 0, so
  // v = -(grad(g) . f + partial g / partial t) / (grad(g) . d). Where grad(g) . d is 0, moving along the reaction
  // does not change its rate (a rate constant of 0, say), and v is 0. The start state and the state after each
  // event or dose are put on g = 0 along d (the fast kernel, solve/fast_reaction.hpp).
  void hold_at_equilibrium(const model::Reaction& r, NodeId g, const std::vector<NodeId>& direction,
                           std::vector<NodeId>& f) {
    NodeId along = graph_.constant(0.0);
    NodeId drift = expr::Differentiator(graph_, Op::kTime, -1).derivative(g);
    const auto states = expr::leaf_dependencies(graph_, {g}, Op::kState);
    for (const int j : states[0]) {
      expr::Differentiator d(graph_, Op::kState, j);
      const NodeId dg = d.derivative(g);
      along = graph_.add(along, graph_.mul(dg, direction[static_cast<std::size_t>(j)]));
      drift = graph_.add(drift, graph_.mul(dg, f[static_cast<std::size_t>(j)]));
    }
    if (graph_.is_zero(along))
      throw ModelError(r.location,
                       fmt::format("fast reaction '{}' cannot be held at equilibrium: its rate does "
                                   "not depend on the species it changes",
                                   r.id));
    const NodeId zero = graph_.constant(0.0);
    const NodeId v =
        graph_.select(graph_.binary(Op::kNe, along, zero), graph_.neg(graph_.div(drift, along)), zero);
    for (std::size_t i = 0; i < f.size(); ++i)
      if (!graph_.is_zero(direction[i])) f[i] = graph_.add(f[i], graph_.mul(direction[i], v));
    fast_rate_ = g;
    fast_spec_.outputs = {g, along};
    fast_spec_.outputs.insert(fast_spec_.outputs.end(), direction.begin(), direction.end());
    out_.fast_reaction = CompiledFastReaction{r.id, -1, {}, r.location};
  }

  expr::KernelSpec jacobian_kernel(const std::vector<NodeId>& rhs) {
    const int n = out_.n_states();
    expr::KernelSpec spec;
    spec.zero_fill = n * n;
    const auto deps = expr::leaf_dependencies(graph_, rhs, Op::kState);
    std::map<int, std::unique_ptr<expr::Differentiator>> by_state;
    for (int i = 0; i < n; ++i) {
      for (int j : deps[static_cast<std::size_t>(i)]) {
        auto& d = by_state[j];
        if (!d) d = std::make_unique<expr::Differentiator>(graph_, Op::kState, j);
        NodeId dij = d->derivative(rhs[static_cast<std::size_t>(i)]);
        if (graph_.is_zero(dij)) continue;
        spec.outputs.push_back(dij);
        spec.positions.push_back(i + j * n);
      }
    }
    out_.jacobian_positions = spec.positions;
    std::sort(out_.jacobian_positions.begin(), out_.jacobian_positions.end());
    return spec;
  }

  // Does a node depend on anything that changes during a run (state, time, inputs)?
  bool varies(NodeId node) {
    const auto deps_state = expr::leaf_dependencies(graph_, {node}, Op::kState);
    const auto deps_input = expr::leaf_dependencies(graph_, {node}, Op::kInput);
    return !deps_state[0].empty() || !deps_input[0].empty() || uses_time(node);
  }

  bool uses_time(NodeId node) const {
    // Time has no index; look for it directly.
    std::vector<NodeId> stack{node};
    std::set<NodeId> seen;
    while (!stack.empty()) {
      NodeId id = stack.back();
      stack.pop_back();
      if (!seen.insert(id).second) continue;
      const expr::Node& nd = graph_.node(id);
      if (nd.op == Op::kTime) return true;
      for (NodeId c : {nd.a, nd.b, nd.c})
        if (c != expr::kNoNode) stack.push_back(c);
    }
    return false;
  }

  int trigger_term(const expr::Ast& ast, CompiledEvent& event, Lowering& lowering, std::vector<NodeId>& g) {
    using expr::AstKind;
    using expr::AstOp;
    TriggerTerm term;
    auto child = [&](const expr::Ast& a) { return trigger_term(a, event, lowering, g); };
    if (ast.kind == AstKind::kSymbol) {
      term.kind = TriggerTerm::Kind::kConstant;
      term.constant = ast.name == "true";
    } else if (ast.kind == AstKind::kUnary && ast.op == AstOp::kNot) {
      term.kind = TriggerTerm::Kind::kNot;
      term.children.push_back(child(*ast.args[0]));
    } else if (ast.kind == AstKind::kBinary && (ast.op == AstOp::kAnd || ast.op == AstOp::kOr)) {
      term.kind = ast.op == AstOp::kAnd ? TriggerTerm::Kind::kAnd : TriggerTerm::Kind::kOr;
      term.children = {child(*ast.args[0]), child(*ast.args[1])};
    } else if (ast.kind == AstKind::kCall) {
      term.kind = ast.name == "and"   ? TriggerTerm::Kind::kAnd
                  : ast.name == "or"  ? TriggerTerm::Kind::kOr
                  : ast.name == "xor" ? TriggerTerm::Kind::kXor
                                      : TriggerTerm::Kind::kNot;
      for (const auto& a : ast.args) term.children.push_back(child(*a));
    } else if (ast.kind == AstKind::kBinary) {
      static const std::map<AstOp, Op> ops = {{AstOp::kLt, Op::kLt}, {AstOp::kLe, Op::kLe},
                                              {AstOp::kGt, Op::kGt}, {AstOp::kGe, Op::kGe},
                                              {AstOp::kEq, Op::kEq}, {AstOp::kNe, Op::kNe}};
      Relation rel;
      rel.op = ops.at(ast.op);
      model::Expression lhs{ast.args[0], {}, {}, true};
      model::Expression rhs{ast.args[1], {}, {}, true};
      NodeId a = lowering.lower(lhs, Mode::kDynamic);
      NodeId b = lowering.lower(rhs, Mode::kDynamic);
      const bool lhs_time = ast.args[0]->kind == AstKind::kSymbol && ast.args[0]->name == "time";
      const bool rhs_time = ast.args[1]->kind == AstKind::kSymbol && ast.args[1]->name == "time";
      if (lhs_time && !varies(b)) {
        rel.scheduled = true;
        rel.time_sign = 1.0;
      } else if (rhs_time && !varies(a)) {
        rel.scheduled = true;
        rel.time_sign = -1.0;
      }
      g.push_back(graph_.sub(a, b));
      out_.relations.push_back(rel);
      term.kind = TriggerTerm::Kind::kRelation;
      term.relation = static_cast<int>(out_.relations.size()) - 1;
    } else {
      throw ModelError(event.location, fmt::format("trigger of event '{}' is not a condition", event.name));
    }
    event.terms.push_back(std::move(term));
    return static_cast<int>(event.terms.size()) - 1;
  }

  expr::KernelSpec relations_kernel(Lowering& lowering) {
    expr::KernelSpec spec;
    for (const auto& e : m_.events) {
      CompiledEvent ev;
      ev.name = e.id;
      ev.location = e.location;
      ev.root = trigger_term(*e.trigger.ast, ev, lowering, spec.outputs);
      ev.initial_value = e.initial_value;
      ev.persistent = e.persistent;
      ev.use_values_from_trigger_time = e.use_values_from_trigger_time;
      ev.has_delay = e.delay.has_value();
      ev.has_priority = e.priority.has_value();
      out_.events.push_back(std::move(ev));
    }
    if (out_.fast_reaction) fast_relations(spec.outputs);
    return spec;
  }

  // Every comparison inside the fast reaction's rate, as a relation (CompiledFastReaction::relations), in the order
  // of a depth-first walk from the rate.
  void fast_relations(std::vector<NodeId>& g) {
    std::vector<NodeId> stack{fast_rate_};
    std::set<NodeId> seen;
    while (!stack.empty()) {
      const NodeId id = stack.back();
      stack.pop_back();
      if (!seen.insert(id).second) continue;
      const expr::Node& nd = graph_.node(id);
      if (expr::is_comparison(nd.op)) {
        Relation rel;
        rel.op = nd.op;
        g.push_back(graph_.sub(nd.a, nd.b));
        out_.relations.push_back(rel);
        out_.fast_reaction->relations.push_back(static_cast<int>(out_.relations.size()) - 1);
      }
      for (NodeId c : {nd.c, nd.b, nd.a})
        if (c != expr::kNoNode) stack.push_back(c);
    }
  }

  expr::KernelSpec outputs_kernel(Lowering& lowering) {
    expr::KernelSpec spec;
    auto add_output = [&](const std::string& name, const std::string& unit, OutputColumn::Kind kind,
                          bool default_column) {
      output_index_[name] = out_.n_outputs();
      out_.outputs.push_back({name, unit, kind, default_column});
      spec.outputs.push_back(lowering.symbol(name, Mode::kDynamic));
    };
    for (const auto& s : m_.species) add_output(s.id, s.unit, OutputColumn::Kind::kSpecies, true);
    for (const auto& p : m_.parameters)
      if (p.observable) add_output(p.id, p.unit, OutputColumn::Kind::kObservable, true);
    for (const auto& c : m_.compartments) add_output(c.id, c.unit, OutputColumn::Kind::kCompartment, false);
    for (const auto& p : m_.parameters)
      if (!p.observable) add_output(p.id, p.unit, OutputColumn::Kind::kParameter, false);
    return spec;
  }

  void events(Lowering& lowering, std::vector<expr::KernelSpec>& specs) {
    for (std::size_t k = 0; k < m_.events.size(); ++k) {
      const model::Event& e = m_.events[k];
      CompiledEvent& ev = out_.events[k];
      expr::KernelSpec spec;
      spec.outputs.push_back(e.delay ? lowering.lower(*e.delay, Mode::kDynamic) : graph_.constant(0.0));
      spec.outputs.push_back(e.priority ? lowering.lower(*e.priority, Mode::kDynamic) : graph_.constant(0.0));
      for (const auto& a : e.assignments) {
        spec.outputs.push_back(lowering.lower(a.math, Mode::kDynamic));
        const Quantity& q = quantities_.at(a.variable);
        if (q.kind != Quantity::Kind::kState)
          throw ModelError(a.location, fmt::format("event '{}' assigns '{}', which does not change over time",
                                                   e.id, a.variable));
        EventAssignment target;
        target.state = q.slot;
        if (q.amount_of_concentration) {
          target.mode = EventAssignment::Mode::kSetConcentration;
          target.compartment_output = output_index_.at(q.compartment);
        }
        ev.assignments.push_back(target);
      }
      ev.kernel = add(specs, std::move(spec));
    }
  }

  void delays(const Lowering& lowering, std::vector<expr::KernelSpec>& specs) {
    const auto& calls = lowering.delay_calls();
    const int first = out_.n_states();
    for (std::size_t k = 0; k < calls.size(); ++k) {
      CompiledDelay d;
      d.text = calls[k].text;
      d.input = first + static_cast<int>(k);
      d.time_kernel = add(specs, {{calls[k].time}, {}, 0});
      d.kernel = add(specs, {{calls[k].value}, {}, 0});
      d.initial_kernel = add(specs, {{calls[k].initial}, {}, 0});
      d.constant_time = !varies(calls[k].time);
      const auto inputs = expr::leaf_dependencies(graph_, {calls[k].value}, Op::kInput);
      d.nested = !inputs[0].empty() && inputs[0].back() >= first;
      out_.delays.push_back(std::move(d));
    }
  }

  void build_kernels(const std::vector<expr::KernelSpec>& specs, CompileReport* report) {
    CompileReport local;
    CompileReport& rep = report ? *report : local;
    rep.graph_nodes = static_cast<int>(graph_.size());
    if (options_.backend != CompileOptions::Backend::kInterpreter) {
      const std::string source = expr::generate_cpp(graph_, specs);
      expr::NativeResult native =
          expr::compile_native(source, static_cast<int>(specs.size()), options_.native);
      if (native.kernels) {
        out_.kernels = native.kernels;
        rep.backend = "native";
        rep.message = native.message;
        return;
      }
      if (options_.backend == CompileOptions::Backend::kNative)
        throw std::runtime_error(fmt::format("native compilation failed: {}", native.message));
      rep.message = fmt::format("using the interpreter: {}", native.message);
    } else {
      rep.message = "using the interpreter, as requested";
    }
    out_.kernels = expr::make_interpreted_kernels(graph_, specs);
    rep.backend = "interpreter";
  }

  // Fills what needs the kernels: compartment outputs and tolerance scales of species stored as amounts.
  void finish_layout() {
    for (auto& s : out_.states) {
      if (!s.is_species || !s.is_concentration) continue;
      const Quantity& q = quantities_.at(s.name);
      s.compartment_output = output_index_.at(q.compartment);
    }
    std::vector<double> p = out_.default_parameters();
    std::vector<double> y0 = out_.initial_state(p, 0.0);
    std::vector<double> outputs(static_cast<std::size_t>(out_.n_outputs()));
    const std::vector<double> u = out_.start_inputs(0.0, y0, p);
    out_.kernels->eval(out_.kernel.outputs, 0.0, y0.data(), p.data(), u.data(), outputs.data());
    for (auto& s : out_.states) {
      if (s.storage != StateVariable::Storage::kAmount || !s.is_concentration || s.compartment_output < 0)
        continue;
      const double size = outputs[static_cast<std::size_t>(s.compartment_output)];
      s.atol_scale = std::isfinite(size) && size > 0 ? size : 1.0;
    }
  }

  const model::Model& m_;
  const CompileOptions& options_;
  CompiledModel out_;
  expr::Graph graph_;
  std::map<std::string, Quantity> quantities_;
  std::map<std::string, int> local_slots_;
  std::map<int, const model::Expression*> rate_rules_;
  std::map<std::string, int> output_index_;
  expr::KernelSpec fast_spec_;        // outputs [g, grad(g) . d, d] of the fast reaction
  NodeId fast_rate_ = expr::kNoNode;  // its rate g
};

}  // namespace

Diagnostics initial_value_problems(const CompiledModel& model, const std::vector<double>& parameters) {
  Diagnostics d;
  std::vector<double> p = parameters.empty() ? model.default_parameters() : parameters;
  const std::vector<double> y0 = model.initial_state(p);
  for (int slot : model.derived_parameters) {
    const ParameterSlot& s = model.parameters[static_cast<std::size_t>(slot)];
    const double v = p[static_cast<std::size_t>(slot)];
    if (!std::isfinite(v)) d.error(s.location, fmt::format("the value of '{}' computes to {}", s.name, v));
  }
  for (std::size_t i = 0; i < y0.size(); ++i) {
    const StateVariable& s = model.states[i];
    if (!std::isfinite(y0[i]))
      d.error(s.location, fmt::format("the initial value of '{}' computes to {}", s.name, y0[i]));
    else if (s.nonnegative && y0[i] < 0)
      d.error(s.location, fmt::format("the initial value of '{}' computes to {}, but it may not go negative",
                                      s.name, y0[i]));
  }
  return d;
}

CompiledModel compile_model(const model::Model& model, const CompileOptions& options, CompileReport* report) {
  Compiler compiler(model, options);
  return compiler.run(report);
}

}  // namespace tolsim
