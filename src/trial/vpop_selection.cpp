// Virtual-population selection by acceptance-rejection; the method and its choices are in docs/vpop-selection.md.
#include "tolsim/trial/vpop_selection.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include "trial/vpop_kde.hpp"
#include "trial/vpop_ks.hpp"

namespace tolsim::trial {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kShareTolerance = 1e-6;
constexpr double kCorrelationTolerance = 1e-9;
// Grid points of each of the two passes of the search over log s (coarse, then between the coarse best's neighbours).
constexpr int kSearchPoints = 129;
// Below this target mass inside the plausible range, the selected marginal cannot reach the target's tails.
constexpr double kCoverageWarning = 0.95;
constexpr int kFewSelected = 30;

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

// One marginal of the target: a normal or a piecewise-constant (histogram) density.
struct Marginal {
  bool normal = true;
  double mu = 0.0, sigma = 1.0;
  std::vector<double> edges, shares;

  double pdf(double x) const {
    if (normal) {
      const double z = (x - mu) / sigma;
      return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2.0 * std::numbers::pi));
    }
    if (x < edges.front() || x > edges.back()) return 0.0;
    // Upper bin edges are exclusive except the last, so that every point inside [front, back] has one bin.
    const auto upper = std::upper_bound(edges.begin(), edges.end(), x);
    const std::size_t bin =
        upper == edges.end() ? shares.size() - 1 : static_cast<std::size_t>(upper - edges.begin()) - 1;
    return shares[bin] / (edges[bin + 1] - edges[bin]);
  }
  double cdf(double x) const {
    if (normal) return normal_cdf((x - mu) / sigma);
    if (x <= edges.front()) return 0.0;
    if (x >= edges.back()) return 1.0;
    double below = 0.0;
    for (std::size_t b = 0; b < shares.size(); ++b) {
      if (x < edges[b + 1]) return below + shares[b] * (x - edges[b]) / (edges[b + 1] - edges[b]);
      below += shares[b];
    }
    return 1.0;
  }
  double mean() const {
    if (normal) return mu;
    double m = 0.0;
    for (std::size_t b = 0; b < shares.size(); ++b) m += shares[b] * 0.5 * (edges[b] + edges[b + 1]);
    return m;
  }
  // A histogram's density is uniform within each bin: variance = sum share * (width^2/12 + mid^2) - mean^2.
  double sd() const {
    if (normal) return sigma;
    double second = 0.0;
    for (std::size_t b = 0; b < shares.size(); ++b) {
      const double w = edges[b + 1] - edges[b], mid = 0.5 * (edges[b] + edges[b + 1]);
      second += shares[b] * (w * w / 12.0 + mid * mid);
    }
    const double m = mean();
    return std::sqrt(std::max(0.0, second - m * m));
  }
};

std::string label(const TargetMarginal& m, std::size_t j) {
  return fmt::format("target.marginals[{}]{}", j, m.name.empty() ? "" : " '" + m.name + "'");
}

void check_marginal(const TargetMarginal& m, std::size_t j, std::vector<std::string>& problems) {
  const std::string where = label(m, j);
  const bool has_normal = m.mean.has_value() || m.sd.has_value();
  const bool has_histogram = !m.edges.empty() || !m.shares.empty();
  if (has_normal == has_histogram) {
    problems.push_back(where +
                       ": give either mean and sd (a normal target) or edges and shares (a histogram)");
    return;
  }
  if (has_normal) {
    if (!m.mean || !m.sd) problems.push_back(where + ": a normal target needs both mean and sd");
    if (m.mean && !std::isfinite(*m.mean))
      problems.push_back(fmt::format("{}.mean = {}: must be finite", where, *m.mean));
    if (m.sd && !(std::isfinite(*m.sd) && *m.sd > 0.0))
      problems.push_back(fmt::format("{}.sd = {}: must be > 0 and finite", where, *m.sd));
    return;
  }
  if (m.edges.size() < 2 || m.shares.size() + 1 != m.edges.size()) {
    problems.push_back(fmt::format("{}: a histogram needs k+1 edges for k shares (got {} edges, {} shares)",
                                   where, m.edges.size(), m.shares.size()));
    return;
  }
  for (std::size_t b = 0; b < m.edges.size(); ++b) {
    if (!std::isfinite(m.edges[b]))
      problems.push_back(fmt::format("{}.edges[{}] = {}: must be finite", where, b, m.edges[b]));
    else if (b > 0 && !(m.edges[b] > m.edges[b - 1]))
      problems.push_back(fmt::format("{}.edges[{}] = {}: must be > edges[{}] = {} (strictly ascending)",
                                     where, b, m.edges[b], b - 1, m.edges[b - 1]));
  }
  double sum = 0.0;
  for (std::size_t b = 0; b < m.shares.size(); ++b) {
    if (!(std::isfinite(m.shares[b]) && m.shares[b] >= 0.0))
      problems.push_back(fmt::format("{}.shares[{}] = {}: must be >= 0 and finite", where, b, m.shares[b]));
    sum += m.shares[b];
  }
  if (std::isfinite(sum) && std::abs(sum - 1.0) > kShareTolerance)
    problems.push_back(
        fmt::format("{}.shares sum to {}: must sum to 1 within {}", where, sum, kShareTolerance));
}

