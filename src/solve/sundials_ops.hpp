// Private: optimised serial-vector, dense-matrix and sparse-matrix operations for CVODES.
//
// Debian 12's SUNDIALS 6.4.1 (libsundials-cvodes6 6.4.1+dfsg1-3) is built without optimisation: its machine code
// keeps every local variable on the stack (objdump of N_VLinearSum_Serial, N_VWSqrSumLocal_Serial). For the small
// models of virtual-patient trials, most of the solve time was spent in those vector operations and in the dense
// LU factorisation and solve (perf profile in docs/performance.md). SUNDIALS lets a program supply its own
// operations through the ops tables of its vectors, matrices and linear solvers; tolsim replaces the arithmetic ones
// with implementations compiled with the project's flags. CVODES itself is unchanged, but one operation is also
// corrected for a bug of SUNDIALS 6.4.1 (install_constraint_step_fix below).
//
// They are not approximations: each performs the same floating-point operations, in the same order, as SUNDIALS'
// serial vector, dense matrix and dense linear solver (special cases such as a == 1 or z == y included), so results
// are bit-for-bit those of the stock modules. tests/numeric/solve_sundials_ops_test.cpp checks every operation
// against the stock one, and whole simulations with and without them.
#pragma once

#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

namespace tolsim::detail {

// Points the arithmetic operations of serial vector `v` at tolsim's implementations (when enabled, see below).
// Clones made by N_VClone copy the ops table, so vectors CVODES derives from `v` use them too.
void install_vector_ops(N_Vector v);

// The same for a dense matrix (copy, zero, scale-add-identity; its clones too) and for the dense linear solver
// made for it (LU factorisation with partial pivoting, and the triangular solves).
void install_dense_ops(SUNMatrix matrix, SUNLinearSolver solver);

// The same for a compressed-sparse-column matrix (copy, zero, scale-add-identity; its clones too). The KLU solver
// is SuiteSparse's, compiled with optimisation, and stays as it is.
void install_sparse_ops(SUNMatrix matrix);

// A correction, not an optimisation, installed whether or not the fast operations are on: N_VMinQuotient of
// serial vector `v` (and its clones) becomes the step-size quotient of CVODES' inequality-constraint check with
// SUNDIALS issue #702 worked around (see constraint_step_quotient in sundials_ops.cpp). CVODES calls
// N_VMinQuotient nowhere else; results differ from the stock module only where the stock one would have grown the
// step after a constraint failure.
void install_constraint_step_fix(N_Vector v);
// How many times, in this process, a constraint check met a prediction that itself violated the constraint (each
// corrected by the function above). For tests.
long infeasible_constraint_predictions();

// Process-wide switch, on by default. Tests turn it off to compare with the stock operations; it takes effect for
// integrators created afterwards.
void set_fast_sundials_ops(bool on);
bool fast_sundials_ops();

}  // namespace tolsim::detail
