// tolsim::stats time-to-event: Kaplan-Meier and the log-rank test.
//
// Expected numbers come from tests/reference/stats_reference.py (run with /usr/bin/python3; scipy 1.10 has no
// Kaplan-Meier or log-rank, so the script computes both in vectorised numpy, a different code path from ours);
// "ref: <label>" names the line of its output. Published values: Freireich et al. 1963 remission data
// (6-MP vs placebo, weeks), log-rank chi-square 16.79 (Kleinbaum & Klein; R survdiff prints 16.8), medians 23 and 8
// weeks, and Stata's sts list for the placebo group at week 1: S 0.9048, 95% CI 0.6700 to 0.9753.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "support/expect_close.hpp"
#include "tolsim/stats/survival.hpp"

namespace tolsim::stats {
namespace {

using tolsim::testing::expect_close;

void expect_all_close(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE(i);
    expect_close(actual[i], expected[i]);
  }
}

// Freireich et al. 1963 (Blood 21:699), as in the reference script: 6-MP first, then placebo.
const std::vector<double> kMpTime = {6,  6,  6,  7,  10, 13, 16, 22, 23, 6, 9,
                                     10, 11, 17, 19, 20, 25, 32, 32, 34, 35};
const std::vector<unsigned char> kMpEvent = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
const std::vector<double> kPlaceboTime = {1, 1, 2,  2,  3,  4,  4,  5,  5,  8, 8,
                                          8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
const std::vector<unsigned char> kPlaceboEvent(21, 1);

struct Pooled {
  std::vector<double> time;
  std::vector<unsigned char> event;
  std::vector<int> group;
};

Pooled freireich(int mp_label, int placebo_label) {
  Pooled p;
  p.time = kMpTime;
  p.time.insert(p.time.end(), kPlaceboTime.begin(), kPlaceboTime.end());
  p.event = kMpEvent;
  p.event.insert(p.event.end(), kPlaceboEvent.begin(), kPlaceboEvent.end());
  p.group.assign(21, mp_label);
  p.group.insert(p.group.end(), 21, placebo_label);
  return p;
}

TEST(StatsSurvival, KaplanMeierPlaceboMatchesNumpyReference) {
  const KaplanMeier km = kaplan_meier(kPlaceboTime, kPlaceboEvent);
  // ref: km(placebo, 0.95) time / survival / lower / upper / at_risk / events / median
  EXPECT_EQ(km.time, (std::vector<double>{0, 1, 2, 3, 4, 5, 8, 11, 12, 15, 17, 22, 23}));
  EXPECT_EQ(km.at_risk, (std::vector<int>{21, 21, 19, 17, 16, 14, 12, 8, 6, 4, 3, 2, 1}));
  EXPECT_EQ(km.events, (std::vector<int>{0, 2, 2, 1, 2, 2, 4, 2, 2, 1, 1, 1, 1}));
  expect_all_close(km.survival,
                   {1, 0.90476190476190477, 0.80952380952380953, 0.76190476190476186, 0.66666666666666663,
                    0.5714285714285714, 0.38095238095238099, 0.28571428571428575, 0.19047619047619052,
                    0.1428571428571429, 0.095238095238095274, 0.047619047619047637, 0});
  expect_all_close(km.lower,
                   {1, 0.67004588223503347, 0.56890505992417262, 0.5193914153284287, 0.42535043556524721,
                    0.337976953859493, 0.18306654882039433, 0.11656132643676469, 0.059481701361175254,
                    0.035657355190666699, 0.016259260212247013, 0.0033244630425311749, NAN});
  expect_all_close(km.upper,
                   {1, 0.97529414903811251, 0.92388882855929477, 0.89325710978248718, 0.82504400879734008,
                    0.74924070994321645, 0.57778867774583098, 0.4818196480090256, 0.37743489058515017,
                    0.32116157468086937, 0.26124998196868698, 0.19704490569894614, NAN});
  EXPECT_EQ(km.median, 8.0);
}

TEST(StatsSurvival, KaplanMeierSixMpMatchesNumpyReference) {
  const KaplanMeier km = kaplan_meier(kMpTime, kMpEvent);
  // ref: km(6-MP, 0.95) ...
  EXPECT_EQ(km.time, (std::vector<double>{0, 6, 7, 10, 13, 16, 22, 23}));
  EXPECT_EQ(km.at_risk, (std::vector<int>{21, 21, 17, 15, 12, 11, 7, 6}));
  EXPECT_EQ(km.events, (std::vector<int>{0, 3, 1, 1, 1, 1, 1, 1}));
  expect_all_close(km.survival,
                   {1, 0.85714285714285721, 0.80672268907563027, 0.75294117647058822, 0.69019607843137254,
                    0.62745098039215685, 0.53781512605042026, 0.44817927170868355});
  expect_all_close(km.lower,
                   {1, 0.61971795526598383, 0.56314656462223334, 0.5031995107999564, 0.43161022248618403,
                    0.36751085598750205, 0.26777893676713505, 0.18805200595923233});
  expect_all_close(km.upper,
                   {1, 0.95155174764699701, 0.9228090192028805, 0.88936183516926559, 0.84906596334945073,
                    0.80491218947184129, 0.74679071763539473, 0.68014262849524154});
  EXPECT_EQ(km.median, 23.0);
  // ref: km(6-MP, 0.90) lower / upper
  const KaplanMeier km90 = kaplan_meier(kMpTime, kMpEvent, 0.90);
  expect_all_close(km90.lower,
                   {1, 0.67110678059217266, 0.61247854398557922, 0.55112338192788457, 0.47870030967424393,
                    0.41261276800570496, 0.31121408058184946, 0.22646208824501082});
  expect_all_close(km90.upper,
                   {1, 0.94215940572012136, 0.91019783284668354, 0.87358124327442321, 0.82976106501983182,
                    0.7823912244425657, 0.71923318722497276, 0.64811358414029352});
}

// Stata's sts list of the same data (placebo, week 1), printed to 4 decimals.
TEST(StatsSurvival, KaplanMeierReproducesPublishedStataRow) {
  const KaplanMeier km = kaplan_meier(kPlaceboTime, kPlaceboEvent);
  EXPECT_NEAR(km.survival[1], 0.9048, 5e-5);
  EXPECT_NEAR(km.lower[1], 0.6700, 5e-5);
  EXPECT_NEAR(km.upper[1], 0.9753, 5e-5);
}

// Events before censorings: the two subjects censored at t = 1 are still at risk at t = 1 (7, not 5), so
// S(1) = 6/7; one more censoring at 3 keeps n = 3 there. ref: km(ties: t=[1,1,1,2,3,3,4], e=[1,0,0,1,1,0,1], 0.95)
TEST(StatsSurvival, KaplanMeierTiesCountCensoredAsAtRisk) {
  const std::vector<double> time = {1, 1, 1, 2, 3, 3, 4};
  const std::vector<unsigned char> event = {1, 0, 0, 1, 1, 0, 1};
  const KaplanMeier km = kaplan_meier(time, event);
  EXPECT_EQ(km.time, (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(km.at_risk, (std::vector<int>{7, 7, 4, 3, 1}));
  EXPECT_EQ(km.events, (std::vector<int>{0, 1, 1, 1, 1}));
  expect_all_close(km.survival, {1, 6.0 / 7.0, 6.0 / 7.0 * 3.0 / 4.0, 6.0 / 7.0 * 3.0 / 4.0 * 2.0 / 3.0, 0});
  expect_all_close(km.lower, {1, 0.33405387929222191, 0.15146703869770164, 0.05827422931340108, NAN});
  expect_all_close(km.upper, {1, 0.97856105852617559, 0.90173736576179753, 0.7768129394439256, NAN});
  EXPECT_EQ(km.median, 3.0);
}

TEST(StatsSurvival, KaplanMeierAllCensoredHasOnlyTheStartRow) {
  const std::vector<double> time = {3, 1, 2};
  const std::vector<unsigned char> event = {0, 0, 0};
  const KaplanMeier km = kaplan_meier(time, event);
  EXPECT_EQ(km.time, std::vector<double>{0});
  EXPECT_EQ(km.survival, std::vector<double>{1});
  EXPECT_EQ(km.at_risk, std::vector<int>{3});
  EXPECT_EQ(km.events, std::vector<int>{0});
  EXPECT_TRUE(std::isnan(km.median));
}

// Closed form: four events at 1..4 give S = 3/4, 1/2, 1/4, 0; the median is the first time with S <= 1/2, i.e. 2,
// even though 3/4 * 2/3 is not exactly 0.5 in floating point.
TEST(StatsSurvival, KaplanMeierMedianWhereSurvivalIsExactlyOneHalf) {
  const std::vector<double> time = {4, 3, 2, 1};
  const std::vector<unsigned char> event = {1, 1, 1, 1};
  const KaplanMeier km = kaplan_meier(time, event);
  EXPECT_EQ(km.median, 2.0);
  expect_all_close(km.survival, {1, 0.75, 0.5, 0.25, 0});
}

// An event at time 0 gives a second row at time 0 (the first row is always S = 1 before anything happens).
TEST(StatsSurvival, KaplanMeierEventAtTimeZero) {
  const std::vector<double> time = {0, 1};
  const std::vector<unsigned char> event = {1, 1};
  const KaplanMeier km = kaplan_meier(time, event);
  EXPECT_EQ(km.time, (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(km.survival, (std::vector<double>{1, 0.5, 0}));
  EXPECT_EQ(km.median, 0.0);
}

TEST(StatsSurvival, LogRankFreireichMatchesReferenceAndPublishedValue) {
  const Pooled p = freireich(0, 1);
  const LogRank lr = log_rank(p.time, p.event, p.group);
  // ref: log_rank(Freireich 6-MP=0 vs placebo=1): chi2, df, p
  expect_close(lr.chi_square, 16.792940989216529);
  EXPECT_EQ(lr.df, 1);
  expect_close(lr.p, 4.1688091093345579e-05);
  EXPECT_NEAR(lr.chi_square, 16.79, 5e-3);  // Kleinbaum & Klein
}

TEST(StatsSurvival, LogRankDoesNotDependOnGroupLabels) {
  const Pooled a = freireich(0, 1);
  const Pooled b = freireich(42, -3);  // the placebo label now sorts first
  expect_close(log_rank(b.time, b.event, b.group).chi_square, log_rank(a.time, a.event, a.group).chi_square,
               1e-12);
}

// ref: log_rank(t3, e3, g3): chi2, df, p (three groups, ties and censoring, labels 7, 2, 5).
TEST(StatsSurvival, LogRankThreeGroupsMatchesNumpyReference) {
  const std::vector<double> time = {2, 3, 3, 5,  8, 8, 9, 12, 1, 2,  2,  4,
                                    4, 6, 7, 10, 3, 5, 6, 6,  9, 11, 14, 15};
  const std::vector<unsigned char> event = {1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0,
                                            1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0};
  std::vector<int> group(8, 7);
  group.insert(group.end(), 8, 2);
  group.insert(group.end(), 8, 5);
  const LogRank lr = log_rank(time, event, group);
  expect_close(lr.chi_square, 6.9268178220437058);
  EXPECT_EQ(lr.df, 2);
  expect_close(lr.p, 0.031322803166391591);
}

// A group whose subjects are all censored before the first event is never at risk at an event time: it adds a zero
// row to the covariance, so df drops to 1 and the statistic is the two-group one.
// ref: log_rank(Freireich + group 9 censored at 0.5): chi2, df, p
TEST(StatsSurvival, LogRankGroupNeverAtRiskLowersDf) {
  Pooled p = freireich(0, 1);
  for (int i = 0; i < 2; ++i) {
    p.time.push_back(0.5);
    p.event.push_back(0);
    p.group.push_back(9);
  }
  const LogRank lr = log_rank(p.time, p.event, p.group);
  EXPECT_EQ(lr.df, 1);
  expect_close(lr.chi_square, 16.792940989216525);
  expect_close(lr.p, 4.168809109334564e-05);
}

TEST(StatsSurvival, LogRankWithoutEventsIsUndefined) {
  const std::vector<double> time = {1, 2, 3};
  const std::vector<unsigned char> event = {0, 0, 0};
  const std::vector<int> group = {0, 1, 1};
  const LogRank lr = log_rank(time, event, group);
  EXPECT_TRUE(std::isnan(lr.chi_square));
  EXPECT_EQ(lr.df, 0);
  EXPECT_TRUE(std::isnan(lr.p));
}

TEST(StatsSurvival, BadArgumentsThrowWithTheValueInTheMessage) {
  using ::testing::HasSubstr;
  using ::testing::ThrowsMessage;
  const std::vector<double> time = {1, 2, 3};
  const std::vector<unsigned char> event = {1, 0, 1};
  const std::vector<unsigned char> short_event = {1, 0};
  EXPECT_THAT([&] { kaplan_meier(time, short_event); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("time has 3 values but event has 2")));
  EXPECT_THAT([] { kaplan_meier(std::vector<double>{}, std::vector<unsigned char>{}); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("no subjects")));
  EXPECT_THAT(
      [&] {
        kaplan_meier(std::vector<double>{1, -2, 3}, event);
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr("time[1] = -2: must be finite and >= 0")));
  EXPECT_THROW(kaplan_meier(std::vector<double>{1, NAN, 3}, event), std::invalid_argument);
  EXPECT_THAT(
      [&] {
        kaplan_meier(time, std::vector<unsigned char>{1, 2, 0});
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr("event[1] = 2: must be 0 (censored) or 1 (event)")));
  EXPECT_THROW(kaplan_meier(time, event, 1.0), std::invalid_argument);
  EXPECT_THAT(
      [&] {
        log_rank(time, event, std::vector<int>{4, 4, 4});
      },
      ThrowsMessage<std::invalid_argument>(
          HasSubstr("all subjects are in group 4: needs at least 2 groups")));
  EXPECT_THROW(log_rank(time, event, std::vector<int>{0, 1}), std::invalid_argument);
  EXPECT_THROW(log_rank(time, short_event, std::vector<int>{0, 1, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace tolsim::stats
