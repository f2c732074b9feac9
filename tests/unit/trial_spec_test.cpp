// Reading trial specs: values as written (times converted to days), and every kind of mistake reported at its
// line and column in one pass.
//
// Where expected values come from:
//  - day conversions: 1 week = 7 d (exact);
//  - the dropout hazard: "per_year: f" means a share f drops out in a year of exponential dropout, so the hazard
//    is -ln(1 - f) / 365.25 per day (closed form);
//  - every line:column: counted by hand in the text below (1-based; the comment on each case names the token).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tolsim/trial/spec.hpp"

namespace tolsim::trial {
namespace {

using ::testing::HasSubstr;

// Line numbers in the comments are 1-based.
const std::string kSpec = R"yaml(name: t
model: model.yaml
seed: 7
population:
  size: 40
  covariates:
    body_weight: {distribution: lognormal, median: 70, cv: 0.2, lower: 40, upper: 150, unit: kg}
    sex: {distribution: categorical, levels: {female: 0.75, male: 0.25}}
  run_in: {duration: 4 week}
  inclusion: ["X >= 1"]
arms:
  control: {ratio: 1}
  active:
    ratio: 2
    doses:
      - {target: D, amount: 10 mg, every: 2 week, count: 3}
visits: [0, 2 week, 28]
endpoints:
  x: {value: X}
  r: {responder: "X < 0.5 * baseline(X)"}
  tte: {time_to: "X < 1"}
dropout: {per_year: 0.1}
primary: {endpoint: r, visit: 28, arm: active, control: control}
published:
  - {endpoint: r, arm: active, visit: 4 week, value: 0.5, ci: [0.4, 0.6], n: 100, source: "doi:10.0/x"}
)yaml";

std::vector<std::string> errors_of(const std::string& text) {
  try {
    (void)load_trial_spec_from_string(text, "trial.yaml");
  } catch (const TrialError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics().items())
      if (d.severity == Severity::kError) out.push_back(d.to_string());
    return out;
  }
  return {};
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(TrialSpec, ReadsValuesAndConvertsTimesToDays) {
  const TrialSpec s = load_trial_spec_from_string(kSpec, "dir/trial.yaml");
  EXPECT_EQ(s.model_path, "dir/model.yaml");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.population.size, 40);
  EXPECT_DOUBLE_EQ(s.population.run_in.duration, 28.0);
  ASSERT_EQ(s.visits.size(), 3u);
  EXPECT_DOUBLE_EQ(s.visits[1], 14.0);
  EXPECT_DOUBLE_EQ(s.duration, 28.0);
  ASSERT_EQ(s.arms.size(), 2u);
  EXPECT_DOUBLE_EQ(s.arms[1].ratio, 2.0);
  ASSERT_EQ(s.arms[1].doses.size(), 1u);
  EXPECT_EQ(s.arms[1].doses[0].every, "2 week");
  EXPECT_EQ(s.arms[1].doses[0].count, 3);
  ASSERT_EQ(s.endpoints.size(), 3u);
  EXPECT_EQ(s.endpoints[1].kind, EndpointSpec::Kind::kResponder);
  EXPECT_TRUE(s.endpoints[1].binary());
  EXPECT_FALSE(s.endpoints[2].binary());
  EXPECT_NEAR(s.dropout.rate, -std::log(0.9) / 365.25, 1e-15);
  ASSERT_TRUE(s.primary.has_value());
  EXPECT_DOUBLE_EQ(s.primary->visit, 28.0);
  ASSERT_EQ(s.published.size(), 1u);
  EXPECT_DOUBLE_EQ(s.published[0].visit, 28.0);  // 4 week
  ASSERT_TRUE(s.published[0].ci.has_value());
  EXPECT_DOUBLE_EQ(s.published[0].ci->second, 0.6);
  ASSERT_EQ(s.population.covariates.size(), 2u);
  EXPECT_EQ(s.population.covariates[1].kind, CovariateSpec::Kind::kCategorical);
  EXPECT_EQ(s.population.covariates[1].levels[1].first, "male");
}

TEST(TrialSpec, NonPositiveAllocationRatioIsReportedAtItsValue) {
  // line 14 "    ratio: 0": the value starts at column 12
  EXPECT_THAT(
      errors_of(replace(kSpec, "ratio: 2", "ratio: 0")),
      ::testing::ElementsAre("trial.yaml:14:12: error: arm 'active': allocation ratio 0 must be > 0"));
}

