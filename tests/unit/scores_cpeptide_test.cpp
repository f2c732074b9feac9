// Trapezoidal AUC and TrialNet's mean C-peptide (AUC / duration of the test).
//
// Expected values are closed forms: the trapezoidal rule is exact on piecewise-linear curves, and on t^2 over
// [0, T] with uniform step h it gives T^3/3 + T*h^2/6 (the integral plus the rule's known error term
// (b - a) h^2 f''/12 with f'' = 2). The arithmetic is written out next to each case.
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/property.hpp"
#include "tolsim/scores/cpeptide.hpp"

namespace tolsim::scores {
namespace {

using ::testing::HasSubstr;

using tolsim::testing::error_of;

// TrialNet's 2 h mixed-meal tolerance test samples (min after the meal) from 0 to 120.
const std::vector<double> kMmttTimes{0, 15, 30, 60, 90, 120};

TEST(AucTrapezoid, ExactOnALinearProfile) {
  // c(t) = 0.2 + 0.005 t pmol/mL. Integral over [0, 120] = 0.2*120 + 0.005*120^2/2 = 24 + 36 = 60 pmol/mL*min.
  std::vector<double> values;
  for (const double t : kMmttTimes) values.push_back(0.2 + 0.005 * t);
  EXPECT_NEAR(auc_trapezoid(kMmttTimes, values), 60.0, 1e-12);
  // Mean = 60 / 120 = 0.5 pmol/mL, the value of a linear profile at the mid-point t = 60.
  EXPECT_NEAR(cpeptide_auc_mean(kMmttTimes, values), 0.5, 1e-14);
}

TEST(AucTrapezoid, PiecewiseLinearByHand) {
  // Rise to a peak at 30 min, then fall:
  //   [0, 30]:   30 * (0.3 + 0.9) / 2 = 18
  //   [30, 60]:  30 * (0.9 + 0.6) / 2 = 22.5
  //   [60, 120]: 60 * (0.6 + 0.4) / 2 = 30
  // AUC = 70.5 pmol/mL*min; mean = 70.5 / 120 = 0.5875 pmol/mL.
  const std::vector<double> times{0, 30, 60, 120};
  const std::vector<double> values{0.3, 0.9, 0.6, 0.4};
  EXPECT_NEAR(auc_trapezoid(times, values), 70.5, 1e-12);
  EXPECT_NEAR(cpeptide_auc_mean(times, values), 0.5875, 1e-14);
}

TEST(AucTrapezoid, QuadraticHasTheKnownTrapezoidError) {
  // f(t) = t^2 on [0, 120], h = 30: T^3/3 + T h^2/6 = 1728000/3 + 120*900/6 = 576000 + 18000 = 594000.
  const std::vector<double> times{0, 30, 60, 90, 120};
  std::vector<double> values;
  for (const double t : times) values.push_back(t * t);
  EXPECT_DOUBLE_EQ(auc_trapezoid(times, values), 594000.0);
  // Halving h cuts the error 18000 to 4500 (h^2 order): 576000 + 120*225/6 = 580500.
  std::vector<double> fine_times, fine_values;
  for (int i = 0; i <= 8; ++i) {
    fine_times.push_back(15.0 * i);
    fine_values.push_back(15.0 * i * 15.0 * i);
  }
  EXPECT_DOUBLE_EQ(auc_trapezoid(fine_times, fine_values), 580500.0);
}

TEST(AucTrapezoid, NegativeValuesAreAllowedForAGenericCurve) {
  // Straight line from -1 to 1 over [0, 2]: the signed areas cancel.
  const std::vector<double> times{0, 2};
  const std::vector<double> values{-1, 1};
  EXPECT_DOUBLE_EQ(auc_trapezoid(times, values), 0.0);
}

TEST(CpeptideAucMean, DividesByTheSpanNotByTheLastTime) {
  // The linear profile of ExactOnALinearProfile shifted to start at t = 10: the same AUC (60) over 120 min, so
  // the same mean 0.5, although the last time is 130.
  std::vector<double> times, values;
  for (const double t : kMmttTimes) {
    times.push_back(t + 10);
    values.push_back(0.2 + 0.005 * t);
  }
  EXPECT_NEAR(cpeptide_auc_mean(times, values), 0.5, 1e-14);
}

TEST(CpeptideAucMean, ConstantProfileGivesItsValue) {
  const std::vector<double> values(kMmttTimes.size(), 0.33);
  EXPECT_NEAR(cpeptide_auc_mean(kMmttTimes, values), 0.33, 1e-14);
}

TEST(AucTrapezoid, RejectsMalformedCurves) {
  const std::vector<double> two{0, 1};
  const std::vector<double> three{0, 1, 2};
  const std::vector<double> one{0};
  EXPECT_THAT(error_of([&] { auc_trapezoid(two, three); }), HasSubstr("times.size() = 2, values.size() = 3"));
  EXPECT_THAT(error_of([&] { auc_trapezoid(one, one); }), HasSubstr("times.size() = 1: at least 2 points"));
  const std::vector<double> repeated{0, 30, 30};
  EXPECT_THAT(error_of([&] { auc_trapezoid(repeated, three); }),
              HasSubstr("times[2] = 30: must be greater than times[1] = 30"));
  const std::vector<double> decreasing{0, 60, 30};
  EXPECT_THAT(error_of([&] { cpeptide_auc_mean(decreasing, three); }), HasSubstr("times_min[2] = 30"));
  const std::vector<double> with_nan{0, std::numeric_limits<double>::quiet_NaN(), 2};
  EXPECT_THAT(error_of([&] { auc_trapezoid(three, with_nan); }), HasSubstr("values[1] = nan"));
  const std::vector<double> with_inf{0, 1, std::numeric_limits<double>::infinity()};
  EXPECT_THAT(error_of([&] { auc_trapezoid(with_inf, three); }), HasSubstr("times[2] = inf"));
  const std::vector<double> negative{0.2, -0.1, 0.3};
  EXPECT_THAT(error_of([&] { cpeptide_auc_mean(three, negative); }),
              HasSubstr("cpeptide_pmol_per_ml[1] = -0.1: must be >= 0"));
}

}  // namespace
}  // namespace tolsim::scores
