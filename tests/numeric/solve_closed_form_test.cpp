// The solver against closed-form solutions and literature reference values.
//
// Every expected value below is computed in the test from a closed form (stated next to it) or copied from the
// literature (Robertson). The models are hand-built CompiledModels (tests/support/hand_model.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "support/hand_model.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim {
namespace {

using test::grid;
using test::HandModel;
using test::make_setup;
using Mode = SolverOptions::JacobianMode;

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected))
      << what << ": actual " << actual << ", expected " << expected;
}

class JacobianModes : public ::testing::TestWithParam<Mode> {};

// y' = -k y, y(0) = y0  =>  y(t) = y0 exp(-k t).
TEST_P(JacobianModes, ExponentialDecayMatchesClosedForm) {
  HandModel m("decay");
  const int y = m.state("y", 2.0);
  const int k = m.parameter("k", 0.7);
  m.rhs = [=](double, const double* s, const double* p, double* f) { f[y] = -p[k] * s[y]; };
  m.jacobian = [=](double, const double*, const double* p, double* j) { j[0] = -p[k]; };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 10.0, grid(0.0, 10.0, 40));
  setup.options.jacobian = GetParam();
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  ASSERT_EQ(r.times.size(), 41u);
  for (std::size_t i = 0; i < r.times.size(); ++i)
    expect_relative(r.at(i, 0), 2.0 * std::exp(-0.7 * r.times[i]), 1e-6, "y");
  EXPECT_EQ(r.summary.options.jacobian, GetParam());
  EXPECT_EQ(r.summary.backend, "test");
}

// y' = r y (1 - y/K)  =>  y(t) = K y0 e^{rt} / (K + y0 (e^{rt} - 1)).
TEST_P(JacobianModes, LogisticGrowthMatchesClosedForm) {
  HandModel m("logistic");
  const int y = m.state("y", 1.0);
  const int r = m.parameter("r", 1.2);
  const int cap = m.parameter("K", 100.0);
  m.rhs = [=](double, const double* s, const double* p, double* f) {
    f[y] = p[r] * s[y] * (1.0 - s[y] / p[cap]);
  };
  m.jacobian = [=](double, const double* s, const double* p, double* j) {
    j[0] = p[r] * (1.0 - 2.0 * s[y] / p[cap]);
  };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 15.0, grid(0.0, 15.0, 30));
  setup.options.jacobian = GetParam();
  const SimulationResult res = simulate(model, setup);
  ASSERT_TRUE(res.ok()) << res.summary.message;
  for (std::size_t i = 0; i < res.times.size(); ++i) {
    const double e = std::exp(1.2 * res.times[i]);
    expect_relative(res.at(i, 0), 100.0 * 1.0 * e / (100.0 + 1.0 * (e - 1.0)), 1e-6, "y");
  }
}

// Robertson's chemical kinetics (the classic stiff test):
//   y1' = -k1 y1 + k3 y2 y3,  y2' = k1 y1 - k2 y2^2 - k3 y2 y3,  y3' = k2 y2^2,
//   k1 = 0.04, k2 = 3e7, k3 = 1e4, y(0) = (1, 0, 0).
// Reference at t = 40 (Hairer & Wanner, Solving ODEs II; also SUNDIALS' cvRoberts_dns answer file):
//   y1 = 0.7158271, y2 = 9.185535e-6, y3 = 0.2841637.
// Its Jacobian counts its calls. The pattern of structural non-zeros (i + 3k) is given too, all
// but the (2, 2) entry, so that the sparse solver's path that adds the diagonal is exercised.
CompiledModel robertson(const std::shared_ptr<long>& jacobian_calls) {
  HandModel m("robertson");
  const int a = m.state("y1", 1.0, true);
  const int b = m.state("y2", 0.0, true);
  const int c = m.state("y3", 0.0, true);
  const int k1 = m.parameter("k1", 0.04), k2 = m.parameter("k2", 3e7), k3 = m.parameter("k3", 1e4);
  m.rhs = [=](double, const double* y, const double* p, double* f) {
    f[a] = -p[k1] * y[a] + p[k3] * y[b] * y[c];
    f[b] = p[k1] * y[a] - p[k2] * y[b] * y[b] - p[k3] * y[b] * y[c];
    f[c] = p[k2] * y[b] * y[b];
  };
  m.jacobian = [=](double, const double* y, const double* p, double* j) {
    ++*jacobian_calls;
    // Column-major: j[i + 3 * k] = d f_i / d y_k.
    j[0 + 3 * 0] = -p[k1];
    j[0 + 3 * 1] = p[k3] * y[c];
    j[0 + 3 * 2] = p[k3] * y[b];
    j[1 + 3 * 0] = p[k1];
    j[1 + 3 * 1] = -2.0 * p[k2] * y[b] - p[k3] * y[c];
    j[1 + 3 * 2] = -p[k3] * y[b];
    j[2 + 3 * 0] = 0.0;
    j[2 + 3 * 1] = 2.0 * p[k2] * y[b];
    j[2 + 3 * 2] = 0.0;
  };
  m.jacobian_positions = {0, 1, 3, 4, 5, 6, 7};
  m.output_states();
  return m.build();
}

