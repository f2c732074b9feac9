// `tolsim export --format python|r`: the scripts run under Debian's scipy (/usr/bin/python3) and R's deSolve and
// reproduce tolsim.
//
// Where the expected values come from:
// - Examples: the scripts are integrated by solvers independent of tolsim's CVODES (scipy's LSODA and BDF, deSolve's
//   lsoda and lsode-BDF) at rtol 1e-10, and must agree with `tolsim simulate` at the same tolerances to 1e-6
//   relative: a slip in an equation, a parameter, a dose or an output time gives errors of order one.
// - The immune example is also held to tests/reference/data/immune-th17-treg.scipy.csv, the hand-transcribed scipy
//   solution (tests/reference/immune_th17_treg_scipy.py), which shares no code with tolsim.
// - Operations: every operation of the expression graph, at points where C returns an infinity or NaN, must give in
//   Python and R the value tolsim's interpreter gives, which is C's (IEEE 754 and C99 Annex F).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "support/closed_forms.hpp"
#include "support/example_run.hpp"
#include "support/model_text.hpp"
#include "support/run_process.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/script/export.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;

const char* const kPython = "/usr/bin/python3";
const char* const kRscript = "/usr/bin/Rscript";

struct Runner {
  std::string format;  // python or r
  std::string method;
};

struct ExampleCase {
  std::string model;
  std::string scenario;
};

std::vector<std::string> run_script_arguments(const Runner& runner, const std::string& script,
                                              const std::string& out) {
  return {script, "--method", runner.method, "--out", out};
}

const char* interpreter_for(const std::string& format) {
  return format == "python" ? kPython : kRscript;
}

// Every value of `got` within rel of `want` (or abs_floor, relative to the column's largest magnitude).
void expect_same_table(const std::map<std::string, std::vector<double>>& want,
                       const std::map<std::string, std::vector<double>>& got, double rel,
                       const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (const auto& [name, column] : want) {
    ASSERT_TRUE(got.count(name)) << what << ": no column " << name;
    const auto& other = got.at(name);
    ASSERT_EQ(column.size(), other.size()) << what << ": rows of " << name;
    double scale = 0.0;
    for (double x : column) scale = std::max(scale, std::fabs(x));
    for (std::size_t i = 0; i < column.size(); ++i)
      EXPECT_NEAR(other[i], column[i], rel * std::fabs(column[i]) + 1e-9 * scale)
          << what << ": " << name << " at row " << i << " (time " << want.at("time")[i] << ")";
  }
}

class ExportedScriptRuns : public ::testing::TestWithParam<std::tuple<ExampleCase, Runner>> {};

TEST_P(ExportedScriptRuns, AgreesWithTolsimOnTheExample) {
  const auto& [example, runner] = GetParam();
  TempDir dir;
  const std::vector<std::string> run = {
      "--scenario", source_path(example.scenario), "--solver", "rtol=1e-10", "--solver", "atol=1e-14"};
  std::vector<std::string> simulate = {"simulate", source_path(example.model), "--out",
                                       dir.path("tolsim.csv")};
  simulate.insert(simulate.end(), run.begin(), run.end());
  const ProcessResult reference = run_tolsim(simulate);
  ASSERT_EQ(reference.exit_code, 0) << describe(reference);

  const std::string script = dir.path(runner.format == "python" ? "model.py" : "model.R");
  std::vector<std::string> exporting = {"export", source_path(example.model), "--format", runner.format, "-o",
                                        script};
  exporting.insert(exporting.end(), run.begin(), run.end());
  const ProcessResult exported = run_tolsim(exporting);
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);

  const ProcessResult ran = run_process(interpreter_for(runner.format),
                                        run_script_arguments(runner, script, dir.path("script.csv")));
  ASSERT_EQ(ran.exit_code, 0) << describe(ran);
  expect_same_table(read_csv_columns(dir.path("tolsim.csv")), read_csv_columns(dir.path("script.csv")), 1e-6,
                    example.model + " with " + runner.format + " " + runner.method);
}

