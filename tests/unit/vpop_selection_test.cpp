// Virtual-population selection (Allen, Rieger & Musante 2016). Expected values come from closed forms (normal and
// histogram densities, sampling errors of means, SDs, shares and correlations) or from scipy 1.10.1
// (/usr/bin/python3, Debian), with the call next to each value.
#include "tolsim/trial/vpop_selection.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using tolsim::trial::select_virtual_population;
using tolsim::trial::SelectionResult;
using tolsim::trial::SelectionTarget;
using tolsim::trial::TargetMarginal;

TargetMarginal normal(std::string name, double mean, double sd) {
  return {std::move(name), mean, sd, {}, {}};
}
TargetMarginal histogram(std::string name, std::vector<double> edges, std::vector<double> shares) {
  return {std::move(name), std::nullopt, std::nullopt, std::move(edges), std::move(shares)};
}

// Uniforms from mt19937_64, whose output sequence the C++ standard fixes; the 53-bit conversion is written out
// because std::uniform_real_distribution is not the same on every library.
std::vector<double> uniforms(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<double> u(n);
  for (double& v : u) v = static_cast<double>(engine() >> 11) * 0x1.0p-53;
  return u;
}

// x_i = 10 (i + 1/2) / n: a deterministic sample of Uniform(0, 10).
std::vector<double> uniform_grid(int n) {
  std::vector<double> x(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = 10.0 * (i + 0.5) / n;
  return x;
}

double selected_mean(const std::vector<double>& x, const SelectionResult& r, int k = 1, int col = 0) {
  double s = 0.0;
  for (const int i : r.selected) s += x[static_cast<std::size_t>(i * k + col)];
  return s / static_cast<double>(r.selected.size());
}
double selected_sd(const std::vector<double>& x, const SelectionResult& r, int k = 1, int col = 0) {
  const double m = selected_mean(x, r, k, col);
  double s = 0.0;
  for (const int i : r.selected) s += std::pow(x[static_cast<std::size_t>(i * k + col)] - m, 2);
  return std::sqrt(s / static_cast<double>(r.selected.size() - 1));
}

TEST(VpopSelection, UniformPlausibleToNormalTarget) {
  const int n = 2000;
  const std::vector<double> x = uniform_grid(n);
  const SelectionTarget target{{normal("crp", 5.0, 1.0)}, {}, 0};
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 20160317));
  const double m = static_cast<double>(r.selected.size());
  ASSERT_GE(m, 100.0);
  // Sampling errors of a normal sample of size m: SE(mean) = sd/sqrt(m), SE(sd) ~ sd/sqrt(2(m-1)); 3 SE each.
  EXPECT_NEAR(selected_mean(x, r), 5.0, 3.0 / std::sqrt(m));
  EXPECT_NEAR(selected_sd(x, r), 1.0, 3.0 / std::sqrt(2.0 * (m - 1.0)));
  EXPECT_DOUBLE_EQ(r.fit[0].target_mean, 5.0);
  EXPECT_DOUBLE_EQ(r.fit[0].target_sd, 1.0);
  // Uniform(0, 10): mean 5, SD sqrt(100/12) (the grid's n-1 SD differs by < 1e-3).
  EXPECT_NEAR(r.fit[0].plausible_mean, 5.0, 1e-12);
  EXPECT_NEAR(r.fit[0].plausible_sd, std::sqrt(100.0 / 12.0), 1e-3);
  EXPECT_GT(r.fit[0].ks_p_value, 0.05);
}

