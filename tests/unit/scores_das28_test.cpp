// DAS28 formulae and activity categories.
//
// Expected values: the worked example of /work/shared/science/clinical-scores.md (DAS28-CRP = 5.4589), and hand
// computations from the formulae of das-score.nl ("How to calculate the DAS28", "Alternative validated formulae"),
// written out term by term below (square roots and logarithms to 7 digits, checked with Python's math module).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "support/property.hpp"
#include "tolsim/scores/das28.hpp"

namespace tolsim::scores {
namespace {

using ::testing::HasSubstr;

using tolsim::testing::check_property;

using tolsim::testing::error_of;

// Shared terms of the worked patient TJC28 = 10, SJC28 = 8:
//   0.56 * sqrt(10) = 0.56 * 3.1622777 = 1.7708755
//   0.28 * sqrt(8)  = 0.28 * 2.8284271 = 0.7919596
constexpr double kTender = 1.7708755;
constexpr double kSwollen = 0.7919596;

TEST(Das28, Crp4MatchesTheDossierWorkedExample) {
  // CRP = 20 mg/L, GH = 60 mm: 0.36 * ln(21) = 0.36 * 3.0445224 = 1.0960281; 0.014 * 60 = 0.84.
  // 1.77088 + 0.79196 + 1.09603 + 0.84 + 0.96 = 5.4589 (dossier, to 4 decimals).
  EXPECT_NEAR(das28_crp4(10, 8, 20, 60), 5.4589, 5e-5);
  EXPECT_NEAR(das28_crp4(10, 8, 20, 60), kTender + kSwollen + 1.0960281 + 0.84 + 0.96, 1e-6);
}

TEST(Das28, Crp3ScalesTheThreeTermsAndAddsItsConstant) {
  // (1.7708755 + 0.7919596 + 1.0960281) * 1.10 + 1.15 = 3.6588632 * 1.10 + 1.15 = 4.0247495 + 1.15 = 5.1747495.
  EXPECT_NEAR(das28_crp3(10, 8, 20), 5.1747495, 1e-6);
}

TEST(Das28, Esr4HandComputed) {
  // ESR = 30 mm/h: 0.70 * ln(30) = 0.70 * 3.4011974 = 2.3808382.
  // 1.7708755 + 0.7919596 + 2.3808382 + 0.84 = 5.7836733.
  EXPECT_NEAR(das28_esr4(10, 8, 30, 60), 5.7836733, 1e-6);
}

TEST(Das28, Esr3HandComputed) {
  // (1.7708755 + 0.7919596 + 2.3808382) * 1.08 + 0.16 = 4.9436733 * 1.08 + 0.16 = 5.3391672 + 0.16 = 5.4991672.
  EXPECT_NEAR(das28_esr3(10, 8, 30), 5.4991672, 1e-6);
}

TEST(Das28, FloorsAreTheFormulaeConstants) {
  // No tender or swollen joint, CRP 0 (ln 1 = 0), ESR 1 (ln 1 = 0), GH 0: only the constants remain.
  EXPECT_DOUBLE_EQ(das28_crp4(0, 0, 0, 0), 0.96);
  EXPECT_DOUBLE_EQ(das28_crp3(0, 0, 0), 1.15);
  EXPECT_DOUBLE_EQ(das28_esr4(0, 0, 1, 0), 0.0);
  EXPECT_DOUBLE_EQ(das28_esr3(0, 0, 1), 0.16);
}

TEST(Das28, AcceptsNonIntegerCountsAsModelsProduceExpectedCounts) {
  // 0.56 * sqrt(6.25) = 0.56 * 2.5 = 1.4; 0.28 * sqrt(2.25) = 0.28 * 1.5 = 0.42; ESR 1, GH 0.
  EXPECT_NEAR(das28_esr4(6.25, 2.25, 1, 0), 1.82, 1e-12);
}

TEST(Das28, ActivityCategoriesAtTheirCutoffs) {
  // das-score.nl: remission < 2.6, low < 3.2, high > 5.1.
  EXPECT_EQ(das28_activity(0.0), DiseaseActivity::kRemission);
  EXPECT_EQ(das28_activity(2.59), DiseaseActivity::kRemission);
  EXPECT_EQ(das28_activity(2.6), DiseaseActivity::kLow);
  EXPECT_EQ(das28_activity(3.19), DiseaseActivity::kLow);
  EXPECT_EQ(das28_activity(3.2), DiseaseActivity::kModerate);
  EXPECT_EQ(das28_activity(5.1), DiseaseActivity::kModerate);
  EXPECT_EQ(das28_activity(5.11), DiseaseActivity::kHigh);
  // Cut-offs reached by binary arithmetic land an ulp short (2.8 - 0.2 = 2.5999999999999996, 3.3 - 0.1 =
  // 3.1999999999999997) and are still classified as the decimal value 2.6 (low) and 3.2 (moderate).
  EXPECT_EQ(das28_activity(2.8 - 0.2), DiseaseActivity::kLow);
  EXPECT_EQ(das28_activity(3.3 - 0.1), DiseaseActivity::kModerate);
  // The worked example, 5.4589, is high disease activity.
  EXPECT_EQ(das28_activity(das28_crp4(10, 8, 20, 60)), DiseaseActivity::kHigh);
}

TEST(Das28, ActivityNames) {
  EXPECT_STREQ(to_string(DiseaseActivity::kRemission), "remission");
  EXPECT_STREQ(to_string(DiseaseActivity::kLow), "low");
  EXPECT_STREQ(to_string(DiseaseActivity::kModerate), "moderate");
  EXPECT_STREQ(to_string(DiseaseActivity::kHigh), "high");
}

TEST(Das28, RejectsInvalidInputNamingArgumentAndValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(error_of([] { das28_crp4(-1, 8, 20, 60); }), HasSubstr("das28_crp4: tjc28 = -1"));
  EXPECT_THAT(error_of([] { das28_crp4(29, 8, 20, 60); }), HasSubstr("tjc28 = 29"));
  EXPECT_THAT(error_of([] { das28_crp3(10, 28.5, 20); }), HasSubstr("das28_crp3: sjc28 = 28.5"));
  EXPECT_THAT(error_of([] { das28_crp3(10, 8, -0.5); }), HasSubstr("crp_mg_per_l = -0.5"));
  EXPECT_THAT(error_of([] { das28_crp4(10, 8, 20, 101); }), HasSubstr("patient_global_mm = 101"));
  EXPECT_THAT(error_of([] { das28_esr4(10, 8, 0, 60); }), HasSubstr("das28_esr4: esr_mm_per_h = 0"));
  EXPECT_THAT(error_of([] { das28_esr3(10, 8, -3); }), HasSubstr("das28_esr3: esr_mm_per_h = -3"));
  EXPECT_THAT(error_of([&] { das28_esr4(nan, 8, 30, 60); }), HasSubstr("tjc28 = nan"));
  EXPECT_THAT(error_of([&] { das28_crp4(10, 8, inf, 60); }), HasSubstr("crp_mg_per_l = inf"));
  EXPECT_THAT(error_of([&] { das28_activity(nan); }), HasSubstr("das28_activity: das28 = nan"));
  // The edges of the ranges are valid.
  EXPECT_NO_THROW(das28_crp4(28, 28, 0, 100));
  EXPECT_NO_THROW(das28_esr4(0, 0, 1e-3, 0));
}

// A draw from [0, high] on a grid of high / 1000, so that shrinking gives readable counterexamples.
rc::Gen<double> in_range(double high) {
  return rc::gen::map(rc::gen::inRange(0, 1001), [high](int k) { return high * k / 1000.0; });
}

TEST(Das28, EveryScoreIncreasesStrictlyInEachComponent) {
  // Each term is a strictly increasing function (sqrt, ln, a positive multiple) of one input, so raising one input
  // and keeping the others must raise each score.
  check_property(
      [] {
        const double tjc = *in_range(27.0), sjc = *in_range(27.0), crp = *in_range(200.0),
                     gh = *in_range(99.0);
        const double esr = 1.0 + *in_range(120.0);
        const double step = 0.001 + *in_range(1.0);
        RC_ASSERT(das28_crp4(tjc + step, sjc, crp, gh) > das28_crp4(tjc, sjc, crp, gh));
        RC_ASSERT(das28_crp4(tjc, sjc + step, crp, gh) > das28_crp4(tjc, sjc, crp, gh));
        RC_ASSERT(das28_crp4(tjc, sjc, crp + step, gh) > das28_crp4(tjc, sjc, crp, gh));
        RC_ASSERT(das28_crp4(tjc, sjc, crp, gh + step) > das28_crp4(tjc, sjc, crp, gh));
        RC_ASSERT(das28_crp3(tjc + step, sjc, crp) > das28_crp3(tjc, sjc, crp));
        RC_ASSERT(das28_crp3(tjc, sjc + step, crp) > das28_crp3(tjc, sjc, crp));
        RC_ASSERT(das28_crp3(tjc, sjc, crp + step) > das28_crp3(tjc, sjc, crp));
        RC_ASSERT(das28_esr4(tjc + step, sjc, esr, gh) > das28_esr4(tjc, sjc, esr, gh));
        RC_ASSERT(das28_esr4(tjc, sjc + step, esr, gh) > das28_esr4(tjc, sjc, esr, gh));
        RC_ASSERT(das28_esr4(tjc, sjc, esr + step, gh) > das28_esr4(tjc, sjc, esr, gh));
        RC_ASSERT(das28_esr4(tjc, sjc, esr, gh + step) > das28_esr4(tjc, sjc, esr, gh));
        RC_ASSERT(das28_esr3(tjc + step, sjc, esr) > das28_esr3(tjc, sjc, esr));
        RC_ASSERT(das28_esr3(tjc, sjc + step, esr) > das28_esr3(tjc, sjc, esr));
        RC_ASSERT(das28_esr3(tjc, sjc, esr + step) > das28_esr3(tjc, sjc, esr));
      },
      20240611);
}

TEST(Das28, ActivityIsMonotoneInTheScore) {
  // A higher score never falls in a lower category (the enumerators are ordered remission < low < ...).
  check_property(
      [] {
        const double a = *in_range(10.0), b = *in_range(10.0);
        const double low = std::min(a, b), high = std::max(a, b);
        RC_ASSERT(static_cast<int>(das28_activity(low)) <= static_cast<int>(das28_activity(high)));
      },
      20240612);
}

}  // namespace
}  // namespace tolsim::scores
