// Events and doses written in model and scenario files, through the whole pipeline (loader, compiler, solver).
// Every expected value is a closed form of the small models below, worked out by hand in the comments.
#include <cmath>

#include "support/example_run.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

// X decays at rate k = 0.5/day from 1 mg/L, in a compartment of 2 L.
//   reset:     when X falls below 0.5 mg/L it is set back to 2 mg/L. First crossing at t1 = ln(2)/k; from 2 the
//              next takes ln(4)/k, so crossings at t1 and t1 + ln(4)/k.
//   at_start:  at t = 0 (initial_value false by default), count = count + 1, so count = 1 from t = 0.
//   delayed:   triggered at t = 1, executed at 1.5; copies X. From trigger time: exp(-0.5). From execution time
//              (use_values_from_trigger_time: false): X(1.5) = 2 exp(-k (1.5 - t1)), after the reset at t1 ~ 1.386.
//   double/plus at t = 3 with priorities 2 and 1 and values from execution time: Z = 3 -> 6 -> 7. With values from
//              trigger time both are computed from Z = 3 (6 and 4) before either runs, so the later one wins.
std::string model(bool trigger_time_values, int double_priority) {
  return R"(time_unit: day
compartments:
  c: {size: 2, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg/L}
parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
  count: {value: 0, unit: "1", source: "assumption: test"}
  Y: {value: 0, unit: mg/L, source: "assumption: test"}
  Y2: {value: 0, unit: mg/L, source: "assumption: test"}
  Z: {value: 3, unit: "1", source: "assumption: test"}
rate_rules:
  X: "-k * X"
events:
  reset: {trigger: "X < 0.5 [mg/L]", assign: {X: "2 [mg/L]"}}
  at_start: {at: 0, assign: {count: "count + 1"}}
  delayed:
    trigger: "time >= 1 [day]"
    delay: "0.5 [day]"
    use_values_from_trigger_time: )" +
         std::string(trigger_time_values ? "true" : "false") + R"(
    assign: {Y: "X"}
  double: {at: 3, priority: ")" +
         std::to_string(double_priority) + R"(", assign: {Z: "Z * 2"},
           use_values_from_trigger_time: )" +
         std::string(trigger_time_values ? "true" : "false") + R"(}
  plus: {at: 3, priority: "1", assign: {Z: "Z + 1"},
         use_values_from_trigger_time: )" +
         std::string(trigger_time_values ? "true" : "false") + R"(}
)";
}

SimulationResult run(const std::string& text, const Scenario& scenario) {
  auto loaded = model::load_model_from_string(text, "test.yaml");
  CompiledModel m = compile_model(loaded.model);
  return simulate(m, make_setup(m, scenario));
}

Scenario tight(const std::vector<double>& times) {
  Scenario s;
  s.times = times;
  s.solver.rtol = 1e-10;
  s.solver.atol = 1e-12;
  return s;
}

