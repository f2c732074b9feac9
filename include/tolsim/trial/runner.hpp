// Running an in-silico trial: sampling virtual patients, run-in, screening, selection, randomisation, treatment,
// measurement, endpoints and statistics, over a pool of threads.
//
// Reproducibility: every random number a patient uses comes from a Philox counter-based stream keyed by
// (seed, replicate, candidate, purpose), so results are bit-for-bit the same whatever the thread count and the
// order in which threads finish.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/ir.hpp"
#include "tolsim/solve/simulation.hpp"
#include "tolsim/trial/spec.hpp"

namespace tolsim::trial {

struct RunOptions {
  int threads = 0;                          // 0: every core
  std::optional<int> patients;              // overrides population.size
  std::optional<int> replicates;            // overrides spec.replicates
  std::optional<unsigned long long> seed;   // overrides spec.seed
  bool population_only = false;             // stop after screening and selection (`tolsim population`)
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by Ctrl-C) to stop after the patients in flight
  // When set, each replicate's progress is saved here when it ends or is stopped, and a replicate found here is
  // resumed (only by the same spec, seed and patient count) instead of being run again.
  std::string checkpoint_dir;
  // Called from worker threads, serialised: units done and units in all of the current phase ("run-in", "treatment").
  std::function<void(const std::string& phase, long done, long total)> progress;
};

// One screened candidate: sampled values, baseline, and what screening decided.
struct Candidate {
  int index = 0;
  std::vector<double> covariates;  // in spec.population.covariates order (categorical: level code)
  std::vector<double> parameters;  // varied parameters, in TrialDesign::varied order
  std::vector<double> baseline;    // baseline observables, in TrialDesign::baseline_columns order
  std::vector<double> state;       // model state at the end of the run-in
  enum class Status {
    kIncluded,
    kImplausible,
    kExcluded,
    kRunInFailure,
    kNotSelected,
    kNotNeeded
  } status = Status::kNotNeeded;
  std::string reason;  // for implausible, excluded and failures
};
const char* to_string(Candidate::Status status);

// Why candidates were turned away: implausible and excluded candidates counted by the condition that failed
// ("inadequate_response: SJC28 >= 4", "CRP >= 10"), most frequent first (ties by status, then by reason).
struct ScreenFailure {
  Candidate::Status status = Candidate::Status::kExcluded;
  std::string reason;
  int count = 0;
};
std::vector<ScreenFailure> screen_failures(const std::vector<Candidate>& candidates);

// One randomised patient's follow-up.
struct PatientOutcome {
  int candidate = 0;  // index into TrialResult::candidates of its replicate
  int arm = 0;
  double dropout_time = 0.0;  // +inf when the patient completes
  bool rescued = false;       // met the rescue criterion (values after the rescue visit imputed)
  bool solve_failed = false;
  std::string failure;           // solver status and reason
  std::vector<double> measured;  // visits x observables (with noise), NaN after dropout or failure
  std::vector<double>
      endpoint_values;  // visits x endpoints; NaN when missing (time to event: at the last visit)
  std::vector<unsigned char> events;  // per endpoint: time to event observed (1) or censored (0)
  std::vector<double> trajectory;     // trajectory times x trajectory observables (no noise)
};

struct ArmVisitStatistic {
  std::string endpoint, arm;
  double visit = 0.0;
  bool binary = false;
  int n = 0;              // patients analysed
  int missing = 0;        // dropped out, failed or rescued with non-responder imputation (binary: counted as
                          // non-responders; continuous: excluded)
  double estimate = 0.0;  // rate or mean
  double sd = 0.0;        // continuous only
  double lower = 0.0, upper = 0.0;  // 95% CI (Wilson or t)
  int responders = 0;               // binary only
};

struct ArmComparison {
  std::string endpoint, arm, control;
  double visit = 0.0;
  double difference = 0.0, lower = 0.0, upper = 0.0;
  double p_value = 1.0;  // Fisher exact (binary) or Welch t (continuous) or log-rank (time to event)
  std::string test;
};

struct ReplicateResult {
  int replicate = 0;
  std::vector<Candidate> candidates;
  std::vector<PatientOutcome> patients;
  std::map<std::string, int> screening;  // counts by Candidate::Status name
  std::string selection_report;          // virtual-population fit, if a target was given
  std::vector<ArmVisitStatistic> statistics;
  std::vector<ArmComparison> comparisons;
  // Unset when the primary comparison has no p-value (an arm with no evaluable patient).
  std::optional<double> primary_p;
  bool complete = false;  // false when stopped early
};

// The compiled model and everything of the spec resolved against it.
struct TrialDesign {
  TrialSpec spec;
  model::Model model;
  CompiledModel compiled;
  std::vector<int> varied;  // parameter slots that have a variability
  std::vector<const model::Variability*> variability;
  // Cholesky factor L (row-major, varied x varied) of the correlation matrix of the varied parameters' normal
  // scores, from spec.population.parameter_correlations; empty when they are drawn independently.
  std::vector<double> parameter_cholesky;
  std::vector<std::string> baseline_columns;  // outputs recorded at baseline (default columns)
  std::vector<int> baseline_outputs;
  std::vector<std::string> measured;  // observables measured at visits (used by endpoints, noise, report)
  std::vector<int> measured_outputs;
  int measured_column(const std::string& name) const;  // index in `measured`, or -1
  std::vector<int> covariate_parameter;                // per covariate: parameter slot or -1
  std::vector<SimulationSetup> arm_setups;  // per arm: doses (per-kg ones at body weight 1 kg) and overrides
  SimulationSetup prior_setup;              // prior therapy at the end of the run-in (empty when none)
  std::vector<double> trajectory_times;
  std::vector<int> trajectory_outputs;
  int body_weight_covariate = -1;             // index in spec.population.covariates, or -1
  std::optional<double> reference_weight_kg;  // the body weight per-kg doses in arm_setups were bound at
  double body_weight_parameter_kg = 0.0;      // kg per unit of the model's body_weight parameter (0: none)
  double per_day = 1.0;                       // model time units per day
  Diagnostics warnings;  // found while binding (e.g. per-kg doses without a weight covariate)
};

// Loads the model, compiles it and checks every name of the spec against it. Throws TrialError (every problem,
// at its line in the spec) or ModelError.
std::shared_ptr<const TrialDesign> bind_trial(const TrialSpec& spec, const CompileOptions& compile = {});

struct TrialResult {
  std::shared_ptr<const TrialDesign> design;
  unsigned long long seed = 0;
  int patients_per_replicate = 0;
  std::vector<ReplicateResult> replicates;
  bool interrupted = false;
  std::optional<double> power;  // share of replicates with primary p < alpha
  std::pair<double, double> power_ci{0, 0};
  double seconds = 0.0;
  long simulated_patient_days = 0;
};

TrialResult run_trial(std::shared_ptr<const TrialDesign> design, const RunOptions& options);

}  // namespace tolsim::trial
