// Solver options: one struct, self-describing (name, unit, default, description live in settings()), validating.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tolsim {

struct SolverOptions {
  enum class JacobianMode { kAnalytic, kFiniteDifference };
  enum class LinearSolver { kAuto, kDense, kSparse };

  // Relative tolerance of the local error test.
  double rtol = 1e-6;
  // Absolute tolerance, in each species' (or quantity's) declared unit.
  double atol = 1e-12;
  // Maximum internal steps between two stops (outputs, doses, events). 0 means 100000.
  long max_steps = 100000;
  // Largest step size, in model time units; 0 means unlimited.
  double max_step = 0.0;
  // First step size, in model time units; 0 lets CVODES choose.
  double initial_step = 0.0;
  // Maximum BDF order, 1..5.
  int max_order = 5;
  // Analytic (symbolic) Jacobian or CVODES' internal difference quotients.
  JacobianMode jacobian = JacobianMode::kAnalytic;
  // The Newton iteration's linear solver: dense LU, or sparse LU (KLU) on the Jacobian's structural non-zeros.
  // kAuto picks sparse for models of kSparseFromStates states or more that have an analytic Jacobian. A run
  // reports the one it used (SolveSummary::options).
  LinearSolver linear_solver = LinearSolver::kAuto;
  static constexpr int kSparseFromStates = 20;
  // Constrain species declared non-negative to stay >= 0 (CVODES inequality constraints).
  bool enforce_nonnegative = true;
  // Event executions allowed at a single time point before the run fails as a cascade.
  int max_events_per_time = 1000;

  // Every problem, one string each: "solver.rtol = -1e-06: must be > 0". Empty when valid.
  std::vector<std::string> problems() const;
};

// One self-describing setting: feeds --help, the scenario reader, docs and error messages.
struct SolverSetting {
  std::string name;  // as in a scenario's `solver:` block and on the command line (--rtol)
  std::string unit;  // "" when dimensionless
  std::string description;
  std::function<std::string(const SolverOptions&)> get;
  // Parses and stores a value; returns "" or a message such as "expected a number".
  std::function<std::string(SolverOptions&, const std::string&)> set;
};

const std::vector<SolverSetting>& solver_settings();

}  // namespace tolsim