TEST(ModelSemantics, EventsFireAsSbmlSays) {
  const double k = 0.5, t1 = std::log(2.0) / k, t2 = t1 + std::log(4.0) / k;
  auto r = run(model(true, 2), tight({0.0, 1.0, t1 - 0.01, t1 + 0.01, 2.0, 3.0, t2 + 0.01}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const auto x = r.column("X");
  EXPECT_NEAR(x[1], std::exp(-k * 1.0), 1e-8);
  EXPECT_NEAR(x[2], std::exp(-k * (t1 - 0.01)), 1e-8);
  EXPECT_NEAR(x[3], 2.0 * std::exp(-k * 0.01), 1e-7) << "reset at t1 = ln 2 / k";
  EXPECT_NEAR(x[6], 2.0 * std::exp(-k * 0.01), 1e-7) << "second reset at t1 + ln 4 / k";
  const auto count = r.column("count");
  EXPECT_EQ(count[0], 1.0) << "an event at t = 0 fires at t = 0";
  EXPECT_EQ(count.back(), 1.0) << "and only once";
  EXPECT_NEAR(r.column("Y")[4], std::exp(-0.5), 1e-8)
      << "delay 0.5 with values from the trigger time (t = 1)";
  EXPECT_EQ(r.column("Z")[5], 4.0) << "values from trigger time: 6 and 4 computed from Z = 3; plus runs last";
  EXPECT_EQ(r.summary.stats.events_fired, 6);  // reset x2, at_start, delayed, double, plus
}

TEST(ModelSemantics, ExecutionTimeValuesAndPriorityOrder) {
  const double k = 0.5, t1 = std::log(2.0) / k;
  auto r = run(model(false, 0), tight({0.0, 2.0, 3.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("Y")[1], 2.0 * std::exp(-k * (1.5 - t1)), 1e-7) << "values at execution (t = 1.5)";
  EXPECT_EQ(r.column("Z")[2], 8.0) << "priority 1 > 0 adds first: (3 + 1) * 2";
  auto r2 = run(model(false, 2), tight({0.0, 3.0}));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.column("Z")[1], 7.0) << "priority 2 doubles first: (3 * 2) + 1";
}

TEST(ModelSemantics, EventAssignmentToAConcentrationSetsTheConcentration) {
  // The reset writes 2 mg/L; with the species stored as an amount in 2 L, the amount must become 4 mg.
  auto r = run(model(true, 2), tight({1.5}));
  ASSERT_TRUE(r.ok());
  const double k = 0.5, t1 = std::log(2.0) / k;
  EXPECT_NEAR(r.column("X")[0], 2.0 * std::exp(-k * (1.5 - t1)), 1e-7);
}

// A drug given into a 2 L compartment as an amount, a weight-based amount and an infusion.
const char* kDoseModel = R"(time_unit: day
compartments:
  c: {size: 2, unit: L, source: "assumption: test"}
species:
  D: {compartment: c, initial: 0, unit: mg/L}
  A: {compartment: c, initial: 0, unit: mg}
parameters:
  k: {value: 0.1, unit: 1/day, source: "assumption: test"}
reactions:
  elim: {equation: "D ->", rate: "k * D * c"}
rate_rules:
  A: "-k * A"
)";

TEST(ModelSemantics, BolusInfusionAndWeightBasedDoses) {
  const double k = 0.1;
  Scenario s = tight({0.0, 1.0, 2.0, 3.0});
  s.body_weight_kg = 80.0;
  s.doses.push_back(DoseSpec{"D", 10.0, "mg", "0", "", 1, "", {}});      // 10 mg into 2 L: 5 mg/L
  s.doses.push_back(DoseSpec{"A", 0.5, "mg/kg", "1", "", 1, "", {}});    // 0.5 mg/kg x 80 kg = 40 mg at t = 1
  s.doses.push_back(DoseSpec{"A", 12.0, "mg", "2", "", 1, "12 h", {}});  // 24 mg/day over [2, 2.5]
  auto r = run(kDoseModel, s);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const auto d = r.column("D");
  // rtol 1e-10 per step accumulates to a global error of order 1e-9 relative; 1e-8 relative is the bound used.
  EXPECT_NEAR(d[0], 5.0, 1e-12) << "outputs at a dose time include the dose";
  EXPECT_NEAR(d[3], 5.0 * std::exp(-k * 3.0), 1e-8 * 5.0);
  const auto a = r.column("A");
  EXPECT_NEAR(a[1], 40.0, 1e-12);
  EXPECT_NEAR(a[2], 40.0 * std::exp(-k * 1.0), 1e-8 * 40.0);
  // Infusion rate R = 24 mg/day over [2, 2.5]: A(3) = 40 e^(-2k) + (R/k)(1 - e^(-0.5k)) e^(-0.5k).
  const double infused = 24.0 / k * (1.0 - std::exp(-0.5 * k)) * std::exp(-0.5 * k);
  EXPECT_NEAR(a[3], 40.0 * std::exp(-k * 2.0) + infused, 1e-8 * 40.0);
}

TEST(ModelSemantics, DosesThatDoNotFitAreScenarioErrors) {
  auto loaded = model::load_model_from_string(kDoseModel, "test.yaml");
  CompiledModel m = compile_model(loaded.model);
  Scenario s = tight({0.0, 1.0});
  s.doses.push_back(DoseSpec{"A", 1.0, "mg/kg", "0", "", 1, "", {"s.yaml", 3, 5}});  // no body weight
  s.doses.push_back(DoseSpec{"D", 1.0, "cells", "0", "", 1, "", {"s.yaml", 8, 5}});  // wrong dimension
  s.doses.push_back(DoseSpec{"Q", 1.0, "mg", "0", "", 1, "", {"s.yaml", 13, 5}});    // unknown target
  try {
    (void)make_setup(m, s);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    const std::string all = e.diagnostics().to_string();
    EXPECT_THAT(
        all, HasSubstr("s.yaml:3:5: error: dose of 1 mg/kg is per body weight, but no body weight is known"));
    EXPECT_THAT(all, HasSubstr("s.yaml:8:5: error: dose unit 'cells' does not fit species 'D'"));
    EXPECT_THAT(all, HasSubstr("s.yaml:13:5: error: unknown dose target 'Q'"));
  }
}

// A parameter and a compartment size written as expressions of other parameters are computed at the start, and an
// override of what they depend on flows through. X decays at k2 = 2 k in compartment c of size vol = 3 a; the rate
// is written per amount (k2 X c), so dX/dt = -k2 X whatever the size: X(t) = exp(-2 k t), and the amount is X c.
TEST(ModelSemantics, ParametersAndSizesWrittenAsExpressions) {
  const char* text = R"(compartments:
  c: {size: vol, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg/L}
parameters:
  a: {value: 2, unit: L, source: "assumption: test"}
  vol: {value: 3 * a, unit: L, source: "assumption: test"}
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
  k2: {value: 2 * k, unit: 1/day, source: "assumption: test"}
observables:
  amount: {value: X * c, unit: mg}
reactions:
  decay: {equation: "X ->", rate: "k2 * X * c"}
)";
  Scenario s = tight({0.0, 1.0});
  auto r = run(text, s);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("X")[1], std::exp(-1.0), 1e-8);
  EXPECT_NEAR(r.column("amount")[0], 6.0, 1e-12) << "c = 3 a = 6 L";

  s.overrides = {{"a", 0.5, "", {}}, {"k", 1.0, "", {}}};
  r = run(text, s);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("X")[1], std::exp(-2.0), 1e-8);
  EXPECT_NEAR(r.column("amount")[0], 1.5, 1e-12) << "c = 3 a = 1.5 L";

  s.overrides = {{"a", -1.0, "", {}}};
  r = run(text, s);
  EXPECT_EQ(r.summary.status, SolveStatus::kInvalidSetup);
  EXPECT_THAT(r.summary.message, HasSubstr("compartment size 'c' = -3 as computed from its expression"));
}

