// Shared by the whole-simulation benchmarks (bench_robertson, bench_linear_solver): one model with one scenario,
// loaded, compiled and bound before timing, and the timed loop that simulates it.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim_bench {

struct SimulationCase {
  std::string name;  // the benchmark's name after "BM_simulate/"
  tolsim::CompiledModel model;
  tolsim::SimulationSetup setup;
};

// Paths relative to the source tree. `adjust` may change the scenario (solver settings) before it is bound.
inline std::unique_ptr<SimulationCase> make_case(std::string name, const std::string& model_file,
                                                 const std::string& scenario_file,
                                                 tolsim::CompileOptions::Backend backend,
                                                 const std::function<void(tolsim::Scenario&)>& adjust = {}) {
  const std::string root = std::string(TOLSIM_SOURCE_DIR) + "/";
  auto c = std::make_unique<SimulationCase>();
  c->name = std::move(name);
  const tolsim::model::LoadedModel loaded = tolsim::model::load_model(root + model_file);
  tolsim::CompileOptions options;
  options.backend = backend;
  c->model = tolsim::compile_model(loaded.model, options);
  tolsim::Scenario scenario = tolsim::load_scenario(root + scenario_file);
  if (adjust) adjust(scenario);
  c->setup = tolsim::make_setup(c->model, scenario);
  return c;
}

// The timed loop: one whole simulate() per iteration. The solver's counters of the last run (every run does the
// same work) are reported beside the time, so that a change of speed can be told apart from a change of work.
inline void run_simulation(benchmark::State& state, const SimulationCase& c) {
  tolsim::SolveSummary last;
  for (auto _ : state) {
    tolsim::SimulationResult result = tolsim::simulate(c.model, c.setup);
    benchmark::DoNotOptimize(result.values.data());
    benchmark::ClobberMemory();
    last = std::move(result.summary);
  }
  if (!last.ok()) {
    state.SkipWithError(("simulation failed: " + last.message).c_str());
    return;
  }
  state.counters["states"] = static_cast<double>(c.model.n_states());
  state.counters["jac_nonzeros"] = static_cast<double>(c.model.jacobian_positions.size());
  state.counters["steps"] = static_cast<double>(last.stats.steps);
  state.counters["rhs_evals"] = static_cast<double>(last.stats.rhs_evaluations);
  state.counters["jac_evals"] = static_cast<double>(last.stats.jacobian_evaluations);
  state.counters["err_fails"] = static_cast<double>(last.stats.error_test_failures);
  state.counters["restarts"] = static_cast<double>(last.stats.restarts);
}

// A whole benchmark program: `add_cases` fills the list (loading and compiling, which may throw), each case is
// registered as "BM_simulate/<case name>", timed in microseconds, and Google Benchmark runs them with the command
// line's options. Returns the program's exit code.
inline int run_cases(int argc, char** argv, const char* program,
                     const std::function<void(std::vector<std::unique_ptr<SimulationCase>>&)>& add_cases) {
  std::vector<std::unique_ptr<SimulationCase>> cases;
  try {
    add_cases(cases);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: setting up: %s\n", program, e.what());
    return 1;
  }
  for (const auto& c : cases) {
    const SimulationCase* p = c.get();
    benchmark::RegisterBenchmark(("BM_simulate/" + c->name).c_str(), [p](benchmark::State& state) {
      run_simulation(state, *p);
    })->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tolsim_bench
