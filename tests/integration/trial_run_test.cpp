// In-silico trials end to end through the library: sampling, screening, randomisation, dosing, endpoints,
// statistics, reproducibility across thread counts, failures, run-in, screening counts, covariates, power,
// dropout, published comparisons and outputs. Measurement (noise, fluctuation, screening on measured values) and
// every-arm allocation are in trial_measurement_test.cpp.
//
// Where expected values come from:
//  - tests/data/trials/decay.yaml has closed-form trajectories: X(t) = 100 e^(-0.05 t), D(t) = D0 e^(-0.1 t) with
//    D0 = 2 mg/kg x 80 kg / 1 L = 160 mg/L; its DAS28 components at t = 0 are the worked example of
//    shared/science/clinical-scores.md (TJC 10, SJC 8, CRP 20 mg/L, GH 60 -> DAS28-CRP 5.4589), all decaying as
//    e^(-0.05 t);
//  - DAS28-CRP(4) formula: das-score.nl, as written in shared/science/clinical-scores.md;
//  - the Wilson interval of 20/20: lower = n / (n + z^2) with z = 1.959963985 (closed form for p = 1);
//  - sampling moments: a lognormal with cv 0.3 has sd(log) = sqrt(ln(1 + 0.09)); a uniform(0, 10) has mean 5 and
//    P(Y >= 2.5) = 0.75; exponential dropout with a 99% yearly share has P(T <= 28 d) = 1 - 0.01^(28/365.25).
//    Sample tolerances are 4 standard errors;
//  - tests/data/trials/blowup.yaml: X(t) = 1 / (1 - k t), which ends at t = 1/k (a failed solve when 1/k < 28 d);
//  - tests/data/trials/approach.yaml: X(t) = 20 (1 - e^(-0.5 t)), steady state 20;
//  - tests/data/trials/rates.yaml: X(t) = 100 e^(-k t) with k per patient, so whether a patient is rescued at
//    day 10 ("X > 0.8 * baseline(X)": k < ln(1.25) / 10) and responds at day 20 ("X <= 0.85 * baseline(X)":
//    k >= ln(1 / 0.85) / 20) follows from that patient's sampled k.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/model_text.hpp"
#include "support/trial_text.hpp"
#include "tolsim/trial/outputs.hpp"
#include "tolsim/trial/runner.hpp"
#include "tolsim/trial/spec.hpp"

namespace tolsim::trial {
namespace {

using testing::design_of;
using testing::read_file;
using testing::screen_only;
using testing::trial_errors_of;
using testing::varied_index;
const std::string& kData = testing::kTrialData;

const ArmVisitStatistic& stat(const ReplicateResult& r, const std::string& endpoint, const std::string& arm,
                              double visit) {
  for (const auto& s : r.statistics)
    if (s.endpoint == endpoint && s.arm == arm && s.visit == visit) return s;
  throw std::runtime_error("no statistic " + endpoint + " " + arm);
}

double das28_crp4(double tjc, double sjc, double crp, double gh) {
  return 0.56 * std::sqrt(tjc) + 0.28 * std::sqrt(sjc) + 0.36 * std::log(crp + 1) + 0.014 * gh + 0.96;
}

class DecayTrial : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    design_ = bind_trial(load_trial_spec(kData + "decay-trial.yaml"));
    RunOptions o;
    o.threads = 2;
    result_ = std::make_unique<TrialResult>(run_trial(design_, o));
  }
  static std::shared_ptr<const TrialDesign> design_;
  static std::unique_ptr<TrialResult> result_;
};
std::shared_ptr<const TrialDesign> DecayTrial::design_;
std::unique_ptr<TrialResult> DecayTrial::result_;

TEST_F(DecayTrial, RandomisesInPermutedBlocksOfTheRatio) {
  ASSERT_EQ(result_->replicates.size(), 1u);
  const auto& r = result_->replicates[0];
  ASSERT_EQ(r.patients.size(), 30u);
  int active = 0;
  for (const auto& p : r.patients) active += p.arm == 1;
  EXPECT_EQ(active, 20);  // 2:1 in blocks of 3: exactly 20 of 30
}

TEST_F(DecayTrial, EndpointsMatchClosedForms) {
  const auto& r = result_->replicates[0];
  for (double t : {0.0, 7.0, 14.0, 28.0}) {
    for (const char* arm : {"control", "active"}) {
      EXPECT_NEAR(stat(r, "x", arm, t).estimate, 100 * std::exp(-0.05 * t), 1e-4) << t;
      EXPECT_NEAR(stat(r, "das", arm, t).estimate,
                  das28_crp4(10 * std::exp(-0.05 * t), 8 * std::exp(-0.05 * t), 20 * std::exp(-0.05 * t),
                             60 * std::exp(-0.05 * t)),
                  1e-6);
    }
    EXPECT_NEAR(stat(r, "d", "active", t).estimate, 160 * std::exp(-0.1 * t), 1e-3);
    EXPECT_NEAR(stat(r, "d", "control", t).estimate, 0.0, 1e-9);
  }
  EXPECT_NEAR(stat(r, "das", "active", 0).estimate, 5.4589, 5e-5);  // the dossier's worked example
  EXPECT_NEAR(stat(r, "x_change", "active", 28).estimate, 100 * (std::exp(-1.4) - 1), 1e-4);
  const auto x = [](double t) { return 100 * std::exp(-0.05 * t); };
  const double auc = 0.5 * (x(0) + x(7)) * 7 + 0.5 * (x(7) + x(14)) * 7 + 0.5 * (x(14) + x(28)) * 14;
  EXPECT_NEAR(stat(r, "x_auc", "control", 28).estimate, auc, 1e-3);
}