void check_correlation(const SelectionTarget& target, std::vector<std::string>& problems) {
  const std::size_t k = target.marginals.size();
  const auto& r = target.correlation;
  if (r.empty()) return;
  for (std::size_t j = 0; j < k; ++j)
    if (!target.marginals[j].mean.has_value() && !target.marginals[j].sd.has_value()) {
      problems.push_back(
          fmt::format("target.correlation: allowed only when every marginal is normal; {} is a histogram",
                      label(target.marginals[j], j)));
      return;
    }
  if (r.size() != k * k) {
    problems.push_back(
        fmt::format("target.correlation has {} values: must be {} x {} = {}", r.size(), k, k, k * k));
    return;
  }
  bool entries_ok = true;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const double v = r[i * k + j];
      const std::string at = fmt::format("target.correlation[{}][{}] = {}", i, j, v);
      if (!std::isfinite(v))
        problems.push_back(at + ": must be finite");
      else if (i == j && std::abs(v - 1.0) > kCorrelationTolerance)
        problems.push_back(at + ": the diagonal must be 1");
      else if (std::abs(v) > 1.0)
        problems.push_back(at + ": must lie in [-1, 1]");
      else if (i < j && std::abs(v - r[j * k + i]) > kCorrelationTolerance)
        problems.push_back(fmt::format("{}: must equal [{}][{}] = {} (symmetric)", at, j, i, r[j * k + i]));
      else
        continue;
      entries_ok = false;
    }
  if (!entries_ok) return;
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      r.data(), static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(m, Eigen::EigenvaluesOnly);
  const double smallest = eigen.eigenvalues().minCoeff();
  if (!(smallest > 1e-10))
    problems.push_back(fmt::format(
        "target.correlation: not positive definite (smallest eigenvalue {:.3g}); observables cannot be "
        "that correlated at once",
        smallest));
}

std::vector<std::string> check_inputs(std::span<const double> plausible, int k, const SelectionTarget& target,
                                      std::span<const double> uniforms) {
  std::vector<std::string> problems;
  if (k < 1) problems.push_back(fmt::format("n_observables = {}: must be >= 1", k));
  if (static_cast<std::size_t>(std::max(k, 0)) != target.marginals.size())
    problems.push_back(fmt::format("n_observables = {} but target.marginals has {}: one marginal per column",
                                   k, target.marginals.size()));
  if (target.min_selected < 0)
    problems.push_back(fmt::format("target.min_selected = {}: must be >= 0", target.min_selected));
  for (std::size_t j = 0; j < target.marginals.size(); ++j) check_marginal(target.marginals[j], j, problems);
  check_correlation(target, problems);
  if (k < 1) return problems;
  const std::size_t ku = static_cast<std::size_t>(k);
  if (plausible.empty()) {
    problems.push_back("plausible: no plausible patients");
    return problems;
  }
  if (plausible.size() % ku != 0) {
    problems.push_back(
        fmt::format("plausible has {} values: not a multiple of n_observables = {}", plausible.size(), k));
    return problems;
  }
  const std::size_t n = plausible.size() / ku;
  if (uniforms.size() != n)
    problems.push_back(
        fmt::format("uniforms has {} values: must be one per plausible patient ({})", uniforms.size(), n));
  for (std::size_t i = 0; i < plausible.size(); ++i)
    if (!std::isfinite(plausible[i])) {
      problems.push_back(fmt::format("plausible[{}][{}] = {}: must be finite", i / ku, i % ku, plausible[i]));
      break;  // one is enough to say what is wrong; a failed run-in often leaves many
    }
  for (std::size_t i = 0; i < uniforms.size(); ++i)
    if (!(uniforms[i] >= 0.0 && uniforms[i] < 1.0)) {
      problems.push_back(fmt::format("uniforms[{}] = {}: must lie in [0, 1)", i, uniforms[i]));
      break;
    }
  if (problems.empty() && n >= 1) {
    for (std::size_t j = 0; j < ku; ++j) {
      const double first = plausible[j];
      bool spread = false;
      for (std::size_t i = 1; i < n && !spread; ++i) spread = plausible[i * ku + j] != first;
      if (!spread)
        problems.push_back(
            fmt::format("plausible column {} ({}): {} patient(s), all at {}; a density estimate needs spread",
                        j, label(target.marginals[j], j), n, first));
    }
  }
  return problems;
}