TEST(ModelSemantics, AnEventThatKeepsResettingItsOwnTriggerFailsInsteadOfHanging) {
  // S rises at 7/day; the event resets S to 0 as soon as S > 1e-300, so it would re-fire every ~1e-301 days for
  // ever. Executions closer together than the solver can resolve count as one instant, so the run stops after
  // max_events_per_time of them with an event-cascade status.
  const char* text = R"(compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  S: {compartment: c, initial: 0, unit: mg/L}
parameters:
  c0: {value: 1e-300, unit: mg/L, source: "assumption: test"}
rate_rules:
  S: "7 [mg/L/day]"
events:
  reset: {trigger: "S > c0", assign: {S: "0 [mg/L]"}}
)";
  Scenario s = tight({0.0, 1.0});
  s.solver.max_events_per_time = 50;
  auto r = run(text, s);
  EXPECT_EQ(r.summary.status, SolveStatus::kEventCascade) << r.summary.message;
  EXPECT_THAT(r.summary.message, HasSubstr("more than 50 event executions"));
  EXPECT_LT(r.summary.t_failure, 1e-9);
}

// A species' own `atol:` replaces the solver-wide absolute tolerance for it alone, in its declared unit: for a
// concentration the solver integrates the amount, so the tolerance it receives is atol x compartment size.
// X' = -X from 1 mg/L: X(t) = exp(-t) (closed form).
TEST(ModelSemantics, ASpeciesOwnAbsoluteToleranceIsUsedForItAlone) {
  const auto text = [](const std::string& x_fields) {
    return R"(compartments:
  c: {size: 2, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg/L)" +
           x_fields + R"(}
  Y: {compartment: c, initial: 1, unit: mg/L}
parameters:
  k: {value: 1, unit: 1/day, source: "assumption: test"}
reactions:
  x_decay: {equation: "X ->", rate: "k * X * c"}
)";
  };
  auto loaded = model::load_model_from_string(text(", atol: 1e-4"), "test.yaml");
  const CompiledModel m = compile_model(loaded.model);
  ASSERT_EQ(m.states.size(), 2u);
  EXPECT_DOUBLE_EQ(m.states[0].absolute_tolerance(1e-12), 1e-4 * 2.0)
      << "X: its own atol, as an amount in 2 L";
  EXPECT_DOUBLE_EQ(m.states[1].absolute_tolerance(1e-12), 1e-12 * 2.0) << "Y: the solver-wide atol";

  Scenario s;
  s.times.emplace();
  for (int i = 0; i <= 30; ++i) s.times->push_back(i);
  s.solver.rtol = 1e-6;
  s.solver.atol = 1e-12;
  const auto loose = run(text(", atol: 1e-4"), s);
  const auto strict = run(text(""), s);
  ASSERT_TRUE(loose.ok()) << loose.summary.message;
  ASSERT_TRUE(strict.ok()) << strict.summary.message;
  const std::vector<double> x_loose = loose.column("X"), x_strict = strict.column("X");
  for (std::size_t i = 0; i < loose.times.size(); ++i) {
    const double exact = std::exp(-loose.times[i]);
    EXPECT_NEAR(x_loose[i], exact, 1e-3) << "t = " << loose.times[i];
    EXPECT_NEAR(x_strict[i], exact, 1e-4 * exact + 1e-10) << "t = " << strict.times[i];
  }
  // Tracking exp(-t) to 1e-6 of itself down to 1e-13 takes more steps than tracking it to 1e-4 mg/L.
  EXPECT_LT(loose.summary.stats.steps, strict.summary.stats.steps / 2)
      << loose.summary.stats.steps << " vs " << strict.summary.stats.steps;
}

}  // namespace
}  // namespace tolsim::testing