// Inside the grid the kernel estimate of a uniform sample is flat (the edges are > 4.7 bandwidths away), so
// p_i / p_j = phi(x_i) / phi(x_j) wherever neither is clipped at 1.
TEST(VpopSelection, AcceptanceRatioIsTheTargetDensityRatio) {
  const int n = 2000;
  const std::vector<double> x = uniform_grid(n);
  const SelectionTarget target{{normal("crp", 5.0, 1.0)}, {}, 0};
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 20160317));
  const auto phi = [](double v) { return std::exp(-0.5 * (v - 5.0) * (v - 5.0)); };
  const std::size_t ref = 700;  // x = 3.5025
  ASSERT_LT(r.probability[ref], 1.0);
  int compared = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool inside = (x[i] >= 3.0 && x[i] <= 4.0) || (x[i] >= 6.0 && x[i] <= 7.0);
    if (!inside) continue;
    ASSERT_LT(r.probability[i], 1.0) << "x = " << x[i];
    EXPECT_NEAR(r.probability[i] / r.probability[ref], phi(x[i]) / phi(x[ref]),
                1e-5 * phi(x[i]) / phi(x[ref]));
    ++compared;
  }
  EXPECT_EQ(compared, 400);
}

TEST(VpopSelection, MinSelectedIsRespected) {
  const int n = 2000;
  const std::vector<double> x = uniform_grid(n);
  const SelectionTarget target{{normal("crp", 5.0, 1.0)}, {}, 1500};
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 7));
  EXPECT_GE(r.selected.size(), 1500u);
}

TEST(VpopSelection, HistogramTarget) {
  const int n = 4000;
  const std::vector<double> x = uniform_grid(n);
  const std::vector<double> edges{2.0, 4.0, 6.0, 8.0}, shares{0.2, 0.5, 0.3};
  const SelectionTarget target{{histogram("das28", edges, shares)}, {}, 0};
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 42));
  const double m = static_cast<double>(r.selected.size());
  ASSERT_GE(m, 100.0);
  // Outside the histogram the target density is 0, so is the acceptance probability.
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] < 2.0 || x[i] > 8.0) {
      EXPECT_EQ(r.probability[i], 0.0) << "x = " << x[i];
    }
  }
  // Bin densities 0.2/2 and 0.3/2: the unclipped acceptance ratio between the outer bins is 2/3.
  const std::size_t low = 1200, high = 2800;  // x = 3.00125 and 7.00125
  ASSERT_LT(r.probability[high], 1.0);
  EXPECT_NEAR(r.probability[low] / r.probability[high], 2.0 / 3.0, 1e-4);
  // Shares of the selected patients per bin: binomial SE sqrt(q(1-q)/m), 3 SE.
  for (std::size_t b = 0; b < shares.size(); ++b) {
    int in = 0;
    for (const int i : r.selected)
      in += (x[static_cast<std::size_t>(i)] >= edges[b] && x[static_cast<std::size_t>(i)] < edges[b + 1]);
    const double q = shares[b];
    EXPECT_NEAR(in / m, q, 3.0 * std::sqrt(q * (1.0 - q) / m)) << "bin " << b;
  }
  // Piecewise-uniform density: mean = sum q * mid = 5.2; variance = sum q (w^2/12 + mid^2) - mean^2 = 2.2933...
  EXPECT_NEAR(r.fit[0].target_mean, 5.2, 1e-12);
  EXPECT_NEAR(r.fit[0].target_sd,
              std::sqrt(0.2 * (1.0 / 3 + 9) + 0.5 * (1.0 / 3 + 25) + 0.3 * (1.0 / 3 + 49) - 5.2 * 5.2),
              1e-12);
}

// The R2 quasi-random sequence (Roberts 2018; alpha = 1/g, 1/g^2 with g the plastic number) fills the square evenly.
std::vector<double> r2_square(int n, double half_width) {
  const double g = 1.32471795724474602596;
  std::vector<double> xy(2 * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    xy[2 * static_cast<std::size_t>(i)] = half_width * (2.0 * std::fmod(0.5 + (i + 1) / g, 1.0) - 1.0);
    xy[2 * static_cast<std::size_t>(i) + 1] =
        half_width * (2.0 * std::fmod(0.5 + (i + 1) / (g * g), 1.0) - 1.0);
  }
  return xy;
}

