// The tolsim command line, end to end through the built binary: help and version, exit codes, every kind of
// bad input with its exact `file:line:col: error:` line, all problems of a file in one run, numerical
// failures, and the promise that a failed run leaves no output file.
//
// Where expected values come from:
//  - exit codes (0 ok, 1 internal, 2 bad input, 3 numerical failure) and option names: README.md ("Using
//    it") and docs/scenario-format.md;
//  - the version: project(VERSION ...) in the top-level CMakeLists.txt;
//  - every line:column: counted by hand in the model text written by the test (1-based; the comment next
//    to each case says which character it is);
//  - the failure time of dy/dt = y^2, y(0) = 1: the exact solution 1 / (1 - t) has its pole at t = 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/model_text.hpp"
#include "support/run_process.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr int kOk = 0;
constexpr int kBadInput = 2;
constexpr int kNumerical = 3;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The lines of stderr that report an error (not warnings or notes).
std::vector<std::string> error_lines_of(const std::string& err) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(err))
    if (line.find("error: ") != std::string::npos) out.push_back(line);
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> files_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs tolsim with the scratch folder as working directory, so that paths in messages are the short names the
// test wrote.
ProcessResult run_in(const TempDir& dir, const std::vector<std::string>& args) {
  ProcessOptions options;
  options.working_directory = dir.path("");
  return run_tolsim(args, options);
}

// ----------------------------------------------------------------------------------------------------------
// Help, version, unknown commands

