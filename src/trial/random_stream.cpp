#include "trial/random_stream.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>

namespace tolsim::trial::detail {

RandomStream::RandomStream(std::uint64_t seed, Purpose purpose, std::uint64_t replicate,
                           std::uint64_t patient) {
  key_ = {{seed, static_cast<std::uint64_t>(purpose)}};
  counter_ = {{0, patient, replicate, 0}};
  block_ = {{0, 0, 0, 0}};
}

double RandomStream::uniform() {
  if (used_ == 4) {
    block_ = philox_(counter_, key_);
    ++counter_.v[0];
    used_ = 0;
  }
  // The top 53 bits, centred in their interval: (k + 0.5) / 2^53 lies strictly inside (0, 1).
  const std::uint64_t bits = block_.v[used_++] >> 11;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
}

double RandomStream::normal() {
  static const boost::math::normal_distribution<double> kStandard;
  return boost::math::quantile(kStandard, uniform());
}

double normal_cdf(double z) {
  static const boost::math::normal_distribution<double> kStandard;
  if (std::isinf(z)) return z < 0 ? 0.0 : 1.0;
  return boost::math::cdf(kStandard, z);
}

double truncated_normal_at(double a, double b, double u) {
  static const boost::math::normal_distribution<double> kStandard;
  const double fa = std::isinf(a) ? 0.0 : boost::math::cdf(kStandard, a);
  const double fb = std::isinf(b) ? 1.0 : boost::math::cdf(kStandard, b);
  double p = fa + u * (fb - fa);
  // Deep in a tail the two CDF values can be equal in double precision: fall back to the nearer bound.
  if (!(p > 0.0 && p < 1.0) || !(fb > fa)) return std::isinf(a) ? b : a;
  const double z = boost::math::quantile(kStandard, p);
  return std::min(std::max(z, a), b);
}

}  // namespace tolsim::trial::detail
