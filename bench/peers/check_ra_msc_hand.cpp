// Checks the hand-written RA + MSC model (bench/ra_msc_hand.hpp) against tolsim's compiled kernels for
// models/ra-msc.yaml, so that bench/peers/run.sh --model ra-msc never times different functions. It fails (exit 1,
// with the first disagreement) unless:
// - the hand-written state order, storage (amount or value, and the compartment an amount is scaled by), own
//   absolute tolerances and non-negativity are tolsim's, state by state and by name;
// - every parameter the hand-written model reads exists in tolsim's model, and the initial state and the species
//   outputs (amount / compartment size) agree;
// - the right-hand side and every Jacobian entry agree to 1e-12 relative (or are both exactly zero) at the nominal
//   state of bench/data/ra-msc-peers.scenario.yaml, with its doses, and at random positive states, some with all
//   parameters perturbed too (every cell source, the 0/1 switches anywhere in [0, 1]);
// - the hand-written CSC pattern holds every entry of tolsim's Jacobian pattern, and tolsim's Jacobian is exactly
//   zero outside the hand-written pattern.
// The expected values are tolsim's kernels, computed here at run time.
//
//   check_ra_msc_hand [MODEL SCENARIO]      (default: the source tree's models/ra-msc.yaml and scenario)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "../ra_msc_hand.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"

namespace {

namespace hand = ra_msc_hand;

constexpr double kAgreement = 1e-12;  // relative, entry by entry
constexpr int kRandomStates = 12;     // of which every other one also perturbs the parameters
constexpr unsigned kSeed = 20261125;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "check_ra_msc_hand: %s\n", message.c_str());
  std::exit(1);
}

