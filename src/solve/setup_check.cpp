#include "solve/setup_check.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tolsim::detail {

namespace {

bool in_range(int index, std::size_t size) {
  return index >= 0 && static_cast<std::size_t>(index) < size;
}

bool is_relation_op(expr::Op op) {
  return op == expr::Op::kLt || op == expr::Op::kLe || op == expr::Op::kGt || op == expr::Op::kGe ||
         op == expr::Op::kEq || op == expr::Op::kNe;
}

void check_model(const CompiledModel& model, std::vector<std::string>& out) {
  const auto say = [&](const std::string& what) {
    out.push_back(fmt::format("model '{}': {}", model.name, what));
  };
  if (!model.kernels) {
    say("has no kernels");
    return;
  }
  const auto kernels = static_cast<std::size_t>(model.kernels->count());
  const auto check_kernel = [&](int index, const char* name, bool required) {
    if (index == -1 && !required) return;
    if (!in_range(index, kernels))
      say(fmt::format("{} kernel index {} is not one of its {} kernels", name, index, kernels));
  };
  const bool needs_init = model.n_states() > 0 || !model.derived_parameters.empty();
  check_kernel(model.kernel.init, "init", needs_init);
  check_kernel(model.kernel.rhs, "rhs", model.n_states() > 0);
  check_kernel(model.kernel.jacobian, "jacobian", false);
  check_kernel(model.kernel.relations, "relations", !model.relations.empty());
  check_kernel(model.kernel.outputs, "outputs", true);

  const std::size_t n_states = model.states.size();
  const std::size_t n_outputs = model.outputs.size();
  for (const auto& s : model.states)
    if (s.stores_concentration() && !in_range(s.compartment_output, n_outputs))
      say(fmt::format("state '{}' has no valid compartment output ({})", s.name, s.compartment_output));
  for (const int slot : model.derived_parameters)
    if (!in_range(slot, model.parameters.size()))
      say(fmt::format("derived parameter slot {} out of range", slot));

  for (std::size_t k = 0; k < model.relations.size(); ++k) {
    const Relation& r = model.relations[k];
    if (!is_relation_op(r.op)) say(fmt::format("relation {} is not a comparison", k));
    if (r.scheduled && !(r.time_sign != 0.0 && std::isfinite(r.time_sign)))
      say(fmt::format("scheduled relation {} has time_sign {}", k, r.time_sign));
  }
  for (const auto& e : model.events) {
    const auto where = [&](const std::string& what) { say(fmt::format("event '{}': {}", e.name, what)); };
    check_kernel(e.kernel, "event", true);
    if (!in_range(e.root, e.terms.size())) where(fmt::format("trigger root {} out of range", e.root));
    for (const auto& term : e.terms) {
      if (term.kind == TriggerTerm::Kind::kRelation && !in_range(term.relation, model.relations.size()))
        where(
            fmt::format("trigger uses relation {}, the model has {}", term.relation, model.relations.size()));
      for (const int c : term.children)
        if (!in_range(c, e.terms.size())) where(fmt::format("trigger term {} out of range", c));
    }
    for (const auto& a : e.assignments) {
      if (!in_range(a.state, n_states)) where(fmt::format("assignment to state {} out of range", a.state));
      if (a.mode == EventAssignment::Mode::kSetConcentration && !in_range(a.compartment_output, n_outputs))
        where(fmt::format("concentration assignment without a valid compartment output ({})",
                          a.compartment_output));
    }
  }
}

}  // namespace

