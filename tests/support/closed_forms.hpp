// Closed forms that more than one test checks a solution against, each with its derivation.
#pragma once

namespace tolsim::testing {

// X' = -k X(t - tau) with X = 1 up to t = 0 (held before the start), by the method of steps for 0 <= t <= 3 tau,
// with u = t - tau and v = t - 2 tau:
//   [0, tau]:       X = 1 - k t
//   [tau, 2 tau]:   X = 1 - k tau - k u + k^2 u^2 / 2
//   [2 tau, 3 tau]: X = X(2 tau) - k ((1 - k tau) v - k v^2 / 2 + k^2 v^3 / 6),  X(2 tau) = 1 - 2 k tau + k^2 tau^2 / 2
inline double delayed_decay(double k, double tau, double t) {
  if (t <= tau) return 1.0 - k * t;
  if (t <= 2 * tau) {
    const double u = t - tau;
    return 1.0 - k * tau - k * u + k * k * u * u / 2.0;
  }
  const double v = t - 2 * tau;
  const double at_2tau = 1.0 - 2.0 * k * tau + k * k * tau * tau / 2.0;
  return at_2tau - k * ((1.0 - k * tau) * v - k * v * v / 2.0 + k * k * v * v * v / 6.0);
}

}  // namespace tolsim::testing
