// EULAR response criteria for rheumatoid arthritis, from a baseline and a current DAS28 (van Gestel et al. 1996,
// Arthritis Rheum 39:34; das-score.nl, "EULAR response criteria").
#pragma once

namespace tolsim::scores {

enum class EularResponse { kNone, kModerate, kGood };

// improvement = das28_baseline - das28_current.
//
//   current DAS28     | improvement > 1.2 | 0.6 < improvement <= 1.2 | improvement <= 0.6
//   <= 3.2            | good              | moderate                 | none
//   > 3.2 and <= 5.1  | moderate          | moderate                 | none
//   > 5.1             | moderate          | none                     | none
//
// Both scores must be finite and of the same kind (both DAS28-CRP or both DAS28-ESR). Values within 1e-9 of a
// cut-off are taken to be on it: 5.0 - 4.4 is 0.5999999999999996 in binary and counts as an improvement of 0.6.
EularResponse eular_response(double das28_baseline, double das28_current);

// "none", "moderate", "good".
const char* to_string(EularResponse response);

}  // namespace tolsim::scores
