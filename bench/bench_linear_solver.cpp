// Dense LU against sparse LU (KLU) as CVODES' linear solver, by model size.
//
// What one iteration times: simulate(model, setup) with native kernels, once with `linear_solver: dense` and once
// with `sparse`, everything else equal. Loading, compiling and binding happen once, before timing. The models:
//   immune-th17-treg   examples/, 4 states, its scenario (three infusions, one year)
//   immune-core        models/immune-core.yaml, 30 states, ten years without doses
//   ra                 models/ra.yaml, 53 states, 7.5 years then 104 weekly methotrexate doses
//                      (bench/data/ra-methotrexate.scenario.yaml: one patient's run-in in OPTION)
// The solver's counters are reported beside the time; both solvers should do nearly the same work (they differ
// only in rounding), so the time ratio is the cost of the linear algebra. SolverOptions::kSparseFromStates, the
// size from which `auto` picks sparse, is set from these figures (docs/performance.md).
#include <benchmark/benchmark.h>

#include <cstdio>
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
  std::string name;
  tolsim::CompiledModel model;
  tolsim::SimulationSetup setup;
};

std::string source(const std::string& relative) {
  return std::string(TOLSIM_SOURCE_DIR) + "/" + relative;
}

std::unique_ptr<Case> make_case(const std::string& name, const std::string& model_file,
                                const std::string& scenario_file, tolsim::SolverOptions::LinearSolver solver,
                                const std::string& solver_name) {
  auto c = std::make_unique<Case>();
  c->name = name + "/" + solver_name;
  const tolsim::model::LoadedModel loaded = tolsim::model::load_model(source(model_file));
  tolsim::CompileOptions options;
  options.backend = tolsim::CompileOptions::Backend::kNative;
  c->model = tolsim::compile_model(loaded.model, options);
  tolsim::Scenario scenario = tolsim::load_scenario(source(scenario_file));
  scenario.solver.linear_solver = solver;
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
  state.counters["states"] = static_cast<double>(c.model.n_states());
  state.counters["nonzeros"] = static_cast<double>(c.model.jacobian_positions.size());
  state.counters["steps"] = static_cast<double>(last.stats.steps);
  state.counters["jac_evals"] = static_cast<double>(last.stats.jacobian_evaluations);
}

}  // namespace

int main(int argc, char** argv) {
  using LinearSolver = tolsim::SolverOptions::LinearSolver;
  struct Model {
    const char* name;
    const char* file;
    const char* scenario;
  };
  const Model models[] = {
      {"immune-th17-treg", "examples/immune-th17-treg.yaml", "examples/immune-th17-treg.scenario.yaml"},
      {"immune-core", "models/immune-core.yaml", "bench/data/immune-core-10y.scenario.yaml"},
      {"ra", "models/ra.yaml", "bench/data/ra-methotrexate.scenario.yaml"},
  };
  std::vector<std::unique_ptr<Case>> cases;
  try {
    for (const Model& m : models) {
      cases.push_back(make_case(m.name, m.file, m.scenario, LinearSolver::kDense, "dense"));
      cases.push_back(make_case(m.name, m.file, m.scenario, LinearSolver::kSparse, "sparse"));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_linear_solver: setting up: %s\n", e.what());
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
