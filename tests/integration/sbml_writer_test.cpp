// SBML export (src/sbml/writer.cpp): the written document passes libSBML's consistency checks, and reads back to a
// model that simulates the same as the original.
//
// Where expected values come from: libSBML's own validator (SBMLDocument::checkConsistency, the SBML
// specification's validation rules) judges the documents; the simulations compare a model with itself after a
// round trip (an identity, checked to 1e-9 relative as issue 5 asks). The SBML Test Suite also runs through the
// writer (ctest conformance.sbml_test_suite_via_sbml).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sbml/SBMLTypes.h>

#include <cmath>
#include <memory>

#include "support/example_run.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/model/yaml_writer.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/sbml/writer.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

const char* const kShipped[] = {"models/ra-msc.yaml",
                                "models/ra.yaml",
                                "models/therapies.yaml",
                                "models/msc.yaml",
                                "models/immune-core.yaml",
                                "examples/immune-th17-treg.yaml",
                                "examples/pk-two-compartment.yaml",
                                "examples/robertson.yaml",
                                "examples/crp-il6r.yaml"};

class SbmlWriterShipped : public ::testing::TestWithParam<const char*> {};

TEST_P(SbmlWriterShipped, PassesLibsbmlConsistencyChecks) {
  const std::string xml = sbml::write_sbml(model::load_model(source_path(GetParam())).model);
  std::unique_ptr<::SBMLDocument> document(::readSBMLFromString(xml.c_str()));
  ASSERT_EQ(document->getNumErrors(::LIBSBML_SEV_ERROR) + document->getNumErrors(::LIBSBML_SEV_FATAL), 0u);
  document->checkConsistency();
  std::string errors;
  for (unsigned int i = 0; i < document->getNumErrors(); ++i) {
    const ::SBMLError* e = document->getError(i);
    if (e->getSeverity() >= ::LIBSBML_SEV_ERROR)
      errors +=
          fmt::format("line {}: SBML error {}: {}\n", e->getLine(), e->getErrorId(), e->getShortMessage());
  }
  EXPECT_EQ(errors, "");
}

SimulationResult run(const model::Model& m, double t_end) {
  return simulate_interpreted(m, even_times(t_end, 10), 1e-11, 1e-12);
}

TEST_P(SbmlWriterShipped, ReadsBackAndSimulatesTheSameTo1e9) {
  const model::Model m = model::load_model(source_path(GetParam())).model;
  const model::Model back = sbml::read_sbml_from_string(sbml::write_sbml(m), "written.xml").model;
  const SimulationResult a = run(m, 28.0), b = run(back, 28.0);
  ASSERT_TRUE(a.ok()) << a.summary.message;
  ASSERT_TRUE(b.ok()) << b.summary.message;
  int compared = 0;
  for (const auto& name : a.columns) {
    const auto x = a.column(name),
               y = b.column(name);  // the annotations give back module ids such as "msc.X"
    ASSERT_EQ(x.size(), y.size()) << name;
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], x[i], 1e-9 * std::fabs(x[i]) + 1e-12) << name << " at t = " << a.times[i];
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

