// Fast reactions (SBML's `fast`): held at equilibrium from the start and after every event. Expected values are
// closed forms worked out in the comments.
#include <cmath>

#include <fmt/format.h>

#include "support/example_run.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

class FastBackends : public ::testing::TestWithParam<CompileOptions::Backend> {};

// A <-> B fast (kf A - kr B), B -> (k B), in 1 L. At equilibrium B = K A with K = kf / kr, so of the total
// T = A + B a share K / (1 + K) is B, and T' = -k K / (1 + K) T. From A = 2, B = 0 (equilibrated at the start, not
// before): T = 2 exp(-k K t / (1 + K)), A = T / (1 + K), B = K T / (1 + K). The event at t = 2 adds 1 mg/L of A, and
// the pair re-equilibrates at once: T(2+) = T(2-) + 1, then decays as before.
TEST_P(FastBackends, EquilibriumIsHeldWhileTheSlowReactionDrainsThePair) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 2, unit: mg/L}
  B: {compartment: c, initial: 0, unit: mg/L}
parameters:
  kf: {value: 3, unit: 1/day, source: "assumption: test"}
  kr: {value: 1, unit: 1/day, source: "assumption: test"}
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
reactions:
  binding: {equation: "A <-> B", rate: "(kf * A - kr * B) * c", fast: true}
  loss: {equation: "B ->", rate: "k * B * c"}
events:
  top_up: {at: 2, assign: {A: "A + 1 [mg/L]"}}
)yaml",
                                       GetParam());
  ASSERT_TRUE(m.fast_reaction.has_value());
  const std::vector<double> times = {0.0, 1.0, 2.0, 3.0, 6.0};
  const SimulationResult r = simulate_tight(m, times);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const double K = 3.0, rate = 0.5 * K / (1.0 + K);
  const auto total = [&](double t) {
    return t < 2.0 ? 2.0 * std::exp(-rate * t)
                   : (2.0 * std::exp(-rate * 2.0) + 1.0) * std::exp(-rate * (t - 2.0));
  };
  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE(times[i]);
    const double t = times[i];  // the output at t = 2 is the state after the event there
    EXPECT_NEAR(r.column("A")[i], total(t) / (1.0 + K), 1e-8);
    EXPECT_NEAR(r.column("B")[i], K * total(t) / (1.0 + K), 1e-8);
  }
}

// A + B <-> C fast (kf A B - kr C) with nothing else: the state jumps to the equilibrium at the start and stays.
// With extent x from A = 2, B = 1, C = 0: kf (2 - x)(1 - x) = kr x, i.e. kf x^2 - (3 kf + kr) x + 2 kf = 0, whose
// root in [0, 1] is x = ((3 kf + kr) - sqrt((3 kf + kr)^2 - 8 kf^2)) / (2 kf).
TEST_P(FastBackends, NonLinearEquilibriumIsFoundByNewton) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 2, unit: mmol/L}
  B: {compartment: c, initial: 1, unit: mmol/L}
  C: {compartment: c, initial: 0, unit: mmol/L}
parameters:
  kf: {value: 4, unit: L/mmol/day, source: "assumption: test"}
  kr: {value: 1, unit: 1/day, source: "assumption: test"}
reactions:
  complex: {equation: "A + B <-> C", rate: "(kf * A * B - kr * C) * c", fast: true}
)yaml",
                                       GetParam());
  const SimulationResult r = simulate_tight(m, {0.0, 5.0});
  ASSERT_TRUE(r.ok()) << r.summary.message;
  const double kf = 4.0, kr = 1.0, b = 3.0 * kf + kr;
  const double x = (b - std::sqrt(b * b - 8.0 * kf * kf)) / (2.0 * kf);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(r.column("A")[i], 2.0 - x, 1e-10);
    EXPECT_NEAR(r.column("B")[i], 1.0 - x, 1e-10);
    EXPECT_NEAR(r.column("C")[i], x, 1e-10);
  }
}

