// SolverOptions validation messages and the self-describing settings table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tolsim/solve/options.hpp"

namespace tolsim {
namespace {

const SolverSetting& setting(const std::string& name) {
  const auto& all = solver_settings();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const SolverSetting& s) { return s.name == name; });
  if (it == all.end()) throw std::runtime_error("no setting " + name);
  return *it;
}

TEST(SolverOptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(SolverOptions{}.problems().empty());
}

// The message format is the house style's own example (STYLE.md, habit 3).
TEST(SolverOptionsTest, NegativeRtolMessageNamesFieldValueAndConstraint) {
  SolverOptions o;
  o.rtol = -1e-6;
  ASSERT_EQ(o.problems().size(), 1u);
  EXPECT_EQ(o.problems()[0], "solver.rtol = -1e-06: must be > 0");
}

TEST(SolverOptionsTest, EveryConstraintIsReportedInOnePass) {
  SolverOptions o;
  o.rtol = 1.5;
  o.atol = -1.0;
  o.max_steps = -3;
  o.max_step = -0.5;
  o.initial_step = -2.0;
  o.max_order = 6;
  o.max_events_per_time = 0;
  const std::vector<std::string> expected = {"solver.rtol = 1.5: must be < 1",
                                             "solver.atol = -1: must be >= 0",
                                             "solver.max_steps = -3: must be >= 0",
                                             "solver.max_step = -0.5: must be >= 0",
                                             "solver.initial_step = -2: must be >= 0",
                                             "solver.max_order = 6: must be between 1 and 5",
                                             "solver.max_events_per_time = 0: must be >= 1"};
  EXPECT_EQ(o.problems(), expected);
}

TEST(SolverOptionsTest, BoundariesAndNonFiniteValues) {
  SolverOptions o;
  o.rtol = 0.0;
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.rtol = 0: must be > 0"});
  o.rtol = 1.0;
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.rtol = 1: must be < 1"});
  o.rtol = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.rtol = nan: must be > 0"});
  o = SolverOptions{};
  o.atol = 0.0;  // allowed: a pure relative test
  o.max_steps = 0;
  o.max_step = 0.0;
  o.initial_step = 0.0;
  o.max_order = 1;
  o.max_events_per_time = 1;
  EXPECT_TRUE(o.problems().empty());
  o.atol = std::numeric_limits<double>::infinity();
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.atol = inf: must be finite"});
  o.atol = 1e-12;
  o.max_order = 0;
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.max_order = 0: must be between 1 and 5"});
}

TEST(SolverSettingsTest, CoversEveryFieldOnceWithDescriptions) {
  const std::vector<std::string> fields = {
      "rtol",     "atol",          "max_steps",           "max_step",           "initial_step", "max_order",
      "jacobian", "linear_solver", "enforce_nonnegative", "max_events_per_time"};
  const auto& all = solver_settings();
  ASSERT_EQ(all.size(), fields.size());
  for (const auto& f : fields) {
    SCOPED_TRACE(f);
    EXPECT_EQ(std::count_if(all.begin(), all.end(), [&](const SolverSetting& s) { return s.name == f; }), 1);
    EXPECT_FALSE(setting(f).description.empty());
    EXPECT_TRUE(setting(f).get && setting(f).set);
  }
  EXPECT_EQ(setting("max_step").unit, "model time unit");
  EXPECT_EQ(setting("rtol").unit, "");
}

TEST(SolverSettingsTest, GetReportsDefaults) {
  const SolverOptions o;
  EXPECT_EQ(setting("rtol").get(o), "1e-06");
  EXPECT_EQ(setting("atol").get(o), "1e-12");
  EXPECT_EQ(setting("max_steps").get(o), "100000");
  EXPECT_EQ(setting("max_order").get(o), "5");
  EXPECT_EQ(setting("jacobian").get(o), "analytic");
  EXPECT_EQ(setting("linear_solver").get(o), "auto");
  EXPECT_EQ(setting("enforce_nonnegative").get(o), "true");
  EXPECT_EQ(setting("max_events_per_time").get(o), "1000");
}

