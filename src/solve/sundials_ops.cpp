#include "solve/sundials_ops.hpp"

#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>

// Each operation below states the arithmetic SUNDIALS' serial module performs; the order of operations matters for
// bit-identical results and is kept. Lengths are read from the first vector argument, as the stock code does.
// src/CMakeLists.txt compiles this file with -ffp-contract=off: a fused multiply-add would change the rounding.

namespace tolsim::detail {

namespace {

std::atomic<bool> g_fast{true};

using Real = sunrealtype;
using Index = sunindextype;

inline Real* data(N_Vector v) {
  return NV_DATA_S(v);
}
inline Index length(N_Vector v) {
  return NV_LENGTH_S(v);
}

// sqrt that is 0 for non-positive arguments (SUNRsqrt).
inline Real safe_sqrt(Real x) {
  return x <= 0.0 ? 0.0 : std::sqrt(x);
}

// y <- a x + y, with a == 1 and a == -1 done as plain additions.
void axpy(Real a, N_Vector x, N_Vector y) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* yd = data(y);
  if (a == 1.0) {
    for (Index i = 0; i < n; ++i) yd[i] += xd[i];
  } else if (a == -1.0) {
    for (Index i = 0; i < n; ++i) yd[i] -= xd[i];
  } else {
    for (Index i = 0; i < n; ++i) yd[i] += a * xd[i];
  }
}

// z = a x + b y, dispatched on a and b exactly as the stock operation is.
void linear_sum(Real a, N_Vector x, Real b, N_Vector y, N_Vector z) {
  if (b == 1.0 && z == y) return axpy(a, x, y);
  if (a == 1.0 && z == x) return axpy(b, y, x);
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* yd = data(y);
  Real* zd = data(z);
  if (a == 1.0 && b == 1.0) {
    for (Index i = 0; i < n; ++i) zd[i] = xd[i] + yd[i];
  } else if (a == 1.0 && b == -1.0) {
    for (Index i = 0; i < n; ++i) zd[i] = xd[i] - yd[i];
  } else if (a == -1.0 && b == 1.0) {
    for (Index i = 0; i < n; ++i) zd[i] = yd[i] - xd[i];
  } else if (a == 1.0) {  // z = b y + x
    for (Index i = 0; i < n; ++i) zd[i] = (b * yd[i]) + xd[i];
  } else if (b == 1.0) {  // z = a x + y
    for (Index i = 0; i < n; ++i) zd[i] = (a * xd[i]) + yd[i];
  } else if (a == -1.0) {  // z = b y - x
    for (Index i = 0; i < n; ++i) zd[i] = (b * yd[i]) - xd[i];
  } else if (b == -1.0) {  // z = a x - y
    for (Index i = 0; i < n; ++i) zd[i] = (a * xd[i]) - yd[i];
  } else if (a == b) {
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] + yd[i]);
  } else if (a == -b) {
    for (Index i = 0; i < n; ++i) zd[i] = a * (xd[i] - yd[i]);
  } else {
    for (Index i = 0; i < n; ++i) zd[i] = (a * xd[i]) + (b * yd[i]);
  }
}

void constant(Real c, N_Vector z) {
  const Index n = length(z);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = c;
}

void product(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* yd = data(y);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] * yd[i];
}

void quotient(N_Vector x, N_Vector y, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* yd = data(y);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] / yd[i];
}

void scale(Real c, N_Vector x, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  if (z == x) {
    for (Index i = 0; i < n; ++i) zd[i] *= c;
  } else if (c == 1.0) {
    for (Index i = 0; i < n; ++i) zd[i] = xd[i];
  } else if (c == -1.0) {
    for (Index i = 0; i < n; ++i) zd[i] = -xd[i];
  } else {
    for (Index i = 0; i < n; ++i) zd[i] = c * xd[i];
  }
}

void absolute(N_Vector x, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = std::fabs(xd[i]);
}

void inverse(N_Vector x, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = 1.0 / xd[i];
}

