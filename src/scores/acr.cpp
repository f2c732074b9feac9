// ACR20/50/70 response; the definition and the zero-baseline rule are in include/tolsim/scores/acr.hpp and
// docs/scores.md.
#include "tolsim/scores/acr.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace tolsim::scores {
namespace {

// Measures are recorded in decimals (HAQ-DI in steps of 0.125, VAS in mm); an improvement computed in binary may
// land a few ulps below a level it meets exactly.
constexpr double kLevelTolerance = 1e-9;
constexpr double kMaxJointCount = 68.0;  // the largest standard count (68 tender, 66 swollen joints)

void require_measure(const char* argument, double value) {
  if (!std::isfinite(value) || value < 0.0)
    throw std::invalid_argument(
        fmt::format("acr_responder: {} = {}: must be a finite number >= 0", argument, value));
}

void require_assessment(const char* which, const AcrAssessment& a) {
  for (const auto& [name, count] :
       {std::pair{"tender_joints", a.tender_joints}, {"swollen_joints", a.swollen_joints}}) {
    if (!std::isfinite(count) || count < 0.0 || count > kMaxJointCount)
      throw std::invalid_argument(fmt::format("acr_responder: {}.{} = {}: must be a joint count in [0, {}]",
                                              which, name, count, kMaxJointCount));
  }
  const std::array<std::pair<const char*, const std::optional<double>*>, 5> optional_measures{{
      {"pain", &a.pain},
      {"patient_global", &a.patient_global},
      {"physician_global", &a.physician_global},
      {"haq_di", &a.haq_di},
      {"acute_phase", &a.acute_phase},
  }};
  for (const auto& [name, measure] : optional_measures) {
    if (measure->has_value()) require_measure(fmt::format("{}.{}", which, name).c_str(), **measure);
  }
}

bool meets(double baseline, double current, double level) {
  return acr_improvement(baseline, current) >= level - kLevelTolerance;
}

}  // namespace

double acr_improvement(double baseline, double current) {
  if (!std::isfinite(baseline) || baseline < 0.0)
    throw std::invalid_argument(
        fmt::format("acr_improvement: baseline = {}: must be a finite number >= 0", baseline));
  if (!std::isfinite(current) || current < 0.0)
    throw std::invalid_argument(
        fmt::format("acr_improvement: current = {}: must be a finite number >= 0", current));
  if (baseline == 0.0) {
    // The limit of (b - c) / b as b -> 0+: 1 when c = 0 (the measure stays at its floor, the best state there
    // is), -infinity when c > 0 (any rise from nothing is an unbounded relative worsening).
    return current == 0.0 ? 1.0 : -std::numeric_limits<double>::infinity();
  }
  return (baseline - current) / baseline;
}

bool acr_responder(const AcrAssessment& baseline, const AcrAssessment& current, double level) {
  if (!std::isfinite(level) || level <= 0.0 || level >= 1.0)
    throw std::invalid_argument(
        fmt::format("acr_responder: level = {}: must lie in (0, 1), e.g. 0.2 for ACR20", level));
  require_assessment("baseline", baseline);
  require_assessment("current", current);

  const std::array<std::pair<const std::optional<double>*, const std::optional<double>*>, 5> pairs{{
      {&baseline.pain, &current.pain},
      {&baseline.patient_global, &current.patient_global},
      {&baseline.physician_global, &current.physician_global},
      {&baseline.haq_di, &current.haq_di},
      {&baseline.acute_phase, &current.acute_phase},
  }};
  int shared = 0;
  int improved = 0;
  for (const auto& [before, after] : pairs) {
    if (!before->has_value() || !after->has_value()) continue;
    ++shared;
    if (meets(**before, **after, level)) ++improved;
  }
  if (shared < 3)
    throw std::invalid_argument(
        fmt::format("acr_responder: core-set measures present in both assessments = {}: at least 3 of pain, "
                    "patient_global, "
                    "physician_global, haq_di, acute_phase are needed",
                    shared));

  return meets(baseline.tender_joints, current.tender_joints, level) &&
         meets(baseline.swollen_joints, current.swollen_joints, level) && improved >= 3;
}

}  // namespace tolsim::scores