TEST(TrialSpec, PublishedVisitAfterTheEndIsAnError) {
  // line 25: the published result's mapping starts at column 5
  const auto e = errors_of(replace(kSpec, "visit: 4 week, value", "visit: 40, value"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("trial.yaml:25:5: error: published: day 40 is after the trial's end"));
}

TEST(TrialSpec, UnknownNamesGetSuggestions) {
  std::string text = replace(kSpec, "arm: active, control", "arm: actve, control");
  text = replace(text, "{endpoint: r, arm: active, visit: 4", "{endpoint: rr, arm: active, visit: 4");
  const auto e = errors_of(text);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_THAT(e[0],
              HasSubstr("trial.yaml:23:10: error: primary: unknown arm 'actve' (did you mean 'active'?)"));
  EXPECT_THAT(e[1],
              HasSubstr("trial.yaml:25:5: error: published: unknown endpoint 'rr' (did you mean 'r'?)"));
}

TEST(TrialSpec, EveryProblemOfAFileInOnePass) {
  std::string text = replace(kSpec, "visits: [0, 2 week, 28]", "visits: [0, 28, 2 week]");  // line 17
  text = replace(text, "x: {value: X}", "x: {valeu: X}");  // line 19; the key at column 7
  text = replace(text, "per_year: 0.1", "per_year: 1.5");  // line 22
  const auto e = errors_of(text);
  ASSERT_GE(e.size(), 3u);
  // "visits: [0, 28, 2 week]": "2 week" starts at column 17
  EXPECT_THAT(e[0], HasSubstr("trial.yaml:17:17: error: visit 14 is not after the previous one (28)"));
  EXPECT_THAT(e[1], HasSubstr("trial.yaml:19:7: error: endpoint 'x': unknown field 'valeu'"));
  EXPECT_THAT(e.back(), HasSubstr("trial.yaml:22:21: error: dropout: per_year = 1.5"));
}

TEST(TrialSpec, RescueIsReadWithItsDefaults) {
  const auto s = load_trial_spec_from_string(
      replace(kSpec, "dropout: {per_year: 0.1}",
              "dropout: {per_year: 0.1}\nrescue: {at: 2 week, when: \"X > 0.8 * baseline(X)\"}"),
      "trial.yaml");
  ASSERT_TRUE(s.rescue.enabled());
  EXPECT_DOUBLE_EQ(s.rescue.at, 14.0);
  EXPECT_EQ(s.rescue.criterion, "X > 0.8 * baseline(X)");
  EXPECT_EQ(s.rescue.impute, RescueSpec::Impute::kNonResponder);
  EXPECT_TRUE(s.rescue.arms.empty());  // every arm
  EXPECT_FALSE(load_trial_spec_from_string(kSpec, "trial.yaml").rescue.enabled());
}

TEST(TrialSpec, RescueProblemsAreReportedAtTheirValues) {
  const auto with = [](const std::string& rescue) {
    return errors_of(
        replace(kSpec, "dropout: {per_year: 0.1}", "dropout: {per_year: 0.1}\nrescue: " + rescue));
  };
  // line 23 holds the rescue mapping: "rescue: {" puts its first key at column 10
  EXPECT_THAT(with("{at: 28, when: \"X > 1\"}"),
              ::testing::ElementsAre(HasSubstr(
                  "trial.yaml:23:14: error: rescue: day 28 must be one of the visits after baseline and "
                  "before the last")));
  EXPECT_THAT(with("{at: 0, when: \"X > 1\"}"), ::testing::ElementsAre(HasSubstr("rescue: day 0 must")));
  EXPECT_THAT(with("{at: 10, when: \"X > 1\"}"), ::testing::ElementsAre(HasSubstr("rescue: day 10 must")));
  EXPECT_THAT(with("{at: 14, when: \"X > 1\", impute: bocf}"),
              ::testing::ElementsAre(HasSubstr(
                  "trial.yaml:23:41: error: rescue: impute = 'bocf': must be 'non_responder' or 'locf'")));
  EXPECT_THAT(with("{at: 14, when: \"X >\"}"), ::testing::ElementsAre(HasSubstr("trial.yaml:23:24: error:")));
  EXPECT_THAT(with("{at: 14}"), ::testing::ElementsAre(HasSubstr("needs `at:`")));
  EXPECT_THAT(with("{at: 14, when: \"X > 1\", arms: [activ]}"),
              ::testing::ElementsAre(HasSubstr("rescue: unknown arm 'activ' (did you mean 'active'?)")));
}

TEST(TrialSpec, CriterionSyntaxErrorNamesTheColumn) {
  const auto e = errors_of(replace(kSpec, "\"X >= 1\"", "\"X >= \""));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("trial.yaml:10:15: error: inclusion: 'X >= ': column"));
}

TEST(TrialSpec, MissingSectionsAreNamed) {
  const auto e = errors_of("name: t\n");
  EXPECT_THAT(e, ::testing::Contains(HasSubstr("has no `model:`")));
  EXPECT_THAT(e, ::testing::Contains(HasSubstr("has no `population:`")));
  EXPECT_THAT(e, ::testing::Contains(HasSubstr("has no `arms:`")));
  EXPECT_THAT(e, ::testing::Contains(HasSubstr("has no `visits:`")));
}

TEST(TrialSpec, MalformedYamlIsAnInputErrorNotACrash) {
  EXPECT_THROW((void)load_trial_spec_from_string("arms: [\n", "trial.yaml"), TrialError);
  EXPECT_THROW((void)load_trial_spec("/nonexistent/trial.yaml"), TrialError);
}

}  // namespace
}  // namespace tolsim::trial
