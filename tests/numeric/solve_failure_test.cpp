// Failure paths: every failure is a status with a time and a reason, never an exception or an abort. Also the
// CompiledModel accessors the solver relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "support/hand_model.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim {
namespace {

using expr::Op;
using test::HandModel;
using test::make_setup;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// y' = -y, but the right-hand side is NaN from t = 1 on.
TEST(SolveFailureTest, NonFiniteRightHandSideIsASolverFailure) {
  HandModel m("nan");
  const int y = m.state("y", 1.0);
  m.rhs = [=](double t, const double* s, const double*, double* f) {
    f[y] = t < 1.0 ? -s[y] : std::numeric_limits<double>::quiet_NaN();
  };
  m.output_states();
  const CompiledModel model = m.build();
  const SimulationSetup setup = make_setup(model, 2.0, {0.5, 1.5, 2.0});
  test::RecordingObserver observer;
  SolveSummary summary;
  EXPECT_NO_THROW(summary = simulate(model, setup, observer));
  EXPECT_EQ(summary.status, SolveStatus::kSolverFailure);
  EXPECT_TRUE(contains(summary.message, "CVODES failed")) << summary.message;
  EXPECT_TRUE(contains(summary.message, "the derivative of 'y' is nan")) << summary.message;
  // The last time reached lies before the region where the RHS is NaN, and after the last delivered output.
  EXPECT_GT(summary.t_failure, 0.5);
  EXPECT_LE(summary.t_failure, 1.0);
  EXPECT_EQ(observer.times, std::vector<double>{0.5});
}

// Robertson (see solve_closed_form_test.cpp) needs hundreds of steps to reach t = 40; five are not enough.
TEST(SolveFailureTest, TooFewStepsReportsCvodesReason) {
  HandModel m("robertson");
  const int a = m.state("y1", 1.0), b = m.state("y2", 0.0), c = m.state("y3", 0.0);
  m.rhs = [=](double, const double* y, const double*, double* f) {
    f[a] = -0.04 * y[a] + 1e4 * y[b] * y[c];
    f[b] = 0.04 * y[a] - 3e7 * y[b] * y[b] - 1e4 * y[b] * y[c];
    f[c] = 3e7 * y[b] * y[b];
  };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 40.0, {40.0});
  setup.options.max_steps = 5;
  const SimulationResult r = simulate(model, setup);
  EXPECT_EQ(r.summary.status, SolveStatus::kSolverFailure);
  EXPECT_TRUE(contains(r.summary.message, "CV_TOO_MUCH_WORK")) << r.summary.message;
  EXPECT_TRUE(contains(r.summary.message, "mxstep")) << r.summary.message;
  EXPECT_GT(r.summary.t_failure, 0.0);
  EXPECT_LT(r.summary.t_failure, 40.0);
  EXPECT_EQ(r.summary.stats.steps, 5);
  EXPECT_TRUE(r.times.empty());
  EXPECT_EQ(r.summary.options.max_steps, 5);
}

// A model where x' = -x, x(0) = 1, with one output, a parameter k and a constrained state.
CompiledModel simple_model() {
  HandModel m("simple");
  const int x = m.state("x", 1.0, true);
  const int k = m.parameter("k", 1.0);
  m.rhs = [=](double, const double* y, const double* p, double* f) { f[x] = -p[k] * y[x]; };
  m.output_states();
  return m.build();
}

struct SetupCase {
  const char* name;
  std::function<void(SimulationSetup&)> spoil;
  const char* message;
};

void PrintTo(const SetupCase& c, std::ostream* os) {
  *os << c.name;
}

class InvalidSetup : public ::testing::TestWithParam<SetupCase> {};

