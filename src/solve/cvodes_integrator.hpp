// A private RAII wrapper over one CVODES integrator: BDF, Newton, and a direct linear solver: dense LU, or sparse
// LU (KLU) on the Jacobian's structural non-zeros.
//
// It knows nothing of models, doses or events: it integrates an OdeSystem, locates the roots of its root
// functions, and restarts after a discontinuity. Every SUNDIALS object (context, vectors, matrix, linear solver,
// CVODES memory) is owned here and freed in reverse order of creation. CVODES' error messages are captured, never
// printed, and are available for the caller's failure message.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tolsim/solve/options.hpp"
#include "tolsim/solve/simulation.hpp"

struct _SUNContext;
struct _generic_N_Vector;
struct _generic_SUNMatrix;
struct _generic_SUNLinearSolver;

namespace tolsim::detail {

// The callbacks CVODES calls. Each returns 0 on success, > 0 for a recoverable failure (CVODES retries with a
// smaller step), < 0 to stop the integration.
class OdeSystem {
 public:
  virtual ~OdeSystem() = default;
  virtual int rhs(double t, const double* y, double* ydot) = 0;
  // Dense, column-major: jac[i + j*n] = d f_i / d y_j. Every entry must be written.
  virtual int jacobian(double t, const double* y, double* jac) = 0;
  virtual int roots(double t, const double* y, double* g) = 0;
  // Called after every step CVODES takes, when IntegratorSetup::report_steps is set. Over [t_end - h, t_end]
  // (and a little beyond) the solution is CVODES' own interpolating polynomial
  //     y(s) = sum_k taylor[k*n + i] * (s - t_center)^k,  k = 0 .. order,
  // with t_center the step's end. A step cut short by a root has t_end at the root and the same polynomial.
  virtual void on_step(double /*t_end*/, double /*t_center*/, int /*order*/, const double* /*taylor*/) {}
};

struct IntegratorSetup {
  int n_states = 0;                 // >= 1
  int n_roots = 0;                  // root functions passed to CVodeRootInit
  std::vector<double> abstol;       // one per state
  std::vector<double> constraints;  // empty, or one per state: 1.0 for y >= 0, 0.0 for none
  bool analytic_jacobian = true;
  // Empty: the dense solver. Otherwise (analytic Jacobian only) KLU on these entries of the Jacobian, given as
  // i + j*n_states, ascending, every diagonal entry included; the system's dense Jacobian is gathered from them.
  std::vector<int> sparse_positions;
  SolverOptions options;  // already validated
  // Step one CVODES step at a time and report each to OdeSystem::on_step (models with delay()).
  bool report_steps = false;
};

class CvodesIntegrator {
 public:
  // Throws InternalError if SUNDIALS cannot create its objects (out of memory).
  CvodesIntegrator(OdeSystem& system, IntegratorSetup setup);
  ~CvodesIntegrator();
  CvodesIntegrator(const CvodesIntegrator&) = delete;
  CvodesIntegrator& operator=(const CvodesIntegrator&) = delete;

  // Starts the integration at (t, y) the first time, and restarts it (CVodeReInit) after a discontinuity.
  // Returns CVODES' flag (0 on success).
  int reset(double t, std::span<const double> y);

  struct Advance {
    enum class Kind { kReachedOutput, kReachedStop, kRoot, kFailure };
    Kind kind = Kind::kFailure;
    double t = 0.0;  // where it stopped (for a failure: the last time reached)
    int flag = 0;    // CVODES' flag
  };
  // CVode in normal mode toward `tout`, never stepping past `tstop` (tout <= tstop); `y` receives the state at
  // the returned time (interpolated for an output).
  Advance advance(double tout, double tstop, std::span<double> y);

  // After CV_ROOT_RETURN: per root function, +1 if it crossed rising, -1 falling, 0 if it did not cross.
  std::vector<int> roots_found();

  // The time CVODES last reached, for failure reports.
  double current_time() const;

  // "CV_TOO_MUCH_WORK: At t = ..., mxstep steps taken before reaching tout." for a negative flag.
  std::string describe_failure(int flag) const;

  // Counters summed over every restart (steps, RHS, Jacobian, error tests, Newton, roots, restarts).
  SolverStats stats() const;

  OdeSystem& system() const { return system_; }

 private:
  struct Counters {
    long steps = 0, rhs = 0, rhs_ls = 0, jac = 0, error_tests = 0, newton = 0, convergence = 0, roots = 0;
  };
  struct ContextDeleter {
    void operator()(_SUNContext* p) const;
  };
  struct VectorDeleter {
    void operator()(_generic_N_Vector* p) const;
  };
  struct MatrixDeleter {
    void operator()(_generic_SUNMatrix* p) const;
  };
  struct SolverDeleter {
    void operator()(_generic_SUNLinearSolver* p) const;
  };
  struct MemoryDeleter {
    void operator()(void* p) const;
  };

  static void on_error(int code, const char* module, const char* function, char* message, void* self);
  static int sparse_jacobian(double t, _generic_N_Vector* y, _generic_N_Vector* fy, _generic_SUNMatrix* jac,
                             void* self, _generic_N_Vector* tmp1, _generic_N_Vector* tmp2,
                             _generic_N_Vector* tmp3);
  int configure(double t);
  void read_counters();
  Advance advance_by_steps(double tout, double tstop, std::span<double> y);
  void report_step(double t_end);

  OdeSystem& system_;
  IntegratorSetup setup_;
  // Declaration order is creation order: destruction frees CVODES memory first and the context last.
  std::unique_ptr<_SUNContext, ContextDeleter> context_;
  std::unique_ptr<_generic_N_Vector, VectorDeleter> y_;
  std::unique_ptr<_generic_N_Vector, VectorDeleter> abstol_;
  std::unique_ptr<_generic_N_Vector, VectorDeleter> constraints_;
  std::unique_ptr<_generic_SUNMatrix, MatrixDeleter> matrix_;
  std::unique_ptr<_generic_SUNLinearSolver, SolverDeleter> solver_;
  std::unique_ptr<void, MemoryDeleter> memory_;

  // Sparse solver only: the pattern in compressed-sparse-column form, and room for the dense Jacobian.
  std::vector<long> column_starts_;  // n_states + 1
  std::vector<long> rows_;           // one per non-zero
  std::vector<double> dense_jacobian_;
  std::unique_ptr<_generic_N_Vector, VectorDeleter> dky_;  // report_steps only: one derivative at a time
  std::vector<double> taylor_;                             // report_steps only: (max order + 1) * n
  double reached_ = 0.0;                // report_steps only: the solution is known up to here
  std::optional<double> pending_root_;  // report_steps only: a root after an output

  bool initialised_ = false;
  std::string last_error_;
  Counters finished_;  // segments closed by a restart
  Counters segment_;   // the current segment, read after every CVode call
  long restarts_ = 0;
};

}  // namespace tolsim::detail
