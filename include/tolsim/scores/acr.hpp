// ACR20 / ACR50 / ACR70 response of the American College of Rheumatology (Felson et al. 1995, Arthritis Rheum
// 38:727).
//
// A responder improves by at least `level` (0.2, 0.5, 0.7) in BOTH the tender and the swollen joint count, AND in
// at least 3 of the 5 other core-set measures: pain (VAS), patient's global assessment, physician's global
// assessment, physical function (HAQ-DI, 0-3) and an acute-phase reactant (CRP or ESR). Every measure is "lower is
// better". See docs/scores.md for the zero-baseline rule.
#pragma once

#include <optional>

namespace tolsim::scores {

// One visit's ACR core set. Joint counts may be 28-joint (common in trials and in tolsim's models) or 68/66-joint
// (Felson's original) counts, in [0, 68]; baseline and current must use the same count. A missing optional
// measure was not assessed. All values must be finite and >= 0.
struct AcrAssessment {
  double tender_joints = 0.0, swollen_joints = 0.0;
  std::optional<double> pain, patient_global, physician_global, haq_di, acute_phase;  // any 3+ of 5 present
};

// Fraction improved, (baseline - current) / baseline: 0.2 is a 20 % improvement, negative values are worsening.
// Zero baseline (assumption, documented in docs/scores.md): the value is the limit as baseline -> 0+, so a 0 that
// stays 0 gives 1.0 (at the floor; meets every level) and a 0 that rises gives -infinity (worse; meets none).
// Both arguments must be finite and >= 0.
double acr_improvement(double baseline, double current);

// True when `current` meets ACR(100*level) relative to `baseline`. level must lie in (0, 1). Of the 5 optional
// measures, only those present in BOTH assessments count; fewer than 3 such measures throws, and when exactly 3
// or 4 are shared, 3 of them must improve. An improvement within 1e-9 of `level` counts as meeting it
// (HAQ-DI 1.5 -> 1.2 is a 20 % improvement, though (1.5 - 1.2) / 1.5 < 0.2 in binary).
bool acr_responder(const AcrAssessment& baseline, const AcrAssessment& current, double level);

}  // namespace tolsim::scores