std::vector<std::string> setup_problems(const CompiledModel& model, const SimulationSetup& setup) {
  std::vector<std::string> out;
  check_model(model, out);

  const std::size_t n_states = model.states.size();
  if (setup.parameters.size() != model.parameters.size()) {
    out.push_back(fmt::format("parameters: expected {} values (one per model parameter), got {}",
                              model.parameters.size(), setup.parameters.size()));
  } else {
    // A derived parameter (an initial assignment such as `vol: 3 * a`) has no value until the init kernel computes
    // it from the others; Run::start checks the computed value.
    for (std::size_t i = 0; i < setup.parameters.size(); ++i)
      if (model.parameters[i].role != ParameterSlot::Role::kDerived && !std::isfinite(setup.parameters[i]) &&
          !setup.allow_nonfinite_values)
        out.push_back(fmt::format("parameter '{}' = {}: must be finite", model.parameters[i].name,
                                  setup.parameters[i]));
  }

  const double t0 = setup.t_start, t1 = setup.t_end;
  const bool times_ok = std::isfinite(t0) && std::isfinite(t1) && t1 >= t0;
  if (!std::isfinite(t0)) out.push_back(fmt::format("t_start = {}: must be finite", t0));
  if (!std::isfinite(t1)) out.push_back(fmt::format("t_end = {}: must be finite", t1));
  if (std::isfinite(t0) && std::isfinite(t1) && t1 < t0)
    out.push_back(fmt::format("t_end = {} is before t_start = {}", t1, t0));

  for (std::size_t i = 0; i < setup.output_times.size(); ++i) {
    const double t = setup.output_times[i];
    if (!std::isfinite(t))
      out.push_back(fmt::format("output_times[{}] = {}: must be finite", i, t));
    else if (times_ok && (t < t0 || t > t1))
      out.push_back(
          fmt::format("output_times[{}] = {} is outside [t_start, t_end] = [{}, {}]", i, t, t0, t1));
    if (i > 0 && t < setup.output_times[i - 1])
      out.push_back(fmt::format("output_times[{}] = {} comes after {}: output times must be ascending", i, t,
                                setup.output_times[i - 1]));
  }

  if (!setup.initial_state.empty() &&
      setup.initial_state.size() != static_cast<std::size_t>(model.n_states()))
    out.push_back(fmt::format("initial_state has {} values; the model has {} states",
                              setup.initial_state.size(), model.n_states()));
  for (std::size_t i = 0; i < setup.boluses.size(); ++i) {
    const Bolus& b = setup.boluses[i];
    if (!in_range(b.state, n_states))
      out.push_back(fmt::format("boluses[{}]: state index {} is not one of the model's {} states", i, b.state,
                                n_states));
    if (!std::isfinite(b.time))
      out.push_back(fmt::format("boluses[{}].time = {}: must be finite", i, b.time));
    else if (std::isfinite(t0) && b.time < t0)
      out.push_back(fmt::format("boluses[{}].time = {} is before t_start = {}", i, b.time, t0));
    if (!std::isfinite(b.amount))
      out.push_back(fmt::format("boluses[{}].amount = {}: must be finite", i, b.amount));
  }

  for (std::size_t i = 0; i < setup.infusions.size(); ++i) {
    const Infusion& f = setup.infusions[i];
    if (!in_range(f.state, n_states))
      out.push_back(fmt::format("infusions[{}]: state index {} is not one of the model's {} states", i,
                                f.state, n_states));
    if (!std::isfinite(f.start))
      out.push_back(fmt::format("infusions[{}].start = {}: must be finite", i, f.start));
    if (!std::isfinite(f.end)) out.push_back(fmt::format("infusions[{}].end = {}: must be finite", i, f.end));
    if (!std::isfinite(f.rate))
      out.push_back(fmt::format("infusions[{}].rate = {}: must be finite", i, f.rate));
    if (std::isfinite(f.start) && std::isfinite(f.end) && f.end < f.start)
      out.push_back(fmt::format("infusions[{}]: end = {} is before start = {}", i, f.end, f.start));
    if (std::isfinite(f.start) && std::isfinite(t0) && f.start < t0)
      out.push_back(fmt::format("infusions[{}].start = {} is before t_start = {}", i, f.start, t0));
  }

  for (auto& p : setup.options.problems()) out.push_back(std::move(p));
  return out;
}

}  // namespace tolsim::detail