void add_constant(N_Vector x, Real b, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = xd[i] + b;
}

Real dot(N_Vector x, N_Vector y) {
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* yd = data(y);
  Real sum = 0.0;
  for (Index i = 0; i < n; ++i) sum += xd[i] * yd[i];
  return sum;
}

Real max_norm(N_Vector x) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real max = 0.0;
  for (Index i = 0; i < n; ++i)
    if (std::fabs(xd[i]) > max) max = std::fabs(xd[i]);
  return max;
}

// sum of (x_i w_i)^2: the product is rounded before it is squared.
Real weighted_square_sum(N_Vector x, N_Vector w) {
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* wd = data(w);
  Real sum = 0.0;
  for (Index i = 0; i < n; ++i) {
    const Real p = xd[i] * wd[i];
    sum += p * p;
  }
  return sum;
}

Real weighted_square_sum_mask(N_Vector x, N_Vector w, N_Vector id) {
  const Index n = length(x);
  const Real* xd = data(x);
  const Real* wd = data(w);
  const Real* idd = data(id);
  Real sum = 0.0;
  for (Index i = 0; i < n; ++i)
    if (idd[i] > 0.0) {
      const Real p = xd[i] * wd[i];
      sum += p * p;
    }
  return sum;
}

Real wrms_norm(N_Vector x, N_Vector w) {
  return safe_sqrt(weighted_square_sum(x, w) / static_cast<Real>(length(x)));
}

Real wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id) {
  return safe_sqrt(weighted_square_sum_mask(x, w, id) / static_cast<Real>(length(x)));
}

Real minimum(N_Vector x) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real min = xd[0];
  for (Index i = 1; i < n; ++i)
    if (xd[i] < min) min = xd[i];
  return min;
}

Real weighted_l2_norm(N_Vector x, N_Vector w) {
  return safe_sqrt(weighted_square_sum(x, w));
}

Real l1_norm(N_Vector x) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real sum = 0.0;
  for (Index i = 0; i < n; ++i) sum += std::fabs(xd[i]);
  return sum;
}

void compare(Real c, N_Vector x, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  for (Index i = 0; i < n; ++i) zd[i] = std::fabs(xd[i]) >= c ? 1.0 : 0.0;
}

sunbooleantype inverse_test(N_Vector x, N_Vector z) {
  const Index n = length(x);
  const Real* xd = data(x);
  Real* zd = data(z);
  sunbooleantype no_zero = SUNTRUE;
  for (Index i = 0; i < n; ++i) {
    if (xd[i] == 0.0)
      no_zero = SUNFALSE;
    else
      zd[i] = 1.0 / xd[i];
  }
  return no_zero;
}

// m_i = 1 where x_i violates constraint c_i (|c| = 2: strict sign, |c| = 1: sign or zero), else 0.
sunbooleantype constraint_mask(N_Vector c, N_Vector x, N_Vector m) {
  const Index n = length(x);
  const Real* cd = data(c);
  const Real* xd = data(x);
  Real* md = data(m);
  bool violated = false;
  for (Index i = 0; i < n; ++i) {
    md[i] = 0.0;
    if (cd[i] == 0.0) continue;
    const Real product = xd[i] * cd[i];
    if ((std::fabs(cd[i]) > 1.5 && product <= 0.0) || (std::fabs(cd[i]) > 0.5 && product < 0.0)) {
      md[i] = 1.0;
      violated = true;
    }
  }
  return violated ? SUNFALSE : SUNTRUE;
}

Real min_quotient(N_Vector num, N_Vector denom) {
  const Index n = length(num);
  const Real* nd = data(num);
  const Real* dd = data(denom);
  bool first = true;
  Real min = SUN_BIG_REAL;
  for (Index i = 0; i < n; ++i) {
    if (dd[i] == 0.0) continue;
    const Real q = nd[i] / dd[i];
    if (first) {
      min = q;
      first = false;
    } else if (q < min) {
      min = q;
    }
  }
  return min;
}

