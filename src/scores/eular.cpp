// EULAR response from two DAS28 values; the table is in include/tolsim/scores/eular.hpp.
#include "tolsim/scores/eular.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace tolsim::scores {
namespace {

// DAS28 values are decimals; their difference in binary may land a few ulps beside 0.6 or 1.2.
constexpr double kCutoffTolerance = 1e-9;

bool above(double value, double cutoff) {
  return value > cutoff + kCutoffTolerance;
}

}  // namespace

EularResponse eular_response(double das28_baseline, double das28_current) {
  if (!std::isfinite(das28_baseline))
    throw std::invalid_argument(
        fmt::format("eular_response: das28_baseline = {}: must be finite", das28_baseline));
  if (!std::isfinite(das28_current))
    throw std::invalid_argument(
        fmt::format("eular_response: das28_current = {}: must be finite", das28_current));

  const double improvement = das28_baseline - das28_current;
  const bool large = above(improvement, 1.2);
  const bool medium = !large && above(improvement, 0.6);
  if (!above(das28_current, 3.2)) {
    if (large) return EularResponse::kGood;
    return medium ? EularResponse::kModerate : EularResponse::kNone;
  }
  if (!above(das28_current, 5.1)) return (large || medium) ? EularResponse::kModerate : EularResponse::kNone;
  return large ? EularResponse::kModerate : EularResponse::kNone;
}

const char* to_string(EularResponse response) {
  switch (response) {
    case EularResponse::kNone:
      return "none";
    case EularResponse::kModerate:
      return "moderate";
    case EularResponse::kGood:
      return "good";
  }
  throw std::invalid_argument(
      fmt::format("to_string: response = {}: not an EularResponse", static_cast<int>(response)));
}

}  // namespace tolsim::scores