TEST(SolverSettingsTest, SetStoresEveryField) {
  SolverOptions o;
  EXPECT_EQ(setting("rtol").set(o, "1e-8"), "");
  EXPECT_EQ(setting("atol").set(o, "+2.5e-10"), "");
  EXPECT_EQ(setting("max_steps").set(o, "500"), "");
  EXPECT_EQ(setting("max_step").set(o, "0.25"), "");
  EXPECT_EQ(setting("initial_step").set(o, "1e-4"), "");
  EXPECT_EQ(setting("max_order").set(o, "2"), "");
  EXPECT_EQ(setting("jacobian").set(o, "fd"), "");
  EXPECT_EQ(setting("linear_solver").set(o, "sparse"), "");
  EXPECT_EQ(setting("enforce_nonnegative").set(o, "false"), "");
  EXPECT_EQ(setting("max_events_per_time").set(o, "7"), "");
  EXPECT_EQ(o.rtol, 1e-8);
  EXPECT_EQ(o.atol, 2.5e-10);
  EXPECT_EQ(o.max_steps, 500);
  EXPECT_EQ(o.max_step, 0.25);
  EXPECT_EQ(o.initial_step, 1e-4);
  EXPECT_EQ(o.max_order, 2);
  EXPECT_EQ(o.jacobian, SolverOptions::JacobianMode::kFiniteDifference);
  EXPECT_EQ(o.linear_solver, SolverOptions::LinearSolver::kSparse);
  EXPECT_FALSE(o.enforce_nonnegative);
  EXPECT_EQ(o.max_events_per_time, 7);
  EXPECT_EQ(setting("jacobian").set(o, "analytic"), "");
  EXPECT_EQ(o.jacobian, SolverOptions::JacobianMode::kAnalytic);
  EXPECT_EQ(setting("enforce_nonnegative").set(o, "true"), "");
  EXPECT_TRUE(o.enforce_nonnegative);
  EXPECT_EQ(setting("linear_solver").set(o, "dense"), "");
  EXPECT_EQ(o.linear_solver, SolverOptions::LinearSolver::kDense);
  EXPECT_EQ(setting("linear_solver").set(o, "auto"), "");
  EXPECT_EQ(o.linear_solver, SolverOptions::LinearSolver::kAuto);
}

TEST(SolverSettingsTest, GetThenSetRoundTripsExactly) {
  SolverOptions a;
  a.rtol = 1.0 / 3.0;
  a.atol = 1e-300;
  a.max_step = 0.1;
  SolverOptions b;
  for (const auto& s : solver_settings()) EXPECT_EQ(s.set(b, s.get(a)), "") << s.name;
  EXPECT_EQ(b.rtol, a.rtol);
  EXPECT_EQ(b.atol, a.atol);
  EXPECT_EQ(b.max_step, a.max_step);
}

TEST(SolverSettingsTest, StrictParsingRejectsAndLeavesValueUnchanged) {
  SolverOptions o;
  for (const std::string bad :
       {"", "abc", "1e-6x", " 1e-6", "1e-6 ", "nan", "inf", "-inf", "1e999", "0x1p3"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(setting("rtol").set(o, bad), "");
    EXPECT_EQ(o.rtol, 1e-6);
  }
  EXPECT_EQ(setting("rtol").set(o, "abc"), "expected a number, got 'abc'");
  for (const std::string bad : {"1.5", "1e3", "10x", "", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(setting("max_steps").set(o, bad), "");
    EXPECT_NE(setting("max_order").set(o, bad), "");
  }
  EXPECT_EQ(o.max_steps, 100000);
  EXPECT_EQ(o.max_order, 5);
  EXPECT_EQ(setting("jacobian").set(o, "FD"), "expected 'analytic' or 'fd', got 'FD'");
  EXPECT_EQ(setting("linear_solver").set(o, "klu"), "expected 'auto', 'dense' or 'sparse', got 'klu'");
  EXPECT_EQ(o.linear_solver, SolverOptions::LinearSolver::kAuto);
  EXPECT_NE(setting("enforce_nonnegative").set(o, "1"), "");
  EXPECT_NE(setting("enforce_nonnegative").set(o, "True"), "");
  EXPECT_TRUE(o.enforce_nonnegative);
}

TEST(SolverSettingsTest, SetDoesNotValidateRangesProblemsDoes) {
  // Parsing and range checking are separate so that every range problem is reported in one pass.
  SolverOptions o;
  EXPECT_EQ(setting("rtol").set(o, "-1e-6"), "");
  EXPECT_EQ(o.problems(), std::vector<std::string>{"solver.rtol = -1e-06: must be > 0"});
}

}  // namespace
}  // namespace tolsim
