// Virtual-population selection by acceptance-rejection (Allen, Rieger & Musante 2016).
//
// A trial first samples many "plausible patients" (parameters drawn from their variability, run in to a baseline,
// filtered by plausibility bounds). Their baseline observables rarely follow the distribution of a real trial's
// patients. Selection keeps a subset that does, without weights: patient i is kept with probability
//
//   p_i = min(1, s * f_target(x_i) / f_plausible(x_i)),
//
// where x_i are patient i's baseline observables, f_plausible is a Gaussian kernel density estimate of the plausible
// population and f_target the target density (normal marginals, optionally correlated, or histograms). Where the
// ratio is unclipped, the selected patients follow f_target exactly in expectation; the scale s trades clipping
// (too large: the plausible distribution leaks through) against size (too small: few patients). s is chosen by a
// deterministic 1-D search over log s that minimises the mean Kolmogorov-Smirnov statistic of the selected marginals,
// the criterion of the paper, subject to min_selected.
//
// Reference: Allen RJ, Rieger TR, Musante CJ. Efficient generation and selection of virtual populations in
// quantitative systems pharmacology models. CPT Pharmacometrics Syst Pharmacol 2016;5:140-146.
// doi:10.1002/psp4.12063. The choices made here (bandwidth, search, histogram targets) are in docs/vpop-selection.md.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tolsim::trial {

// The target distribution of one baseline observable: either normal (mean and sd) or a histogram (edges and shares).
struct TargetMarginal {
  std::string name;  // a baseline observable
  // Either a normal target:
  std::optional<double> mean, sd;
  // or a histogram: edges (k+1 ascending) and the share of patients in each bin (k values summing to 1 within 1e-6)
  std::vector<double> edges, shares;
};

// What the selected population should look like, e.g. the baseline table of a published trial.
struct SelectionTarget {
  std::vector<TargetMarginal> marginals;
  std::vector<double>
      correlation;       // optional, row-major k x k, only when all marginals are normal; empty = independent
  int min_selected = 0;  // the smallest acceptable selected population
};

// How well one selected marginal matches its target, next to the plausible population it was drawn from.
// SDs are sample SDs (n - 1); a value that is undefined (e.g. the SD of fewer than two patients) is NaN.
struct MarginalFit {
  std::string name;
  double target_mean, target_sd, selected_mean, selected_sd, plausible_mean, plausible_sd;
  double ks_statistic, ks_p_value;  // K-S of the selected sample against the target marginal
};

// The outcome of a selection: data, not an exception, even when the fit is poor (see message).
struct SelectionResult {
  std::vector<int> selected;        // indices into the plausible rows, ascending
  std::vector<double> probability;  // acceptance probability of every plausible row
  double scale = 0.0;               // the chosen s
  std::vector<MarginalFit> fit;
  std::string message;  // warnings, e.g. target far outside the plausible range, few patients selected
};

// plausible: n rows (patients) x k columns (observables, in the order of target.marginals), row-major.
// uniforms: n numbers in [0,1) drawn by the caller (one per plausible patient; keeps the caller's random streams
// deterministic); patient i is selected when uniforms[i] < probability[i].
// Throws std::invalid_argument, listing every problem, for sizes that do not match, non-finite values, sd <= 0, a
// bad histogram, a correlation matrix that is not a positive definite correlation matrix, or no plausible patients.
SelectionResult select_virtual_population(std::span<const double> plausible, int n_observables,
                                          const SelectionTarget& target, std::span<const double> uniforms);

}  // namespace tolsim::trial
