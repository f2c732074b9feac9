// The SBML Test Suite's semantic cases, run through tolsim (`tolsim sbml-suite`).
//
// A case folder NNNNN/ holds NNNNN-sbml.xml (the model), NNNNN-settings.txt (start, duration, steps, variables,
// absolute and relative tolerances, which variables are amounts and which concentrations), NNNNN-results.csv (the
// expected values) and NNNNN-tags.txt (component and test tags, test type, Level 3 packages). A case passes when
// every reported value U agrees with the expected C: |C - U| <= absolute + relative |C|. Cases that are not time
// courses, that use a Level 3 package or a tag in unsupported_tags() are skipped and counted by tag.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tolsim::sbml {

struct CaseResult {
  enum class Outcome { kPassed, kFailed, kSkipped };
  std::string name;  // the folder name, e.g. "00001"
  Outcome outcome = Outcome::kFailed;
  std::string reason;             // failed: what went wrong; skipped: the unsupported tags, comma-separated
  std::vector<std::string> tags;  // skipped: the tags that caused it
};

// How a case's model reaches the simulator: read from its SBML, or also written out and read back, to test a writer
// over the whole suite.
enum class Route {
  kDirect,  // SBML -> model
  kYaml,    // SBML -> model -> YAML text (model::write_yaml) -> model
  kSbml,    // SBML -> model -> SBML text (sbml::write_sbml) -> model
  // SBML -> model -> the exported script (script::write_script), run by /usr/bin/python3 (scipy LSODA) or Rscript
  // (deSolve lsoda) instead of tolsim's solver. Cases whose model the scripts cannot express (delays, a fast
  // reaction) or whose check needs tolsim's random event order are skipped with a "script:" tag.
  kPython,
  kR,
};

struct SuiteOptions {
  std::vector<std::string> cases;  // folder names to run; empty: every folder in the directory
  std::vector<std::string>
      tagged;  // if not empty: only the cases with at least one of these component or test tags
  int jobs = 1;
  Route route = Route::kDirect;
  std::function<void(const CaseResult&)>
      on_case;  // called as each case finishes (from worker threads, serialised)
};

struct SuiteResult {
  std::vector<CaseResult> cases;  // in folder-name order
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skipped_by_tag;  // tag -> cases skipped because of it
};

// The component and test tags tolsim does not simulate (every Level 3 package is unsupported as well).
const std::vector<std::string>& unsupported_tags();

// Runs one case folder.
CaseResult run_case(const std::string& folder, Route route = Route::kDirect);

// Runs every case of `directory` (or options.cases). Throws InputError if the directory cannot be read or a named
// case does not exist.
SuiteResult run_suite(const std::string& directory, const SuiteOptions& options);

}  // namespace tolsim::sbml
