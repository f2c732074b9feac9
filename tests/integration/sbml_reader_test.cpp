// SBML import (src/sbml/reader.cpp): a model read from SBML simulates to its closed form, and unsupported or
// malformed SBML is an error at its line. The SBML Test Suite run (ctest conformance.sbml_test_suite) covers the
// breadth; these cases pin down the translation of amounts, concentrations and compartment sizes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "support/example_run.hpp"
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
  const SimulationResult r = testing::simulate_interpreted(m, {0.0, 1.0, 2.0}, 1e-10, 1e-14);
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

std::string algebraic_rules(const std::vector<std::string>& rules) {
  std::string text = "<listOfRules>";
  for (const auto& r : rules)
    text += R"(
      <algebraicRule>
        <math xmlns="http://www.w3.org/1998/Math/MathML">)" +
            r + R"(</math>
      </algebraicRule>)";
  return text + "\n    </listOfRules>";
}

// A species that no reaction changes, amounts only, starting at 0.
std::string free_species(const std::string& id) {
  return fmt::format(R"(<species id="{}" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" )"
                     R"(boundaryCondition="false" constant="false"/>)",
                     id);
}

// S as in the first test: S(t) = 2 exp(-0.3 t).
const char* kDecayingSpecies =
    R"(<species id="S" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" )"
    R"(boundaryCondition="false" constant="false"/>)";

// 0 = 2 T - S determines T, the only quantity in it that nothing else sets (S is changed by a reaction). Closed
// form: T = S / 2 = exp(-0.3 t), with S(t) = 2 exp(-0.3 t) as in the first test; at t = 0 too, so T's initial
// amount of 0 is overridden.
TEST(SbmlReader, AlgebraicRuleIsSolvedForTheQuantityItDetermines) {
  const auto loaded = sbml::read_sbml_from_string(
      document(kDecayingSpecies + free_species("T"),
               algebraic_rules(
                   {"<apply><minus/><apply><times/><cn> 2 </cn><ci> T </ci></apply><ci> S </ci></apply>"})),
      "algebraic.xml");
  const auto t = simulate_column(loaded.model, "T");
  ASSERT_EQ(t.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(t[i], std::exp(-0.3 * i), 1e-8) << "t = " << i;
}

// Two rules, 0 = a + b - S and 0 = a - 1. The first could determine a or b, the second only a, so the first must
// determine b: a = 1 and b = S - 1 = 2 exp(-0.3 t) - 1. Taking the rules in order and each rule's first quantity
// would give the first rule a and leave the second without a quantity.
TEST(SbmlReader, AlgebraicRulesAreMatchedToTheirQuantitiesAsAWhole) {
  const auto loaded = sbml::read_sbml_from_string(
      document(kDecayingSpecies + free_species("a") + free_species("b"),
               algebraic_rules(
                   {"<apply><minus/><apply><plus/><ci> a </ci><ci> b </ci></apply><ci> S </ci></apply>",
                    "<apply><minus/><ci> a </ci><cn> 1 </cn></apply>"})),
      "algebraic.xml");
  const auto a = simulate_column(loaded.model, "a");
  const auto b = simulate_column(loaded.model, "b");
  ASSERT_EQ(b.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(a[i], 1.0, 1e-12) << "t = " << i;
    EXPECT_NEAR(b[i], 2.0 * std::exp(-0.3 * i) - 1.0, 1e-8) << "t = " << i;
  }
}

// 0 = T^2 - S is not linear in T, the only quantity it could determine: the rule is an error at its line.
TEST(SbmlReader, NonlinearAlgebraicRuleIsAnErrorAtItsLine) {
  try {
    sbml::read_sbml_from_string(
        document(kDecayingSpecies + free_species("T"),
                 algebraic_rules({"<apply><minus/><apply><power/><ci> T </ci><cn> 2 </cn></apply><ci> S </ci>"
                                  "</apply>"})),
        "algebraic.xml");
    FAIL() << "no error";
  } catch (const ModelError& e) {
    ASSERT_FALSE(e.diagnostics().items().empty());
    const Diagnostic& d = e.diagnostics().items().front();
    EXPECT_EQ(d.location.file, "algebraic.xml");
    EXPECT_EQ(d.location.line,
              14);  // <algebraicRule>: line 13 opens listOfRules, after 12 lines of document()
    EXPECT_NE(d.message.find("is not linear in any quantity it could determine"), std::string::npos)
        << d.message;
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

// `pi` is a parameter in the SBML model and a constant in tolsim: it is read as `pi_` and keeps its SBML value, so
// q = 2 pi is 14, not 2 x 3.14159.
TEST(SbmlReader, IdThatIsAReservedNameIsRenamedAndKeepsItsValue) {
  const std::string extra = R"(<listOfParameters>
      <parameter id="pi" value="7" constant="true"/>
      <parameter id="q" constant="false"/>
    </listOfParameters>
    <listOfRules>
      <assignmentRule variable="q">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn> 2 </cn><ci> pi </ci></apply></math>
      </assignmentRule>
    </listOfRules>)";
  std::string text = document(kDecayingSpecies, extra);
  // document() has its own listOfParameters; merge by dropping the second opening and the first closing tag.
  text.replace(text.find("</listOfParameters>"), std::string("</listOfParameters>").size(), "");
  text.replace(text.rfind("<listOfParameters>"), std::string("<listOfParameters>").size(), "");
  std::map<std::string, std::string> renamed;
  auto loaded = sbml::read_sbml_from_string(text, "reserved.xml", &renamed);
  EXPECT_EQ(renamed, (std::map<std::string, std::string>{{"pi", "pi_"}}));
  ASSERT_NE(loaded.model.find_parameter("pi_"), nullptr);
  bool noted = false;
  for (const auto& d : loaded.diagnostics.items())
    noted = noted || d.message.find("'pi_'") != std::string::npos;
  EXPECT_TRUE(noted);
  for (auto& p : loaded.model.parameters)
    if (p.id == "q") p.observable = true;
  const auto q = simulate_column(loaded.model, "q");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], 14.0);
}

