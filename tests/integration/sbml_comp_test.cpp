// Hierarchical SBML (the comp package): a model made of submodels is flattened by libSBML's converter into one
// model, which then simulates to the closed form of each instance. External model definitions are read from files
// beside the model, and a missing one is an error at its line. The SBML Test Suite's comp cases (ctest
// conformance.sbml_test_suite) cover the breadth: replacements, deletions, conversion factors, nested submodels.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/example_run.hpp"
#include "support/model_text.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/sbml/reader.hpp"

namespace tolsim {
namespace {

constexpr const char* kHeader = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"
      xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" comp:required="true">
)";

// First-order decay of S at rate k, with k exposed as a port so that the parent can replace it.
constexpr const char* kDecayBody = R"(
    <listOfCompartments>
      <compartment id="C" size="1" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="C" initialAmount="2" hasOnlySubstanceUnits="true"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k" value="0.3" constant="true"/>
    </listOfParameters>
    <listOfReactions>
      <reaction id="R" reversible="false">
        <listOfReactants>
          <speciesReference species="S" stoichiometry="1" constant="true"/>
        </listOfReactants>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><ci> k </ci><ci> S </ci></apply>
          </math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
    <comp:listOfPorts>
      <comp:port comp:id="k_port" comp:idRef="k"/>
    </comp:listOfPorts>
)";

// The top model: two instances of `decay`, A with its own k and B whose k is replaced by the parent's k_fast = 0.7.
std::string top_model(const std::string& definition_reference) {
  return R"(
  <model id="top">
    <listOfParameters>
      <parameter id="k_fast" value="0.7" constant="true">
        <comp:listOfReplacedElements>
          <comp:replacedElement comp:submodelRef="B" comp:portRef="k_port"/>
        </comp:listOfReplacedElements>
      </parameter>
    </listOfParameters>
    <comp:listOfSubmodels>
      <comp:submodel comp:id="A" comp:modelRef=")" +
         definition_reference + R"("/>
      <comp:submodel comp:id="B" comp:modelRef=")" +
         definition_reference + R"("/>
    </comp:listOfSubmodels>
  </model>
)";
}

std::string internal_document() {
  return std::string(kHeader) + top_model("decay") +
         "  <comp:listOfModelDefinitions>\n    <comp:modelDefinition id=\"decay\">" + kDecayBody +
         "    </comp:modelDefinition>\n  </comp:listOfModelDefinitions>\n</sbml>\n";
}

std::vector<double> simulate_column(const model::Model& m, const std::string& column) {
  const SimulationResult r = testing::simulate_interpreted(m, {0.0, 1.0, 2.0}, 1e-10, 1e-14);
  EXPECT_TRUE(r.ok()) << r.summary.message;
  return r.column(column);
}

// Closed form: each instance decays as 2 exp(-k t); A keeps the definition's k = 0.3, B takes the parent's 0.7.
void expect_two_decays(const model::Model& m) {
  const auto a = simulate_column(m, "A__S");
  const auto b = simulate_column(m, "B__S");
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(a[i], 2.0 * std::exp(-0.3 * i), 1e-8) << "A, t = " << i;
    EXPECT_NEAR(b[i], 2.0 * std::exp(-0.7 * i), 1e-8) << "B, t = " << i;
  }
}

TEST(SbmlComp, SubmodelsAreFlattenedWithPrefixedIdsAndReplacedParameters) {
  const auto loaded = sbml::read_sbml_from_string(internal_document(), "top.xml");
  expect_two_decays(loaded.model);
}

TEST(SbmlComp, ExternalModelDefinitionIsReadFromAFileBesideTheModel) {
  testing::TempDir dir;
  dir.write("decay.xml",
            std::string(kHeader) + "  <model id=\"decay\">" + kDecayBody + "  </model>\n</sbml>\n");
  const std::string top = std::string(kHeader) + top_model("ext") +
                          "  <comp:listOfExternalModelDefinitions>\n"
                          "    <comp:externalModelDefinition comp:id=\"ext\" comp:source=\"decay.xml\" "
                          "comp:modelRef=\"decay\"/>\n"
                          "  </comp:listOfExternalModelDefinitions>\n</sbml>\n";
  const std::string path = dir.write("top.xml", top);
  EXPECT_TRUE(sbml::missing_external_models(path).empty());
  expect_two_decays(sbml::read_sbml(path).model);
}

TEST(SbmlComp, MissingExternalModelFileIsAnErrorAtItsDefinition) {
  testing::TempDir dir;
  const std::string top = std::string(kHeader) + top_model("ext") +
                          "  <comp:listOfExternalModelDefinitions>\n"
                          "    <comp:externalModelDefinition comp:id=\"ext\" comp:source=\"absent.xml\" "
                          "comp:modelRef=\"decay\"/>\n"
                          "  </comp:listOfExternalModelDefinitions>\n</sbml>\n";
  const std::string path = dir.write("top.xml", top);
  EXPECT_EQ(sbml::missing_external_models(path), std::vector<std::string>{"absent.xml"});
  try {
    sbml::read_sbml(path);
    FAIL() << "no error";
  } catch (const ModelError& e) {
    ASSERT_FALSE(e.diagnostics().items().empty());
    const Diagnostic& d = e.diagnostics().items().front();
    EXPECT_EQ(d.location.file, path);
    // Line 19: 3 header lines, an empty line and 13 lines of the top model, the list's opening line, then the
    // definition.
    EXPECT_EQ(d.location.line, 19);
    EXPECT_NE(d.message.find("absent.xml' not found"), std::string::npos) << d.message;
  }
}

}  // namespace
}  // namespace tolsim