// What SBML core has no field for travels in tolsim annotations and comes back: ids, units, sources, variability,
// priors, species flags, the time unit and the unit-check mode. Numbers keep their units through SBML unit
// definitions, so the model read back passes the same unit check as the original (reading validates it).
TEST_P(SbmlWriterShipped, ReadsBackWithItsIdsUnitsAndProvenance) {
  const model::Model m = model::load_model(source_path(GetParam())).model;
  const model::Model back = sbml::read_sbml_from_string(sbml::write_sbml(m), "written.xml").model;
  EXPECT_EQ(back.name, m.name);
  EXPECT_EQ(back.time_unit, m.time_unit);
  EXPECT_EQ(back.unit_check, m.unit_check);
  ASSERT_EQ(back.compartments.size(), m.compartments.size());
  for (std::size_t i = 0; i < m.compartments.size(); ++i) {
    const auto &x = m.compartments[i], &y = back.compartments[i];
    EXPECT_EQ(y.id, x.id);
    EXPECT_EQ(y.unit, x.unit) << x.id;
    EXPECT_EQ(y.source.text, x.source.text) << x.id;
  }
  ASSERT_EQ(back.species.size(), m.species.size());
  for (std::size_t i = 0; i < m.species.size(); ++i) {
    const auto &x = m.species[i], &y = back.species[i];
    EXPECT_EQ(y.id, x.id);
    EXPECT_EQ(y.unit, x.unit) << x.id;
    EXPECT_EQ(y.allow_negative, x.allow_negative) << x.id;
    EXPECT_EQ(y.atol, x.atol) << x.id;
  }
  ASSERT_EQ(back.parameters.size(), m.parameters.size());
  int varying = 0;
  for (std::size_t i = 0; i < m.parameters.size(); ++i) {
    const auto &x = m.parameters[i], &y = back.parameters[i];
    EXPECT_EQ(y.id, x.id);
    EXPECT_EQ(y.unit, x.unit) << x.id;
    EXPECT_EQ(y.source.text, x.source.text) << x.id;
    EXPECT_EQ(y.source.is_assumption, x.source.is_assumption) << x.id;
    EXPECT_EQ(y.observable, x.observable) << x.id;
    ASSERT_EQ(y.variability.has_value(), x.variability.has_value()) << x.id;
    if (x.variability) {
      ++varying;
      EXPECT_EQ(y.variability->distribution, x.variability->distribution) << x.id;
      EXPECT_EQ(y.variability->cv, x.variability->cv) << x.id;
      EXPECT_EQ(y.variability->sigma, x.variability->sigma) << x.id;
      EXPECT_EQ(y.variability->sd, x.variability->sd) << x.id;
      EXPECT_EQ(y.variability->lower, x.variability->lower) << x.id;
      EXPECT_EQ(y.variability->upper, x.variability->upper) << x.id;
      EXPECT_EQ(y.variability->truncated, x.variability->truncated) << x.id;
    }
    ASSERT_EQ(y.prior.has_value(), x.prior.has_value()) << x.id;
    if (x.prior) {
      EXPECT_EQ(y.prior->lower, x.prior->lower) << x.id;
      EXPECT_EQ(y.prior->upper, x.prior->upper) << x.id;
      EXPECT_EQ(y.prior->scale, x.prior->scale) << x.id;
    }
  }
  if (std::string(GetParam()) == "models/ra-msc.yaml") {
    EXPECT_EQ(varying, 87);  // `tolsim check` counts 87
  }
}

// YAML -> SBML -> YAML, as `tolsim export --format sbml` then `tolsim import-sbml` do: the YAML loads with its
// units checked, and simulates the same as the original to 1e-9 relative. One YAML file has no modules, so module
// ids come back as their SBML form ("msc.X" as "msc__X").
TEST_P(SbmlWriterShipped, ImportedAsYamlPassesTheUnitCheckAndSimulatesTheSame) {
  const model::Model m = model::load_model(source_path(GetParam())).model;
  ASSERT_EQ(m.unit_check, model::UnitCheck::kError);
  sbml::ReadOptions options;
  options.module_ids = false;
  const model::Model back =
      sbml::read_sbml_from_string(sbml::write_sbml(m), "written.xml", nullptr, options).model;
  const auto again = model::load_model_from_string(model::write_yaml(back), "again.yaml");
  EXPECT_EQ(again.model.unit_check, model::UnitCheck::kError);
  EXPECT_FALSE(again.diagnostics.has_errors());
  const SimulationResult a = run(m, 28.0), b = run(again.model, 28.0);
  ASSERT_TRUE(a.ok()) << a.summary.message;
  ASSERT_TRUE(b.ok()) << b.summary.message;
  for (const auto& name : a.columns) {
    std::string sbml_name;
    for (char c : name) sbml_name += c == '.' ? std::string("__") : std::string(1, c);
    const auto x = a.column(name), y = b.column(sbml_name);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], x[i], 1e-9 * std::fabs(x[i]) + 1e-12) << name << " at t = " << a.times[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SbmlWriterShipped, ::testing::ValuesIn(kShipped));

TEST(SbmlWriter, BuiltinsWithoutAMathmlElementAreWrittenOut) {
  const model::Model m = model::load_model_from_string(R"yaml(unit_check: off
compartments:
  c: {size: 1}
species:
  X: {compartment: c, initial: 2, quantity: amount}
parameters:
  K: {value: 3}
  n: {value: 2}
observables:
  h: {value: "hill(X, K, n)"}
  l: {value: "log2(8 * X)"}
  a: {value: "avogadro"}
)yaml",
                                                       "m.yaml")
                             .model;
  const std::string xml = sbml::write_sbml(m);
  const model::Model back = sbml::read_sbml_from_string(xml, "written.xml").model;
  const SimulationResult r = run(back, 1.0);
  ASSERT_TRUE(r.ok()) << r.summary.message;
  EXPECT_NEAR(r.column("h")[0], 4.0 / (9.0 + 4.0), 1e-15);  // 2^2 / (3^2 + 2^2)
  EXPECT_NEAR(r.column("l")[0], 4.0, 1e-15);                // log2(16)
  // libSBML reads "6.02214076e+23" as mantissa x 10^exponent, which may differ from the literal in the last bit.
  EXPECT_NEAR(r.column("a")[0], 6.02214076e23, 1e-15 * 6.02214076e23)
      << "tolsim's avogadro, not SBML's csymbol value 6.02214179e23";
}

}  // namespace
}  // namespace tolsim::testing
