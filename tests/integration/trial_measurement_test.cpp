// What a trial measures and on whom: measurement noise, the shared between-visit fluctuation, screening on
// measured values (regression to the mean), and every-arm allocation with paired comparisons.
//
// Where expected values come from (test models in tests/data/trials/, closed forms written in each test):
//  - noise: a proportional cv c gives log(measured / true) ~ N(0, ln(1 + c^2)); rounding N(0, s^2) noise around an
//    integer adds about 1/12 to its variance (Sheppard's correction);
//  - screening on a lognormal measurement: the share above a threshold and the truncated mean, from the normal CDF;
//  - fluctuation: exact ratios of the loaded measures, and the declared SD;
//  - every arm: a bolus adds exactly its amount to every patient's value, so paired differences are constant.
// Sample tolerances are 4 standard errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

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

// The column of `name` in a patient's measured values (a row of `measured` per visit).
std::size_t column_of(const std::vector<std::string>& measured, const std::string& name) {
  return static_cast<std::size_t>(std::find(measured.begin(), measured.end(), name) - measured.begin());
}

TEST(TrialMeasurement, MeasurementNoiseHasItsDeclaredDistribution) {
  // True values at day 0: X = 100, TJC = 10, GH = 60 for everyone.
  const auto design = design_of(R"yaml(name: n
model: decay.yaml
population: {size: 2000}
arms: {a: {ratio: 1}}
visits: [0]
endpoints: {x: {value: X}, tjc: {value: TJC}, gh: {value: GH}}
noise:
  X: {type: proportional, cv: 0.2}
  TJC: {type: count, sd: 1.5, max: 28}
  GH: {type: vas, sd: 8, max: 100}
)yaml");
  const TrialResult result = run_trial(design, RunOptions{});
  const auto& rep = result.replicates[0];
  auto column = [&](const std::string& name) {
    const std::size_t c = column_of(design->measured, name);
    std::vector<double> v;
    for (const auto& p : rep.patients) v.push_back(p.measured[c]);  // visit 0
    return v;
  };
  auto mean_sd = [](const std::vector<double>& v) {
    double sum = 0, sum2 = 0;
    for (double x : v) sum += x;
    const double mean = sum / v.size();
    for (double x : v) sum2 += (x - mean) * (x - mean);
    return std::pair{mean, std::sqrt(sum2 / (v.size() - 1))};
  };
  const double n = 2000;
  std::vector<double> log_x;
  for (double x : column("X")) log_x.push_back(std::log(x / 100.0));
  const double sigma = std::sqrt(std::log(1.04));
  const auto [lm, ls] = mean_sd(log_x);
  EXPECT_NEAR(lm, 0.0, 4 * sigma / std::sqrt(n));
  EXPECT_NEAR(ls, sigma, 4 * sigma / std::sqrt(2 * n));
  const auto tjc = column("TJC");
  for (double x : tjc) EXPECT_TRUE(x == std::round(x) && x >= 0 && x <= 28) << x;
  const auto [tm, ts] = mean_sd(tjc);
  const double tjc_sd = std::sqrt(1.5 * 1.5 + 1.0 / 12);
  EXPECT_NEAR(tm, 10.0, 4 * tjc_sd / std::sqrt(n));
  EXPECT_NEAR(ts, tjc_sd, 4 * tjc_sd / std::sqrt(2 * n));
  const auto [gm, gs] = mean_sd(column("GH"));
  EXPECT_NEAR(gm, 60.0, 4 * 8 / std::sqrt(n));
  EXPECT_NEAR(gs, 8.0, 4 * 8 / std::sqrt(2 * n));
}

