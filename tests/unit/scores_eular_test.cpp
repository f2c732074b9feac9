// EULAR response criteria, cell by cell.
//
// Expected values: the EULAR response table (van Gestel et al. 1996, Arthritis Rheum 39:34; reproduced in
// /work/shared/science/clinical-scores.md and on das-score.nl):
//
//   current DAS28     | improvement > 1.2 | 0.6 < improvement <= 1.2 | improvement <= 0.6
//   <= 3.2            | good              | moderate                 | none
//   > 3.2 and <= 5.1  | moderate          | moderate                 | none
//   > 5.1             | moderate          | none                     | none
//
// Each case below names its cell; the boundary cases put the improvement at exactly 0.6 or 1.2 and the current
// score at exactly 3.2 or 5.1, in decimal. Where binary subtraction misses the decimal value, the comment says by
// how much (values from Python's repr), since the rule applied is the decimal one.
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
#include "tolsim/scores/eular.hpp"

namespace tolsim::scores {
namespace {

using ::testing::HasSubstr;

using tolsim::testing::check_property;

struct Cell {
  const char* name;
  double baseline;
  double current;
  EularResponse expected;
};

void PrintTo(const Cell& cell, std::ostream* out) {
  *out << cell.name;
}

class EularTable : public ::testing::TestWithParam<Cell> {};

TEST_P(EularTable, MatchesTheCell) {
  const Cell& cell = GetParam();
  EXPECT_EQ(eular_response(cell.baseline, cell.current), cell.expected)
      << cell.name << ": baseline " << cell.baseline << ", current " << cell.current;
}

INSTANTIATE_TEST_SUITE_P(
    Cells, EularTable,
    ::testing::Values(
        // Row current <= 3.2.
        Cell{"low_current_large_improvement", 4.0, 2.0, EularResponse::kGood},          // 2.0 > 1.2
        Cell{"low_current_just_over_1_2", 3.21, 2.0, EularResponse::kGood},             // 1.21
        Cell{"current_exactly_3_2_large_improvement", 4.5, 3.2, EularResponse::kGood},  // 1.3
        Cell{"current_exactly_3_2_improvement_exactly_1_2", 4.4, 3.2,
             EularResponse::kModerate},  // binary 1.2000000000000002
        Cell{"low_current_medium_improvement", 3.0, 2.1, EularResponse::kModerate},      // 0.9
        Cell{"current_exactly_3_2_just_over_0_6", 3.81, 3.2, EularResponse::kModerate},  // 0.61
        Cell{"current_exactly_3_2_improvement_exactly_0_6", 3.8, 3.2,
             EularResponse::kNone},                                             // binary 0.5999999999999996
        Cell{"low_current_small_improvement", 2.5, 2.2, EularResponse::kNone},  // 0.3
        Cell{"low_current_worsened", 1.5, 2.5, EularResponse::kNone},           // -1.0
        Cell{"current_3_2_reached_in_binary", 4.5, 3.3 - 0.1,
             EularResponse::kGood},  // 3.1999999999999997; 1.3
        // Row 3.2 < current <= 5.1.
        Cell{"current_just_over_3_2_large_improvement", 4.5, 3.21,
             EularResponse::kModerate},                                                  // 1.29; not good
        Cell{"moderate_current_large_improvement", 6.5, 4.0, EularResponse::kModerate},  // 2.5
        Cell{"current_exactly_5_1_improvement_exactly_1_2", 6.3, 5.1,
             EularResponse::kModerate},  // binary 1.2000000000000002
        Cell{"moderate_current_medium_improvement", 5.0, 4.2, EularResponse::kModerate},  // 0.8
        Cell{"current_exactly_5_1_just_over_0_6", 5.71, 5.1, EularResponse::kModerate},   // 0.61
        Cell{"current_exactly_5_1_improvement_exactly_0_6", 5.7, 5.1,
             EularResponse::kNone},  // binary 0.6000000000000005
        Cell{"improvement_exactly_0_6_in_binary_below", 5.0, 4.4,
             EularResponse::kNone},  // binary 0.5999999999999996
        Cell{"moderate_current_small_improvement", 4.5, 4.2, EularResponse::kNone},  // 0.3
        // Row current > 5.1.
        Cell{"high_current_large_improvement", 7.5, 6.0, EularResponse::kModerate},         // 1.5
        Cell{"current_just_over_5_1_just_over_1_2", 6.32, 5.11, EularResponse::kModerate},  // 1.21
        Cell{"current_just_over_5_1_improvement_1_2", 6.31, 5.11,
             EularResponse::kNone},                                               // binary 1.1999999999999993
        Cell{"high_current_medium_improvement", 6.9, 6.0, EularResponse::kNone},  // 0.9
        Cell{"high_current_small_improvement", 6.5, 6.0, EularResponse::kNone},   // 0.5
        Cell{"high_current_worsened", 5.5, 7.0, EularResponse::kNone}),           // -1.5
    [](const ::testing::TestParamInfo<Cell>& param_info) { return std::string(param_info.param.name); });

TEST(Eular, Names) {
  EXPECT_STREQ(to_string(EularResponse::kNone), "none");
  EXPECT_STREQ(to_string(EularResponse::kModerate), "moderate");
  EXPECT_STREQ(to_string(EularResponse::kGood), "good");
}

TEST(Eular, RejectsNonFiniteScores) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  try {
    eular_response(nan, 3.0);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("das28_baseline = nan"));
  }
  try {
    eular_response(5.0, std::numeric_limits<double>::infinity());
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("das28_current = inf"));
  }
}

// DAS28 values on a grid of 0.01 in [0, 9.5]: the precision DAS28 is reported to.
rc::Gen<double> das28_value() {
  return rc::gen::map(rc::gen::inRange(0, 951), [](int k) { return k / 100.0; });
}

TEST(Eular, NeverGoodWhenCurrentAbove3_2) {
  // Only the first row of the table has a "good" cell.
  check_property(
      [] {
        const double baseline = *das28_value(), current = *das28_value();
        if (current > 3.2 + 1e-6) RC_ASSERT(eular_response(baseline, current) != EularResponse::kGood);
      },
      20240613, 1000);
}

TEST(Eular, NoneWithoutAnImprovementAbove0_6AndMoreImprovementNeverHurts) {
  // Every column <= 0.6 is "none"; and along each row the response never falls as the improvement grows.
  check_property(
      [] {
        const double current = *das28_value(), baseline = *das28_value(), extra = *das28_value();
        if (baseline - current <= 0.6 - 1e-6)
          RC_ASSERT(eular_response(baseline, current) == EularResponse::kNone);
        RC_ASSERT(static_cast<int>(eular_response(baseline + extra, current)) >=
                  static_cast<int>(eular_response(baseline, current)));
      },
      20240614, 1000);
}

}  // namespace
}  // namespace tolsim::scores