TEST(CliHelp, VersionIsTheProjectVersion) {
  const std::string cmake = read_text(source_path("CMakeLists.txt"));
  const std::string key = "project(tolsim VERSION ";
  const auto at = cmake.find(key);
  ASSERT_NE(at, std::string::npos);
  const std::string version =
      cmake.substr(at + key.size(), cmake.find_first_of(" )\n", at + key.size()) - at - key.size());
  ASSERT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
  const auto r = run_tolsim({"--version"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_EQ(r.out, "tolsim " + version + "\n");
}

TEST(CliHelp, TopLevelHelpListsCommandsOptionsAndExitCodes) {
  const auto r = run_tolsim({"--help"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  for (const char* word : {"check", "simulate", "--version", "--quiet", "Exit codes", "3 numerical failure"})
    EXPECT_THAT(r.out, HasSubstr(word));
}

TEST(CliHelp, CheckHelpListsItsOptions) {
  const auto r = run_tolsim({"check", "--help"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("MODEL"));
  EXPECT_THAT(r.out, HasSubstr("--strict"));
}

TEST(CliHelp, SimulateHelpListsEveryOptionAndTheSolverSettingsTable) {
  const auto r = run_tolsim({"simulate", "--help"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  // Options named in README.md and docs/scenario-format.md.
  for (const char* option : {"MODEL", "--scenario", "--set", "--dose", "--t-end", "--times", "--out",
                             "--columns", "--solver", "--backend", "--summary"})
    EXPECT_THAT(r.out, HasSubstr(option));
  // docs/scenario-format.md: "`tolsim simulate --help` prints the same table" of solver settings.
  for (const char* setting : {"rtol", "atol", "max_steps", "max_step", "initial_step", "max_order",
                              "jacobian", "enforce_nonnegative", "max_events_per_time"})
    EXPECT_THAT(r.out, HasSubstr(std::string("  ") + setting + " (")) << setting;
}

TEST(CliHelp, UnknownCommandExitsTwoWithASuggestion) {
  const auto r = run_tolsim({"simulat", "examples/robertson.yaml"});
  EXPECT_EQ(r.exit_code, kBadInput) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'simulat'"));
  EXPECT_THAT(r.err, HasSubstr("did you mean 'simulate'?"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(CliHelp, MissingCommandAndUnknownOptionsExitTwo) {
  EXPECT_EQ(run_tolsim({}).exit_code, kBadInput);
  EXPECT_EQ(run_tolsim({"check"}).exit_code, kBadInput) << "MODEL is required";
  TempDir dir;
  dir.write("m.yaml", "name: m\n");
  EXPECT_EQ(run_in(dir, {"simulate", "m.yaml", "--t-end", "1", "--bogus"}).exit_code, kBadInput);
}

// ----------------------------------------------------------------------------------------------------------
// Bad model and scenario files: exit 2, one `file:line:col: error:` line per problem, all in one run

// A valid model that each case below changes in one place. Line numbers of the text:
//   1 name  2 compartments  3 c  4 species  5 y  6 parameters  7 k  8 rate_rules  9 y
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

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test text lacks '" + from + "'");
  return text.replace(at, from.size(), to);
}

struct BadInputCase {
  std::string name;
  std::vector<std::pair<std::string, std::string>> files;  // written into the scratch folder
  std::vector<std::string> args;
  // One entry per expected error line: the line starts with one of the alternatives (only a cycle, which can
  // be reported at either of its rules, has two).
  std::vector<std::vector<std::string>> errors;
};

void PrintTo(const BadInputCase& c, std::ostream* os) {
  *os << c.name;
}

class CliBadInput : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(CliBadInput, ExitsTwoWithOneExactLinePerProblem) {
  const BadInputCase& c = GetParam();
  TempDir dir;
  for (const auto& [name, text] : c.files) dir.write(name, text);
  const auto r = run_in(dir, c.args);
  EXPECT_EQ(r.exit_code, kBadInput) << describe(r);
  EXPECT_THAT(r.out, IsEmpty()) << "no summary and no CSV after an error";
  const auto errors = error_lines_of(r.err);
  EXPECT_EQ(errors.size(), c.errors.size()) << r.err;
  for (const auto& alternatives : c.errors) {
    const bool found = std::any_of(errors.begin(), errors.end(), [&](const std::string& line) {
      return std::any_of(alternatives.begin(), alternatives.end(),
                         [&](const std::string& prefix) { return line.rfind(prefix, 0) == 0; });
    });
    EXPECT_TRUE(found) << "expected a line starting with '" << alternatives.front() << "'\n" << r.err;
  }
}

std::vector<BadInputCase> bad_input_cases() {
  const std::vector<std::string> check = {"check", "m.yaml"};
  const std::vector<std::string> simulate = {"simulate", "m.yaml", "--t-end", "1"};
  return {
      // Line 2 `  bad: 1`: after the plain scalar of line 1 no mapping may start; its ':' is column 6.
      {"MalformedYaml", {{"m.yaml", "name: m\n  bad: 1\n"}}, check, {{"m.yaml:2:6: error: malformed YAML"}}},
      // Line 9 `  y: "-kk * y"`: the quote is column 6, '-' column 7, `kk` column 8.
      {"UnknownName",
       {{"m.yaml", replaced(kDecay, "-k * y", "-kk * y")}},
       check,
       {{"m.yaml:9:8: error: in rate rule of 'y': unknown name 'kk' (did you mean 'k'?)"}}},
      // A parameter `y` on line 8, column 3, after the species `y` of line 5.
      {"DuplicateName",
       {{"m.yaml", replaced(kDecay, "rate_rules:",
                            "  y: {value: 1, unit: mg/L, source: \"assumption: test\"}\nrate_rules:")}},
       check,
       {{"m.yaml:8:3: error: 'y' is declared twice"}}},
      // Rules on lines 6 and 7, text at column 7 (after `  a: "`); the cycle may be reported at either rule.
      {"CyclicAssignmentRules",
       {{"m.yaml",
         "name: m\n"
         "parameters:\n"
         "  a: {value: 1, unit: \"1\", source: \"assumption: test\"}\n"
         "  b: {value: 1, unit: \"1\", source: \"assumption: test\"}\n"
         "assignment_rules:\n"
         "  a: \"b + 1\"\n"
         "  b: \"2 * a\"\n"}},
       check,
       {{"m.yaml:6:7: error: cyclic assignment rules", "m.yaml:7:7: error: cyclic assignment rules"}}},
      // k in mg/day makes `-k * y` mg^2/(L day) where mg/(L day) is needed; the expression starts at 9:7.
      {"UnitMismatch",
       {{"m.yaml", replaced(kDecay, "unit: 1/day", "unit: mg/day")}},
       check,
       {{"m.yaml:9:7: error: unit mismatch in rate rule of 'y'"}}},
      // Parameter z = 0 on line 8; line 10 `  y: "-k * y / z"` has z at column 7 + 9 = 16.
      {"DivisionByAConstantZero",
       {{"m.yaml",
         replaced(replaced(kDecay, "rate_rules:",
                           "  z: {value: 0, unit: \"1\", source: \"assumption: test\"}\nrate_rules:"),
                  "-k * y", "-k * y / z")}},
       check,
       {{"m.yaml:10:16: error: in rate rule of 'y': division by zero: 'z' is always 0"}}},
      // A file that does not exist has no line or column: the message starts with its name.
      {"MissingFile",
       {},
       {"check", "nothere.yaml"},
       {{"nothere.yaml: error: model file 'nothere.yaml' does not exist"}}},
      // Line 3 `  - file: nothere.yaml`: the include entry (a mapping) starts at column 5.
      {"MissingInclude",
       {{"m.yaml", "name: m\ninclude:\n  - file: nothere.yaml\n"}},
       check,
       {{"m.yaml:3:5: error: model file 'nothere.yaml' does not exist"}}},
      // m.yaml includes b.yaml, whose line 3 `  - m.yaml` (the short form, column 5) closes the cycle.
      {"IncludeCycle",
       {{"m.yaml", "name: m\ninclude:\n  - file: b.yaml\n    as: b\n"},
        {"b.yaml", "name: b\ninclude:\n  - m.yaml\n"}},
       check,
       {{"b.yaml:3:5: error: include cycle"}}},
      // The compartment's name on line 3, column 3.
      {"NegativeSize",
       {{"m.yaml", replaced(kDecay, "size: 1,", "size: -1,")}},
       check,
       {{"m.yaml:3:3: error: compartment 'c' has a negative size (-1)"}}},
      // Line 7 `  k: {value: .nan, ...`: the value starts at column 14.
      {"NanValue",
       {{"m.yaml", replaced(kDecay, "value: 0.5", "value: .nan")}},
       check,
       {{"m.yaml:7:14: error: parameter 'k': 'value' = .nan is not a finite number"}}},
      // Line 3 `  c: {size: .inf, ...`: the value starts at column 13.
      {"InfiniteSize",
       {{"m.yaml", replaced(kDecay, "size: 1,", "size: .inf,")}},
       check,
       {{"m.yaml:3:13: error: compartment 'c': 'size' = .inf is not a finite number"}}},
      // Line 5 `  y: {compartment: c, initial: 1e400, ...`: 1e400 overflows a double; it starts at column 32.
      {"OverflowingNumber",
       {{"m.yaml", replaced(kDecay, "initial: 2", "initial: 1e400")}},
       check,
       {{"m.yaml:5:32: error: in 'initial' of species 'y': number out of range"}}},
      // The species' name on line 5, column 3.
      {"NegativeInitialValue",
       {{"m.yaml", replaced(kDecay, "initial: 2", "initial: -1")}},
       check,
       {{"m.yaml:5:3: error: species 'y' starts at -1 but may not go negative"}}},
      // Units whose product leaves the range of double: 1e200/day times 1e200 mg/L. The product
      // `-k * y` starts at 9:7.
      {"UnitScaleOutOfRange",
       {{"m.yaml",
         replaced(replaced(kDecay, "unit: 1/day", "unit: 1e200/day"), "unit: mg/L}", "unit: 1e200 mg/L}")}},
       check,
       {{"m.yaml:9:7: error: in rate rule of 'y': unit '1e200/day' * '1e200 mg/L'"}}},
      // Line 5 `  e: {assign: {X: "1"}}`: an event without a trigger; its mapping starts at column 6.
      {"EventWithoutTrigger",
       {{"m.yaml",
         "name: m\n"
         "parameters:\n"
         "  X: {value: 1, unit: \"1\", source: \"assumption: test\"}\n"
         "events:\n"
         "  e: {assign: {X: \"1\"}}\n"}},
       check,
       {{"m.yaml:5:6: error: event 'e': needs a `trigger:`"}}},
      // Line 5 `  e: {trigger: "X >", ...`: the text starts at column 17 and ends after 3 characters, at 20.
      {"EventTriggerSyntaxError",
       {{"m.yaml",
         "name: m\n"
         "parameters:\n"
         "  X: {value: 1, unit: \"1\", source: \"assumption: test\"}\n"
         "events:\n"
         "  e: {trigger: \"X >\", assign: {X: \"1\"}}\n"}},
       check,
       {{"m.yaml:5:20: error: in 'trigger' of event 'e': expected an expression"}}},
      // Line 5 `  y: {compartment: "", ...`: the empty name's quote is at column 20.
      {"EmptyCompartmentName",
       {{"m.yaml", replaced(kDecay, "compartment: c,", "compartment: \"\",")}},
       check,
       {{"m.yaml:5:20: error: species 'y': `compartment:` is empty"}}},
      // Line 7 `  k: {value: 0.5, unit: "", ...`: the empty unit's quote is at column 25.
      {"EmptyUnit",
       {{"m.yaml", replaced(kDecay, "unit: 1/day", "unit: \"\"")}},
       check,
       {{"m.yaml:7:25: error: parameter 'k': `unit:` is empty"}}},
      // Three independent mistakes, three lines: a negative size (3:3), a NaN (7:14), an unknown name (9:8).
      {"ThreeMistakesThreeLines",
       {{"m.yaml", replaced(replaced(replaced(kDecay, "size: 1,", "size: -1,"), "value: 0.5", "value: .nan"),
                            "-k * y", "-kk * y")}},
       check,
       {{"m.yaml:3:3: error: compartment 'c' has a negative size"},
        {"m.yaml:7:14: error: parameter 'k': 'value' = .nan is not a finite number"},
        {"m.yaml:9:8: error: in rate rule of 'y': unknown name 'kk'"}}},
      // Scenario with three mistakes: an unknown setting (key at 4:3), a value out of range (5:9), an unknown
      // dose field (key at 9:5).
      {"BadScenarioFile",
       {{"m.yaml", kDecay},
        {"s.yaml",
         "name: bad\n"
         "t_end: 10\n"
         "solver:\n"
         "  rtoll: 1e-8\n"
         "  atol: -1\n"
         "doses:\n"
         "  - target: y\n"
         "    amount: 5 mg\n"
         "    cout: 2\n"}},
       {"simulate", "m.yaml", "--scenario", "s.yaml"},
       {{"s.yaml:4:3: error: unknown solver setting 'rtoll' (did you mean 'rtol'?)"},
        {"s.yaml:5:9: error: solver.atol = -1: must be >= 0"},
        {"s.yaml:9:5: error: dose: unknown field 'cout' (did you mean 'count'?)"}}},
      // The scenario's dose names a species the model lacks; the dose mapping starts at 3:5.
      {"ScenarioDoseOfAnUnknownSpecies",
       {{"m.yaml", kDecay}, {"s.yaml", "t_end: 1\ndoses:\n  - target: yy\n    amount: 5 mg\n"}},
       {"simulate", "m.yaml", "--scenario", "s.yaml"},
       {{"s.yaml:3:5: error: unknown dose target 'yy' (did you mean 'y'?)"}}},
      {"MissingScenarioFile",
       {{"m.yaml", kDecay}},
       {"simulate", "m.yaml", "--scenario", "nothere.yaml"},
       {{"nothere.yaml: error: cannot read scenario file"}}},
      // simulate loads the model the same way as check.
      {"SimulateReportsModelErrorsToo",
       {{"m.yaml", replaced(kDecay, "-k * y", "-kk * y")}},
       simulate,
       {{"m.yaml:9:8: error: in rate rule of 'y': unknown name 'kk'"}}},
  };
}

INSTANTIATE_TEST_SUITE_P(Cli, CliBadInput, ::testing::ValuesIn(bad_input_cases()),
                         [](const auto& test_case) { return test_case.param.name; });

// Bad command-line values have no file position; the message names the argument at fault.
struct BadArgumentCase {
  std::string name;
  std::vector<std::string> args;  // after `simulate m.yaml`
  std::string mentions;
};

void PrintTo(const BadArgumentCase& c, std::ostream* os) {
  *os << c.name;
}

class CliBadArgument : public ::testing::TestWithParam<BadArgumentCase> {};

TEST_P(CliBadArgument, ExitsTwoAndNamesTheArgument) {
  const BadArgumentCase& c = GetParam();
  TempDir dir;
  dir.write("m.yaml", kDecay);
  std::vector<std::string> args = {"simulate", "m.yaml"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const auto r = run_in(dir, args);
  EXPECT_EQ(r.exit_code, kBadInput) << describe(r);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr(c.mentions)) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliBadArgument,
    ::testing::ValuesIn(std::vector<BadArgumentCase>{
        {"DoseWithoutAmount", {"--t-end", "1", "--dose", "target=y"}, "amount"},
        {"DoseOfUnknownTarget", {"--t-end", "1", "--dose", "target=yy, amount=5 mg"}, "did you mean 'y'"},
        {"DoseInUnknownUnit", {"--t-end", "1", "--dose", "target=y, amount=5 furlong"}, "furlong"},
        {"DoseCountZero", {"--t-end", "1", "--dose", "target=y, amount=5 mg, count=0"}, "count"},
        {"DoseIntervalNotATime",
         {"--t-end", "1", "--dose", "target=y, amount=5 mg, every=2 mg, count=2"},
         "2 mg"},
        {"DoseUnknownKey",
         {"--t-end", "1", "--dose", "target=y, amount=5 mg, cout=2"},
         "did you mean 'count'"},
        {"WeightBasedDoseWithoutBodyWeight", {"--t-end", "1", "--dose", "target=y, amount=5 mg/kg"}, "body"},
        {"SetWithoutValue", {"--t-end", "1", "--set", "k"}, "--set 'k'"},
        {"SetOfUnknownName", {"--t-end", "1", "--set", "kk=1"}, "did you mean 'k'"},
        {"SetNotANumber", {"--t-end", "1", "--set", "k=abc"}, "k=abc"},
        {"SetNan", {"--t-end", "1", "--set", "k=nan"}, "k=nan"},
        {"SetInWrongUnit", {"--t-end", "1", "--set", "k=1 mg"}, "mg"},
        {"SetNegativeInitialValue", {"--t-end", "1", "--set", "y=-1"}, "negative"},
        {"SetNegativeCompartmentSize", {"--t-end", "1", "--set", "c=-1"}, "negative"},
        {"TimesRangeWithoutStep", {"--times", "0:1"}, "0:1"},
        {"TimesNegativeStep", {"--times", "0:1:-1"}, "step"},
        {"TimesDecreasing", {"--times", "1,0.5"}, "increase"},
        {"TimesNotANumber", {"--times", "0,x"}, "'x'"},
        {"TimesAfterTheEnd", {"--times", "0:20:1", "--t-end", "10"}, "outside"},
        {"SolverNegativeRtol", {"--t-end", "1", "--solver", "rtol=-1"}, "rtol"},
        {"SolverUnknownSetting", {"--t-end", "1", "--solver", "rtool=1e-3"}, "rtool"},
        {"SolverWithoutValue", {"--t-end", "1", "--solver", "rtol"}, "rtol"},
        {"SolverOrderOutOfRange", {"--t-end", "1", "--solver", "max_order=9"}, "max_order"},
        {"SolverBadJacobian", {"--t-end", "1", "--solver", "jacobian=maybe"}, "maybe"},
        {"UnknownBackend", {"--t-end", "1", "--backend", "foo"}, "foo"},
        {"UnknownColumn", {"--t-end", "1", "--columns", "y,yy"}, "'yy'"},
        {"NegativeEnd", {"--t-end", "-1"}, "t_end"},
        {"EndNotATime", {"--t-end", "3 mg"}, "3 mg"},
        {"NoEndTime", {}, "t_end"},
        {"OutputInMissingFolder", {"--t-end", "1", "--out", "no/such/folder/out.csv"}, "--out"},
    }),
    [](const auto& test_case) { return test_case.param.name; });

// ----------------------------------------------------------------------------------------------------------
// Numerical failure: exit 3, reported near the true singularity

// dy/dt = k y^2 with k = 1 L/(mg day), y(0) = 1 mg/L: y = 1 / (1 - t) goes to infinity at t = 1.
const char* kBlowUp = R"(name: blowup
compartments:
  c: {size: 1, unit: L, source: "assumption: test"}
species:
  y: {compartment: c, initial: 1, unit: mg/L}
parameters:
  k: {value: 1, unit: L/mg/day, source: "assumption: test"}
rate_rules:
  y: "k * y^2"
)";

TEST(CliNumericalFailure, BlowUpExitsThreeAtTheSingularity) {
  TempDir dir;
  dir.write("m.yaml", kBlowUp);
  const auto r = run_in(dir, {"simulate", "m.yaml", "--t-end", "2"});
  EXPECT_EQ(r.exit_code, kNumerical) << describe(r);
  EXPECT_THAT(r.out, IsEmpty()) << "no partial CSV on standard output";
  const std::string key = "m.yaml: error: simulation failed at time = ";
  const auto at = r.err.find(key);
  ASSERT_NE(at, std::string::npos) << r.err;
  // y(0.99) = 100 is easy to follow at rtol 1e-6, so the solver must get past t = 0.99; nothing finite lies
  // beyond t = 1.
  const double t_failure = std::stod(r.err.substr(at + key.size()));
  EXPECT_GT(t_failure, 0.99);
  EXPECT_LE(t_failure, 1.0 + 1e-9);
}

// ----------------------------------------------------------------------------------------------------------
// A failed run writes nothing: no output, no temporary file, and an existing output stays as it was

struct FailedRunCase {
  std::string name;
  const char* model;
  std::vector<std::string> args;  // after `simulate m.yaml`
  int exit_code;
};

void PrintTo(const FailedRunCase& c, std::ostream* os) {
  *os << c.name;
}

class CliFailedRun : public ::testing::TestWithParam<FailedRunCase> {};

TEST_P(CliFailedRun, LeavesNoOutputFileAndNoTemporaryFile) {
  const FailedRunCase& c = GetParam();
  TempDir dir;
  dir.write("m.yaml", c.model);
  std::vector<std::string> args = {"simulate", "m.yaml", "--out", "result.csv"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const auto r = run_in(dir, args);
  EXPECT_EQ(r.exit_code, c.exit_code) << describe(r);
  EXPECT_EQ(files_in(dir.path("")), std::vector<std::string>{"m.yaml"});
}

TEST_P(CliFailedRun, LeavesAnExistingOutputUntouched) {
  const FailedRunCase& c = GetParam();
  TempDir dir;
  dir.write("m.yaml", c.model);
  const std::string before = "an earlier result\n1,2,3\n";
  const std::string out = dir.write("result.csv", before);
  std::vector<std::string> args = {"simulate", "m.yaml", "--out", "result.csv"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const auto r = run_in(dir, args);
  EXPECT_EQ(r.exit_code, c.exit_code) << describe(r);
  EXPECT_EQ(read_text(out), before);
  EXPECT_EQ(files_in(dir.path("")), (std::vector<std::string>{"m.yaml", "result.csv"}));
}

INSTANTIATE_TEST_SUITE_P(Cli, CliFailedRun,
                         ::testing::ValuesIn(std::vector<FailedRunCase>{
                             {"NumericalFailure", kBlowUp, {"--t-end", "2"}, kNumerical},
                             {"BadOverride", kDecay, {"--t-end", "1", "--set", "kk=1"}, kBadInput},
                             {"NegativeInitialValue", kDecay, {"--t-end", "1", "--set", "y=-1"}, kBadInput},
                             {"BadModel", "name: m\n  bad: 1\n", {"--t-end", "1"}, kBadInput},
                         }),
                         [](const auto& test_case) { return test_case.param.name; });

// The counterpart, so that the tests above cannot pass by never writing anything: a good run replaces
// the file.
TEST(CliOutput, ASuccessfulRunReplacesTheOutputFile) {
  TempDir dir;
  dir.write("m.yaml", kDecay);
  const std::string out = dir.write("result.csv", "an earlier result\n");
  const auto r = run_in(dir, {"simulate", "m.yaml", "--times", "0,1", "--out", "result.csv"});
  EXPECT_EQ(r.exit_code, kOk) << describe(r);
  EXPECT_THAT(r.out, IsEmpty()) << "with --out, the CSV goes to the file only";
  EXPECT_THAT(read_text(out), StartsWith("time,y\n0,2\n1,"));
  EXPECT_EQ(files_in(dir.path("")), (std::vector<std::string>{"m.yaml", "result.csv"}));
}

}  // namespace
}  // namespace tolsim::testing