TEST(TrialMeasurement, ScreeningOnMeasuredValuesEnrolsOnTheDayZeroMeasurementAndRegressesToTheMean) {
  // Everyone's true X is 100 at day 0 and 100 e^(-0.05 t) after; X is measured as 100 exp(s z), s^2 = ln(1.04).
  // Inclusion X >= 110 on the measured value enrols a share P(z >= a) = 1 - Phi(a), a = ln(1.1) / s, and every
  // enrolled patient's day-0 measurement is the one screened, so its mean is the truncated mean
  // 100 e^(s^2/2) Phi(s - a) / (1 - Phi(a)). At day 28 the draw is new: the mean is back at
  // 100 e^(-1.4) e^(s^2/2) (regression to the mean). On model values nobody (X = 100) would be enrolled.
  const std::string text = R"yaml(name: m
model: decay.yaml
population:
  size: 1500
  inclusion: ["X >= 110"]
  screen_on: measured
arms: {a: {ratio: 1}}
visits: [0, 28]
endpoints: {x: {value: X}}
noise:
  X: {type: proportional, cv: 0.2}
)yaml";
  const auto design = design_of(text);
  const TrialResult result = run_trial(design, RunOptions{});
  const auto& rep = result.replicates[0];
  const double s = std::sqrt(std::log(1.04)), a = std::log(1.1) / s;
  const auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  const double included = rep.screening.at("included"), excluded = rep.screening.at("excluded");
  const double screened = included + excluded;  // the last batch's extra inclusions are "not_needed"
  const double share = 1 - phi(a);
  EXPECT_EQ(static_cast<int>(rep.patients.size()), 1500);
  EXPECT_NEAR(included / screened, share, 4 * std::sqrt(share * (1 - share) / screened));
  const std::size_t x = column_of(design->measured, "X");
  const std::size_t n_measured = design->measured.size();
  double day0 = 0, day0_sq = 0, day28 = 0, day28_sq = 0;
  for (const auto& p : rep.patients) {
    EXPECT_GE(p.measured[x], 110.0);
    day0 += p.measured[x] / 1500;
    day0_sq += p.measured[x] * p.measured[x] / 1500;
    const double later = p.measured[n_measured + x] / std::exp(-1.4);
    day28 += later / 1500;
    day28_sq += later * later / 1500;
  }
  const double m = std::exp(s * s / 2);
  const double sd0 = std::sqrt(day0_sq - day0 * day0);
  EXPECT_NEAR(day0, 100 * m * phi(s - a) / (1 - phi(a)), 4 * sd0 / std::sqrt(1500.0));
  const double sd28 = std::sqrt(day28_sq - day28 * day28);
  EXPECT_NEAR(day28, 100 * m, 4 * sd28 / std::sqrt(1500.0));

  // The same trial screened on the model's values enrols nobody; a bad value is an error at its line.
  std::string on_model = text;
  on_model.replace(on_model.find("measured"), 8, "model");
  auto spec = load_trial_spec_from_string(on_model, kData + "inline.yaml");
  spec.population.max_candidates = 100;
  const TrialResult none = screen_only(bind_trial(std::move(spec)));
  EXPECT_EQ(none.replicates[0].screening.count("included"), 0u);
  std::string bad = text;
  bad.replace(bad.find("measured"), 8, "noisy");
  const auto errors = trial_errors_of(bad);
  ASSERT_FALSE(errors.empty()) << "no error for screen_on: noisy";
  EXPECT_THAT(errors.front(),
              ::testing::HasSubstr("inline.yaml:6:14: error: population: screen_on = 'noisy': must "
                                   "be 'model' or 'measured'"));
}

TEST(TrialMeasurement, EveryArmAllocationTreatsEachPatientInEveryArmAndPairsTheComparison) {
  // three.yaml: X stays at the patient's a (lognormal, cv 0.2). Arm `dosed` adds a 1 mg bolus into 1 L at day 0,
  // so each patient's X is a + 1 there and a in `control`: the paired difference is exactly 1 for everyone (CI of
  // width 0), while unpaired arms would carry the spread of a (Welch CI half-width about 2 x 0.2 x sqrt(2 / 40)).
  const auto design = design_of(R"yaml(name: twins
model: three.yaml
allocation: every_arm
population: {size: 40}
arms:
  control: {ratio: 1}
  dosed: {ratio: 1, doses: [{target: X, amount: 1 mg}]}
visits: [0, 7]
endpoints: {x: {value: X}, high: {responder: "X > 1.5"}}
)yaml");
  const TrialResult result = run_trial(design, RunOptions{});
  const auto& rep = result.replicates[0];
  ASSERT_EQ(rep.patients.size(), 80u);
  std::map<int, std::vector<const PatientOutcome*>> by_candidate;
  for (const auto& p : rep.patients) by_candidate[p.candidate].push_back(&p);
  ASSERT_EQ(by_candidate.size(), 40u);
  const std::size_t a_index = varied_index(*design, "a");
  for (const auto& [candidate, outcomes] : by_candidate) {
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_NE(outcomes[0]->arm, outcomes[1]->arm);
    const double a = rep.candidates[static_cast<std::size_t>(candidate)].parameters[a_index];
    for (const PatientOutcome* p : outcomes)
      EXPECT_NEAR(p->endpoint_values[2],
                  a + (design->spec.arms[static_cast<std::size_t>(p->arm)].name == "dosed"),
                  1e-6);  // visit 1, endpoint x
  }
  const auto cmp = std::find_if(rep.comparisons.begin(), rep.comparisons.end(),
                                [](const ArmComparison& c) { return c.endpoint == "x" && c.visit == 7; });
  ASSERT_NE(cmp, rep.comparisons.end());
  EXPECT_THAT(cmp->test, ::testing::HasSubstr("paired t"));
  EXPECT_NEAR(cmp->difference, 1.0, 1e-6);
  EXPECT_LT(cmp->upper - cmp->lower, 1e-5);
  const auto binary =
      std::find_if(rep.comparisons.begin(), rep.comparisons.end(),
                   [](const ArmComparison& c) { return c.endpoint == "high" && c.visit == 7; });
  ASSERT_NE(binary, rep.comparisons.end());
  EXPECT_THAT(binary->test, ::testing::HasSubstr("not paired"));

  // patients.csv: one row per candidate and arm treated, one per candidate not treated.
  testing::TempDir tmp;
  OutputOptions options;
  options.report = false;
  write_trial_outputs(result, tmp.path("out"), options);
  const std::string csv = read_file(tmp.path("out") + "/patients.csv");
  const long rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  EXPECT_EQ(rows, static_cast<long>(rep.candidates.size()) + 40);

  // A bad allocation is an error at its line.
  const auto errors = trial_errors_of(
      "name: t\nmodel: three.yaml\nallocation: crossover\npopulation: {size: 2}\n"
      "arms: {a: {ratio: 1}}\nvisits: [0]\nendpoints: {x: {value: X}}\n");
  ASSERT_FALSE(errors.empty()) << "no error for allocation: crossover";
  EXPECT_THAT(errors.front(),
              ::testing::HasSubstr("inline.yaml:3:13: error: trial: allocation = 'crossover': must "
                                   "be 'randomised' or 'every_arm'"));
}

