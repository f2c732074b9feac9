#include "solve/fast_reaction.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>

namespace tolsim::detail {

namespace {

// The state at extent x along the column, with the reaction's rate and its derivative there.
class Line {
 public:
  Line(const FastKernel& kernel, double t, std::vector<double>& y, std::size_t n,
       std::vector<double>& scratch)
      : kernel_(kernel), t_(t), y_(y), n_(n), scratch_(scratch) {
    // scratch: [g, g', column] from the kernel, then the start state, then the column at the start.
    scratch_.resize(2 + 3 * n);
    kernel_(t_, y_.data(), scratch_.data());
    std::copy(y_.begin(), y_.begin() + static_cast<std::ptrdiff_t>(n), start());
    std::copy(scratch_.begin() + 2, scratch_.begin() + 2 + static_cast<std::ptrdiff_t>(n), column());
    for (std::size_t i = 0; i < n; ++i)
      if (column()[i] != 0.0) reach_ = std::max(reach_, std::abs(column()[i]));
  }

  // Moves y to extent x and evaluates the kernel there.
  void go(double x) {
    for (std::size_t i = 0; i < n_; ++i) y_[i] = start()[i] + column()[i] * x;
    kernel_(t_, y_.data(), scratch_.data());
  }
  double g() const { return scratch_[0]; }
  double slope() const { return scratch_[1]; }
  // The largest |column entry|: a move of extent x changes no state by more than reach() |x|.
  double reach() const { return reach_; }
  // The largest |y_i| of the states the reaction changes, where y is now.
  double size() const {
    double s = 0.0;
    for (std::size_t i = 0; i < n_; ++i)
      if (column()[i] != 0.0) s = std::max(s, std::abs(y_[i]));
    return s;
  }

 private:
  double* start() { return scratch_.data() + 2 + n_; }
  const double* start() const { return scratch_.data() + 2 + n_; }
  double* column() { return scratch_.data() + 2 + 2 * n_; }
  const double* column() const { return scratch_.data() + 2 + 2 * n_; }

  const FastKernel& kernel_;
  double t_;
  std::vector<double>& y_;
  std::size_t n_;
  std::vector<double>& scratch_;
  double reach_ = 0.0;
};

constexpr int kMaxEvaluations = 200;
constexpr double kRelativeTolerance = 1e-14;

}  // namespace

std::string equilibrate(const CompiledFastReaction& fast, const FastKernel& kernel, double t,
                        std::vector<double>& y, std::size_t n_states, std::vector<double>& scratch) {
  Line line(kernel, t, y, n_states, scratch);
  const double g0 = line.g();
  if (g0 == 0.0) return {};
  if (!std::isfinite(g0))
    return fmt::format("fast reaction '{}' cannot reach equilibrium at t = {}: its rate is {}", fast.name, t,
                       g0);
  if (line.reach() == 0.0)
    return fmt::format(
        "fast reaction '{}' cannot reach equilibrium at t = {}: its rate is {} and it changes no "
        "species",
        fast.name, t, g0);
  const double sign = g0 > 0.0 ? 1.0 : -1.0;  // the direction the reaction runs
  // A Newton step from where the line is, if it goes the way the reaction runs; else 0.
  auto newton = [&] {
    const double step = -line.g() / line.slope();
    return std::isfinite(step) && step * sign > 0.0 ? step : 0.0;
  };
  auto converged = [&](double width) { return width * line.reach() <= kRelativeTolerance * line.size(); };

  // 1. Bracket: lo is on the start side of the root, hi past it. Newton steps, or doubling steps from a first
  // guess of the scale of the states, towards the root until g changes sign.
  double lo = 0.0, x = 0.0;
  double step = newton();
  if (step == 0.0) step = sign * std::max(line.size(), 1.0) / line.reach();
  int evaluations = 0;
  for (; evaluations < kMaxEvaluations; ++evaluations) {
    line.go(lo + step);
    x = lo + step;
    if (line.g() == 0.0) return {};
    if (!std::isfinite(line.g())) {  // beyond where the rate is defined: a shorter step
      step /= 2.0;
      continue;
    }
    if (line.g() * sign < 0.0) break;
    lo = x;
    if (converged(std::abs(step))) return {};  // Newton from one side
    const double next = newton();
    step = next != 0.0 ? next : 2.0 * step;
  }
  if (evaluations == kMaxEvaluations)
    return fmt::format(
        "fast reaction '{}' cannot reach equilibrium at t = {}: its rate keeps the sign of {} "
        "along the reaction",
        fast.name, t, g0);

  // 2. Newton's method inside [lo, hi], bisecting when a step would leave it.
  double hi = x;
  for (; evaluations < kMaxEvaluations; ++evaluations) {
    double next = x - line.g() / line.slope();
    if (!std::isfinite(next) || (next - lo) * (next - hi) >= 0.0) next = 0.5 * (lo + hi);
    if (next == lo || next == hi) return {};  // the bracket is as narrow as doubles allow
    const double moved = std::abs(next - x);
    line.go(next);
    x = next;
    if (line.g() == 0.0) return {};
    if (!std::isfinite(line.g()))
      return fmt::format(
          "fast reaction '{}' cannot reach equilibrium at t = {}: its rate is {} between two "
          "states where it is finite",
          fast.name, t, line.g());
    (line.g() * sign > 0.0 ? lo : hi) = x;
    if (converged(std::min(moved, std::abs(hi - lo)))) return {};
  }
  return fmt::format("fast reaction '{}' did not reach equilibrium at t = {} in {} evaluations", fast.name, t,
                     kMaxEvaluations);
}

}  // namespace tolsim::detail