std::string example_case_name(const ::testing::TestParamInfo<std::tuple<ExampleCase, Runner>>& param_info) {
  const ExampleCase& example = std::get<0>(param_info.param);
  const Runner& runner = std::get<1>(param_info.param);
  std::string name =
      std::filesystem::path(example.model).stem().string() + "_" + runner.format + "_" + runner.method;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ExportedScriptRuns,
    ::testing::Combine(::testing::Values(ExampleCase{"examples/pk-two-compartment.yaml",
                                                     "examples/pk-two-compartment.scenario.yaml"},
                                         ExampleCase{"examples/immune-th17-treg.yaml",
                                                     "examples/immune-th17-treg.scenario.yaml"},
                                         ExampleCase{"examples/robertson.yaml",
                                                     "examples/robertson.scenario.yaml"}),
                       ::testing::Values(Runner{"python", "LSODA"}, Runner{"python", "BDF"},
                                         Runner{"r", "lsoda"}, Runner{"r", "bdf"})),
    example_case_name);

// The hand-transcribed scipy solution of the immune example (Radau, rtol 1e-11) against the exported script.
TEST(ExportedScript, ImmuneExampleMatchesTheHandWrittenScipyReference) {
  TempDir dir;
  const std::string script = dir.path("immune.py");
  const ProcessResult exported =
      run_tolsim({"export", source_path("examples/immune-th17-treg.yaml"), "--format", "python", "--scenario",
                  source_path("examples/immune-th17-treg.scenario.yaml"), "--solver", "rtol=1e-10",
                  "--solver", "atol=1e-14", "-o", script});
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);
  const ProcessResult ran = run_process(kPython, {script, "--method", "LSODA", "--out", dir.path("out.csv")});
  ASSERT_EQ(ran.exit_code, 0) << describe(ran);
  const auto got = read_csv_columns(dir.path("out.csv"));
  const auto want = read_csv_columns(source_path("tests/reference/data/immune-th17-treg.scipy.csv"));
  ASSERT_TRUE(want.count("time"));
  ASSERT_EQ(got.at("time").size(), want.at("time").size());
  for (const auto& [name, column] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    for (std::size_t i = 0; i < column.size(); ++i)
      EXPECT_NEAR(got.at(name)[i], column[i], 1e-6 * std::fabs(column[i]) + 1e-12) << name << " at row " << i;
  }
}

// Every operation, including where Python's math module would raise and C returns an infinity or NaN.
const char* const kOperations = R"yaml(
tolsim: 1
name: ops
time_unit: day
unit_check: off
compartments:
  c: {size: 1, source: "assumption: test"}
species:
  x: {compartment: c, initial: 2}
parameters:
  zero: {value: 1, source: "assumption: set to 0 by the test, so that validation does not see a constant zero"}
  two: {value: 2, source: "assumption: test"}
  neg: {value: -8, source: "assumption: test"}
  third: {value: 0.3333333333333333, source: "assumption: test"}
  big: {value: 800, source: "assumption: test"}
  half: {value: 0.5, source: "assumption: test"}
reactions:
  loss: {equation: "x ->", rate: "half * x * c"}