TEST(TrialMeasurement, FluctuationIsOneFactorPerVisitSharedByTheMeasuresItLoads) {
  // decay.yaml: TJC = 10 e^(-0.05 t), SJC = 8 e^(-0.05 t), GH = 60 e^(-0.05 t). With f = exp(0.3 z) per visit and
  // loadings TJC 1, SJC 2 (GH none), and no noise: TJC = 10 f e^(-0.05 t), SJC = 8 f^2 e^(-0.05 t), GH exact. So
  // log(SJC/8) = 2 log(TJC/10) for every patient and visit; log f has sd 0.3 and is independent between visits.
  const auto design = design_of(R"yaml(name: f
model: decay.yaml
population: {size: 1000}
arms: {a: {ratio: 1}}
visits: [0, 28]
endpoints: {tjc: {value: TJC}, sjc: {value: SJC}, gh: {value: GH}}
fluctuation: {sd: 0.3, loadings: {TJC: 1, SJC: 2}}
)yaml");
  const TrialResult result = run_trial(design, RunOptions{});
  const auto& rep = result.replicates[0];
  const std::size_t n_measured = design->measured.size(), tjc = column_of(design->measured, "TJC"),
                    sjc = column_of(design->measured, "SJC"), gh = column_of(design->measured, "GH");
  std::vector<double> z0, z1;
  for (const auto& p : rep.patients)
    for (std::size_t v = 0; v < 2; ++v) {
      const double decay = std::exp(-0.05 * (v == 0 ? 0.0 : 28.0));
      const double log_f = std::log(p.measured[v * n_measured + tjc] / (10 * decay));
      EXPECT_NEAR(std::log(p.measured[v * n_measured + sjc] / (8 * decay)), 2 * log_f, 1e-6);
      EXPECT_NEAR(p.measured[v * n_measured + gh], 60 * decay, 1e-6);
      (v == 0 ? z0 : z1).push_back(log_f / 0.3);
    }
  double m0 = 0, s0 = 0, cross = 0;
  for (std::size_t i = 0; i < z0.size(); ++i) {
    m0 += z0[i] / 1000;
    s0 += z0[i] * z0[i] / 1000;
    cross += z0[i] * z1[i] / 1000;
  }
  EXPECT_NEAR(m0, 0.0, 4 / std::sqrt(1000.0));
  EXPECT_NEAR(std::sqrt(s0 - m0 * m0), 1.0, 4 / std::sqrt(2000.0));
  EXPECT_NEAR(cross, 0.0, 4 / std::sqrt(1000.0));  // independent between visits

  const auto errors = trial_errors_of(
      "name: f\nmodel: decay.yaml\npopulation: {size: 2}\narms: {a: {ratio: 1}}\nvisits: [0]\n"
      "endpoints: {x: {value: X}}\nfluctuation: {sd: 0.3, loadings: {TJX: 1}}\n");
  ASSERT_FALSE(errors.empty()) << "no error for a loading on an unknown observable";
  EXPECT_THAT(errors.front(),
              ::testing::HasSubstr("inline.yaml:7:14: error: fluctuation: 'TJX' is not an "
                                   "observable or species of model 'decay' (did you mean 'TJC'?)"));
}

