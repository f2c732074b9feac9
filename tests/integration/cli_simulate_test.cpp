// What `tolsim simulate` writes and what `tolsim check` reports, end to end through the built binary, and
// the commands of the documentation run as written.
//
// Where expected values come from:
//  - the CSV layout (`time`, then species, then observables, in declaration order; --columns; output
//    times): docs/scenario-format.md and docs/model-format.md, applied by hand to the model texts below;
//  - numbers: closed forms of the linear models written here (each test states its formula);
//  - dose arithmetic (amount per kg times body weight, from the scenario or the model's body_weight
//    parameter): docs/scenario-format.md, "Doses";
//  - the interpreter and native back ends agree to rounding: docs/ARCHITECTURE.md, "Decisions worth
//    knowing";
//  - counts and warnings of `check`: counted by hand in the model text; positions are 1-based line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/model_text.hpp"
#include "support/run_process.hpp"

namespace tolsim::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kOk = 0;
constexpr int kBadInput = 2;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ProcessResult run_in(const TempDir& dir, const std::vector<std::string>& args) {
  ProcessOptions options;
  options.working_directory = dir.path("");
  return run_tolsim(args, options);
}

// A CSV as tolsim writes it: one header line of names, then rows of numbers.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;

  std::vector<double> column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::out_of_range("no column " + name);
    const auto c = static_cast<std::size_t>(it - header.begin());
    std::vector<double> out;
    for (const auto& row : rows) out.push_back(row.at(c));
    return out;
  }
};

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string item; std::getline(s, item, separator);) out.push_back(item);
  return out;
}

Csv parse_csv(const std::string& text) {
  Csv csv;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) return csv;
  csv.header = split(line, ',');
  while (std::getline(in, line)) {
    std::vector<double> row;
    for (const auto& cell : split(line, ',')) row.push_back(std::stod(cell));
    if (row.size() != csv.header.size()) throw std::runtime_error("ragged CSV row: " + line);
    csv.rows.push_back(std::move(row));
  }
  return csv;
}

// Simulates in a scratch folder and parses standard output; fails the test if the run fails.
Csv simulate_csv(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "simulate");
  const auto r = run_in(dir, args);
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  return parse_csv(r.out);
}