std::atomic<long> g_infeasible_predictions{0};

// N_VMinQuotient as CVODES 6.4.1 uses it. Its one caller is the inequality-constraint check (cvCheckConstraints):
// when the corrected state y of a step violates a constraint by more than the tolerance, CVODES calls it with
// num = the predicted state z and denom = mask * (z - y), and retries the step with h scaled by
// eta = max(0.9 * quotient, 0.1). z / (z - y) is where the line from z to y crosses the bound, a fraction of the
// step in [0, 1] whenever z itself is feasible. When z is infeasible too, the quotient is negative or larger than 1,
// and CVODES grows the step instead of shrinking it, fails again, and gives up after ten tries with "unable to
// satisfy inequality constraints" (SUNDIALS issue #702, fixed upstream in pull request #787 by taking the last
// accepted state instead of z; Debian 12 ships 6.4.1). That last state is not passed here, so an infeasible
// prediction counts as crossing at once: quotient 0, the largest cut CVODES allows (eta = 0.1).
Real constraint_step_quotient(N_Vector num, N_Vector denom) {
  const Index n = length(num);
  const Real* nd = data(num);
  const Real* dd = data(denom);
  bool any = false;
  Real min = SUN_BIG_REAL;
  for (Index i = 0; i < n; ++i) {
    if (dd[i] == 0.0) continue;
    Real q = nd[i] / dd[i];
    if (!(q >= 0.0 && q <= 1.0)) {
      q = 0.0;
      g_infeasible_predictions.fetch_add(1, std::memory_order_relaxed);
    }
    if (!any || q < min) min = q;
    any = true;
  }
  return min;
}

// z = sum_i c_i X_i, as SUNDIALS composes it when the vector has no fused operation: N_VScale(c_0, X_0, z), then
// z += c_i X_i for i = 1, 2, ... (for two vectors too, where the fused serial operation would use N_VLinearSum).
int linear_combination(int nvec, Real* c, N_Vector* X, N_Vector z) {
  if (nvec < 1) return -1;
  if (nvec == 1) {
    scale(c[0], X[0], z);
    return 0;
  }
  const Index n = length(z);
  Real* zd = data(z);
  if (X[0] == z) {
    if (c[0] != 1.0)
      for (Index j = 0; j < n; ++j) zd[j] *= c[0];
  } else {
    const Real* xd = data(X[0]);
    for (Index j = 0; j < n; ++j) zd[j] = c[0] * xd[j];
  }
  for (int i = 1; i < nvec; ++i) {
    const Real* xd = data(X[i]);
    for (Index j = 0; j < n; ++j) zd[j] += c[i] * xd[j];
  }
  return 0;
}

