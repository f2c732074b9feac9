// `tolsim trial` and `tolsim population` through the built binary: outputs, refusal to overwrite, spec errors with
// their lines and exit code 2, quiet progress when stderr is not a terminal, and Ctrl-C followed by --resume.
//
// Where expected values come from:
//  - exit codes: docs/trials.md ("Command line": 0 ok, 2 bad input, 130 interrupted);
//  - line:column of the bad spec: counted by hand in the text written by the test (comment at each case);
//  - the resumed run is compared with an uninterrupted run of the same spec and seed (the promise being tested is
//    that they are identical, not any particular number).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/model_text.hpp"
#include "support/run_process.hpp"

namespace tolsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kExample = std::string(TOLSIM_SOURCE_DIR) + "/trials/example-crp-il6r.yaml";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes a trial spec named `name` on the test model tests/data/trials/<model>; `body` is the rest of the spec.
std::string spec_on_test_model(const TempDir& tmp, const std::string& name, const std::string& model,
                               const std::string& body) {
  return tmp.write(name + ".yaml", "name: " + name + "\nmodel: " + std::string(TOLSIM_SOURCE_DIR) +
                                       "/tests/data/trials/" + model + "\n" + body);
}

TEST(CliTrial, RunsTheExampleAndWritesItsOutputs) {
  TempDir tmp;
  const std::string out = tmp.path("out");
  const auto r = run_tolsim({"trial", kExample, "--patients", "40", "--threads", "2", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"summary.json", "endpoints.csv", "patients.csv", "trajectories.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  EXPECT_THAT(r.out, HasSubstr("crp_normal"));
  EXPECT_THAT(r.out, HasSubstr("antibody vs placebo"));
  EXPECT_THAT(r.err, Not(HasSubstr("ETA")));                   // stderr is a pipe here: no progress bar
  EXPECT_FALSE(std::filesystem::exists(out + ".checkpoint"));  // removed after a complete run
  const std::string summary = read(out + "/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"spec_hash\": \"fnv1a64:"));
  EXPECT_THAT(summary, HasSubstr("\"seed\": 20261123"));
  EXPECT_THAT(summary, HasSubstr("\"comparisons\": []"));
  const std::string endpoints = read(out + "/endpoints.csv");

  // An existing, non-empty folder is refused, and left as it was; --force replaces it.
  const auto again = run_tolsim({"trial", kExample, "--patients", "40", "--out", out});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("--force"));
  EXPECT_EQ(read(out + "/summary.json"), summary);
  const auto forced = run_tolsim({"-q", "trial", kExample, "--patients", "40", "--out", out, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(read(out + "/endpoints.csv"), endpoints);  // same seed, same patients
}

TEST(CliTrial, PopulationOnlyScreens) {
  TempDir tmp;
  const std::string out = tmp.path("pop");
  const auto r = run_tolsim({"population", kExample, "--patients", "30", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out + "/patients.csv"));
  EXPECT_FALSE(std::filesystem::exists(out + "/endpoints.csv"));
  EXPECT_THAT(r.out, HasSubstr("virtual-population selection"));
}

TEST(CliTrial, SpecErrorsAreReportedAtTheirLinesWithExitCode2) {
  TempDir tmp;
  const std::string model = std::string(TOLSIM_SOURCE_DIR) + "/examples/crp-il6r.yaml";
  const std::string spec =
      tmp.write("bad.yaml", "name: bad\nmodel: " + model +
                                "\n"
                                "population: {size: 10}\n"
                                "arms:\n"
                                "  a: {ratio: -1}\n"  // line 5: the value at column 14
                                "visits: [0, 28]\n"
                                "endpoints:\n"
                                "  c: {value: CPR}\n"  // line 8: the mapping at column 6
                                "published:\n"
                                "  - {endpoint: c, arm: a, visit: 90, value: 1, source: x}\n");
  const auto r = run_tolsim({"trial", spec, "--out", tmp.path("out")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(spec + ":5:14: error: arm 'a': allocation ratio -1 must be > 0"));
  // line 10: the published result's mapping at column 5; day 90 is after the end (day 28)
  EXPECT_THAT(r.err, HasSubstr(spec + ":10:5: error: published: day 90 is after the trial's end"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path("out")));

  // Names are checked against the model once the file itself is valid.
  const std::string spec2 =
      tmp.write("bad2.yaml", "name: bad\nmodel: " + model +
                                 "\n"
                                 "population: {size: 10}\n"
                                 "arms: {a: {ratio: 1}}\n"
                                 "visits: [0, 28]\n"
                                 "endpoints:\n"
                                 "  c: {value: CPR}\n");  // line 7: the mapping at column 6
  const auto r2 = run_tolsim({"trial", spec2, "--out", tmp.path("out")});
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_THAT(r2.err, HasSubstr(spec2 + ":7:6: error: endpoint 'c': 'CPR' is not an observable or species of "
                                        "model 'crp-il6r' (did you mean 'CRP'?)"));
}

TEST(CliTrial, FailedPatientSolvesAreWarnedAboutAndTheTrialCompletes) {
  // tests/data/trials/blowup.yaml: X(t) = 1 / (1 - k t) ends at t = 1/k; with k ~ U(0.01, 0.06) about half of the
  // patients cannot reach day 28.
  TempDir tmp;
  const std::string spec = spec_on_test_model(tmp, "f", "blowup.yaml",
                                              "population: {size: 40}\n"
                                              "arms: {a: {ratio: 1}}\n"
                                              "visits: [0, 14, 28]\n"
                                              "endpoints: {x: {value: X}}\n");
  const auto r = run_tolsim({"trial", spec, "--out", tmp.path("out"), "--no-report"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("patients failed during treatment; each counts as a dropout"));
  EXPECT_THAT(r.err, HasSubstr("CVODES failed at t = "));
  EXPECT_TRUE(std::filesystem::exists(tmp.path("out") + "/summary.json"));
}

TEST(CliTrial, AnArmWithNoEvaluablePatientGivesNullEstimatesNotACrash) {
  // tests/data/trials/blowup.yaml: every k >= 0.01 blows up by day 1/k <= 100, so no patient reaches the visit at
  // day 110 and every estimate there has n = 0: no mean, no interval, no p-value for the primary comparison. The
  // trial must still complete (exit 0) with nulls in summary.json, not stop with an internal error.
  TempDir tmp;
  const std::string spec =
      spec_on_test_model(tmp, "e", "blowup.yaml",
                         "population: {size: 6}\n"
                         "arms: {a: {ratio: 1}, b: {ratio: 1}}\n"
                         "visits: [0, 10, 110]\n"
                         "endpoints: {x: {value: X}}\n"  // continuous: observed cases only, so n = 0
                         "primary: {endpoint: x, visit: 110, arm: b, control: a}\n"
                         "published:\n"
                         "  - {endpoint: x, arm: b, visit: 110, value: 2, source: x}\n");
  const auto r = run_tolsim({"-q", "trial", spec, "--out", tmp.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = read(tmp.path("out") + "/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"simulated\": null"));
  EXPECT_THAT(summary, HasSubstr("\"simulated_ci\": null"));
  EXPECT_TRUE(std::filesystem::exists(tmp.path("out") + "/report.html"));
}

TEST(CliTrial, APercentChangeFromAZeroBaselineIsMissingNotACrash) {
  // tests/data/trials/approach.yaml: X' = s - k X with X(0) = 0, so every patient's baseline is 0 and a percent
  // change from it is undefined. Before the fix it was +inf and the summary stopped with an internal error. The
  // patient must count as missing for that endpoint, while the plain change is still X(1) = (s/k)(1 - e^(-k)) =
  // 20 (1 - e^(-0.5)) = 7.8694 mg/L (closed form).
  TempDir tmp;
  const std::string spec = spec_on_test_model(tmp, "e", "approach.yaml",
                                              "population: {size: 4}\n"
                                              "arms: {a: {ratio: 1}}\n"
                                              "visits: [0, 1]\n"
                                              "endpoints: {pc: {percent_change: X}, c: {change: X}}\n");
  const auto r = run_tolsim({"-q", "trial", spec, "--out", tmp.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = read(tmp.path("out") + "/endpoints.csv");
  EXPECT_THAT(csv, HasSubstr("0,0,a,1,pc,,"));
  EXPECT_THAT(csv, HasSubstr("0,0,a,1,c,7.8694"));
  const std::string summary = read(tmp.path("out") + "/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"missing\": 4"));
}

TEST(CliTrial, ProgressBarOnATerminal) {
  // util-linux `script` (Debian's essential bsdutils) runs the command on a pseudo-terminal and copies what it
  // prints: with a terminal on stderr the progress line (phase, done/total, rate, ETA) appears.
  if (!std::filesystem::exists("/usr/bin/script")) GTEST_SKIP() << "no /usr/bin/script";
  TempDir tmp;
  const std::string command = std::string(TOLSIM_EXECUTABLE) + " trial " + kExample +
                              " --patients 60 --no-report --out " + tmp.path("out");
  const auto r = run_process("/usr/bin/script", {"-qec", command, "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ETA"));
  EXPECT_THAT(r.out, HasSubstr("/60"));  // patients done out of 60 in the treatment phase
}

TEST(CliTrial, CtrlCKeepsWhatIsDoneAndResumeGivesTheUninterruptedResult) {
  TempDir tmp;
  const std::string out = tmp.path("run"), reference = tmp.path("reference");
  ProcessOptions interrupt;
  interrupt.interrupt_after = std::chrono::milliseconds(1500);
  const std::vector<std::string> args = {"trial", kExample,    "--patients", "300",        "--replicates",
                                         "20",    "--threads", "2",          "--no-report"};
  auto with_out = [&](std::vector<std::string> a, const std::string& o) {
    a.push_back("--out");
    a.push_back(o);
    return a;
  };
  const auto stopped = run_process(TOLSIM_EXECUTABLE, with_out(args, out), interrupt);
  if (stopped.exit_code == 0)
    GTEST_SKIP() << "the run finished before the interrupt: machine too fast for 1.5 s";
  ASSERT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("--resume"));
  EXPECT_THAT(read(out + "/summary.json"), HasSubstr("\"interrupted\": true"));
  auto resume_args = with_out(args, out);
  resume_args.push_back("--resume");
  const auto resumed = run_tolsim(resume_args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto full = run_tolsim(with_out(args, reference));
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(read(out + "/endpoints.csv"), read(reference + "/endpoints.csv"));
  EXPECT_EQ(read(out + "/patients.csv"), read(reference + "/patients.csv"));
  EXPECT_THAT(read(out + "/summary.json"), HasSubstr("\"interrupted\": false"));
}

TEST(CliTrial, HelpDescribesEveryOption) {
  const auto r = run_tolsim({"trial", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option :
       {"--patients", "--replicates", "--threads", "--seed", "--out", "--force", "--resume"})
    EXPECT_THAT(r.out, HasSubstr(option));
  EXPECT_EQ(run_tolsim({"population", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace tolsim::testing
