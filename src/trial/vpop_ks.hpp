// One-sample Kolmogorov-Smirnov statistic and p-value, private to virtual-population selection.
#pragma once

#include <span>

namespace tolsim::detail {

// D = sup |F_n(x) - F(x)| from the target CDF evaluated at the sample, sorted ascending: cdf_sorted[i] = F(x_(i)).
double vpop_ks_statistic(std::span<const double> cdf_sorted);

// P(D_n >= d) for a sample of n from a continuous distribution, two-sided.
// n <= kVpopKsExactLimit: the exact distribution by Marsaglia, Tsang & Wang (J Stat Softw 2003;8(18)), the same
// quantity as scipy.stats.kstwo.sf(d, n); larger n: Kolmogorov's limit with Stephens' correction,
// Q((sqrt(n) + 0.12 + 0.11/sqrt(n)) d) (Stephens 1970, JRSS B 32:115-122).
double vpop_ks_p_value(int n, double d);

// Kolmogorov's limiting survival function Q(x) = P(sup|B(t)| > x) of a Brownian bridge.
double vpop_kolmogorov_q(double x);

inline constexpr int kVpopKsExactLimit = 2000;

}  // namespace tolsim::detail
