#include "tolsim/stats/proportion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

namespace tolsim::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Tables whose probability is within this relative distance of the observed one count as equally probable
// (R's fisher.test uses the same 1e-7), so that rounding in the recurrence cannot split exact ties.
constexpr double kFisherTieTolerance = 1e-7;

void check_confidence(const char* function, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument(fmt::format("{}: confidence = {}: must be in (0, 1)", function, confidence));
}

void check_count(const char* function, const char* name, int successes, const char* n_name, int n) {
  if (n < 0) throw std::invalid_argument(fmt::format("{}: {} = {}: must be >= 0", function, n_name, n));
  if (successes < 0 || successes > n)
    throw std::invalid_argument(
        fmt::format("{}: {} = {}: must be between 0 and {} = {}", function, name, successes, n_name, n));
}

// z with P(|Z| <= z) = confidence. The argument is written as the reference script writes it, so that both
// evaluate the quantile at the same double.
double two_sided_z(double confidence) {
  return boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + confidence / 2.0);
}

Interval wilson_interval(int successes, int n, double z) {
  const double x = successes;
  const double m = n;
  const double z2 = z * z;
  const double centre = (x + z2 / 2.0) / (m + z2);
  const double half = z / (m + z2) * std::sqrt(x * (m - x) / m + z2 / 4.0);
  // At 0/n and n/n the formula's limit is exactly 0 or 1; set it so rather than leave a rounding residue.
  return {successes == 0 ? 0.0 : std::max(0.0, centre - half),
          successes == n ? 1.0 : std::min(1.0, centre + half)};
}

// Pearson's X^2 = N (ad - bc)^2 / (r1 r2 c1 c2) of the 2x2 table and its 1-df p-value; NaN with an empty margin.
double chi_square_p(double a, double b, double c, double d) {
  const double r1 = a + b, r2 = c + d, c1 = a + c, c2 = b + d;
  if (r1 == 0.0 || r2 == 0.0 || c1 == 0.0 || c2 == 0.0) return kNaN;
  const double cross = a * d - b * c;
  const double x2 = (r1 + r2) * cross * cross / (r1 * r2 * c1 * c2);
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(1.0), x2));
}

}  // namespace

Proportion wilson(int successes, int n, double confidence) {
  check_count("stats::wilson", "successes", successes, "n", n);
  check_confidence("stats::wilson", confidence);
  Proportion result;
  result.successes = successes;
  result.n = n;
  if (n == 0) {
    result.estimate = kNaN;
    result.ci = {kNaN, kNaN};
    return result;
  }
  result.estimate = static_cast<double>(successes) / n;
  result.ci = wilson_interval(successes, n, two_sided_z(confidence));
  return result;
}

RiskDifference compare_proportions(int successes1, int n1, int successes2, int n2, double confidence) {
  check_count("stats::compare_proportions", "successes1", successes1, "n1", n1);
  check_count("stats::compare_proportions", "successes2", successes2, "n2", n2);
  check_confidence("stats::compare_proportions", confidence);
  RiskDifference result;
  result.p_fisher = fisher_exact_two_sided(successes1, n1 - successes1, successes2, n2 - successes2);
  result.p_chi_square = chi_square_p(successes1, n1 - successes1, successes2, n2 - successes2);
  if (n1 == 0 || n2 == 0) {
    result.estimate = kNaN;
    result.ci = {kNaN, kNaN};
    return result;
  }
  // Newcombe's method 10: each arm's distance to its own Wilson limit, combined in quadrature.
  const double z = two_sided_z(confidence);
  const double p1 = static_cast<double>(successes1) / n1;
  const double p2 = static_cast<double>(successes2) / n2;
  const Interval w1 = wilson_interval(successes1, n1, z);
  const Interval w2 = wilson_interval(successes2, n2, z);
  result.estimate = p1 - p2;
  result.ci.lower = result.estimate - std::hypot(p1 - w1.lower, w2.upper - p2);
  result.ci.upper = result.estimate + std::hypot(w1.upper - p1, p2 - w2.lower);
  return result;
}

double fisher_exact_two_sided(int a, int b, int c, int d) {
  const std::pair<const char*, int> cells[] = {{"a", a}, {"b", b}, {"c", c}, {"d", d}};
  for (const auto& [name, value] : cells)
    if (value < 0)
      throw std::invalid_argument(
          fmt::format("stats::fisher_exact_two_sided: {} = {}: must be >= 0", name, value));
  // The upper-left cell x of tables with the observed margins is hypergeometric on [lo, hi]. Probabilities are
  // built relative to the mode by the ratio of neighbours, P(x+1)/P(x) = (r1 - x)(c1 - x) / ((x + 1)(r2 - c1 + x + 1)),
  // so no factorial is ever formed and far tails underflow harmlessly to 0.
  const long long r1 = static_cast<long long>(a) + b;
  const long long r2 = static_cast<long long>(c) + d;
  const long long c1 = static_cast<long long>(a) + c;
  const long long total = r1 + r2;
  const long long lo = std::max(0LL, c1 - r2);
  const long long hi = std::min(r1, c1);
  if (lo == hi) return 1.0;
  const auto ratio = [&](long long x) {
    return static_cast<double>(r1 - x) * static_cast<double>(c1 - x) /
           (static_cast<double>(x + 1) * static_cast<double>(r2 - c1 + x + 1));
  };
  const long long mode = std::clamp((r1 + 1) * (c1 + 1) / (total + 2), lo, hi);
  std::vector<double> weight(static_cast<std::size_t>(hi - lo + 1), 0.0);
  const auto at = [&](long long x) -> double& { return weight[static_cast<std::size_t>(x - lo)]; };
  at(mode) = 1.0;
  for (long long x = mode; x < hi; ++x) at(x + 1) = at(x) * ratio(x);
  for (long long x = mode; x > lo; --x) at(x - 1) = at(x) / ratio(x - 1);

  const double observed = at(a) * (1.0 + kFisherTieTolerance);
  double sum_all = 0.0;
  double sum_extreme = 0.0;
  for (const double w : weight) {
    sum_all += w;
    if (w <= observed) sum_extreme += w;
  }
  return std::min(1.0, sum_extreme / sum_all);
}

Proportion power(std::span<const double> p_values, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument(fmt::format("stats::power: alpha = {}: must be in (0, 1)", alpha));
  int significant = 0;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    const double p = p_values[i];
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(fmt::format("stats::power: p_values[{}] = {}: must be in [0, 1]", i, p));
    if (p < alpha) ++significant;
  }
  if (p_values.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::invalid_argument(
        fmt::format("stats::power: {} p-values: too many to count in an int", p_values.size()));
  return wilson(significant, static_cast<int>(p_values.size()), 0.95);
}

}  // namespace tolsim::stats