::testing::AssertionResult relatively_near(double actual, double expected, double tolerance) {
  const double error = std::fabs(actual - expected);
  if (error <= tolerance * std::fabs(expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << actual << " differs from " << expected << " by " << error / std::fabs(expected)
         << " relative (allowed " << tolerance << ")";
}

// Tight tolerances so that closed forms can be compared at 1e-6 relative.
const std::vector<std::string> kTight = {"--solver", "rtol=1e-10", "--solver", "atol=1e-14"};

std::vector<std::string> with_tight(std::vector<std::string> args) {
  args.insert(args.end(), kTight.begin(), kTight.end());
  return args;
}

// ----------------------------------------------------------------------------------------------------------
// CSV layout

// Species B and A (declared in that order, not alphabetically), observables `total` and `ratio`.
//   B' = -k B, B(0) = 3 mg/L;  A' = k B c (an amount), A(0) = 1 mg;  c = 2 L.
//   So B = 3 e^(-k t), A = 1 + 6 (1 - e^(-k t)), total = A + B c = 7 at all times, ratio(0) = B c / A = 6.
const char* kTwoSpecies = R"(name: order
compartments:
  c: {size: 2, unit: L, source: "assumption: test"}
species:
  B: {compartment: c, initial: 3, unit: mg/L}
  A: {compartment: c, initial: 1, unit: mg}
parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
observables:
  total: {value: "A + B * c", unit: mg}
  ratio: {value: "B * c / A", unit: "1"}
rate_rules:
  B: "-k * B"
  A: "k * B * c"
)";

TEST(CliCsv, HeaderIsTimeThenSpeciesThenObservablesInDeclarationOrder) {
  TempDir dir;
  dir.write("m.yaml", kTwoSpecies);
  const Csv csv = simulate_csv(dir, with_tight({"m.yaml", "--t-end", "4"}));
  EXPECT_THAT(csv.header, ElementsAre("time", "B", "A", "total", "ratio"));
  // Without --times: 101 evenly spaced points from 0 to t_end (docs/scenario-format.md, "Output times").
  ASSERT_EQ(csv.rows.size(), 101u);
  EXPECT_DOUBLE_EQ(csv.rows.front()[0], 0.0);
  EXPECT_DOUBLE_EQ(csv.rows.back()[0], 4.0);
  EXPECT_DOUBLE_EQ(csv.rows[50][0], 2.0);
  for (const auto& row : csv.rows) {
    const double t = row[0];
    EXPECT_TRUE(relatively_near(row[1], 3 * std::exp(-0.5 * t), 1e-6)) << "B at t = " << t;
    EXPECT_TRUE(relatively_near(row[2], 1 + 6 * (1 - std::exp(-0.5 * t)), 1e-6)) << "A at t = " << t;
    EXPECT_TRUE(relatively_near(row[3], 7.0, 1e-6)) << "total at t = " << t;
  }
  EXPECT_TRUE(relatively_near(csv.rows[0][4], 6.0, 1e-12));
}

TEST(CliCsv, ShippedExampleHeaderFollowsItsDeclarations) {
  // examples/immune-th17-treg.yaml declares species Th17, Treg, IL6, Drug and observables IL6_signal,
  // receptor_occupancy, Th17_Treg_ratio, in that order.
  TempDir dir;
  const Csv csv = simulate_csv(dir, {source_path("examples/immune-th17-treg.yaml"), "--times", "0,1"});
  EXPECT_THAT(csv.header, ElementsAre("time", "Th17", "Treg", "IL6", "Drug", "IL6_signal",
                                      "receptor_occupancy", "Th17_Treg_ratio"));
  EXPECT_EQ(csv.rows.size(), 2u);
}

TEST(CliCsv, ColumnsSelectsAndOrdersOutputsIncludingParameters) {
  TempDir dir;
  dir.write("m.yaml", kTwoSpecies);
  const Csv csv = simulate_csv(dir, {"m.yaml", "--times", "0,1", "--columns", "ratio,A,k"});
  EXPECT_THAT(csv.header, ElementsAre("time", "ratio", "A", "k"));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_TRUE(relatively_near(csv.rows[0][1], 6.0, 1e-12));
  EXPECT_TRUE(relatively_near(csv.rows[0][2], 1.0, 1e-12));
  EXPECT_EQ(csv.column("k"), (std::vector<double>{0.5, 0.5}));
}

TEST(CliCsv, TimesRangeGivesEveryGridPointWithTheStopIncluded) {
  TempDir dir;
  dir.write("m.yaml", kTwoSpecies);
  const Csv csv = simulate_csv(dir, {"m.yaml", "--times", "0:10:2.5"});
  // Multiples of 2.5 are exact in binary, so the times can be compared exactly.
  EXPECT_THAT(csv.column("time"), ElementsAre(0.0, 2.5, 5.0, 7.5, 10.0));
}

TEST(CliCsv, TimesListIsUsedAsGiven) {
  TempDir dir;
  dir.write("m.yaml", kTwoSpecies);
  const Csv csv = simulate_csv(dir, {"m.yaml", "--times", "0,0.25,3", "--t-end", "5"});
  EXPECT_THAT(csv.column("time"), ElementsAre(0.0, 0.25, 3.0));
}

TEST(CliCsv, TheTimeUnitOfTEndIsConverted) {
  // --t-end "2 week" in a model whose time unit is the day: 101 points up to 14.
  TempDir dir;
  dir.write("m.yaml", kTwoSpecies);
  const Csv csv = simulate_csv(dir, {"m.yaml", "--t-end", "2 week"});
  ASSERT_FALSE(csv.rows.empty());
  EXPECT_DOUBLE_EQ(csv.rows.back()[0], 14.0);
}

// ----------------------------------------------------------------------------------------------------------
// --set: y' = -k y, y(0) = 2 mg/L, so y(t) = y0 exp(-k t)

const char* kDecay = R"(name: decay
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  y: {compartment: c, initial: 2, unit: mg/L}
parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
rate_rules:
  y: "-k * y"
)";

