// Time-to-event endpoints of in-silico trials: the Kaplan-Meier estimator and the k-sample log-rank test.
// Formulas and sources are in docs/statistics.md; reference values in tests/reference/stats_reference.py.
//
// Subjects are given as parallel spans: time (finite, >= 0), event (1 = event at that time, 0 = censored at that
// time; any other value is an error) and, for log-rank, a group label. At a time shared by events and censorings,
// events come first: subjects censored at t are still at risk at t (the usual convention, Kaplan & Meier 1958).
// Bad arguments throw std::invalid_argument naming the argument, its value and the violated constraint.
#pragma once

#include <limits>
#include <span>
#include <vector>

namespace tolsim::stats {

// The Kaplan-Meier curve as a step function, one row per distinct event time plus a first row at time 0 (S = 1,
// at_risk = all subjects, events = 0). An event at time 0 therefore gives a second row at time 0.
struct KaplanMeier {
  std::vector<double> time;      // distinct event times, ascending, starting with 0
  std::vector<double> survival;  // S(t) just after each time (1 at time 0)
  std::vector<double> lower,
      upper;  // pointwise CI (Greenwood variance, log(-log) transform); NaN where S = 0
  std::vector<int> at_risk, events;
  double median =
      std::numeric_limits<double>::quiet_NaN();  // smallest t with S(t) <= 0.5, NaN if not reached
};

// Kaplan-Meier (1958, JASA 53:457) with Greenwood's variance and the log(-log) interval of Kalbfleisch & Prentice
// (Stata's default, R's conf.type = "log-log"): S^exp(+-z se), se = sqrt(sum d / (n (n - d))) / |log S|.
// The median is the smallest event time with S <= 0.5 (R instead averages two times when S is exactly 0.5 on a
// whole step). All subjects censored: only the row at time 0, median NaN. Needs at least one subject.
KaplanMeier kaplan_meier(std::span<const double> time, std::span<const unsigned char> event,
                         double confidence = 0.95);

// The log-rank (Mantel-Haenszel) test of equal survival in k groups: observed minus expected events per group and
// their hypergeometric covariance summed over event times; chi_square = U' V^- U over k - 1 groups, df = rank of V
// (k - 1 unless a group has nobody at risk at any event time), p from the chi-square distribution. No events at all:
// chi_square and p are NaN, df 0.
struct LogRank {
  double chi_square = 0.0;
  int df = 0;
  double p = 1.0;
};

// Group labels are any integers; fewer than 2 distinct labels is an error.
LogRank log_rank(std::span<const double> time, std::span<const unsigned char> event,
                 std::span<const int> group);

}  // namespace tolsim::stats