observables:
  div_pos: {value: "two / zero"}
  div_neg: {value: "neg / zero"}
  div_nan: {value: "zero / zero"}
  div_ok: {value: "neg / x"}
  pow_nan: {value: "pow(neg, third)"}
  pow_inf: {value: "pow(zero, -1)"}
  pow_ok: {value: "x ^ third"}
  exp_inf: {value: "exp(big)"}
  exp_ok: {value: "exp(-x)"}
  log_zero: {value: "log(zero)"}
  log_neg: {value: "log(neg)"}
  log10_neg: {value: "log10(neg)"}
  log10_ok: {value: "log10(big)"}
  sqrt_neg: {value: "sqrt(neg)"}
  sqrt_ok: {value: "sqrt(x)"}
  abs_ok: {value: "abs(neg)"}
  floor_inf: {value: "floor(exp(big))"}
  floor_ok: {value: "floor(-2.5 * x)"}
  ceil_ok: {value: "ceil(-2.5 * x)"}
  fact_ok: {value: "factorial(x + 1)"}
  fact_pole: {value: "factorial(zero - 1)"}
  fact_neg: {value: "factorial(zero - 2)"}
  fact_big: {value: "factorial(big)"}
  sin_inf: {value: "sin(exp(big))"}
  trig: {value: "sin(x) + cos(x) + tan(x) + atan(x) + tanh(x)"}
  asin_nan: {value: "asin(two)"}
  acos_nan: {value: "acos(two)"}
  asin_ok: {value: "asin(x / 4) * acos(x / 4)"}
  sinh_inf: {value: "sinh(big)"}
  cosh_inf: {value: "cosh(big)"}
  sinh_ok: {value: "sinh(x) * cosh(x)"}
  min_nan: {value: "min(x, nan)"}
  max_nan: {value: "max(nan, x)"}
  min_ok: {value: "min(x, neg) * max(x, neg)"}
  lt_nan: {value: "nan < x"}
  ne_nan: {value: "nan != x"}
  eq_nan: {value: "nan == nan"}
  cmp_ok: {value: "(x <= 2) + 2 * (x >= 3) + 4 * (x > 1) + 8 * (x == 1.5) + 16 * (x < 1)"}
  and_nan: {value: "and(nan, x)"}
  or_zero: {value: "or(zero, zero)"}
  xor_ok: {value: "xor(x, zero)"}
  not_nan: {value: "not(nan)"}
  select_nan: {value: "piecewise(1, nan, 2)"}
  select_ok: {value: "piecewise(neg, x > 5, x < 5, two)"}
  time_ok: {value: "time * x"}
)yaml";

std::vector<double> parse_numbers(const std::string& text) {
  std::vector<double> values;
  std::stringstream in(text);
  for (std::string cell; std::getline(in, cell, ',');) values.push_back(std::stod(cell));
  return values;
}

class ExportedOperations : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportedOperations, ComputeWhatTheKernelsCompute) {
  const std::string format = GetParam();
  CompileOptions options;
  options.backend = CompileOptions::Backend::kInterpreter;
  const CompiledModel model =
      compile_model(model::load_model_from_string(kOperations, "ops.yaml").model, options);
  SimulationSetup setup;
  setup.parameters = model.default_parameters();
  setup.parameters[static_cast<std::size_t>(*model.find_parameter("zero"))] = 0.0;
  setup.t_end = 1.0;
  setup.output_times = {0.0, 1.0};
  script::ScriptInfo info;
  info.model_file = "ops.yaml";
  const std::string text = script::write_script(script::parse_language(format), model, setup, info);
  TempDir dir;
  const std::string path = dir.write(format == "python" ? "ops.py" : "ops.R", text);

  // The outputs kernel at t = 1.5, x = 1.5 (so that x == 1.5 is true), in each language.
  ProcessResult ran;
  if (format == "python") {
    ran = run_process(kPython, {"-c",
                                "import importlib.util, sys\n"
                                "spec = importlib.util.spec_from_file_location('ops', sys.argv[1])\n"
                                "m = importlib.util.module_from_spec(spec)\n"
                                "spec.loader.exec_module(m)\n"
                                "p = list(m.P0)\n"
                                "print(','.join(repr(v) for v in m.outputs(1.5, [1.5], p, [0.0])))\n",
                                path});
  } else {
    ran = run_process(kRscript, {"-e",
                                 "source(commandArgs(trailingOnly = TRUE)[1]); "
                                 "cat(sprintf('%.17g', suppressWarnings(outputs(1.5, c(1.5), P0, c(0)))), "
                                 "sep = ',')",
                                 path});
  }
  ASSERT_EQ(ran.exit_code, 0) << describe(ran);
  const std::vector<double> got = parse_numbers(ran.out);

  std::vector<double> want(static_cast<std::size_t>(model.n_outputs()));
  const std::vector<double> y = {1.5}, u = {0.0};
  model.kernels->eval(model.kernel.outputs, 1.5, y.data(), setup.parameters.data(), u.data(), want.data());
  ASSERT_EQ(got.size(), want.size()) << ran.out;
  int infinities = 0, nans = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string& name = model.outputs[i].name;
    if (std::isnan(want[i])) {
      ++nans;
      EXPECT_TRUE(std::isnan(got[i])) << name << ": got " << got[i];
    } else if (std::isinf(want[i])) {
      ++infinities;
      EXPECT_EQ(got[i], want[i]) << name;
    } else {
      EXPECT_NEAR(got[i], want[i], 4 * std::numeric_limits<double>::epsilon() * std::fabs(want[i])) << name;
    }
  }
  // The edge cases are really there: C gives these many NaNs and infinities at this point.
  EXPECT_EQ(nans, 11);
  EXPECT_EQ(infinities, 10);
}