TEST_F(DecayTrial, BinaryEndpointsAndWilsonIntervals) {
  const auto& r = result_->replicates[0];
  EXPECT_EQ(stat(r, "x_low", "active", 7).responders, 0);  // X(7) = 70.5 >= 60
  const auto& s = stat(r, "x_low", "active", 14);          // X(14) = 49.7 < 60
  EXPECT_EQ(s.responders, 20);
  EXPECT_EQ(s.n, 20);
  const double z2 = 1.959963985 * 1.959963985;
  EXPECT_NEAR(s.lower, 20 / (20 + z2), 1e-6);
  EXPECT_NEAR(s.upper, 1.0, 1e-12);
  EXPECT_EQ(stat(r, "x_halved", "control", 14).responders, 10);  // 49.66 <= 50
  EXPECT_EQ(stat(r, "x_halved", "control", 7).responders, 0);
  // DAS28 at day 28 is below 3.2 after an improvement > 1.2: good EULAR response; not yet remission (< 2.6)
  const double das28 =
      das28_crp4(10 * std::exp(-1.4), 8 * std::exp(-1.4), 20 * std::exp(-1.4), 60 * std::exp(-1.4));
  ASSERT_LT(das28, 3.2);
  EXPECT_EQ(stat(r, "eular", "active", 28).responders, 20);
  EXPECT_EQ(stat(r, "remission", "active", 28).responders, das28 < 2.6 ? 20 : 0);
  // ACR20 at day 7: every measure improved by 1 - e^(-0.35) = 29.5 % >= 20 %
  EXPECT_EQ(stat(r, "acr20", "control", 7).responders, 10);
  // time to X < 60: the day-14 visit for everyone
  EXPECT_NEAR(stat(r, "tte", "active", 28).estimate, 14.0, 1e-12);
  ASSERT_TRUE(r.primary_p.has_value());
  EXPECT_NEAR(*r.primary_p, 1.0, 1e-12);  // 20/20 vs 10/10: Fisher's p is 1
}

TEST_F(DecayTrial, WritesEveryOutputAndRefusesToOverwrite) {
  testing::TempDir tmp;
  const std::string out = tmp.path("out");
  OutputOptions options;
  options.report = false;
  write_trial_outputs(*result_, out, options);
  for (const char* f : {"summary.json", "endpoints.csv", "patients.csv"})
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / f)) << f;
  const std::string csv = read_file(out + "/endpoints.csv");
  // one row per patient x visit x endpoint, plus the header
  const auto rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  long expected = 0;
  for (const auto& e : design_->spec.endpoints)
    expected += e.kind == EndpointSpec::Kind::kTimeTo
                    ? 1
                    : (!e.visits.empty() ? e.visits.size()
                       : e.kind == EndpointSpec::Kind::kValue || e.kind == EndpointSpec::Kind::kDas28 ||
                               e.kind == EndpointSpec::Kind::kDas28Remission
                           ? 4
                           : 3);
  EXPECT_EQ(rows, expected * 30);
  EXPECT_THROW(write_trial_outputs(*result_, out, options), UsageError);
  options.force = true;
  EXPECT_NO_THROW(write_trial_outputs(*result_, out, options));
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(out).parent_path()))
    EXPECT_EQ(entry.path().filename(), "out");  // no partial folder left behind
}

TEST(TrialRun, SameSeedSameResultsWhateverTheThreadCount) {
  const auto design =
      bind_trial(load_trial_spec(std::string(TOLSIM_SOURCE_DIR) + "/trials/example-crp-il6r.yaml"));
  RunOptions o;
  o.patients = 24;
  o.threads = 1;
  const TrialResult one = run_trial(design, o);
  o.threads = 2;
  const TrialResult two = run_trial(design, o);
  o.seed = 99;
  const TrialResult other = run_trial(design, o);
  ASSERT_EQ(one.replicates.size(), 1u);
  const auto& a = one.replicates[0];
  const auto& b = two.replicates[0];
  ASSERT_EQ(a.patients.size(), b.patients.size());
  ASSERT_EQ(a.candidates.size(), b.candidates.size());
  for (std::size_t i = 0; i < a.patients.size(); ++i) {
    EXPECT_EQ(a.patients[i].candidate, b.patients[i].candidate);
    EXPECT_EQ(a.patients[i].arm, b.patients[i].arm);
    ASSERT_EQ(a.patients[i].endpoint_values.size(), b.patients[i].endpoint_values.size());
    for (std::size_t k = 0; k < a.patients[i].endpoint_values.size(); ++k) {
      const double x = a.patients[i].endpoint_values[k], y = b.patients[i].endpoint_values[k];
      EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || std::memcmp(&x, &y, sizeof x) == 0) << i << " " << k;
    }
  }
  EXPECT_EQ(summary_json(one).substr(0, 200), summary_json(two).substr(0, 200));
  EXPECT_NE(other.replicates[0].candidates[0].baseline,
            a.candidates[0].baseline);  // another seed, other patients
}

