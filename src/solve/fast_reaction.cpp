#include "solve/fast_reaction.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tolsim::detail {

std::string equilibrate(const CompiledFastReaction& fast, const FastKernel& kernel, double t,
                        std::vector<double>& y, std::size_t n_states, std::vector<double>& scratch) {
  scratch.resize(2 + n_states);
  constexpr int kMaxIterations = 50;
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    kernel(t, y.data(), scratch.data());
    const double g = scratch[0], slope = scratch[1];
    if (g == 0.0) return {};
    if (!std::isfinite(g) || !std::isfinite(slope) || slope == 0.0)
      return fmt::format(
          "fast reaction '{}' cannot reach equilibrium at t = {}: its rate is {} and its derivative along "
          "the "
          "reaction {}",
          fast.name, t, g, slope);
    const double extent = -g / slope;
    double change = 0.0, size = 0.0;
    for (std::size_t i = 0; i < n_states; ++i) {
      const double step = scratch[2 + i] * extent;
      y[i] += step;
      change = std::max(change, std::abs(step));
      if (scratch[2 + i] != 0.0) size = std::max(size, std::abs(y[i]));
    }
    if (change <= 1e-14 * size) return {};
  }
  return fmt::format("fast reaction '{}' did not reach equilibrium at t = {} in {} Newton steps", fast.name,
                     t, kMaxIterations);
}

}  // namespace tolsim::detail
