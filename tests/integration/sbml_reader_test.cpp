// SBML import (src/sbml/reader.cpp): a model read from SBML simulates to its closed form, and unsupported or
// malformed SBML is an error at its line. The SBML Test Suite run (ctest conformance.sbml_test_suite) covers the
// breadth; these cases pin down the translation of amounts, concentrations and compartment sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tolsim/common/error.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim {
namespace {

std::string document(const std::string& species, const std::string& extra = {}) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="decay">
    <listOfCompartments>
      <compartment id="C" size="2" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      )" +
         species + R"(
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k" value="0.3" constant="true"/>
    </listOfParameters>
    )" + extra +
         R"(
    <listOfReactions>
      <reaction id="R" reversible="false">
        <listOfReactants>
          <speciesReference species="S" stoichiometry="1" constant="true"/>
        </listOfReactants>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><ci> k </ci><ci> S </ci><ci> C </ci></apply>
          </math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
)";
}

std::vector<double> simulate_column(const model::Model& m, const std::string& column) {
  CompileOptions options;
  options.backend = CompileOptions::Backend::kInterpreter;
  const CompiledModel compiled = compile_model(m, options);
  SimulationSetup setup;
  setup.parameters = compiled.default_parameters();
  setup.t_end = 2.0;
  setup.output_times = {0.0, 1.0, 2.0};
  setup.options.rtol = 1e-10;
  setup.options.atol = 1e-14;
  const SimulationResult r = simulate(compiled, setup);
  EXPECT_TRUE(r.ok()) << r.summary.message;
  return r.column(column);
}

// Rate k S C with S a concentration in compartment C (size 2): the amount decays as exp(-k t), and so does the
// concentration. Closed form: S(t) = S(0) exp(-0.3 t) with S(0) = initialAmount / size = 4 / 2 = 2.
TEST(SbmlReader, ConcentrationSpeciesWithInitialAmountDecaysAsTheClosedForm) {
  const auto loaded = sbml::read_sbml_from_string(
      document(R"(<species id="S" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" )"
               R"(boundaryCondition="false" constant="false"/>)"),
      "decay.xml");
  const auto s = simulate_column(loaded.model, "S");
  ASSERT_EQ(s.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i], 2.0 * std::exp(-0.3 * i), 1e-8) << "t = " << i;
}

// hasOnlySubstanceUnits: S is an amount, so the rate k S C is twice as fast per amount: S(t) = 4 exp(-0.6 t), and an
// initialConcentration of 2 means an amount of 2 x 2 = 4.
TEST(SbmlReader, SubstanceOnlySpeciesGivenAsConcentrationStartsAtConcentrationTimesSize) {
  const auto loaded = sbml::read_sbml_from_string(
      document(R"(<species id="S" compartment="C" initialConcentration="2" hasOnlySubstanceUnits="true" )"
               R"(boundaryCondition="false" constant="false"/>)"),
      "decay.xml");
  const auto s = simulate_column(loaded.model, "S");
  ASSERT_EQ(s.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i], 4.0 * std::exp(-0.6 * i), 1e-8) << "t = " << i;
}

TEST(SbmlReader, AlgebraicRuleIsAnErrorAtItsLine) {
  const std::string rules = R"(<listOfRules>
      <algebraicRule>
        <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><minus/><ci> k </ci><cn> 1 </cn></apply></math>
      </algebraicRule>
    </listOfRules>)";
  try {
    sbml::read_sbml_from_string(
        document(R"(<species id="S" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" )"
                 R"(boundaryCondition="false" constant="false"/>)",
                 rules),
        "algebraic.xml");
    FAIL() << "no error";
  } catch (const ModelError& e) {
    ASSERT_FALSE(e.diagnostics().items().empty());
    const Diagnostic& d = e.diagnostics().items().front();
    EXPECT_EQ(d.location.file, "algebraic.xml");
    EXPECT_EQ(d.location.line,
              14);  // <algebraicRule>: line 13 opens listOfRules, after 12 lines of document()
    EXPECT_NE(d.message.find("algebraic rules are not supported"), std::string::npos) << d.message;
  }
}

TEST(SbmlReader, MalformedXmlIsAnErrorWithItsLine) {
  try {
    sbml::read_sbml_from_string(
        "<?xml version=\"1.0\"?>\n<sbml level=\"3\" version=\"2\">\n<model>\n</sbml>\n", "broken.xml");
    FAIL() << "no error";
  } catch (const ModelError& e) {
    ASSERT_FALSE(e.diagnostics().items().empty());
    EXPECT_EQ(e.diagnostics().items().front().location.file, "broken.xml");
    EXPECT_GT(e.diagnostics().items().front().location.line, 0);
  }
}

TEST(SbmlReader, RecognisesSbmlPaths) {
  EXPECT_TRUE(sbml::is_sbml_path("a/b/model.xml"));
  EXPECT_TRUE(sbml::is_sbml_path("MODEL.SBML"));
  EXPECT_FALSE(sbml::is_sbml_path("models/ra.yaml"));
}

}  // namespace
}  // namespace tolsim
