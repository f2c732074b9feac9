// tolsim's serial-vector, dense-matrix and sparse-matrix operations (src/solve/sundials_ops.cpp) against SUNDIALS'
// own.
//
// Expected values: the stock serial-vector, dense-matrix, dense linear-solver and sparse-matrix operations of the
// installed SUNDIALS, called on identical inputs. The
// replacement exists only for speed (Debian builds SUNDIALS without optimisation), so every result must be equal
// bit for bit, not merely close: first operation by operation, including the special cases the stock code
// dispatches on (a == 1, a == -1, a == b, a == -b, aliased arguments), then for whole simulations of the shipped
// examples, whose outputs and solver counters must not change at all.
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "solve/sundials_ops.hpp"
#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/solve/simulation.hpp"

namespace {

using tolsim::detail::install_vector_ops;

constexpr sunindextype kLength = 7;

struct Context {
  SUNContext ctx = nullptr;
  Context() { SUNContext_Create(nullptr, &ctx); }
  ~Context() { SUNContext_Free(&ctx); }
};

struct VectorDeleter {
  void operator()(_generic_N_Vector* v) const { N_VDestroy(v); }
};
using Vector = std::unique_ptr<_generic_N_Vector, VectorDeleter>;

// Values with mixed signs and magnitudes, exact zeros, and exact +-1.
std::vector<double> sample(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> exponent(-8.0, 8.0), unit(0.0, 1.0);
  std::vector<double> out(static_cast<std::size_t>(kLength));
  for (double& x : out) {
    const double u = unit(rng);
    if (u < 0.1)
      x = 0.0;
    else if (u < 0.15)
      x = 1.0;
    else if (u < 0.2)
      x = -1.0;
    else
      x = (unit(rng) < 0.5 ? -1.0 : 1.0) * std::pow(10.0, exponent(rng)) * (1.0 + unit(rng));
  }
  return out;
}

// The same vectors twice: one set with the stock operations, one with tolsim's.
class Pair {
 public:
  explicit Pair(SUNContext ctx) {
    for (int k = 0; k < 4; ++k) {
      stock_.emplace_back(N_VNew_Serial(kLength, ctx));
      fast_.emplace_back(N_VNew_Serial(kLength, ctx));
      install_vector_ops(fast_.back().get());
    }
  }
  void fill(std::mt19937_64& rng) {
    for (std::size_t k = 0; k < stock_.size(); ++k) {
      const auto values = sample(rng);
      std::memcpy(N_VGetArrayPointer(stock_[k].get()), values.data(), values.size() * sizeof(double));
      std::memcpy(N_VGetArrayPointer(fast_[k].get()), values.data(), values.size() * sizeof(double));
    }
  }
  N_Vector stock(int k) const { return stock_[static_cast<std::size_t>(k)].get(); }
  N_Vector fast(int k) const { return fast_[static_cast<std::size_t>(k)].get(); }
  // Every element of every vector equal, bit for bit (memcmp: -0.0 and NaN payloads count).
  ::testing::AssertionResult same() const {
    for (std::size_t k = 0; k < stock_.size(); ++k)
      if (std::memcmp(N_VGetArrayPointer(stock_[k].get()), N_VGetArrayPointer(fast_[k].get()),
                      static_cast<std::size_t>(kLength) * sizeof(double)) != 0)
        return ::testing::AssertionFailure() << "vector " << k << " differs";
    return ::testing::AssertionSuccess();
  }

 private:
  std::vector<Vector> stock_, fast_;
};

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

class VectorOps : public ::testing::Test {
 protected:
  Context context;
  Pair v{context.ctx};
  std::mt19937_64 rng{20261123};