INSTANTIATE_TEST_SUITE_P(Languages, ExportedOperations, ::testing::Values("python", "r"));

// --parameters: one run per row, each as `tolsim simulate --set` would run it.
TEST(ExportedScript, RunsOneSimulationPerParameterRow) {
  TempDir dir;
  const std::string model = source_path("examples/pk-two-compartment.yaml");
  const std::vector<std::string> run = {
      "--t-end",  "14",         "--times",  "0:14:7",    "--dose", "target=A_c,amount=100 mg",
      "--solver", "rtol=1e-10", "--solver", "atol=1e-12"};
  const std::string parameters = dir.write("patients.csv", "CL,Q\n0.3,0.4\n0.6,0.2\n");
  for (const std::string format : {"python", "r"}) {
    const std::string script = dir.path(format == "python" ? "pk.py" : "pk.R");
    std::vector<std::string> exporting = {"export", model, "--format", format, "-o", script};
    exporting.insert(exporting.end(), run.begin(), run.end());
    ASSERT_EQ(run_tolsim(exporting).exit_code, 0);
    const ProcessResult ran = run_process(
        interpreter_for(format), {script, "--parameters", parameters, "--out", dir.path("population.csv")});
    ASSERT_EQ(ran.exit_code, 0) << describe(ran);
    const auto got = read_csv_columns(dir.path("population.csv"));
    ASSERT_EQ(got.at("patient"), (std::vector<double>{1, 1, 1, 2, 2, 2})) << format;

    std::vector<std::string> simulate = {"simulate", model,   "--set", "CL=0.6",
                                         "--set",    "Q=0.2", "--out", dir.path("second.csv")};
    simulate.insert(simulate.end(), run.begin(), run.end());
    ASSERT_EQ(run_tolsim(simulate).exit_code, 0);
    const auto second = read_csv_columns(dir.path("second.csv"));
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_NEAR(got.at("C_c")[3 + i], second.at("C_c")[i], 1e-6 * std::fabs(second.at("C_c")[i]) + 1e-12)
          << format << " row " << i;
    // The first patient keeps the defaults: a clearance twice as high leaves less drug at day 7.
    EXPECT_GT(got.at("C_c")[1], got.at("C_c")[4]) << format;

    // A name that is not a parameter: exit 2, the file and line, and no output.
    const std::string bad = dir.write("bad.csv", "CL,Qx\n0.3,0.4\n");
    const ProcessResult refused =
        run_process(interpreter_for(format), {script, "--parameters", bad, "--out", dir.path("none.csv")});
    EXPECT_EQ(refused.exit_code, 2) << describe(refused);
    EXPECT_THAT(refused.err, HasSubstr("bad.csv:1: error: 'Qx' is not a parameter")) << format;
    EXPECT_FALSE(std::filesystem::exists(dir.path("none.csv")));
  }
}

// A decay with two events: a reset when x falls below 0.25, and a bump of 3 half a day after time 2, computed from x
// at time 2 (SBML's default: values from the trigger time).
const char* const kEvents = R"yaml(
tolsim: 1
name: with-events
time_unit: day
unit_check: off
compartments:
  c: {size: 1, source: "assumption: test"}
species:
  x: {compartment: c, initial: 1}
parameters:
  k: {value: 0.5, source: "assumption: test"}
reactions:
  loss: {equation: "x ->", rate: "k * x"}
events:
  reset:
    trigger: "x < 0.25"
    assign: {x: 1}
  bump:
    trigger: "time >= 2"
    delay: 0.5
    assign: {x: "x + 3"}
)yaml";