// The target density at one row: a correlated multivariate normal, or the product of the marginals.
class TargetDensity {
 public:
  TargetDensity(const SelectionTarget& target, std::vector<Marginal> marginals)
      : marginals_(std::move(marginals)) {
    const auto k = static_cast<Eigen::Index>(marginals_.size());
    if (!target.correlation.empty()) {
      const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> r(
          target.correlation.data(), k, k);
      lower_ = Eigen::LLT<Eigen::MatrixXd>(r).matrixL();
      log_norm_ = -0.5 * static_cast<double>(k) * std::log(2.0 * std::numbers::pi) -
                  lower_.diagonal().array().log().sum();
      for (const Marginal& m : marginals_) log_norm_ -= std::log(m.sigma);
      correlated_ = true;
    }
  }
  double operator()(const double* row) const {
    if (!correlated_) {
      double p = 1.0;
      for (std::size_t j = 0; j < marginals_.size(); ++j) p *= marginals_[j].pdf(row[j]);
      return p;
    }
    Eigen::VectorXd z(static_cast<Eigen::Index>(marginals_.size()));
    for (std::size_t j = 0; j < marginals_.size(); ++j)
      z[static_cast<Eigen::Index>(j)] = (row[j] - marginals_[j].mu) / marginals_[j].sigma;
    const Eigen::VectorXd w = lower_.triangularView<Eigen::Lower>().solve(z);
    return std::exp(log_norm_ - 0.5 * w.squaredNorm());
  }

 private:
  std::vector<Marginal> marginals_;
  bool correlated_ = false;
  Eigen::MatrixXd lower_;
  double log_norm_ = 0.0;
};

// Scores a scale s: the mean K-S statistic of the selected marginals against their targets (Allen et al. used the
// sum), from each column's target CDF pre-evaluated and pre-sorted, so that one score costs O(n k).
class Scorer {
 public:
  Scorer(std::vector<std::vector<double>> cdf_sorted, std::vector<std::vector<int>> order,
         const std::vector<double>& ratio, std::span<const double> uniforms)
      : cdf_sorted_(std::move(cdf_sorted)), order_(std::move(order)), ratio_(ratio), uniforms_(uniforms) {}

  // Patient i is selected when u_i < min(1, s r_i); the final selection uses this same rule.
  void select(double s, std::vector<char>& mask) const {
    mask.assign(ratio_.size(), 0);
    for (std::size_t i = 0; i < ratio_.size(); ++i)
      mask[i] = uniforms_[i] < std::min(1.0, s * ratio_[i]) ? 1 : 0;
  }
  // Returns {mean D, number selected}.
  std::pair<double, int> score(double s) const {
    select(s, mask_);
    const int m = static_cast<int>(std::count(mask_.begin(), mask_.end(), 1));
    if (m == 0) return {std::numeric_limits<double>::infinity(), 0};
    double total = 0.0;
    for (std::size_t j = 0; j < order_.size(); ++j) {
      buffer_.clear();
      for (std::size_t r = 0; r < order_[j].size(); ++r)
        if (mask_[static_cast<std::size_t>(order_[j][r])]) buffer_.push_back(cdf_sorted_[j][r]);
      total += detail::vpop_ks_statistic(buffer_);
    }
    return {total / static_cast<double>(order_.size()), m};
  }

