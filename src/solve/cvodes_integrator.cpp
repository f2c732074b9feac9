#include "solve/cvodes_integrator.hpp"

#include <cvodes/cvodes.h>
#include <cvodes/cvodes_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "solve/sundials_ops.hpp"
#include "tolsim/common/error.hpp"

namespace tolsim::detail {

namespace {

constexpr long kDefaultMaxSteps = 100000;  // SolverOptions::max_steps == 0

OdeSystem& system_of(void* user_data) {
  return static_cast<CvodesIntegrator*>(user_data)->system();
}

int rhs_callback(sunrealtype t, N_Vector y, N_Vector ydot, void* user_data) {
  return system_of(user_data).rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
}

int root_callback(sunrealtype t, N_Vector y, sunrealtype* g, void* user_data) {
  return system_of(user_data).roots(t, N_VGetArrayPointer(y), g);
}

int jacobian_callback(sunrealtype t, N_Vector y, N_Vector /*fy*/, SUNMatrix jac, void* user_data,
                      N_Vector /*tmp1*/, N_Vector /*tmp2*/, N_Vector /*tmp3*/) {
  // SUNDIALS' dense matrix is column-major and contiguous, the layout of the jacobian kernel.
  return system_of(user_data).jacobian(t, N_VGetArrayPointer(y), SUNDenseMatrix_Data(jac));
}

std::string flag_name(int flag) {
  // CVodeGetReturnFlagName returns a malloc'ed string that the caller frees.
  std::unique_ptr<char, decltype(&std::free)> name(CVodeGetReturnFlagName(flag), &std::free);
  return name ? std::string(name.get()) : fmt::format("CVODES flag {}", flag);
}

}  // namespace

void CvodesIntegrator::ContextDeleter::operator()(_SUNContext* p) const {
  SUNContext context = p;
  SUNContext_Free(&context);
}
void CvodesIntegrator::VectorDeleter::operator()(_generic_N_Vector* p) const {
  N_VDestroy(p);
}
void CvodesIntegrator::MatrixDeleter::operator()(_generic_SUNMatrix* p) const {
  SUNMatDestroy(p);
}
void CvodesIntegrator::SolverDeleter::operator()(_generic_SUNLinearSolver* p) const {
  SUNLinSolFree(p);
}
void CvodesIntegrator::MemoryDeleter::operator()(void* p) const {
  void* memory = p;
  CVodeFree(&memory);
}

CvodesIntegrator::CvodesIntegrator(OdeSystem& system, IntegratorSetup setup)
    : system_(system), setup_(std::move(setup)) {
  const auto n = static_cast<sunindextype>(setup_.n_states);
  if (n < 1 || setup_.abstol.size() != static_cast<std::size_t>(n))
    throw InternalError("CvodesIntegrator: inconsistent setup");

  // One context per integrator: SUNDIALS keeps no global state of ours.
  SUNContext context = nullptr;
  if (SUNContext_Create(nullptr, &context) != 0 || context == nullptr)
    throw InternalError("SUNDIALS: cannot create a context");
  context_.reset(context);

  y_.reset(N_VNew_Serial(n, context));
  abstol_.reset(N_VNew_Serial(n, context));
  if (!y_ || !abstol_) throw InternalError("SUNDIALS: cannot allocate vectors");
  // Optimised arithmetic (solve/sundials_ops.hpp); CVODES' work vectors are clones of y_ and inherit it.
  install_vector_ops(y_.get());
  install_vector_ops(abstol_.get());
  // CVODES' predicted state (zn[0]) is a clone of y_; the constraint check calls N_VMinQuotient on it.
  if (!setup_.constraints.empty()) install_constraint_step_fix(y_.get());
  for (sunindextype i = 0; i < n; ++i)
    NV_Ith_S(abstol_.get(), i) = setup_.abstol[static_cast<std::size_t>(i)];
  if (!setup_.constraints.empty()) {
    constraints_.reset(N_VNew_Serial(n, context));
    if (!constraints_) throw InternalError("SUNDIALS: cannot allocate vectors");
    install_vector_ops(constraints_.get());
    for (sunindextype i = 0; i < n; ++i)
      NV_Ith_S(constraints_.get(), i) = setup_.constraints[static_cast<std::size_t>(i)];
  }
  if (setup_.sparse_positions.empty()) {
    matrix_.reset(SUNDenseMatrix(n, n, context));
    if (!matrix_) throw InternalError("SUNDIALS: cannot allocate the Jacobian matrix");
    solver_.reset(SUNLinSol_Dense(y_.get(), matrix_.get(), context));
    if (!solver_) throw InternalError("SUNDIALS: cannot create the dense linear solver");
    install_dense_ops(matrix_.get(), solver_.get());
  } else {
    if (!setup_.analytic_jacobian)
      throw InternalError("CvodesIntegrator: the sparse solver needs a Jacobian");
    const auto nnz = static_cast<sunindextype>(setup_.sparse_positions.size());
    column_starts_.assign(static_cast<std::size_t>(n) + 1, 0);
    rows_.reserve(setup_.sparse_positions.size());
    for (const int position : setup_.sparse_positions) {
      const long row = position % n, column = position / n;
      if (column >= n) throw InternalError("CvodesIntegrator: sparse position outside the matrix");
      rows_.push_back(row);
      ++column_starts_[static_cast<std::size_t>(column) + 1];
    }
    for (std::size_t j = 0; j < static_cast<std::size_t>(n); ++j) column_starts_[j + 1] += column_starts_[j];
    dense_jacobian_.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0.0);
    matrix_.reset(SUNSparseMatrix(n, n, nnz, CSC_MAT, context));
    if (!matrix_) throw InternalError("SUNDIALS: cannot allocate the sparse Jacobian matrix");
    install_sparse_ops(matrix_.get());
    solver_.reset(SUNLinSol_KLU(y_.get(), matrix_.get(), context));
    if (!solver_) throw InternalError("SUNDIALS: cannot create the sparse (KLU) linear solver");
  }
  if (setup_.report_steps) {
    dky_.reset(N_VNew_Serial(n, context));
    if (!dky_) throw InternalError("SUNDIALS: cannot allocate vectors");
    taylor_.assign(static_cast<std::size_t>(setup_.options.max_order + 1) * static_cast<std::size_t>(n), 0.0);
  }
  memory_.reset(CVodeCreate(CV_BDF, context));
  if (!memory_) throw InternalError("SUNDIALS: cannot create CVODES memory");
  // From here on CVODES reports through on_error instead of printing to stderr.
  CVodeSetErrHandlerFn(memory_.get(), &CvodesIntegrator::on_error, this);
}

