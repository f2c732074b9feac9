// The unit checker: equations that are dimensionally right pass, and each kind of mistake is caught where it is.
// Expected verdicts follow from dimensional analysis by hand (SI definitions: 1 L = 1e-3 m^3, 1 day = 24 h).
#include "support/model_text.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

// A model skeleton: compartment `c` in mL, concentration species X (cells/mL) and amount species A (mg), and
// parameters of several units. `extra` adds sections.
std::string model_with(const std::string& extra) {
  return R"(compartments:
  c: {size: 1, unit: mL, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: cells/mL}
  A: {compartment: c, initial: 1, unit: mg}
parameters:
  k: {value: 1, unit: 1/day, source: "assumption: test"}
  kh: {value: 1, unit: 1/h, source: "assumption: test"}
  K: {value: 1, unit: cells/mL, source: "assumption: test"}
  n: {value: 2, unit: "1", source: "assumption: test"}
  V: {value: 1, unit: L, source: "assumption: test"}
  C: {value: 1, unit: ug/mL, source: "assumption: test"}
)" + extra;
}

struct UnitCase {
  const char* name;
  const char* extra;
  const char* expected;  // "" when the model is consistent; else a substring of the error
};

class UnitChecks : public ::testing::TestWithParam<UnitCase> {};

TEST_P(UnitChecks, Verdict) {
  const UnitCase& c = GetParam();
  auto d = problems_of(model_with(c.extra));
  if (std::string(c.expected).empty()) {
    EXPECT_FALSE(d.has_errors()) << d.to_string();
  } else {
    ASSERT_EQ(d.error_count(), 1u) << d.to_string();
    EXPECT_THAT(d.to_string(), HasSubstr(c.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Positives, UnitChecks,
    ::testing::Values(
        // cells/mL per day: the rate rule of a concentration.
        UnitCase{"rate_rule", "rate_rules:\n  X: \"k * X\"\n", ""},
        // A reaction's rate is an amount per time: cells/mL * mL / day = cells/day.
        UnitCase{"reaction_with_volume", "reactions:\n  r: {equation: \"X ->\", rate: \"k * X * c\"}\n", ""},
        // mg/L equals ug/mL (both 1e-3 kg/m^3): A / V has the unit of C.
        UnitCase{"equal_scales", "observables:\n  y: {value: \"A / V + C\", unit: ug/mL}\n", ""},
        // x^n with a constant n, divided by K^n, is dimensionless.
        UnitCase{"hill_by_hand", "observables:\n  h: {value: \"X^n / (K^n + X^n)\", unit: \"1\"}\n", ""},
        UnitCase{"hill_builtin", "observables:\n  h: {value: \"hill(X, K, n)\", unit: \"1\"}\n", ""},
        // sqrt halves exponents: sqrt(cells^2/mL^2) = cells/mL.
        UnitCase{"sqrt", "observables:\n  s: {value: \"sqrt(X * X)\", unit: cells/mL}\n", ""},
        // exp of a dimensionless ratio.
        UnitCase{"exp_of_ratio", "observables:\n  e: {value: \"exp(-X / K)\", unit: \"1\"}\n", ""},
        // Zero fits any unit; an annotated number carries its unit.
        UnitCase{"zero_and_annotation",
                 "observables:\n  z: {value: \"max(0, X - 10 [cells/mL])\", unit: cells/mL}\n", ""},
        // A comparison of time with a time; piecewise values agree.
        UnitCase{"piecewise_time",
                 "observables:\n  p: {value: \"piecewise(X, time > 2 [day], K)\", unit: cells/mL}\n", ""},
        // `at:` carries the model's time unit.
        UnitCase{"event_at", "events:\n  e: {at: 3, assign: {X: \"2 * X\"}}\n", ""},
        // A user function's arguments keep their units and constant values.
        UnitCase{"function",
                 "functions:\n  act: {args: [x, K0, h], body: \"x^h / (x^h + K0^h)\"}\n"
                 "observables:\n  a: {value: \"act(X, K, n)\", unit: \"1\"}\n",
                 ""}),
    [](const ::testing::TestParamInfo<UnitCase>& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Negatives, UnitChecks,
    ::testing::Values(
        // Forgetting the volume in a reaction rate: cells/mL/day is not cells/day.
        UnitCase{"reaction_without_volume", "reactions:\n  r: {equation: \"X ->\", rate: \"k * X\"}\n",
                 "unit mismatch in rate of reaction 'r'"},
        // 1/h is 24/day: same dimension, different scale.
        UnitCase{"hours_for_days", "rate_rules:\n  X: \"kh * X\"\n", "same dimension, but 1"},
        // Adding a concentration and a count density of a different kind.
        UnitCase{"add_mismatch", "observables:\n  y: {value: \"X + C\", unit: cells/mL}\n", "cannot add"},
        UnitCase{"exp_of_unit", "observables:\n  e: {value: \"exp(X)\", unit: \"1\"}\n",
                 "the argument of exp() must be dimensionless, got cells/mL"},
        UnitCase{
            "pow_not_constant",
            "rate_rules:\n  A: \"0 [mg/day]\"\nobservables:\n  p: {value: \"X^(A / 1 [mg])\", unit: \"1\"}\n",
            "raised to a power that is not constant"},
        UnitCase{"wrong_observable_unit", "observables:\n  y: {value: \"X / K\", unit: cells/mL}\n",
                 "unit mismatch in assignment rule of 'y': got 1, expected cells/mL"},
        // A bare number compared with time needs a unit, and the message says how to write it.
        UnitCase{"bare_number_vs_time", "events:\n  e: {trigger: \"time > 3\", assign: {X: \"2 * X\"}}\n",
                 "write the number with its unit, as 3 [day]"},
        UnitCase{"event_assignment", "events:\n  e: {at: 1, assign: {X: \"A\"}}\n",
                 "unit mismatch in assignment to 'X' in event 'e': got mg, expected cells/mL"},
        UnitCase{"delay_not_time", "events:\n  e: {at: 1, delay: \"X / K\", assign: {X: \"2 * X\"}}\n",
                 "unit mismatch in delay of event 'e'"},
        UnitCase{"min_mismatch", "observables:\n  m: {value: \"min(X, A)\", unit: cells/mL}\n",
                 "cannot compare"},
        UnitCase{"unknown_unit", "observables:\n  q: {value: \"X\", unit: cellz/mL}\n",
                 "unknown unit 'cellz'"}),
    [](const ::testing::TestParamInfo<UnitCase>& p) { return std::string(p.param.name); });

TEST(UnitChecks, CanBeTurnedIntoWarningsOrOff) {
  const std::string bad = "rate_rules:\n  X: \"k * X + 1\"\n";
  auto warned = model::load_model_from_string("unit_check: warn\n" + model_with(bad), "test.yaml");
  EXPECT_EQ(warned.diagnostics.warning_count(), 1u) << warned.diagnostics.to_string();
  auto off = model::load_model_from_string("unit_check: off\n" + model_with(bad), "test.yaml");
  EXPECT_EQ(off.diagnostics.warning_count(), 0u);
}

}  // namespace
}  // namespace tolsim::testing