 private:
  std::vector<std::vector<double>> cdf_sorted_;
  std::vector<std::vector<int>> order_;
  const std::vector<double>& ratio_;
  std::span<const double> uniforms_;
  mutable std::vector<char> mask_;
  mutable std::vector<double> buffer_;
};

struct Search {
  double scale = 0.0;
  double score = std::numeric_limits<double>::infinity();
};

// Log-spaced grid over [lo, hi], then a second grid between the best point's neighbours. The objective is a step
// function of s (the selection changes only where s crosses some u_i / r_i), so no derivative-based method applies;
// a fixed grid keeps the answer a deterministic function of the uniforms.
Search search_scale(const Scorer& scorer, double lo, double hi, int min_count) {
  Search best;
  auto grid = [&](double a, double b) {
    std::vector<double> s(kSearchPoints);
    const double la = std::log(a), lb = std::log(b);
    for (int g = 0; g < kSearchPoints; ++g)
      s[static_cast<std::size_t>(g)] =
          g == kSearchPoints - 1 ? b : std::exp(la + (lb - la) * g / (kSearchPoints - 1));
    return s;
  };
  auto scan = [&](const std::vector<double>& s) {
    int best_at = -1;
    for (std::size_t g = 0; g < s.size(); ++g) {
      const auto [score, count] = scorer.score(s[g]);
      if (count >= min_count && score < best.score) {  // strict: among equal scores the smallest s wins
        best = {s[g], score};
        best_at = static_cast<int>(g);
      }
    }
    return best_at;
  };
  const std::vector<double> coarse = grid(lo, hi);
  const int at = scan(coarse);
  if (at >= 0 && lo < hi) {
    const std::size_t a = static_cast<std::size_t>(std::max(at - 1, 0));
    const std::size_t b = static_cast<std::size_t>(std::min(at + 1, kSearchPoints - 1));
    scan(grid(coarse[a], coarse[b]));
  }
  return best;
}

