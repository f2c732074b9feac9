#include "tolsim/stats/survival.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

namespace tolsim::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// S at the median may be 0.5 in exact arithmetic but a product of fractions in floating point; within this
// relative distance of 0.5 it counts as reached.
constexpr double kMedianTolerance = 1e-12;

// Pivots of the log-rank covariance below this fraction of its largest diagonal entry are treated as zero (a
// group with nobody at risk at any event time contributes exactly zero rows).
constexpr double kRankTolerance = 1e-10;

void check_subjects(const char* function, std::span<const double> time,
                    std::span<const unsigned char> event) {
  if (time.size() != event.size())
    throw std::invalid_argument(
        fmt::format("{}: time has {} values but event has {}: must have one per subject", function,
                    time.size(), event.size()));
  if (time.empty()) throw std::invalid_argument(fmt::format("{}: no subjects: needs at least one", function));
  for (std::size_t i = 0; i < time.size(); ++i) {
    if (!(std::isfinite(time[i]) && time[i] >= 0.0))
      throw std::invalid_argument(
          fmt::format("{}: time[{}] = {}: must be finite and >= 0", function, i, time[i]));
    if (event[i] > 1)
      throw std::invalid_argument(fmt::format("{}: event[{}] = {}: must be 0 (censored) or 1 (event)",
                                              function, i, static_cast<int>(event[i])));
  }
}

// Subject indices ordered by time. Ties need no further order: all subjects at a time are counted at risk before
// any of them leaves, which is what "events before censorings" means.
std::vector<std::size_t> order_by_time(std::span<const double> time) {
  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return time[i] < time[j]; });
  return order;
}

// U' V^- U for a symmetric positive semi-definite V, by an LDL' factorisation that drops pivots which are zero up to
// rounding; for U in the column space of V the result does not depend on which generalised inverse is used.
// Returns the quadratic form and the rank of V.
std::pair<double, int> quadratic_form(std::vector<std::vector<double>> v, std::vector<double> u) {
  const std::size_t m = u.size();
  double largest = 0.0;
  for (std::size_t i = 0; i < m; ++i) largest = std::max(largest, v[i][i]);
  const double tolerance = kRankTolerance * largest;
  std::vector<bool> kept(m, false);
  int rank = 0;
  // Right-looking LDL' on the lower triangle: after step i, column i below the diagonal holds L and v[i][i] holds D.
  // A dropped pivot leaves its column out of every later update, as if that row and column were zero.
  std::vector<double> column(m);
  for (std::size_t i = 0; i < m; ++i) {
    if (!(v[i][i] > tolerance)) continue;
    kept[i] = true;
    ++rank;
    for (std::size_t j = i + 1; j < m; ++j) column[j] = v[j][i];
    for (std::size_t j = i + 1; j < m; ++j) {
      const double l = column[j] / v[i][i];
      for (std::size_t k = i + 1; k <= j; ++k) v[j][k] -= l * column[k];
      v[j][i] = l;
    }
  }
  // Forward substitution L y = u over the kept pivots, then sum y_i^2 / D_i.
  double form = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    if (!kept[i]) continue;
    for (std::size_t j = i + 1; j < m; ++j) u[j] -= v[j][i] * u[i];
    form += u[i] * u[i] / v[i][i];
  }
  return {form, rank};
}

}  // namespace