TEST(VpopSelection, CorrelatedNormalTarget) {
  const int n = 6400;
  const std::vector<double> xy = r2_square(n, 4.0);
  const double rho = 0.6;
  const SelectionTarget target{{normal("tnf", 0.0, 1.0), normal("il6", 0.0, 1.0)}, {1.0, rho, rho, 1.0}, 0};
  const SelectionResult r = select_virtual_population(xy, 2, target, uniforms(n, 2016));
  const double m = static_cast<double>(r.selected.size());
  ASSERT_GE(m, 100.0);
  const double mx = selected_mean(xy, r, 2, 0), my = selected_mean(xy, r, 2, 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (const int i : r.selected) {
    const double dx = xy[2 * static_cast<std::size_t>(i)] - mx,
                 dy = xy[2 * static_cast<std::size_t>(i) + 1] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // SE of a sample correlation ~ (1 - rho^2) / sqrt(m); 3 SE.
  EXPECT_NEAR(sxy / std::sqrt(sxx * syy), rho, 3.0 * (1.0 - rho * rho) / std::sqrt(m));
  EXPECT_NEAR(mx, 0.0, 3.0 / std::sqrt(m));
  EXPECT_NEAR(selected_sd(xy, r, 2, 1), 1.0, 3.0 / std::sqrt(2.0 * (m - 1.0)));
}

// When the plausible sample already follows the target (normal quantiles, K-S D = 1/(2n)), any thinning only adds
// sampling noise to D, so the best scale keeps (nearly) everyone.
TEST(VpopSelection, TargetEqualToPlausibleKeepsNearlyEveryone) {
  const int n = 2000;
  std::vector<double> x(n);
  const boost::math::normal standard;
  for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = boost::math::quantile(standard, (i + 0.5) / n);
  const SelectionTarget target{{normal("b_cells", 0.0, 1.0)}, {}, 0};
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 99));
  EXPECT_GE(r.selected.size(), static_cast<std::size_t>(0.95 * n));
}

// A fixed sample of 12, all selected (min_selected = 12, uniforms tiny so that no probability is clipped).
TEST(VpopSelection, KsAndKernelDensityAgreeWithScipy) {
  const std::vector<double> x{0.42, -1.3, 2.7, 1.05, 0.0, 3.9, -0.6, 1.8, 2.2, -2.4, 0.9, 1.4};
  const SelectionTarget target{{normal("x", 1.0, 2.0)}, {}, 12};
  const SelectionResult r = select_virtual_population(x, 1, target, std::vector<double>(12, 0.001));
  ASSERT_EQ(r.selected.size(), 12u);
  // scipy.stats.kstest(x, 'norm', args=(1.0, 2.0)) -> statistic, pvalue (method 'auto' = exact for one sample)
  EXPECT_NEAR(r.fit[0].ks_statistic, 0.11432920978935901, 1e-14);
  EXPECT_NEAR(r.fit[0].ks_p_value, 0.9922589211184931, 1e-10);
  // scipy.stats.gaussian_kde(x)(x) and scipy.stats.norm.pdf(x, 1.0, 2.0): p_i * kde_i / target_i is the scale s.
  const std::vector<double> kde{0.18841474891007023, 0.10632373648812773, 0.13396207008701427,
                                0.20117031277738961, 0.17060287134027205, 0.06468213519039794,
                                0.1402793901480722,  0.18557265430755668, 0.16520243846156876,
                                0.06092072655240719, 0.20011614353827822, 0.19815480973809046};
  const std::vector<double> pdf{0.19125728533146205, 0.10296813435998739, 0.13899244306549824,
                                0.19940881520819093, 0.17603266338214973, 0.06971528322268013,
                                0.1448457763807414,  0.18413507015166167, 0.16661230144589984,
                                0.04702453868844347, 0.19922195704738202, 0.19552134698772797};
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_LT(r.probability[i], 1.0);
    EXPECT_NEAR(r.probability[i] * kde[i] / pdf[i], r.scale, 1e-12 * r.scale) << "i = " << i;
  }
}

