// Integration of a compiled model with doses and events: the one simulation loop of tolsim.
//
// simulate() drives CVODES (BDF, Newton, dense direct solver, analytic Jacobian) from t_start to t_end. It stops
// exactly at every bolus, infusion start and end, scheduled event time and pending delayed event, locates the
// roots of condition triggers, applies SBML event semantics (edge triggers, delays, priorities, persistence,
// trigger-time values), and hands the outputs at each requested time to an Observer.
//
// Values reported at a time include every dose and event at that time.
//
// It never throws for numerical trouble and never aborts: the result carries a status, the time and the reason.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/solve/options.hpp"

namespace tolsim {

// An amount added to a state at one instant, in the amount unit of the state's species.
struct Bolus {
  double time = 0.0;
  int state = -1;
  double amount = 0.0;
  bool per_body_weight = false;  // `amount` is a per-kg dose already multiplied by the scenario's body weight
};

// A constant-rate input from `start` to `end`, in the species' amount unit per model time unit.
struct Infusion {
  double start = 0.0;
  double end = 0.0;
  int state = -1;
  double rate = 0.0;
  bool per_body_weight = false;  // as Bolus::per_body_weight
};

struct SimulationSetup {
  std::vector<double> parameters;  // one value per CompiledModel::parameters; start from default_parameters()
  double t_start = 0.0;
  double t_end = 0.0;
  std::vector<double> output_times;  // ascending, inside [t_start, t_end]
  std::vector<Bolus> boluses;
  std::vector<Infusion> infusions;
  SolverOptions options;
  // The state at t_start, to continue from an earlier run (a trial's run-in). Empty: the init kernel's y0.
  // Derived parameters are still computed by the init kernel. Event triggers start from their initial_value.
  std::vector<double> initial_state;
  // Parameters (given or computed) and outputs may be infinite or NaN instead of failing the run. SBML allows such
  // values and its test suite checks them; tolsim's own models treat them as mistakes. States must stay finite.
  bool allow_nonfinite_values = false;
  // Simultaneous events of equal priority run in declaration order (then in the order they were triggered), so
  // runs are reproducible. SBML says they run in random order: set a seed to choose among them at random, the same
  // way for the same seed.
  std::optional<std::uint64_t> random_event_order_seed;
};

enum class SolveStatus {
  kSuccess,
  kInvalidSetup,  // the setup does not fit the model (sizes, times, negative initial values of constrained states)
  kSolverFailure,  // CVODES gave up: too much work, error-test or convergence failures, non-finite values
  kEventCascade,   // more than max_events_per_time event executions at one time
};
const char* to_string(SolveStatus status);

struct SolverStats {
  long steps = 0;
  long rhs_evaluations = 0;
  long jacobian_evaluations = 0;
  long error_test_failures = 0;
  long nonlinear_iterations = 0;
  long convergence_failures = 0;
  long root_evaluations = 0;
  long events_fired = 0;
  long doses_given = 0;
  long restarts = 0;  // re-initialisations after a discontinuity
};

// Receives the outputs at each requested time. `outputs` has CompiledModel::n_outputs() values.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_output(double t, std::span<const double> outputs) = 0;
};

struct SolveSummary {
  SolveStatus status = SolveStatus::kSuccess;
  std::string message;  // empty on success; otherwise what happened and, for solver failures, CVODES' reason
  double t_failure = std::numeric_limits<double>::quiet_NaN();
  SolverStats stats;
  SolverOptions options;            // the options actually used
  std::string backend;              // "native" or "interpreter"
  std::vector<double> final_state;  // on success: the state at t_end (to continue a run from it)
  bool ok() const { return status == SolveStatus::kSuccess; }
};

// Integrates and streams outputs to `observer`. Outputs at times after a failure are not delivered.
SolveSummary simulate(const CompiledModel& model, const SimulationSetup& setup, Observer& observer);

// A table of every output at every output time, plus the summary.
struct SimulationResult {
  SolveSummary summary;
  std::vector<std::string> columns;  // output names, as CompiledModel::outputs
  std::vector<double> times;
  std::vector<double> values;  // row-major: times.size() x columns.size()
  double at(std::size_t row, std::size_t column) const { return values[row * columns.size() + column]; }
  // Column by name; throws std::out_of_range if unknown.
  std::vector<double> column(const std::string& name) const;
  bool ok() const { return summary.ok(); }
};

SimulationResult simulate(const CompiledModel& model, const SimulationSetup& setup);

}  // namespace tolsim
