// `tolsim diagram` and scripts/render-diagram: a model's network as a Graphviz graph.
//
// Where expected values come from: the DOT lines are written by hand from the test model below and the drawing
// rules of include/tolsim/io/diagram.hpp (reactant and product arrows, modifier arrows, rule arrows, clusters per
// compartment, parameters not drawn); the rendered SVG is Graphviz's own output (dot 2.43, Debian), whose node
// groups are counted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/model_text.hpp"
#include "support/run_process.hpp"
#include "tolsim/io/diagram.hpp"
#include "tolsim/model/loader.hpp"

namespace tolsim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tolsim::testing::run_process;
using tolsim::testing::run_tolsim;
using tolsim::testing::TempDir;

const char* const kModel = R"yaml(tolsim: 1
name: net
time_unit: day
compartments:
  blood: {size: 1, unit: L, source: "assumption: test model"}
  tissue: {size: 1, unit: L, source: "assumption: test model"}
species:
  M: {compartment: blood, initial: 1, unit: mg/L}
  D: {compartment: blood, initial: 0, unit: mg/L}
  E: {compartment: tissue, initial: 1, unit: mg/L}
  C: {compartment: tissue, initial: 1, unit: mg/L}
parameters:
  k: {value: 1, unit: L/mg/day, source: "assumption: test model"}
  kc: {value: 1, unit: 1/day, source: "assumption: test model"}
observables:
  signal: {value: "2 * E", unit: mg/L}
reactions:
  dimerise: {equation: "2 M -> D", rate: "blood * k * M * M * signal / E", modifiers: [E]}
rate_rules:
  C: "kc * (signal - C)"
)yaml";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Diagram, DrawsSpeciesReactionsModifiersAndRules) {
  const std::string dot = io::model_to_dot(model::load_model_from_string(kModel, "net.yaml").model);
  EXPECT_THAT(dot, ::testing::StartsWith("digraph \"net\" {\n"));
  // Reactant with its stoichiometry, product, and the two modifiers (E declared and used; signal used). M is a
  // reactant, so its use in the rate adds no modifier arrow.
  EXPECT_THAT(dot, HasSubstr("  \"s:M\" -> \"r:dimerise\" [label=\"2\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"r:dimerise\" -> \"s:D\";\n"));
  EXPECT_THAT(dot, HasSubstr("  \"s:E\" -> \"r:dimerise\" [style=dashed, arrowhead=odot];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"v:signal\" -> \"r:dimerise\" [style=dashed, arrowhead=odot];\n"));
  EXPECT_THAT(dot, Not(HasSubstr("\"s:M\" -> \"r:dimerise\" [style=dashed")));
  // The assignment rule and the rate rule; no arrow from C to itself.
  EXPECT_THAT(dot, HasSubstr("  \"s:E\" -> \"v:signal\" [style=dotted];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"v:signal\" -> \"s:C\" [style=dashed];\n"));
  EXPECT_THAT(dot, Not(HasSubstr("\"s:C\" -> \"s:C\"")));
  EXPECT_THAT(dot, HasSubstr("  \"v:signal\" [label=\"signal\", shape=note];\n"));
  // One box per compartment with its species; parameters and compartments are not nodes.
  const auto blood = dot.find("subgraph \"cluster_blood\""), tissue = dot.find("subgraph \"cluster_tissue\"");
  ASSERT_NE(blood, std::string::npos);
  ASSERT_NE(tissue, std::string::npos);
  const std::string blood_box = dot.substr(blood, tissue - blood);
  EXPECT_THAT(blood_box, HasSubstr("\"s:M\" [label=\"M\""));
  EXPECT_THAT(blood_box, HasSubstr("\"s:D\" [label=\"D\""));
  EXPECT_THAT(blood_box, Not(HasSubstr("\"s:E\"")));
  EXPECT_EQ(count(dot, ":k\""), 0u);
  EXPECT_EQ(count(dot, ":kc\""), 0u);
  EXPECT_EQ(count(dot, ":blood\""), 0u);
  EXPECT_EQ(count(dot, " -> "), 6u);  // 2 reaction arrows, 2 modifier arrows, 2 rule arrows
}

TEST(Diagram, CommandWritesTheFileOrNothing) {
  TempDir tmp;
  const std::string model = tmp.path("net.yaml"), out = tmp.path("net.dot");
  std::ofstream(model) << kModel;
  const auto ok = run_tolsim({"diagram", model, "-o", out});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(read(out), io::model_to_dot(model::load_model(model).model));
  // A model with an error: exit code 2, the error at its line, and no output file.
  std::ofstream(tmp.path("bad.yaml")) << std::string(kModel) + "  D: \"nope(\"\n";
  const auto bad = run_tolsim({"diagram", tmp.path("bad.yaml"), "-o", tmp.path("bad.dot")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:21:"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path("bad.dot")));
}

TEST(Diagram, RendersToSvgWithGraphviz) {
  if (!std::filesystem::exists("/usr/bin/dot"))
    GTEST_SKIP() << "Graphviz is not installed (scripts/install-deps)";
  TempDir tmp;
  const std::string model = tmp.path("net.yaml"), svg = tmp.path("net.svg");
  std::ofstream(model) << kModel;
  const auto r = run_process(std::string(TOLSIM_SOURCE_DIR) + "/scripts/render-diagram",
                             {model, svg, TOLSIM_EXECUTABLE});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read(svg);
  EXPECT_THAT(text, HasSubstr("<svg"));
  // 4 species, 1 rule variable and 1 reaction: 6 nodes; 6 arrows; 2 compartment boxes.
  EXPECT_EQ(count(text, "class=\"node\""), 6u);
  EXPECT_EQ(count(text, "class=\"edge\""), 6u);
  EXPECT_EQ(count(text, "class=\"cluster\""), 2u);
}

}  // namespace
}  // namespace tolsim