void expect_robertson_reference(const SimulationResult& r) {
  ASSERT_EQ(r.times.back(), 40.0);
  const std::size_t last = r.times.size() - 1;
  expect_relative(r.at(last, 0), 0.7158271, 1e-4, "y1");
  expect_relative(r.at(last, 1), 9.185535e-6, 1e-4, "y2");
  expect_relative(r.at(last, 2), 0.2841637, 1e-4, "y3");
  // Mass conservation: y1 + y2 + y3 = 1 exactly for the exact solution (the three rates sum to zero).
  EXPECT_NEAR(r.at(last, 0) + r.at(last, 1) + r.at(last, 2), 1.0, 1e-7);
}

TEST_P(JacobianModes, RobertsonMatchesReferenceValues) {
  auto jacobian_calls = std::make_shared<long>(0);
  const CompiledModel model = robertson(jacobian_calls);
  SimulationSetup setup = make_setup(model, 40.0, {0.0, 0.4, 4.0, 40.0}, 1e-8, 1e-14);
  setup.options.jacobian = GetParam();
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  expect_robertson_reference(r);
  // Three states: `auto` keeps the dense solver.
  EXPECT_EQ(r.summary.options.linear_solver, SolverOptions::LinearSolver::kDense);

  const SolverStats& s = r.summary.stats;
  EXPECT_GT(s.steps, 0);
  EXPECT_GE(s.rhs_evaluations, s.steps);
  EXPECT_GT(s.nonlinear_iterations, 0);
  EXPECT_GT(s.jacobian_evaluations, 0);
  EXPECT_EQ(s.restarts, 0);  // no discontinuities
  if (GetParam() == Mode::kAnalytic) {
    EXPECT_EQ(*jacobian_calls, s.jacobian_evaluations);
  } else {
    EXPECT_EQ(*jacobian_calls, 0);
    // Each difference-quotient Jacobian costs one RHS call per state.
    EXPECT_GE(s.rhs_evaluations, s.steps + 3 * s.jacobian_evaluations);
  }
}

INSTANTIATE_TEST_SUITE_P(Solve, JacobianModes, ::testing::Values(Mode::kAnalytic, Mode::kFiniteDifference),
                         [](const auto& param_info) {
                           return param_info.param == Mode::kAnalytic ? "Analytic" : "FiniteDifference";
                         });

// The sparse (KLU) solver on the same problem: the same reference values. It needs the Jacobian function, so with
// difference quotients the run falls back to dense and says so.
TEST(SolveClosedFormTest, RobertsonWithTheSparseSolverMatchesReferenceValues) {
  auto jacobian_calls = std::make_shared<long>(0);
  const CompiledModel model = robertson(jacobian_calls);
  SimulationSetup setup = make_setup(model, 40.0, {0.0, 0.4, 4.0, 40.0}, 1e-8, 1e-14);
  setup.options.linear_solver = SolverOptions::LinearSolver::kSparse;
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.summary.options.linear_solver, SolverOptions::LinearSolver::kSparse);
  expect_robertson_reference(r);
  EXPECT_GT(*jacobian_calls, 0);
  EXPECT_EQ(*jacobian_calls, r.summary.stats.jacobian_evaluations);

  setup.options.jacobian = Mode::kFiniteDifference;
  const SimulationResult fd = simulate(model, setup);
  ASSERT_TRUE(fd.ok()) << fd.summary.message;
  EXPECT_EQ(fd.summary.options.linear_solver, SolverOptions::LinearSolver::kDense);
  expect_robertson_reference(fd);
}

