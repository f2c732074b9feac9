// `tolsim import-sbml FILE.xml -o model.yaml`: the written model reads back and simulates to the closed form of
// the SBML model; bad input exits 2 and leaves no output.
//
// Closed form: S is a concentration in compartment C of size 2, starting from an initial amount of 4 (so at
// concentration 2), consumed at rate k S C with k = 0.3: S(t) = 2 exp(-0.3 t).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/example_run.hpp"
#include "support/model_text.hpp"
#include "support/run_process.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

const char* const kDecay = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="decay">
    <listOfCompartments>
      <compartment id="C" size="2" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" boundaryCondition="false"
               constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k" value="0.3" constant="true"/>
      <parameter id="pi" value="7" constant="true"/>
    </listOfParameters>
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

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CliImportSbml, WritesAModelThatSimulatesToTheClosedForm) {
  TempDir dir;
  const std::string xml = dir.write("decay.xml", kDecay);
  const std::string yaml = dir.path("decay.yaml");
  const auto r = run_tolsim({"import-sbml", xml, "-o", yaml});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string text = read_file(yaml);
  EXPECT_THAT(text, HasSubstr("# Imported from decay.xml by tolsim import-sbml."));
  EXPECT_THAT(text, HasSubstr("# SBML id 'pi' is 'pi_' here"));
  EXPECT_THAT(text, HasSubstr("initial: 4 / C")) << "an initial amount of a concentration species";
  EXPECT_THAT(text, HasSubstr("equation: S ->"));

  const model::Model m = model::load_model(yaml).model;
  const SimulationResult result = simulate_interpreted(m, {0.0, 1.0, 2.0}, 1e-10, 1e-14);
  ASSERT_TRUE(result.ok()) << result.summary.message;
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(result.column("S")[i], 2.0 * std::exp(-0.3 * i), 1e-8) << "t = " << i;

  const auto to_stdout = run_tolsim({"import-sbml", xml});
  ASSERT_EQ(to_stdout.exit_code, 0) << describe(to_stdout);
  EXPECT_EQ(to_stdout.out, text) << "without -o the same text goes to standard output";
}

TEST(CliImportSbml, MalformedSbmlExitsTwoAndWritesNothing) {
  TempDir dir;
  const std::string xml = dir.write(
      "broken.xml", "<?xml version=\"1.0\"?>\n<sbml level=\"3\" version=\"2\">\n<model>\n</sbml>\n");
  const std::string yaml = dir.path("broken.yaml");
  const auto r = run_tolsim({"import-sbml", xml, "-o", yaml});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("broken.xml:"));
  EXPECT_FALSE(std::filesystem::exists(yaml));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path(".")), {}), 1)
      << "no temporary file left";
}

// `tolsim export --format sbml` writes a document that `tolsim import-sbml` reads; a model with an error exits 2
// and writes nothing.
TEST(CliExport, SbmlOfAShippedModelReadsBackAndBadModelsExitTwo) {
  TempDir dir;
  const std::string xml = dir.path("ra-msc.xml");
  const auto r = run_tolsim({"export", source_path("models/ra-msc.yaml"), "--format", "sbml", "-o", xml});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string text = read_file(xml);
  // (find, not HasSubstr: the document is 450 kB, too long to print on a failure)
  EXPECT_NE(text.find(R"(<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2")"),
            std::string::npos);
  EXPECT_NE(text.find(R"(<species id="msc__MSC_blood")"), std::string::npos) << "module ids become SBML ids";
  EXPECT_NE(text.find(R"(id="msc.MSC_blood")"), std::string::npos)
      << "the tolsim id travels in the annotation";
  const auto back = run_tolsim({"import-sbml", xml, "-o", dir.path("ra-msc.yaml")});
  EXPECT_EQ(back.exit_code, 0) << describe(back);

  const std::string bad =
      dir.write("bad.yaml", "species:\n  X: {compartment: nowhere, initial: 1, unit: mg}\n");
  const auto failed = run_tolsim({"export", bad, "--format", "sbml", "-o", dir.path("bad.xml")});
  EXPECT_EQ(failed.exit_code, 2) << describe(failed);
  EXPECT_THAT(failed.err, HasSubstr("bad.yaml:2:"));
  EXPECT_FALSE(std::filesystem::exists(dir.path("bad.xml")));
  const auto unknown = run_tolsim({"export", source_path("models/ra-msc.yaml"), "--format", "matlab"});
  EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
}

}  // namespace
}  // namespace tolsim::testing
