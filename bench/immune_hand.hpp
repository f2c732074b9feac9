// examples/immune-th17-treg.yaml written by hand in C++: the right-hand side and its Jacobian, differentiated by
// hand. Shared by bench_kernels (kernel speed) and bench/peers/handwritten_cvodes.cpp (whole simulations with
// CVODES, the hand-written ceiling of bench/peers/run.sh). Nothing here comes from tolsim.
#pragma once

#include <array>
#include <cmath>

namespace immune_hand {

enum HandState : int { kTh17, kTreg, kIL6, kDrug, kHandStates };
constexpr std::array<const char*, kHandStates> kHandStateNames = {"Th17", "Treg", "IL6", "Drug"};

enum HandParameter : int {
  kN,
  kK17,
  kD17,
  kKreg,
  kDreg,
  kEC50,
  kHill,
  kKi,
  kS6,
  kK6,
  kKsupp,
  kKdeg,
  kCL,
  kKd,
  kSerum,
  kHandParameters
};
constexpr std::array<const char*, kHandParameters> kHandParameterNames = {
    "N", "k17", "d17", "kreg", "dreg", "EC50", "n", "Ki", "s6", "k6", "Ksupp", "kdeg", "CL", "Kd", "serum"};

// dy/dt, transcribed from the rate rules of examples/immune-th17-treg.yaml:
//   Th17: k17 * N * activation(IL6_signal, EC50, n) - d17 * Th17     activation(x, K, h) = x^h / (x^h + K^h)
//   Treg: kreg * N * Ki / (Ki + IL6_signal) - dreg * Treg
//   IL6:  s6 + k6 * Th17 / (1 + Treg / Ksupp) - kdeg * IL6
//   Drug: -(CL / serum) * Drug                                        IL6_signal = IL6 * Kd / (Kd + Drug)
// plus the infusion inputs u, as tolsim's rhs kernels add them. All four are species with rate rules, so y holds
// their own values (concentrations), not amounts.
[[gnu::noinline]] inline void hand_rhs(double /*t*/, const double* y, const double* q, const double* u,
                                       double* f) {
  const double il6_signal = y[kIL6] * q[kKd] / (q[kKd] + y[kDrug]);
  const double signal_h = std::pow(il6_signal, q[kHill]);
  const double activation = signal_h / (signal_h + std::pow(q[kEC50], q[kHill]));
  f[kTh17] = q[kK17] * q[kN] * activation - q[kD17] * y[kTh17] + u[kTh17];
  f[kTreg] = q[kKreg] * q[kN] * q[kKi] / (q[kKi] + il6_signal) - q[kDreg] * y[kTreg] + u[kTreg];
  f[kIL6] = q[kS6] + q[kK6] * y[kTh17] / (1.0 + y[kTreg] / q[kKsupp]) - q[kKdeg] * y[kIL6] + u[kIL6];
  f[kDrug] = -(q[kCL] / q[kSerum]) * y[kDrug] + u[kDrug];
}

// d(dy/dt)/dy, dense and column-major (J[i + j*4] = d f_i / d y_j) like tolsim's jacobian kernel, differentiated
// by hand. With s = IL6_signal and h = s^n / (s^n + EC50^n):
//   ds/dIL6 = Kd / (Kd + Drug)            ds/dDrug = -IL6 Kd / (Kd + Drug)^2
//   dh/ds   = n s^(n-1) EC50^n / (s^n + EC50^n)^2
[[gnu::noinline]] inline void hand_jacobian(double /*t*/, const double* y, const double* q,
                                            const double* /*u*/, double* jac) {
  const double kd_plus_drug = q[kKd] + y[kDrug];
  const double s = y[kIL6] * q[kKd] / kd_plus_drug;
  const double ds_dil6 = q[kKd] / kd_plus_drug;
  const double ds_ddrug = -y[kIL6] * q[kKd] / (kd_plus_drug * kd_plus_drug);
  const double s_h = std::pow(s, q[kHill]);
  const double ec50_h = std::pow(q[kEC50], q[kHill]);
  const double hill_denominator = s_h + ec50_h;
  const double dh_ds =
      q[kHill] * std::pow(s, q[kHill] - 1.0) * ec50_h / (hill_denominator * hill_denominator);
  const double ki_plus_s = q[kKi] + s;
  const double dtreg_ds = -q[kKreg] * q[kN] * q[kKi] / (ki_plus_s * ki_plus_s);
  const double suppression = 1.0 + y[kTreg] / q[kKsupp];
  auto at = [jac](int i, int j) -> double& { return jac[i + j * kHandStates]; };
  at(kTh17, kTh17) = -q[kD17];
  at(kTh17, kTreg) = 0.0;
  at(kTh17, kIL6) = q[kK17] * q[kN] * dh_ds * ds_dil6;
  at(kTh17, kDrug) = q[kK17] * q[kN] * dh_ds * ds_ddrug;
  at(kTreg, kTh17) = 0.0;
  at(kTreg, kTreg) = -q[kDreg];
  at(kTreg, kIL6) = dtreg_ds * ds_dil6;
  at(kTreg, kDrug) = dtreg_ds * ds_ddrug;
  at(kIL6, kTh17) = q[kK6] / suppression;
  at(kIL6, kTreg) = -q[kK6] * y[kTh17] / (suppression * suppression * q[kKsupp]);
  at(kIL6, kIL6) = -q[kKdeg];
  at(kIL6, kDrug) = 0.0;
  at(kDrug, kTh17) = 0.0;
  at(kDrug, kTreg) = 0.0;
  at(kDrug, kIL6) = 0.0;
  at(kDrug, kDrug) = -q[kCL] / q[kSerum];
}

}  // namespace immune_hand
