// Private: from one patient's measured values at the visits to the values of every endpoint.
#pragma once

#include <vector>

#include "tolsim/trial/runner.hpp"
#include "trial/criteria.hpp"

namespace tolsim::trial::detail {

class EndpointEvaluator {
 public:
  explicit EndpointEvaluator(const TrialDesign& design);

  // measured: visits x design.measured (row-major), NaN where not observed (after dropout or a failed solve).
  // observed: per visit, whether the patient was seen. Writes visits x endpoints into `values` (NaN = missing)
  // and, per endpoint, whether a time-to-event endpoint's event was observed (1) or censored (0).
  void evaluate(const std::vector<double>& measured, const std::vector<unsigned char>& observed,
                std::vector<double>& values, std::vector<unsigned char>& events) const;

  // Visits (indices) at which an endpoint is reported: its own list, else every visit (after baseline for
  // endpoints that compare with baseline; only the last visit for time to event).
  const std::vector<int>& visits_of(int endpoint) const {
    return visits_[static_cast<std::size_t>(endpoint)];
  }

 private:
  struct Bound {
    int observable = -1;          // column in measured
    std::vector<int> components;  // DAS28: tjc, sjc, crp|esr, [patient_global]; ACR: 7 (or -1)
    int of = -1;                  // endpoint index of the DAS28 an EULAR/remission/LDA uses
    Criterion criterion;
  };
  const TrialDesign& design_;
  std::vector<Bound> bound_;
  std::vector<std::vector<int>> visits_;
};

}  // namespace tolsim::trial::detail
