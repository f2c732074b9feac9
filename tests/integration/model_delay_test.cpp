// delay(x, tau) through the whole pipeline (parser, unit check, compiler, solver), on both kernel backends.
// Every expected value is a closed form worked out in the comments: the method of steps for a delay differential
// equation, and delayed copies of known functions of time.
#include <cmath>

#include "support/closed_forms.hpp"
#include "support/example_run.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

SimulationResult run(const std::string& text, const std::vector<double>& times,
                     CompileOptions::Backend backend) {
  return simulate_tight(compile_text(text, backend), times);
}

class DelayBackends : public ::testing::TestWithParam<CompileOptions::Backend> {};

// X' = -k X(t - tau), X = 1 up to t = 0 (its numeric initial value, held before the start): support/closed_forms.hpp.
TEST_P(DelayBackends, DelayDifferentialEquationFollowsTheMethodOfSteps) {
  const std::string text = R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg/L}
parameters:
  k: {value: 0.2, unit: 1/day, source: "assumption: test"}
  tau: {value: 1.5, unit: day, source: "assumption: test"}
rate_rules:
  X: "-k * delay(X, tau)"
)yaml";
  const double k = 0.2, tau = 1.5;  // k tau < 1/e: X decays without oscillating, so stays positive
  const auto exact = [&](double t) { return delayed_decay(k, tau, t); };
  const std::vector<double> times = {0.0, 0.5, 1.5, 2.0, 2.9, 3.0, 3.7, 4.5};
  const SimulationResult r = run(text, times, GetParam());
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const auto x = r.column("X");
  for (std::size_t i = 0; i < times.size(); ++i)
    EXPECT_NEAR(x[i], exact(times[i]), 1e-8) << "t = " << times[i];
  // The step is kept at or below tau, so the history is never extrapolated: at least 4.5 / 1.5 = 3 steps.
  EXPECT_GE(r.summary.stats.steps, 3);
}

// s' = cos(time), s = 0 at the start, so s = sin(t) from 0 on and s = 0 before (its numeric initial value is held).
// wave = sin(time) is a rule, so its past follows the formula: delay(wave, 1) = sin(t - 1) even before t = 1.
//   lag_s    = delay(s, 1)                = 0 for t < 1, sin(t - 1) after
//   lag_wave = delay(wave, 1)             = sin(t - 1)
//   twice    = delay(delay(s, 1), 1)      = delay(s, 2) = sin(t - 2) for t >= 2
//   far      = delay(delay(s, 1), 4)      = sin(t - 5) for t >= 5: nested delays read 5 back, further than either
//   half     = delay(s, time / 2)         = s(t / 2) = sin(t / 2): a delay that grows with time
TEST_P(DelayBackends, DelayedCopiesOfKnownFunctions) {
  const std::string text = R"yaml(time_unit: day
parameters:
  s: {value: 0, unit: "1", constant: false, source: "assumption: test"}
rate_rules:
  s: "cos(time / 1 [day]) / 1 [day]"
observables:
  wave: {value: "sin(time / 1 [day])", unit: "1"}
  lag_s: {value: "delay(s, 1 [day])", unit: "1"}
  lag_wave: {value: "delay(wave, 1 [day])", unit: "1"}
  twice: {value: "delay(delay(s, 1 [day]), 1 [day])", unit: "1"}
  far: {value: "delay(delay(s, 1 [day]), 4 [day])", unit: "1"}
  half: {value: "delay(s, time / 2)", unit: "1"}
)yaml";
  const std::vector<double> times = {0.0, 0.5, 1.0, 2.5, 4.0, 7.0, 12.0, 20.0};
  const SimulationResult r = run(text, times, GetParam());
  ASSERT_TRUE(r.ok()) << r.summary.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double t = times[i];
    SCOPED_TRACE(t);
    EXPECT_NEAR(r.column("lag_s")[i], t < 1.0 ? 0.0 : std::sin(t - 1.0), 1e-7);
    EXPECT_NEAR(r.column("lag_wave")[i], std::sin(t - 1.0), 1e-12);
    if (t >= 2.0) {
      EXPECT_NEAR(r.column("twice")[i], std::sin(t - 2.0), 1e-7);
    }
    if (t >= 5.0) {
      EXPECT_NEAR(r.column("far")[i], std::sin(t - 5.0), 1e-7);
    }
    EXPECT_NEAR(r.column("half")[i], std::sin(t / 2.0), 1e-7);
  }
}

// X = exp(-k t); an event whose trigger reads delay(X, 1) fires when exp(-k (t - 1)) falls below 1/2, at
// t* = 1 + ln 2 / k, and records the time.
TEST_P(DelayBackends, EventTriggerOnADelayedValueFiresAtTheDelayedCrossing) {
  const std::string text = R"yaml(time_unit: day
parameters:
  X: {value: 1, unit: "1", constant: false, source: "assumption: test"}
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
  fired_at: {value: 0, unit: day, constant: false, source: "assumption: test"}
rate_rules:
  X: "-k * X"
events:
  half_a_day_late: {trigger: "delay(X, 1 [day]) < 0.5", assign: {fired_at: "time"}}
)yaml";
  const SimulationResult r = run(text, {0.0, 5.0}, GetParam());
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("fired_at")[1], 1.0 + std::log(2.0) / 0.5, 1e-7);
}

INSTANTIATE_TEST_SUITE_P(Backends, DelayBackends,
                         ::testing::Values(CompileOptions::Backend::kInterpreter,
                                           CompileOptions::Backend::kNative));

TEST(Delay, TimeInAnotherUnitIsAnErrorAtItsLine) {
  const auto lines = error_lines(problems_of(R"yaml(time_unit: day
parameters:
  k: {value: 2, unit: mg, source: "assumption: test"}
observables:
  late: {value: "delay(time, k)", unit: day}
)yaml"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("test.yaml:5"));
  EXPECT_THAT(lines[0], HasSubstr("the delay time must be in the model's time unit, day, got mg"));
}

TEST(Delay, WrongNumberOfArgumentsIsAnError) {
  const auto lines = error_lines(problems_of(R"yaml(time_unit: day
observables:
  late: {value: "delay(time)", unit: day}
)yaml"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("delay() takes 2 arguments, got 1"));
}

// tau = time - 2 is negative before t = 2: the run stops with the call named, not with a wrong number.
TEST(Delay, NegativeDelayTimeStopsTheRunWithTheCallNamed) {
  const SimulationResult r = run(R"yaml(time_unit: day
observables:
  late: {value: "delay(time, time - 2 [day])", unit: day}
)yaml",
                                 {0.0, 1.0}, CompileOptions::Backend::kInterpreter);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.summary.message, HasSubstr("delay(time, time - 2 [day]) has delay time -2"));
  EXPECT_THAT(r.summary.message, HasSubstr("a delay must be finite and >= 0"));
}

}  // namespace
}  // namespace tolsim::testing
