// SBML Level 3 event semantics: edge triggers, t = 0 events, delays, trigger-time values, persistence, priorities,
// scheduled time events and concentration assignments. Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <optional>

#include "support/hand_model.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim {
namespace {

using expr::Op;
using test::HandModel;
using test::make_setup;

double row_at(const SimulationResult& r, double t, const std::string& column) {
  for (std::size_t i = 0; i < r.times.size(); ++i)
    if (r.times[i] == t) return r.column(column)[i];
  ADD_FAILURE() << "no output at t = " << t;
  return std::nan("");
}

// A state that only events change.
int counter(HandModel& m, const std::string& name, double initial = 0.0) {
  return m.state(name, initial);
}

// s' = cos t, s(0) = 0, so s = sin t; trigger s > 0.5 is true on (pi/6, 5pi/6) and (pi/6 + 2pi, 5pi/6 + 2pi).
// Each rising edge adds 1 to c and records the time. Boluses into an unrelated state at 1.5 and 2 create stops
// while the trigger is true: they must not fire it again.
TEST(SolveEventsTest, EdgeTriggerFiresOncePerRisingEdge) {
  HandModel m("edge");
  const int s = m.state("s", 0.0);
  const int c = counter(m, "c");
  const int when = counter(m, "when");
  const int other = m.state("other", 0.0);
  m.rhs = [=](double t, const double*, const double*, double* f) {
    f[s] = std::cos(t);
    f[c] = f[when] = f[other] = 0.0;
  };
  m.output_states();
  const int rel = m.relation(Op::kGt, [=](double, const double* y, const double*) { return y[s] - 0.5; });
  const int e = m.event("count", {rel});
  m.assign(e, c, [=](double, const double* y, const double*) { return y[c] + 1.0; });
  m.assign(e, when, [](double t, const double*, const double*) { return t; });
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 10.0, {1.0, 2.5, 5.0, 6.0, 7.0, 10.0});
  setup.boluses = {{1.5, other, 1.0}, {2.0, other, 1.0}};
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const double pi = std::numbers::pi;
  EXPECT_EQ(r.column("c"), (std::vector<double>{1, 1, 1, 1, 2, 2}));
  EXPECT_NEAR(row_at(r, 1.0, "when"), pi / 6.0, 1e-6);
  EXPECT_NEAR(row_at(r, 10.0, "when"), pi / 6.0 + 2.0 * pi, 1e-6);
  EXPECT_EQ(r.summary.stats.events_fired, 2);
  EXPECT_GT(r.summary.stats.root_evaluations, 0);
}

// x' = 0, x(0) = 1, trigger x >= 1 (true from the start). With initial_value = false the trigger goes
// false -> true at t = 0 and fires there (reported at t = 0); with initial_value = true it never fires.
TEST(SolveEventsTest, EventAtTimeZeroDependsOnInitialValue) {
  for (const bool initial_value : {false, true}) {
    SCOPED_TRACE(initial_value);
    HandModel m("t0");
    const int x = m.state("x", 1.0);
    const int c = counter(m, "c");
    m.rhs = [=](double, const double*, const double*, double* f) { f[x] = f[c] = 0.0; };
    m.output_states();
    const int e =
        m.event("at_start",
                {m.relation(Op::kGe, [=](double, const double* y, const double*) { return y[x] - 1.0; })});
    m.event_info(e).initial_value = initial_value;
    m.assign(e, c, [=](double, const double* y, const double*) { return y[c] + 1.0; });
    const CompiledModel model = m.build();
    const SimulationResult r = simulate(model, make_setup(model, 5.0, {0.0, 5.0}));
    ASSERT_TRUE(r.ok()) << r.summary.message;
    const double expected = initial_value ? 0.0 : 1.0;
    EXPECT_EQ(r.column("c"), (std::vector<double>{expected, expected}));
  }
}

