// Model files: reading, composition of modules, and every kind of bad input reported at its exact place.
// Expected lines and columns are counted by hand in the YAML text of each test (1-based).
#include <unistd.h>

#include "support/model_text.hpp"

namespace tolsim::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* kMinimal = R"(name: minimal
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 2, unit: mg/L}
parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
reactions:
  decay: {equation: "X ->", rate: "k * X * c"}
)";

TEST(ModelLoader, ReadsAMinimalModel) {
  auto loaded = model::load_model_from_string(kMinimal, "test.yaml");
  const auto& m = loaded.model;
  EXPECT_EQ(m.name, "minimal");
  EXPECT_EQ(m.time_unit, "day");
  ASSERT_EQ(m.species.size(), 1u);
  EXPECT_EQ(m.species[0].id, "X");
  EXPECT_FALSE(m.species[0].only_substance_units) << "mg/L in a compartment in L is a concentration";
  ASSERT_EQ(m.reactions.size(), 1u);
  ASSERT_EQ(m.reactions[0].reactants.size(), 1u);
  EXPECT_TRUE(m.reactions[0].products.empty());
  EXPECT_EQ(loaded.diagnostics.warning_count(), 0u);
  EXPECT_EQ(m.reactions[0].rate.location.to_string(), "test.yaml:9:36");
}

TEST(ModelLoader, AmountSpeciesAreRecognisedFromUnits) {
  auto loaded = model::load_model_from_string(R"(compartments:
  c: {size: 2, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 5, unit: mg}
  B: {compartment: c, initial: 5, unit: mg/L}
  C: {compartment: c, initial: 5, unit: mg, quantity: concentration, allow_negative: true}
)",
                                              "test.yaml");
  EXPECT_TRUE(loaded.model.species[0].only_substance_units);
  EXPECT_FALSE(loaded.model.species[1].only_substance_units);
  EXPECT_FALSE(loaded.model.species[2].only_substance_units) << "an explicit quantity wins";
}

TEST(ModelLoader, SpeciesMayCarryTheirOwnAbsoluteTolerance) {
  auto loaded = model::load_model_from_string(R"(compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 5, unit: mg, atol: 1e-6}
  B: {compartment: c, initial: 5, unit: mg}
)",
                                              "test.yaml");
  ASSERT_TRUE(loaded.model.species[0].atol.has_value());
  EXPECT_EQ(*loaded.model.species[0].atol, 1e-6);
  EXPECT_FALSE(loaded.model.species[1].atol.has_value());

  // Line 4 is `  A: {compartment: c, initial: 5, unit: mg, atol: 0}`; the 0 is at column 51.
  auto d = problems_of(R"(compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  A: {compartment: c, initial: 5, unit: mg, atol: 0}
  B: {compartment: c, initial: 5, unit: mg, atol: -1e-9}
)");
  ASSERT_EQ(d.error_count(), 2u) << d.to_string();
  EXPECT_EQ(error_lines(d)[0],
            "test.yaml:4:51: error: species 'A': atol must be a positive number in the species' unit, not 0");
  EXPECT_THAT(error_lines(d)[1],
              HasSubstr("test.yaml:5:51: error: species 'B': atol must be a positive number"));
}

TEST(ModelLoader, MalformedYamlIsReportedAtItsPosition) {
  auto d = problems_of("species:\n  X: {compartment: c, initial: [1, 2\n");
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_THAT(d.items()[0].to_string(), HasSubstr("test.yaml:3:1: error: malformed YAML"));
}

TEST(ModelLoader, SyntaxErrorInAnExpressionPointsAtTheColumn) {
  // Line 9 is `  decay: {equation: "X ->", rate: "k * * X"}`; the quote opens at column 35, so the text starts at
  // column 36 and the second '*' (offset 4) is at column 40.
  std::string text = kMinimal;
  text.replace(text.find("k * X * c"), 9, "k * * X");
  auto d = problems_of(text);
  ASSERT_GE(d.error_count(), 1u);
  EXPECT_THAT(error_lines(d)[0], HasSubstr("test.yaml:9:40: error: in 'rate' of reaction 'decay'"));
}

TEST(ModelLoader, UnknownNamesGetASuggestion) {
  std::string text = kMinimal;
  text.replace(text.find("k * X * c"), 9, "kk * X * c");
  auto d = problems_of(text);
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_EQ(error_lines(d)[0],
            "test.yaml:9:36: error: in rate of reaction 'decay': unknown name 'kk' (did you mean 'k'?)");
}

