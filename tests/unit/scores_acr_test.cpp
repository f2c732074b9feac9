// ACR20/50/70 response (Felson et al. 1995, Arthritis Rheum 38:727) and the zero-baseline rule.
//
// Expected values are hand computations of (baseline - current) / baseline, written next to each case, against
// the definition: >= level in both joint counts and in >= 3 of the 5 other core-set measures. The zero-baseline
// rule is tolsim's stated assumption (docs/scores.md): the limit as baseline -> 0+, i.e. 0 -> 0 meets every
// level and 0 -> anything above 0 meets none.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "support/property.hpp"
#include "tolsim/scores/acr.hpp"

namespace tolsim::scores {
namespace {

using ::testing::HasSubstr;

using tolsim::testing::check_property;

using tolsim::testing::error_of;

// A baseline visit with all five optional measures, 28-joint counts.
AcrAssessment baseline_visit() {
  AcrAssessment a;
  a.tender_joints = 10;
  a.swollen_joints = 5;
  a.pain = 50;              // VAS, mm
  a.patient_global = 60;    // VAS, mm
  a.physician_global = 40;  // VAS, mm
  a.haq_di = 1.5;           // 0-3
  a.acute_phase = 20;       // CRP, mg/L
  return a;
}

// Every measure improved by exactly 20 %, in decimal:
//   TJC 10 -> 8 (2/10), SJC 5 -> 4 (1/5), pain 50 -> 40 (10/50), patient global 60 -> 48 (12/60),
//   physician global 40 -> 32 (8/40), HAQ-DI 1.5 -> 1.2 (0.3/1.5; binary 0.19999999999999998), CRP 20 -> 16 (4/20).
AcrAssessment exactly_20_percent_better() {
  AcrAssessment a;
  a.tender_joints = 8;
  a.swollen_joints = 4;
  a.pain = 40;
  a.patient_global = 48;
  a.physician_global = 32;
  a.haq_di = 1.2;
  a.acute_phase = 16;
  return a;
}

TEST(AcrImprovement, FractionOfBaseline) {
  EXPECT_DOUBLE_EQ(acr_improvement(10, 8), 0.2);  // (10 - 8) / 10
  EXPECT_DOUBLE_EQ(acr_improvement(10, 5), 0.5);  // (10 - 5) / 10
  EXPECT_DOUBLE_EQ(acr_improvement(10, 3), 0.7);  // (10 - 3) / 10
  EXPECT_DOUBLE_EQ(acr_improvement(10, 0), 1.0);  // all gone
  EXPECT_DOUBLE_EQ(acr_improvement(4, 6), -0.5);  // (4 - 6) / 4: worse
  EXPECT_DOUBLE_EQ(acr_improvement(7, 7), 0.0);   // unchanged
}

TEST(AcrImprovement, ZeroBaselineIsTheLimitFromAbove) {
  // 0 -> 0: (b - 0) / b = 1 for every b > 0, so the limit is 1 (at the floor, meets every level).
  EXPECT_EQ(acr_improvement(0, 0), 1.0);
  // 0 -> c > 0: (b - c) / b -> -infinity as b -> 0+ (worse; meets no level).
  EXPECT_EQ(acr_improvement(0, 2), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(acr_improvement(0, 1e-9), -std::numeric_limits<double>::infinity());
}

TEST(AcrImprovement, RejectsNegativeAndNonFinite) {
  EXPECT_THAT(error_of([] { acr_improvement(-1, 0); }), HasSubstr("acr_improvement: baseline = -1"));
  EXPECT_THAT(error_of([] { acr_improvement(1, -0.5); }), HasSubstr("acr_improvement: current = -0.5"));
  EXPECT_THAT(error_of([] { acr_improvement(std::nan(""), 1); }), HasSubstr("baseline = nan"));
}

TEST(AcrResponder, ExactlyTwentyPercentEverywhereIsAnAcr20Responder) {
  // ">= 20 %" includes 20 %: every measure of exactly_20_percent_better() sits on the boundary.
  EXPECT_TRUE(acr_responder(baseline_visit(), exactly_20_percent_better(), 0.2));
  EXPECT_FALSE(acr_responder(baseline_visit(), exactly_20_percent_better(), 0.5));
}

TEST(AcrResponder, DecimalBoundaryDecidesWhenItIsTheThirdMeasure) {
  // Pain and patient global unchanged, so physician global, HAQ-DI and CRP must all reach 20 %. HAQ-DI 1.5 -> 1.2
  // is 20 % in decimal though 0.3/1.5 is 0.19999999999999998 in binary: still a responder.
  AcrAssessment current = exactly_20_percent_better();
  current.pain = 50;
  current.patient_global = 60;
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.2));
  current.haq_di = 1.21;  // 0.29/1.5 = 0.193: really below 20 %
  EXPECT_FALSE(acr_responder(baseline_visit(), current, 0.2));
}

TEST(AcrResponder, JustUnderTwentyPercentInOneJointCountFails) {
  AcrAssessment current = exactly_20_percent_better();
  current.tender_joints = 8.1;  // (10 - 8.1) / 10 = 0.19
  EXPECT_FALSE(acr_responder(baseline_visit(), current, 0.2));
  current = exactly_20_percent_better();
  current.swollen_joints = 4.1;  // (5 - 4.1) / 5 = 0.18
  EXPECT_FALSE(acr_responder(baseline_visit(), current, 0.2));
}

TEST(AcrResponder, ThreeOfFiveOtherMeasuresSuffice) {
  AcrAssessment current = exactly_20_percent_better();
  current.pain = 45;         // 5/50 = 0.10: not improved
  current.acute_phase = 20;  // 0/20 = 0: not improved
  // Improved: patient global, physician global, HAQ-DI = 3 of 5.
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.2));
  current.haq_di = 1.3;  // 0.2/1.5 = 0.133: now only 2 of 5
  EXPECT_FALSE(acr_responder(baseline_visit(), current, 0.2));
}