// A <-> B fast with rate kq (A - 1)(A - 4) c, which is 0 at A = 1 and at A = 4, and nothing else. The reaction runs
// as dx/dt = g: from A = 2.4, 2.5 or 3, g < 0, so it runs backwards (A rises) to A = 4, the root it reaches, and
// B falls by as much. From 2.4 Newton's first step would head for A = 1 instead, and from 2.5 g' is 0.
TEST_P(FastBackends, TheEquilibriumIsTheOneTheReactionRunsTo) {
  for (const double a0 : {2.4, 2.5, 3.0}) {
    SCOPED_TRACE(a0);
    const CompiledModel m = compile_text(fmt::format(R"yaml(time_unit: day
compartments:
  c: {{size: 1, unit: L, source: "assumption: test"}}
species:
  A: {{compartment: c, initial: {}, unit: mg/L}}
  B: {{compartment: c, initial: 5, unit: mg/L}}
parameters:
  kq: {{value: 2, unit: L/mg/day, source: "assumption: test"}}
reactions:
  swap: {{equation: "A <-> B", rate: "kq * (A - 1 [mg/L]) * (A - 4 [mg/L]) * c", fast: true}}
)yaml",
                                                     a0),
                                         GetParam());
    const SimulationResult r = simulate_tight(m, {0.0, 5.0});
    ASSERT_TRUE(r.ok()) << r.summary.message;
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_NEAR(r.column("A")[i], 4.0, 1e-10);
      EXPECT_NEAR(r.column("B")[i], 5.0 - (4.0 - a0), 1e-10);
    }
  }
}

// A reaction whose rate is `n * bind`, with `bind` the fast reaction, is part of it: one unit of bind's extent also
// takes n of S1 (the SBML reader writes a fast reaction's variable stoichiometry so). bind (rate kb S1 c) makes
// S2 and holds S1 at 0: from S1 = 5 the extent is 5 / n = 1, so S2 = 1. The feed then brings kin of S1 a day,
// which the pair turns into kin / n of S2 a day: S2 = 1 + kin t / n.
TEST_P(FastBackends, AReactionAtAMultipleOfTheFastRateMovesWithIt) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  S1: {compartment: c, initial: 5, unit: mg/L}
  S2: {compartment: c, initial: 0, unit: mg/L}
parameters:
  n: {value: 5, unit: 1, source: "assumption: test"}
  kb: {value: 3, unit: 1/day, source: "assumption: test"}
  kin: {value: 1, unit: mg/L/day, source: "assumption: test"}
reactions:
  bind: {equation: "-> S2", rate: "kb * S1 * c", fast: true}
  bind_S1: {equation: "S1 ->", rate: "n * bind"}
  feed: {equation: "-> S1", rate: "kin * c"}
)yaml",
                                       GetParam());
  const std::vector<double> times = {0.0, 1.0, 4.0};
  const SimulationResult r = simulate_tight(m, times);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE(times[i]);
    EXPECT_NEAR(r.column("S1")[i], 0.0, 1e-9);
    EXPECT_NEAR(r.column("S2")[i], 1.0 + times[i] / 5.0, 1e-8);
  }
}

// A <-> B fast at rate k2 A c with k2 = 0: every state is an equilibrium, the reaction has nothing to undo, and A
// fills at the feed's 1 mg/L a day: A = t, B = 2. At t = 2 an event sets k2 = 1: A goes to 0 at once (B = 4), and
// from then on the feed's A turns into B: B = 4 + (t - 2).
TEST_P(FastBackends, AFastRateThatIsZeroEverywhereDoesNothing) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 0, unit: mg/L}
  B: {compartment: c, initial: 2, unit: mg/L}
parameters:
  k2: {value: 0, unit: 1/day, source: "assumption: test"}
  kin: {value: 1, unit: mg/L/day, source: "assumption: test"}
reactions:
  on: {equation: "A <-> B", rate: "k2 * A * c", fast: true}
  feed: {equation: "-> A", rate: "kin * c"}
