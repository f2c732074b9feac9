// DAS28: the Disease Activity Score in 28 joints for rheumatoid arthritis, and its activity categories.
//
// Formulae of the DAS authors' reference site (das-score.nl, Radboud University Nijmegen, "How to calculate the
// DAS28" and "Alternative validated formulae"); the ESR score is Prevoo et al. 1995, Arthritis Rheum 38:44.
// Joint counts may be non-integer (a model's expected count); every input is checked, and bad input throws
// std::invalid_argument naming the function, the argument and its value ("das28_crp4: tjc28 = 29: must be in
// [0, 28]"). See docs/scores.md.
#pragma once

namespace tolsim::scores {

// 0.56*sqrt(tjc28) + 0.28*sqrt(sjc28) + 0.36*ln(crp + 1) + 0.014*patient_global + 0.96.
// tjc28, sjc28: tender / swollen joints of 28, in [0, 28]; crp_mg_per_l >= 0 (mg/L, not mg/dL);
// patient_global_mm: patient's global health on a 100 mm visual analogue scale, in [0, 100].
double das28_crp4(double tjc28, double sjc28, double crp_mg_per_l, double patient_global_mm);

// Without the patient's global health: [0.56*sqrt(tjc28) + 0.28*sqrt(sjc28) + 0.36*ln(crp + 1)]*1.10 + 1.15.
double das28_crp3(double tjc28, double sjc28, double crp_mg_per_l);

// 0.56*sqrt(tjc28) + 0.28*sqrt(sjc28) + 0.70*ln(esr) + 0.014*patient_global. esr_mm_per_h > 0 (ln is undefined
// at 0; laboratories report ESR >= 1 mm/h).
double das28_esr4(double tjc28, double sjc28, double esr_mm_per_h, double patient_global_mm);

// Without the patient's global health: [0.56*sqrt(tjc28) + 0.28*sqrt(sjc28) + 0.70*ln(esr)]*1.08 + 0.16.
double das28_esr3(double tjc28, double sjc28, double esr_mm_per_h);

// Disease activity categories of the DAS28 (das-score.nl): remission < 2.6 <= low < 3.2 <= moderate <= 5.1 < high.
// The same cut-offs are applied to DAS28-CRP and DAS28-ESR, although DAS28-CRP runs lower in the same patient.
enum class DiseaseActivity { kRemission, kLow, kModerate, kHigh };

// Category of a finite DAS28 value. A value within 1e-9 of a cut-off is taken to be on it, so that a score
// computed in binary floating point is classified as its decimal value would be.
DiseaseActivity das28_activity(double das28);

// "remission", "low", "moderate", "high".
const char* to_string(DiseaseActivity activity);

}  // namespace tolsim::scores
