#include <fmt/core.h>
#include <fmt/format.h>

#include <thread>

#include "commands.hpp"
#include "tolsim/sbml/suite.hpp"

namespace tolsim::cli {

void add_sbml_suite_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string directory;
    std::vector<std::string> cases;
    std::vector<std::string> tagged;
    int jobs = 0;
    bool verbose = false;
    int min_passed = -1;
    std::string via;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "sbml-suite",
      "Run SBML Test Suite semantic cases and compare with their expected results (docs/sbml.md)");
  cmd->add_option("DIR", options->directory,
                  "Folder of case folders (NNNNN/NNNNN-sbml.xml, -settings.txt...)")
      ->required();
  cmd->add_option("--cases", options->cases, "Cases to run, e.g. --cases 1 2 00017 (default: every folder)")
      ->delimiter(',');
  cmd->add_option("--tagged", options->tagged,
                  "Only the cases with at least one of these component or test tags, e.g. --tagged "
                  "EventNoDelay,EventWithDelay")
      ->delimiter(',');
  cmd->add_option("--jobs", options->jobs, "Cases run in parallel (default: every core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option(
         "--min-passed", options->min_passed,
         "Succeed when at least N cases pass, even if others fail (a regression floor while support is "
         "incomplete; default: succeed only when none fails)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option(
         "--via", options->via,
         "yaml or sbml: write each model out and read it back before simulating it (tests the writers of "
         "tolsim import-sbml and tolsim export). python or r: run each case with the script that `tolsim "
         "export --format python|r` writes, under /usr/bin/python3 (scipy) or Rscript (deSolve)")
      ->check(CLI::IsMember({"yaml", "sbml", "python", "r"}));
  cmd->add_flag("--verbose", options->verbose, "Print a line for every case, not only for failures");
  cmd->callback([options, &global, &exit_code] {
    sbml::SuiteOptions run;
    run.cases = options->cases;
    run.tagged = options->tagged;
    if (options->via == "yaml") run.route = sbml::Route::kYaml;
    if (options->via == "sbml") run.route = sbml::Route::kSbml;
    if (options->via == "python") run.route = sbml::Route::kPython;
    if (options->via == "r") run.route = sbml::Route::kR;
    run.jobs = options->jobs > 0 ? options->jobs
                                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    run.on_case = [&](const sbml::CaseResult& c) {
      using Outcome = sbml::CaseResult::Outcome;
      if (c.outcome == Outcome::kFailed && !global.quiet) fmt::print("{} failed: {}\n", c.name, c.reason);
      if (options->verbose && c.outcome == Outcome::kPassed) fmt::print("{} passed\n", c.name);
      if (options->verbose && c.outcome == Outcome::kSkipped)
        fmt::print("{} skipped: {}\n", c.name, c.reason);
    };
    const sbml::SuiteResult result = sbml::run_suite(options->directory, run);
    if (!global.quiet && !result.skipped_by_tag.empty()) {
      fmt::print("skipped by tag (unsupported):");
      for (const auto& [tag, n] : result.skipped_by_tag) fmt::print(" {} {}", tag, n);
      fmt::print("\n");
    }
    fmt::print("{} passed, {} failed, {} skipped\n", result.passed, result.failed, result.skipped);
    const bool ok = options->min_passed >= 0 ? result.passed >= options->min_passed : result.failed == 0;
    if (!ok && options->min_passed >= 0)
      fmt::print(stderr, "error: {} cases passed, fewer than --min-passed {}\n", result.passed,
                 options->min_passed);
    exit_code = ok ? kExitOk : kExitNumerical;
  });
}

}  // namespace tolsim::cli
