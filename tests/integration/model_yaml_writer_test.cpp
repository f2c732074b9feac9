// model::write_yaml (the writer behind `tolsim import-sbml`): what it writes reads back to the same model.
//
// Where expected values come from:
// - round trips compare a model with itself read back, field by field and by simulation (an identity, so the
//   outputs must agree to the last bit up to the order of floating-point operations, checked to 1e-12);
// - the written texts are worked out by hand from docs/model-format.md;
// - the conversion-factor case is a closed form: X' = cf k (amount species, constant rate), X(t) = X0 + cf k t.
// The whole SBML Test Suite also runs through the writer (ctest conformance.sbml_test_suite_via_yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/example_run.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/model/yaml_writer.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SimulationResult run(const model::Model& m, double t_end) {
  return simulate_interpreted(m, even_times(t_end, 20), 1e-10, 1e-12);
}

void expect_same_outputs(const SimulationResult& a, const SimulationResult& b) {
  ASSERT_TRUE(a.ok()) << a.summary.message;
  ASSERT_TRUE(b.ok()) << b.summary.message;
  ASSERT_EQ(a.columns, b.columns);
  ASSERT_EQ(a.times, b.times);
  for (const auto& name : a.columns) {
    const auto x = a.column(name), y = b.column(name);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], x[i], 1e-12 * std::max(1.0, std::fabs(x[i]))) << name << " at t = " << a.times[i];
  }
}

// Every field the YAML format has, in one model.
const char* const kEverything = R"yaml(tolsim: 1
name: everything
description: every field of the format
time_unit: day
conversion_factor: cf_model
functions:
  act: {args: [x, K], body: "x / (x + K)", description: saturating}
compartments:
  blood: {size: 5, unit: L, description: blood, source: "doi:10.1000/blood"}
  tissue: {size: "0.5 * vol_ref", unit: L, dimensions: 3, source: "assumption: half the reference"}
species:
  A: {compartment: blood, initial: 2, unit: mg/L, atol: 1e-6, description: drug}
  B: {compartment: blood, initial: 0, unit: mg, quantity: amount, conversion_factor: cf_b}
  C: {compartment: tissue, initial: "A * 0.1", unit: mg/L}
  S: {compartment: tissue, initial: 1, unit: mg/L, boundary: true}
  N: {compartment: tissue, initial: -1, unit: mg/L, allow_negative: true}
  T: {compartment: tissue, initial: 0, unit: mg/L}
parameters:
  k: {value: 0.25, unit: 1/day, source: "PMID:123", variability: {distribution: lognormal, cv: 0.3, upper: 2},
      prior: {lower: 0.01, upper: 1, scale: log}}
  vol_ref: {value: 3, unit: L, source: "assumption: test", variability: {distribution: normal, sd: 0.5}}
  u: {value: 0.1, unit: "1", source: "assumption: test", variability: {distribution: uniform, lower: 0, upper: 1}}
  cf_model: {value: 1, unit: "1", source: "assumption: test"}
  cf_b: {value: 2, unit: "1", source: "assumption: test"}
  flag: {value: 0, unit: "1", source: "assumption: test", constant: false}
  Kd: {value: 1.5, unit: mg/L, source: "assumption: test"}
observables:
  ratio: {value: "C / A", unit: "1", description: tissue to blood}
assignment_rules:
  T: "2 * C"
rate_rules:
  N: "0.1 [mg/L/day]"
reactions:
  absorb:
    equation: "2.5 A <-> B + C"
    rate: "kf * A * act(A, Kd) * blood"
    modifiers: [S]
    parameters:
      kf: {value: 0.5, unit: 1/day, source: "assumption: local"}
    description: reversible, with a local parameter
  clear: {equation: "C ->", rate: "k * C * tissue"}
events:
  dose:
    trigger: "time >= 1 [day] && flag < 1"
    delay: "0.5 [day]"
    priority: "3"
    persistent: false
    initial_value: true
    use_values_from_trigger_time: false
    assign: {A: "A + 1 [mg/L]", flag: "1"}
    description: a delayed dose
  later: {at: 4, assign: {flag: "flag + 1"}}
)yaml";

