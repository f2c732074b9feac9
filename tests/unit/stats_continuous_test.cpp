// tolsim::stats continuous endpoints: summaries, Welch's t-test, quantiles.
//
// Every expected number comes from tests/reference/stats_reference.py (run with /usr/bin/python3, scipy 1.10 and
// numpy 1.24); "ref: <label>" names the line of its output. Means and SDs are numpy (ddof=1), intervals
// scipy.stats.t.interval, Welch t and p scipy.stats.ttest_ind(equal_var=False), quantiles np.quantile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "support/expect_close.hpp"
#include "tolsim/stats/continuous.hpp"

namespace tolsim::stats {
namespace {

using tolsim::testing::expect_close;

// The samples of the reference script (A, B, C there).
const std::vector<double> kA = {5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 5.3, 6.1};
const std::vector<double> kB = {4.2, 4.8, 5.0, 4.4, 4.9, 4.6};
const std::vector<double> kConstant = {5.0, 5.0, 5.0, 5.0};

struct SummaryCase {
  const std::vector<double>* values;
  double confidence, mean, sd, lower, upper;
};

class SummaryReference : public ::testing::TestWithParam<SummaryCase> {};

TEST_P(SummaryReference, MatchesNumpyAndScipyTInterval) {
  const SummaryCase c = GetParam();
  const Summary s = summarize(*c.values, c.confidence);
  EXPECT_EQ(s.n, static_cast<int>(c.values->size()));
  expect_close(s.mean, c.mean, 1e-14);
  expect_close(s.sd, c.sd, 1e-12);
  expect_close(s.ci.lower, c.lower);
  expect_close(s.ci.upper, c.upper);
}

// ref: summary(A, 0.95), summary(A, 0.90), summary(B, 0.99): mean, sd (ddof=1), t.interval.
INSTANTIATE_TEST_SUITE_P(StatsContinuous, SummaryReference,
                         ::testing::Values(SummaryCase{&kA, 0.95, 5.6124999999999998, 0.48532021829480199,
                                                       5.2067621439155936, 6.0182378560844061},
                                           SummaryCase{&kA, 0.90, 5.6124999999999998, 0.48532021829480199,
                                                       5.2874156822389322, 5.9375843177610674},
                                           SummaryCase{&kB, 0.99, 4.6499999999999995, 0.30822070014844877,
                                                       4.1426331342466991, 5.1573668657532998}));

TEST(StatsContinuous, ConstantSampleHasZeroSdAndPointInterval) {
  const Summary s = summarize(kConstant);
  EXPECT_EQ(s.mean, 5.0);
  EXPECT_EQ(s.sd, 0.0);
  EXPECT_EQ(s.ci.lower, 5.0);
  EXPECT_EQ(s.ci.upper, 5.0);
}

// Closed form: adding 1e9 to every value shifts the mean by 1e9 and leaves the SD alone; a one-pass sum of squares
// would lose every digit here.
TEST(StatsContinuous, SdSurvivesALargeOffset) {
  std::vector<double> shifted;
  for (const double x : kA) shifted.push_back(x + 1e9);
  const Summary s = summarize(shifted);
  expect_close(s.sd, 0.48532021829480199, 1e-6);  // ref: summary(A, 0.95) sd; 1e-6 = rounding of x + 1e9
}

struct WelchCase {
  const std::vector<double>* a;
  const std::vector<double>* b;
  double confidence, difference, lower, upper, t, df, p;
};

class WelchReference : public ::testing::TestWithParam<WelchCase> {};

TEST_P(WelchReference, MatchesScipyTtestInd) {
  const WelchCase c = GetParam();
  const WelchTest w = welch_t_test(*c.a, *c.b, c.confidence);
  expect_close(w.difference, c.difference, 1e-12);
  expect_close(w.ci.lower, c.lower);
  expect_close(w.ci.upper, c.upper);
  expect_close(w.t, c.t);
  expect_close(w.df, c.df);
  expect_close(w.p, c.p);
}

// ref: welch(A, B, 0.95), welch(B, A, 0.90), welch(A, C, 0.95): diff, lo, hi, t, df, p. With C constant the
// Welch df reduces to n_A - 1 = 7 exactly and the test to a one-sample t-test of A against 5.
INSTANTIATE_TEST_SUITE_P(
    StatsContinuous, WelchReference,
    ::testing::Values(WelchCase{&kA, &kB, 0.95, 0.96250000000000036, 0.49794223450065711, 1.4270577654993435,
                                4.523452989865171, 11.782682332979201, 0.00073009255598346738},
                      WelchCase{&kB, &kA, 0.90, -0.96250000000000036, -1.342318651416196,
                                -0.58268134858380471, -4.523452989865171, 11.782682332979201,
                                0.00073009255598346738},
                      WelchCase{&kA, &kConstant, 0.95, 0.61249999999999982, 0.20676214391559344,
                                1.0182378560844061, 3.5696258853462979, 7.0, 0.0091014730088208561}));

// ref: paired(A, D, 0.95) and paired(D, A, 0.90): diff, lo, hi, t, df, p (scipy.stats.ttest_rel).
const std::vector<double> kD = {4.8, 5.0, 5.7, 5.9, 5.4, 5.6, 4.9, 5.5};

TEST(StatsContinuous, PairedTTestMatchesScipyTtestRel) {
  const TTest ad = paired_t_test(kA, kD);
  expect_close(ad.difference, 0.26249999999999984, 1e-12);
  // The lower bound is a near-cancellation (0.2625 - 0.2641): 1e-9 of the half-width, not of the bound.
  EXPECT_NEAR(ad.ci.lower, -0.0016368755059861795, 1e-9 * 0.2641);
  expect_close(ad.ci.upper, 0.52663687550598581);
  expect_close(ad.t, 2.3499705018511743);
  EXPECT_EQ(ad.df, 7.0);
  expect_close(ad.p, 0.051089701474210207);
  const TTest da = paired_t_test(kD, kA, 0.90);
  expect_close(da.difference, -0.26249999999999984, 1e-12);
  expect_close(da.ci.lower, -0.47413111768289251);
  expect_close(da.ci.upper, -0.050868882317107206);
  expect_close(da.p, 0.051089701474210207);
  // Pairing matters: the same numbers unpaired give Welch's larger standard error (closed form: t_paired > t_welch
  // whenever the pairs are positively correlated, as A and D are).
  EXPECT_GT(std::abs(ad.t), std::abs(welch_t_test(kA, kD).t));
  // Every difference equal: as welch_t_test with two constant samples.
  const std::vector<double> one_two_three = {1, 2, 3}, zero_one_two = {0, 1, 2};
  const TTest same = paired_t_test(one_two_three, zero_one_two);
  EXPECT_EQ(same.difference, 1.0);
  EXPECT_EQ(same.p, 0.0);
  EXPECT_THAT([&] { paired_t_test(kA, kB); }, ::testing::ThrowsMessage<std::invalid_argument>(
                                                  ::testing::HasSubstr("pairs need equal lengths")));
}

// Both samples constant: the documented choice (continuous.hpp) is p = 0 when the means differ and NaN when not.
TEST(StatsContinuous, WelchOfTwoConstantSamples) {
  const std::vector<double> other = {7.0, 7.0, 7.0};
  const WelchTest differ = welch_t_test(kConstant, other);
  EXPECT_EQ(differ.difference, -2.0);
  EXPECT_EQ(differ.t, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(differ.p, 0.0);
  EXPECT_TRUE(std::isnan(differ.df));
  EXPECT_EQ(differ.ci.lower, -2.0);
  EXPECT_EQ(differ.ci.upper, -2.0);
  const WelchTest same = welch_t_test(kConstant, kConstant);
  EXPECT_EQ(same.difference, 0.0);
  EXPECT_TRUE(std::isnan(same.t));
  EXPECT_TRUE(std::isnan(same.p));
  EXPECT_EQ(same.ci.lower, 0.0);
  EXPECT_EQ(same.ci.upper, 0.0);
}

TEST(StatsContinuous, QuantileMatchesNumpyLinear) {
  const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6};
  // ref: np.quantile([3,1,4,1,5,9,2,6], q)
  EXPECT_EQ(quantile(v, 0.0), 1.0);
  EXPECT_EQ(quantile(v, 0.1), 1.0);
  expect_close(quantile(v, 0.25), 1.75, 1e-15);
  expect_close(quantile(v, 0.5), 3.5, 1e-15);
  expect_close(quantile(v, 0.9), 6.8999999999999995, 1e-15);
  EXPECT_EQ(quantile(v, 1.0), 9.0);
  EXPECT_EQ(quantile(std::vector<double>{7.5}, 0.3), 7.5);  // ref: np.quantile([7.5], 0.3)
}

TEST(StatsContinuous, BadArgumentsThrowWithTheValueInTheMessage) {
  using ::testing::HasSubstr;
  using ::testing::ThrowsMessage;
  const std::vector<double> one = {1.0};
  const std::vector<double> with_nan = {1.0, std::nan(""), 2.0};
  const std::vector<double> with_inf = {1.0, std::numeric_limits<double>::infinity()};
  EXPECT_THAT([&] { summarize(one); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("values has 1 values: needs at least 2")));
  EXPECT_THAT([&] { summarize(with_nan); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("values[1] = nan: must be finite")));
  EXPECT_THROW(summarize(with_inf), std::invalid_argument);
  EXPECT_THAT([&] { summarize(kA, 1.5); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("confidence = 1.5: must be in (0, 1)")));
  EXPECT_THAT([&] { welch_t_test(kA, one); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("b has 1 values: needs at least 2")));
  EXPECT_THROW(welch_t_test(with_nan, kA), std::invalid_argument);
  EXPECT_THROW(welch_t_test(kA, kB, 0.0), std::invalid_argument);
  EXPECT_THROW(quantile(std::vector<double>{}, 0.5), std::invalid_argument);
  EXPECT_THROW(quantile(with_nan, 0.5), std::invalid_argument);
  EXPECT_THAT([&] { quantile(kA, 1.1); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("q = 1.1: must be in [0, 1]")));
  EXPECT_THROW(quantile(kA, std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace tolsim::stats