TEST(TrialRun, SamplesParametersAndScreensAsDeclared) {
  const auto design = design_of(R"yaml(name: s
model: decay.yaml
population:
  size: 1500
  inclusion: ["Y >= 2.5"]
arms: {a: {ratio: 1}}
visits: [0]
endpoints: {x: {value: X}}
)yaml");
  const TrialResult r = screen_only(design);
  const auto& rep = r.replicates[0];
  const int included = rep.screening.at("included");
  const int excluded = rep.screening.at("excluded");
  EXPECT_EQ(included, 1500);
  // P(Y >= 2.5) = 0.75 for Y ~ U(0, 10): excluded / screened ~ 0.25 (SE = sqrt(.25 .75 / n))
  const double screened =
      included + excluded + (rep.screening.count("not_needed") ? rep.screening.at("not_needed") : 0);
  const double share = excluded / screened;
  EXPECT_NEAR(share, 0.25, 4 * std::sqrt(0.25 * 0.75 / screened));
  // L ~ lognormal(median 1, cv 0.3): sd of log L = sqrt(ln 1.09), mean of log L = 0
  const std::size_t slot = varied_index(*design, "L");
  double sum = 0, sum2 = 0;
  int n = 0;
  for (const auto& c : rep.candidates) {
    const double x = std::log(c.parameters[slot]);
    sum += x;
    sum2 += x * x;
    ++n;
  }
  const double mean = sum / n, sd = std::sqrt((sum2 - n * mean * mean) / (n - 1));
  const double sigma = std::sqrt(std::log(1.09));
  EXPECT_NEAR(mean, 0.0, 4 * sigma / std::sqrt(n));
  EXPECT_NEAR(sd, sigma, 4 * sigma / std::sqrt(2.0 * n));
}

TEST(TrialRun, APatientWhoseSolveFailsIsRecordedCountedAndExcludedWithoutStoppingTheTrial) {
  // k ~ U(0.01, 0.06): patients with k > 1/28 blow up between day 16.7 and day 28; everyone reaches day 14.
  const auto design = design_of(R"yaml(name: f
model: blowup.yaml
population: {size: 40}
arms: {a: {ratio: 1}}
visits: [0, 14, 28]
endpoints: {x: {value: X}, high: {responder: "X > 2"}}
)yaml");
  const TrialResult r = run_trial(design, RunOptions{});
  const auto& rep = r.replicates[0];
  ASSERT_EQ(rep.patients.size(), 40u);
  const std::size_t slot = varied_index(*design, "k");
  int failed = 0, finished = 0;
  for (const auto& p : rep.patients) {
    const double k = rep.candidates[static_cast<std::size_t>(p.candidate)].parameters[slot];
    // endpoint_values: visits x endpoints, endpoint 0 is x
    const double x14 = p.endpoint_values[1 * 2 + 0], x28 = p.endpoint_values[2 * 2 + 0];
    EXPECT_NEAR(x14, 1 / (1 - 14 * k), 1e-4 * x14) << "k = " << k;  // before any blow-up
    if (k * 28 > 1.02) {  // blows up before day 27.5: failed, with the reason, day 28 missing
      ++failed;
      EXPECT_TRUE(p.solve_failed) << "k = " << k;
      EXPECT_FALSE(p.failure.empty());
      EXPECT_TRUE(std::isnan(x28));
    } else if (k * 28 < 0.98) {  // X(28) <= 50: simulated to the end
      ++finished;
      EXPECT_FALSE(p.solve_failed) << "k = " << k << ": " << p.failure;
      EXPECT_NEAR(x28, 1 / (1 - 28 * k), 1e-3 * x28) << "k = " << k;
    }
  }
  // About 40 x (0.06 - 1/28) / 0.05 = 19 patients fail; both kinds must occur for the test to mean anything.
  EXPECT_GT(failed, 5);
  EXPECT_GT(finished, 5);
  int recorded = 0;
  for (const auto& p : rep.patients) recorded += p.solve_failed ? 1 : 0;
  // The stated rule (docs/trials.md): the visits reached are kept, the rest are missing; a binary endpoint counts
  // a missing patient as a non-responder.
  const auto& x28 = stat(rep, "x", "a", 28);
  EXPECT_EQ(x28.missing, recorded);
  EXPECT_EQ(x28.n + x28.missing, 40);
  const auto& high28 = stat(rep, "high", "a", 28);
  EXPECT_EQ(high28.n, 40);
  EXPECT_EQ(high28.missing, recorded);
  EXPECT_EQ(stat(rep, "x", "a", 14).missing, 0);
  const auto summary = nlohmann::json::parse(summary_json(r));
  EXPECT_EQ(summary["replicates"][0]["solver_failures"]["treatment"].get<int>(), recorded);
}

TEST(TrialRun, RunInForADurationOrToSteadyStateSetsTheBaseline) {
  auto run_with = [](const std::string& run_in) {
    const auto design = design_of("name: r\nmodel: approach.yaml\npopulation:\n  size: 5\n" + run_in +
                                  "arms: {a: {ratio: 1}}\nvisits: [0, 7]\nendpoints: {x: {value: X}}\n");
    return run_trial(design, RunOptions{});
  };
  auto baseline_of = [&](const std::string& run_in) {
    const TrialResult result = run_with(run_in);
    const auto& s = stat(result.replicates[0], "x", "a", 0);
    EXPECT_EQ(s.n, 5);
    EXPECT_EQ(s.sd, 0.0);  // every patient is the same
    return s.estimate;
  };
  EXPECT_NEAR(baseline_of("  run_in: {duration: 4}\n"), 20 * (1 - std::exp(-2.0)), 1e-5);
  const std::string settle = "  run_in: {duration: 5, steady_state: true, tolerance: 1e-7, max: 1 year}\n";
  EXPECT_NEAR(baseline_of(settle), 20.0, 20.0 * 1e-5);
  // Treatment continues from the baseline: at steady state nothing moves.
  const TrialResult treated = run_with(settle);
  EXPECT_NEAR(stat(treated.replicates[0], "x", "a", 7).estimate, 20.0, 20.0 * 1e-5);
}