TEST(ModelLoader, UnknownFieldsGetASuggestion) {
  std::string text = kMinimal;
  text.replace(text.find("source: \"assumption: test\"}\nreactions"), 7, "sorce:");
  auto d = problems_of(text);
  EXPECT_THAT(d.to_string(),
              HasSubstr("test.yaml:7:32: error: parameter 'k': unknown field 'sorce' (did you mean "
                        "'source'?)"));
}

TEST(ModelLoader, DuplicateNamesAcrossSections) {
  auto d = problems_of(R"(compartments:
  c: {size: 1, unit: L}
species:
  X: {compartment: c, initial: 1, unit: mg/L}
parameters:
  X: {value: 1, unit: mg/L}
)");
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_THAT(error_lines(d)[0], HasSubstr("test.yaml:6:3: error: 'X' is declared twice"));
}

TEST(ModelLoader, DuplicateKeysInOneSection) {
  auto d = problems_of(R"(parameters:
  k: {value: 1, unit: "1"}
  k: {value: 2, unit: "1"}
)");
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_EQ(error_lines(d)[0], "test.yaml:3:3: error: duplicate name 'k' in 'parameters'");
}

TEST(ModelLoader, CyclicAssignmentRules) {
  auto d = problems_of(R"(observables:
  a: {value: "b + 1", unit: "1"}
  b: {value: "2 * a", unit: "1"}
)");
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_THAT(error_lines(d)[0], HasSubstr("cyclic assignment rules: a -> b -> a"));
}

TEST(ModelLoader, DivisionByAConstantZero) {
  auto d = problems_of(R"(parameters:
  k: {value: 0, unit: 1/day}
  j: {value: 1, unit: 1/day}
observables:
  r: {value: "j / k", unit: "1"}
)");
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  // Line 5 is `  r: {value: "j / k", unit: "1"}`; the text starts at column 15 and 'k' is at offset 4.
  EXPECT_EQ(error_lines(d)[0],
            "test.yaml:5:19: error: in assignment rule of 'r': division by zero: 'k' is always 0");
}

TEST(ModelLoader, NonFiniteAndNegativeNumbers) {
  auto d = problems_of(R"(compartments:
  c: {size: -1, unit: L}
species:
  X: {compartment: c, initial: .nan, unit: mg/L}
parameters:
  k: {value: .inf, unit: 1/day}
)");
  const std::string all = d.to_string();
  EXPECT_THAT(all, HasSubstr("test.yaml:2:3: error: compartment 'c' has a negative size (-1)"));
  EXPECT_THAT(all, HasSubstr("test.yaml:4:32: error: species 'X': 'initial' = .nan is not a finite number"));
  EXPECT_THAT(all, HasSubstr("test.yaml:6:14: error: parameter 'k': 'value' = .inf is not a finite number"));
}

// A value may be left out only where an assignment rule gives it at every time. Lines and columns: the map of
// each entry (line 2 col 6, line 4 col 6, line 6 col 6).
TEST(ModelLoader, MissingValuesAreAllowedOnlyUnderAnAssignmentRule) {
  const std::string entries = R"(compartments:
  c: {unit: L, source: "assumption: test"}
species:
  X: {compartment: c, unit: mg/L}
parameters:
  k: {unit: mg/L, source: "assumption: test"}
)";
  const auto d = problems_of(entries);
  ASSERT_EQ(d.error_count(), 3u) << d.to_string();
  const auto lines = error_lines(d);
  EXPECT_EQ(lines[0],
            "test.yaml:2:6: error: compartment 'c': has no `size:` (only a quantity that an assignment "
            "rule sets may omit it)");
  EXPECT_EQ(lines[1],
            "test.yaml:4:6: error: species 'X': has no `initial:` value (only a quantity that an "
            "assignment rule sets may omit it)");
  EXPECT_EQ(lines[2],
            "test.yaml:6:6: error: parameter 'k': has no `value:` (only a quantity that an assignment "
            "rule sets may omit it)");
  const auto ruled = problems_of(entries + R"(assignment_rules:
  c: "2 [L]"
  X: "3 [mg/L]"
  k: "X"
)");
  EXPECT_EQ(ruled.error_count(), 0u) << ruled.to_string();
}

// Units may be left out only when they are not checked.
TEST(ModelLoader, UnitsMayBeLeftOutOnlyWithUnitCheckOff) {
  const std::string body = R"(compartments:
  c: {size: 1, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, quantity: amount}
)";
  const auto checked = problems_of(body);
  ASSERT_EQ(checked.error_count(), 2u) << checked.to_string();
  EXPECT_THAT(error_lines(checked)[0], HasSubstr("test.yaml:2:6: error: compartment 'c': has no `unit:`"));
  EXPECT_EQ(problems_of("unit_check: off\n" + body).error_count(), 0u);
}

