// tolsim::stats proportions: Wilson, Newcombe, Fisher, chi-square, power.
//
// Every expected number comes from tests/reference/stats_reference.py (run with /usr/bin/python3, scipy 1.10); the
// comment "ref: <label>" names the line of its output, which names the call. Wilson and Newcombe are computed there
// by formula (scipy has neither), and that formula code is itself checked against Newcombe 1998, Table II.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "support/expect_close.hpp"
#include "tolsim/stats/proportion.hpp"

namespace tolsim::stats {
namespace {

using tolsim::testing::expect_close;

struct WilsonCase {
  int successes, n;
  double confidence, lower, upper;
};

class WilsonReference : public ::testing::TestWithParam<WilsonCase> {};

TEST_P(WilsonReference, MatchesFormulaWithScipyQuantile) {
  const WilsonCase c = GetParam();
  const Proportion p = wilson(c.successes, c.n, c.confidence);
  EXPECT_EQ(p.successes, c.successes);
  EXPECT_EQ(p.n, c.n);
  EXPECT_DOUBLE_EQ(p.estimate, static_cast<double>(c.successes) / c.n);
  expect_close(p.ci.lower, c.lower);
  expect_close(p.ci.upper, c.upper);
}

INSTANTIATE_TEST_SUITE_P(
    StatsProportion, WilsonReference,
    ::testing::Values(
        WilsonCase{7, 20, 0.95, 0.18119182410108209, 0.56714572331476365},         // ref: wilson(7, 20, 0.95)
        WilsonCase{7, 20, 0.90, 0.20226004005676104, 0.53348731115152837},         // ref: wilson(7, 20, 0.9)
        WilsonCase{7, 20, 0.99, 0.14639344137693885, 0.62833817895268718},         // ref: wilson(7, 20, 0.99)
        WilsonCase{1, 1000, 0.95, 0.00017654637062607809, 0.0056425585979579355},  // ref: wilson(1, 1000)
        WilsonCase{56, 70, 0.95, 0.69183355503746935, 0.87695260751637039},  // ref: wilson(56, 70, 0.95)
        WilsonCase{48, 80, 0.95, 0.49045465005160399, 0.70038172404129073},  // ref: wilson(48, 80, 0.95)
        WilsonCase{0, 10, 0.95, 0.0, 0.27753279986288926},                   // ref: wilson(0, 10, 0.95)
        WilsonCase{10, 10, 0.95, 0.72246720013711085, 1.0}));                // ref: wilson(10, 10, 0.95)

// Closed form at the boundary: for 0/n the interval is [0, z^2/(n + z^2)], for n/n [n/(n + z^2), 1], exactly at the
// ends. z = 1.959963984540054 is the 97.5% normal quantile (scipy.stats.norm.ppf(0.975)).
TEST(StatsProportion, WilsonAtZeroAndAllIsTheClosedForm) {
  const double z2 = 1.959963984540054 * 1.959963984540054;
  const Proportion none = wilson(0, 25);
  EXPECT_EQ(none.estimate, 0.0);
  EXPECT_EQ(none.ci.lower, 0.0);
  expect_close(none.ci.upper, z2 / (25 + z2), 1e-12);
  const Proportion all = wilson(25, 25);
  EXPECT_EQ(all.estimate, 1.0);
  EXPECT_EQ(all.ci.upper, 1.0);
  expect_close(all.ci.lower, 25 / (25 + z2), 1e-12);
}

TEST(StatsProportion, WilsonOfNoSubjectsIsNaN) {
  const Proportion p = wilson(0, 0);
  EXPECT_EQ(p.n, 0);
  EXPECT_TRUE(std::isnan(p.estimate));
  EXPECT_TRUE(std::isnan(p.ci.lower));
  EXPECT_TRUE(std::isnan(p.ci.upper));
}

// Newcombe 1998 (Stat Med 17:873), Table II, method 10, printed to 4 decimals.
TEST(StatsProportion, NewcombeReproducesPublishedExamples) {
  const RiskDifference a = compare_proportions(56, 70, 48, 80);
  EXPECT_NEAR(a.ci.lower, 0.0524, 5e-5);
  EXPECT_NEAR(a.ci.upper, 0.3339, 5e-5);
  const RiskDifference b = compare_proportions(9, 10, 3, 10);
  EXPECT_NEAR(b.ci.lower, 0.1705, 5e-5);
  EXPECT_NEAR(b.ci.upper, 0.8090, 5e-5);
}

struct CompareCase {
  int x1, n1, x2, n2;
  double confidence, estimate, lower, upper, p_fisher, p_chi_square;
};

class CompareReference : public ::testing::TestWithParam<CompareCase> {};

TEST_P(CompareReference, MatchesNewcombeFormulaAndScipyTests) {
  const CompareCase c = GetParam();
  const RiskDifference r = compare_proportions(c.x1, c.n1, c.x2, c.n2, c.confidence);
  expect_close(r.estimate, c.estimate, 1e-12);
  expect_close(r.ci.lower, c.lower);
  expect_close(r.ci.upper, c.upper);
  expect_close(r.p_fisher, c.p_fisher);
  expect_close(r.p_chi_square, c.p_chi_square);
}

// ref: newcombe(x1, n1, x2, n2, conf); fisher_exact([[x1, n1-x1], [x2, n2-x2]]).pvalue;
//      chi2_contingency(..., correction=False) p.
INSTANTIATE_TEST_SUITE_P(
    StatsProportion, CompareReference,
    ::testing::Values(CompareCase{56, 70, 48, 80, 0.95, 0.2, 0.052431472402364815, 0.33387265403690591,
                                  0.012521129749209154, 0.0080450813681965851},
                      CompareCase{9, 10, 3, 10, 0.95, 0.6, 0.17052272393450302, 0.8090179735354881,
                                  0.019766611097880443, 0.0061698993205441645},
                      CompareCase{0, 15, 6, 15, 0.95, -0.4, -0.64253169879375394, -0.11316643146878957,
                                  0.016858237547892719, 0.0061698993205441645},
                      CompareCase{120, 400, 90, 400, 0.90, 0.075, 0.023828891665046738, 0.12566730756109376,
                                  0.019668324359844575, 0.015924985627566959},
                      CompareCase{3, 12, 3, 12, 0.95, 0.0, -0.32501705849330947, 0.32501705849330947, 1.0,
                                  1.0}));

// Both arms 0/10: the table has an empty column, so chi-square is undefined and Fisher's p is 1 (one table only).
// Newcombe's limits reduce to minus and plus the Wilson upper limit of 0/10 (ref: wilson(0, 10, 0.95)).
TEST(StatsProportion, EmptyColumnGivesNaNChiSquareAndFisherOne) {
  const RiskDifference r = compare_proportions(0, 10, 0, 10);
  EXPECT_EQ(r.estimate, 0.0);
  expect_close(r.ci.lower, -0.27753279986288926);
  expect_close(r.ci.upper, 0.27753279986288926);
  EXPECT_EQ(r.p_fisher, 1.0);
  EXPECT_TRUE(std::isnan(r.p_chi_square));
}

TEST(StatsProportion, ArmWithoutSubjectsGivesNaNDifference) {
  const RiskDifference r = compare_proportions(0, 0, 4, 10);
  EXPECT_TRUE(std::isnan(r.estimate));
  EXPECT_TRUE(std::isnan(r.ci.lower));
  EXPECT_TRUE(std::isnan(r.ci.upper));
  EXPECT_EQ(r.p_fisher, 1.0);
  EXPECT_TRUE(std::isnan(r.p_chi_square));
}

struct FisherCase {
  int a, b, c, d;
  double p;
};

class FisherReference : public ::testing::TestWithParam<FisherCase> {};

TEST_P(FisherReference, MatchesScipy) {
  const FisherCase c = GetParam();
  expect_close(fisher_exact_two_sided(c.a, c.b, c.c, c.d), c.p);
}

// ref: fisher_exact(table).pvalue. [[8,2],[1,5]] is scipy's documentation example (0.0349...); [[3,1],[1,3]] has
// a table of exactly the observed probability on the other side, which must be counted.
INSTANTIATE_TEST_SUITE_P(StatsProportion, FisherReference,
                         ::testing::Values(FisherCase{8, 2, 1, 5, 0.034965034965034975},
                                           FisherCase{3, 1, 1, 3, 0.48571428571428565},
                                           FisherCase{0, 5, 5, 0, 0.0079365079365079378},
                                           FisherCase{1, 9, 11, 3, 0.0027594561852200836},
                                           FisherCase{2000, 1000, 1900, 1100, 0.0073640991216214194},
                                           FisherCase{0, 0, 3, 4, 1.0}));

// The test depends on the table only through its margins and the observed cell, so swapping rows, swapping
// columns or transposing cannot change p.
RC_GTEST_PROP(StatsProportion, FisherIsInvariantUnderRowColumnSwaps, ()) {
  const int a = *rc::gen::inRange(0, 30);
  const int b = *rc::gen::inRange(0, 30);
  const int c = *rc::gen::inRange(0, 30);
  const int d = *rc::gen::inRange(0, 30);
  const double p = fisher_exact_two_sided(a, b, c, d);
  RC_ASSERT(p > 0.0);
  RC_ASSERT(p <= 1.0);
  for (const double q : {fisher_exact_two_sided(c, d, a, b), fisher_exact_two_sided(b, a, d, c),
                         fisher_exact_two_sided(a, c, b, d)})
    RC_ASSERT(std::abs(q - p) <= 1e-12 * p);
}

TEST(StatsProportion, PowerCountsPValuesStrictlyBelowAlpha) {
  const std::vector<double> p = {0.01, 0.2, 0.03, 0.049, 0.05, 0.5, 0.001, 0.07};
  const Proportion at_05 = power(p);  // 4 of 8 below 0.05; ref: power: wilson(4, 8, 0.95)
  EXPECT_EQ(at_05.successes, 4);
  EXPECT_EQ(at_05.n, 8);
  EXPECT_EQ(at_05.estimate, 0.5);
  expect_close(at_05.ci.lower, 0.21521606221387757);
  expect_close(at_05.ci.upper, 0.78478393778612243);
  const Proportion at_10 = power(p, 0.1);  // 6 of 8; ref: power alpha 0.1: wilson(6, 8, 0.95)
  EXPECT_EQ(at_10.successes, 6);
  expect_close(at_10.ci.lower, 0.40927543031016883);
  expect_close(at_10.ci.upper, 0.92852078724789089);
  EXPECT_TRUE(std::isnan(power(std::vector<double>{}).estimate));
}

TEST(StatsProportion, BadArgumentsThrowWithTheValueInTheMessage) {
  using ::testing::HasSubstr;
  using ::testing::ThrowsMessage;
  EXPECT_THAT([] { wilson(11, 10); }, ThrowsMessage<std::invalid_argument>(
                                          HasSubstr("successes = 11: must be between 0 and n = 10")));
  EXPECT_THAT([] { wilson(0, -1); }, ThrowsMessage<std::invalid_argument>(HasSubstr("n = -1: must be >= 0")));
  EXPECT_THROW(wilson(-1, 10), std::invalid_argument);
  EXPECT_THAT([] { wilson(3, 10, 1.0); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("confidence = 1: must be in (0, 1)")));
  EXPECT_THROW(wilson(3, 10, 0.0), std::invalid_argument);
  EXPECT_THROW(wilson(3, 10, std::nan("")), std::invalid_argument);
  EXPECT_THROW(compare_proportions(5, 4, 1, 4), std::invalid_argument);
  EXPECT_THROW(compare_proportions(1, 4, 5, 4), std::invalid_argument);
  EXPECT_THROW(compare_proportions(1, 4, 1, 4, 95.0), std::invalid_argument);
  EXPECT_THAT([] { fisher_exact_two_sided(1, -2, 3, 4); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("b = -2: must be >= 0")));
  EXPECT_THAT(
      [] {
        power(std::vector<double>{0.1, std::nan("")});
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr("p_values[1] = nan: must be in [0, 1]")));
  EXPECT_THROW(power(std::vector<double>{1.5}), std::invalid_argument);
  EXPECT_THROW(power(std::vector<double>{0.5}, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace tolsim::stats