TEST(TrialRun, CovariatesFollowTheirDeclaredDistributions) {
  // Expected moments in closed form: a normal(55, 12) truncated to [18, 80] has mean 55 + 12 (phi(a) - phi(b)) /
  // (Phi(b) - Phi(a)) with a = -37/12, b = 25/12; a lognormal with median 70 and cv 0.2 has log-mean ln 70 and
  // log-sd sqrt(ln 1.04); categorical shares are as declared (levels coded 0, 1, ... in the order written).
  const auto design = design_of(R"yaml(name: v
model: decay.yaml
population:
  size: 3000
  covariates:
    age: {distribution: normal, mean: 55, sd: 12, lower: 18, upper: 80}
    body_weight: {distribution: lognormal, median: 70, cv: 0.2, unit: kg}
    sex: {distribution: categorical, levels: {female: 0.75, male: 0.25}}
    disease_years: {distribution: uniform, lower: 0.5, upper: 20}
arms: {a: {ratio: 1}}
visits: [0]
endpoints: {x: {value: X}}
)yaml");
  const TrialResult result = screen_only(design);
  const auto& rep = result.replicates[0];
  const double n = static_cast<double>(rep.candidates.size());
  ASSERT_EQ(n, 3000);
  std::vector<double> sum(4, 0.0), sum2(4, 0.0);
  double age_min = 1e9, age_max = -1e9;
  for (const auto& c : rep.candidates) {
    const double values[4] = {c.covariates[0], std::log(c.covariates[1]), c.covariates[2], c.covariates[3]};
    for (int k = 0; k < 4; ++k) {
      sum[k] += values[k];
      sum2[k] += values[k] * values[k];
    }
    age_min = std::min(age_min, c.covariates[0]);
    age_max = std::max(age_max, c.covariates[0]);
    EXPECT_TRUE(c.covariates[2] == 0.0 || c.covariates[2] == 1.0);
  }
  auto mean = [&](int k) { return sum[k] / n; };
  auto sd = [&](int k) { return std::sqrt((sum2[k] - n * mean(k) * mean(k)) / (n - 1)); };
  const double pi = std::acos(-1.0);
  auto phi = [&](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * pi); };
  auto Phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  const double a = (18.0 - 55.0) / 12.0, b = (80.0 - 55.0) / 12.0;
  const double age_mean = 55 + 12 * (phi(a) - phi(b)) / (Phi(b) - Phi(a));
  EXPECT_NEAR(mean(0), age_mean, 4 * 12 / std::sqrt(n));
  EXPECT_GE(age_min, 18.0);
  EXPECT_LE(age_max, 80.0);
  const double log_sd = std::sqrt(std::log(1.04));
  EXPECT_NEAR(mean(1), std::log(70.0), 4 * log_sd / std::sqrt(n));
  EXPECT_NEAR(sd(1), log_sd, 4 * log_sd / std::sqrt(2 * n));
  EXPECT_NEAR(mean(2), 0.25, 4 * std::sqrt(0.25 * 0.75 / n));  // share of "male" (code 1)
  EXPECT_NEAR(mean(3), 10.25, 4 * (19.5 / std::sqrt(12.0)) / std::sqrt(n));
}

TEST(TrialRun, PlausibilityAndInclusionAreCountedSeparately) {
  // Y ~ U(0, 10): implausible when Y < 2 (share 0.2); of the rest, excluded when Y < 4 (share 0.2 of all).
  const auto design = design_of(R"yaml(name: p
model: decay.yaml
population:
  size: 1200
  plausibility: ["Y >= 2"]
  inclusion: ["Y >= 4"]
arms: {a: {ratio: 1}}
visits: [0]
endpoints: {x: {value: X}}
)yaml");
  const TrialResult result = screen_only(design);
  const auto& rep = result.replicates[0];
  const double implausible = rep.screening.at("implausible"), excluded = rep.screening.at("excluded");
  const double included = rep.screening.at("included");
  const double not_needed = rep.screening.count("not_needed") ? rep.screening.at("not_needed") : 0;
  const double screened = implausible + excluded + included + not_needed;
  EXPECT_EQ(included, 1200);
  EXPECT_EQ(screened, static_cast<double>(rep.candidates.size()));
  const double se = std::sqrt(0.2 * 0.8 / screened);
  EXPECT_NEAR(implausible / screened, 0.2, 4 * se);
  EXPECT_NEAR(excluded / screened, 0.2, 4 * se);
  const auto y = std::find(design->baseline_columns.begin(), design->baseline_columns.end(), "Y") -
                 design->baseline_columns.begin();
  for (const auto& c : rep.candidates) {
    const double value = c.baseline[static_cast<std::size_t>(y)];
    if (c.status == Candidate::Status::kImplausible) {
      EXPECT_LT(value, 2.0);
    } else if (c.status == Candidate::Status::kExcluded) {
      EXPECT_TRUE(value >= 2.0 && value < 4.0) << value;
    } else if (c.status == Candidate::Status::kIncluded) {
      EXPECT_GE(value, 4.0);
    }
  }
}