// Z_i = a_i x + Y_i.
int scale_add_multi(int nvec, Real* a, N_Vector x, N_Vector* Y, N_Vector* Z) {
  if (nvec < 1) return -1;
  if (nvec == 1) {
    linear_sum(a[0], x, 1.0, Y[0], Z[0]);
    return 0;
  }
  const Index n = length(x);
  const Real* xd = data(x);
  for (int i = 0; i < nvec; ++i) {
    const Real* yd = data(Y[i]);
    Real* zd = data(Z[i]);
    if (Y == Z) {
      for (Index j = 0; j < n; ++j) zd[j] += a[i] * xd[j];
    } else {
      for (Index j = 0; j < n; ++j) zd[j] = a[i] * xd[j] + yd[j];
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Dense matrices (column-major, contiguous) and the dense LU solver.

bool is_dense(SUNMatrix A) {
  return A && SUNMatGetID(A) == SUNMATRIX_DENSE;
}

int matrix_zero(SUNMatrix A) {
  const sunindextype size = SM_LDATA_D(A);
  Real* a = SM_DATA_D(A);
  for (sunindextype i = 0; i < size; ++i) a[i] = 0.0;
  return SUNMAT_SUCCESS;
}

// B = A.
int matrix_copy(SUNMatrix A, SUNMatrix B) {
  if (!is_dense(B) || SM_ROWS_D(A) != SM_ROWS_D(B) || SM_COLUMNS_D(A) != SM_COLUMNS_D(B))
    return SUNMAT_ILL_INPUT;
  const sunindextype size = SM_LDATA_D(A);
  const Real* a = SM_DATA_D(A);
  Real* b = SM_DATA_D(B);
  for (sunindextype i = 0; i < size; ++i) b[i] = a[i];
  return SUNMAT_SUCCESS;
}

// A = c A + I: every element scaled, then 1 added on the diagonal.
int matrix_scale_add_identity(Real c, SUNMatrix A) {
  const sunindextype rows = SM_ROWS_D(A), columns = SM_COLUMNS_D(A);
  Real* a = SM_DATA_D(A);
  for (sunindextype j = 0; j < columns; ++j)
    for (sunindextype i = 0; i < rows; ++i) {
      Real& element = a[j * rows + i];
      element = c * element;
      if (i == j) element += 1.0;
    }
  return SUNMAT_SUCCESS;
}

void install_matrix_ops(SUNMatrix A);

SUNMatrix matrix_clone(SUNMatrix A) {
  SUNMatrix clone = SUNMatClone_Dense(A);
  install_matrix_ops(clone);
  return clone;
}

void install_matrix_ops(SUNMatrix A) {
  if (!A) return;
  A->ops->zero = matrix_zero;
  A->ops->copy = matrix_copy;
  A->ops->scaleaddi = matrix_scale_add_identity;
  A->ops->clone = matrix_clone;
}

// LU factorisation with partial pivoting, in place (Doolittle, column by column): at step k the pivot is the first
// entry of largest magnitude in column k at or below the diagonal, rows k and p[k] are swapped across the matrix,
// the entries below the pivot are multiplied by 1/pivot, and the trailing columns are updated one at a time.
// Returns 0, or k + 1 when the pivot of step k is exactly zero.
sunindextype lu_factor(Real* a, sunindextype n, sunindextype* p) {
  for (sunindextype k = 0; k < n; ++k) {
    Real* col_k = a + k * n;
    sunindextype l = k;
    for (sunindextype i = k + 1; i < n; ++i)
      if (std::fabs(col_k[i]) > std::fabs(col_k[l])) l = i;
    p[k] = l;
    if (col_k[l] == 0.0) return k + 1;
    if (l != k)
      for (sunindextype j = 0; j < n; ++j) std::swap(a[j * n + l], a[j * n + k]);
    const Real reciprocal = 1.0 / col_k[k];
    for (sunindextype i = k + 1; i < n; ++i) col_k[i] *= reciprocal;
    for (sunindextype j = k + 1; j < n; ++j) {
      Real* col_j = a + j * n;
      const Real a_kj = col_j[k];
      if (a_kj == 0.0) continue;
      for (sunindextype i = k + 1; i < n; ++i) col_j[i] -= a_kj * col_k[i];
    }
  }
  return 0;
}

// Solves A x = b from lu_factor's output, in place in b: the row swaps in order, then L y = b by columns, then
// U x = y by columns from the last (each unknown divided by its pivot before it is eliminated from the rows above).
void lu_solve(const Real* a, sunindextype n, const sunindextype* p, Real* b) {
  for (sunindextype k = 0; k < n; ++k)
    if (p[k] != k) std::swap(b[k], b[p[k]]);
  for (sunindextype k = 0; k + 1 < n; ++k) {
    const Real* col_k = a + k * n;
    for (sunindextype i = k + 1; i < n; ++i) b[i] -= col_k[i] * b[k];
  }
  for (sunindextype k = n - 1; k > 0; --k) {
    const Real* col_k = a + k * n;
    b[k] /= col_k[k];
    for (sunindextype i = 0; i < k; ++i) b[i] -= col_k[i] * b[k];
  }
  b[0] /= a[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Compressed-sparse-column matrices, for the KLU solver. CVODES forms I - gamma J from a saved Jacobian at every
// linear-solver setup: a copy (which zeroes the target first), then scale-add-identity. With every diagonal entry
// in the pattern (the integrator makes sure of it) both work in place; anything else goes to SUNDIALS' own.

bool is_csc(SUNMatrix A) {
  return A && SUNMatGetID(A) == SUNMATRIX_SPARSE && SM_SPARSETYPE_S(A) == CSC_MAT;
}

// Every stored value, row index and column pointer set to 0.
int sparse_zero(SUNMatrix A) {
  std::fill(SM_DATA_S(A), SM_DATA_S(A) + SM_NNZ_S(A), 0.0);
  std::fill(SM_INDEXVALS_S(A), SM_INDEXVALS_S(A) + SM_NNZ_S(A), sunindextype{0});
  std::fill(SM_INDEXPTRS_S(A), SM_INDEXPTRS_S(A) + SM_NP_S(A) + 1, sunindextype{0});
  return SUNMAT_SUCCESS;
}

// B = A, structure and values, when B has room for A's entries.
int sparse_copy(SUNMatrix A, SUNMatrix B) {
  if (!is_csc(A) || !is_csc(B) || SM_ROWS_S(A) != SM_ROWS_S(B) || SM_COLUMNS_S(A) != SM_COLUMNS_S(B))
    return SUNMAT_ILL_INPUT;
  const sunindextype used = SM_INDEXPTRS_S(A)[SM_NP_S(A)];
  if (SM_NNZ_S(B) < used) return SUNMatCopy_Sparse(A, B);  // SUNDIALS reallocates B
  sparse_zero(B);
  std::copy(SM_DATA_S(A), SM_DATA_S(A) + used, SM_DATA_S(B));
  std::copy(SM_INDEXVALS_S(A), SM_INDEXVALS_S(A) + used, SM_INDEXVALS_S(B));
  std::copy(SM_INDEXPTRS_S(A), SM_INDEXPTRS_S(A) + SM_NP_S(A) + 1, SM_INDEXPTRS_S(B));
  return SUNMAT_SUCCESS;
}

// A = c A + I: each stored entry scaled, and 1 added to the diagonal ones (as 1 + c a). If a diagonal entry is
// missing, SUNDIALS' own operation inserts it.
int sparse_scale_add_identity(Real c, SUNMatrix A) {
  if (!is_csc(A)) return SUNMatScaleAddI_Sparse(c, A);
  const sunindextype columns = SM_COLUMNS_S(A), diagonal = std::min(SM_ROWS_S(A), columns);
  const sunindextype* starts = SM_INDEXPTRS_S(A);
  const sunindextype* rows = SM_INDEXVALS_S(A);
  for (sunindextype j = 0; j < diagonal; ++j) {
    const sunindextype* end = rows + starts[j + 1];
    if (std::find(rows + starts[j], end, j) == end) return SUNMatScaleAddI_Sparse(c, A);
  }
  Real* a = SM_DATA_S(A);
  for (sunindextype j = 0; j < diagonal; ++j)
    for (sunindextype k = starts[j]; k < starts[j + 1]; ++k) a[k] = rows[k] == j ? 1.0 + c * a[k] : c * a[k];
  return SUNMAT_SUCCESS;
}

void install_sparse_matrix_ops(SUNMatrix A);

SUNMatrix sparse_clone(SUNMatrix A) {
  SUNMatrix clone = SUNMatClone_Sparse(A);
  install_sparse_matrix_ops(clone);
  return clone;
}

void install_sparse_matrix_ops(SUNMatrix A) {
  if (!is_csc(A)) return;
  A->ops->zero = sparse_zero;
  A->ops->copy = sparse_copy;
  A->ops->scaleaddi = sparse_scale_add_identity;
  A->ops->clone = sparse_clone;
}

SUNLinearSolverContent_Dense solver_content(SUNLinearSolver S) {
  return static_cast<SUNLinearSolverContent_Dense>(S->content);
}

int solver_setup(SUNLinearSolver S, SUNMatrix A) {
  if (!S || !A) return SUNLS_MEM_NULL;
  auto* content = solver_content(S);
  if (!is_dense(A) || SM_ROWS_D(A) != SM_COLUMNS_D(A) || SM_ROWS_D(A) != content->N) {
    content->last_flag = SUNLS_ILL_INPUT;
    return SUNLS_ILL_INPUT;
  }
  content->last_flag = lu_factor(SM_DATA_D(A), content->N, content->pivots);
  return content->last_flag > 0 ? SUNLS_LUFACT_FAIL : SUNLS_SUCCESS;
}

int solver_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, Real /*tol*/) {
  if (!S || !A || !x || !b) return SUNLS_MEM_NULL;
  auto* content = solver_content(S);
  const sunindextype n = content->N;
  if (x != b) std::copy(NV_DATA_S(b), NV_DATA_S(b) + n, NV_DATA_S(x));
  lu_solve(SM_DATA_D(A), n, content->pivots, NV_DATA_S(x));
  content->last_flag = SUNLS_SUCCESS;
  return SUNLS_SUCCESS;
}

}  // namespace

void set_fast_sundials_ops(bool on) {
  g_fast.store(on);
}
bool fast_sundials_ops() {
  return g_fast.load();
}

void install_vector_ops(N_Vector v) {
  if (!v || !g_fast.load()) return;
  N_Vector_Ops ops = v->ops;
  ops->nvlinearsum = linear_sum;
  ops->nvconst = constant;
  ops->nvprod = product;
  ops->nvdiv = quotient;
  ops->nvscale = scale;
  ops->nvabs = absolute;
  ops->nvinv = inverse;
  ops->nvaddconst = add_constant;
  ops->nvdotprod = dot;
  ops->nvmaxnorm = max_norm;
  ops->nvwrmsnorm = wrms_norm;
  ops->nvwrmsnormmask = wrms_norm_mask;
  ops->nvmin = minimum;
  ops->nvwl2norm = weighted_l2_norm;
  ops->nvl1norm = l1_norm;
  ops->nvcompare = compare;
  ops->nvinvtest = inverse_test;
  ops->nvconstrmask = constraint_mask;
  ops->nvminquotient = min_quotient;
  ops->nvdotprodlocal = dot;
  ops->nvmaxnormlocal = max_norm;
  ops->nvminlocal = minimum;
  ops->nvl1normlocal = l1_norm;
  ops->nvinvtestlocal = inverse_test;
  ops->nvconstrmasklocal = constraint_mask;
  ops->nvminquotientlocal = min_quotient;
  ops->nvwsqrsumlocal = weighted_square_sum;
  ops->nvwsqrsummasklocal = weighted_square_sum_mask;
  // Fused operations. The stock serial vector leaves them off, and SUNDIALS then composes them from N_VScale and
  // N_VLinearSum; these do the same element operations in the same order, in one pass.
  ops->nvlinearcombination = linear_combination;
  ops->nvscaleaddmulti = scale_add_multi;
}

void install_constraint_step_fix(N_Vector v) {
  if (!v) return;
  v->ops->nvminquotient = constraint_step_quotient;
  v->ops->nvminquotientlocal = constraint_step_quotient;
}

long infeasible_constraint_predictions() {
  return g_infeasible_predictions.load(std::memory_order_relaxed);
}

void install_sparse_ops(SUNMatrix matrix) {
  if (g_fast.load()) install_sparse_matrix_ops(matrix);
}

void install_dense_ops(SUNMatrix matrix, SUNLinearSolver solver) {
  if (!g_fast.load()) return;
  if (is_dense(matrix)) install_matrix_ops(matrix);
  if (solver && SUNLinSolGetID(solver) == SUNLINEARSOLVER_DENSE) {
    solver->ops->setup = solver_setup;
    solver->ops->solve = solver_solve;
  }
}

}  // namespace tolsim::detail
