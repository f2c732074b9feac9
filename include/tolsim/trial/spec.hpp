// The trial specification: what an in-silico trial runs (docs/trials.md is the reference of the file format).
//
// A spec names a model, a population (covariates, run-in, plausibility bounds, inclusion criteria, an optional
// target distribution of baseline observables), arms with their regimens and allocation ratios, visits, endpoints,
// measurement noise, dropout, replicates, and the results the real trial published. load_trial_spec reads and
// checks the file on its own; bind_trial_spec (trial/design.hpp) then checks it against the compiled model.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/solve/options.hpp"
#include "tolsim/solve/scenario.hpp"

namespace tolsim::trial {

// A distribution of a covariate between patients.
struct CovariateSpec {
  enum class Kind { kNormal, kLogNormal, kUniform, kCategorical, kFixed };
  std::string name;  // body_weight, age, sex, disease_duration, or any other name
  Kind kind = Kind::kFixed;
  double mean = 0.0;                                   // normal: mean; lognormal: median; fixed: the value
  double sd = 0.0;                                     // normal
  double cv = 0.0;                                     // lognormal (sigma^2 = log(1 + cv^2))
  std::optional<double> lower, upper;                  // uniform bounds, or truncation bounds
  std::vector<std::pair<std::string, double>> levels;  // categorical: level and probability; coded 0, 1, ...
  std::string unit;
  std::string
      parameter;  // the model parameter it sets, if any ("" = none; body_weight also scales per-kg doses)
  SourceLocation location;
};

// A criterion on baseline observables and covariates, e.g. "CRP >= 10 and age < 75".
struct Criterion {
  std::string text;
  SourceLocation location;
};

// One observable's target at baseline for virtual-population selection: a normal (mean, sd) or a histogram.
struct TargetSpec {
  std::string observable;
  std::optional<double> mean, sd;
  std::vector<double> edges, shares;
  SourceLocation location;
};

// A correlation between two varied parameters (a Gaussian copula on their normal scores: for lognormal parameters
// the correlation of their logarithms).
struct ParameterCorrelation {
  std::string a, b;
  double r = 0.0;
  SourceLocation location;
};

struct RunInSpec {
  double duration = 0.0;           // in model time units; 0 = none
  bool steady_state = false;       // continue in chunks of `duration` until the state settles
  double steady_tolerance = 1e-6;  // max relative change of any state over one chunk
  double max_duration = 0.0;       // give up (the candidate is implausible) beyond this
  // Prior therapy after the untreated run-in (e.g. methotrexate for methotrexate-inadequate responders): doses
  // over `prior_duration` days; baseline is its end, and screening criteria can compare with untreated(X).
  double prior_duration = 0.0;
  std::vector<DoseSpec> prior_doses;
  // Optional washout after the prior therapy (days; e.g. a failed TNF antagonist stopped before baseline): the
  // baseline moves to its end, and doses timed inside it are still given (background therapy that continues).
  double prior_washout = 0.0;
  // Conditions judged on the model's values at the end of the prior therapy, before the washout (the inadequate
  // response that qualifies a candidate); untreated(X) reads the values before the prior therapy.
  std::vector<Criterion> prior_response;
  SourceLocation location;
};

struct PopulationSpec {
  int size = 100;          // randomised patients per replicate
  int max_candidates = 0;  // candidates screened at most (default 50 x size)
  int selection_pool = 0;  // plausible candidates to draw before selection (default 10 x size)
  std::vector<CovariateSpec> covariates;
  RunInSpec run_in;
  std::vector<Criterion> plausibility;  // a candidate outside these is implausible (counted)
  std::vector<Criterion> inclusion;     // a plausible candidate outside these is a screen failure (counted)
  std::vector<TargetSpec> target;       // empty: no selection
  std::vector<double> target_correlation;
  std::vector<ParameterCorrelation> parameter_correlations;  // empty: parameters are drawn independently
  // Screening and selection see the measured baseline (model value + the day-0 noise draw, which is also the day-0
  // visit's measurement), so enrolment on noisy values regresses to the mean; false: the model's values.
  bool screen_measured = false;
  SourceLocation location;
};

struct ArmSpec {
  std::string name;
  double ratio = 1.0;
  std::string description;
  std::vector<DoseSpec> doses;
  std::vector<ParameterOverride> set;
  SourceLocation location;
};

// An endpoint measured on each patient at visits.
struct EndpointSpec {
  enum class Kind {
    kValue,           // observable at a visit
    kChange,          // observable at a visit minus baseline
    kPercentChange,   // 100 * change / baseline
    kResponder,       // a criterion holds at a visit (expression on observables, `baseline(X)` allowed)
    kDas28,           // DAS28 from its components (formula: crp4, crp3, esr4, esr3)
    kEular,           // EULAR response (good or moderate) from a DAS28 endpoint
    kEularGood,       // EULAR good response
    kAcr,             // ACR20/50/70 from the core set
    kDas28Remission,  // DAS28 < 2.6
    kDas28Lda,        // DAS28 < 3.2 (low disease activity or remission)
    kAuc,             // area under an observable's curve from 0 to a visit (trapezoid on the visit grid)
    kTimeTo,          // time to the first visit at which a criterion holds (censored at dropout or the end)
  };
  std::string name;
  Kind kind = Kind::kValue;
  std::string observable;  // kValue, kChange, kPercentChange, kAuc
  std::string criterion;   // kResponder, kTimeTo
  std::string formula;     // kDas28
  std::string of;          // kEular*, kDas28Remission, kDas28Lda: the DAS28 endpoint they use
  double level = 0.0;      // kAcr: 0.2, 0.5 or 0.7
  // Components (model observables) for kDas28 and kAcr.
  std::map<std::string, std::string> components;
  std::vector<double> visits;  // empty: every visit (kTimeTo: ignored)
  std::string unit;
  SourceLocation location;
  bool binary() const;  // responder-type: yes/no per patient
};

// Measurement noise on one observable, applied to each visit's value before endpoints are computed.
struct NoiseSpec {
  enum class Kind {
    kProportional,  // assay noise: x * exp(N(0, sigma)), sigma^2 = log(1 + cv^2)
    kAdditive,      // x + N(0, sd), clipped to [lower, upper] if given
    kCount,         // joint counts: round(x + N(0, sd)), clipped to [0, max]
    kVas,           // visual analogue scale: x + N(0, sd), clipped to [0, max]
  };
  std::string observable;
  Kind kind = Kind::kProportional;
  double cv = 0.0, sd = 0.0;
  std::optional<double> lower, upper;
  SourceLocation location;
};

// Between-visit fluctuation of disease activity that the deterministic model does not explain: one factor
// f = exp(sd z) per patient and visit, shared by the observables listed, each multiplied by f^loading before its
// measurement noise. Shared, so the measures move together as a patient's flares and remissions do.
//
// `entry` adds a part that fades: patients enrol when their disease is above its usual level. For the share of
// patients who do, visit t (time since baseline) adds -entry_excess (1 - 2^(-t / entry_t_half)) to the log of the
// factor, so day 0 is the model's value and later visits fall towards exp(-entry_excess) of it.
struct FluctuationSpec {
  double sd = 0.0;            // 0 = none
  double entry_excess = 0.0;  // log scale; 0 = none
  double entry_t_half = 0.0;  // days; > 0 when entry_excess is set
  double entry_share = 1.0;   // share of patients who enrol with the excess, drawn per patient
  std::vector<std::pair<std::string, double>> loadings;
  SourceLocation location;
};

struct DropoutSpec {
  double rate = 0.0;  // per model time unit (exponential dropout time); 0 = none
  SourceLocation location;
};

// Rescue (escape) therapy offered at one visit to the patients a criterion picks, e.g. "< 20% improvement in both
// joint counts". Their values after that visit are imputed, as the published analysis did: non-responder (missing:
// binary endpoints count them as non-responders, continuous ones leave them out) or the last observation (the
// rescue visit's values) carried forward. The rescue therapy itself is not simulated.
struct RescueSpec {
  enum class Impute { kNonResponder, kLocf };
  double at = 0.0;        // the visit (model time units); 0 = no rescue
  std::string criterion;  // on measured observables, `baseline(X)` allowed
  Impute impute = Impute::kNonResponder;
  std::vector<std::string> arms;  // the arms it applies to; empty = every arm
  SourceLocation location;
  bool enabled() const { return !criterion.empty(); }
};

// The primary endpoint and the comparison that decides power.
struct PrimarySpec {
  std::string endpoint;
  double visit = 0.0;
  std::string arm;      // the active arm
  std::string control;  // the arm it is compared with
  double alpha = 0.05;
  SourceLocation location;
};

// A result the real trial reported, shown beside the simulated one.
struct PublishedResult {
  std::string endpoint;
  std::string arm;
  double visit = 0.0;
  double value = 0.0;  // a proportion (0..1) for responder endpoints, else in the endpoint's unit
  std::optional<std::pair<double, double>> ci;
  std::optional<int> n;
  std::string source;
  SourceLocation location;
};

struct TrajectorySpec {
  std::vector<std::string> observables;  // mean and 90% band per arm in the report
  double step = 0.0;                     // sampling step (model time units); 0 = the visits
  int patients = 0;                      // individual trajectories written to trajectories.csv
};

struct TrialSpec {
  std::string name;
  std::string description;
  std::string model_path;             // resolved against the spec's folder
  std::optional<std::string> source;  // the publication the design comes from
  unsigned long long seed = 1;
  int replicates = 1;
  PopulationSpec population;
  std::vector<ArmSpec> arms;
  // Randomised (each patient in one arm, by the ratios) or every_arm: each patient is simulated in every arm
  // (virtual twins), and continuous comparisons are paired.
  bool every_arm = false;
  std::vector<DoseSpec> background;  // given in every arm (and in the run-in when `background_in_run_in`)
  std::vector<double> visits;        // model time units, ascending, starting at 0 (baseline)
  double duration = 0.0;             // end of follow-up (>= last visit)
  std::vector<EndpointSpec> endpoints;
  std::vector<NoiseSpec> noise;
  FluctuationSpec fluctuation;
  DropoutSpec dropout;
  RescueSpec rescue;
  std::optional<PrimarySpec> primary;
  std::vector<PublishedResult> published;
  TrajectorySpec trajectories;
  std::vector<std::pair<std::string, std::string>> assumptions;  // shown in the report's design table
  SolverOptions solver;
  std::string path;  // the spec file
  std::string text;  // its text (hashed into summary.json)
  SourceLocation location;
};

// Reads and checks a trial spec on its own (names are checked against the model later). Throws TrialError with
// every problem found.
TrialSpec load_trial_spec(const std::string& path);
TrialSpec load_trial_spec_from_string(const std::string& text, const std::string& path);

const char* to_string(EndpointSpec::Kind kind);

}  // namespace tolsim::trial