events:
  switch_on: {at: 2, assign: {k2: "1 [1/day]"}}
)yaml",
                                       GetParam());
  const std::vector<double> times = {0.0, 1.0, 1.5, 2.0, 3.0, 5.0};
  const SimulationResult r = simulate_tight(m, times);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE(times[i]);
    const double t = times[i];  // the output at t = 2 is the state after the event there
    EXPECT_NEAR(r.column("A")[i], t < 2.0 ? t : 0.0, 1e-8);
    EXPECT_NEAR(r.column("B")[i], t < 2.0 ? 2.0 : 4.0 + (t - 2.0), 1e-8);
  }
}

// B <-> A fast at rate kr (kt time - A) c: held at A = kt t. From A = 3, B = 10 the start moves 3 back to B
// (A = 0, B = 13); then A = kt t and B = 13 - kt t.
TEST_P(FastBackends, AFastRateMayDependOnTime) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 3, unit: mg/L}
  B: {compartment: c, initial: 10, unit: mg/L}
parameters:
  kt: {value: 1.5, unit: mg/L/day, source: "assumption: test"}
  kr: {value: 2, unit: 1/day, source: "assumption: test"}
reactions:
  follow: {equation: "B <-> A", rate: "kr * (kt * time - A) * c", fast: true}
)yaml",
                                       GetParam());
  const std::vector<double> times = {0.0, 1.0, 4.0};
  const SimulationResult r = simulate_tight(m, times);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE(times[i]);
    EXPECT_NEAR(r.column("A")[i], 1.5 * times[i], 1e-8);
    EXPECT_NEAR(r.column("B")[i], 13.0 - 1.5 * times[i], 1e-8);
  }
}

// A <-> B fast at rate piecewise(k A s, s > 0, k B s) c with s = 1 - t / ts, and a feed of A at kin. While s > 0 the
// reaction runs A to B until A = 0; after ts it runs B back to A until B = 0. At ts itself s = 0 and the rate is 0
// whatever A and B are, so the new equilibrium must come from the branch after the switch. From A = 0, B = 2:
// A = 0, B = 2 + kin t before ts = 3; then B = 0, A = 2 + kin t.
TEST_P(FastBackends, ARateThatSwitchesBranchFindsTheEquilibriumOfTheBranchAfter) {
  const CompiledModel m = compile_text(R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 0, unit: mg/L}
  B: {compartment: c, initial: 2, unit: mg/L}
parameters:
  k: {value: 1, unit: 1/day, source: "assumption: test"}
  ts: {value: 3, unit: day, source: "assumption: test"}
  kin: {value: 1, unit: mg/L/day, source: "assumption: test"}
observables:
  s: {value: "1 - time / ts", unit: "1"}
reactions:
  swap: {equation: "A <-> B", rate: "piecewise(k * A * s, s > 0, k * B * s) * c", fast: true}
  feed: {equation: "-> A", rate: "kin * c"}
)yaml",
                                       GetParam());
  const std::vector<double> times = {0.0, 1.0, 2.5, 3.5, 6.0};
  const SimulationResult r = simulate_tight(m, times);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE(times[i]);
    const double t = times[i];
    EXPECT_NEAR(r.column("A")[i], t < 3.0 ? 0.0 : 2.0 + t, 1e-8);
    EXPECT_NEAR(r.column("B")[i], t < 3.0 ? 2.0 + t : 0.0, 1e-8);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FastBackends,
                         ::testing::Values(CompileOptions::Backend::kInterpreter,
                                           CompileOptions::Backend::kNative));

const char* const kTwoFast = R"yaml(time_unit: day
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 2, unit: mg/L}
  B: {compartment: c, initial: 0, unit: mg/L}
parameters:
  kf: {value: 3, unit: 1/day, source: "assumption: test"}
reactions:
  one: {equation: "A -> B", rate: "kf * A * c", fast: true}
  two: {equation: "B -> A", rate: "kf * B * c", fast: true}
)yaml";

TEST(FastReaction, MoreThanOneIsAnErrorAtTheSecond) {
  const auto lines = error_lines(problems_of(kTwoFast));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("test.yaml:11"));
  EXPECT_THAT(lines[0],
              HasSubstr("reaction 'two' is fast, and so is 'one': tolsim supports one fast reaction"));
}

}  // namespace
}  // namespace tolsim::testing