TEST(YamlWriter, EveryFieldReadsBackTheSameAndWritesTheSameText) {
  const model::Model m = model::load_model_from_string(kEverything, "everything.yaml").model;
  const std::string text = model::write_yaml(m);
  const model::Model back = model::load_model_from_string(text, "written.yaml").model;
  EXPECT_EQ(model::write_yaml(back), text) << "writing is idempotent";

  EXPECT_EQ(back.name, "everything");
  EXPECT_EQ(back.description, "every field of the format");
  EXPECT_EQ(back.conversion_factor, "cf_model");
  ASSERT_EQ(back.functions.size(), 1u);
  EXPECT_EQ(back.functions[0].arguments, (std::vector<std::string>{"x", "K"}));
  ASSERT_NE(back.find_compartment("tissue"), nullptr);
  EXPECT_EQ(expr::to_string(*back.find_compartment("tissue")->size_expr->ast), "0.5 * vol_ref");
  EXPECT_EQ(back.find_compartment("blood")->source.text, "doi:10.1000/blood");
  const model::Species* a = back.find_species("A");
  EXPECT_EQ(a->atol, 1e-6);
  EXPECT_EQ(a->description, "drug");
  EXPECT_FALSE(a->only_substance_units);
  EXPECT_TRUE(back.find_species("B")->only_substance_units);
  EXPECT_EQ(back.find_species("B")->conversion_factor, "cf_b");
  EXPECT_TRUE(back.find_species("S")->boundary);
  EXPECT_TRUE(back.find_species("N")->allow_negative);
  const model::Parameter* k = back.find_parameter("k");
  EXPECT_EQ(k->source.text, "PMID:123");
  ASSERT_TRUE(k->variability && k->prior);
  EXPECT_EQ(k->variability->cv, 0.3);
  EXPECT_EQ(k->variability->upper, 2.0);
  EXPECT_TRUE(k->variability->truncated);
  EXPECT_EQ(k->prior->scale, model::Prior::Scale::kLog);
  EXPECT_EQ(back.find_parameter("vol_ref")->variability->sd, 0.5);
  EXPECT_EQ(back.find_parameter("u")->variability->distribution, model::Variability::Distribution::kUniform);
  EXPECT_TRUE(back.find_parameter("ratio")->observable);
  EXPECT_FALSE(back.find_parameter("flag")->constant);
  ASSERT_EQ(back.reactions.size(), 2u);
  const model::Reaction& absorb = back.reactions[0];
  EXPECT_TRUE(absorb.reversible);
  ASSERT_EQ(absorb.reactants.size(), 1u);
  EXPECT_EQ(absorb.reactants[0].stoichiometry, 2.5);
  EXPECT_EQ(absorb.products.size(), 2u);
  EXPECT_EQ(absorb.modifiers, std::vector<std::string>{"S"});
  ASSERT_EQ(absorb.local_parameters.size(), 1u);
  EXPECT_EQ(absorb.local_parameters[0].value, 0.5);
  ASSERT_EQ(back.events.size(), 2u);
  const model::Event& dose = back.events[0];
  EXPECT_FALSE(dose.persistent);
  EXPECT_TRUE(dose.initial_value);
  EXPECT_FALSE(dose.use_values_from_trigger_time);
  EXPECT_EQ(expr::to_string(*dose.delay->ast), "0.5 [day]");
  EXPECT_EQ(dose.assignments.size(), 2u);

  expect_same_outputs(run(m, 6.0), run(back, 6.0));
}

// Single-file shipped models and examples: the written file simulates the same.
class YamlWriterShipped : public ::testing::TestWithParam<const char*> {};