// A function whose arguments share names with model quantities, called with those quantities swapped:
// f(x, y) = x - y, with x = 1 and y = 5, so f(y, x) = 5 - 1 = 4. Substituting one argument after the other would
// give x - x or y - y = 0.
TEST(SbmlReader, FunctionArgumentsAreSubstitutedAllAtOnce) {
  const std::string text = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="swap">
    <listOfFunctionDefinitions>
      <functionDefinition id="f">
        <math xmlns="http://www.w3.org/1998/Math/MathML">
          <lambda><bvar><ci> x </ci></bvar><bvar><ci> y </ci></bvar><apply><minus/><ci> x </ci><ci> y </ci></apply></lambda>
        </math>
      </functionDefinition>
    </listOfFunctionDefinitions>
    <listOfParameters>
      <parameter id="x" value="1" constant="true"/>
      <parameter id="y" value="5" constant="true"/>
      <parameter id="z" constant="false"/>
    </listOfParameters>
    <listOfRules>
      <assignmentRule variable="z">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><ci> f </ci><ci> y </ci><ci> x </ci></apply></math>
      </assignmentRule>
    </listOfRules>
  </model>
</sbml>
)";
  auto loaded = sbml::read_sbml_from_string(text, "swap.xml");
  loaded.model.parameters.back().observable = true;
  const auto z = simulate_column(loaded.model, "z");
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[0], 4.0);
}

// rateOf(S) for a concentration species decaying at k S C: dS/dt = -k S, so q = rateOf(S) = -0.3 x 2 exp(-0.3 t).
TEST(SbmlReader, RateOfASpeciesIsItsRateOfChangeFromTheReactions) {
  const std::string rules = R"(<listOfRules>
      <assignmentRule variable="q">
        <math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/rateOf"> rateOf </csymbol>
            <ci> S </ci></apply>
        </math>
      </assignmentRule>
    </listOfRules>)";
  std::string text = document(kDecayingSpecies, rules);
  text.replace(text.find("</listOfParameters>"), 0, R"(<parameter id="q" constant="false"/>)");
  auto loaded = sbml::read_sbml_from_string(text, "rate-of.xml");
  for (auto& p : loaded.model.parameters)
    if (p.id == "q") p.observable = true;
  const auto q = simulate_column(loaded.model, "q");
  ASSERT_EQ(q.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(q[i], -0.6 * std::exp(-0.3 * i), 1e-8) << "t = " << i;
}

// S -> n P at rate k S (S and P amounts), with the stoichiometry n under a rate rule dn/dt = 1, n(0) = 1. Closed
// form: S = 4 exp(-a t) with a = 0.3, and dP/dt = n a S = 1.2 (1 + t) exp(-a t), so
// P(t) = 1.2 [(1 - exp(-a t)) / a + (1 - (1 + a t) exp(-a t)) / a^2].
TEST(SbmlReader, StoichiometryUnderARateRuleFollowsTheClosedForm) {
  const std::string text = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="variable_stoichiometry">
    <listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="C" initialAmount="4" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
      <species id="P" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters><parameter id="k" value="0.3" constant="true"/></listOfParameters>
    <listOfRules>
      <rateRule variable="n"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></rateRule>
    </listOfRules>
    <listOfReactions>
      <reaction id="R" reversible="false">
        <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference id="n" species="P" stoichiometry="1" constant="false"/></listOfProducts>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci> k </ci><ci> S </ci></apply></math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
)";
  const auto loaded = sbml::read_sbml_from_string(text, "stoichiometry.xml");
  const auto p = simulate_column(loaded.model, "P");
  ASSERT_EQ(p.size(), 3u);
  const double a = 0.3;
  for (int i = 0; i < 3; ++i) {
    const double t = i, e = std::exp(-a * t);
    EXPECT_NEAR(p[i], 1.2 * ((1.0 - e) / a + (1.0 - (1.0 + a * t) * e) / (a * a)), 1e-7) << "t = " << t;
  }
}

TEST(SbmlReader, RecognisesSbmlPaths) {
  EXPECT_TRUE(sbml::is_sbml_path("a/b/model.xml"));
  EXPECT_TRUE(sbml::is_sbml_path("MODEL.SBML"));
  EXPECT_FALSE(sbml::is_sbml_path("models/ra.yaml"));
}

}  // namespace
}  // namespace tolsim