KaplanMeier kaplan_meier(std::span<const double> time, std::span<const unsigned char> event,
                         double confidence) {
  check_subjects("stats::kaplan_meier", time, event);
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument(
        fmt::format("stats::kaplan_meier: confidence = {}: must be in (0, 1)", confidence));
  const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + confidence / 2.0);

  KaplanMeier km;
  const int n = static_cast<int>(time.size());
  km.time.push_back(0.0);
  km.survival.push_back(1.0);
  km.lower.push_back(1.0);
  km.upper.push_back(1.0);
  km.at_risk.push_back(n);
  km.events.push_back(0);

  const std::vector<std::size_t> order = order_by_time(time);
  double s = 1.0;
  double greenwood = 0.0;  // sum of d / (n (n - d)) so far
  int at_risk = n;
  for (std::size_t first = 0; first < order.size();) {
    const double t = time[order[first]];
    std::size_t last = first;
    int deaths = 0;
    for (; last < order.size() && time[order[last]] == t; ++last) deaths += event[order[last]];
    if (deaths > 0) {
      s *= 1.0 - static_cast<double>(deaths) / at_risk;
      km.time.push_back(t);
      km.survival.push_back(s);
      km.at_risk.push_back(at_risk);
      km.events.push_back(deaths);
      if (deaths < at_risk) {
        greenwood += static_cast<double>(deaths) / (static_cast<double>(at_risk) * (at_risk - deaths));
        const double se = std::sqrt(greenwood) / std::abs(std::log(s));
        km.lower.push_back(std::pow(s, std::exp(z * se)));
        km.upper.push_back(std::pow(s, std::exp(-z * se)));
      } else {
        // S = 0: log(-log S) does not exist, and neither does this interval (R and Stata leave it empty too).
        km.lower.push_back(kNaN);
        km.upper.push_back(kNaN);
      }
      if (std::isnan(km.median) && s <= 0.5 * (1.0 + kMedianTolerance)) km.median = t;
    }
    at_risk -= static_cast<int>(last - first);
    first = last;
  }
  return km;
}

LogRank log_rank(std::span<const double> time, std::span<const unsigned char> event,
                 std::span<const int> group) {
  check_subjects("stats::log_rank", time, event);
  if (group.size() != time.size())
    throw std::invalid_argument(
        fmt::format("stats::log_rank: group has {} values but time has {}: must have one per subject",
                    group.size(), time.size()));
  std::map<int, std::size_t> index_of;  // label -> 0..k-1 in ascending label order
  for (const int g : group) index_of.emplace(g, 0);
  if (index_of.size() < 2)
    throw std::invalid_argument(
        fmt::format("stats::log_rank: all subjects are in group {}: needs at least 2 groups", group.front()));
  std::size_t next = 0;
  for (auto& [label, index] : index_of) index = next++;
  const std::size_t k = index_of.size();
  std::vector<std::size_t> group_index(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) group_index[i] = index_of.at(group[i]);

  std::vector<double> at_risk(k, 0.0);
  for (const std::size_t g : group_index) at_risk[g] += 1.0;
  // Observed minus expected, and the covariance, of the first k - 1 groups (the last is determined by them).
  const std::size_t m = k - 1;
  std::vector<double> u(m, 0.0);
  std::vector<std::vector<double>> v(m, std::vector<double>(m, 0.0));
  std::vector<double> deaths(k), leaving(k);
  double total_events = 0.0;

  const std::vector<std::size_t> order = order_by_time(time);
  for (std::size_t first = 0; first < order.size();) {
    const double t = time[order[first]];
    std::fill(deaths.begin(), deaths.end(), 0.0);
    std::fill(leaving.begin(), leaving.end(), 0.0);
    std::size_t last = first;
    for (; last < order.size() && time[order[last]] == t; ++last) {
      const std::size_t i = order[last];
      deaths[group_index[i]] += event[i];
      leaving[group_index[i]] += 1.0;
    }
    const double d = std::accumulate(deaths.begin(), deaths.end(), 0.0);
    const double n = std::accumulate(at_risk.begin(), at_risk.end(), 0.0);
    if (d > 0.0) {
      total_events += d;
      for (std::size_t j = 0; j < m; ++j) u[j] += deaths[j] - d * at_risk[j] / n;
      // Hypergeometric covariance of the d deaths among the n at risk; zero when only one subject is at risk.
      if (n > 1.0) {
        const double w = d * (n - d) / (n * n * (n - 1.0));
        for (std::size_t j = 0; j < m; ++j)
          for (std::size_t l = 0; l < m; ++l)
            v[j][l] += w * ((j == l ? n * at_risk[j] : 0.0) - at_risk[j] * at_risk[l]);
      }
    }
    for (std::size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
    first = last;
  }

  LogRank result;
  if (total_events == 0.0) {
    result.chi_square = kNaN;
    result.df = 0;
    result.p = kNaN;
    return result;
  }
  const auto [chi_square, rank] = quadratic_form(std::move(v), std::move(u));
  result.chi_square = chi_square;
  result.df = rank;
  result.p = rank == 0 ? kNaN
                       : boost::math::cdf(boost::math::complement(
                             boost::math::chi_squared_distribution<double>(rank), std::max(0.0, chi_square)));
  return result;
}

}  // namespace tolsim::stats