TEST_P(YamlWriterShipped, WrittenModelSimulatesTheSame) {
  const model::Model m = model::load_model(source_path(GetParam())).model;
  const std::string text = model::write_yaml(m);
  const model::Model back = model::load_model_from_string(text, "written.yaml").model;
  EXPECT_EQ(model::write_yaml(back), text);
  expect_same_outputs(run(m, 30.0), run(back, 30.0));
}

INSTANTIATE_TEST_SUITE_P(Models, YamlWriterShipped,
                         ::testing::Values("examples/immune-th17-treg.yaml",
                                           "examples/pk-two-compartment.yaml", "examples/robertson.yaml",
                                           "examples/crp-il6r.yaml", "models/immune-core.yaml",
                                           "models/msc.yaml"));

// The forms the writer uses where the format has no direct field.
TEST(YamlWriter, SpecialFormsAreWrittenAsDocumented) {
  model::Model m = model::load_model_from_string(R"(unit_check: off
compartments:
  c: {size: 2}
species:
  X: {compartment: c, initial: 3, quantity: concentration}
  Y: {compartment: c, quantity: concentration}
parameters:
  p: {value: 1}
  q: {value: 1}
assignment_rules:
  Y: "2 * X"
)",
                                                 "special.yaml")
                       .model;
  m.species[0].initial_is_amount = true;  // SBML initialAmount: 3 is an amount, the concentration is 3 / c
  m.parameters[0].value = std::numeric_limits<double>::infinity();
  m.parameters[1].value.reset();  // SBML allows a parameter without a value; the solver takes 0
  const std::string text = model::write_yaml(m, "first line\nsecond line");
  EXPECT_THAT(text, HasSubstr("# first line\n# second line\n"));
  EXPECT_THAT(text, HasSubstr("initial: 3 / c"));
  EXPECT_THAT(text, HasSubstr("value: (inf)"));
  EXPECT_THAT(text, HasSubstr("q:\n    value: 0\n"));
  EXPECT_THAT(text, HasSubstr("Y:\n    compartment: c\n    quantity: concentration\n"))
      << "a species an assignment rule sets needs no initial value";
  EXPECT_THAT(text, Not(HasSubstr("    unit:"))) << "no unit is invented";
  const model::Model back = model::load_model_from_string(text, "written.yaml").model;
  EXPECT_EQ(expr::to_string(*back.find_species("X")->initial_expr->ast), "3 / c");
  EXPECT_EQ(expr::to_string(*back.find_parameter("p")->value_expr->ast), "inf");
  EXPECT_FALSE(back.find_parameter("q")->value_expr.has_value());
  EXPECT_EQ(back.find_parameter("q")->value, 0.0);
}

TEST(YamlWriter, ModuleNamesAreRefused) {
  model::Model m = model::load_model_from_string(kEverything, "everything.yaml").model;
  m.parameters[0].id = "core.k";
  try {
    (void)model::write_yaml(m);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("this id is not a plain name (letters, digits and '_'): core.k"));
  }
}

// X is an amount made at constant rate k = 0.5 mg/day with conversion factor cf = 2 (species-level, overriding
// the model-wide 10): X(t) = 1 + 2 * 0.5 t, so X(4) = 5. Y has only the model-wide factor: Y(4) = 10 * 0.5 * 4 = 20.
TEST(YamlWriter, ConversionFactorsReadFromYamlScaleTheSpeciesChange) {
  const model::Model m = model::load_model_from_string(R"(conversion_factor: cf_all
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg, conversion_factor: cf}
  Y: {compartment: c, initial: 0, unit: mg}
parameters:
  k: {value: 0.5, unit: mg/day, source: "assumption: test"}
  cf: {value: 2, unit: "1", source: "assumption: test"}
  cf_all: {value: 10, unit: "1", source: "assumption: test"}
reactions:
  make: {equation: "-> X + Y", rate: "k"}
)",
                                                       "cf.yaml")
                             .model;
  const SimulationResult r = run(m, 4.0);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("X").back(), 5.0, 1e-9);
  EXPECT_NEAR(r.column("Y").back(), 20.0, 1e-9);
}

}  // namespace
}  // namespace tolsim::testing
