#include "trial/vpop_ks.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace tolsim::detail {
namespace {

// A square matrix whose true value is a * 10^exponent; the exponent keeps H^n representable for large n.
struct ScaledMatrix {
  int size = 0;
  std::vector<double> a;
  int exponent = 0;
};

constexpr double kRescaleAbove = 1e140;
constexpr int kRescaleDigits = 140;

ScaledMatrix multiply(const ScaledMatrix& x, const ScaledMatrix& y) {
  const int m = x.size;
  ScaledMatrix out{m, std::vector<double>(static_cast<std::size_t>(m) * m, 0.0), x.exponent + y.exponent};
  for (int i = 0; i < m; ++i) {
    for (int l = 0; l < m; ++l) {
      const double xil = x.a[static_cast<std::size_t>(i) * m + l];
      if (xil == 0.0) continue;
      const double* yrow = &y.a[static_cast<std::size_t>(l) * m];
      double* orow = &out.a[static_cast<std::size_t>(i) * m];
      for (int j = 0; j < m; ++j) orow[j] += xil * yrow[j];
    }
  }
  // The centre element is the one we need; keeping it near 1 keeps every element finite.
  const int centre = m / 2;
  if (out.a[static_cast<std::size_t>(centre) * m + centre] > kRescaleAbove) {
    for (double& v : out.a) v /= kRescaleAbove;
    out.exponent += kRescaleDigits;
  }
  return out;
}

ScaledMatrix power(const ScaledMatrix& h, int n) {
  if (n == 1) return h;
  const ScaledMatrix half = power(h, n / 2);
  ScaledMatrix squared = multiply(half, half);
  return n % 2 == 0 ? squared : multiply(h, squared);
}

// P(D_n < d) by the matrix formula of Marsaglia, Tsang & Wang (2003): with k = floor(n d) + 1, m = 2k - 1 and
// h = k - n d, the probability is n!/n^n times the (k, k) element of H^n, H the m x m matrix built below.
double exact_cdf(int n, double d) {
  const int k = static_cast<int>(n * d) + 1;
  const int m = 2 * k - 1;
  const double h = k - n * d;
  ScaledMatrix hm{m, std::vector<double>(static_cast<std::size_t>(m) * m, 0.0), 0};
  auto at = [&](int i, int j) -> double& { return hm.a[static_cast<std::size_t>(i) * m + j]; };
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) at(i, j) = (i - j + 1 >= 0) ? 1.0 : 0.0;
  for (int i = 0; i < m; ++i) {
    at(i, 0) -= std::pow(h, i + 1);
    at(m - 1, i) -= std::pow(h, m - i);
  }
  if (2.0 * h - 1.0 > 0.0) at(m - 1, 0) += std::pow(2.0 * h - 1.0, m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j)
      for (int g = 1; g <= i - j + 1; ++g) at(i, j) /= g;

  const ScaledMatrix q = power(hm, n);
  double s = q.a[static_cast<std::size_t>(k - 1) * m + (k - 1)];
  int exponent = q.exponent;
  for (int i = 1; i <= n; ++i) {  // times n!/n^n, rescaled as it shrinks
    s = s * i / n;
    if (s < 1.0 / kRescaleAbove) {
      s *= kRescaleAbove;
      exponent -= kRescaleDigits;
    }
  }
  return s * std::pow(10.0, exponent);
}

}  // namespace

double vpop_ks_statistic(std::span<const double> cdf_sorted) {
  const double n = static_cast<double>(cdf_sorted.size());
  double d = 0.0;
  for (std::size_t i = 0; i < cdf_sorted.size(); ++i) {
    const double f = cdf_sorted[i];
    d = std::max({d, (static_cast<double>(i) + 1.0) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

double vpop_kolmogorov_q(double x) {
  if (x <= 0.0) return 1.0;
  // Two series of the same function; each converges in a few terms on its side of x ~ 1.18.
  if (x < 1.18) {
    const double pi = std::numbers::pi;
    double sum = 0.0;
    for (int j = 1; j <= 10; ++j) {
      const double odd = 2.0 * j - 1.0;
      sum += std::exp(-odd * odd * pi * pi / (8.0 * x * x));
    }
    return std::clamp(1.0 - std::sqrt(2.0 * pi) / x * sum, 0.0, 1.0);
  }
  double sum = 0.0;
  for (int j = 1; j <= 100; ++j) {
    const double term = std::exp(-2.0 * j * j * x * x);
    sum += (j % 2 == 1 ? term : -term);
    if (term < 1e-300) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

double vpop_ks_p_value(int n, double d) {
  if (n <= 0 || !(d > 0.0)) return 1.0;
  if (d >= 1.0) return 0.0;
  const double rn = std::sqrt(static_cast<double>(n));
  if (n > kVpopKsExactLimit) return vpop_kolmogorov_q((rn + 0.12 + 0.11 / rn) * d);
  const double nd2 = n * d * d;
  // Far in the tail the matrix grows (m ~ 2 n d) while the answer is tiny; the paper's own tail formula is
  // accurate there (MTW 2003, section 3) and keeps the cost bounded.
  if (nd2 > 7.24 || (nd2 > 3.76 && n > 99))
    return std::min(1.0, 2.0 * std::exp(-(2.000071 + 0.331 / rn + 1.409 / n) * nd2));
  return std::clamp(1.0 - exact_cdf(n, d), 0.0, 1.0);
}

}  // namespace tolsim::detail
