#include "trial/sampling.hpp"

#include <cmath>
#include <limits>

namespace tolsim::trial::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// x = location + scale * z with z standard normal, truncated to x in [lower, upper].
double normal_in(double location, double scale, double lower, double upper, RandomStream& s) {
  return location + scale * s.truncated_normal((lower - location) / scale, (upper - location) / scale);
}

// x = median * exp(sigma * z), truncated to [lower, upper] (bounds > 0).
double lognormal_in(double median, double sigma, double lower, double upper, RandomStream& s) {
  const double a = lower > 0 ? (std::log(lower) - std::log(median)) / sigma : -kInf;
  const double b = std::isfinite(upper) ? (std::log(upper) - std::log(median)) / sigma : kInf;
  return median * std::exp(sigma * s.truncated_normal(a, b));
}

}  // namespace

double sample_covariate(const CovariateSpec& c, RandomStream& s) {
  const double lower = c.lower.value_or(-kInf), upper = c.upper.value_or(kInf);
  switch (c.kind) {
    case CovariateSpec::Kind::kFixed:
      return c.mean;
    case CovariateSpec::Kind::kNormal:
      return normal_in(c.mean, c.sd, lower, upper, s);
    case CovariateSpec::Kind::kLogNormal:
      return lognormal_in(c.mean, std::sqrt(std::log1p(c.cv * c.cv)), lower, upper, s);
    case CovariateSpec::Kind::kUniform:
      return lower + (upper - lower) * s.uniform();
    case CovariateSpec::Kind::kCategorical: {
      const double u = s.uniform();
      double cumulative = 0.0;
      for (std::size_t k = 0; k < c.levels.size(); ++k) {
        cumulative += c.levels[k].second;
        if (u < cumulative) return static_cast<double>(k);
      }
      return static_cast<double>(c.levels.size() - 1);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double sample_parameter(const model::Variability& v, double value, RandomStream& s) {
  using D = model::Variability::Distribution;
  const double lower = v.lower.value_or(-kInf), upper = v.upper.value_or(kInf);
  switch (v.distribution) {
    case D::kLogNormal: {
      const double sigma =
          v.sigma ? *v.sigma : std::sqrt(std::log1p(v.cv.value_or(0.0) * v.cv.value_or(0.0)));
      if (!(sigma > 0)) return value;
      return lognormal_in(value, sigma, lower, upper, s);
    }
    case D::kNormal: {
      const double sd = v.sd ? *v.sd : v.cv.value_or(0.0) * std::abs(value);
      if (!(sd > 0)) return value;
      return normal_in(value, sd, lower, upper, s);
    }
    case D::kUniform:
      return lower + (upper - lower) * s.uniform();
  }
  return value;
}

}  // namespace tolsim::trial::detail