double sample_mean(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = sample_mean(v);
  double ss = 0.0;
  for (const double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace

SelectionResult select_virtual_population(std::span<const double> plausible, int n_observables,
                                          const SelectionTarget& target, std::span<const double> uniforms) {
  if (const auto problems = check_inputs(plausible, n_observables, target, uniforms); !problems.empty()) {
    std::string text = "select_virtual_population: invalid input:";
    for (const auto& p : problems) text += "\n  " + p;
    throw std::invalid_argument(text);
  }
  const std::size_t k = static_cast<std::size_t>(n_observables);
  const std::size_t n = plausible.size() / k;
  std::vector<std::string> warnings;

  std::vector<Marginal> marginals;
  for (const TargetMarginal& t : target.marginals) {
    Marginal m;
    m.normal = t.mean.has_value();
    if (m.normal) {
      m.mu = *t.mean;
      m.sigma = *t.sd;
    } else {
      m.edges = t.edges;
      m.shares = t.shares;
    }
    marginals.push_back(std::move(m));
  }
  const TargetDensity target_density(target, marginals);

  const detail::VpopKde kde = detail::vpop_plausible_density(plausible, n_observables);
  if (kde.reference_points < static_cast<int>(n))
    warnings.push_back(fmt::format("the plausible density uses kernels on {} evenly spaced patients of {}",
                                   kde.reference_points, n));
  if (kde.diagonal)
    warnings.push_back(
        "the plausible observables are collinear; the density estimate uses a diagonal bandwidth");

  std::vector<double> ratio(n);
  for (std::size_t i = 0; i < n; ++i) ratio[i] = target_density(&plausible[i * k]) / kde.density[i];

  // Per column: the rows in ascending order of value and the target CDF there, for O(n) K-S statistics.
  std::vector<std::vector<int>> order(k);
  std::vector<std::vector<double>> cdf_sorted(k);
  for (std::size_t j = 0; j < k; ++j) {
    order[j].resize(n);
    std::iota(order[j].begin(), order[j].end(), 0);
    std::stable_sort(order[j].begin(), order[j].end(), [&](int a, int b) {
      return plausible[static_cast<std::size_t>(a) * k + j] < plausible[static_cast<std::size_t>(b) * k + j];
    });
    for (const int i : order[j])
      cdf_sorted[j].push_back(marginals[j].cdf(plausible[static_cast<std::size_t>(i) * k + j]));
  }
  const Scorer scorer(std::move(cdf_sorted), order, ratio, uniforms);

  SelectionResult result;
  // Patient i enters the selection once s exceeds its threshold u_i / r_i; only patients with r_i > 0 ever can.
  std::vector<double> thresholds;
  double r_max = 0.0, r_min = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i)
    if (ratio[i] > 0.0) {
      thresholds.push_back(uniforms[i] / ratio[i]);
      r_max = std::max(r_max, ratio[i]);
      r_min = std::min(r_min, ratio[i]);
    }
  const int reachable = static_cast<int>(thresholds.size());
  if (reachable == 0) {
    warnings.push_back("no plausible patient lies where the target has density: nothing can be selected");
  } else {
    std::sort(thresholds.begin(), thresholds.end());
    int min_count = std::min(std::max(target.min_selected, 2), reachable);
    if (target.min_selected > reachable)
      warnings.push_back(
          fmt::format("min_selected = {} cannot be met: only {} plausible patients lie where the target has "
                      "density; all are "
                      "selected",
                      target.min_selected, reachable));
    // Above 1/r_min every reachable patient has p = 1, so nothing changes; below the lower end fewer than
    // min_count are selected. The 1e-9 margins put the ends just past the thresholds they stand for.
    const double hi = (1.0 / r_min) * (1.0 + 1e-9);
    const double lo = std::min(
        hi, std::max(thresholds[static_cast<std::size_t>(min_count - 1)] * (1.0 + 1e-9), 1e-6 / r_max));
    result.scale = search_scale(scorer, lo, hi, min_count).scale;
  }

  result.probability.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    result.probability[i] = std::min(1.0, result.scale * ratio[i]);
    if (uniforms[i] < result.probability[i]) result.selected.push_back(static_cast<int>(i));
  }
  const int m = static_cast<int>(result.selected.size());
  if (m < target.min_selected && reachable >= target.min_selected)
    warnings.push_back(
        fmt::format("only {} patients selected, fewer than min_selected = {}", m, target.min_selected));
  if (m > 0 && m < kFewSelected)
    warnings.push_back(fmt::format("few patients selected ({}); the fit statistics are uncertain", m));

  for (std::size_t j = 0; j < k; ++j) {
    const Marginal& t = marginals[j];
    std::vector<double> column(n), chosen;
    for (std::size_t i = 0; i < n; ++i) column[i] = plausible[i * k + j];
    for (const int i : result.selected) chosen.push_back(column[static_cast<std::size_t>(i)]);
    std::sort(chosen.begin(), chosen.end());
    std::vector<double> cdf;
    for (const double x : chosen) cdf.push_back(t.cdf(x));
    MarginalFit fit{target.marginals[j].name,
                    t.mean(),
                    t.sd(),
                    sample_mean(chosen),
                    sample_sd(chosen),
                    sample_mean(column),
                    sample_sd(column),
                    kNaN,
                    kNaN};
    if (!chosen.empty()) {
      fit.ks_statistic = detail::vpop_ks_statistic(cdf);
      fit.ks_p_value = detail::vpop_ks_p_value(m, fit.ks_statistic);
    }
    const auto [lo_it, hi_it] = std::minmax_element(column.begin(), column.end());
    const double covered = t.cdf(*hi_it) - t.cdf(*lo_it);
    const std::string name = label(target.marginals[j], j);
    if (covered < kCoverageWarning)
      warnings.push_back(
          fmt::format("{}: only {:.0f}% of the target lies within the plausible range [{:.4g}, {:.4g}]", name,
                      100.0 * covered, *lo_it, *hi_it));
    if (fit.ks_p_value < 0.05)
      warnings.push_back(
          fmt::format("{}: the selected patients differ from the target (K-S D = {:.3g}, p = {:.2g})", name,
                      fit.ks_statistic, fit.ks_p_value));
    result.fit.push_back(std::move(fit));
  }
  for (std::size_t w = 0; w < warnings.size(); ++w) result.message += (w ? "\n" : "") + warnings[w];
  return result;
}

}  // namespace tolsim::trial
