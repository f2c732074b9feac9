// Private: counter-based random streams for virtual patients.
//
// Philox4x64-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11; the Random123 library)
// maps a 256-bit counter and a 128-bit key to 256 random bits. A stream is keyed by (seed, purpose) and counts
// through (replicate, patient, draw), so the numbers a patient gets depend only on those values, never on which
// thread runs it or when. Distributions are computed here by inversion, so they are the same on every platform.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

namespace tolsim::trial::detail {

// What a stream is for: separate purposes never share numbers.
enum class Purpose : std::uint64_t {
  kCovariates = 1,
  kParameters = 2,
  kSelection = 3,
  kRandomisation = 4,
  kNoise = 5,
  kDropout = 6,
  kBaselineNoise = 7,  // the day-0 measurement when screening is on measured values
  kFluctuation = 8,    // the shared between-visit factor, one draw per visit
  kEntryExcess = 9,    // whether a patient enrolled with the entry excess (fluctuation `entry: share`)
};

// The quantile u in (0, 1) of a standard normal truncated to [a, b] (a < b, infinite allowed).
double truncated_normal_at(double a, double b, double u);

// The standard normal CDF.
double normal_cdf(double z);

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, Purpose purpose, std::uint64_t replicate, std::uint64_t patient);
  // Uniform in (0, 1): never exactly 0 or 1, so that log and inverse CDFs are finite.
  double uniform();
  double normal();  // standard normal by inversion of the CDF
  // Standard normal truncated to [a, b] (a < b, infinite allowed), by inversion.
  double truncated_normal(double a, double b) { return truncated_normal_at(a, b, uniform()); }

 private:
  r123::Philox4x64 philox_;
  r123::Philox4x64::ctr_type counter_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type block_;
  int used_ = 4;
};

}  // namespace tolsim::trial::detail
