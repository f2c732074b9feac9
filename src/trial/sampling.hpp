// Private: drawing a virtual patient's covariates and parameters from their declared distributions.
#pragma once

#include <vector>

#include "tolsim/model/ir.hpp"
#include "tolsim/trial/spec.hpp"
#include "trial/random_stream.hpp"

namespace tolsim::trial::detail {

// One value of a covariate (categorical: the level's code 0, 1, ...). Truncated forms are sampled by inversion
// within the bounds, so a draw never needs retries.
double sample_covariate(const CovariateSpec& spec, RandomStream& stream);

// One value of a parameter whose typical value is `value` (docs/model-format.md: median of a lognormal, mean of a
// normal; truncated to [lower, upper] when bounds are given).
double sample_parameter(const model::Variability& v, double value, RandomStream& stream);

// The same distribution at quantile u in (0, 1): sample_parameter(v, value, s) is parameter_at(v, value,
// s.uniform()) when the distribution has a spread. Correlated parameters (a Gaussian copula) use it directly.
double parameter_at(const model::Variability& v, double value, double u);

}  // namespace tolsim::trial::detail
