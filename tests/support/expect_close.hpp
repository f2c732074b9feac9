// Shared test helper: a value against an independent reference, to a relative tolerance.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace tolsim::testing {

// `actual` within `relative` of `expected` (NaN expected: NaN required). Boost's and scipy's quantiles agree far
// closer than the default 1e-9; it still catches any formula slip.
inline void expect_close(double actual, double expected, double relative = 1e-9) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << actual;
    return;
  }
  EXPECT_NEAR(actual, expected, relative * std::max(std::abs(expected), 1e-300)) << "expected " << expected;
}

}  // namespace tolsim::testing