TEST(TrialRun, PowerIsTheShareOfReplicatesWithASignificantPrimaryEndpoint) {
  // "drug": D > 1 holds for every active patient (D(14) = 160 e^(-1.4) = 39.5) and no control patient: Fisher's
  // p is far below 0.05 in every replicate, so power = 1. "x_low": X(14) = 49.7 < 60 in both arms, p = 1, power = 0.
  // Wilson 95% interval of 20/20: [20 / (20 + z^2), 1]; of 0/20: [0, z^2 / (20 + z^2)].
  const std::string spec = R"yaml(name: w
model: decay.yaml
replicates: 20
population:
  size: 30
  covariates: {body_weight: {value: 80, unit: kg}}
arms:
  control: {ratio: 1}
  active: {ratio: 1, doses: [{target: D, amount: 2 mg/kg, start: 0}]}
visits: [0, 14]
endpoints: {drug: {responder: "D > 1"}, x_low: {responder: "X < 60"}}
primary: {visit: 14, arm: active, control: control, endpoint: )yaml";
  const double z2 = 1.959963985 * 1.959963985;
  const TrialResult yes = run_trial(design_of(spec + "drug}\n"), RunOptions{});
  ASSERT_EQ(yes.replicates.size(), 20u);
  ASSERT_TRUE(yes.power.has_value());
  EXPECT_EQ(*yes.power, 1.0);
  EXPECT_NEAR(yes.power_ci.first, 20 / (20 + z2), 1e-9);
  EXPECT_NEAR(yes.power_ci.second, 1.0, 1e-12);
  const TrialResult no = run_trial(design_of(spec + "x_low}\n"), RunOptions{});
  EXPECT_EQ(*no.power, 0.0);
  EXPECT_NEAR(no.power_ci.first, 0.0, 1e-12);
  EXPECT_NEAR(no.power_ci.second, z2 / (20 + z2), 1e-9);
}

TEST(TrialRun, PublishedResultsAgreeByTheStatedRule) {
  // 15 patients per arm. "drug" responder rate: 1 in the active arm, Wilson [15 / (15 + z^2), 1] = [0.796, 1];
  // 0 in the control arm, [0, z^2 / (15 + z^2)] = [0, 0.204]. x_pct: 100 (e^(-0.7) - 1) = -50.34% for everyone.
  const auto design = design_of(R"yaml(name: c
model: decay.yaml
population:
  size: 30
  covariates: {body_weight: {value: 80, unit: kg}}
arms:
  control: {ratio: 1}
  active: {ratio: 1, doses: [{target: D, amount: 2 mg/kg, start: 0}]}
visits: [0, 14]
endpoints: {drug: {responder: "D > 1"}, x_pct: {percent_change: X}}
published:
  - {endpoint: drug, arm: active, visit: 14, value: 0.9, source: inside}
  - {endpoint: drug, arm: control, visit: 14, value: 0.5, source: outside}
  - {endpoint: drug, arm: control, visit: 14, value: 0.5, ci: [0.15, 0.6], source: overlapping}
  - {endpoint: drug, arm: control, visit: 14, value: 0.5, ci: [0.3, 0.6], source: apart}
)yaml");
  const TrialResult r = run_trial(design, RunOptions{});
  const auto& pct = stat(r.replicates[0], "x_pct", "active", 14);
  EXPECT_NEAR(pct.estimate, 100 * (std::exp(-0.7) - 1), 1e-4);
  const auto comparisons = compare_with_published(r);
  ASSERT_EQ(comparisons.size(), 4u);
  const double z2 = 1.959963985 * 1.959963985;
  EXPECT_NEAR(comparisons[0].simulated, 1.0, 1e-12);
  EXPECT_NEAR(comparisons[0].simulated_lower, 15 / (15 + z2), 1e-9);
  EXPECT_TRUE(comparisons[0].agrees);
  EXPECT_NEAR(comparisons[1].simulated_upper, z2 / (15 + z2), 1e-9);
  EXPECT_FALSE(comparisons[1].agrees);
  EXPECT_TRUE(comparisons[2].agrees);
  EXPECT_FALSE(comparisons[3].agrees);
}

TEST(TrialRun, DropoutFollowsItsExponentialLaw) {
  const auto design = design_of(R"yaml(name: d
model: decay.yaml
population: {size: 800}
arms: {a: {ratio: 1}}
visits: [0, 28]
endpoints: {x: {value: X}, low: {responder: "X < 60"}}
dropout: {per_year: 0.99}
)yaml");
  const TrialResult r = run_trial(design, RunOptions{});
  const auto& s = stat(r.replicates[0], "x", "a", 28);
  const double p = 1 - std::pow(0.01, 28 / 365.25);
  EXPECT_NEAR(static_cast<double>(s.missing) / 800, p, 4 * std::sqrt(p * (1 - p) / 800));
  // binary endpoints count dropouts as non-responders: everyone left has X(28) = 24.7 < 60
  const auto& low = stat(r.replicates[0], "low", "a", 28);
  EXPECT_EQ(low.n, 800);
  EXPECT_EQ(low.responders, 800 - low.missing);
}