TEST(VpopSelection, CorrelatedTargetAndFullCovarianceKernelAgreeWithScipy) {
  const std::vector<double> xy{0.3, -0.5, 1.2, 0.1, -0.8, -0.9, 2.1, 0.6,  0.0, 0.0, -1.5, -0.4,
                               0.9, -1.1, 1.7, 0.9, -0.2, 0.4,  0.6, -0.3, 2.8, 0.2, -2.2, -1.3};
  const SelectionTarget target{{normal("a", 0.5, 1.5), normal("b", -0.2, 0.8)}, {1.0, 0.4, 0.4, 1.0}, 12};
  const SelectionResult r = select_virtual_population(xy, 2, target, std::vector<double>(12, 0.001));
  ASSERT_EQ(r.selected.size(), 12u);
  // scipy.stats.gaussian_kde(xy.T)(xy.T) (full-covariance Scott kernel)
  const std::vector<double> kde{0.13081297443010095, 0.13404451167420933, 0.09870828944200094,
                                0.09615220003225824, 0.11582667149414201, 0.07055837717062186,
                                0.04552408448359602, 0.07476299216442045, 0.07303305675061018,
                                0.14009892972656213, 0.05663554637879352, 0.06072793091447339};
  // scipy.stats.multivariate_normal([0.5, -0.2], [[1.5^2, 0.4*1.5*0.8], [0.4*1.5*0.8, 0.8^2]]).pdf(xy)
  const std::vector<double> pdf{0.1348624682477641,  0.12706918423807717, 0.08418572303405583,
                                0.06736887289776719, 0.12542536275576596, 0.05671621047645174,
                                0.05661080963248542, 0.05417494154392922, 0.07698538698929529,
                                0.142425491670879,   0.04432426594817042, 0.02218377854329633};
  for (std::size_t i = 0; i < kde.size(); ++i) {
    ASSERT_LT(r.probability[i], 1.0);
    EXPECT_NEAR(r.probability[i] * kde[i] / pdf[i], r.scale, 1e-12 * r.scale) << "i = " << i;
  }
}

// n = 3000 is beyond the exact K-S limit (2000): the p-value is Kolmogorov's limit with Stephens' correction, an
// approximation of the exact value; the statistic itself is exact. Also exercises a one-bin (uniform) histogram CDF.
TEST(VpopSelection, LargeSampleKsAgreesWithScipy) {
  const int n = 3000;
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  std::vector<double> x(n);
  for (int i = 1; i <= n; ++i)
    x[static_cast<std::size_t>(i - 1)] = 10.0 * std::pow(std::fmod(i * g, 1.0), 1.05);
  const SelectionTarget target{{histogram("u", {0.0, 10.0}, {1.0})}, {}, n};
  const SelectionResult r = select_virtual_population(x, 1, target, std::vector<double>(n, 0.001));
  ASSERT_EQ(r.selected.size(), static_cast<std::size_t>(n));
  // scipy.stats.kstest(10 * u**1.05, 'uniform', args=(0, 10)), u = [(i*g) % 1.0 for i in 1..3000]
  EXPECT_NEAR(r.fit[0].ks_statistic, 0.01838808786219015, 1e-14);
  EXPECT_NEAR(r.fit[0].ks_p_value, 0.2592309625392679, 0.003);
}

TEST(VpopSelection, WarnsWhenTheTargetLiesOutsideThePlausibleRange) {
  const int n = 500;
  const std::vector<double> x = uniform_grid(n);
  const SelectionTarget target{{normal("crp", 12.0, 1.0)}, {}, 0};  // Phi(-2) = 2.3% of it inside [0, 10]
  const SelectionResult r = select_virtual_population(x, 1, target, uniforms(n, 1));
  EXPECT_NE(r.message.find("within the plausible range"), std::string::npos) << r.message;
}