CvodesIntegrator::~CvodesIntegrator() = default;

int CvodesIntegrator::sparse_jacobian(double t, N_Vector y, N_Vector /*fy*/, SUNMatrix jac, void* self,
                                      N_Vector /*tmp1*/, N_Vector /*tmp2*/, N_Vector /*tmp3*/) {
  auto& me = *static_cast<CvodesIntegrator*>(self);
  const int flag = me.system_.jacobian(t, N_VGetArrayPointer(y), me.dense_jacobian_.data());
  if (flag != 0) return flag;
  // CVODES zeroes the matrix, structure included, before each call: the pattern is written every time.
  static_assert(sizeof(sunindextype) == sizeof(long), "the pattern is stored as long");
  std::copy(me.column_starts_.begin(), me.column_starts_.end(), SUNSparseMatrix_IndexPointers(jac));
  std::copy(me.rows_.begin(), me.rows_.end(), SUNSparseMatrix_IndexValues(jac));
  sunrealtype* data = SUNSparseMatrix_Data(jac);
  const auto& positions = me.setup_.sparse_positions;
  for (std::size_t k = 0; k < positions.size(); ++k)
    data[k] = me.dense_jacobian_[static_cast<std::size_t>(positions[k])];
  return 0;
}

void CvodesIntegrator::on_error(int code, const char* /*module*/, const char* function, char* message,
                                void* self) {
  // Warnings (code > 0, e.g. "t + h = t") are dropped: they do not change the result, and library code never
  // prints. The last error explains the failing flag.
  if (code >= 0) return;
  static_cast<CvodesIntegrator*>(self)->last_error_ =
      fmt::format("{}{}{}", message ? message : "", function ? " (in " : "", function ? function : "");
  if (function) static_cast<CvodesIntegrator*>(self)->last_error_ += ")";
}

