// One simulate() call (solve/simulation.cpp): the run's state and the steps of its loop. The members that act at a
// stop (doses, relation values, trigger edges, event executions, a fast reaction's new equilibrium) are in
// solve/run_stops.cpp; the CVODES callbacks, the start and the integration loop in solve/simulation.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/random/mersenne_twister.hpp>

#include "solve/cvodes_integrator.hpp"
#include "solve/delay_history.hpp"
#include "solve/event_queue.hpp"
#include "solve/trigger_state.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::detail {

// Two instants closer than this are one: CVODES cannot take a step that small ("tout too close to t0").
inline bool same_instant(double a, double b) {
  const double scale = std::max({1.0, std::abs(a), std::abs(b)});
  return std::abs(b - a) <= 16.0 * std::numeric_limits<double>::epsilon() * scale;
}

struct ActiveInfusion {
  std::size_t index = 0;  // in SimulationSetup::infusions
  int state = -1;
  double rate = 0.0;  // in state units per time unit
};

// One simulate() call: owns the vectors, the trigger bookkeeping and the integrator of that run.
class Run final : public OdeSystem {
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

}  // namespace tolsim::detail