struct SetCase {
  std::string name;
  std::vector<std::string> sets;
  double y_at_1;  // the closed form at t = 1 day
};

void PrintTo(const SetCase& c, std::ostream* os) {
  *os << c.name;
}

class CliSet : public ::testing::TestWithParam<SetCase> {};

TEST_P(CliSet, ChangesTheResultAsTheClosedFormPredicts) {
  TempDir dir;
  dir.write("m.yaml", kDecay);
  std::vector<std::string> args = {"m.yaml", "--times", "0,1"};
  for (const auto& s : GetParam().sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  const Csv csv = simulate_csv(dir, with_tight(args));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_TRUE(relatively_near(csv.column("y")[1], GetParam().y_at_1, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Cli, CliSet,
                         ::testing::ValuesIn(std::vector<SetCase>{
                             {"Default", {}, 2 * std::exp(-0.5)},
                             {"RateConstant", {"k=0.7"}, 2 * std::exp(-0.7)},
                             // 0.05 per hour is 1.2 per day.
                             {"RateConstantWithAUnit", {"k=0.05 1/h"}, 2 * std::exp(-1.2)},
                             {"InitialValue", {"y=5"}, 5 * std::exp(-0.5)},
                             // 5 ug/mL is 5 mg/L.
                             {"InitialValueWithAUnit", {"y=5 ug/mL"}, 5 * std::exp(-0.5)},
                             {"Both", {"k=0.7", "y=5"}, 5 * std::exp(-0.7)},
                         }),
                         [](const auto& test_case) { return test_case.param.name; });

// ----------------------------------------------------------------------------------------------------------
// --dose: A' = -k A (an amount in mg), k = 0.5/day; a bolus D at t0 adds D exp(-k (t - t0)) for t >= t0

const char* kBolus = R"(name: bolus
compartments:
  central: {size: 2, unit: L, source: "assumption: test"}
species:
  A: {compartment: central, initial: 0, unit: mg}
parameters:
  k: {value: 0.5, unit: 1/day, source: "assumption: test"}
  body_weight: {value: 70, unit: kg, source: "assumption: test"}
observables:
  C: {value: "A / central", unit: mg/L}
  bw: {value: "body_weight", unit: kg}
reactions:
  out: {equation: "A ->", rate: "k * A"}
)";

struct DoseCase {
  std::string name;
  std::string scenario;            // "" for none
  std::vector<std::string> extra;  // further arguments
  double body_weight_kg;           // expected in the `bw` column
  double a_at_1;                   // A at t = 1 day, closed form
};

void PrintTo(const DoseCase& c, std::ostream* os) {
  *os << c.name;
}

class CliDose : public ::testing::TestWithParam<DoseCase> {};

TEST_P(CliDose, AmountAndBodyWeightGiveTheClosedForm) {
  const DoseCase& c = GetParam();
  TempDir dir;
  dir.write("m.yaml", kBolus);
  std::vector<std::string> args = {"m.yaml", "--times", "0,0.5,1"};
  if (!c.scenario.empty()) {
    dir.write("s.yaml", c.scenario);
    args.insert(args.end(), {"--scenario", "s.yaml"});
  }
  args.insert(args.end(), c.extra.begin(), c.extra.end());
  const Csv csv = simulate_csv(dir, with_tight(args));
  ASSERT_EQ(csv.rows.size(), 3u);
  EXPECT_TRUE(relatively_near(csv.column("A")[2], c.a_at_1, 1e-6));
  EXPECT_TRUE(relatively_near(csv.column("C")[2], c.a_at_1 / 2, 1e-6)) << "C = A / 2 L";
  EXPECT_TRUE(relatively_near(csv.column("bw")[0], c.body_weight_kg, 1e-12));
}

const double kDecay1 = std::exp(-0.5);  // exp(-k * 1 day)

INSTANTIATE_TEST_SUITE_P(
    Cli, CliDose,
    ::testing::ValuesIn(std::vector<DoseCase>{
        {"FixedAmount", "", {"--dose", "target=A, amount=100 mg"}, 70, 100 * kDecay1},
        {"FixedAmountInAnotherUnit", "", {"--dose", "target=A, amount=0.1 g"}, 70, 100 * kDecay1},
        // 3 mg/kg times the model's body_weight parameter, 70 kg.
        {"PerKgWithTheModelsBodyWeight", "", {"--dose", "target=A, amount=3 mg/kg"}, 70, 210 * kDecay1},
        {"PerKgWithBodyWeightSet",
         "",
         {"--dose", "target=A, amount=3 mg/kg", "--set", "body_weight=80"},
         80,
         240 * kDecay1},
        // The scenario's 90000 g is 90 kg, and also becomes the model's body_weight.
        {"PerKgWithScenarioBodyWeight",
         "body_weight: 90000 g\ndoses:\n  - {target: A, amount: 3 mg/kg}\n",
         {},
         90,
         270 * kDecay1},
        // The dose may name the compartment that holds exactly one species.
        {"TargetByCompartment", "", {"--dose", "target=central, amount=100 mg"}, 70, 100 * kDecay1},
        // Three boluses 12 h apart: at t = 0, 0.5 and 1; the one at t = 1 is included in the output at t = 1.
        {"Repeated",
         "",
         {"--dose", "target=A, amount=100 mg, every=12 h, count=3"},
         70,
         100 * (std::exp(-0.5) + std::exp(-0.25) + 1)},
        // An infusion of 100 mg over 12 h (rate R = 200 mg/day) starting at 0: A(0.5) = R/k (1 - e^(-0.25)),
        // then free decay: A(1) = A(0.5) e^(-0.25).
        {"Infusion",
         "",
         {"--dose", "target=A, amount=100 mg, duration=12 h"},
         70,
         200 / 0.5 * (1 - std::exp(-0.25)) * std::exp(-0.25)},
        // A later start, in hours: 100 mg at t = 0.5 day.
        {"StartWithAUnit", "", {"--dose", "target=A, amount=100 mg, start=12 h"}, 70, 100 * std::exp(-0.25)},
    }),
    [](const auto& test_case) { return test_case.param.name; });

TEST(CliDose, ABolusAtAnOutputTimeIsIncludedInThatRow) {
  // docs/scenario-format.md: "The amount is added at the start time. Outputs at that time include it."
  TempDir dir;
  dir.write("m.yaml", kBolus);
  const Csv csv = simulate_csv(dir, {"m.yaml", "--times", "0,1", "--dose", "target=A, amount=3 mg/kg"});
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_TRUE(relatively_near(csv.column("A")[0], 210, 1e-12));
}

// ----------------------------------------------------------------------------------------------------------
// Back ends: interpreter and native code give the same numbers

struct BackendCase {
  std::string name;
  std::vector<std::string> args;  // relative to the source folder
};

void PrintTo(const BackendCase& c, std::ostream* os) {
  *os << c.name;
}

class CliBackends : public ::testing::TestWithParam<BackendCase> {};

TEST_P(CliBackends, InterpreterAndNativeAgreeTo1e9) {
  ProcessOptions options;
  options.working_directory = TOLSIM_SOURCE_DIR;
  std::vector<std::string> args = {"simulate"};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  auto interpreted_args = args, native_args = args;
  interpreted_args.insert(interpreted_args.end(), {"--backend", "interpreter"});
  native_args.insert(native_args.end(), {"--backend", "native"});
  const auto interpreted = run_tolsim(interpreted_args, options);
  const auto native = run_tolsim(native_args, options);
  ASSERT_EQ(interpreted.exit_code, kOk) << describe(interpreted);
  ASSERT_EQ(native.exit_code, kOk) << describe(native);
  const Csv a = parse_csv(interpreted.out), b = parse_csv(native.out);
  ASSERT_EQ(a.header, b.header);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  ASSERT_GT(a.rows.size(), 1u);
  for (std::size_t r = 0; r < a.rows.size(); ++r)
    for (std::size_t c = 0; c < a.header.size(); ++c) {
      const double x = a.rows[r][c], y = b.rows[r][c];
      EXPECT_LE(std::fabs(x - y), 1e-9 * std::max(std::fabs(x), std::fabs(y)))
          << a.header[c] << " at row " << r << ": interpreter " << x << ", native " << y;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliBackends,
    ::testing::ValuesIn(std::vector<BackendCase>{
        {"ImmuneWithScenario",
         {"examples/immune-th17-treg.yaml", "--scenario", "examples/immune-th17-treg.scenario.yaml"}},
        {"PkWithScenario",
         {"examples/pk-two-compartment.yaml", "--scenario", "examples/pk-two-compartment.scenario.yaml"}},
        {"Robertson", {"examples/robertson.yaml", "--scenario", "examples/robertson.scenario.yaml"}},
    }),
    [](const auto& test_case) { return test_case.param.name; });

// ----------------------------------------------------------------------------------------------------------
// check: counts, warnings for parameters without a source, --strict

// Counted by hand: 1 compartment, 2 species, 3 parameters (k2 on line 9 and k3 on line 10 have no source),
// 1 observable, 2 reactions, 0 rate rules.
const char* kCounted = R"(name: counted
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  X: {compartment: c, initial: 1, unit: mg/L}
  Y: {compartment: c, initial: 0, unit: mg/L}
parameters:
  k1: {value: 0.5, unit: 1/day, source: "doi:10.1000/test"}
  k2: {value: 0.1, unit: 1/day}
  k3: {value: 0.2, unit: 1/day}
observables:
  total: {value: "X + Y", unit: mg/L}
reactions:
  convert: {equation: "X -> Y", rate: "k1 * X * c"}
  decay: {equation: "Y ->", rate: "k2 * k3 / k1 * Y * c"}
)";

// The number printed before `word` in the summary ("2 species" -> 2), or -1.
int count_before(const std::string& text, const std::string& word) {
  for (auto at = text.find(" " + word); at != std::string::npos; at = text.find(" " + word, at + 1)) {
    std::size_t begin = at;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(text[begin - 1]))) --begin;
    if (begin < at) return std::stoi(text.substr(begin, at - begin));
  }
  return -1;
}