// The closed form of kEvents with k = 0.5: exp(-k t) until the bump at 2.5 (the first reset would come at
// ln 4 / k = 2.77), which sets x = exp(-2k) + 3; that decays to 0.25 at 2.5 + ln(x / 0.25) / k = 7.70, where the reset
// sets x = 1; the next reset would come at 7.70 + 2.77 > 10. At a time with an event the value is the one after it.
double events_closed_form(double t) {
  const double k = 0.5, bump = 2.5, bumped = std::exp(-2.0 * k) + 3.0;
  const double reset = bump + std::log(bumped / 0.25) / k;
  if (t < bump) return std::exp(-k * t);
  if (t < reset) return bumped * std::exp(-k * (t - bump));
  return std::exp(-k * (t - reset));
}

// Writes `model_text` to NAME.yaml, exports it for `runner` with `arguments`, runs the script and returns its CSV's
// columns; on a failure, records it and returns no columns.
std::map<std::string, std::vector<double>> exported_columns(const Runner& runner, const std::string& name,
                                                            const char* model_text,
                                                            std::vector<std::string> arguments) {
  TempDir dir;
  const std::string model = dir.write(name + ".yaml", model_text);
  const std::string script = dir.path(name + (runner.format == "python" ? ".py" : ".R"));
  std::vector<std::string> exporting = {"export", model, "--format", runner.format, "-o", script};
  exporting.insert(exporting.end(), arguments.begin(), arguments.end());
  const ProcessResult exported = run_tolsim(exporting);
  if (exported.exit_code != 0) {
    ADD_FAILURE() << describe(exported);
    return {};
  }
  const ProcessResult ran =
      run_process(interpreter_for(runner.format), run_script_arguments(runner, script, dir.path("out.csv")));
  if (ran.exit_code != 0) {
    ADD_FAILURE() << describe(ran);
    return {};
  }
  return read_csv_columns(dir.path("out.csv"));
}

// The solvers each closed-form model runs with.
const auto kRunners = ::testing::Values(Runner{"python", "LSODA"}, Runner{"python", "BDF"},
                                        Runner{"r", "lsoda"}, Runner{"r", "bdf"});
std::string runner_name(const ::testing::TestParamInfo<Runner>& param_info) {
  return param_info.param.format + "_" + param_info.param.method;
}

class ExportedEvents : public ::testing::TestWithParam<Runner> {};

TEST_P(ExportedEvents, FollowTheClosedForm) {
  const Runner& runner = GetParam();
  const auto got = exported_columns(
      runner, "events", kEvents,
      {"--t-end", "10", "--times", "0:10:0.5", "--solver", "rtol=1e-10", "--solver", "atol=1e-12"});
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.at("time").size(), 21u);
  for (std::size_t i = 0; i < 21; ++i) {
    const double t = got.at("time")[i];
    EXPECT_DOUBLE_EQ(t, 0.5 * static_cast<double>(i));
    EXPECT_NEAR(got.at("x")[i], events_closed_form(t), 1e-7 * events_closed_form(t))
        << runner.format << " " << runner.method << " at t = " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Runners, ExportedEvents, kRunners, runner_name);

// delay() in the scripts: a delay differential equation, delayed copies of known functions, and an event at 2.2 that
// restarts the integration, so that later delayed times reach back into the stretch before it (the history the
// scripts keep themselves, not the solver's).
const char* const kDelays = R"yaml(
tolsim: 1
name: with-delays
time_unit: day
unit_check: off
parameters:
  X: {value: 1, constant: false, source: "assumption: test"}
  k: {value: 0.2, source: "assumption: test"}
  tau: {value: 1.5, source: "assumption: test"}
  s: {value: 0, constant: false, source: "assumption: test"}
  mark: {value: 0, constant: false, source: "assumption: test"}
rate_rules:
  X: "-k * delay(X, tau)"
  s: "cos(time)"
observables:
  lag_s: {value: "delay(s, 1)"}
  lag_mark: {value: "delay(mark, 1)"}
  half: {value: "delay(s, time / 2)"}
events:
  flag: {trigger: "time >= 2.2", assign: {mark: 1}}
)yaml";

class ExportedDelays : public ::testing::TestWithParam<Runner> {};