TEST_P(InvalidSetup, IsReportedBeforeIntegration) {
  const CompiledModel model = simple_model();
  SimulationSetup setup = make_setup(model, 2.0, {0.0, 1.0, 2.0});
  GetParam().spoil(setup);
  test::RecordingObserver observer;
  SolveSummary summary;
  EXPECT_NO_THROW(summary = simulate(model, setup, observer));
  EXPECT_EQ(summary.status, SolveStatus::kInvalidSetup);
  EXPECT_TRUE(contains(summary.message, GetParam().message)) << summary.message;
  EXPECT_TRUE(observer.times.empty());
  EXPECT_EQ(summary.stats.steps, 0);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

INSTANTIATE_TEST_SUITE_P(
    Solve, InvalidSetup,
    ::testing::Values(
        SetupCase{"ParameterCount", [](SimulationSetup& s) { s.parameters.pop_back(); },
                  "parameters: expected 2 values (one per model parameter), got 1"},
        SetupCase{"NonFiniteParameter", [](SimulationSetup& s) { s.parameters[1] = kNaN; },
                  "parameter 'k' = nan: must be finite"},
        SetupCase{"EndBeforeStart",
                  [](SimulationSetup& s) {
                    s.t_end = -1.0;
                    s.output_times.clear();
                  },
                  "t_end = -1 is before t_start = 0"},
        SetupCase{"UnsortedOutputs",
                  [](SimulationSetup& s) {
                    s.output_times = {0.0, 2.0, 1.0};
                  },
                  "output_times[2] = 1 comes after 2: output times must be ascending"},
        SetupCase{"OutputOutOfRange",
                  [](SimulationSetup& s) {
                    s.output_times = {0.0, 3.0};
                  },
                  "output_times[1] = 3 is outside [t_start, t_end] = [0, 2]"},
        SetupCase{"BolusState",
                  [](SimulationSetup& s) {
                    s.boluses = {{1.0, 7, 1.0}};
                  },
                  "boluses[0]: state index 7 is not one of the model's 1 states"},
        SetupCase{"BolusAmount",
                  [](SimulationSetup& s) {
                    s.boluses = {{1.0, 0, kNaN}};
                  },
                  "boluses[0].amount = nan: must be finite"},
        SetupCase{"BolusBeforeStart",
                  [](SimulationSetup& s) {
                    s.boluses = {{-1.0, 0, 1.0}};
                  },
                  "boluses[0].time = -1 is before t_start = 0"},
        SetupCase{"InfusionEndBeforeStart",
                  [](SimulationSetup& s) {
                    s.infusions = {{1.5, 1.0, 0, 1.0}};
                  },
                  "infusions[0]: end = 1 is before start = 1.5"},
        SetupCase{"InfusionState",
                  [](SimulationSetup& s) {
                    s.infusions = {{0.0, 1.0, -1, 1.0}};
                  },
                  "infusions[0]: state index -1 is not one of the model's 1 states"},
        SetupCase{"NegativeConstrainedInitialValue", [](SimulationSetup& s) { s.parameters[0] = -1.0; },
                  "initial value of 'x' = -1 is negative, but 'x' is constrained non-negative"},
        SetupCase{"NonFiniteInitialValue", [](SimulationSetup& s) { s.parameters[0] = kNaN; },
                  "parameter 'x' = nan: must be finite"},
        SetupCase{"InvalidOptions",
                  [](SimulationSetup& s) {
                    s.options.rtol = -1e-6;
                    s.options.max_order = 9;
                  },
                  "solver.rtol = -1e-06: must be > 0\nsolver.max_order = 9: must be between 1 and 5"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// With the constraint switched off, a negative initial value is legitimate.
TEST(SolveFailureTest, NegativeInitialValueIsFineWithoutConstraints) {
  const CompiledModel model = simple_model();
  SimulationSetup setup = make_setup(model, 1.0, {1.0});
  setup.parameters[0] = -1.0;
  setup.options.enforce_nonnegative = false;
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.at(0, 0), -std::exp(-1.0), 1e-7);  // x = x0 e^{-t}
}

// From t = 2, event "off" (x > 0.5 and time >= 2) sets x = 0 and event "on" (x < 0.5 and time >= 2) sets x = 1:
// each execution re-triggers the other, forever, at t = 2.
TEST(SolveFailureTest, EventCascadeStopsAtTheLimit) {
  HandModel m("flip_flop");
  const int x = m.state("x", 1.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
  m.output_states();
  const int late = m.time_relation(Op::kGe, 2.0);
  const int high = m.relation(Op::kGt, [=](double, const double* y, const double*) { return y[x] - 0.5; });
  const int low = m.relation(Op::kLt, [=](double, const double* y, const double*) { return y[x] - 0.5; });
  const int off = m.event("off", {high, late});
  const int on = m.event("on", {low, late});
  m.assign(off, x, [](double, const double*, const double*) { return 0.0; });
  m.assign(on, x, [](double, const double*, const double*) { return 1.0; });
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 3.0, {1.0, 3.0});
  setup.options.max_events_per_time = 50;
  const SimulationResult r = simulate(model, setup);
  EXPECT_EQ(r.summary.status, SolveStatus::kEventCascade);
  EXPECT_EQ(r.summary.t_failure, 2.0);
  EXPECT_TRUE(contains(r.summary.message, "more than 50 event executions at t = 2")) << r.summary.message;
  EXPECT_EQ(r.summary.stats.events_fired, 50);
  EXPECT_EQ(r.times, std::vector<double>{1.0});
  EXPECT_STREQ(to_string(r.summary.status), "event cascade");
}

TEST(SolveFailureTest, NegativeDelayIsAFailure) {
  HandModel m("bad_delay");
  const int x = m.state("x", 0.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
  m.output_states();
  const int e = m.event("e", {m.time_relation(Op::kGe, 1.0)});
  m.delay(e, [](double, const double*, const double*) { return -1.0; });
  m.assign(e, x, [](double, const double*, const double*) { return 1.0; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {2.0}));
  EXPECT_EQ(r.summary.status, SolveStatus::kSolverFailure);
  EXPECT_EQ(r.summary.t_failure, 1.0);
  EXPECT_TRUE(contains(r.summary.message, "event 'e' triggered at t = 1 with delay -1")) << r.summary.message;
}

// Output 1 / (t - 2) is infinite at t = 2: the failure names the output and the time.
TEST(SolveFailureTest, NonFiniteOutputNamesColumnAndTime) {
  HandModel m("pole");
  const int x = m.state("x", 1.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
  m.output("inverse", [](double t, const double*, const double*) { return 1.0 / (t - 2.0); });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 3.0, {1.0, 2.0, 3.0}));
  EXPECT_EQ(r.summary.status, SolveStatus::kSolverFailure);
  EXPECT_EQ(r.summary.t_failure, 2.0);
  EXPECT_TRUE(contains(r.summary.message, "output 'inverse' is inf at t = 2")) << r.summary.message;
  EXPECT_EQ(r.times, std::vector<double>{1.0});
}

TEST(SolveFailureTest, EventAssigningNaNIsAFailure) {
  HandModel m("nan_event");
  const int x = m.state("x", 1.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
  m.output_states();
  const int e = m.event("poison", {m.time_relation(Op::kGe, 1.0)});
  m.assign(e, x,
           [](double, const double*, const double*) { return std::numeric_limits<double>::quiet_NaN(); });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {2.0}));
  EXPECT_EQ(r.summary.status, SolveStatus::kSolverFailure);
  EXPECT_EQ(r.summary.t_failure, 1.0);
  EXPECT_TRUE(contains(r.summary.message, "'x' is nan after the doses and events at t = 1"))
      << r.summary.message;
}

// An exception thrown by a kernel inside a CVODES callback must not cross SUNDIALS' C frames.
TEST(SolveFailureTest, ThrowingKernelBecomesAFailure) {
  HandModel m("throws");
  const int x = m.state("x", 1.0);
  m.rhs = [=](double t, const double* y, const double*, double* f) {
    if (t > 0.5) throw std::runtime_error("kernel exploded");
    f[x] = -y[x];
  };
  m.output_states();
  const CompiledModel model = m.build();
  SimulationResult r;
  EXPECT_NO_THROW(r = simulate(model, make_setup(model, 1.0, {1.0})));
  EXPECT_EQ(r.summary.status, SolveStatus::kSolverFailure);
  EXPECT_TRUE(contains(r.summary.message, "kernel exploded")) << r.summary.message;
  EXPECT_LE(r.summary.t_failure, 0.5 + 1e-12);
}

// The observer is the caller's own code: its exceptions reach the caller unchanged.
TEST(SolveFailureTest, ObserverExceptionsPropagate) {
  struct Throwing final : Observer {
    void on_output(double, std::span<const double>) override { throw std::logic_error("observer says no"); }
  };
  const CompiledModel model = simple_model();
  Throwing observer;
  EXPECT_THROW((void)simulate(model, make_setup(model, 1.0, {0.5}), observer), std::logic_error);
}

TEST(SolveFailureTest, StatusNames) {
  EXPECT_STREQ(to_string(SolveStatus::kSuccess), "success");
  EXPECT_STREQ(to_string(SolveStatus::kInvalidSetup), "invalid setup");
  EXPECT_STREQ(to_string(SolveStatus::kSolverFailure), "solver failure");
}

// ---------------------------------------------------------------------------------------------------------------
// CompiledModel accessors.

TEST(CompiledModelTest, LookupsAndDefaults) {
  const CompiledModel model = simple_model();
  EXPECT_EQ(model.default_parameters(), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(model.find_parameter("k"), 1);
  EXPECT_EQ(model.find_parameter("x"), 0);
  EXPECT_EQ(model.find_parameter("K"), std::nullopt);
  EXPECT_EQ(model.find_state("x"), 0);
  EXPECT_EQ(model.find_state("k"), std::nullopt);
  EXPECT_EQ(model.find_output("x"), 0);
  EXPECT_EQ(model.find_output("y"), std::nullopt);
}

// Derived parameters are written by the init kernel: here half_life = ln 2 / k and y0 = dose / V.
TEST(CompiledModelTest, InitialStateFillsDerivedParameters) {
  HandModel m("derived");
  const int a = m.state("A", 0.0);
  const int k = m.parameter("k", 0.5);
  const int dose = m.parameter("dose", 10.0);
  const int volume = m.parameter("V", 4.0);
  const int half_life = m.derived("half_life", [=](const double* p) { return std::log(2.0) / p[k]; });
  m.rhs = [=](double, const double* y, const double* p, double* f) { f[a] = -p[k] * y[a]; };
  m.output_states();
  CompiledModel model = m.build();
  // Replace the init kernel's state part: A0 = dose / V.
  auto base = model.kernels;
  const int init = model.kernel.init;
  std::vector<test::KernelFn> kernels;
  for (int i = 0; i < base->count(); ++i)
    kernels.push_back([base, i](double t, const double* y, const double* p, const double* u, double* out) {
      base->eval(i, t, y, p, u, out);
    });
  kernels[static_cast<std::size_t>(init)] = [=](double t, const double* y, const double* p, const double* u,
                                                double* out) {
    base->eval(init, t, y, p, u, out);
    out[a] = p[dose] / p[volume];
  };
  model.kernels = std::make_shared<test::LambdaKernels>(std::move(kernels));

  std::vector<double> p = model.default_parameters();
  const std::vector<double> y0 = model.initial_state(p);
  EXPECT_EQ(y0, std::vector<double>{2.5});
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(half_life)], std::log(2.0) / 0.5);
  std::vector<double> wrong(2, 0.0);
  EXPECT_THROW((void)model.initial_state(wrong), UsageError);
}

// A model without states still reports its outputs (CVODES integrates one dummy constant state).
TEST(CompiledModelTest, ModelWithoutStatesReportsOutputs) {
  HandModel m("algebraic");
  const int slope = m.parameter("slope", 2.0);
  m.output("line", [=](double t, const double*, const double* p) { return p[slope] * t; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {0.0, 1.0, 2.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("line"), (std::vector<double>{0.0, 2.0, 4.0}));
}

}  // namespace
}  // namespace tolsim