TEST(CliCheck, PrintsTheCountsAndWarnsAboutParametersWithoutASource) {
  TempDir dir;
  dir.write("m.yaml", kCounted);
  const auto r = run_in(dir, {"check", "m.yaml"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_EQ(count_before(r.out, "compartment"), 1) << r.out;
  EXPECT_EQ(count_before(r.out, "species"), 2) << r.out;
  EXPECT_EQ(count_before(r.out, "parameter"), 3) << r.out;
  EXPECT_EQ(count_before(r.out, "observable"), 1) << r.out;
  EXPECT_EQ(count_before(r.out, "reaction"), 2) << r.out;
  EXPECT_EQ(count_before(r.out, "rate rule"), 0) << r.out;
  EXPECT_EQ(count_before(r.out, "parameters or compartment sizes without a source"), 2) << r.out;
  std::vector<std::string> warnings;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    if (line.find("warning: ") != std::string::npos) warnings.push_back(line);
  ASSERT_EQ(warnings.size(), 2u) << r.err;
  EXPECT_THAT(warnings[0], ::testing::StartsWith("m.yaml:9:3: warning: parameter 'k2' has no source"));
  EXPECT_THAT(warnings[1], ::testing::StartsWith("m.yaml:10:3: warning: parameter 'k3' has no source"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("error: ")));
}

TEST(CliCheck, StrictTurnsWarningsIntoExitTwo) {
  TempDir dir;
  dir.write("m.yaml", kCounted);
  const auto r = run_in(dir, {"check", "--strict", "m.yaml"});
  EXPECT_EQ(r.exit_code, kBadInput) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("m.yaml:9:3: warning: parameter 'k2' has no source"));
}

TEST(CliCheck, StrictPassesAModelWithoutWarnings) {
  TempDir dir;
  dir.write("m.yaml", kDecay);
  const auto r = run_in(dir, {"check", "--strict", "m.yaml"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_THAT(r.err, IsEmpty());
}

TEST(CliCheck, QuietPrintsNothingForAGoodModel) {
  TempDir dir;
  dir.write("m.yaml", kCounted);
  const auto r = run_in(dir, {"--quiet", "check", "m.yaml"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, IsEmpty()) << "warnings are not errors";
}

TEST(CliCheck, ShortIncludeFormMergesTheModuleUnprefixed) {
  // docs/model-format.md: "`include:` entries without `as:` merge the module's names unprefixed"; `-
  // file.yaml` is the short form of `- file: file.yaml`. The root uses k from the module.
  TempDir dir;
  dir.write("module.yaml", "parameters:\n  k: {value: 0.5, unit: 1/day, source: \"assumption: test\"}\n");
  dir.write("m.yaml", std::string("include:\n  - module.yaml\n") +
                          "compartments:\n  c: {size: 1, unit: L, source: \"assumption: test\"}\n"
                          "species:\n  y: {compartment: c, initial: 2, unit: mg/L}\n"
                          "rate_rules:\n  y: \"-k * y\"\n");
  const auto r = run_in(dir, {"check", "m.yaml"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_EQ(count_before(r.out, "file"), 2) << r.out;
}

// ----------------------------------------------------------------------------------------------------------
// The commands printed in the documentation run as written

// Commands in a markdown file: lines that start with `prefix`, with `\` continuation lines joined.
std::vector<std::string> documented_commands(const std::string& markdown, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(markdown);
  std::string line, pending;
  while (std::getline(in, line)) {
    if (pending.empty() && line.rfind(prefix, 0) != 0) continue;
    const bool continues = !line.empty() && line.back() == '\\';
    pending += continues ? line.substr(0, line.size() - 1) : line;
    if (!continues) {
      out.push_back(pending);
      pending.clear();
    }
  }
  return out;
}

// Splits a command line as a POSIX shell would for these simple commands: blanks separate words, double
// quotes group. Anything fancier would be a documentation problem the test should show.
std::vector<std::string> words_of(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false, in_word = false;
  for (char ch : command) {
    if (ch == '"') {
      quoted = !quoted;
      in_word = true;
    } else if (!quoted && (ch == ' ' || ch == '\t')) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += ch;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  EXPECT_FALSE(quoted) << "unbalanced quotes in: " << command;
  return words;
}

// Runs each documented command with this build's binary, from the source folder. An --out file goes to a
// scratch folder instead, so that the test never writes into the source tree.
void run_documented(const std::string& doc, const std::string& prefix, std::size_t expected_count) {
  const auto commands = documented_commands(read_text(source_path(doc)), prefix);
  ASSERT_EQ(commands.size(), expected_count) << "commands starting with '" << prefix << "' in " << doc;
  TempDir dir;
  ProcessOptions options;
  options.working_directory = TOLSIM_SOURCE_DIR;
  for (const auto& command : commands) {
    auto words = words_of(command);
    ASSERT_FALSE(words.empty());
    words.erase(words.begin());  // the program
    std::string out_file;
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if (words[i] == "--out") out_file = words[i + 1] = dir.path(words[i + 1]);
    const auto r = run_tolsim(words, options);
    EXPECT_EQ(r.exit_code, kOk) << command << "\n" << describe(r);
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("error: "))) << command;
    if (words.front() == "trial" || words.front() == "population") {
      // --out is a folder of results (docs/trials.md).
      EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out_file) / "patients.csv")) << command;
    } else if (!out_file.empty()) {
      EXPECT_THAT(read_text(out_file), ::testing::StartsWith("time,")) << command;
    } else if (words.front() == "simulate") {
      EXPECT_THAT(r.out, ::testing::StartsWith("time,")) << command;
    }
  }
}

TEST(CliDocs, ReadmeUsingItCommandsRun) {
  // README.md, "Using it": one check, two simulate commands, two trials (the example and an MSC experiment) and one
  // population.
  run_documented("README.md", "build/bin/tolsim ", 6);
}

TEST(CliDocs, ScenarioFormatCommandRuns) {
  // docs/scenario-format.md: the command-line dose example.
  run_documented("docs/scenario-format.md", "tolsim simulate ", 1);
}

}  // namespace
}  // namespace tolsim::testing
