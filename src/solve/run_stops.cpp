// The members of Run (solve/run.hpp) that act at a stop: doses, relation values, trigger edges, event executions,
// and the state after them.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/random/uniform_int_distribution.hpp>

#include "solve/fast_reaction.hpp"
#include "solve/run.hpp"

namespace tolsim::detail {

// Everything that happens at one instant: doses, relation values, trigger edges, event executions.

bool Run::process_stop(double t, std::span<const int> roots_found, bool start) {
  // Executions at times closer than the solver can tell apart count as one instant. Otherwise an event that resets
  // what its own trigger watches (S' = 7, trigger S > 1e-300, S = 0) re-fires every 1e-301 time units forever.
  const double scale = std::max({std::abs(t), std::abs(setup_.t_end - setup_.t_start), 1.0});
  if (std::abs(t - cascade_time_) > 1e-12 * scale) executions_at_time_ = 0;
  cascade_time_ = t;
  clamp_constrained();

  const auto n_rel = model_.relations.size();
  if (n_rel > 0) {
    eval(model_.kernel.relations, t, y_.data(), g_.data());
    std::vector<int> crossing(n_rel, 0);
    for (std::size_t i = 0; i < roots_found.size(); ++i)
      crossing[static_cast<std::size_t>(root_relations_[i])] = roots_found[i];
    for (std::size_t k = 0; k < n_rel; ++k)
      if (model_.relations[k].scheduled && crossing_time_[k] == t)
        crossing[k] = model_.relations[k].time_sign > 0.0 ? 1 : -1;
    triggers_.begin_stop();
    triggers_.update(g_, crossing);
  }
  if (!apply_doses(t)) return false;
  if (start && !start_triggers(t)) return false;
  refresh(t);
  if (!evaluate_triggers(t)) return false;
  return execute_due(t);
}

// SBML compares every trigger's value at the start with its initialValue, and a relation there has the value of
// its own formula: `p >= 1` with p = 1 is true even if p is falling. Everywhere else a relation exactly at its
// boundary takes the value it has just after (refresh), so that one CVODES will not report as a root is not
// missed; that follows here.
bool Run::start_triggers(double t) {
  detail::TriggerState exact(model_);
  const auto n_rel = model_.relations.size();
  if (n_rel > 0) {
    eval(model_.kernel.relations, t, y_.data(), g_.data());
    exact.update(g_, std::vector<int>(n_rel, 0));
  }
  if (!evaluate_triggers(t, exact)) return false;
  return execute_due(t);
}

void Run::clamp_constrained() {
  // CVODES' constraints hold at its step points only. Between them the interpolating polynomial of a fast decay
  // can dip below zero by up to the local error; the exact solution does not, so neither do reported values or
  // restart values (CVODES refuses a restart value that violates a constraint).
  for (std::size_t i = 0; i < static_cast<std::size_t>(n_); ++i)
    if (constrained(i) && y_[i] < 0.0) y_[i] = 0.0;
}

bool Run::to_state_units(int state, double t, double amount, double& out) {
  const StateVariable& s = model_.states[static_cast<std::size_t>(state)];
  out = amount;
  // A concentration species stored as its value receives amount / volume; an amount receives the amount.
  if (!s.stores_concentration()) return true;
  eval(model_.kernel.outputs, t, y_.data(), outputs_.data());
  const double size = outputs_[static_cast<std::size_t>(s.compartment_output)];
  if (!(size > 0.0) || !std::isfinite(size))
    return fail(
        SolveStatus::kSolverFailure, t,
        fmt::format("cannot dose '{}' at t = {}: the size of its compartment is {}", s.name, t, size));
  out = amount / size;
  return true;
}

bool Run::apply_doses(double t) {
  bool rates_changed = false;
  for (std::size_t i = 0; i < setup_.infusions.size(); ++i) {
    const Infusion& f = setup_.infusions[i];
    if (!(f.end > f.start)) continue;
    if (f.end == t) {
      std::erase_if(active_infusions_, [i](const ActiveInfusion& a) { return a.index == i; });
      rates_changed = true;
    } else if (f.start == t) {
      double rate = 0.0;
      if (!to_state_units(f.state, t, f.rate, rate)) return false;
      active_infusions_.push_back({i, f.state, rate});
      ++doses_given_;
      rates_changed = true;
    }
  }
  if (rates_changed) {
    // Rebuilt from the active set rather than by adding and subtracting, so u returns exactly to 0.
    std::fill(u_.begin(), u_.begin() + n_, 0.0);  // infusion rates only: delays follow them
    for (const auto& a : active_infusions_) u_[static_cast<std::size_t>(a.state)] += a.rate;
    changed_ = true;
  }
  for (const Bolus& b : setup_.boluses) {
    if (b.time != t) continue;
    double amount = 0.0;
    if (!to_state_units(b.state, t, b.amount, amount)) return false;
    y_[static_cast<std::size_t>(b.state)] += amount;
    ++doses_given_;
    changed_ = true;
  }
  return true;
}

void Run::refresh(double t) {
  const auto n_rel = model_.relations.size();
  if (n_rel == 0) return;
  eval(model_.kernel.relations, t, y_.data(), g_.data());
  // CVODES does not report a crossing that starts exactly at zero (it deactivates that root until g moves), so
  // such a relation takes the value it has just after t, from the direction g moves along the trajectory.
  std::vector<int> crossing(n_rel, 0);
  bool probe = false;
  for (std::size_t k = 0; k < n_rel; ++k)
    if (!model_.relations[k].scheduled && g_[k] == 0.0 && !triggers_.at_crossing(static_cast<int>(k), 0.0))
      probe = true;
  if (probe) {
    const std::string note = nonfinite_note_;  // a non-finite probe is not the failure of a later step
    if (rhs(t, y_.data(), f_probe_.data()) < 0) throw std::runtime_error(callback_error_);
    nonfinite_note_ = note;
    for (std::size_t i = 0; i < y_.size(); ++i) y_probe_[i] = y_[i] + probe_step_ * f_probe_[i];
    eval(model_.kernel.relations, t + probe_step_, y_probe_.data(), g_probe_.data());
    for (std::size_t k = 0; k < n_rel; ++k)
      if (!model_.relations[k].scheduled && g_[k] == 0.0)
        crossing[k] = g_probe_[k] > 0.0 ? 1 : (g_probe_[k] < 0.0 ? -1 : 0);
  }
  triggers_.update(g_, crossing);
}

bool Run::evaluate_triggers(double t, const detail::TriggerState& triggers) {
  for (std::size_t e = 0; e < model_.events.size(); ++e) {
    const bool now = triggers.trigger(static_cast<int>(e));
    const bool before = trigger_value_[e] != 0;
    trigger_value_[e] = now;
    if (!before && now) {
      if (!fire(static_cast<int>(e), t)) return false;
    } else if (before && !now && !model_.events[e].persistent) {
      queue_.cancel(static_cast<int>(e));
    }
  }
  return true;
}

bool Run::fire(int e, double t) {
  const CompiledEvent& ev = event(e);
  PendingExecution execution;
  execution.event = e;
  execution.time = t;
  if (ev.has_delay || ev.use_values_from_trigger_time) {
    eval(ev.kernel, t, y_.data(), event_out_.data());
    if (ev.has_delay) {
      const double delay = event_out_[0];
      if (!std::isfinite(delay) || delay < 0.0)
        return fail(
            SolveStatus::kSolverFailure, t,
            fmt::format("event '{}' triggered at t = {} with delay {}: a delay must be finite and >= 0",
                        ev.name, t, delay));
      execution.time = t + delay;
    }
    if (ev.use_values_from_trigger_time) {
      execution.has_values = true;
      execution.values.assign(event_out_.begin() + 2,
                              event_out_.begin() + 2 + static_cast<std::ptrdiff_t>(ev.assignments.size()));
    }
  }
  queue_.schedule(std::move(execution));
  return true;
}

bool Run::execute_due(double t) {
  for (;;) {
    const std::vector<std::size_t> due = queue_.due(t);
    if (due.empty()) return true;
    // Priorities are evaluated when the choice is made, with the state left by the previous execution.
    std::size_t best = due.front();
    double best_priority = -std::numeric_limits<double>::infinity();
    ties_.clear();
    for (const std::size_t i : due) {
      const PendingExecution& candidate = queue_.pending()[i];
      const CompiledEvent& ev = event(candidate.event);
      double priority = 0.0;  // an event without priority ranks as priority 0
      if (ev.has_priority) {
        eval(ev.kernel, t, y_.data(), event_out_.data());
        priority = event_out_[1];
        if (!std::isfinite(priority))
          return fail(SolveStatus::kSolverFailure, t,
                      fmt::format("event '{}' has priority {} at t = {}", ev.name, priority, t));
      }
      if (i != due.front() && priority < best_priority) continue;
      if (i == due.front() || priority > best_priority) {
        best = i;
        best_priority = priority;
        ties_.assign(1, i);
        continue;
      }
      ties_.push_back(i);
      const PendingExecution& incumbent = queue_.pending()[best];
      if (candidate.event < incumbent.event ||
          (candidate.event == incumbent.event && candidate.sequence < incumbent.sequence))
        best = i;
    }
    if (setup_.random_event_order_seed && ties_.size() > 1) {
      boost::random::uniform_int_distribution<std::size_t> pick(0, ties_.size() - 1);
      best = ties_[pick(tie_breaker_)];
    }
    if (executions_at_time_ >= setup_.options.max_events_per_time)
      return fail(
          SolveStatus::kEventCascade, t,
          fmt::format("more than {} event executions at t = {} (next: '{}'): events keep triggering each "
                      "other (solver.max_events_per_time)",
                      setup_.options.max_events_per_time, t, event(queue_.pending()[best].event).name));
    const PendingExecution execution = queue_.take(best);
    ++executions_at_time_;
    execute(execution, t);
    ++events_fired_;
    changed_ = true;
    refresh(t);
    if (!evaluate_triggers(t)) return false;
  }
}

void Run::execute(const PendingExecution& execution, double t) {
  const CompiledEvent& ev = event(execution.event);
  std::vector<double> values = execution.values;
  if (!execution.has_values) {
    eval(ev.kernel, t, y_.data(), event_out_.data());
    values.assign(event_out_.begin() + 2,
                  event_out_.begin() + 2 + static_cast<std::ptrdiff_t>(ev.assignments.size()));
  }
  // SBML (and its test suite): an assigned concentration is an amount in the compartment as it was before the
  // event, and a compartment that the event resizes keeps the amounts in it, so the concentrations change.
  // Species stored as amounts keep theirs by themselves; those stored as concentrations are rescaled below.
  const bool sizes_needed =
      !stored_concentrations_.empty() ||
      std::any_of(ev.assignments.begin(), ev.assignments.end(), [](const EventAssignment& a) {
        return a.mode == EventAssignment::Mode::kSetConcentration;
      });
  if (sizes_needed) {
    eval(model_.kernel.outputs, t, y_.data(), outputs_.data());
    sizes_before_ = outputs_;
  }
  for (std::size_t i = 0; i < ev.assignments.size(); ++i) {
    const EventAssignment& a = ev.assignments[i];
    const auto k = static_cast<std::size_t>(a.state);
    if (a.mode == EventAssignment::Mode::kSetValue)
      y_[k] = values[i];
    else
      y_[k] = values[i] * sizes_before_[static_cast<std::size_t>(a.compartment_output)];
  }
  if (stored_concentrations_.empty()) return;
  eval(model_.kernel.outputs, t, y_.data(), outputs_.data());
  for (const int i : stored_concentrations_) {
    const auto c = static_cast<std::size_t>(model_.states[static_cast<std::size_t>(i)].compartment_output);
    const auto k = static_cast<std::size_t>(i);
    if (sizes_before_[c] != outputs_[c] && outputs_[c] != 0.0) y_[k] *= sizes_before_[c] / outputs_[c];
  }
}

bool Run::finish_stop(double t) {
  if (!changed_) return true;
  // Doses and events move the state off a fast reaction's equilibrium; it is back there at the same instant.
  if (!equilibrate(t)) return false;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n_); ++i) {
    const auto& s = model_.states[i];
    if (!std::isfinite(y_[i]))
      return fail(SolveStatus::kSolverFailure, t,
                  fmt::format("'{}' is {} after the doses and events at t = {}", s.name, y_[i], t));
    if (constrained(i) && y_[i] < 0.0)
      return fail(SolveStatus::kSolverFailure, t,
                  fmt::format("doses or events made '{}' = {} at t = {}, but it is constrained non-negative "
                              "(solver.enforce_nonnegative)",
                              s.name, y_[i], t));
  }
  return true;
}

bool Run::emit_outputs_through(double t) {
  const auto& times = setup_.output_times;
  const std::size_t n_out = model_.outputs.size();
  while (next_output_ < times.size() && times[next_output_] <= t) {
    const double at = times[next_output_];
    eval(model_.kernel.outputs, at, y_.data(), outputs_.data());
    for (std::size_t j = 0; j < n_out && !setup_.allow_nonfinite_values; ++j)
      if (!std::isfinite(outputs_[j]))
        return fail(SolveStatus::kSolverFailure, at,
                    fmt::format("output '{}' is {} at t = {}", model_.outputs[j].name, outputs_[j], at));
    in_observer_ = true;
    observer_.on_output(at, std::span<const double>(outputs_.data(), n_out));
    in_observer_ = false;
    ++next_output_;
  }
  return true;
}

}  // namespace tolsim::detail