double relative_difference(double a, double b) {
  if (a == b) return 0.0;
  return std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

// One evaluation point in both layouts: tolsim's parameter vector and the hand-written Parameters.
struct Point {
  std::string label;
  std::vector<double> y, u, p;
  hand::Parameters q;
};

class Checker {
 public:
  Checker(const std::string& model_file, const std::string& scenario_file) {
    tolsim::CompileOptions options;
    options.backend = tolsim::CompileOptions::Backend::kNative;
    model_ = tolsim::compile_model(tolsim::model::load_model(model_file).model, options);
    setup_ = tolsim::make_setup(model_, tolsim::load_scenario(scenario_file));
    n_ = model_.n_states();
    check_layout();
    for (const auto& entry : hand::kParameterTable) {
      const auto slot = model_.find_parameter(std::string(entry.name));
      if (!slot) fail("the model has no parameter '" + std::string(entry.name) + "'");
      slots_.push_back(*slot);
    }
  }

  // Fills the hand-written parameters from tolsim's vector by name, as the peers read a parameter table.
  hand::Parameters parameters_from(const std::vector<double>& p) const {
    hand::Parameters q;
    for (std::size_t k = 0; k < slots_.size(); ++k)
      q.*(hand::kParameterTable[k].member) = p[static_cast<std::size_t>(slots_[k])];
    hand::derive(q);
    return q;
  }

  // The scenario's nominal state at t = 0 before and after its doses (15 mg MTX in the gut, the MSC infusion).
  std::vector<Point> nominal_points() const {
    Point start;
    start.label = "nominal initial state";
    start.p = setup_.parameters;
    start.q = parameters_from(start.p);
    start.y = model_.initial_state(start.p, 0.0);
    start.u.assign(static_cast<std::size_t>(model_.n_inputs()), 0.0);
    check_initial_state(start);
    Point dosed = start;
    dosed.label = "nominal state after the doses at t = 0";
    for (const auto& b : setup_.boluses)
      if (b.time == 0.0) dosed.y[static_cast<std::size_t>(b.state)] += b.amount;
    for (const auto& f : setup_.infusions)
      if (f.start == 0.0) dosed.u[static_cast<std::size_t>(f.state)] += f.rate;
    return {start, dosed};
  }

  // Random positive states around typical magnitudes; every other one with perturbed parameters.
  std::vector<Point> random_points() const {
    std::mt19937_64 rng(kSeed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<double> nominal_p = setup_.parameters;
    const std::vector<double> nominal_y = model_.initial_state(nominal_p, 0.0);
    std::vector<Point> points;
    for (int k = 0; k < kRandomStates; ++k) {
      Point x;
      x.label = "random state " + std::to_string(k + 1);
      x.p = setup_.parameters;
      if (k % 2 == 1) {
        x.label += " with perturbed parameters";
        for (std::size_t j = 0; j < slots_.size(); ++j) {
          const std::string name(hand::kParameterTable[j].name);
          double& value = x.p[static_cast<std::size_t>(slots_[j])];
          if (name == "msc.cell_source")
            value = static_cast<double>(1 + k / 2 % 4);
          else if (name.rfind("msc.use_", 0) == 0 || name == "msc.prelicensed" || name == "msc.allogeneic")
            value = uniform(rng);
          else
            value *= std::exp(0.3 * normal(rng));
        }
      }
      x.q = parameters_from(x.p);
      x.y.resize(static_cast<std::size_t>(n_));
      for (int i = 0; i < n_; ++i) x.y[static_cast<std::size_t>(i)] = random_value(i, nominal_y, rng);
      // Half of the points have fewer than one viable lodged MSC (max(viable, 1) on its constant branch).
      if (k % 4 >= 2)
        for (int i = hand::kMSC_lung; i <= hand::kMSC_other; ++i) x.y[static_cast<std::size_t>(i)] *= 1e-9;
      x.u.assign(static_cast<std::size_t>(model_.n_inputs()), 0.0);
      for (int i = 0; i < n_; ++i)
        x.u[static_cast<std::size_t>(i)] = 0.1 * x.y[static_cast<std::size_t>(i)] * uniform(rng);
      points.push_back(std::move(x));
    }
    return points;
  }

  // Returns the largest relative differences of the rhs and the Jacobian; fails at the first disagreement.
  std::pair<double, double> compare(const Point& x) const {
    const auto n = static_cast<std::size_t>(n_);
    std::vector<double> f_tolsim(n), f_hand(n, std::nan(""));
    model_.kernels->eval(model_.kernel.rhs, 0.0, x.y.data(), x.p.data(), x.u.data(), f_tolsim.data());
    hand::hand_rhs(x.y.data(), x.q, x.u.data(), f_hand.data());
    double worst_rhs = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double d = relative_difference(f_tolsim[i], f_hand[i]);
      if (!(d <= kAgreement))
        fail(x.label + ": d" + name(i) + "/dt is " + text(f_hand[i]) + " by hand, " + text(f_tolsim[i]) +
             " in tolsim");
      worst_rhs = std::max(worst_rhs, d);
    }
    std::vector<double> dense(n * n, std::nan(""));
    model_.kernels->eval(model_.kernel.jacobian, 0.0, x.y.data(), x.p.data(), x.u.data(), dense.data());
    std::vector<double> values(hand::kNonZeros, std::nan(""));
    hand::hand_jacobian(x.y.data(), x.q, values.data());
    std::vector<bool> covered(n * n, false);
    double worst_jacobian = 0.0;
    for (std::size_t j = 0; j < n; ++j)
      for (int k = hand::kPattern.column_starts[j]; k < hand::kPattern.column_starts[j + 1]; ++k) {
        const auto i = static_cast<std::size_t>(hand::kPattern.rows[static_cast<std::size_t>(k)]);
        covered[i + j * n] = true;
        const double by_hand = values[static_cast<std::size_t>(k)], by_tolsim = dense[i + j * n];
        const double d = relative_difference(by_tolsim, by_hand);
        if (!(d <= kAgreement))
          fail(x.label + ": d(d" + name(i) + "/dt)/d" + name(j) + " is " + text(by_hand) + " by hand, " +
               text(by_tolsim) + " in tolsim");
        worst_jacobian = std::max(worst_jacobian, d);
      }
    for (std::size_t pos = 0; pos < n * n; ++pos)
      if (!covered[pos] && dense[pos] != 0.0)
        fail(x.label + ": d(d" + name(pos % n) + "/dt)/d" + name(pos / n) + " is " + text(dense[pos]) +
             " in tolsim but outside the hand-written pattern");
    return {worst_rhs, worst_jacobian};
  }

  // tolsim's structural pattern against the hand-written one: returns (tolsim's entries with the diagonal, the
  // hand-written entries tolsim's pattern lacks).
  std::pair<int, int> compare_patterns() const {
    const auto n = static_cast<std::size_t>(n_);
    std::set<std::size_t> theirs(model_.jacobian_positions.begin(), model_.jacobian_positions.end());
    for (std::size_t i = 0; i < n; ++i) theirs.insert(i + i * n);
    std::set<std::size_t> mine;
    for (std::size_t j = 0; j < n; ++j)
      for (int k = hand::kPattern.column_starts[j]; k < hand::kPattern.column_starts[j + 1]; ++k)
        mine.insert(static_cast<std::size_t>(hand::kPattern.rows[static_cast<std::size_t>(k)]) + j * n);
    for (std::size_t pos : theirs)
      if (!mine.count(pos))
        fail("tolsim's Jacobian pattern has d(d" + name(pos % n) + "/dt)/d" + name(pos / n) +
             ", which the hand-written pattern lacks");
    int extra = 0;
    for (std::size_t pos : mine) extra += theirs.count(pos) ? 0 : 1;
    return {static_cast<int>(theirs.size()), extra};
  }

  int n_states() const { return n_; }
  std::size_t n_parameters() const { return slots_.size(); }

 private:
  std::string name(std::size_t i) const { return model_.states[i].name; }
  static std::string text(double v) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
  }

  void check_layout() const {
    if (n_ != hand::kStates)
      fail("the model has " + std::to_string(n_) + " states, the hand-written one " +
           std::to_string(hand::kStates));
    const hand::Parameters q = parameters_from_defaults();
    for (int i = 0; i < n_; ++i) {
      const tolsim::StateVariable& s = model_.states[static_cast<std::size_t>(i)];
      const std::string where = "state " + std::to_string(i) + " (" + s.name + ")";
      if (s.name != hand::kStateNames[static_cast<std::size_t>(i)])
        fail(where + " is '" + std::string(hand::kStateNames[static_cast<std::size_t>(i)]) + "' by hand");
      const bool scaled = s.storage == tolsim::StateVariable::Storage::kAmount && s.is_concentration;
      const double by_hand = hand::amount_per_value(i, q);
      const double expected = scaled ? value_of(s.compartment) : 1.0;
      if (by_hand != expected)
        fail(where + ": its amount is its value times " + text(expected) + " in tolsim, " + text(by_hand) +
             " by hand");
      if (s.atol.has_value() != hand::has_own_atol(i) || (s.atol && *s.atol != hand::kDrugAtolMg))
        fail(where + ": its own absolute tolerance differs");
      if (s.nonnegative != (i < hand::kSpecies)) fail(where + ": its non-negativity constraint differs");
    }
  }

  hand::Parameters parameters_from_defaults() const {
    hand::Parameters q;
    const std::vector<double> p = model_.default_parameters();
    for (const auto& entry : hand::kParameterTable) {
      const auto slot = model_.find_parameter(std::string(entry.name));
      if (slot) q.*(entry.member) = p[static_cast<std::size_t>(*slot)];
    }
    hand::derive(q);
    return q;
  }

  double value_of(const std::string& parameter) const {
    const auto slot = model_.find_parameter(parameter);
    if (!slot) fail("the model has no parameter '" + parameter + "'");
    return model_.default_parameters()[static_cast<std::size_t>(*slot)];
  }

  // y0 from the initial values by hand, and the species outputs (amount / size) by hand, against tolsim's.
  void check_initial_state(const Point& x) const {
    std::vector<double> initial_values(static_cast<std::size_t>(n_));
    for (int i = 0; i < n_; ++i) {
      const auto slot = model_.find_parameter(model_.states[static_cast<std::size_t>(i)].name);
      if (!slot)
        fail("no initial value named after state " + model_.states[static_cast<std::size_t>(i)].name);
      initial_values[static_cast<std::size_t>(i)] = x.p[static_cast<std::size_t>(*slot)];
    }
    std::vector<double> y0(static_cast<std::size_t>(n_));
    hand::initial_state(initial_values.data(), x.q, y0.data());
    std::vector<double> outputs(static_cast<std::size_t>(model_.n_outputs()));
    model_.kernels->eval(model_.kernel.outputs, 0.0, x.y.data(), x.p.data(), x.u.data(), outputs.data());
    for (int i = 0; i < n_; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (relative_difference(y0[k], x.y[k]) > kAgreement)
        fail("initial state of " + name(k) + ": " + text(y0[k]) + " by hand, " + text(x.y[k]) + " in tolsim");
      if (i >= hand::kSpecies) continue;
      const auto column = model_.find_output(name(k));
      if (!column) fail("no output column for species " + name(k));
      const double value = x.y[k] / hand::amount_per_value(i, x.q);
      if (relative_difference(value, outputs[static_cast<std::size_t>(*column)]) > kAgreement)
        fail("output of " + name(k) + ": " + text(value) + " by hand, " +
             text(outputs[static_cast<std::size_t>(*column)]) + " in tolsim");
    }
  }

  // A positive value of the order of the state's typical size: the nominal value where it is not zero, else a
  // scale by kind (mg of drug, cells of MSCs, fractions below 1).
  static double random_value(int i, const std::vector<double>& nominal, std::mt19937_64& rng) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    if (i == hand::kAllo_R || i == hand::kPlacebo_state || i == hand::kFLS_memory) return uniform(rng);
    if (i == hand::kPlacebo) return 2.0 * uniform(rng);  // both sides of min(Placebo, 1)
    double scale = nominal[static_cast<std::size_t>(i)];
    if (scale == 0.0) {
      if (i >= hand::kMTX_gut && i <= hand::kGC_e)
        scale = 5.0;
      else if (i >= hand::kMSC_blood && i <= hand::kAllo_Ag)
        scale = 3e7;
      else
        scale = 1.0;
    }
    return scale * std::exp(normal(rng));
  }

  tolsim::CompiledModel model_;
  tolsim::SimulationSetup setup_;
  int n_ = 0;
  std::vector<int> slots_;  // tolsim's parameter slot of each hand-written parameter
};

}  // namespace

