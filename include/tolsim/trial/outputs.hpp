// What a trial writes: summary.json, endpoints.csv, patients.csv, trajectories.csv and report.html, all in one
// folder that appears complete or not at all (written beside it, then renamed into place).
#pragma once

#include <string>

#include "tolsim/trial/runner.hpp"

namespace tolsim::trial {

struct OutputOptions {
  bool force = false;  // replace an existing, non-empty folder
  bool report = true;  // write report.html
};

// Throws UsageError when `dir` exists, is not empty and `force` is false (checked before any work by
// check_output_dir), and std::runtime_error on I/O failure (nothing is left behind).
void check_output_dir(const std::string& dir, bool force);
void write_trial_outputs(const TrialResult& result, const std::string& dir, const OutputOptions& options);
void write_population_outputs(const TrialResult& result, const std::string& dir,
                              const OutputOptions& options);

// summary.json as text (also used by tests).
std::string summary_json(const TrialResult& result);

// A plain-text table of every endpoint per arm at each visit, and the comparisons, for the terminal.
std::string endpoint_table(const TrialResult& result);

// The published results beside the simulated ones (the `comparisons` array of summary.json).
struct PublishedComparison {
  std::string endpoint, arm;
  double visit = 0.0;
  double simulated = 0.0, simulated_lower = 0.0, simulated_upper = 0.0;
  double published = 0.0;
  std::optional<std::pair<double, double>> published_ci;
  bool agrees = false;
  std::string source;
};
std::vector<PublishedComparison> compare_with_published(const TrialResult& result);

}  // namespace tolsim::trial