// X follows delayed_decay(0.2, 1.5, t) (support/closed_forms.hpp). s = sin(t), so delay(s, 1) = sin(t - 1) from
// t = 1 (0 before: s's value is held before the start) and delay(s, t / 2) = sin(t / 2); mark steps from 0 to 1 at
// 2.2, so delay(mark, 1) does at 3.2.
TEST_P(ExportedDelays, FollowTheClosedForms) {
  const Runner& runner = GetParam();
  const auto got = exported_columns(runner, "delays", kDelays,
                                    {"--times", "0:4.5:0.25", "--columns", "X", "lag_s", "lag_mark", "half",
                                     "--solver", "rtol=1e-10", "--solver", "atol=1e-12"});
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.at("time").size(), 19u);
  for (std::size_t i = 0; i < 19; ++i) {
    const double t = got.at("time")[i];
    SCOPED_TRACE(runner.format + " " + runner.method + " at t = " + std::to_string(t));
    EXPECT_NEAR(got.at("X")[i], delayed_decay(0.2, 1.5, t), 1e-7);
    EXPECT_NEAR(got.at("lag_s")[i], t < 1.0 ? 0.0 : std::sin(t - 1.0), 1e-7);
    EXPECT_EQ(got.at("lag_mark")[i], t < 3.2 ? 0.0 : 1.0);
    EXPECT_NEAR(got.at("half")[i], std::sin(t / 2.0), 1e-7);
  }
}

INSTANTIATE_TEST_SUITE_P(Runners, ExportedDelays, kRunners, runner_name);

// A fast reaction in the scripts: A <-> B held at kf A = kr B, so B = 3/4 of the total T = A + B, which a slow loss of
// B drains at kl B = 0.3 T: T = 2 exp(-0.3 t). Both start in A, so the start puts them on the equilibrium; at t = 1 an
// event adds 3 to A, and they are back on it at the same instant: T = (2 exp(-0.3) + 3) exp(-0.3 (t - 1)).
const char* const kFast = R"yaml(
tolsim: 1
name: with-fast-reaction
time_unit: day
unit_check: off
compartments:
  c: {size: 1, source: "assumption: test"}
species:
  A: {compartment: c, initial: 2}
  B: {compartment: c, initial: 0}
parameters:
  kf: {value: 3, source: "assumption: test"}
  kr: {value: 1, source: "assumption: test"}
  kl: {value: 0.4, source: "assumption: test"}
reactions:
  bind: {equation: "A -> B", rate: "kf * A - kr * B", fast: true}
  loss: {equation: "B ->", rate: "kl * B"}
events:
  top_up: {trigger: "time >= 1", assign: {A: "A + 3"}}
)yaml";

class ExportedFastReaction : public ::testing::TestWithParam<Runner> {};

TEST_P(ExportedFastReaction, StaysOnItsEquilibriumThroughAnEvent) {
  const Runner& runner = GetParam();
  const auto got = exported_columns(
      runner, "fast", kFast, {"--times", "0:3:0.25", "--solver", "rtol=1e-10", "--solver", "atol=1e-12"});
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.at("time").size(), 13u);
  for (std::size_t i = 0; i < 13; ++i) {
    const double t = got.at("time")[i];
    const double total =
        t < 1.0 ? 2.0 * std::exp(-0.3 * t) : (2.0 * std::exp(-0.3) + 3.0) * std::exp(-0.3 * (t - 1.0));
    SCOPED_TRACE(runner.format + " " + runner.method + " at t = " + std::to_string(t));
    EXPECT_NEAR(got.at("A")[i], total / 4.0, 1e-7);
    EXPECT_NEAR(got.at("B")[i], 3.0 * total / 4.0, 1e-7);
  }
}

INSTANTIATE_TEST_SUITE_P(Runners, ExportedFastReaction, kRunners, runner_name);