// A reaction that changes no species is allowed (SBML has them; its name stands for its rate) but warned about.
TEST(ModelLoader, AReactionWithoutSpeciesIsAWarning) {
  const auto loaded = model::load_model_from_string(R"(unit_check: off
parameters:
  k: {value: 2, source: "assumption: test"}
reactions:
  flux: {equation: "->", rate: "k"}
observables:
  f: {value: "flux"}
)",
                                                    "test.yaml");
  ASSERT_EQ(loaded.diagnostics.warning_count(), 1u);
  EXPECT_THAT(loaded.diagnostics.to_string(), HasSubstr("reaction equation \"->\" changes no species"));
}

TEST(ModelLoader, AllProblemsOfAFileInOnePass) {
  auto d = problems_of(R"(compartments:
  c: {size: 1, unit: L}
species:
  X: {compartment: cc, initial: 1, unit: mg/L}
parameters:
  k: {value: 1, unit: 1/day, colour: red}
observables:
  y: {value: "zz + 1", unit: "1"}
)");
  EXPECT_EQ(d.error_count(), 3u) << d.to_string();
  EXPECT_THAT(d.to_string(), HasSubstr("unknown compartment 'cc' (did you mean 'c'?)"));
  EXPECT_THAT(d.to_string(), HasSubstr("unknown field 'colour'"));
  EXPECT_THAT(d.to_string(), HasSubstr("unknown name 'zz'"));
}

TEST(ModelLoader, UnitMismatchInAReactionRate) {
  std::string text = kMinimal;
  text.replace(text.find("k * X * c"), 9, "k * X");
  auto d = problems_of(text);
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_THAT(error_lines(d)[0],
              HasSubstr("test.yaml:9:36: error: unit mismatch in rate of reaction 'decay'"));
  EXPECT_THAT(error_lines(d)[0], HasSubstr("species 'X'"));
}

TEST(ModelLoader, MissingSourcesAreWarnings) {
  auto loaded = model::load_model_from_string(R"(parameters:
  k: {value: 1, unit: 1/day}
  j: {value: 1, unit: 1/day, source: "PMID:15365096"}
)",
                                              "test.yaml");
  ASSERT_EQ(loaded.diagnostics.warning_count(), 1u);
  EXPECT_THAT(loaded.diagnostics.items()[0].to_string(),
              HasSubstr("test.yaml:2:3: warning: parameter 'k' has no source"));
}

TEST(ModelLoader, AssumptionsMustSayWhy) {
  auto d = problems_of("parameters:\n  k: {value: 1, unit: 1/day, source: \"assumption:\"}\n");
  EXPECT_THAT(d.to_string(), HasSubstr("must say why"));
}

TEST(ModelLoader, VariabilityIsChecked) {
  auto d = problems_of(R"(parameters:
  a: {value: 1, unit: "1", variability: {distribution: lognormal, cv: -0.2}}
  b: {value: -1, unit: "1", variability: {distribution: lognormal, sigma: 0.2}}
  c: {value: 1, unit: "1", variability: {distribution: uniform, lower: 2, upper: 1}}
  d: {value: 1, unit: "1", variability: {distribution: gamma}}
  e: {value: 1, unit: "1", variability: {distribution: normal, sd: 0.1, lower: 0}, prior: [0.5, 2]}
)");
  const std::string all = d.to_string();
  EXPECT_THAT(all, HasSubstr("variability of 'a': cv = -0.2: must be > 0"));
  EXPECT_THAT(all, HasSubstr("variability of 'b': a lognormal parameter needs a positive value"));
  EXPECT_THAT(all, HasSubstr("variability of 'c': lower = 2 must be below upper = 1"));
  EXPECT_THAT(all, HasSubstr("unknown distribution 'gamma'"));
  EXPECT_EQ(d.error_count(), 5u) << all;  // c's reversed bounds also leave its value outside them
}

TEST(ModelLoader, TriggersMustBeConditions) {
  auto d = problems_of(R"(parameters:
  x: {value: 1, unit: "1"}
events:
  e: {trigger: "x + 1", assign: {x: "2"}}
)");
  EXPECT_THAT(d.to_string(), HasSubstr("trigger of event 'e' must be a condition"));
}

