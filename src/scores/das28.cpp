// DAS28 formulae and activity categories; sources in include/tolsim/scores/das28.hpp and docs/scores.md.
#include "tolsim/scores/das28.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace tolsim::scores {
namespace {

// Cut-offs are decimal numbers; a score computed in binary may land a few ulps to either side of one.
constexpr double kCutoffTolerance = 1e-9;

[[noreturn]] void reject(const char* function, const char* argument, double value, const char* constraint) {
  throw std::invalid_argument(fmt::format("{}: {} = {}: {}", function, argument, value, constraint));
}

void require_in_range(const char* function, const char* argument, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high)
    reject(function, argument, value, fmt::format("must be a finite number in [{}, {}]", low, high).c_str());
}

void require_joint_counts(const char* function, double tjc28, double sjc28) {
  require_in_range(function, "tjc28", tjc28, 0.0, 28.0);
  require_in_range(function, "sjc28", sjc28, 0.0, 28.0);
}

void require_crp(const char* function, double crp_mg_per_l) {
  if (!std::isfinite(crp_mg_per_l) || crp_mg_per_l < 0.0)
    reject(function, "crp_mg_per_l", crp_mg_per_l, "must be a finite number >= 0");
}

void require_esr(const char* function, double esr_mm_per_h) {
  if (!std::isfinite(esr_mm_per_h) || esr_mm_per_h <= 0.0)
    reject(function, "esr_mm_per_h", esr_mm_per_h, "must be a finite number > 0 (ln(ESR) is taken)");
}

// The part common to the 3- and 4-variable CRP scores.
double crp_core(double tjc28, double sjc28, double crp_mg_per_l) {
  return 0.56 * std::sqrt(tjc28) + 0.28 * std::sqrt(sjc28) + 0.36 * std::log(crp_mg_per_l + 1.0);
}

double esr_core(double tjc28, double sjc28, double esr_mm_per_h) {
  return 0.56 * std::sqrt(tjc28) + 0.28 * std::sqrt(sjc28) + 0.70 * std::log(esr_mm_per_h);
}

}  // namespace

double das28_crp4(double tjc28, double sjc28, double crp_mg_per_l, double patient_global_mm) {
  require_joint_counts("das28_crp4", tjc28, sjc28);
  require_crp("das28_crp4", crp_mg_per_l);
  require_in_range("das28_crp4", "patient_global_mm", patient_global_mm, 0.0, 100.0);
  return crp_core(tjc28, sjc28, crp_mg_per_l) + 0.014 * patient_global_mm + 0.96;
}

double das28_crp3(double tjc28, double sjc28, double crp_mg_per_l) {
  require_joint_counts("das28_crp3", tjc28, sjc28);
  require_crp("das28_crp3", crp_mg_per_l);
  return crp_core(tjc28, sjc28, crp_mg_per_l) * 1.10 + 1.15;
}

double das28_esr4(double tjc28, double sjc28, double esr_mm_per_h, double patient_global_mm) {
  require_joint_counts("das28_esr4", tjc28, sjc28);
  require_esr("das28_esr4", esr_mm_per_h);
  require_in_range("das28_esr4", "patient_global_mm", patient_global_mm, 0.0, 100.0);
  return esr_core(tjc28, sjc28, esr_mm_per_h) + 0.014 * patient_global_mm;
}

double das28_esr3(double tjc28, double sjc28, double esr_mm_per_h) {
  require_joint_counts("das28_esr3", tjc28, sjc28);
  require_esr("das28_esr3", esr_mm_per_h);
  return esr_core(tjc28, sjc28, esr_mm_per_h) * 1.08 + 0.16;
}

DiseaseActivity das28_activity(double das28) {
  if (!std::isfinite(das28)) reject("das28_activity", "das28", das28, "must be finite");
  if (das28 < 2.6 - kCutoffTolerance) return DiseaseActivity::kRemission;
  if (das28 < 3.2 - kCutoffTolerance) return DiseaseActivity::kLow;
  if (das28 <= 5.1 + kCutoffTolerance) return DiseaseActivity::kModerate;
  return DiseaseActivity::kHigh;
}

const char* to_string(DiseaseActivity activity) {
  switch (activity) {
    case DiseaseActivity::kRemission:
      return "remission";
    case DiseaseActivity::kLow:
      return "low";
    case DiseaseActivity::kModerate:
      return "moderate";
    case DiseaseActivity::kHigh:
      return "high";
  }
  throw std::invalid_argument(
      fmt::format("to_string: activity = {}: not a DiseaseActivity", static_cast<int>(activity)));
}

}  // namespace tolsim::scores