  // Runs `op` on both sets `rounds` times with fresh data and checks the vectors and the returned value agree.
  void check(const std::string& what, const std::function<double(N_Vector (*)(const Pair&, int))>& op) {
    for (int round = 0; round < 50; ++round) {
      v.fill(rng);
      const double stock = op([](const Pair& p, int k) { return p.stock(k); });
      const double fast = op([](const Pair& p, int k) { return p.fast(k); });
      ASSERT_TRUE(v.same()) << what << ", round " << round;
      ASSERT_TRUE(same_bits(stock, fast)) << what << ": " << stock << " vs " << fast;
    }
  }
};

const std::vector<double> kScalars = {1.0, -1.0, 0.0, 0.5, -2.5, 3.0e-7};

TEST_F(VectorOps, LinearSumInEveryCaseTheStockCodeDistinguishes) {
  for (double a : kScalars)
    for (double b : {1.0, -1.0, 0.0, 0.5, -0.5, -2.5, 3.0e-7, -3.0e-7}) {
      // z distinct, z aliasing x, z aliasing y.
      for (int z : {2, 0, 1}) {
        check("linearsum a=" + std::to_string(a) + " b=" + std::to_string(b) + " z=" + std::to_string(z),
              [&](auto get) {
                N_Vector x = get(v, 0);
                x->ops->nvlinearsum(a, x, b, get(v, 1), get(v, z));
                return 0.0;
              });
      }
    }
}

TEST_F(VectorOps, ElementwiseOperations) {
  for (double c : kScalars) {
    for (int z : {1, 0}) {
      check("scale", [&](auto get) {
        get(v, 0)->ops->nvscale(c, get(v, 0), get(v, z));
        return 0.0;
      });
      check("compare", [&](auto get) {
        get(v, 0)->ops->nvcompare(std::fabs(c), get(v, 0), get(v, z));
        return 0.0;
      });
      check("addconst", [&](auto get) {
        get(v, 0)->ops->nvaddconst(get(v, 0), c, get(v, z));
        return 0.0;
      });
    }
    check("const", [&](auto get) {
      get(v, 0)->ops->nvconst(c, get(v, 0));
      return 0.0;
    });
  }
  for (int z : {2, 0}) {
    check("prod", [&](auto get) {
      get(v, 0)->ops->nvprod(get(v, 0), get(v, 1), get(v, z));
      return 0.0;
    });
    check("div", [&](auto get) {
      get(v, 0)->ops->nvdiv(get(v, 0), get(v, 1), get(v, z));
      return 0.0;
    });
    check("abs", [&](auto get) {
      get(v, 0)->ops->nvabs(get(v, 0), get(v, z));
      return 0.0;
    });
    check("inv", [&](auto get) {
      get(v, 0)->ops->nvinv(get(v, 0), get(v, z));
      return 0.0;
    });
    check("invtest", [&](auto get) { return double(get(v, 0)->ops->nvinvtest(get(v, 0), get(v, z))); });
  }
}

TEST_F(VectorOps, ReductionsAndNorms) {
  check("dotprod", [&](auto get) { return get(v, 0)->ops->nvdotprod(get(v, 0), get(v, 1)); });
  check("maxnorm", [&](auto get) { return get(v, 0)->ops->nvmaxnorm(get(v, 0)); });
  check("wrmsnorm", [&](auto get) { return get(v, 0)->ops->nvwrmsnorm(get(v, 0), get(v, 1)); });
  check("wrmsnormmask",
        [&](auto get) { return get(v, 0)->ops->nvwrmsnormmask(get(v, 0), get(v, 1), get(v, 2)); });
  check("wsqrsumlocal", [&](auto get) { return get(v, 0)->ops->nvwsqrsumlocal(get(v, 0), get(v, 1)); });
  check("wsqrsummasklocal",
        [&](auto get) { return get(v, 0)->ops->nvwsqrsummasklocal(get(v, 0), get(v, 1), get(v, 2)); });
  check("min", [&](auto get) { return get(v, 0)->ops->nvmin(get(v, 0)); });
  check("wl2norm", [&](auto get) { return get(v, 0)->ops->nvwl2norm(get(v, 0), get(v, 1)); });
  check("l1norm", [&](auto get) { return get(v, 0)->ops->nvl1norm(get(v, 0)); });
  check("minquotient", [&](auto get) { return get(v, 0)->ops->nvminquotient(get(v, 0), get(v, 1)); });
}

TEST_F(VectorOps, ConstraintMaskForEveryConstraintKind) {
  // Constraint codes 0, +-1 (>= 0, <= 0) and +-2 (> 0, < 0) against values of both signs and zero.
  std::uniform_int_distribution<int> code(-2, 2);
  for (int round = 0; round < 50; ++round) {
    v.fill(rng);
    for (sunindextype i = 0; i < kLength; ++i) {
      const double c = static_cast<double>(code(rng));
      NV_Ith_S(v.stock(0), i) = c;
      NV_Ith_S(v.fast(0), i) = c;
    }
    const auto stock = v.stock(0)->ops->nvconstrmask(v.stock(0), v.stock(1), v.stock(2));
    const auto fast = v.fast(0)->ops->nvconstrmask(v.fast(0), v.fast(1), v.fast(2));
    ASSERT_EQ(stock, fast);
    ASSERT_TRUE(v.same()) << "round " << round;
  }
}

// The step-size quotient of CVODES' constraint check (install_constraint_step_fix), called as cvCheckConstraints
// calls N_VMinQuotient: num = the predicted state z, denom = mask * (z - y) with y the corrected state and mask from
// N_VConstrMask. Expected values: the stock operation wherever the prediction is feasible (bit for bit), and by hand
// where it is not.
TEST(ConstraintStepQuotient, EqualsTheStockOneForFeasiblePredictionsAndCutsTheStepOtherwise) {
  Context context;
  std::vector<Vector> stock, fixed;
  for (int k = 0; k < 4; ++k) {
    stock.emplace_back(N_VNew_Serial(kLength, context.ctx));
    fixed.emplace_back(N_VNew_Serial(kLength, context.ctx));
  }
  tolsim::detail::install_constraint_step_fix(
      fixed[0].get());  // num carries the ops, as zn[0] does in CVODES
  // Vectors: 0 = z (prediction), 1 = y (correction), 2 = constraints (all >= 0), 3 = mask, then denom.
  const auto quotients = [&](const std::vector<double>& z, const std::vector<double>& y) {
    std::pair<double, double> out;
    for (auto* set : {&stock, &fixed}) {
      std::vector<Vector>& v = *set;
      std::copy(z.begin(), z.end(), N_VGetArrayPointer(v[0].get()));
      std::copy(y.begin(), y.end(), N_VGetArrayPointer(v[1].get()));
      N_VConst(1.0, v[2].get());
      N_VConstrMask(v[2].get(), v[1].get(), v[3].get());
      N_VLinearSum(1.0, v[0].get(), -1.0, v[1].get(), v[1].get());  // y <- z - y
      N_VProd(v[3].get(), v[1].get(), v[1].get());                  // denom = mask * (z - y)
      (set == &stock ? out.first : out.second) = N_VMinQuotient(v[0].get(), v[1].get());
    }
    return out;
  };

  // Feasible predictions (z >= 0 wherever y < 0): the same value as the stock operation.
  std::mt19937_64 rng(20261125);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int round = 0; round < 200; ++round) {
    std::vector<double> z(static_cast<std::size_t>(kLength)), y(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) {
      z[i] = unit(rng) < 0.2 ? 0.0 : std::pow(10.0, -12.0 * unit(rng));
      y[i] = (unit(rng) < 0.5 ? -1.0 : 1.0) * std::pow(10.0, -12.0 * unit(rng));
    }
    const auto [s, f] = quotients(z, y);
    ASSERT_TRUE(same_bits(s, f)) << "round " << round << ": " << s << " vs " << f;
    ASSERT_GE(f, 0.0);
    ASSERT_TRUE(f <= 1.0 || f == SUN_BIG_REAL);
  }
  // z = 0.5, y = -0.5: the line from z to y crosses 0 halfway; both give 0.5 (CVODES: eta = 0.45).
  const std::vector<double> ok_z = {0.5, 1, 1, 1, 1, 1, 1}, ok_y = {-0.5, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(quotients(ok_z, ok_y), std::make_pair(0.5, 0.5));
  // The failure pattern of issue #702: the prediction -0.05 is itself negative and the correction -0.03 less so.
  // Stock: -0.05 / (-0.05 + 0.03) = 2.5, so CVODES would try a step 2.25 times longer. Fixed: 0 (eta = 0.1).
  const long before = tolsim::detail::infeasible_constraint_predictions();
  const std::vector<double> bad_z = {1, 1, -0.05, 1, 1, 1, 1}, bad_y = {1, 1, -0.03, 1, 1, 1, 1};
  const auto [s, f] = quotients(bad_z, bad_y);
  EXPECT_DOUBLE_EQ(s, 2.5);
  EXPECT_EQ(f, 0.0);
  EXPECT_EQ(tolsim::detail::infeasible_constraint_predictions(), before + 1);
  // Nothing masked: both return SUNDIALS' "no quotient" value.
  const std::vector<double> none = {1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(quotients(none, none), std::make_pair(SUN_BIG_REAL, SUN_BIG_REAL));
}

// The fused operations, which the stock serial vector leaves unset, against SUNDIALS' generic composition (what
// N_VLinearCombination and N_VScaleAddMulti do for a vector without them).
TEST_F(VectorOps, FusedOperationsMatchTheGenericComposition) {
  for (int nvec : {1, 2, 3}) {
    for (bool alias : {false, true}) {
      std::vector<double> c = {1.0, -1.0, 0.7};
      if (!alias) c[0] = -0.3;
      check("linearcombination", [&](auto get) {
        std::vector<N_Vector> X = {get(v, alias ? 3 : 0), get(v, 1), get(v, 2)};
        N_VLinearCombination(nvec, c.data(), X.data(), get(v, 3));
        return 0.0;
      });
      check("scaleaddmulti", [&](auto get) {
        std::vector<N_Vector> Y = {get(v, 1), get(v, 2), get(v, 3)};
        std::vector<N_Vector> Z = {get(v, 1), get(v, 2), get(v, 3)};
        N_VScaleAddMulti(nvec, c.data(), get(v, 0), Y.data(), alias ? Y.data() : Z.data());
        return 0.0;
      });
    }
  }
  EXPECT_EQ(v.stock(0)->ops->nvlinearcombination, nullptr);  // the comparison is with the composition
  EXPECT_NE(v.fast(0)->ops->nvlinearcombination, nullptr);
}

// Dense matrices and the LU solver: random matrices (some with exact zeros, so that pivoting, skipped updates and
// singular matrices all occur), factorised and solved by both, compared bit for bit.
struct MatrixDeleter {
  void operator()(_generic_SUNMatrix* m) const { SUNMatDestroy(m); }
};
struct SolverDeleter {
  void operator()(_generic_SUNLinearSolver* s) const { SUNLinSolFree(s); }
};
using Matrix = std::unique_ptr<_generic_SUNMatrix, MatrixDeleter>;
using Solver = std::unique_ptr<_generic_SUNLinearSolver, SolverDeleter>;

bool same_matrix(SUNMatrix a, SUNMatrix b) {
  return SM_LDATA_D(a) == SM_LDATA_D(b) &&
         std::memcmp(SM_DATA_D(a), SM_DATA_D(b), static_cast<std::size_t>(SM_LDATA_D(a)) * sizeof(double)) ==
             0;
}

class DenseOps : public ::testing::TestWithParam<sunindextype> {
 protected:
  Context context;
  std::mt19937_64 rng{7};
  sunindextype n = GetParam();
  Vector stock_x{N_VNew_Serial(n, context.ctx)}, fast_x{N_VNew_Serial(n, context.ctx)};
  Vector stock_b{N_VNew_Serial(n, context.ctx)}, fast_b{N_VNew_Serial(n, context.ctx)};
  Matrix stock_a{SUNDenseMatrix(n, n, context.ctx)}, fast_a{SUNDenseMatrix(n, n, context.ctx)};
  Solver stock_s{SUNLinSol_Dense(stock_x.get(), stock_a.get(), context.ctx)};
  Solver fast_s{SUNLinSol_Dense(fast_x.get(), fast_a.get(), context.ctx)};

  void SetUp() override {
    install_vector_ops(fast_x.get());
    install_vector_ops(fast_b.get());
    tolsim::detail::install_dense_ops(fast_a.get(), fast_s.get());
    SUNLinSolInitialize(stock_s.get());
    SUNLinSolInitialize(fast_s.get());
  }
  void fill(bool sparse) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::bernoulli_distribution zero(sparse ? 0.5 : 0.0);
    for (sunindextype k = 0; k < n * n; ++k) {
      const double value = zero(rng) ? 0.0 : u(rng) * std::pow(10.0, 3.0 * u(rng));
      SM_DATA_D(stock_a.get())[k] = SM_DATA_D(fast_a.get())[k] = value;
    }
    for (sunindextype i = 0; i < n; ++i) NV_Ith_S(stock_b.get(), i) = NV_Ith_S(fast_b.get(), i) = u(rng);
  }
};

TEST_P(DenseOps, FactoriseAndSolveLikeTheStockSolver) {
  int singular = 0;
  for (int round = 0; round < 200; ++round) {
    fill(round % 2 == 1);
    const int stock_setup = SUNLinSolSetup(stock_s.get(), stock_a.get());
    const int fast_setup = SUNLinSolSetup(fast_s.get(), fast_a.get());
    ASSERT_EQ(stock_setup, fast_setup) << "round " << round;
    ASSERT_EQ(SUNLinSolLastFlag(stock_s.get()), SUNLinSolLastFlag(fast_s.get()));
    ASSERT_TRUE(same_matrix(stock_a.get(), fast_a.get())) << "LU factors differ, round " << round;
    const auto* sp = static_cast<SUNLinearSolverContent_Dense>(stock_s->content)->pivots;
    const auto* fp = static_cast<SUNLinearSolverContent_Dense>(fast_s->content)->pivots;
    if (stock_setup != SUNLS_SUCCESS) {
      ++singular;
      continue;
    }
    ASSERT_TRUE(std::equal(sp, sp + n, fp));
    ASSERT_EQ(SUNLinSolSolve(stock_s.get(), stock_a.get(), stock_x.get(), stock_b.get(), 0.0),
              SUNLinSolSolve(fast_s.get(), fast_a.get(), fast_x.get(), fast_b.get(), 0.0));
    ASSERT_EQ(std::memcmp(NV_DATA_S(stock_x.get()), NV_DATA_S(fast_x.get()), static_cast<std::size_t>(n) * 8),
              0)
        << "solution differs, round " << round;
  }
  EXPECT_GT(singular, 0);  // the singular path was exercised
}

TEST_P(DenseOps, ScaleAddIdentityCopyAndClone) {
  for (double c : {-0.37, 1.0, 0.0, 2.5e-6}) {
    fill(true);
    ASSERT_EQ(SUNMatScaleAddI(c, stock_a.get()), SUNMatScaleAddI(c, fast_a.get()));
    ASSERT_TRUE(same_matrix(stock_a.get(), fast_a.get()));
    Matrix stock_clone{SUNMatClone(stock_a.get())}, fast_clone{SUNMatClone(fast_a.get())};
    EXPECT_EQ(fast_clone->ops->scaleaddi, fast_a->ops->scaleaddi);  // clones keep tolsim's operations
    ASSERT_EQ(SUNMatCopy(stock_a.get(), stock_clone.get()), SUNMatCopy(fast_a.get(), fast_clone.get()));
    ASSERT_TRUE(same_matrix(stock_clone.get(), fast_clone.get()));
    ASSERT_EQ(SUNMatZero(stock_clone.get()), SUNMatZero(fast_clone.get()));
    ASSERT_TRUE(same_matrix(stock_clone.get(), fast_clone.get()));
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, DenseOps, ::testing::Values(1, 2, 4, 7));

// Compressed-sparse-column matrices: random patterns with every diagonal entry (the in-place path) or with some
// missing (tolsim hands those to SUNDIALS, which inserts them), compared with the stock operations bit for bit.
bool same_sparse(SUNMatrix a, SUNMatrix b) {
  const sunindextype nnz = SM_INDEXPTRS_S(a)[SM_NP_S(a)];
  return SM_NNZ_S(a) == SM_NNZ_S(b) && SM_NP_S(a) == SM_NP_S(b) &&
         std::equal(SM_INDEXPTRS_S(a), SM_INDEXPTRS_S(a) + SM_NP_S(a) + 1, SM_INDEXPTRS_S(b)) &&
         std::equal(SM_INDEXVALS_S(a), SM_INDEXVALS_S(a) + nnz, SM_INDEXVALS_S(b)) &&
         std::memcmp(SM_DATA_S(a), SM_DATA_S(b), static_cast<std::size_t>(nnz) * sizeof(double)) == 0;
}

// An n x n CSC matrix holding `dense` (column-major) at the entries that are non-zero, plus the diagonal if asked.
Matrix sparse_from(const std::vector<double>& dense, sunindextype n, bool with_diagonal, SUNContext ctx) {
  std::vector<sunindextype> starts{0}, rows;
  std::vector<double> values;
  for (sunindextype j = 0; j < n; ++j) {
    for (sunindextype i = 0; i < n; ++i) {
      const double v = dense[static_cast<std::size_t>(i + j * n)];
      if (v == 0.0 && !(with_diagonal && i == j)) continue;
      rows.push_back(i);
      values.push_back(v);
    }
    starts.push_back(static_cast<sunindextype>(rows.size()));
  }
  Matrix m{
      SUNSparseMatrix(n, n, std::max<sunindextype>(1, static_cast<sunindextype>(rows.size())), CSC_MAT, ctx)};
  std::copy(starts.begin(), starts.end(), SM_INDEXPTRS_S(m.get()));
  std::copy(rows.begin(), rows.end(), SM_INDEXVALS_S(m.get()));
  std::copy(values.begin(), values.end(), SM_DATA_S(m.get()));
  return m;
}

TEST(SparseOps, ScaleAddIdentityCopyZeroAndCloneLikeTheStockOperations) {
  Context context;
  std::mt19937_64 rng{11};
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::bernoulli_distribution zero(0.6);
  int in_place = 0, inserted = 0;
  for (int round = 0; round < 60; ++round) {
    const sunindextype n = 1 + round % 9;
    std::vector<double> dense(static_cast<std::size_t>(n * n));
    for (double& v : dense) v = zero(rng) ? 0.0 : u(rng) * std::pow(10.0, 3.0 * u(rng));
    const bool with_diagonal = round % 3 != 0;
    Matrix stock = sparse_from(dense, n, with_diagonal, context.ctx);
    Matrix fast = sparse_from(dense, n, with_diagonal, context.ctx);
    tolsim::detail::install_sparse_ops(fast.get());
    const sunindextype before = SM_INDEXPTRS_S(fast.get())[n];
    for (double c : {-0.37, 1.0, 0.0, 2.5e-6}) {
      ASSERT_EQ(SUNMatScaleAddI(c, stock.get()), SUNMatScaleAddI(c, fast.get()));
      ASSERT_TRUE(same_sparse(stock.get(), fast.get())) << "round " << round << ", c = " << c;
    }
    (SM_INDEXPTRS_S(fast.get())[n] == before ? in_place : inserted) += 1;
    Matrix stock_clone{SUNMatClone(stock.get())}, fast_clone{SUNMatClone(fast.get())};
    EXPECT_EQ(fast_clone->ops->scaleaddi, fast->ops->scaleaddi);  // clones keep tolsim's operations
    ASSERT_EQ(SUNMatCopy(stock.get(), stock_clone.get()), SUNMatCopy(fast.get(), fast_clone.get()));
    ASSERT_TRUE(same_sparse(stock_clone.get(), fast_clone.get())) << "copy, round " << round;
    ASSERT_EQ(SUNMatZero(stock_clone.get()), SUNMatZero(fast_clone.get()));
    ASSERT_TRUE(same_sparse(stock_clone.get(), fast_clone.get())) << "zero, round " << round;
  }
  EXPECT_GT(in_place, 0);
  EXPECT_GT(inserted, 0);  // the hand-over to SUNDIALS was exercised
}

// Whole simulations of the shipped examples with their scenarios: identical numbers and identical solver work. The
// examples are small, so `auto` runs them dense; the ".sparse" cases force the sparse solver.
tolsim::SimulationResult run_example(const std::string& name, bool fast) {
  const bool sparse = name.ends_with(".sparse");
  const std::string stem = sparse ? name.substr(0, name.size() - 7) : name;
  tolsim::detail::set_fast_sundials_ops(fast);
  const std::string dir = std::string(TOLSIM_SOURCE_DIR) + "/examples/";
  const auto loaded = tolsim::model::load_model(dir + stem + ".yaml");
  tolsim::CompileOptions options;
  options.backend = tolsim::CompileOptions::Backend::kInterpreter;
  const tolsim::CompiledModel model = tolsim::compile_model(loaded.model, options);
  tolsim::Scenario scenario = tolsim::load_scenario(dir + stem + ".scenario.yaml");
  if (sparse) scenario.solver.linear_solver = tolsim::SolverOptions::LinearSolver::kSparse;
  const tolsim::SimulationSetup setup = tolsim::make_setup(model, scenario);
  auto result = tolsim::simulate(model, setup);
  tolsim::detail::set_fast_sundials_ops(true);
  return result;
}

class ExampleSimulation : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleSimulation, IsBitForBitTheSameWithStockOperations) {
  const auto stock = run_example(GetParam(), false);
  const auto fast = run_example(GetParam(), true);
  ASSERT_TRUE(stock.ok()) << stock.summary.message;
  ASSERT_TRUE(fast.ok()) << fast.summary.message;
  ASSERT_EQ(stock.values.size(), fast.values.size());
  EXPECT_EQ(std::memcmp(stock.values.data(), fast.values.data(), stock.values.size() * sizeof(double)), 0);
  EXPECT_EQ(stock.summary.stats.steps, fast.summary.stats.steps);
  EXPECT_EQ(stock.summary.stats.rhs_evaluations, fast.summary.stats.rhs_evaluations);
  EXPECT_EQ(stock.summary.stats.jacobian_evaluations, fast.summary.stats.jacobian_evaluations);
  EXPECT_EQ(stock.summary.stats.error_test_failures, fast.summary.stats.error_test_failures);
  EXPECT_GT(fast.summary.stats.steps, 50);  // a real solve, not a trivial one
  EXPECT_EQ(fast.summary.options.linear_solver, GetParam().ends_with(".sparse")
                                                    ? tolsim::SolverOptions::LinearSolver::kSparse
                                                    : tolsim::SolverOptions::LinearSolver::kDense);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleSimulation,
                         ::testing::Values("robertson", "pk-two-compartment", "immune-th17-treg",
                                           "robertson.sparse", "immune-th17-treg.sparse"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

}  // namespace
