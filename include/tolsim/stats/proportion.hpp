// Binary endpoints of in-silico trials: response rates, their difference between arms, and power across replicate
// trials. Formulas and sources are in docs/statistics.md; reference values in tests/reference/stats_reference.py.
//
// Bad arguments (successes > n, negative counts, confidence outside (0, 1), p-values outside [0, 1] or NaN) throw
// std::invalid_argument naming the argument, its value and the violated constraint. Quantities that are undefined
// for valid data (a proportion of 0 subjects) are NaN, never an exception: results are data.
#pragma once

#include <span>

namespace tolsim::stats {

// A two-sided confidence interval [lower, upper].
struct Interval {
  double lower = 0.0;
  double upper = 0.0;
};

// A proportion successes / n with its confidence interval. n == 0: estimate NaN, ci NaN.
struct Proportion {
  int successes = 0;
  int n = 0;
  double estimate = 0.0;
  Interval ci;
};

// Wilson score interval (Wilson 1927, JASA 22:209; method 3 of Newcombe 1998, Stat Med 17:857). Unlike the Wald
// interval it stays inside [0, 1] and is not degenerate at 0/n and n/n: there one limit is exactly 0 or 1 and the
// other is z^2/(n + z^2) away from it.
Proportion wilson(int successes, int n, double confidence = 0.95);

// Arm 1 versus arm 2 of a binary endpoint.
struct RiskDifference {
  double estimate = 0.0;  // p1 - p2 (NaN when an arm has n == 0)
  Interval ci;            // Newcombe hybrid score interval (Newcombe 1998, Stat Med 17:873, method 10)
  double p_fisher =
      1.0;  // two-sided Fisher exact test (sum of tables with probability <= observed, scipy's rule)
  double p_chi_square = 1.0;  // Pearson chi-square without continuity correction, 1 df (NaN when undefined)
};

// The 2x2 table is [[successes1, n1 - successes1], [successes2, n2 - successes2]]. The chi-square test is undefined
// (NaN) when a row or column of the table is empty; Fisher's p is then 1 (only one table has those margins).
RiskDifference compare_proportions(int successes1, int n1, int successes2, int n2, double confidence = 0.95);

// Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]]: the probability, under the hypergeometric
// distribution with the observed margins, of all tables no more probable than the observed one. "No more probable"
// allows a relative 1e-7 for rounding, as R's fisher.test does, so that tables of equal probability (symmetric
// margins) count as ties; scipy uses 1e-14, which agrees on every table whose probabilities are not that close.
double fisher_exact_two_sided(int a, int b, int c, int d);

// Power across replicate trials: share of p-values < alpha (strictly), with its Wilson CI (95%). No p-values:
// estimate NaN, ci NaN.
Proportion power(std::span<const double> p_values, double alpha = 0.05);

}  // namespace tolsim::stats