void expect_invalid(std::span<const double> plausible, int k, const SelectionTarget& target,
                    std::span<const double> u, const std::string& needle) {
  try {
    select_virtual_population(plausible, k, target, u);
    ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(VpopSelection, RejectsBadInput) {
  const std::vector<double> x{1.0, 2.0, 3.0, 4.0}, u{0.1, 0.2, 0.3, 0.4};
  const SelectionTarget ok{{normal("a", 2.0, 1.0)}, {}, 0};
  expect_invalid(x, 1, ok, std::vector<double>{0.1, 0.2}, "uniforms has 2 values");
  expect_invalid(x, 2, ok, std::vector<double>{0.1, 0.2}, "one marginal per column");
  expect_invalid(std::vector<double>{1.0, 2.0, 3.0}, 2, {{normal("a", 0, 1), normal("b", 0, 1)}, {}, 0}, u,
                 "not a multiple");
  expect_invalid(std::vector<double>{}, 1, ok, std::vector<double>{}, "no plausible patients");
  expect_invalid(x, 1, {{normal("a", 2.0, 0.0)}, {}, 0}, u, "sd = 0: must be > 0");
  expect_invalid(x, 1, {{normal("a", 2.0, -1.0)}, {}, 0}, u, "sd = -1: must be > 0");
  expect_invalid(std::vector<double>{1.0, NAN, 3.0, 4.0}, 1, ok, u, "plausible[1][0] = nan: must be finite");
  expect_invalid(x, 1, {{normal("a", NAN, 1.0)}, {}, 0}, u, "mean = nan");
  expect_invalid(x, 1, ok, std::vector<double>{0.1, 1.0, 0.3, 0.4}, "uniforms[1] = 1: must lie in [0, 1)");
  expect_invalid(x, 1, {{histogram("h", {0.0, 2.0, 1.0}, {0.5, 0.5})}, {}, 0}, u, "strictly ascending");
  expect_invalid(x, 1, {{histogram("h", {0.0, 1.0, 2.0}, {0.5, 0.6})}, {}, 0}, u, "must sum to 1");
  expect_invalid(x, 1, {{histogram("h", {0.0, 1.0}, {0.5, 0.5})}, {}, 0}, u, "k+1 edges for k shares");
  expect_invalid(x, 1, {{histogram("h", {0.0, 1.0, 2.0}, {1.5, -0.5})}, {}, 0}, u, "shares[1] = -0.5");
  expect_invalid(x, 1, {{{"a", 1.0, 1.0, {0.0, 1.0}, {1.0}}}, {}, 0}, u, "either mean and sd");
  expect_invalid(x, 1, {{{"a", 1.0, std::nullopt, {}, {}}}, {}, 0}, u, "needs both mean and sd");
  expect_invalid(x, 1, {{normal("a", 2.0, 1.0)}, {}, -1}, u, "min_selected = -1");
  expect_invalid(std::vector<double>{2.0, 2.0, 2.0, 2.0}, 1, ok, u, "needs spread");

  const std::vector<double> xy{1, 2, 2, 1, 3, 5, 4, 3}, u2{0.1, 0.2, 0.3, 0.4};
  const std::vector<TargetMarginal> two{normal("a", 0, 1), normal("b", 0, 1)};
  // Eigenvalues of [[1, r], [r, 1]] are 1 +- r: r = 1 is singular, so not positive definite.
  expect_invalid(xy, 2, {two, {1.0, 1.0, 1.0, 1.0}, 0}, u2, "not positive definite");
  expect_invalid(xy, 2, {two, {1.0, 0.5, 0.4, 1.0}, 0}, u2, "symmetric");
  expect_invalid(xy, 2, {two, {1.0, 0.5, 0.5}, 0}, u2, "must be 2 x 2");
  expect_invalid(xy, 2, {two, {2.0, 0.5, 0.5, 1.0}, 0}, u2, "the diagonal must be 1");
  expect_invalid(xy, 2, {{normal("a", 0, 1), histogram("h", {0, 1}, {1})}, {1.0, 0.5, 0.5, 1.0}, 0}, u2,
                 "only when every marginal is normal");
  // A 3 x 3 matrix with valid entries that is not positive definite: eigenvalues of the all-(-0.6) off-diagonal
  // matrix are 1 + 2(-0.6) = -0.2 and 1.6 (twice).
  const std::vector<double> xyz{1, 2, 3, 2, 1, 5, 3, 5, 1, 4, 3, 2};
  expect_invalid(xyz, 3,
                 {{normal("a", 0, 1), normal("b", 0, 1), normal("c", 0, 1)},
                  {1, -0.6, -0.6, -0.6, 1, -0.6, -0.6, -0.6, 1},
                  0},
                 u2, "smallest eigenvalue -0.2");
}

}  // namespace
