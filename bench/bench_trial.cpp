// A 10,000-patient x 365-day in-silico trial of the small immune example (bench/data/immune-trial.yaml), on one
// thread and on two. Reports patient-years simulated per second per core and the speed-up of two threads.
//
// What one iteration times: run_trial() -- sampling, randomisation, 10,000 one-year simulations with 13 infusions
// each, noise-free measurement, endpoints and statistics. Loading, compiling and binding happen once, before.
// TOLSIM_BENCH_PATIENTS overrides the patient count (e.g. for a quick look). Figures: docs/performance.md.
//
// BM_TrialStockSundials repeats the one-thread run with SUNDIALS' own (Debian-built, unoptimised) vector and dense
// operations instead of tolsim's bit-identical replacements (src/solve/sundials_ops.hpp), so that their effect is
// measured in the same run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "solve/sundials_ops.hpp"
#include "tolsim/trial/runner.hpp"
#include "tolsim/trial/spec.hpp"

namespace {

int patients() {
  const char* env = std::getenv("TOLSIM_BENCH_PATIENTS");
  return env ? std::atoi(env) : 10000;
}

const std::shared_ptr<const tolsim::trial::TrialDesign>& design() {
  static const auto d = tolsim::trial::bind_trial(
      tolsim::trial::load_trial_spec(std::string(TOLSIM_SOURCE_DIR) + "/bench/data/immune-trial.yaml"));
  return d;
}

void BM_Trial(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  tolsim::trial::RunOptions options;
  options.threads = threads;
  options.patients = patients();
  double years = 0.0;
  for (auto _ : state) {
    const auto result = tolsim::trial::run_trial(design(), options);
    years = static_cast<double>(result.replicates.at(0).patients.size()) * design()->spec.duration / 365.0;
    benchmark::DoNotOptimize(result.replicates.data());
  }
  state.counters["patient_years"] = years;
  state.counters["patient_years_per_s_per_core"] = benchmark::Counter(
      years * static_cast<double>(state.iterations()) / threads, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Trial)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_TrialStockSundials(benchmark::State& state) {
  tolsim::detail::set_fast_sundials_ops(false);
  BM_Trial(state);
  tolsim::detail::set_fast_sundials_ops(true);
}
BENCHMARK(BM_TrialStockSundials)
    ->Arg(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(3);

}  // namespace

BENCHMARK_MAIN();