TEST(TrialMeasurement, AnEntryExcessFadesFromBaselineWithItsHalfLifeOnTheLoadedMeasuresOfItsShare) {
  // decay.yaml: TJC = 10 e^(-0.05 t), SJC = 8 e^(-0.05 t), GH = 60 e^(-0.05 t). With no random part (sd 0) and an
  // entry excess 0.4 fading with half-life 2 weeks, the log factor at day t is -0.4 (1 - 2^(-t / 14)): 0 at day 0,
  // -0.3 at day 28 and -0.4 (1 - 2^-5) = -0.3875 at day 70. TJC carries it once (loading 1), SJC twice, GH not.
  const auto design = design_of(R"yaml(name: e
model: decay.yaml
population: {size: 3}
arms: {a: {ratio: 1}}
visits: [0, 28, 70]
endpoints: {tjc: {value: TJC}, sjc: {value: SJC}, gh: {value: GH}}
fluctuation: {sd: 0, entry: {excess: 0.4, t_half: 2 week}, loadings: {TJC: 1, SJC: 2}}
)yaml");
  const TrialResult result = run_trial(design, RunOptions{});
  const std::size_t n_measured = design->measured.size(), tjc = column_of(design->measured, "TJC"),
                    sjc = column_of(design->measured, "SJC"), gh = column_of(design->measured, "GH");
  const double days[] = {0, 28, 70}, log_f[] = {0, -0.3, -0.4 * (1 - 1.0 / 32)};
  ASSERT_EQ(result.replicates[0].patients.size(), 3u);
  for (const auto& p : result.replicates[0].patients)
    for (std::size_t v = 0; v < 3; ++v) {
      const double decay = std::exp(-0.05 * days[v]);
      EXPECT_NEAR(p.measured[v * n_measured + tjc], 10 * decay * std::exp(log_f[v]), 1e-6) << "visit " << v;
      EXPECT_NEAR(p.measured[v * n_measured + sjc], 8 * decay * std::exp(2 * log_f[v]), 1e-6)
          << "visit " << v;
      EXPECT_NEAR(p.measured[v * n_measured + gh], 60 * decay, 1e-6) << "visit " << v;
    }

  // With `share: 0.3`, each patient enrols with the excess with probability 0.3 (binomial, 2000 patients; 4 SE).
  const auto shared = design_of(R"yaml(name: e
model: decay.yaml
population: {size: 2000}
arms: {a: {ratio: 1}}
visits: [0, 28]
endpoints: {tjc: {value: TJC}}
fluctuation: {sd: 0, entry: {excess: 0.4, t_half: 14, share: 0.3}, loadings: {TJC: 1}}
)yaml");
  const TrialResult some = run_trial(shared, RunOptions{});
  const std::size_t n_shared = shared->measured.size(), tjc_shared = column_of(shared->measured, "TJC");
  int with_excess = 0;
  for (const auto& p : some.replicates[0].patients) {
    const double log_g = std::log(p.measured[n_shared + tjc_shared] / (10 * std::exp(-0.05 * 28)));
    EXPECT_TRUE(std::abs(log_g) < 1e-9 || std::abs(log_g + 0.3) < 1e-9) << log_g;
    with_excess += log_g < -0.15;
  }
  EXPECT_NEAR(with_excess / 2000.0, 0.3, 4 * std::sqrt(0.3 * 0.7 / 2000));

  const std::string head =
      "name: e\nmodel: decay.yaml\npopulation: {size: 2}\narms: {a: {ratio: 1}}\nvisits: [0]\n"
      "endpoints: {x: {value: X}}\n";
  const auto negative =
      trial_errors_of(head + "fluctuation: {sd: 0, entry: {excess: -0.1, t_half: 7}, loadings: {TJC: 1}}\n");
  ASSERT_FALSE(negative.empty()) << "no error for a negative excess";
  EXPECT_THAT(negative.front(),
              ::testing::HasSubstr("inline.yaml:7:38: error: fluctuation entry: needs `excess:` "
                                   ">= 0 (the log-scale excess of activity at enrolment)"));
  const auto no_half_life =
      trial_errors_of(head + "fluctuation: {sd: 0, entry: {excess: 0.1}, loadings: {TJC: 1}}\n");
  ASSERT_FALSE(no_half_life.empty()) << "no error for an excess without a half-life";
  const auto bad_share = trial_errors_of(
      head + "fluctuation: {sd: 0, entry: {excess: 0.1, t_half: 7, share: 1.5}, loadings: {TJC: 1}}\n");
  ASSERT_FALSE(bad_share.empty()) << "no error for a share above 1";
  EXPECT_THAT(bad_share.front(),
              ::testing::HasSubstr("inline.yaml:7:61: error: fluctuation entry: `share:` must be in "
                                   "(0, 1] (the share of patients who enrol with the excess)"));
  EXPECT_THAT(
      no_half_life.front(),
      ::testing::HasSubstr("inline.yaml:7:29: error: fluctuation entry: needs `t_half:` > 0 (how fast the "
                           "excess fades, e.g. 10 week)"));
}

}  // namespace
}  // namespace tolsim::trial