TEST(SolveClosedFormTest, AnalyticRequestWithoutJacobianKernelFallsBackToDifferenceQuotients) {
  HandModel m("decay");
  const int y = m.state("y", 1.0);
  m.rhs = [=](double, const double* s, const double*, double* f) { f[y] = -s[y]; };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 1.0, {1.0});
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.summary.options.jacobian, Mode::kFiniteDifference);
  expect_relative(r.at(0, 0), std::exp(-1.0), 1e-6, "y");  // y = e^{-t}
}

// Linear one-compartment PK, A' = -k A, IV boluses of D at 0, 12, 24, 36 h. By superposition of the single-dose
// solution D exp(-k (t - t_i)): A(t) = sum over t_i <= t of D exp(-k (t - t_i)). Values reported at a dose time
// include that dose (simulation.hpp).
TEST(SolveClosedFormTest, OneCompartmentRepeatedBolusesBySuperposition) {
  HandModel m("pk1");
  const int amount = m.state("A", 0.0, true);
  const int k = m.parameter("k", std::log(2.0) / 6.0);  // half-life 6 h
  const int volume = m.parameter("V", 20.0);
  m.rhs = [=](double, const double* y, const double* p, double* f) { f[amount] = -p[k] * y[amount]; };
  m.jacobian = [=](double, const double*, const double* p, double* j) { j[0] = -p[k]; };
  m.output_states();
  m.output("C", [=](double, const double* y, const double* p) { return y[amount] / p[volume]; });
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 48.0, grid(0.0, 48.0, 96));
  const std::vector<double> dose_times = {0.0, 12.0, 24.0, 36.0};
  for (const double t : dose_times) setup.boluses.push_back({t, amount, 100.0});
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const double kk = std::log(2.0) / 6.0;
  for (std::size_t i = 0; i < r.times.size(); ++i) {
    double expected = 0.0;
    for (const double td : dose_times)
      if (td <= r.times[i]) expected += 100.0 * std::exp(-kk * (r.times[i] - td));
    expect_relative(r.at(i, 0), expected, 1e-6, "A");
    expect_relative(r.at(i, 1), expected / 20.0, 1e-6, "C");
  }
  EXPECT_EQ(r.summary.stats.doses_given, 4);
  EXPECT_EQ(r.summary.stats.restarts, 3);  // the dose at t_start precedes the first initialisation
}

// Zero-order infusion into A' = -k A + R: rate R = amount / duration from t1 to t2.
//   t <= t1: A = 0;  t1 <= t <= t2: A = R/k (1 - exp(-k (t - t1)));  t >= t2: A(t2) exp(-k (t - t2)).
TEST(SolveClosedFormTest, OneCompartmentInfusionMatchesClosedForm) {
  HandModel m("pk1");
  const int amount = m.state("A", 0.0, true);
  const int k = m.parameter("k", 0.25);
  m.rhs = [=](double, const double* y, const double* p, double* f) { f[amount] = -p[k] * y[amount]; };
  m.jacobian = [=](double, const double*, const double* p, double* j) { j[0] = -p[k]; };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 20.0, grid(0.0, 20.0, 80));
  const double t1 = 2.0, t2 = 5.0, dose = 30.0, rate = dose / (t2 - t1);
  setup.infusions.push_back({t1, t2, amount, rate});
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const auto exact = [&](double t) {
    if (t <= t1) return 0.0;
    if (t <= t2) return rate / 0.25 * (1.0 - std::exp(-0.25 * (t - t1)));
    return rate / 0.25 * (1.0 - std::exp(-0.25 * (t2 - t1))) * std::exp(-0.25 * (t - t2));
  };
  for (std::size_t i = 0; i < r.times.size(); ++i) {
    if (r.times[i] <= t1)
      EXPECT_EQ(r.at(i, 0), 0.0) << "t = " << r.times[i];
    else
      expect_relative(r.at(i, 0), exact(r.times[i]), 1e-6, "A");
  }
  EXPECT_EQ(r.summary.stats.doses_given, 1);
  EXPECT_EQ(r.summary.stats.restarts, 2);  // infusion start and end
}

