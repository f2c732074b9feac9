// Trapezoidal AUC and TrialNet's mean C-peptide; conventions in include/tolsim/scores/cpeptide.hpp.
#include "tolsim/scores/cpeptide.hpp"

#include <cmath>
#include <cstddef>
#include <stdexcept>

#include <fmt/format.h>

namespace tolsim::scores {
namespace {

void require_curve(const char* function, const char* times_name, std::span<const double> times,
                   const char* values_name, std::span<const double> values) {
  if (times.size() != values.size())
    throw std::invalid_argument(fmt::format("{}: {}.size() = {}, {}.size() = {}: must be equal", function,
                                            times_name, times.size(), values_name, values.size()));
  if (times.size() < 2)
    throw std::invalid_argument(
        fmt::format("{}: {}.size() = {}: at least 2 points are needed", function, times_name, times.size()));
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (!std::isfinite(times[i]))
      throw std::invalid_argument(
          fmt::format("{}: {}[{}] = {}: must be finite", function, times_name, i, times[i]));
    if (!std::isfinite(values[i]))
      throw std::invalid_argument(
          fmt::format("{}: {}[{}] = {}: must be finite", function, values_name, i, values[i]));
    if (i > 0 && !(times[i] > times[i - 1]))
      throw std::invalid_argument(fmt::format("{}: {}[{}] = {}: must be greater than {}[{}] = {}", function,
                                              times_name, i, times[i], times_name, i - 1, times[i - 1]));
  }
}

double trapezoid_sum(std::span<const double> times, std::span<const double> values) {
  double area = 0.0;
  for (std::size_t i = 1; i < times.size(); ++i)
    area += (times[i] - times[i - 1]) * (values[i] + values[i - 1]) / 2.0;
  return area;
}

}  // namespace

double auc_trapezoid(std::span<const double> times, std::span<const double> values) {
  require_curve("auc_trapezoid", "times", times, "values", values);
  return trapezoid_sum(times, values);
}

double cpeptide_auc_mean(std::span<const double> times_min, std::span<const double> cpeptide_pmol_per_ml) {
  require_curve("cpeptide_auc_mean", "times_min", times_min, "cpeptide_pmol_per_ml", cpeptide_pmol_per_ml);
  for (std::size_t i = 0; i < cpeptide_pmol_per_ml.size(); ++i) {
    if (cpeptide_pmol_per_ml[i] < 0.0)
      throw std::invalid_argument(fmt::format(
          "cpeptide_auc_mean: cpeptide_pmol_per_ml[{}] = {}: must be >= 0", i, cpeptide_pmol_per_ml[i]));
  }
  const double duration_min = times_min.back() - times_min.front();
  return trapezoid_sum(times_min, cpeptide_pmol_per_ml) / duration_min;
}

}  // namespace tolsim::scores