int CvodesIntegrator::configure(double t) {
  void* mem = memory_.get();
  int flag = CVodeInit(mem, &rhs_callback, t, y_.get());
  if (flag != CV_SUCCESS) return flag;
  // Every callback receives this integrator: the sparse Jacobian needs its pattern and scratch space.
  if ((flag = CVodeSetUserData(mem, this)) != CV_SUCCESS) return flag;
  if ((flag = CVodeSVtolerances(mem, setup_.options.rtol, abstol_.get())) != CV_SUCCESS) return flag;
  if ((flag = CVodeSetLinearSolver(mem, solver_.get(), matrix_.get())) != CV_SUCCESS) return flag;
  if (setup_.analytic_jacobian) {
    flag = setup_.sparse_positions.empty() ? CVodeSetJacFn(mem, &jacobian_callback)
                                           : CVodeSetJacFn(mem, &CvodesIntegrator::sparse_jacobian);
    if (flag != CV_SUCCESS) return flag;
  }
  if (setup_.n_roots > 0) {
    if ((flag = CVodeRootInit(mem, setup_.n_roots, &root_callback)) != CV_SUCCESS) return flag;
    // A relation exactly at zero after a discontinuity is the simulation's business (it decides the relation's
    // value from the direction of motion), not a warning.
    if ((flag = CVodeSetNoInactiveRootWarn(mem)) != CV_SUCCESS) return flag;
  }
  if (constraints_ && (flag = CVodeSetConstraints(mem, constraints_.get())) != CV_SUCCESS) return flag;
  const long max_steps = setup_.options.max_steps == 0 ? kDefaultMaxSteps : setup_.options.max_steps;
  if ((flag = CVodeSetMaxNumSteps(mem, max_steps)) != CV_SUCCESS) return flag;
  if ((flag = CVodeSetMaxStep(mem, setup_.options.max_step)) != CV_SUCCESS) return flag;
  if ((flag = CVodeSetInitStep(mem, setup_.options.initial_step)) != CV_SUCCESS) return flag;
  if ((flag = CVodeSetMaxOrd(mem, setup_.options.max_order)) != CV_SUCCESS) return flag;
  return CV_SUCCESS;
}

int CvodesIntegrator::reset(double t, std::span<const double> y) {
  const auto n = static_cast<std::size_t>(setup_.n_states);
  reached_ = t;
  pending_root_.reset();
  for (std::size_t i = 0; i < n; ++i) NV_Ith_S(y_.get(), static_cast<sunindextype>(i)) = y[i];
  last_error_.clear();
  if (!initialised_) {
    const int flag = configure(t);
    if (flag == CV_SUCCESS) initialised_ = true;
    return flag;
  }
  // CVodeReInit zeroes CVODES' counters; keep what the closing segment did.
  finished_.steps += segment_.steps;
  finished_.rhs += segment_.rhs;
  finished_.rhs_ls += segment_.rhs_ls;
  finished_.jac += segment_.jac;
  finished_.error_tests += segment_.error_tests;
  finished_.newton += segment_.newton;
  finished_.convergence += segment_.convergence;
  finished_.roots += segment_.roots;
  segment_ = Counters{};
  ++restarts_;
  return CVodeReInit(memory_.get(), t, y_.get());
}

CvodesIntegrator::Advance CvodesIntegrator::advance(double tout, double tstop, std::span<double> y) {
  if (setup_.report_steps) return advance_by_steps(tout, tstop, y);
  void* mem = memory_.get();
  last_error_.clear();
  Advance result;
  sunrealtype t = current_time();
  result.flag = CVodeSetStopTime(mem, tstop);
  if (result.flag == CV_SUCCESS) result.flag = CVode(mem, tout, y_.get(), &t, CV_NORMAL);
  read_counters();
  result.t = t;
  if (result.flag < 0) {
    result.kind = Advance::Kind::kFailure;
    result.t = current_time();
    return result;
  }
  const auto n = static_cast<std::size_t>(setup_.n_states);
  for (std::size_t i = 0; i < n; ++i) y[i] = NV_Ith_S(y_.get(), static_cast<sunindextype>(i));
  if (result.flag == CV_ROOT_RETURN) {
    result.kind = Advance::Kind::kRoot;
  } else if (result.flag == CV_TSTOP_RETURN || t >= tstop) {
    // With tout == tstop CVODES may report either flag; both mean "at the stop", exactly.
    result.kind = Advance::Kind::kReachedStop;
    result.t = tstop;
  } else {
    result.kind = Advance::Kind::kReachedOutput;
  }
  return result;
}

// CV_ONE_STEP: the same outputs, stops and roots as CV_NORMAL, in the same order, but every step is reported to
// the system as it is taken.
CvodesIntegrator::Advance CvodesIntegrator::advance_by_steps(double tout, double tstop, std::span<double> y) {
  void* mem = memory_.get();
  last_error_.clear();
  Advance result;
  const auto finish = [&](double t, Advance::Kind kind) {
    // Inside the last step: CVODES' interpolant, as CV_NORMAL returns it.
    result.flag = CVodeGetDky(mem, t, 0, y_.get());
    if (result.flag != CV_SUCCESS) {
      result.kind = Advance::Kind::kFailure;
      result.t = current_time();
      return result;
    }
    const auto n = static_cast<std::size_t>(setup_.n_states);
    for (std::size_t i = 0; i < n; ++i) y[i] = NV_Ith_S(y_.get(), static_cast<sunindextype>(i));
    result.kind = kind;
    result.t = t;
    return result;
  };
  result.flag = CVodeSetStopTime(mem, tstop);
  while (result.flag == CV_SUCCESS) {
    if (pending_root_ && *pending_root_ <= tout) {
      const double t_root = *pending_root_;
      pending_root_.reset();
      return finish(t_root, Advance::Kind::kRoot);
    }
    if (reached_ >= tout)
      return tout >= tstop ? finish(tstop, Advance::Kind::kReachedStop)
                           : finish(tout, Advance::Kind::kReachedOutput);
    sunrealtype t = reached_;
    result.flag = CVode(mem, tout, y_.get(), &t, CV_ONE_STEP);
    read_counters();
    if (result.flag < 0) break;
    report_step(t);
    if (result.flag == CV_ROOT_RETURN) {
      // Returned once CVODES has no earlier output to give (tout may come first).
      pending_root_ = t;
      reached_ = t;
    } else {
      reached_ = result.flag == CV_TSTOP_RETURN ? tstop : current_time();
    }
    result.flag = CV_SUCCESS;
  }
  result.kind = Advance::Kind::kFailure;
  result.t = current_time();
  return result;
}

