// Test helpers: trial specs written inline against the test models of tests/data/trials/.
#pragma once

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/trial/runner.hpp"
#include "tolsim/trial/spec.hpp"

namespace tolsim::testing {

// The folder of the test models; an inline spec is read as if it were the file inline.yaml there.
inline const std::string kTrialData = std::string(TOLSIM_SOURCE_DIR) + "/tests/data/trials/";

inline std::shared_ptr<const trial::TrialDesign> design_of(const std::string& text) {
  return trial::bind_trial(trial::load_trial_spec_from_string(text, kTrialData + "inline.yaml"));
}

// Every error of an inline spec, as "file:line:column: error: ...", or none when it binds.
inline std::vector<std::string> trial_errors_of(const std::string& text) {
  std::vector<std::string> lines;
  try {
    (void)design_of(text);
  } catch (const TrialError& e) {
    for (const auto& d : e.diagnostics().items()) lines.push_back(d.to_string());
  }
  return lines;
}

// Screening and selection only (`tolsim population`).
inline trial::TrialResult screen_only(const std::shared_ptr<const trial::TrialDesign>& design) {
  trial::RunOptions o;
  o.population_only = true;
  return trial::run_trial(design, o);
}

// Where a varied parameter's sampled value is in Candidate::parameters.
inline std::size_t varied_index(const trial::TrialDesign& design, const std::string& parameter) {
  const auto slot = design.compiled.find_parameter(parameter);
  const auto it = std::find(design.varied.begin(), design.varied.end(), slot.value_or(-1));
  if (it == design.varied.end()) throw std::runtime_error("not a varied parameter: " + parameter);
  return static_cast<std::size_t>(it - design.varied.begin());
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tolsim::testing