// x' = 1, x(0) = 0: trigger x > 1 fires at t = 1; delay d executes at t = 1 + d the assignments y = x, z = t.
// Values from trigger time: y = x(1) = 1, z = 1. Values from execution time: y = x(1 + d) = 1 + d, z = 1 + d.
// The short delay ends inside the step CVODES took past the trigger, so the solver has to restart earlier.
TEST(SolveEventsTest, DelayedExecutionUsesTriggerOrExecutionTimeValues) {
  for (const double d : {2.0, 1e-3}) {
    for (const bool trigger_time : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "delay " << d << ", trigger-time values " << trigger_time);
      HandModel m("delay");
      const int x = m.state("x", 0.0);
      const int y = counter(m, "y");
      const int z = counter(m, "z");
      m.rhs = [=](double, const double*, const double*, double* f) {
        f[x] = 1.0;
        f[y] = f[z] = 0.0;
      };
      m.output_states();
      const int e = m.event(
          "late", {m.relation(Op::kGt, [=](double, const double* s, const double*) { return s[x] - 1.0; })});
      m.event_info(e).use_values_from_trigger_time = trigger_time;
      m.delay(e, [d](double, const double*, const double*) { return d; });
      m.assign(e, y, [=](double, const double* s, const double*) { return s[x]; });
      m.assign(e, z, [](double t, const double*, const double*) { return t; });
      const CompiledModel model = m.build();
      const double executed = 1.0 + d;
      const SimulationResult r =
          simulate(model, make_setup(model, 5.0, {0.99, executed - d / 10, executed + d / 10, 5.0}));
      ASSERT_TRUE(r.ok()) << r.summary.message;
      const double expected = trigger_time ? 1.0 : executed;
      EXPECT_EQ(r.column("y")[0], 0.0);
      EXPECT_EQ(r.column("y")[1], 0.0);
      EXPECT_NEAR(r.column("y")[2], expected, 1e-6);
      EXPECT_NEAR(r.column("z")[3], expected, 1e-6);
      EXPECT_NEAR(r.column("x")[3], 5.0, 1e-6);  // x = t throughout: the restart did not disturb it
      EXPECT_EQ(r.summary.stats.events_fired, 1);
    }
  }
}