// Rescue at day 10 for "< 20% improvement", in arm a only; every patient's flag and imputed values are checked
// against the closed form of its own k.
void check_rescue(const std::string& impute) {
  SCOPED_TRACE(impute);
  const auto design = design_of(R"yaml(name: r
model: rates.yaml
allocation: every_arm
population: {size: 300}
arms: {a: {ratio: 1}, b: {ratio: 1}}
visits: [0, 10, 20]
endpoints: {x: {value: X}, resp: {responder: "X <= 0.85 * baseline(X)"}}
rescue: {at: 10, when: "X > 0.8 * baseline(X)", arms: [a], impute: )yaml" +
                                impute + "}\n");
  const TrialResult r = run_trial(design, RunOptions{});
  const auto& rep = r.replicates[0];
  const std::size_t slot = varied_index(*design, "k");
  const double k_rescue = std::log(1.25) / 10, k_respond = std::log(1 / 0.85) / 20;
  const bool locf = impute == "locf";
  int rescued = 0, responders = 0;
  for (const auto& p : rep.patients) {
    const double k = rep.candidates[static_cast<std::size_t>(p.candidate)].parameters[slot];
    const double x = p.endpoint_values[2 * 2 + 0], resp = p.endpoint_values[2 * 2 + 1];
    if (p.arm == 1) {  // b: no rescue rule
      EXPECT_FALSE(p.rescued);
      EXPECT_NEAR(x, 100 * std::exp(-20 * k), 1e-3);  // solver rtol 1e-6 over 20 days
      continue;
    }
    ASSERT_EQ(p.rescued, k < k_rescue) << "k = " << k;
    if (!p.rescued) {
      EXPECT_NEAR(x, 100 * std::exp(-20 * k), 1e-3);  // solver rtol 1e-6 over 20 days
      EXPECT_EQ(resp, k >= k_respond ? 1.0 : 0.0);
    } else if (locf) {  // the day-10 values carried forward
      EXPECT_NEAR(x, 100 * std::exp(-10 * k), 1e-3);
      EXPECT_EQ(resp, 100 * std::exp(-10 * k) <= 85 ? 1.0 : 0.0);
    } else {  // missing
      EXPECT_TRUE(std::isnan(x));
      EXPECT_TRUE(std::isnan(resp));
    }
    rescued += p.rescued;
    responders += resp == 1.0;
  }
  // About ln(1.25) / 10 / 0.1 = 22% of patients are rescued
  EXPECT_NEAR(rescued / 300.0, 0.2231, 4 * std::sqrt(0.2231 * 0.7769 / 300));
  const auto& s = stat(rep, "resp", "a", 20);
  EXPECT_EQ(s.n, 300);  // binary: missing ones count as non-responders
  EXPECT_EQ(s.missing, locf ? 0 : rescued);
  EXPECT_EQ(s.responders, responders);
  EXPECT_EQ(stat(rep, "x", "a", 20).n, locf ? 300 : 300 - rescued);  // continuous: observed cases
  EXPECT_EQ(stat(rep, "x", "b", 20).n, 300);
}

TEST(TrialRun, RescuedPatientsAreImputedAsNonRespondersOrByLastObservation) {
  check_rescue("non_responder");
  check_rescue("locf");
}

TEST(TrialRun, PriorTherapyIsGivenBeforeBaselineAndScreenedAgainstUntreatedValues) {
  // 14 days of prior therapy: one bolus of 2 mg/kg x 80 kg into 1 L at its start. At baseline
  // D = 160 e^(-0.1 x 14) and X = 100 e^(-0.05 x 14) = 0.4966 x untreated(X).
  const auto design = design_of(R"yaml(name: p
model: decay.yaml
population:
  size: 10
  covariates: {body_weight: {value: 80}}
  run_in:
    duration: 0
    prior_therapy: {duration: 14, doses: [{target: D, amount: 2 mg/kg}]}
  inclusion: ["X < 0.6 * untreated(X)"]
arms: {a: {ratio: 1}}
visits: [0, 7]
endpoints: {d: {value: D}, x: {value: X}}
)yaml");
  const TrialResult r = run_trial(design, RunOptions{});
  EXPECT_EQ(r.replicates[0].screening.at("included"), 10);
  EXPECT_EQ(r.replicates[0].screening.count("excluded"), 0u);
  EXPECT_NEAR(stat(r.replicates[0], "d", "a", 0).estimate, 160 * std::exp(-1.4), 1e-3);
  EXPECT_NEAR(stat(r.replicates[0], "x", "a", 7).estimate, 100 * std::exp(-0.05 * 21), 1e-4);
  // The opposite criterion excludes everyone: screening stops at max_candidates with nobody enrolled.
  const auto none = design_of(R"yaml(name: p
model: decay.yaml
population:
  size: 10
  max_candidates: 50
  run_in:
    duration: 0
    prior_therapy: {duration: 14, doses: [{target: D, amount: 2 mg}]}
  inclusion: ["X > 0.6 * untreated(X)"]
arms: {a: {ratio: 1}}
visits: [0, 7]
endpoints: {x: {value: X}}
)yaml");
  const TrialResult n = run_trial(none, RunOptions{});
  EXPECT_EQ(n.replicates[0].screening.at("excluded"), 50);
  EXPECT_TRUE(n.replicates[0].patients.empty());
}

