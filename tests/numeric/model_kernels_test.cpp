// The compiled kernels of every example model, checked two independent ways:
//  - the symbolic Jacobian against central finite differences of the right-hand side;
//  - the native code against the interpreter (both run the same schedule; required to agree to 1e-12 relative).
// Points: the initial state and wide deterministic perturbations of it.
// Also: the Jacobian's declared pattern (CompiledModel::jacobian_positions, what the sparse solver factorises) covers
// every entry the kernel writes, for the examples and the curated models; and on the RA model the sparse and dense
// linear solvers give the same trajectories.
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "support/example_run.hpp"

namespace tolsim::testing {
namespace {

using Backend = CompileOptions::Backend;

struct Example {
  const char* model;
  const char* scenario;
};

const Example kExamples[] = {
    {"examples/robertson.yaml", "examples/robertson.scenario.yaml"},
    {"examples/pk-two-compartment.yaml", "examples/pk-two-compartment.scenario.yaml"},
    {"examples/immune-th17-treg.yaml", "examples/immune-th17-treg.scenario.yaml"},
};

// States to test at: y0 and 20 deterministic perturbations of it, each component scaled by 0.2 to 5 (zeros
// replaced by values in [0, 4.8]), which covers the orders of magnitude the trajectories visit.
std::vector<std::vector<double>> points(const CompiledModel& m, const std::vector<double>& p) {
  std::vector<double> params = p;
  std::vector<double> y0 = m.initial_state(params);
  std::vector<std::vector<double>> out{y0};
  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> factor(0.2, 5.0);
  for (int k = 0; k < 20; ++k) {
    std::vector<double> y = y0;
    for (double& v : y) v = (v == 0.0 ? factor(rng) - 0.2 : v * factor(rng));
    out.push_back(y);
  }
  return out;
}

// Every non-zero entry of a dense Jacobian is in the model's pattern, which is strictly ascending.
void expect_pattern_covers(const CompiledModel& m, const std::vector<double>& jac) {
  const auto& positions = m.jacobian_positions;
  EXPECT_TRUE(std::adjacent_find(positions.begin(), positions.end(), std::greater_equal<int>()) ==
              positions.end())
      << "positions must be strictly ascending";
  const int n = m.n_states();
  for (int k = 0; k < n * n; ++k) {
    if (jac[static_cast<std::size_t>(k)] == 0.0) continue;
    EXPECT_TRUE(std::binary_search(positions.begin(), positions.end(), k))
        << "d f" << k % n << " / d y" << k / n << " = " << jac[static_cast<std::size_t>(k)]
        << " is outside the pattern";
  }
}

class ExampleKernels : public ::testing::TestWithParam<Example> {};

INSTANTIATE_TEST_SUITE_P(Examples, ExampleKernels, ::testing::ValuesIn(kExamples),
                         [](const ::testing::TestParamInfo<Example>& p) {
                           std::string name = p.param.model;
                           name = name.substr(name.find('/') + 1);
                           name = name.substr(0, name.find('.'));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST_P(ExampleKernels, JacobianMatchesCentralDifferences) {
  const CompiledModel m = compile_file(source_path(GetParam().model), Backend::kNative);
  std::vector<double> p = m.default_parameters();
  (void)m.initial_state(p);  // fills derived parameters
  const int n = m.n_states();
  std::vector<double> u(static_cast<std::size_t>(n), 0.0), jac(static_cast<std::size_t>(n * n)),
      fp(static_cast<std::size_t>(n)), fm(static_cast<std::size_t>(n));
  int checked = 0;
  for (const auto& y : points(m, p)) {
    m.kernels->eval(m.kernel.jacobian, 1.0, y.data(), p.data(), u.data(), jac.data());
    expect_pattern_covers(m, jac);
    for (int j = 0; j < n; ++j) {
      // Central difference: truncation error O(h^2 f'''), rounding O(eps |f| / h); h = 1e-5 |y_j| balances both
      // for these smooth functions, leaving a relative error near 1e-8 to 1e-10.
      const double h = 1e-5 * std::max(std::abs(y[static_cast<std::size_t>(j)]), 1e-3);
      std::vector<double> yp = y, ym = y;
      yp[static_cast<std::size_t>(j)] += h;
      ym[static_cast<std::size_t>(j)] -= h;
      m.kernels->eval(m.kernel.rhs, 1.0, yp.data(), p.data(), u.data(), fp.data());
      m.kernels->eval(m.kernel.rhs, 1.0, ym.data(), p.data(), u.data(), fm.data());
      for (int i = 0; i < n; ++i) {
        const double fd = (fp[static_cast<std::size_t>(i)] - fm[static_cast<std::size_t>(i)]) / (2 * h);
        const double exact = jac[static_cast<std::size_t>(i + j * n)];
        // Scale by the size of the row's terms so that a near-cancelling entry is judged fairly.
        const double scale = std::max({std::abs(exact), std::abs(fd),
                                       std::abs(fp[static_cast<std::size_t>(i)]) /
                                           std::max(std::abs(y[static_cast<std::size_t>(j)]), 1e-3)});
        EXPECT_NEAR(exact, fd, 1e-6 * scale + 1e-12) << "d f" << i << " / d y" << j;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_P(ExampleKernels, NativeAndInterpreterAgreeTo1e12) {
  const CompiledModel native = compile_file(source_path(GetParam().model), Backend::kNative);
  const CompiledModel interp = compile_file(source_path(GetParam().model), Backend::kInterpreter);
  ASSERT_EQ(native.kernels->backend(), "native");
  ASSERT_EQ(interp.kernels->backend(), "interpreter");
  ASSERT_EQ(native.kernels->count(), interp.kernels->count());
  std::vector<double> p = native.default_parameters();
  (void)native.initial_state(p);
  const int n = native.n_states();
  std::vector<double> u(static_cast<std::size_t>(n), 0.5);
  std::size_t size = static_cast<std::size_t>(
      std::max({n * n, native.n_outputs(), static_cast<int>(native.relations.size())}) + 2 + n);
  double worst = 0;
  for (const auto& y : points(native, p)) {
    for (int k = 0; k < native.kernels->count(); ++k) {
      std::vector<double> a(size, -7.0), b(size, -7.0);
      native.kernels->eval(k, 2.5, y.data(), p.data(), u.data(), a.data());
      interp.kernels->eval(k, 2.5, y.data(), p.data(), u.data(), b.data());
      for (std::size_t i = 0; i < size; ++i) {
        if (std::isnan(a[i]) && std::isnan(b[i])) continue;
        const double rel = std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-300);
        if (a[i] != b[i]) worst = std::max(worst, rel);
        ASSERT_LE(std::abs(a[i] - b[i]), 1e-12 * std::abs(b[i])) << "kernel " << k << " output " << i;
      }
    }
  }
  RecordProperty("largest_relative_difference", std::to_string(worst));
}

TEST_P(ExampleKernels, NativeAndInterpreterSimulationsAgree) {
  ExampleRun a = run_example(GetParam().model, GetParam().scenario, Backend::kNative);
  ExampleRun b = run_example(GetParam().model, GetParam().scenario, Backend::kInterpreter);
  ASSERT_TRUE(a.result.ok() && b.result.ok());
  ASSERT_EQ(a.result.values.size(), b.result.values.size());
  // Identical kernels give identical steps; any last-bit difference of the C library would be amplified at most by
  // the solver's error control, far below 1e-9.
  for (std::size_t i = 0; i < a.result.values.size(); ++i)
    EXPECT_NEAR(a.result.values[i], b.result.values[i], 1e-9 * std::abs(b.result.values[i]) + 1e-300);
  EXPECT_EQ(a.result.summary.stats.steps, b.result.summary.stats.steps);
}

class CuratedModelKernels : public ::testing::TestWithParam<const char*> {};

TEST_P(CuratedModelKernels, JacobianPatternCoversEveryEntryTheKernelWrites) {
  const CompiledModel m = compile_file(source_path(GetParam()), Backend::kNative);
  std::vector<double> p = m.default_parameters();
  (void)m.initial_state(p);
  const int n = m.n_states();
  std::vector<double> u(static_cast<std::size_t>(n), 0.0), jac(static_cast<std::size_t>(n * n));
  for (const auto& y : points(m, p)) {
    m.kernels->eval(m.kernel.jacobian, 1.0, y.data(), p.data(), u.data(), jac.data());
    expect_pattern_covers(m, jac);
  }
  // Sparse enough to be worth a sparse solver: at most a fifth of the entries.
  EXPECT_LE(m.jacobian_positions.size() * 5, static_cast<std::size_t>(n * n));
}

INSTANTIATE_TEST_SUITE_P(Models, CuratedModelKernels,
                         ::testing::Values("models/immune-core.yaml", "models/ra.yaml", "models/ra-msc.yaml"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = p.param;
                           name = name.substr(name.find('/') + 1);
                           name = name.substr(0, name.find('.'));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// One patient of the RA model (53 states) through 7.5 years and 104 weekly methotrexate doses
// (bench/data/ra-methotrexate.scenario.yaml), solved with KLU (what `auto` picks at this size) and with dense LU.
// The two differ only in rounding inside the Newton iteration, so at rtol 1e-8 every output agrees to well within
// 1e-5 of its size (or of 1e-9 for values near 0).
TEST(CuratedModelSolvers, SparseAndDenseLinearSolversAgreeOnTheRaModel) {
  const CompiledModel m = compile_file(source_path("models/ra.yaml"), Backend::kNative);
  Scenario s = load_scenario(source_path("bench/data/ra-methotrexate.scenario.yaml"));
  s.solver.rtol = 1e-8;
  const SimulationResult sparse = simulate(m, make_setup(m, s));
  s.solver.linear_solver = SolverOptions::LinearSolver::kDense;
  const SimulationResult dense = simulate(m, make_setup(m, s));
  ASSERT_TRUE(sparse.ok()) << sparse.summary.message;
  ASSERT_TRUE(dense.ok()) << dense.summary.message;
  EXPECT_EQ(sparse.summary.options.linear_solver, SolverOptions::LinearSolver::kSparse);
  EXPECT_EQ(dense.summary.options.linear_solver, SolverOptions::LinearSolver::kDense);
  ASSERT_EQ(sparse.values.size(), dense.values.size());
  for (std::size_t i = 0; i < sparse.values.size(); ++i)
    EXPECT_NEAR(sparse.values[i], dense.values[i], 1e-5 * std::abs(dense.values[i]) + 1e-9)
        << sparse.columns[i % sparse.columns.size()] << " at t = " << sparse.times[i / sparse.columns.size()];
  EXPECT_GT(sparse.summary.stats.steps, 1000);  // the weekly doses were resolved
}

}  // namespace
}  // namespace tolsim::testing