// x' = 1, x(0) = 0, and the event x > 2 resets x = 0 (a threshold reset): its own execution turns the trigger
// false, so it fires again each time x climbs back to 2, at t = 2, 4, 6; at t = 7, x = 1 and the count is 3.
TEST(SolveEventsTest, EventResettingItsOwnTriggerFiresAgain) {
  HandModel m("reset");
  const int x = m.state("x", 0.0);
  const int c = counter(m, "c");
  m.rhs = [=](double, const double*, const double*, double* f) {
    f[x] = 1.0;
    f[c] = 0.0;
  };
  m.output_states();
  const int e = m.event(
      "reset", {m.relation(Op::kGt, [=](double, const double* y, const double*) { return y[x] - 2.0; })});
  m.assign(e, x, [](double, const double*, const double*) { return 0.0; });
  m.assign(e, c, [=](double, const double* y, const double*) { return y[c] + 1.0; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 7.0, {3.0, 7.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("c"), (std::vector<double>{1.0, 3.0}));
  EXPECT_NEAR(r.column("x")[0], 1.0, 1e-6);
  EXPECT_NEAR(r.column("x")[1], 1.0, 1e-6);
  EXPECT_EQ(r.summary.stats.restarts, 3);
}

// Trigger 1 < x < 2 with x = t is true on (1, 2); delay 3 would execute at t = 4. A non-persistent event is
// cancelled when its trigger turns false at t = 2 (y stays 0); a persistent one executes (y = 5 from t = 4).
TEST(SolveEventsTest, NonPersistentPendingExecutionIsCancelled) {
  for (const bool persistent : {false, true}) {
    SCOPED_TRACE(persistent);
    HandModel m("persistence");
    const int x = m.state("x", 0.0);
    const int y = counter(m, "y");
    m.rhs = [=](double, const double*, const double*, double* f) {
      f[x] = 1.0;
      f[y] = 0.0;
    };
    m.output_states();
    const int above = m.relation(Op::kGt, [=](double, const double* s, const double*) { return s[x] - 1.0; });
    const int below = m.relation(Op::kLt, [=](double, const double* s, const double*) { return s[x] - 2.0; });
    const int e = m.event("window", {above, below});
    m.event_info(e).persistent = persistent;
    m.delay(e, [](double, const double*, const double*) { return 3.0; });
    m.assign(e, y, [](double, const double*, const double*) { return 5.0; });
    const CompiledModel model = m.build();
    const SimulationResult r = simulate(model, make_setup(model, 6.0, {3.9, 4.1, 6.0}));
    ASSERT_TRUE(r.ok()) << r.summary.message;
    const double after = persistent ? 5.0 : 0.0;
    EXPECT_EQ(r.column("y"), (std::vector<double>{0.0, after, after}));
  }
}

struct PriorityCase {
  const char* name;
  bool has_priorities;
  double priority_double, priority_increment;
  bool trigger_time_values;
  double expected_x;
  double expected_flag;  // event "big" (x > 7.5) fired at the same time, after the others
};

// x' = 0, x(0) = 3. At the scheduled time t = 1 two events fire: "double" (x = 2x) and "increment" (x = x + 1).
// Executed one at a time, higher priority first, ties by event index (double is event 0):
//   double then increment: 2*3 + 1 = 7;  increment then double: (3 + 1)*2 = 8.
// With values from trigger time both values are computed from x = 3 (6 and 4) and the last execution wins.
// A third event (x > 7.5 sets flag = 1) is triggered by the executions themselves and runs at the same time.
void PrintTo(const PriorityCase& c, std::ostream* os) {
  *os << c.name;
}

class PriorityOrder : public ::testing::TestWithParam<PriorityCase> {};

TEST_P(PriorityOrder, ExecutionsAtOneTimeRunInPriorityOrder) {
  const PriorityCase& c = GetParam();
  HandModel m("priorities");
  const int x = m.state("x", 3.0);
  const int flag = counter(m, "flag");
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = f[flag] = 0.0; };
  m.output_states();
  const int at_one = m.time_relation(Op::kGe, 1.0);
  const int dbl = m.event("double", {at_one});
  const int inc = m.event("increment", {at_one});
  m.assign(dbl, x, [=](double, const double* y, const double*) { return 2.0 * y[x]; });
  m.assign(inc, x, [=](double, const double* y, const double*) { return y[x] + 1.0; });
  for (const int e : {dbl, inc}) m.event_info(e).use_values_from_trigger_time = c.trigger_time_values;
  if (c.has_priorities) {
    m.priority(dbl, [p = c.priority_double](double, const double*, const double*) { return p; });
    m.priority(inc, [p = c.priority_increment](double, const double*, const double*) { return p; });
  }
  const int big = m.event(
      "big", {m.relation(Op::kGt, [=](double, const double* y, const double*) { return y[x] - 7.5; })});
  m.assign(big, flag, [](double, const double*, const double*) { return 1.0; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {0.5, 1.0, 2.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("x"), (std::vector<double>{3.0, c.expected_x, c.expected_x}));
  EXPECT_EQ(r.column("flag"), (std::vector<double>{0.0, c.expected_flag, c.expected_flag}));
}

INSTANTIATE_TEST_SUITE_P(
    Solve, PriorityOrder,
    ::testing::Values(PriorityCase{"DoubleFirst", true, 10.0, 5.0, false, 7.0, 0.0},
                      PriorityCase{"IncrementFirst", true, 5.0, 10.0, false, 8.0, 1.0},
                      PriorityCase{"TieByEventIndex", true, 2.0, 2.0, false, 7.0, 0.0},
                      PriorityCase{"NoPrioritiesByEventIndex", false, 0.0, 0.0, false, 7.0, 0.0},
                      PriorityCase{"TriggerTimeValuesLastWins", true, 10.0, 5.0, true, 4.0, 0.0},
                      PriorityCase{"TriggerTimeValuesLastWinsReversed", true, 5.0, 10.0, true, 6.0, 0.0}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// With SimulationSetup::random_event_order_seed, ties are broken at random (SBML's rule) and priorities still come
// first. The model of PriorityOrder: x(0) = 3; "double" then "increment" gives 7, the other order 8.
// - Equal priorities: each order has probability 1/2. Over 400 seeds the count of 8s is Binomial(400, 1/2):
//   mean 200, sd 10; the bounds are 6 sd either side (a false failure has probability ~2e-9).
// - The same seed gives the same order.
// - Unequal priorities (double 10, increment 5) give 7 whatever the seed.
TEST(SolveEventsTest, RandomOrderBreaksOnlyTiesAndIsReproducible) {
  const auto run = [](double priority_double, std::optional<std::uint64_t> seed) {
    HandModel m("random_ties");
    const int x = m.state("x", 3.0);
    m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
    m.output_states();
    const int at_one = m.time_relation(Op::kGe, 1.0);
    const int dbl = m.event("double", {at_one});
    const int inc = m.event("increment", {at_one});
    m.assign(dbl, x, [=](double, const double* y, const double*) { return 2.0 * y[x]; });
    m.assign(inc, x, [=](double, const double* y, const double*) { return y[x] + 1.0; });
    m.priority(dbl, [=](double, const double*, const double*) { return priority_double; });
    m.priority(inc, [](double, const double*, const double*) { return 5.0; });
    for (const int e : {dbl, inc}) m.event_info(e).use_values_from_trigger_time = false;
    const CompiledModel model = m.build();
    SimulationSetup setup = make_setup(model, 2.0, {2.0});
    setup.random_event_order_seed = seed;
    const SimulationResult r = simulate(model, setup);
    EXPECT_TRUE(r.ok()) << r.summary.message;
    return r.ok() ? r.column("x").front() : std::nan("");
  };
  EXPECT_EQ(run(5.0, std::nullopt), 7.0);  // without a seed: declaration order
  int eights = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const double x = run(5.0, seed);
    ASSERT_TRUE(x == 7.0 || x == 8.0) << "seed " << seed << ": x = " << x;
    if (x == 8.0) ++eights;
    if (seed <= 20) {
      EXPECT_EQ(run(5.0, seed), x) << "seed " << seed;
      EXPECT_EQ(run(10.0, seed), 7.0) << "seed " << seed;
    }
  }
  EXPECT_GE(eights, 140);
  EXPECT_LE(eights, 260);
}

// Priorities are evaluated when the next execution is chosen, not when the events fire. At t = 1 three events
// fire with x = 3: "add" (x = x + 10, priority 10), "double" (x = 2x, priority = x), "decrement" (x = x - 1,
// priority 5). At firing time double's priority (3) is below decrement's (5), but after "add" runs it is 13:
//   add, double, decrement: (3 + 10)*2 - 1 = 25   (priorities frozen at firing would give (13 - 1)*2 = 24).
TEST(SolveEventsTest, PriorityIsEvaluatedWhenChoosing) {
  HandModel m("dynamic_priority");
  const int x = m.state("x", 3.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = 0.0; };
  m.output_states();
  const int at_one = m.time_relation(Op::kGe, 1.0);
  const int add = m.event("add", {at_one});
  const int dbl = m.event("double", {at_one});
  const int dec = m.event("decrement", {at_one});
  m.assign(add, x, [=](double, const double* y, const double*) { return y[x] + 10.0; });
  m.assign(dbl, x, [=](double, const double* y, const double*) { return 2.0 * y[x]; });
  m.assign(dec, x, [=](double, const double* y, const double*) { return y[x] - 1.0; });
  m.priority(add, [](double, const double*, const double*) { return 10.0; });
  m.priority(dbl, [=](double, const double* y, const double*) { return y[x]; });
  m.priority(dec, [](double, const double*, const double*) { return 5.0; });
  for (const int e : {add, dbl, dec}) m.event_info(e).use_values_from_trigger_time = false;
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {1.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("x"), std::vector<double>{25.0});
  EXPECT_EQ(r.summary.stats.events_fired, 3);
}

// x' = -k x, x(0) = 1, k = 0.5; at the scheduled time t = 5 an event adds 10: x(5) = e^{-2.5} + 10 (reported at
// t = 5, after the event) and x(7) = (e^{-2.5} + 10) e^{-1}. Both `time >= 5` and `time > 5` fire at 5 (the
// latter just after its crossing). No root search is needed for a scheduled relation.
TEST(SolveEventsTest, ScheduledTimeEventLandsExactly) {
  for (const Op op : {Op::kGe, Op::kGt}) {
    SCOPED_TRACE(static_cast<int>(op));
    HandModel m("time_event");
    const int x = m.state("x", 1.0);
    m.rhs = [=](double, const double* y, const double*, double* f) { f[x] = -0.5 * y[x]; };
    m.jacobian = [](double, const double*, const double*, double* j) { j[0] = -0.5; };
    m.output_states();
    const int e = m.event("kick", {m.time_relation(op, 5.0)});
    m.event_info(e).use_values_from_trigger_time = false;
    m.assign(e, x, [=](double, const double* y, const double*) { return y[x] + 10.0; });
    const CompiledModel model = m.build();
    const SimulationResult r = simulate(model, make_setup(model, 7.0, {4.999, 5.0, 7.0}));
    ASSERT_TRUE(r.ok()) << r.summary.message;
    const double before = std::exp(-0.5 * 4.999), at = std::exp(-2.5) + 10.0;
    EXPECT_NEAR(r.at(0, 0), before, 1e-7 * before);
    EXPECT_NEAR(r.at(1, 0), at, 1e-7 * at);
    EXPECT_NEAR(r.at(2, 0), at * std::exp(-1.0), 1e-7 * at);
    EXPECT_EQ(r.summary.stats.root_evaluations, 0);
    EXPECT_EQ(r.summary.stats.events_fired, 1);
  }
}

// x stays exactly 0 (x' = u) until an infusion starts at t = 2. The trigger x > 0 has g = 0 at the restart, a
// crossing that CVODES does not report; the solver must still see that x moves up and fire at t = 2.
TEST(SolveEventsTest, CrossingThatStartsExactlyAtZeroFires) {
  HandModel m("drug_present");
  const int x = m.state("x", 0.0);
  const int when = counter(m, "when", -1.0);
  m.rhs = [=](double, const double*, const double*, double* f) { f[x] = f[when] = 0.0; };
  m.output_states();
  const int e =
      m.event("present", {m.relation(Op::kGt, [=](double, const double* y, const double*) { return y[x]; })});
  m.assign(e, when, [](double t, const double*, const double*) { return t; });
  const CompiledModel model = m.build();
  SimulationSetup setup = make_setup(model, 5.0, {1.0, 5.0});
  setup.infusions.push_back({2.0, 3.0, x, 4.0});
  const SimulationResult r = simulate(model, setup);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("when"), (std::vector<double>{-1.0, 2.0}));
  EXPECT_NEAR(r.column("x")[1], 4.0, 1e-9);  // rate 4 for 1 time unit
}

// A species S stored as its amount in compartment V (V a state, initially 2). At t = 1 one event sets the
// concentration of S to 3 and the size of V to 4. As in SBML Test Suite case 01779 (a simultaneous assignment to a
// species concentration and its compartment), the concentration is taken in the compartment as it was before the
// event, and the resized compartment keeps that amount: amount = 3 * 2 = 6, concentration 6 / 4 = 1.5.
TEST(SolveEventsTest, ConcentrationAssignmentUsesCompartmentSizeBeforeTheEvent) {
  HandModel m("concentration");
  const int v = m.state("V", 2.0);
  const int s = m.state("S", 1.0);
  m.state_info(s).is_species = true;
  m.state_info(s).is_concentration = true;
  m.state_info(s).storage = StateVariable::Storage::kAmount;
  m.rhs = [=](double, const double*, const double*, double* f) { f[v] = f[s] = 0.0; };
  const int v_out = m.output(
      "V", [=](double, const double* y, const double*) { return y[v]; }, OutputColumn::Kind::kCompartment);
  m.state_info(s).compartment_output = v_out;
  m.output("S_amount", [=](double, const double* y, const double*) { return y[s]; });
  m.output("S_conc", [=](double, const double* y, const double*) { return y[s] / y[v]; });
  const int e = m.event("refill", {m.time_relation(Op::kGe, 1.0)});
  m.assign(
      e, s, [](double, const double*, const double*) { return 3.0; },
      EventAssignment::Mode::kSetConcentration, v_out);
  m.assign(e, v, [](double, const double*, const double*) { return 4.0; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {0.5, 1.0, 2.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_EQ(r.column("S_amount"), (std::vector<double>{1.0, 6.0, 6.0}));
  EXPECT_EQ(r.column("S_conc"), (std::vector<double>{0.5, 1.5, 1.5}));
}

// The same resize for a species stored as its concentration (a rate rule gives dS/dt = 0.5 in concentration):
// the event halves the concentration and keeps the amount, as in SBML Test Suite case 01506. By hand: S = 1 +
// 0.5 t, so S(1) = 1.5 just before the event, 1.5 * 2 / 4 = 0.75 after, and 0.75 + 0.5 = 1.25 at t = 2.
TEST(SolveEventsTest, ResizingACompartmentKeepsTheAmountOfASpeciesStoredAsItsConcentration) {
  HandModel m("resize");
  const int v = m.state("V", 2.0);
  const int s = m.state("S", 1.0);
  m.state_info(s).is_species = true;
  m.state_info(s).is_concentration = true;
  m.state_info(s).storage = StateVariable::Storage::kValue;
  m.rhs = [=](double, const double*, const double*, double* f) {
    f[v] = 0.0;
    f[s] = 0.5;
  };
  const int v_out = m.output(
      "V", [=](double, const double* y, const double*) { return y[v]; }, OutputColumn::Kind::kCompartment);
  m.state_info(s).compartment_output = v_out;
  m.output("S", [=](double, const double* y, const double*) { return y[s]; });
  const int e = m.event("resize", {m.time_relation(Op::kGe, 1.0)});
  m.assign(e, v, [](double, const double*, const double*) { return 4.0; });
  const CompiledModel model = m.build();
  const SimulationResult r = simulate(model, make_setup(model, 2.0, {0.5, 1.0, 2.0}));
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const std::vector<double> got = r.column("S");
  EXPECT_NEAR(got[0], 1.25, 1e-9);
  EXPECT_NEAR(got[1], 0.75, 1e-9);
  EXPECT_NEAR(got[2], 1.25, 1e-9);
}

}  // namespace
}  // namespace tolsim
