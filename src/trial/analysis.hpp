// Private: randomisation and the per-replicate statistics of a trial.
#pragma once

#include <string>
#include <vector>

#include "tolsim/trial/runner.hpp"
#include "tolsim/trial/vpop_selection.hpp"
#include "trial/endpoints.hpp"

namespace tolsim::trial::detail {

// Arm of each of n patients (in enrolment order): permuted blocks holding each arm `ratio` times when every ratio
// is a whole number (block size = the sum), else independent draws with probabilities proportional to the ratios.
std::vector<int> randomise(const TrialSpec& spec, unsigned long long seed, int replicate, int n);

// Per endpoint, visit and arm: rate with Wilson CI (binary; dropouts and failures count as non-responders),
// mean/SD/t CI (continuous; observed cases), Kaplan-Meier median (time to event); and every arm against the
// control: Newcombe difference + Fisher exact, Welch t, or log-rank.
void analyse(const TrialDesign& design, const EndpointEvaluator& endpoints, ReplicateResult& replicate);

// The index of the control arm: the primary comparison's control, else the first arm.
int control_arm(const TrialSpec& spec);

// Human-readable fit of a virtual-population selection.
std::string describe_selection(const SelectionResult& selection);

}  // namespace tolsim::trial::detail
