// CVODES as tolsim calls it, for the hand-written peers of bench/peers/run.sh (handwritten_cvodes: the immune
// example; handwritten_ra_msc: RA + MSC). Plain SUNDIALS, no tolsim code; what it mirrors, and where:
// - BDF with Newton iteration, the model's analytic Jacobian, and the dense direct linear solver or KLU on a fixed
//   compressed-sparse-column pattern (tolsim's `auto` takes KLU from 20 states; src/solve/cvodes_integrator.cpp);
// - rtol, and an absolute tolerance per state (src/solve/simulation.cpp: the solver-wide atol or the species' own,
//   times the compartment size for species stored as amounts);
// - non-negativity constraints on species, and, as tolsim does (docs/model-format.md, "Non-negativity"), the fix
//   of SUNDIALS 6.4.1's step cut after a constraint failure (install_constraint_step_fix below);
// - up to 100,000 steps between stops;
// - the simulation loop of src/solve/simulation.cpp: a stop at each dose and infusion edge, where doses are
//   applied and CVODES is re-initialised; outputs in CV_NORMAL mode under the stop time; and species that an
//   interpolated output or a stop leaves below zero by less than the tolerances reported (and restarted) at 0.
// One CVODES memory serves every run (patient) and is re-initialised for each.
#pragma once

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace peers {

inline void check(int flag, const char* what) {
  if (flag < 0) throw std::runtime_error(std::string(what) + " failed with flag " + std::to_string(flag));
}

// N_VMinQuotient as CVODES 6.4.1's constraint check uses it (its only caller). When a step's corrected state y
// violates a constraint, CVODES retries with the step scaled by max(0.9 q, 0.1), q = min over violating entries of
// z / (z - y) for the predicted state z: where the line from z to y crosses zero, in [0, 1] if z is feasible. When
// z is itself negative, q falls outside [0, 1] and the step grows instead of shrinking, until CVODES gives up with
// "unable to satisfy inequality constraints" (SUNDIALS issue #702, fixed upstream after 6.4.1). Nearly zero-order
// depletion, such as saturable oral methotrexate absorption, predicts such states. Like tolsim, an infeasible
// prediction counts as crossing at once: q = 0, the largest cut CVODES allows.
inline sunrealtype min_quotient_crossing_at_once(N_Vector num, N_Vector denom) {
  const sunindextype n = N_VGetLength_Serial(num);
  const sunrealtype* z = N_VGetArrayPointer(num);
  const sunrealtype* d = N_VGetArrayPointer(denom);
  bool any = false;
  sunrealtype min = SUN_BIG_REAL;
  for (sunindextype i = 0; i < n; ++i) {
    if (d[i] == 0.0) continue;
    sunrealtype q = z[i] / d[i];
    if (!(q >= 0.0 && q <= 1.0)) q = 0.0;
    if (!any || q < min) min = q;
    any = true;
  }
  return min;
}

// A Jacobian pattern in compressed sparse columns (column_starts has n + 1 entries).
struct SparsePattern {
  std::vector<sunindextype> column_starts, rows;
};

// CVODES zeroes a sparse matrix, index arrays included, before each Jacobian call: the pattern is written each time.
inline sunrealtype* write_pattern(SUNMatrix jacobian, const SparsePattern& pattern) {
  std::copy(pattern.column_starts.begin(), pattern.column_starts.end(),
            SUNSparseMatrix_IndexPointers(jacobian));
  std::copy(pattern.rows.begin(), pattern.rows.end(), SUNSparseMatrix_IndexValues(jacobian));
  return SUNSparseMatrix_Data(jacobian);
}

struct CvodesSetup {
  double rtol = 1e-6;
  std::vector<double> abstol;       // one per state
  std::vector<double> constraints;  // one per state: 1.0 keeps it >= 0, 0.0 leaves it free
  CVRhsFn rhs = nullptr;
  CVLsJacFn jacobian = nullptr;
  const SparsePattern* sparse = nullptr;  // KLU on this pattern; none: dense LU
};

class HandIntegrator {
 public:
  explicit HandIntegrator(const CvodesSetup& setup) : n_(static_cast<sunindextype>(setup.abstol.size())) {
    check(SUNContext_Create(nullptr, &context_), "SUNContext_Create");
    y_ = N_VNew_Serial(n_, context_);
    abstol_ = N_VNew_Serial(n_, context_);
    constraints_ = N_VNew_Serial(n_, context_);
    std::copy(setup.abstol.begin(), setup.abstol.end(), N_VGetArrayPointer(abstol_));
    std::copy(setup.constraints.begin(), setup.constraints.end(), N_VGetArrayPointer(constraints_));
    // CVODES' predicted state is a clone of y_, and clones share the operations set here.
    y_->ops->nvminquotient = min_quotient_crossing_at_once;
    y_->ops->nvminquotientlocal = min_quotient_crossing_at_once;
    if (setup.sparse != nullptr) {
      const auto nnz = static_cast<sunindextype>(setup.sparse->rows.size());
      matrix_ = SUNSparseMatrix(n_, n_, nnz, CSC_MAT, context_);
      solver_ = SUNLinSol_KLU(y_, matrix_, context_);
    } else {
      matrix_ = SUNDenseMatrix(n_, n_, context_);
      solver_ = SUNLinSol_Dense(y_, matrix_, context_);
    }
    if (matrix_ == nullptr || solver_ == nullptr) throw std::runtime_error("cannot create the linear solver");
    memory_ = CVodeCreate(CV_BDF, context_);
    N_VConst(0.0, y_);
    check(CVodeInit(memory_, setup.rhs, 0.0, y_), "CVodeInit");
    check(CVodeSVtolerances(memory_, setup.rtol, abstol_), "CVodeSVtolerances");
    check(CVodeSetLinearSolver(memory_, solver_, matrix_), "CVodeSetLinearSolver");
    check(CVodeSetJacFn(memory_, setup.jacobian), "CVodeSetJacFn");
    check(CVodeSetConstraints(memory_, constraints_), "CVodeSetConstraints");
    check(CVodeSetMaxNumSteps(memory_, 100000), "CVodeSetMaxNumSteps");
  }
  ~HandIntegrator() {
    CVodeFree(&memory_);
    SUNLinSolFree(solver_);
    SUNMatDestroy(matrix_);
    N_VDestroy(constraints_);
    N_VDestroy(abstol_);
    N_VDestroy(y_);
    SUNContext_Free(&context_);
  }
  HandIntegrator(const HandIntegrator&) = delete;
  HandIntegrator& operator=(const HandIntegrator&) = delete;

  // One run from y0 at t_start. `stops` are the times after t_start where doses change y or the inputs, ascending,
  // the last one the end; `outputs` ascending. At t_start and at each stop, on_stop(t, y) applies what is due at t
  // and returns whether anything changed (then CVODES restarts there); record(t, y) takes each output.
  template <class OnStop, class Record>
  void run(void* user_data, double t_start, std::span<const double> y0, std::span<const double> stops,
           std::span<const double> outputs, OnStop&& on_stop, Record&& record) {
    check(CVodeSetUserData(memory_, user_data), "CVodeSetUserData");
    double* y = N_VGetArrayPointer(y_);
    std::copy(y0.begin(), y0.end(), y);
    std::size_t next_output = 0;
    const auto record_through = [&](double t) {
      for (; next_output < outputs.size() && outputs[next_output] <= t; ++next_output)
        record(outputs[next_output], static_cast<const double*>(y));
    };
    const double t_end = stops.empty() ? t_start : stops.back();
    clamp();
    on_stop(t_start, y);
    record_through(t_start);
    check(CVodeReInit(memory_, t_start, y_), "CVodeReInit");
    for (const double stop : stops) {
      sunrealtype reached = 0.0;
      for (; next_output < outputs.size() && outputs[next_output] < stop; ++next_output) {
        check(CVodeSetStopTime(memory_, stop), "CVodeSetStopTime");
        check(CVode(memory_, outputs[next_output], y_, &reached, CV_NORMAL), "CVode");
        clamp();
        record(outputs[next_output], static_cast<const double*>(y));
      }
      check(CVodeSetStopTime(memory_, stop), "CVodeSetStopTime");
      check(CVode(memory_, stop, y_, &reached, CV_NORMAL), "CVode");
      clamp();
      const bool changed = on_stop(stop, y);
      record_through(stop);
      if (changed && stop < t_end) check(CVodeReInit(memory_, stop, y_), "CVodeReInit");
    }
  }

 private:
  // CVODES holds constraints at its steps only; an interpolated output or a stop between them can dip below zero
  // by up to the local error, which the exact solution does not, so those values are clamped.
  void clamp() {
    double* y = N_VGetArrayPointer(y_);
    const double* c = N_VGetArrayPointer(constraints_);
    for (sunindextype i = 0; i < n_; ++i)
      if (c[i] == 1.0 && y[i] < 0.0) y[i] = 0.0;
  }

  sunindextype n_;
  SUNContext context_ = nullptr;
  N_Vector y_ = nullptr;
  N_Vector abstol_ = nullptr;
  N_Vector constraints_ = nullptr;
  SUNMatrix matrix_ = nullptr;
  SUNLinearSolver solver_ = nullptr;
  void* memory_ = nullptr;
};

}  // namespace peers