// Two-compartment PK with IV boluses into the central compartment:
//   A1' = -(k10 + k12) A1 + k21 A2,  A2' = k12 A1 - k21 A2.
// Macro-constants: alpha, beta = ((k10 + k12 + k21) +- sqrt((k10 + k12 + k21)^2 - 4 k10 k21)) / 2, and for one
// dose D at time 0 (Gibaldi & Perrier, Pharmacokinetics, ch. 2):
//   A1 = D [(alpha - k21) e^{-alpha t} + (k21 - beta) e^{-beta t}] / (alpha - beta)
//   A2 = D k12 (e^{-beta t} - e^{-alpha t}) / (alpha - beta)
// Repeated doses by superposition.
TEST(SolveClosedFormTest, TwoCompartmentRepeatedBolusesMatchBiexponential) {
  const double k10 = 0.3, k12 = 0.5, k21 = 0.2, dose = 100.0;
  HandModel m("pk2");
  const int a1 = m.state("A1", 0.0, true);
  const int a2 = m.state("A2", 0.0, true);
  const int p10 = m.parameter("k10", k10), p12 = m.parameter("k12", k12), p21 = m.parameter("k21", k21);
  m.rhs = [=](double, const double* y, const double* p, double* f) {
    f[a1] = -(p[p10] + p[p12]) * y[a1] + p[p21] * y[a2];
    f[a2] = p[p12] * y[a1] - p[p21] * y[a2];
  };
  m.jacobian = [=](double, const double*, const double* p, double* j) {
    j[0] = -(p[p10] + p[p12]);
    j[1] = p[p12];
    j[2] = p[p21];
    j[3] = -p[p21];
  };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 30.0, grid(0.0, 30.0, 120));
  const std::vector<double> dose_times = {0.0, 8.0, 16.0};
  for (const double t : dose_times) setup.boluses.push_back({t, a1, dose});
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;

  const double sum = k10 + k12 + k21;
  const double root = std::sqrt(sum * sum - 4.0 * k10 * k21);
  const double alpha = (sum + root) / 2.0, beta = (sum - root) / 2.0;
  for (std::size_t i = 0; i < r.times.size(); ++i) {
    double e1 = 0.0, e2 = 0.0;
    for (const double td : dose_times) {
      if (td > r.times[i]) continue;
      const double s = r.times[i] - td;
      e1 +=
          dose * ((alpha - k21) * std::exp(-alpha * s) + (k21 - beta) * std::exp(-beta * s)) / (alpha - beta);
      e2 += dose * k12 * (std::exp(-beta * s) - std::exp(-alpha * s)) / (alpha - beta);
    }
    expect_relative(r.at(i, 0), e1, 1e-6, "A1");
    if (r.times[i] > 0.0) expect_relative(r.at(i, 1), e2, 1e-6, "A2");
  }
}

// The streaming interface hands over the same rows as the table version, at exactly the requested times.
TEST(SolveClosedFormTest, ObserverReceivesEveryRequestedTime) {
  HandModel m("decay");
  const int y = m.state("y", 1.0);
  m.rhs = [=](double, const double* s, const double*, double* f) { f[y] = -s[y]; };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 3.0, {0.0, 0.5, 0.5, 1.25, 3.0});
  test::RecordingObserver observer;
  const SolveSummary summary = simulate(model, setup, observer);
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_EQ(observer.times, setup.output_times);
  for (std::size_t i = 0; i < observer.times.size(); ++i)
    expect_relative(observer.rows[i][0], std::exp(-observer.times[i]), 1e-6, "y");  // y = e^{-t}
  const SimulationResult table = simulate(model, setup);
  EXPECT_EQ(table.columns, std::vector<std::string>{"y"});
  EXPECT_EQ(table.column("y")[3], observer.rows[3][0]);
  EXPECT_THROW((void)table.column("z"), std::out_of_range);
}

}  // namespace
}  // namespace tolsim