TEST(TrialRun, AWashoutMovesBaselineAfterThePriorTherapyWhoseResponseIsJudgedAtItsEnd) {
  // 14 days of prior therapy (2 mg/kg x 80 kg at day 0), then 7 days of washout in which a background dose of
  // 1 mg/kg x 80 kg is still given at day 17. At the end of the therapy D = 160 e^(-1.4) = 39.5, so
  // "D > 30" holds there; at baseline (day 21) D = 160 e^(-2.1) + 80 e^(-0.4) = 73.2 and X = 100 e^(-1.05),
  // and "X < 0.6 * untreated(X)" holds at both times (e^(-0.7) and e^(-1.05)).
  const std::string head = R"yaml(name: w
model: decay.yaml
population:
  size: 10
  max_candidates: 40
  covariates: {body_weight: {value: 80}}
  run_in:
    duration: 0
    prior_therapy:
      duration: 14
      washout: 7
      doses: [{target: D, amount: 2 mg/kg}, {target: D, amount: 1 mg/kg, start: 17}]
)yaml";
  const std::string tail = R"yaml(arms: {a: {ratio: 1}}
visits: [0, 7]
endpoints: {d: {value: D}, x: {value: X}}
)yaml";
  const TrialResult r =
      run_trial(design_of(head + "      inadequate_response: [\"D > 30\", \"X < 0.6 * untreated(X)\"]\n" +
                          "  inclusion: [\"D > 60\"]\n" + tail),
                RunOptions{});
  EXPECT_EQ(r.replicates[0].screening.at("included"), 10);
  EXPECT_EQ(r.replicates[0].screening.count("excluded"), 0u);
  EXPECT_NEAR(stat(r.replicates[0], "d", "a", 0).estimate, 160 * std::exp(-2.1) + 80 * std::exp(-0.4), 1e-3);
  EXPECT_NEAR(stat(r.replicates[0], "x", "a", 0).estimate, 100 * std::exp(-1.05), 1e-4);
  EXPECT_NEAR(stat(r.replicates[0], "x", "a", 7).estimate, 100 * std::exp(-1.4), 1e-4);
  // Judged at baseline instead, "D < 45" would hold for no one (73.2); at the therapy's end it holds for all.
  const TrialResult kept =
      run_trial(design_of(head + "      inadequate_response: [\"D < 45\"]\n" + tail), RunOptions{});
  EXPECT_EQ(kept.replicates[0].screening.at("included"), 10);
  // And "D > 45" at the therapy's end excludes everyone, with the condition as the reason.
  const TrialResult none =
      run_trial(design_of(head + "      inadequate_response: [\"D > 45\"]\n" + tail), RunOptions{});
  EXPECT_EQ(none.replicates[0].screening.at("excluded"), 40);
  EXPECT_TRUE(none.replicates[0].patients.empty());
  EXPECT_EQ(none.replicates[0].candidates.front().reason, "inadequate_response: D > 45");
  const auto failures = screen_failures(none.replicates[0].candidates);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].reason, "inadequate_response: D > 45");
  EXPECT_EQ(failures[0].count, 40);
  // Errors at their lines: an unknown name in a condition, a negative washout.
  EXPECT_THAT(trial_errors_of(head + "      inadequate_response: [\"DD > 45\"]\n" + tail),
              ::testing::ElementsAre(
                  ::testing::HasSubstr("inline.yaml:13:29: error: inadequate_response: 'DD' is not")));
  std::string negative = head;
  negative.replace(negative.find("washout: 7"), 10, "washout: -7");
  EXPECT_THAT(trial_errors_of(negative + tail),
              ::testing::ElementsAre(
                  ::testing::HasSubstr("inline.yaml:11:16: error: prior_therapy: washout must be >= 0")));
}

TEST(TrialRun, ScreenFailuresCountImplausibleAndExcludedCandidatesByConditionMostFrequentFirst) {
  using S = Candidate::Status;
  std::vector<Candidate> candidates;
  const auto add = [&](S status, const std::string& reason, int n) {
    Candidate c;
    c.status = status;
    c.reason = reason;
    candidates.insert(candidates.end(), static_cast<std::size_t>(n), c);
  };
  add(S::kExcluded, "CRP >= 10", 2);
  add(S::kIncluded, "", 5);
  add(S::kRunInFailure, "no steady state within 3650 days of run-in", 4);  // not a condition: not listed
  add(S::kImplausible, "CRP < 300", 1);
  add(S::kExcluded, "inadequate_response: SJC28 >= 4", 3);
  add(S::kImplausible, "CRP >= 10", 2);
  const auto f = screen_failures(candidates);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].reason, "inadequate_response: SJC28 >= 4");
  EXPECT_EQ(f[0].count, 3);
  // a tie of 2: implausible sorts before excluded (status order), whatever the input order
  EXPECT_EQ(f[1].status, S::kImplausible);
  EXPECT_EQ(f[1].reason, "CRP >= 10");
  EXPECT_EQ(f[2].status, S::kExcluded);
  EXPECT_EQ(f[2].count, 2);
  EXPECT_EQ(f[3].reason, "CRP < 300");
}

