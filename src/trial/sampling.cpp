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

namespace {

// The spread of a parameter's distribution (sigma of the log, or sd), 0 for none.
double spread(const model::Variability& v, double value) {
  using D = model::Variability::Distribution;
  switch (v.distribution) {
    case D::kLogNormal:
      return v.sigma ? *v.sigma : std::sqrt(std::log1p(v.cv.value_or(0.0) * v.cv.value_or(0.0)));
    case D::kNormal:
      return v.sd ? *v.sd : v.cv.value_or(0.0) * std::abs(value);
    case D::kUniform:
      return 1.0;
  }
  return 0.0;
}

}  // namespace

double parameter_at(const model::Variability& v, double value, double u) {
  using D = model::Variability::Distribution;
  const double lower = v.lower.value_or(-kInf), upper = v.upper.value_or(kInf);
  const double scale = spread(v, value);
  if (!(scale > 0)) return value;
  switch (v.distribution) {
    case D::kLogNormal: {
      const double a = lower > 0 ? (std::log(lower) - std::log(value)) / scale : -kInf;
      const double b = std::isfinite(upper) ? (std::log(upper) - std::log(value)) / scale : kInf;
      return value * std::exp(scale * truncated_normal_at(a, b, u));
    }
    case D::kNormal:
      return value + scale * truncated_normal_at((lower - value) / scale, (upper - value) / scale, u);
    case D::kUniform:
      return lower + (upper - lower) * u;
  }
  return value;
}

double sample_parameter(const model::Variability& v, double value, RandomStream& s) {
  if (!(spread(v, value) > 0)) return value;  // nothing to draw: no number is taken from the stream
  return parameter_at(v, value, s.uniform());
}

}  // namespace tolsim::trial::detail