void CvodesIntegrator::report_step(double t_end) {
  void* mem = memory_.get();
  sunrealtype t_center = 0.0;
  int order = 0;
  if (CVodeGetCurrentTime(mem, &t_center) != CV_SUCCESS || CVodeGetLastOrder(mem, &order) != CV_SUCCESS)
    return;
  const auto n = static_cast<std::size_t>(setup_.n_states);
  double factorial = 1.0;
  for (int k = 0; k <= order; ++k) {
    if (k > 0) factorial *= k;
    if (CVodeGetDky(mem, t_center, k, dky_.get()) != CV_SUCCESS) {
      order = k - 1;
      break;
    }
    for (std::size_t i = 0; i < n; ++i)
      taylor_[static_cast<std::size_t>(k) * n + i] =
          NV_Ith_S(dky_.get(), static_cast<sunindextype>(i)) / factorial;
  }
  if (order >= 0) system_.on_step(std::min<double>(t_end, t_center), t_center, order, taylor_.data());
}

void CvodesIntegrator::read_counters() {
  // Read after every CVode call: the linear solver's counters are zeroed lazily at the first call after a
  // restart, so this is the one moment when all counters describe the same segment.
  void* mem = memory_.get();
  long value = 0;
  if (CVodeGetNumSteps(mem, &value) == CV_SUCCESS) segment_.steps = value;
  if (CVodeGetNumRhsEvals(mem, &value) == CV_SUCCESS) segment_.rhs = value;
  if (CVodeGetNumLinRhsEvals(mem, &value) == CV_SUCCESS) segment_.rhs_ls = value;
  if (CVodeGetNumJacEvals(mem, &value) == CV_SUCCESS) segment_.jac = value;
  if (CVodeGetNumErrTestFails(mem, &value) == CV_SUCCESS) segment_.error_tests = value;
  if (CVodeGetNumNonlinSolvIters(mem, &value) == CV_SUCCESS) segment_.newton = value;
  if (CVodeGetNumNonlinSolvConvFails(mem, &value) == CV_SUCCESS) segment_.convergence = value;
  if (setup_.n_roots > 0 && CVodeGetNumGEvals(mem, &value) == CV_SUCCESS) segment_.roots = value;
}

std::vector<int> CvodesIntegrator::roots_found() {
  std::vector<int> found(static_cast<std::size_t>(setup_.n_roots), 0);
  if (!found.empty() && CVodeGetRootInfo(memory_.get(), found.data()) != CV_SUCCESS)
    std::fill(found.begin(), found.end(), 0);
  return found;
}

double CvodesIntegrator::current_time() const {
  sunrealtype t = 0.0;
  CVodeGetCurrentTime(memory_.get(), &t);
  return t;
}

std::string CvodesIntegrator::describe_failure(int flag) const {
  if (last_error_.empty()) return flag_name(flag);
  return fmt::format("{}: {}", flag_name(flag), last_error_);
}

SolverStats CvodesIntegrator::stats() const {
  SolverStats s;
  s.steps = finished_.steps + segment_.steps;
  // Difference-quotient Jacobians call the right-hand side too: count every call.
  s.rhs_evaluations = finished_.rhs + segment_.rhs + finished_.rhs_ls + segment_.rhs_ls;
  s.jacobian_evaluations = finished_.jac + segment_.jac;
  s.error_test_failures = finished_.error_tests + segment_.error_tests;
  s.nonlinear_iterations = finished_.newton + segment_.newton;
  s.convergence_failures = finished_.convergence + segment_.convergence;
  s.root_evaluations = finished_.roots + segment_.roots;
  s.restarts = restarts_;
  return s;
}

}  // namespace tolsim::detail
