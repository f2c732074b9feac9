#include "tolsim/solve/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "solve/cvodes_integrator.hpp"
#include "solve/delay_history.hpp"
#include "solve/event_queue.hpp"
#include "solve/fast_reaction.hpp"
#include "solve/setup_check.hpp"
#include "solve/trigger_state.hpp"

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

namespace {

using detail::CvodesIntegrator;
using detail::PendingExecution;

// Two instants closer than this are one: CVODES cannot take a step that small ("tout too close to t0").
bool same_instant(double a, double b) {
  const double scale = std::max({1.0, std::abs(a), std::abs(b)});
  return std::abs(b - a) <= 16.0 * std::numeric_limits<double>::epsilon() * scale;
}

struct ActiveInfusion {
  std::size_t index = 0;  // in SimulationSetup::infusions
  int state = -1;
  double rate = 0.0;  // in state units per time unit
};

// One simulate() call: owns the vectors, the trigger bookkeeping and the integrator of that run.
class Run final : public detail::OdeSystem {
 public:
  Run(const CompiledModel& model, const SimulationSetup& setup, Observer& observer)
      : model_(model),
        setup_(setup),
        observer_(observer),
        n_(model.n_states()),
        n_solver_(std::max(1, model.n_states())),
        triggers_(model) {
    if (setup.random_event_order_seed) tie_breaker_.seed(*setup.random_event_order_seed);
  }

  SolveSummary execute();

  int rhs(double t, const double* y, double* ydot) override;
  int jacobian(double t, const double* y, double* jac) override;
  int roots(double t, const double* y, double* g) override;
  void on_step(double t_end, double t_center, int order, const double* taylor) override {
    delays_->add_step(t_end, t_center, order, taylor);  // only models with delays report steps
  }

 private:
  bool start();
  bool restart();
  bool integrate();
  bool process_stop(double t, std::span<const int> roots_found, bool start = false);
  bool start_triggers(double t);
  void clamp_constrained();
  bool apply_doses(double t);
  bool to_state_units(int state, double t, double amount, double& out);
  void refresh(double t);
  bool evaluate_triggers(double t) { return evaluate_triggers(t, triggers_); }
  bool evaluate_triggers(double t, const detail::TriggerState& triggers);
  bool fire(int event, double t);
  bool execute_due(double t);
  void execute(const PendingExecution& execution, double t);
  bool finish_stop(double t);
  bool emit_outputs_through(double t);
  double next_stop_after(double t) const;
  bool fail(SolveStatus status, double t, std::string message);
  std::string failure_message(const CvodesIntegrator::Advance& advance) const;

  void eval(int kernel, double t, const double* y, double* out) {
    if (delays_) delays_->fill(t, y, p_.data(), u_.data());
    model_.kernels->eval(kernel, t, y, p_.data(), u_.data(), out);
  }
  // Counts root stops in a row at one instant where no event fired: a root the run cannot pass (a relation held at
  // its boundary) stops it again and again without time moving on, which fails the run instead of looping. Events
  // that keep firing are the cascade limit's (execute_due).
  bool count_root_stop(const std::vector<int>& found);
  // Puts y_ on the fast reaction's equilibrium (solve/fast_reaction.hpp), if the model has one.
  bool equilibrate(double t);
  const CompiledEvent& event(int e) const { return model_.events[static_cast<std::size_t>(e)]; }
  bool constrained(std::size_t i) const {
    return setup_.options.enforce_nonnegative && model_.states[i].nonnegative;
  }

  const CompiledModel& model_;
  const SimulationSetup& setup_;
  Observer& observer_;
  const int n_;         // model states
  const int n_solver_;  // states CVODES integrates: a model without states gets one constant dummy state

  std::vector<double> p_, y_, u_;
  std::vector<double> g_, g_probe_, y_probe_, f_probe_, outputs_, event_out_;
  std::vector<double> sizes_before_;        // outputs before an event execution (compartment sizes)
  std::vector<int> stored_concentrations_;  // states with StateVariable::stores_concentration()
  std::vector<int> root_relations_;         // relation index of each CVODES root function
  std::vector<double> crossing_time_;       // scheduled relations: the time of the crossing
  std::vector<double> fixed_stops_;  // dose and infusion boundaries, scheduled crossings: sorted, unique
  std::vector<ActiveInfusion> active_infusions_;
  std::vector<char> trigger_value_;
  detail::TriggerState triggers_;
  detail::EventQueue queue_;
  boost::random::mt19937_64 tie_breaker_;  // used only with SimulationSetup::random_event_order_seed
  std::vector<std::size_t> ties_;
  std::unique_ptr<CvodesIntegrator> integrator_;
  std::optional<detail::DelayedInputs> delays_;  // models with delay() only
  std::vector<double> fast_out_;                 // working memory of detail::equilibrate
  double t_ = 0.0;
  double probe_step_ = 0.0;
  bool changed_ = false;  // y or u changed at this stop: CVODES must restart
  // The fast reaction's rate switched branch at this stop (a root of one of its relations).
  bool fast_switched_ = false;
  long executions_at_time_ = 0;
  long roots_at_time_ = 0;  // root stops in a row at root_time_
  double root_time_ = std::numeric_limits<double>::quiet_NaN();
  double cascade_time_ = std::numeric_limits<double>::quiet_NaN();  // the instant executions_at_time_ counts
  long events_fired_ = 0;
  long doses_given_ = 0;
  std::size_t next_output_ = 0;
  bool in_observer_ = false;
  std::string callback_error_;  // an exception caught inside a CVODES callback
  std::string nonfinite_note_;  // the last non-finite derivative seen by the RHS callback
  SolveSummary summary_;
};

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

// ---------------------------------------------------------------------------------------------------------------
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

std::string Run::failure_message(const CvodesIntegrator::Advance& advance) const {
  std::string message = fmt::format(
      "CVODES failed at t = {}: {}", advance.t,
      integrator_ ? integrator_->describe_failure(advance.flag) : fmt::format("flag {}", advance.flag));
  if (!callback_error_.empty()) message += "; " + callback_error_;
  if (!nonfinite_note_.empty()) message += "; " + nonfinite_note_;
  return message;
}

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
  Run run(model, setup, observer);
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