// `tolsim sbml-suite --via python|r --tagged`: a suite of two cases made here, the model above as SBML with its
// closed form as the expected results (tagged EventWithDelay), and a case without that tag, which must not run.
TEST(SbmlSuiteCli, RunsTheTaggedCasesThroughTheScripts) {
  TempDir dir;
  const std::string model = dir.write("events.yaml", kEvents);
  const std::string cases = dir.path("cases");
  for (const std::string name : {"00001", "00002"}) {
    std::filesystem::create_directories(cases + "/" + name);
    const ProcessResult exported = run_tolsim(
        {"export", model, "--format", "sbml", "-o", cases + "/" + name + "/" + name + "-sbml.xml"});
    ASSERT_EQ(exported.exit_code, 0) << describe(exported);
    std::ofstream(cases + "/" + name + "/" + name + "-settings.txt")
        << "start: 0\nduration: 10\nsteps: 20\nvariables: x\nabsolute: 1e-7\nrelative: 1e-6\namount: \n"
           "concentration: x\n";
    std::ofstream(cases + "/" + name + "/" + name + "-tags.txt")
        << "componentTags: Compartment, Species, Reaction, Parameter"
        << (name == "00001" ? ", EventWithDelay" : "") << "\ntestTags: Amount\ntestType: TimeCourse\n";
    std::ofstream results(cases + "/" + name + "/" + name + "-results.csv");
    results << "time,x\n";
    // The second case's expected values are wrong on purpose: it fails if it runs.
    for (int i = 0; i <= 20; ++i)
      results << fmt::format("{},{:.17g}\n", 0.5 * i,
                             events_closed_form(0.5 * i) * (name == "00001" ? 1 : 2));
  }
  for (const std::string via : {"python", "r"}) {
    const ProcessResult ran = run_tolsim(
        {"sbml-suite", cases, "--via", via, "--tagged", "EventWithDelay", "--verbose", "--jobs", "1"});
    EXPECT_EQ(ran.exit_code, 0) << describe(ran);
    EXPECT_THAT(ran.out, HasSubstr("00001 passed")) << via;
    EXPECT_THAT(ran.out, HasSubstr("1 passed, 0 failed, 0 skipped")) << via;
    const ProcessResult all = run_tolsim({"sbml-suite", cases, "--via", via, "--jobs", "1"});
    EXPECT_NE(all.exit_code, 0) << describe(all);
    EXPECT_THAT(all.out, HasSubstr("1 passed, 1 failed, 0 skipped")) << via;
  }
}

// A trigger whose root function is not a number stops the run with exit code 3 in tolsim and in both scripts.
TEST(ExportedScript, StopsWhereATriggerIsNotANumber) {
  TempDir dir;
  const std::string model = dir.write("nan.yaml", R"yaml(
tolsim: 1
name: nan-trigger
time_unit: day
unit_check: off
compartments:
  c: {size: 1, source: "assumption: test"}
species:
  x: {compartment: c, initial: 1}
events:
  never:
    trigger: "log(x - 2) > 0"
    assign: {x: 0}
)yaml");
  const std::vector<std::string> run = {"--t-end", "1"};
  std::vector<std::string> simulate = {"simulate", model, "--out", dir.path("tolsim.csv")};
  simulate.insert(simulate.end(), run.begin(), run.end());
  const ProcessResult tolsim = run_tolsim(simulate);
  EXPECT_EQ(tolsim.exit_code, 3) << describe(tolsim);
  EXPECT_THAT(tolsim.err, HasSubstr("event trigger relation 0 is"));
  for (const std::string format : {"python", "r"}) {
    const std::string script = dir.path(format == "python" ? "nan.py" : "nan.R");
    std::vector<std::string> exporting = {"export", model, "--format", format, "-o", script};
    exporting.insert(exporting.end(), run.begin(), run.end());
    ASSERT_EQ(run_tolsim(exporting).exit_code, 0);
    const ProcessResult ran = run_process(interpreter_for(format), {script, "--out", dir.path("none.csv")});
    EXPECT_EQ(ran.exit_code, 3) << describe(ran);
    EXPECT_THAT(ran.err, HasSubstr("event trigger relation 0 is")) << format;
    EXPECT_FALSE(std::filesystem::exists(dir.path("none.csv"))) << format;
  }
}

TEST(ExportCli, RefusesRunSettingsForSbml) {
  TempDir dir;
  const ProcessResult sbml = run_tolsim({"export", source_path("examples/robertson.yaml"), "--format", "sbml",
                                         "--times", "0,1", "-o", dir.path("x.xml")});
  EXPECT_EQ(sbml.exit_code, 2) << describe(sbml);
  EXPECT_THAT(sbml.err, HasSubstr("go with --format python or r"));
  EXPECT_FALSE(std::filesystem::exists(dir.path("x.xml")));
}

}  // namespace
}  // namespace tolsim::testing