TEST(AcrResponder, Acr50And70) {
  AcrAssessment current;
  current.tender_joints = 3;      // 7/10 = 0.7
  current.swollen_joints = 1.5;   // 3.5/5 = 0.7
  current.pain = 15;              // 35/50 = 0.7
  current.patient_global = 18;    // 42/60 = 0.7
  current.physician_global = 20;  // 20/40 = 0.5
  current.haq_di = 0.75;          // 0.75/1.5 = 0.5
  current.acute_phase = 6;        // 14/20 = 0.7
  // Three of five (pain, patient global, CRP) reach 0.7 with both counts: ACR70, hence also ACR50 and ACR20.
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.7));
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.5));
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.2));
  current.acute_phase = 10;  // 10/20 = 0.5: only 2 of 5 at 0.7
  EXPECT_FALSE(acr_responder(baseline_visit(), current, 0.7));
  EXPECT_TRUE(acr_responder(baseline_visit(), current, 0.5));
}

TEST(AcrResponder, MeasuresMissingInEitherVisitDoNotCount) {
  AcrAssessment before = baseline_visit();
  AcrAssessment after = exactly_20_percent_better();
  before.physician_global.reset();  // missing at baseline
  after.acute_phase.reset();        // missing at the current visit
  // Shared: pain, patient global, HAQ-DI; all 3 improved by 20 %.
  EXPECT_TRUE(acr_responder(before, after, 0.2));
  after.pain = 50;  // unchanged: 2 of the 3 shared measures improved
  EXPECT_FALSE(acr_responder(before, after, 0.2));
  after.haq_di.reset();  // only 2 shared measures left: cannot be assessed
  EXPECT_THAT(error_of([&] { acr_responder(before, after, 0.2); }),
              HasSubstr("core-set measures present in both assessments = 2"));
}

TEST(AcrResponder, ZeroBaselineJointCount) {
  AcrAssessment before = baseline_visit();
  before.swollen_joints = 0;
  AcrAssessment after = exactly_20_percent_better();
  after.swollen_joints = 0;  // 0 -> 0: meets the criterion
  EXPECT_TRUE(acr_responder(before, after, 0.2));
  after.swollen_joints = 1;  // 0 -> 1: worse, fails
  EXPECT_FALSE(acr_responder(before, after, 0.2));
}

TEST(AcrResponder, ZeroBaselineOtherMeasure) {
  AcrAssessment before = baseline_visit();
  before.pain = 0;
  AcrAssessment after = exactly_20_percent_better();
  after.pain = 0;
  after.patient_global = 60;    // not improved
  after.physician_global = 40;  // not improved
  // Improved: pain (0 -> 0), HAQ-DI, CRP = 3 of 5.
  EXPECT_TRUE(acr_responder(before, after, 0.2));
  after.pain = 5;  // 0 -> 5: fails, leaving 2 of 5
  EXPECT_FALSE(acr_responder(before, after, 0.2));
}

TEST(AcrResponder, RejectsInvalidInput) {
  const AcrAssessment before = baseline_visit();
  const AcrAssessment after = exactly_20_percent_better();
  for (const double level : {0.0, 1.0, -0.2, 1.5, std::nan("")}) {
    EXPECT_THAT(error_of([&] { acr_responder(before, after, level); }), HasSubstr("acr_responder: level = "))
        << level;
  }
  AcrAssessment bad = before;
  bad.tender_joints = -1;
  EXPECT_THAT(error_of([&] { acr_responder(bad, after, 0.2); }), HasSubstr("baseline.tender_joints = -1"));
  bad = after;
  bad.swollen_joints = 69;
  EXPECT_THAT(error_of([&] { acr_responder(before, bad, 0.2); }), HasSubstr("current.swollen_joints = 69"));
  bad = after;
  bad.haq_di = -0.125;
  EXPECT_THAT(error_of([&] { acr_responder(before, bad, 0.2); }), HasSubstr("current.haq_di = -0.125"));
  bad = before;
  bad.acute_phase = std::numeric_limits<double>::infinity();
  EXPECT_THAT(error_of([&] { acr_responder(bad, after, 0.2); }), HasSubstr("baseline.acute_phase = inf"));
}

// A measure value on a grid of 0.5 in [0, 30].
rc::Gen<double> measure() {
  return rc::gen::map(rc::gen::inRange(0, 61), [](int k) { return k / 2.0; });
}

rc::Gen<AcrAssessment> assessment() {
  return rc::gen::exec([] {
    AcrAssessment a;
    a.tender_joints = std::min(28.0, *measure());
    a.swollen_joints = std::min(28.0, *measure());
    a.pain = *measure();
    a.patient_global = *measure();
    a.physician_global = *measure();
    a.haq_di = *measure() / 10.0;
    a.acute_phase = *measure();
    return a;
  });
}

TEST(AcrResponder, HigherLevelsAreNested) {
  // ACR70 implies ACR50 implies ACR20: a larger level is a stricter threshold on the same fractions.
  check_property(
      [] {
        const AcrAssessment before = *assessment(), after = *assessment();
        const bool acr20 = acr_responder(before, after, 0.2);
        const bool acr50 = acr_responder(before, after, 0.5);
        const bool acr70 = acr_responder(before, after, 0.7);
        RC_ASSERT(!acr70 || acr50);
        RC_ASSERT(!acr50 || acr20);
      },
      20240615);
}

}  // namespace
}  // namespace tolsim::scores