int main(int argc, char** argv) {
  const std::string model = argc > 2 ? argv[1] : std::string(TOLSIM_SOURCE_DIR) + "/models/ra-msc.yaml";
  const std::string scenario =
      argc > 2 ? argv[2] : std::string(TOLSIM_SOURCE_DIR) + "/bench/data/ra-msc-peers.scenario.yaml";
  try {
    const Checker checker(model, scenario);
    const auto [theirs, extra] = checker.compare_patterns();
    std::vector<Point> points = checker.nominal_points();
    for (auto& x : checker.random_points()) points.push_back(std::move(x));
    double worst_rhs = 0.0, worst_jacobian = 0.0;
    for (const auto& x : points) {
      const auto [rhs, jacobian] = checker.compare(x);
      worst_rhs = std::max(worst_rhs, rhs);
      worst_jacobian = std::max(worst_jacobian, jacobian);
    }
    std::printf(
        "check_ra_msc_hand: %d states, %zu parameters by name; pattern %d entries (tolsim's with the "
        "diagonal: %d, "
        "%d more by hand); %zu points: largest relative difference rhs %.2e, Jacobian %.2e (limit %.0e): "
        "agree\n",
        checker.n_states(), checker.n_parameters(), ra_msc_hand::kNonZeros, theirs, extra, points.size(),
        worst_rhs, worst_jacobian, kAgreement);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  return 0;
}
