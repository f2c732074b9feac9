#include "tolsim/solve/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "solve/fast_reaction.hpp"
#include "solve/run.hpp"
#include "solve/setup_check.hpp"

namespace tolsim {

const char* to_string(SolveStatus status) {
  switch (status) {
    case SolveStatus::kSuccess:
      return "success";
    case SolveStatus::kInvalidSetup:
      return "invalid setup";
    case SolveStatus::kSolverFailure:
      return "solver failure";
    case SolveStatus::kEventCascade:
      return "event cascade";
  }
  return "unknown";
}

std::vector<double> SimulationResult::column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) throw std::out_of_range(fmt::format("no output column '{}'", name));
  const auto j = static_cast<std::size_t>(it - columns.begin());
  std::vector<double> out;
  out.reserve(times.size());
  for (std::size_t row = 0; row < times.size(); ++row) out.push_back(at(row, j));
  return out;
}

namespace detail {

// ---------------------------------------------------------------------------------------------------------------
// CVODES callbacks. Exceptions must not cross SUNDIALS' C frames: they are caught and reported through the flag.

int Run::rhs(double t, const double* y, double* ydot) {
  try {
    if (n_ == 0) {
      ydot[0] = 0.0;
      return 0;
    }
    eval(model_.kernel.rhs, t, y, ydot);
    for (int i = 0; i < n_; ++i) {
      if (!std::isfinite(ydot[i])) {
        nonfinite_note_ = fmt::format("the derivative of '{}' is {} at t = {}",
                                      model_.states[static_cast<std::size_t>(i)].name, ydot[i], t);
        return 1;  // recoverable: CVODES retries with a smaller step
      }
    }
    return 0;
  } catch (const detail::DelayTimeError& e) {
    nonfinite_note_ = e.what();
    return 1;  // recoverable: CVODES retries with a smaller step
  } catch (const std::exception& e) {
    callback_error_ = e.what();
    return -1;
  }
}

int Run::jacobian(double t, const double* y, double* jac) {
  try {
    const auto size = static_cast<std::size_t>(n_solver_) * static_cast<std::size_t>(n_solver_);
    std::fill(jac, jac + size, 0.0);
    if (n_ == 0) return 0;
    eval(model_.kernel.jacobian, t, y, jac);
    for (std::size_t k = 0; k < size; ++k) {
      if (!std::isfinite(jac[k])) {
        nonfinite_note_ =
            fmt::format("Jacobian entry ({}, {}) is {} at t = {}", k % static_cast<std::size_t>(n_),
                        k / static_cast<std::size_t>(n_), jac[k], t);
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    callback_error_ = e.what();
    return -1;
  }
}

int Run::roots(double t, const double* y, double* g) {
  try {
    eval(model_.kernel.relations, t, y, g_probe_.data());
    for (std::size_t i = 0; i < root_relations_.size(); ++i) {
      g[i] = g_probe_[static_cast<std::size_t>(root_relations_[i])];
      if (!std::isfinite(g[i])) {
        callback_error_ =
            fmt::format("event trigger relation {} is {} at t = {}", root_relations_[i], g[i], t);
        return -1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    callback_error_ = e.what();
    return -1;
  }
}

bool Run::count_root_stop(const std::vector<int>& found) {
  roots_at_time_ = same_instant(t_, root_time_) ? roots_at_time_ + 1 : 1;
  root_time_ = t_;
  if (roots_at_time_ <= setup_.options.max_events_per_time) return true;
  std::string owners;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const std::string owner = found[i] == 0 ? "" : detail::relation_owner(model_, root_relations_[i]);
    if (!owner.empty() && owners.find(owner) == std::string::npos)
      owners += (owners.empty() ? "" : ", ") + owner;
  }
  return fail(SolveStatus::kSolverFailure, t_,
              fmt::format("the run stopped {} times in a row at t = {} for a root of a condition in {} and "
                          "could not move past it (solver.max_events_per_time)",
                          roots_at_time_, t_, owners));
}

bool Run::equilibrate(double t) {
  if (!model_.fast_reaction) return true;
  const auto kernel = [&](double at, const double* y, double* out) {
    eval(model_.fast_reaction->kernel, at, y, out);
  };
  const auto n = static_cast<std::size_t>(n_);
  if (!std::exchange(fast_switched_, false)) {
    std::string problem = detail::equilibrate(*model_.fast_reaction, kernel, t, y_, n, fast_out_);
    return problem.empty() || fail(SolveStatus::kSolverFailure, t, std::move(problem));
  }
  // The rate has just switched branch. At the switch its comparison sits on its boundary, where the rate may be 0
  // whatever the state (piecewise(S1 k, k > 0, S2 k) at k = 0), so the equilibrium is the one the branch after
  // gives: found a probe step past t, as refresh() decides a relation at its boundary, and applied here as the
  // same move along the reaction.
  const std::string note = nonfinite_note_;
  if (rhs(t, y_.data(), f_probe_.data()) < 0) return fail(SolveStatus::kSolverFailure, t, callback_error_);
  nonfinite_note_ = note;
  for (std::size_t i = 0; i < n; ++i) y_probe_[i] = y_[i] + probe_step_ * f_probe_[i];
  std::string problem =
      detail::equilibrate(*model_.fast_reaction, kernel, t + probe_step_, y_probe_, n, fast_out_);
  if (!problem.empty()) return fail(SolveStatus::kSolverFailure, t, std::move(problem));
  for (std::size_t i = 0; i < n; ++i) y_[i] += y_probe_[i] - (y_[i] + probe_step_ * f_probe_[i]);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------

bool Run::fail(SolveStatus status, double t, std::string message) {
  summary_.status = status;
  summary_.t_failure = t;
  summary_.message = std::move(message);
  return false;
}

SolveSummary Run::execute() {
  summary_.options = setup_.options;
  summary_.backend = model_.kernels ? model_.kernels->backend() : std::string();
  const std::vector<std::string> problems = detail::setup_problems(model_, setup_);
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    fail(SolveStatus::kInvalidSetup, std::numeric_limits<double>::quiet_NaN(), std::move(message));
    return summary_;
  }
  try {
    if (start()) integrate();
  } catch (const std::exception& e) {
    if (in_observer_) throw;  // the caller's own observer: its exceptions are the caller's business
    fail(SolveStatus::kSolverFailure, t_, fmt::format("at t = {}: {}", t_, e.what()));
  }
  if (integrator_) summary_.stats = integrator_->stats();
  summary_.stats.events_fired = events_fired_;
  summary_.stats.doses_given = doses_given_;
  if (summary_.ok()) summary_.final_state.assign(y_.begin(), y_.begin() + n_);
  return summary_;
}

bool Run::start() {
  const auto n_rel = model_.relations.size();
  p_ = setup_.parameters;
  y_.assign(static_cast<std::size_t>(n_solver_), 0.0);
  u_.assign(static_cast<std::size_t>(std::max(n_solver_, model_.n_inputs())), 0.0);
  if (!model_.delays.empty())
    delays_.emplace(model_, n_solver_, u_.size(), setup_.t_start, !setup_.initial_state.empty());
  g_.assign(std::max<std::size_t>(n_rel, 1), 0.0);
  g_probe_ = g_;
  y_probe_ = y_;
  f_probe_ = y_;
  outputs_.assign(std::max<std::size_t>(model_.outputs.size(), 1), 0.0);
  std::size_t event_width = 2;
  for (const auto& e : model_.events) event_width = std::max(event_width, 2 + e.assignments.size());
  event_out_.assign(event_width, 0.0);
  for (int i = 0; i < n_; ++i)
    if (model_.states[static_cast<std::size_t>(i)].stores_concentration())
      stored_concentrations_.push_back(i);
  trigger_value_.assign(model_.events.size(), 0);
  for (std::size_t e = 0; e < model_.events.size(); ++e) trigger_value_[e] = model_.events[e].initial_value;
  probe_step_ = 1e-8 * std::max(1.0, setup_.t_end - setup_.t_start);
  t_ = setup_.t_start;

  try {
    const std::vector<double> y0 = model_.initial_state(p_, setup_.t_start);
    if (setup_.initial_state.empty())
      std::copy(y0.begin(), y0.end(), y_.begin());
    else
      std::copy(setup_.initial_state.begin(), setup_.initial_state.end(), y_.begin());
  } catch (const std::exception& e) {
    return fail(SolveStatus::kInvalidSetup, t_, fmt::format("initial state: {}", e.what()));
  }
  std::string problems;
  for (const int slot : model_.derived_parameters) {
    const auto k = static_cast<std::size_t>(slot);
    const std::string& name = model_.parameters[k].name;
    const bool compartment = std::any_of(
        model_.outputs.begin(), model_.outputs.end(),
        [&](const OutputColumn& o) { return o.kind == OutputColumn::Kind::kCompartment && o.name == name; });
    if ((!std::isfinite(p_[k]) && !setup_.allow_nonfinite_values) || (compartment && p_[k] < 0.0))
      problems += fmt::format("{}{} '{}' = {} as computed from its expression with the values given{}",
                              problems.empty() ? "" : "\n", compartment ? "compartment size" : "parameter",
                              name, p_[k], std::isfinite(p_[k]) ? ": a size must be >= 0" : "");
  }
  if (!problems.empty()) return fail(SolveStatus::kInvalidSetup, t_, std::move(problems));
  for (std::size_t i = 0; i < static_cast<std::size_t>(n_); ++i) {
    const auto& s = model_.states[i];
    if (!std::isfinite(y_[i]))
      problems += fmt::format("{}initial value of '{}' is {}", problems.empty() ? "" : "\n", s.name, y_[i]);
    else if (constrained(i) && y_[i] < 0.0)
      problems += fmt::format(
          "{}initial value of '{}' = {} is negative, but '{}' is constrained non-negative "
          "(solver.enforce_nonnegative)",
          problems.empty() ? "" : "\n", s.name, y_[i], s.name);
  }
  if (!problems.empty()) return fail(SolveStatus::kInvalidSetup, t_, std::move(problems));
  // The history before the start is the initial state, before anything happens at the start (a fast reaction
  // comes to equilibrium at the start, not before).
  if (delays_) delays_->add_point(t_, y_.data());
  if (!equilibrate(t_)) return false;
  // Outputs that are not numbers before anything is integrated come from the values given (a compartment of size 0
  // under a concentration, a parameter that makes a rule divide by zero), not from the solver.
  eval(model_.kernel.outputs, t_, y_.data(), outputs_.data());
  for (std::size_t j = 0; j < model_.outputs.size() && !setup_.allow_nonfinite_values; ++j)
    if (!std::isfinite(outputs_[j]))
      problems += fmt::format("{}output '{}' is {} at the start (t = {}) with the values given",
                              problems.empty() ? "" : "\n", model_.outputs[j].name, outputs_[j], t_);
  if (!problems.empty()) return fail(SolveStatus::kInvalidSetup, t_, std::move(problems));

  // Scheduled relations: g = time_sign * (t - crossing) for any t, so one evaluation gives every crossing time.
  crossing_time_.assign(n_rel, std::numeric_limits<double>::quiet_NaN());
  if (n_rel > 0) eval(model_.kernel.relations, t_, y_.data(), g_.data());
  for (std::size_t k = 0; k < n_rel; ++k) {
    const Relation& r = model_.relations[k];
    if (r.scheduled) {
      crossing_time_[k] = t_ - g_[k] / r.time_sign;
      if (crossing_time_[k] > setup_.t_start && crossing_time_[k] <= setup_.t_end)
        fixed_stops_.push_back(crossing_time_[k]);
    } else {
      root_relations_.push_back(static_cast<int>(k));
    }
  }
  const auto add_stop = [&](double t) {
    if (t > setup_.t_start && t <= setup_.t_end) fixed_stops_.push_back(t);
  };
  for (const auto& b : setup_.boluses) add_stop(b.time);
  for (const auto& f : setup_.infusions) {
    if (!(f.end > f.start)) continue;
    add_stop(f.start);
    add_stop(f.end);
  }
  std::sort(fixed_stops_.begin(), fixed_stops_.end());
  fixed_stops_.erase(std::unique(fixed_stops_.begin(), fixed_stops_.end()), fixed_stops_.end());

  // The start is a stop like any other: doses at t_start, then triggers against their initial_value.
  if (!process_stop(t_, {}, true) || !finish_stop(t_) || !emit_outputs_through(t_)) return false;

  detail::IntegratorSetup integrator;
  integrator.n_states = n_solver_;
  integrator.n_roots = static_cast<int>(root_relations_.size());
  integrator.options = setup_.options;
  if (delays_) {
    // Steps no longer than the shortest constant delay keep every delayed time inside the history already made.
    integrator.report_steps = true;
    delays_->fill(t_, y_.data(), p_.data(), u_.data());
    integrator.options.max_step = delays_->max_step(integrator.options.max_step);
  }
  integrator.abstol.assign(static_cast<std::size_t>(n_solver_), 1.0);  // the dummy state stays 0
  bool any_constraint = false;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n_); ++i) {
    integrator.abstol[i] = model_.states[i].absolute_tolerance(setup_.options.atol);
    any_constraint = any_constraint || constrained(i);
  }
  if (any_constraint) {
    integrator.constraints.assign(static_cast<std::size_t>(n_solver_), 0.0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n_); ++i)
      if (constrained(i)) integrator.constraints[i] = 1.0;
  }
  integrator.analytic_jacobian = setup_.options.jacobian == SolverOptions::JacobianMode::kAnalytic &&
                                 (model_.kernel.jacobian >= 0 || n_ == 0);
  if (!integrator.analytic_jacobian)
    summary_.options.jacobian = SolverOptions::JacobianMode::kFiniteDifference;
  // KLU needs the Jacobian function and its pattern; everything else (difference quotients, the dummy state of a
  // model without states, hand-built models without a pattern) runs dense.
  using LinearSolver = SolverOptions::LinearSolver;
  const bool sparse =
      integrator.analytic_jacobian && n_ > 0 && !model_.jacobian_positions.empty() &&
      (setup_.options.linear_solver == LinearSolver::kSparse ||
       (setup_.options.linear_solver == LinearSolver::kAuto && n_ >= SolverOptions::kSparseFromStates));
  summary_.options.linear_solver = sparse ? LinearSolver::kSparse : LinearSolver::kDense;
  if (sparse) {
    // Every diagonal entry is in the pattern: CVODES forms I - gamma J in place only if it is.
    std::vector<int> positions = model_.jacobian_positions;
    for (int i = 0; i < n_; ++i) positions.push_back(i + i * n_);
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    integrator.sparse_positions = std::move(positions);
  }
  integrator_ = std::make_unique<CvodesIntegrator>(*this, std::move(integrator));
  changed_ = false;
  return restart();
}

bool Run::restart() {
  const int flag = integrator_->reset(t_, y_);
  if (flag == 0) {
    // The state from here on starts from y_, which doses and events may have changed.
    if (delays_) delays_->add_point(t_, y_.data());
    return true;
  }
  CvodesIntegrator::Advance failure;
  failure.flag = flag;
  failure.t = t_;
  return fail(SolveStatus::kSolverFailure, t_, failure_message(failure));
}

bool Run::integrate() {
  const auto& times = setup_.output_times;
  while (t_ < setup_.t_end) {
    const double stop = next_stop_after(t_);
    // A stop scheduled inside the step CVODES already took (an event delay shorter than that step) needs a restart
    // at the current time, as does any change of y or u.
    if (changed_ || stop < integrator_->current_time()) {
      changed_ = false;
      if (!restart()) return false;
    }
    if (same_instant(t_, stop)) {
      // Too close to integrate: the state cannot move measurably, so the stop happens now.
      t_ = stop;
      if (!process_stop(t_, {})) return false;
    } else {
      for (;;) {
        double tout = stop;
        if (next_output_ < times.size() && times[next_output_] < stop) tout = times[next_output_];
        const auto advance = integrator_->advance(tout, stop, y_);
        using Kind = CvodesIntegrator::Advance::Kind;
        if (advance.kind == Kind::kFailure)
          return fail(SolveStatus::kSolverFailure, advance.t, failure_message(advance));
        if (advance.kind == Kind::kReachedOutput) {
          t_ = advance.t;
          clamp_constrained();
          if (!emit_outputs_through(advance.t)) return false;
          continue;
        }
        if (advance.kind == Kind::kRoot) {
          t_ = advance.t;
          const std::vector<int> found = integrator_->roots_found();
          if (model_.fast_reaction)
            for (std::size_t i = 0; i < found.size(); ++i)
              if (found[i] != 0 && model_.fast_reaction->watches(root_relations_[i])) fast_switched_ = true;
          const long fired = events_fired_;
          if (!process_stop(t_, found)) return false;
          if (events_fired_ != fired)
            roots_at_time_ = 0;
          else if (!count_root_stop(found))
            return false;
          // Restart even if nothing changed: a root function that stays at zero after its root (a trigger
          // `S < 0.5` on a steady state at S = 0.5) stops CVODES' next step with "root found at and very near t";
          // a restart sets such roots aside until they move.
          changed_ = true;
        } else {
          t_ = stop;
          if (!process_stop(t_, {})) return false;
        }
        break;
      }
    }
    if (!finish_stop(t_) || !emit_outputs_through(t_)) return false;
  }
  return true;
}

double Run::next_stop_after(double t) const {
  double stop = setup_.t_end;
  const auto it = std::upper_bound(fixed_stops_.begin(), fixed_stops_.end(), t);
  if (it != fixed_stops_.end()) stop = std::min(stop, *it);
  if (const auto pending = queue_.next_time(); pending && *pending > t) stop = std::min(stop, *pending);
  return stop;
}

std::string Run::failure_message(const CvodesIntegrator::Advance& advance) const {
  std::string message = fmt::format(
      "CVODES failed at t = {}: {}", advance.t,
      integrator_ ? integrator_->describe_failure(advance.flag) : fmt::format("flag {}", advance.flag));
  if (!callback_error_.empty()) message += "; " + callback_error_;
  if (!nonfinite_note_.empty()) message += "; " + nonfinite_note_;
  return message;
}

}  // namespace detail

namespace {

class TableObserver final : public Observer {
 public:
  explicit TableObserver(SimulationResult& result) : result_(result) {}
  void on_output(double t, std::span<const double> outputs) override {
    result_.times.push_back(t);
    result_.values.insert(result_.values.end(), outputs.begin(), outputs.end());
  }

 private:
  SimulationResult& result_;
};

}  // namespace

SolveSummary simulate(const CompiledModel& model, const SimulationSetup& setup, Observer& observer) {
  detail::Run run(model, setup, observer);
  return run.execute();
}

SimulationResult simulate(const CompiledModel& model, const SimulationSetup& setup) {
  SimulationResult result;
  for (const auto& column : model.outputs) result.columns.push_back(column.name);
  result.times.reserve(setup.output_times.size());
  result.values.reserve(setup.output_times.size() * result.columns.size());
  TableObserver observer(result);
  result.summary = simulate(model, setup, observer);
  return result;
}

}  // namespace tolsim