TEST(ModelLoader, EventsMakeTheirTargetsNonConstant) {
  auto loaded = model::load_model_from_string(R"(parameters:
  x: {value: 1, unit: "1", source: "assumption: test"}
events:
  e: {at: 5, assign: {x: "2"}}
)",
                                              "test.yaml");
  EXPECT_FALSE(loaded.model.parameters[0].constant);
  auto d = problems_of(R"(parameters:
  x: {value: 1, unit: "1", constant: true}
events:
  e: {at: 5, assign: {x: "2"}}
)");
  EXPECT_THAT(d.to_string(), HasSubstr("assigns 'x', which is declared constant"));
}

TEST(ModelLoader, MissingFileAndIncludeCycles) {
  TempDir dir;
  try {
    (void)model::load_model(dir.path("nope.yaml"));
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
  dir.write("a.yaml", "include:\n  - file: b.yaml\n    as: b\n");
  dir.write("b.yaml", "include:\n  - file: a.yaml\n    as: a\n");
  try {
    (void)model::load_model(dir.path("a.yaml"));
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("include cycle"));
    EXPECT_THAT(e.what(), HasSubstr("b.yaml:2:5"));
  }
  dir.write("c.yaml", "include:\n  - file: missing.yaml\n");
  try {
    (void)model::load_model(dir.path("c.yaml"));
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("c.yaml:2:5: error: model file"));
  }
}

TEST(ModelLoader, ModulesAreNamespacedAndConnected) {
  TempDir dir;
  dir.write("core.yaml", R"(compartments:
  tissue: {size: 1, unit: mL, source: "assumption: test"}
species:
  IFNg: {compartment: tissue, initial: 10, unit: pg/mL}
parameters:
  kdeg: {value: 2, unit: 1/day, source: "assumption: test"}
rate_rules:
  IFNg: "-kdeg * IFNg"
)");
  dir.write("msc.yaml", R"(inputs:
  cytokine: {unit: pg/mL, description: licensing signal}
compartments:
  blood: {size: 5, unit: L, source: "assumption: test"}
species:
  MSC: {compartment: blood, initial: 0, unit: cells/L}
parameters:
  klic: {value: 0.1, unit: mL/pg/day, source: "assumption: test"}
observables:
  licensing: {value: "klic * cytokine", unit: 1/day}
)");
  const std::string top = dir.write("top.yaml", R"(name: composed
include:
  - file: core.yaml
    as: core
  - file: msc.yaml
    as: msc
    connect: {cytokine: core.IFNg}
)");
  auto loaded = model::load_model(top);
  const auto& m = loaded.model;
  EXPECT_TRUE(m.find_species("core.IFNg"));
  EXPECT_TRUE(m.find_species("msc.MSC"));
  EXPECT_TRUE(m.find_parameter("msc.klic"));
  const model::Rule* rule = m.find_rule("msc.licensing");
  ASSERT_TRUE(rule);
  EXPECT_EQ(expr::to_string(*rule->math.ast), "msc.klic * core.IFNg");
  EXPECT_EQ(m.files.size(), 3u);
}

TEST(ModelLoader, UnconnectedInputsAndUnitMismatchedConnections) {
  TempDir dir;
  dir.write("mod.yaml", "inputs:\n  signal: {unit: pg/mL}\n");
  dir.write("src.yaml", "parameters:\n  level: {value: 1, unit: mg/L, source: \"assumption: test\"}\n");
  const std::string a = dir.write("a.yaml", "include:\n  - file: mod.yaml\n    as: m\n");
  try {
    (void)model::load_model(a);
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.yaml:2:5: error: input 'signal'"));
    EXPECT_THAT(e.what(), HasSubstr("is not connected"));
  }
  const std::string b = dir.write("b.yaml", R"(include:
  - file: src.yaml
    as: s
  - file: mod.yaml
    as: m
    connect: {signal: s.level}
)");
  try {
    (void)model::load_model(b);
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expects unit pg/mL but is connected to 's.level' in mg/L"));
  }
}

TEST(ModelLoader, ReservedNamesAndBadIdentifiers) {
  auto d = problems_of(R"(parameters:
  time: {value: 1, unit: "1"}
  2x: {value: 1, unit: "1"}
  a.b: {value: 1, unit: "1"}
)");
  EXPECT_EQ(d.error_count(), 3u) << d.to_string();
  EXPECT_THAT(d.to_string(), HasSubstr("'time' is a reserved name"));
}

TEST(ModelLoader, TheShippedExamplesLoadWithoutWarnings) {
  for (const char* f :
       {"examples/robertson.yaml", "examples/pk-two-compartment.yaml", "examples/immune-th17-treg.yaml"}) {
    auto loaded = model::load_model(source_path(f));
    EXPECT_EQ(loaded.diagnostics.warning_count(), 0u) << f << "\n" << loaded.diagnostics.to_string();
  }
}

}  // namespace
}  // namespace tolsim::testing
