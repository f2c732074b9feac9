#include "tolsim/stats/continuous.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/students_t.hpp>

namespace tolsim::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void check_confidence(const char* function, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument(fmt::format("{}: confidence = {}: must be in (0, 1)", function, confidence));
}

void check_values(const char* function, const char* name, std::span<const double> values,
                  std::size_t minimum) {
  if (values.size() < minimum)
    throw std::invalid_argument(
        fmt::format("{}: {} has {} values: needs at least {}", function, name, values.size(), minimum));
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw std::invalid_argument(
          fmt::format("{}: {}[{}] = {}: must be finite", function, name, i, values[i]));
}

// Upper (1 + confidence)/2 quantile of Student's t, written as the reference script writes it.
double t_quantile(double df, double confidence) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), 0.5 + confidence / 2.0);
}

struct Moments {
  double mean = 0.0;
  double variance = 0.0;  // divisor n - 1
};

// Two passes: the mean, corrected by the mean residual (which cancels most of the rounding of the first sum), then
// the sum of squared residuals, which unlike sum(x^2) - n mean^2 cannot cancel catastrophically.
Moments moments(std::span<const double> values) {
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (const double x : values) sum += x;
  double mean = sum / n;
  double residual = 0.0;
  for (const double x : values) residual += x - mean;
  mean += residual / n;
  double squares = 0.0;
  for (const double x : values) squares += (x - mean) * (x - mean);
  return {mean, squares / (n - 1.0)};
}

}  // namespace

Summary summarize(std::span<const double> values, double confidence) {
  check_values("stats::summarize", "values", values, 2);
  check_confidence("stats::summarize", confidence);
  const Moments m = moments(values);
  Summary result;
  result.n = static_cast<int>(values.size());
  result.mean = m.mean;
  result.sd = std::sqrt(m.variance);
  const double half =
      t_quantile(result.n - 1, confidence) * result.sd / std::sqrt(static_cast<double>(result.n));
  result.ci = {result.mean - half, result.mean + half};
  return result;
}

WelchTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence) {
  check_values("stats::welch_t_test", "a", a, 2);
  check_values("stats::welch_t_test", "b", b, 2);
  check_confidence("stats::welch_t_test", confidence);
  const Moments ma = moments(a);
  const Moments mb = moments(b);
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const double va = ma.variance / na;  // squared standard error of each mean
  const double vb = mb.variance / nb;
  const double se2 = va + vb;

  WelchTest result;
  result.difference = ma.mean - mb.mean;
  if (se2 == 0.0) {
    // Both samples constant: see the header for why this is t = +-inf, p = 0 when the means differ.
    result.ci = {result.difference, result.difference};
    result.df = kNaN;
    result.t = result.difference == 0.0 ? kNaN : std::copysign(kInf, result.difference);
    result.p = result.difference == 0.0 ? kNaN : 0.0;
    return result;
  }
  const double se = std::sqrt(se2);
  result.t = result.difference / se;
  // Welch-Satterthwaite: the df of a chi-square matching the first two moments of va + vb. Scaled by the larger
  // term so that squaring tiny variances cannot underflow.
  const double scale = std::max(va, vb);
  const double sa = va / scale, sb = vb / scale;
  result.df = (sa + sb) * (sa + sb) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
  const boost::math::students_t_distribution<double> t_dist(result.df);
  result.p = 2.0 * boost::math::cdf(boost::math::complement(t_dist, std::abs(result.t)));
  const double half = t_quantile(result.df, confidence) * se;
  result.ci = {result.difference - half, result.difference + half};
  return result;
}

TTest paired_t_test(std::span<const double> a, std::span<const double> b, double confidence) {
  check_values("stats::paired_t_test", "a", a, 2);
  check_values("stats::paired_t_test", "b", b, 2);
  check_confidence("stats::paired_t_test", confidence);
  if (a.size() != b.size())
    throw std::invalid_argument(fmt::format(
        "stats::paired_t_test: a has {} values and b {}: pairs need equal lengths", a.size(), b.size()));
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  const Moments m = moments(d);
  const double n = static_cast<double>(d.size());
  TTest result;
  result.difference = m.mean;
  result.df = n - 1.0;
  const double se = std::sqrt(m.variance / n);
  if (se == 0.0) {  // every difference equal: see welch_t_test
    result.ci = {result.difference, result.difference};
    result.t = result.difference == 0.0 ? kNaN : std::copysign(kInf, result.difference);
    result.p = result.difference == 0.0 ? kNaN : 0.0;
    return result;
  }
  result.t = result.difference / se;
  const boost::math::students_t_distribution<double> t_dist(result.df);
  result.p = 2.0 * boost::math::cdf(boost::math::complement(t_dist, std::abs(result.t)));
  const double half = t_quantile(result.df, confidence) * se;
  result.ci = {result.difference - half, result.difference + half};
  return result;
}

double quantile(std::span<const double> values, double q) {
  check_values("stats::quantile", "values", values, 1);
  if (!(q >= 0.0 && q <= 1.0))
    throw std::invalid_argument(fmt::format("stats::quantile: q = {}: must be in [0, 1]", q));
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto below = static_cast<std::size_t>(std::floor(h));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = h - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

}  // namespace tolsim::stats