TEST(TrialRun, CorrelatedParametersFollowTheirGaussianCopula) {
  // L ~ lognormal(1, cv 0.3) and Y0 ~ U(0, 10) with r = 0.8 between their normal scores log(L) / sigma and
  // Phi^-1(Y0 / 10): the sample correlation of the scores is 0.8 within 4 standard errors ((1 - r^2) / sqrt(n)),
  // and each marginal is unchanged.
  const auto design = design_of(R"yaml(name: k
model: decay.yaml
population:
  size: 3000
  parameter_correlations:
    - {parameters: [L, Y0], r: 0.8}
arms: {a: {ratio: 1}}
visits: [0]
endpoints: {x: {value: X}}
)yaml");
  const TrialResult result = screen_only(design);
  const auto& rep = result.replicates[0];
  const std::size_t l = varied_index(*design, "L"), y = varied_index(*design, "Y0");
  const double sigma = std::sqrt(std::log(1.09));
  const auto probit = [](double p) {  // inverse normal CDF by bisection on erfc (independent of Boost)
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; ++i) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
  };
  const double n = static_cast<double>(rep.candidates.size());
  double su = 0, sv = 0, suu = 0, svv = 0, suv = 0, sy = 0;
  for (const auto& c : rep.candidates) {
    const double u = std::log(c.parameters[l]) / sigma, v = probit(c.parameters[y] / 10);
    su += u;
    sv += v;
    suu += u * u;
    svv += v * v;
    suv += u * v;
    sy += c.parameters[y];
  }
  const double cov = suv / n - (su / n) * (sv / n);
  const double r = cov / std::sqrt((suu / n - su * su / n / n) * (svv / n - sv * sv / n / n));
  EXPECT_NEAR(r, 0.8, 4 * (1 - 0.64) / std::sqrt(n));
  EXPECT_NEAR(su / n, 0.0, 4 / std::sqrt(n));                                    // log L: mean 0
  EXPECT_NEAR(std::sqrt(suu / n - su * su / n / n), 1.0, 4 / std::sqrt(2 * n));  // and sd sigma
  EXPECT_NEAR(sy / n, 5.0, 4 * (10 / std::sqrt(12.0)) / std::sqrt(n));           // Y0: mean 5
}

TEST(TrialRun, ParameterCorrelationErrorsAreReportedAtTheirLines) {
  const std::string head = "name: e\nmodel: three.yaml\npopulation:\n  size: 5\n  parameter_correlations:\n";
  const std::string tail = "arms: {a: {ratio: 1}}\nvisits: [0]\nendpoints: {x: {value: X}}\n";
  // line 6: the entry's mapping starts at column 7 ("    - {"), the value of r at column 31
  EXPECT_THAT(
      trial_errors_of(head + "    - {parameters: [a, bb], r: 0.5}\n" + tail),
      ::testing::ElementsAre(::testing::HasSubstr(
          "inline.yaml:6:7: error: parameter_correlations: 'bb' is not a parameter of model 'three' with a "
          "`variability` (did you mean 'b'?)")));
  EXPECT_THAT(
      trial_errors_of(head + "    - {parameters: [a, b], r: 1}\n" + tail),
      ::testing::ElementsAre(::testing::HasSubstr(
          "inline.yaml:6:31: error: parameter correlation: `r:` must be a correlation strictly between -1 "
          "and 1")));
  // a-b and b-c strongly positive, a-c strongly negative: no such joint distribution.
  EXPECT_THAT(
      trial_errors_of(head + "    - {parameters: [a, b], r: 0.9}\n    - {parameters: [b, c], r: 0.9}\n" +
                      "    - {parameters: [a, c], r: -0.9}\n" + tail),
      ::testing::ElementsAre(::testing::HasSubstr("inline.yaml:6:7: error: parameter_correlations: "
                                                  "together these correlations are impossible")));
}

TEST(TrialRun, NamesThatDoNotFitTheModelAreErrorsAtTheirLines) {
  try {
    (void)design_of(R"yaml(name: e
model: decay.yaml
population: {size: 5, inclusion: ["Z > 1"]}
arms:
  a:
    doses: [{target: Q, amount: 1 mg}]
visits: [0, 7]
endpoints: {x: {value: XX}}
)yaml");
    FAIL() << "no error";
  } catch (const TrialError& e) {
    std::vector<std::string> lines;
    for (const auto& d : e.diagnostics().items()) lines.push_back(d.to_string());
    EXPECT_THAT(lines,
                ::testing::Contains(::testing::HasSubstr("inline.yaml:3:35: error: inclusion: 'Z' is not")));
    EXPECT_THAT(lines, ::testing::Contains(::testing::HasSubstr(
                           "inline.yaml:8:16: error: endpoint 'x': 'XX' is not an observable or species of "
                           "model 'decay' (did you mean 'X'?)")));
    EXPECT_THAT(lines, ::testing::Contains(::testing::HasSubstr(
                           "inline.yaml:6:13: error: arm 'a': unknown dose target 'Q'")));
  }
  EXPECT_THAT(
      trial_errors_of(R"yaml(name: e
model: decay.yaml
population: {size: 5}
arms: {a: {ratio: 1}}
visits: [0, 7, 14]
endpoints: {x: {value: X}}
rescue: {at: 7, when: "XX > baseline(X)"}
)yaml"),
      ::testing::ElementsAre(::testing::HasSubstr(
          "inline.yaml:7:9: error: rescue: 'XX' is not an observable or covariate (did you mean 'X'?)")));
}

}  // namespace
}  // namespace tolsim::trial
