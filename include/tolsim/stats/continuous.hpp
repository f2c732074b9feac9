// Continuous endpoints of in-silico trials: summaries, the Welch two-sample t-test and empirical quantiles.
// Formulas and sources are in docs/statistics.md; reference values in tests/reference/stats_reference.py.
//
// Bad arguments (NaN or infinite values, fewer than 2 values where a standard deviation is needed, an empty sample,
// confidence outside (0, 1), q outside [0, 1]) throw std::invalid_argument naming the argument, its value and the
// violated constraint.
#pragma once

#include <span>

#include "tolsim/stats/proportion.hpp"  // Interval

namespace tolsim::stats {

// n, mean, standard deviation (divisor n - 1) and the Student t interval for the mean, mean +- t(n-1) sd / sqrt(n).
struct Summary {
  int n = 0;
  double mean = 0.0;
  double sd = 0.0;
  Interval ci;
};

// Needs at least 2 values. A constant sample has sd 0 and ci [mean, mean].
Summary summarize(std::span<const double> values, double confidence = 0.95);

// A t-test of a difference: the estimate, its t interval, t, the degrees of freedom and the two-sided p-value.
struct TTest {
  double difference = 0.0;
  Interval ci;
  double t = 0.0;
  double df = 0.0;
  double p = 1.0;
};

// Welch's unequal-variance t-test of mean(a) - mean(b) (Welch 1947, Biometrika 34:28), with the
// Welch-Satterthwaite degrees of freedom and the matching t interval for the difference.
using WelchTest = TTest;

// a - b; each sample needs at least 2 values. When both samples are constant (standard error 0) the t
// distribution is undefined: df is NaN and ci is [difference, difference]; if the means are equal, t and p are NaN
// (nothing to test); if they differ, t is +-infinity and p is 0 (the limit as both variances go to 0: without
// noise any difference is certain, which is what a deterministic simulation of two arms shows).
WelchTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence = 0.95);

// The paired t-test of the mean of a[i] - b[i] (one-sample t on the differences, df = n - 1): for the same
// patients measured under two treatments. a and b need the same length, at least 2. When every difference is
// equal (standard error 0) the result is as for two constant samples in welch_t_test.
TTest paired_t_test(std::span<const double> a, std::span<const double> b, double confidence = 0.95);

// The q-quantile with linear interpolation between order statistics (Hyndman & Fan 1996 type 7: R's default,
// numpy's default "linear"): x[h] with h = (n - 1) q, interpolated between floor(h) and floor(h) + 1.
double quantile(std::span<const double> values, double q);

}  // namespace tolsim::stats
