#include "trial/vpop_kde.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <numbers>

namespace tolsim::detail {

VpopKde vpop_plausible_density(std::span<const double> rows, int k) {
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index n = static_cast<Eigen::Index>(rows.size()) / k;
  const Eigen::Map<const RowMatrix> x(rows.data(), n, k);

  VpopKde out;
  out.reference_points = static_cast<int>(std::min<Eigen::Index>(n, kVpopKdeExactLimit));
  const int m = out.reference_points;
  out.bandwidth_factor = std::pow(static_cast<double>(m), -1.0 / (k + 4.0));

  // The covariance uses every patient even when kernels sit on a subset: it is cheap and better estimated.
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const RowMatrix centred = x.rowwise() - mean;
  const Eigen::MatrixXd covariance = (centred.transpose() * centred) / static_cast<double>(n - 1);
  const double f2 = out.bandwidth_factor * out.bandwidth_factor;

  Eigen::MatrixXd lower;
  Eigen::LLT<Eigen::MatrixXd> llt(f2 * covariance);
  if (llt.info() == Eigen::Success) {
    lower = llt.matrixL();
  } else {
    // Collinear observables (e.g. one derived from another): a full-covariance kernel would be degenerate, so the
    // kernel falls back to each column's own spread.
    out.diagonal = true;
    lower = (f2 * covariance.diagonal()).cwiseSqrt().asDiagonal();
  }
  // Whitened points z = L^-1 x, so that the kernel is exp(-|z_i - z_j|^2 / 2).
  const RowMatrix z = lower.triangularView<Eigen::Lower>().solve(x.transpose()).transpose();
  const double log_det_lower = lower.diagonal().array().log().sum();
  const double norm =
      std::exp(-0.5 * k * std::log(2.0 * std::numbers::pi) - log_det_lower) / static_cast<double>(m);

  std::vector<Eigen::Index> reference(static_cast<std::size_t>(m));
  for (int j = 0; j < m; ++j)
    reference[static_cast<std::size_t>(j)] =
        static_cast<Eigen::Index>(static_cast<double>(j) * static_cast<double>(n) / static_cast<double>(m));

  out.density.assign(static_cast<std::size_t>(n), 0.0);
  const double* zd = z.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* zi = zd + i * k;
    double sum = 0.0;
    for (const Eigen::Index j : reference) {
      const double* zj = zd + j * k;
      double d2 = 0.0;
      for (int c = 0; c < k; ++c) {
        const double diff = zi[c] - zj[c];
        d2 += diff * diff;
      }
      sum += std::exp(-0.5 * d2);
    }
    out.density[static_cast<std::size_t>(i)] = norm * sum;
  }
  return out;
}

}  // namespace tolsim::detail
