// Trial statistics against an independent tool and the literature.
//
// Where expected values come from:
//  - "scipy": tests/reference/stats_crosscheck.py run with Debian's /usr/bin/python3 (scipy 1.10.1); the call is
//    named next to each number: binomtest(k, n).proportion_ci(method='wilson'), fisher_exact,
//    chi2_contingency(correction=False), t.interval, ttest_ind(equal_var=False), numpy.quantile, and a log-rank
//    written out in numpy in that script;
//  - Newcombe RG 1998, Stat Med 17:873, Table II, example (a) 56/70 - 48/80: method 10 interval 0.0524 to 0.3339;
//  - the Freireich 6-MP leukaemia remission data (Freireich EJ et al. 1963, Blood 21:699), as tabulated in
//    Kleinbaum DG, Klein M, Survival Analysis: A Self-Learning Text: product-limit estimates by hand
//    (S(6) = 18/21, then x 16/17, 14/15, 11/12, 10/11, 6/7, 5/6), median 23 weeks, log-rank chi-square 16.79.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "tolsim/stats/continuous.hpp"
#include "tolsim/stats/proportion.hpp"
#include "tolsim/stats/survival.hpp"

namespace tolsim::stats {
namespace {

TEST(Wilson, MatchesScipy) {
  struct Case {
    int k, n;
    double lower, upper;
  };
  // scipy: binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
  for (const Case& c : {Case{56, 70, 0.691833555037, 0.876952607516},
                        Case{48, 80, 0.490454650052, 0.700381724041}, Case{0, 10, 0.0, 0.277532799863},
                        Case{10, 10, 0.722467200137, 1.0}, Case{7, 23, 0.156040244532, 0.508657562688}}) {
    const Proportion p = wilson(c.k, c.n);
    EXPECT_DOUBLE_EQ(p.estimate, static_cast<double>(c.k) / c.n);
    EXPECT_NEAR(p.ci.lower, c.lower, 1e-10) << c.k << "/" << c.n;
    EXPECT_NEAR(p.ci.upper, c.upper, 1e-10) << c.k << "/" << c.n;
  }
}

TEST(Wilson, EmptyAndInvalid) {
  EXPECT_TRUE(std::isnan(wilson(0, 0).estimate));
  EXPECT_THROW((void)wilson(3, 2), std::invalid_argument);
  EXPECT_THROW((void)wilson(-1, 2), std::invalid_argument);
  EXPECT_THROW((void)wilson(1, 2, 1.5), std::invalid_argument);
}

TEST(RiskDifference, NewcombeMethod10MatchesThePaper) {
  const RiskDifference r = compare_proportions(56, 70, 48, 80);
  EXPECT_NEAR(r.estimate, 0.2, 1e-15);
  EXPECT_NEAR(r.ci.lower, 0.0524, 5e-5);  // Newcombe 1998, Table II (a), method 10
  EXPECT_NEAR(r.ci.upper, 0.3339, 5e-5);
  EXPECT_NEAR(r.p_fisher, 0.0125211297492, 1e-10);      // scipy fisher_exact([[56, 14], [48, 32]])
  EXPECT_NEAR(r.p_chi_square, 0.0080450813682, 1e-10);  // scipy chi2_contingency(correction=False)
}

TEST(Fisher, MatchesScipy) {
  EXPECT_NEAR(fisher_exact_two_sided(3, 1, 1, 3), 0.485714285714, 1e-11);     // scipy fisher_exact
  EXPECT_NEAR(fisher_exact_two_sided(20, 0, 10, 0), 1.0, 1e-12);              // scipy fisher_exact
  EXPECT_NEAR(fisher_exact_two_sided(9, 11, 2, 18), 0.0309503051439, 1e-11);  // scipy fisher_exact
  const RiskDifference r = compare_proportions(9, 20, 2, 20);
  EXPECT_NEAR(r.p_chi_square, 0.0131843749748, 1e-10);  // scipy chi2_contingency(correction=False)
  EXPECT_TRUE(std::isnan(compare_proportions(20, 20, 10, 10).p_chi_square));  // no failures: undefined
}

RC_GTEST_PROP(Fisher, IsAProbabilityAndSymmetric, ()) {
  const int a = *rc::gen::inRange(0, 30), b = *rc::gen::inRange(0, 30), c = *rc::gen::inRange(0, 30),
            d = *rc::gen::inRange(0, 30);
  const double p = fisher_exact_two_sided(a, b, c, d);
  RC_ASSERT(p > 0.0);
  RC_ASSERT(p <= 1.0);
  // Swapping rows (or columns) describes the same table.
  RC_ASSERT(std::abs(p - fisher_exact_two_sided(c, d, a, b)) < 1e-12);
  RC_ASSERT(std::abs(p - fisher_exact_two_sided(b, a, d, c)) < 1e-12);
}

TEST(Power, ShareOfPValuesBelowAlpha) {
  const std::vector<double> p = {0.01, 0.2, 0.04, 0.05, 0.001};
  const Proportion w = power(p, 0.05);
  EXPECT_EQ(w.successes, 3);  // 0.05 itself is not below alpha
  EXPECT_EQ(w.n, 5);
}

const std::vector<double> kA = {5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 4.7, 5.3};
const std::vector<double> kB = {4.1, 4.5, 3.9, 5.0, 4.4, 4.8, 4.2, 3.6, 4.9, 4.0};

TEST(Continuous, SummaryMatchesScipy) {
  const Summary s = summarize(kA);
  EXPECT_NEAR(s.mean, 5.4375, 1e-12);
  EXPECT_NEAR(s.sd, 0.534355419441, 1e-11);
  EXPECT_NEAR(s.ci.lower, 4.99076768987,
              1e-9);  // scipy t.interval(0.95, 7, loc=mean, scale=sem); t quantiles agree to ~1e-11
  EXPECT_NEAR(s.ci.upper, 5.88423231013, 1e-9);
  EXPECT_THROW((void)summarize(std::vector<double>{1.0}), std::invalid_argument);
  EXPECT_THROW((void)summarize(std::vector<double>{1.0, NAN}), std::invalid_argument);
}

TEST(Continuous, WelchMatchesScipy) {
  const WelchTest w = welch_t_test(kA, kB);
  EXPECT_NEAR(w.t, 4.59411195139, 1e-10);  // scipy ttest_ind(a, b, equal_var=False)
  EXPECT_NEAR(w.p, 0.000417685287356, 1e-12);
  EXPECT_NEAR(w.df, 13.992350053, 1e-8);
  EXPECT_NEAR(w.ci.lower, 0.585099745911, 1e-10);
  EXPECT_NEAR(w.ci.upper, 1.60990025409, 1e-10);
  const WelchTest flat = welch_t_test(std::vector<double>{1, 1}, std::vector<double>{2, 2});
  EXPECT_EQ(flat.p, 0.0);  // constant samples with different means: t is infinite (docs/statistics.md)
  EXPECT_DOUBLE_EQ(flat.difference, -1.0);
}

TEST(Continuous, QuantileIsNumpysLinearRule) {
  EXPECT_NEAR(quantile(kA, 0.025), 4.735, 1e-12);  // numpy.quantile(a, 0.025)
  EXPECT_NEAR(quantile(kA, 0.5), 5.4, 1e-12);
  EXPECT_NEAR(quantile(kA, 0.9), 6.06, 1e-12);
}

// Freireich 6-MP arm (0 = censored) and placebo arm (all relapses).
const std::vector<double> kMpTime = {6,  6,  6,  6,  7,  9,  10, 10, 11, 13, 16,
                                     17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
const std::vector<unsigned char> kMpEvent = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
const std::vector<double> kPlaceboTime = {1, 1, 2,  2,  3,  4,  4,  5,  5,  8, 8,
                                          8, 8, 11, 11, 12, 12, 15, 17, 22, 23};

TEST(Survival, KaplanMeierOfThe6MpArm) {
  const KaplanMeier km = kaplan_meier(kMpTime, kMpEvent);
  const std::vector<double> times = {0, 6, 7, 10, 13, 16, 22, 23};
  std::vector<double> s = {1.0};
  for (double f : {18.0 / 21, 16.0 / 17, 14.0 / 15, 11.0 / 12, 10.0 / 11, 6.0 / 7, 5.0 / 6})
    s.push_back(s.back() * f);
  ASSERT_EQ(km.time, times);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_NEAR(km.survival[i], s[i], 1e-12) << km.time[i];
    EXPECT_LE(km.lower[i], km.survival[i]);
    EXPECT_GE(km.upper[i], km.survival[i]);
  }
  EXPECT_EQ(km.at_risk[1], 21);
  EXPECT_EQ(km.at_risk[2], 17);  // 3 relapses and 1 censoring at week 6
  EXPECT_DOUBLE_EQ(km.median, 23.0);
}

TEST(Survival, AllCensoredNeverDrops) {
  const KaplanMeier km = kaplan_meier(std::vector<double>{1, 2, 3}, std::vector<unsigned char>{0, 0, 0});
  EXPECT_EQ(km.survival, std::vector<double>{1.0});
  EXPECT_TRUE(std::isnan(km.median));
}

TEST(Survival, LogRankOfFreireich) {
  std::vector<double> t = kMpTime;
  t.insert(t.end(), kPlaceboTime.begin(), kPlaceboTime.end());
  std::vector<unsigned char> e = kMpEvent;
  e.resize(t.size(), 1);
  std::vector<int> g(kMpTime.size(), 0);
  g.resize(t.size(), 1);
  const LogRank r = log_rank(t, e, g);
  EXPECT_EQ(r.df, 1);
  EXPECT_NEAR(r.chi_square, 16.7929409892, 1e-8);  // textbook 16.79; numpy in stats_crosscheck.py
  EXPECT_NEAR(r.p, 4.16880910933e-05, 1e-12);
  EXPECT_THROW((void)log_rank(kMpTime, kMpEvent, std::vector<int>(kMpTime.size(), 0)), std::invalid_argument);
}

}  // namespace
}  // namespace tolsim::stats
