// Whole simulations: each shipped example with its scenario, as `tolsim simulate` runs it, with native kernels and
// with the interpreter.
//
// What one iteration times: simulate(model, setup) -- CVODES from t_start to t_end with the scenario's doses,
// output times and solver settings, collecting every output into a table. Loading the YAML, compiling the model
// and binding the scenario happen once, before timing (compile times are in bench_compile). The solver's
// counters of the last run are reported next to the time (steps, rhs and jacobian evaluations...), so that a
// change of speed can be told apart from a change of work.
//
// Figures and command lines: docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/solve/scenario.hpp"
#include "tolsim/solve/simulation.hpp"

namespace {

struct Case {
  std::string name;  // benchmark name: "<example>/<backend>"
  tolsim::CompiledModel model;
  tolsim::SimulationSetup setup;
};

std::string example(const std::string& file) {
  return std::string(TOLSIM_SOURCE_DIR) + "/examples/" + file;
}

std::unique_ptr<Case> make_case(const std::string& stem, tolsim::CompileOptions::Backend backend,
                                const std::string& backend_name) {
  auto c = std::make_unique<Case>();
  c->name = stem + "/" + backend_name;
  const tolsim::model::LoadedModel loaded = tolsim::model::load_model(example(stem + ".yaml"));
  tolsim::CompileOptions options;
  options.backend = backend;
  c->model = tolsim::compile_model(loaded.model, options);
  const tolsim::Scenario scenario = tolsim::load_scenario(example(stem + ".scenario.yaml"));
  c->setup = tolsim::make_setup(c->model, scenario);
  return c;
}

void run_simulation(benchmark::State& state, const Case& c) {
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
  // Counters of one run (every run does the same work), not rates.
  state.counters["steps"] = static_cast<double>(last.stats.steps);
  state.counters["rhs_evals"] = static_cast<double>(last.stats.rhs_evaluations);
  state.counters["jac_evals"] = static_cast<double>(last.stats.jacobian_evaluations);
  state.counters["err_fails"] = static_cast<double>(last.stats.error_test_failures);
  state.counters["restarts"] = static_cast<double>(last.stats.restarts);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::unique_ptr<Case>> cases;
  try {
    for (const char* stem : {"robertson", "pk-two-compartment", "immune-th17-treg"}) {
      cases.push_back(make_case(stem, tolsim::CompileOptions::Backend::kNative, "native"));
      cases.push_back(make_case(stem, tolsim::CompileOptions::Backend::kInterpreter, "interpreter"));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_robertson: setting up: %s\n", e.what());
    return 1;
  }
  for (const auto& c : cases) {
    const Case* p = c.get();
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
