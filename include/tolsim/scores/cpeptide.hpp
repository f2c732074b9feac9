// C-peptide area under the curve of a mixed-meal tolerance test (MMTT), the primary end point of TrialNet's
// new-onset type 1 diabetes trials ("mean 2-hour MMTT AUC C-peptide"; Greenbaum et al. 2012, Diabetes 61:2066).
#pragma once

#include <span>

namespace tolsim::scores {

// Area under the piecewise-linear interpolant of (times, values): sum of (t[i+1] - t[i]) * (v[i] + v[i+1]) / 2.
// Exact for piecewise-linear profiles. Needs >= 2 points, equal lengths, strictly increasing finite times and
// finite values; otherwise throws std::invalid_argument. The result is in value-unit x time-unit.
double auc_trapezoid(std::span<const double> times, std::span<const double> values);

// TrialNet's "AUC mean": trapezoidal AUC divided by the sampling duration (last - first time), so that the result
// is a mean concentration in pmol/mL, comparable between tests whatever their length (a 2 h MMTT sampled from 0
// to 120 min gives AUC / 120 min). Concentrations must be >= 0.
double cpeptide_auc_mean(std::span<const double> times_min, std::span<const double> cpeptide_pmol_per_ml);

}  // namespace tolsim::scores
