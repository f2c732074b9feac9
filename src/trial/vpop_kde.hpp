// Gaussian kernel density estimate of the plausible population, private to virtual-population selection.
#pragma once

#include <span>
#include <vector>

namespace tolsim::detail {

// Up to this many plausible patients the estimate is the exact O(n^2 k) sum over all of them; beyond it the kernels
// sit on an evenly strided subset of this many patients (O(n * limit * k)), still evaluated at every patient.
inline constexpr int kVpopKdeExactLimit = 8192;

struct VpopKde {
  std::vector<double> density;  // f_plausible at each row
  int reference_points = 0;     // rows that carry a kernel (n, or kVpopKdeExactLimit when n is larger)
  double bandwidth_factor = 0;  // Scott's factor m^(-1/(k+4)) for m reference points
  bool diagonal = false;        // true when the sample covariance was singular and only its diagonal was used
};

// rows: n x k row-major, every column with positive sample variance (the caller checks, and names the column).
// Kernel covariance = factor^2 * sample covariance (Scott 1992; the same estimator as scipy.stats.gaussian_kde with
// its default bw_method='scott'), i.e. an isotropic Gaussian kernel on data whitened by the sample covariance.
VpopKde vpop_plausible_density(std::span<const double> rows, int k);

}  // namespace tolsim::detail
