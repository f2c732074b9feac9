// Dense LU against sparse LU (KLU) as CVODES' linear solver, by model size.
//
// What one iteration times: simulate(model, setup) with native kernels, once with `linear_solver: dense` and once
// with `sparse`, everything else equal. Loading, compiling and binding happen once, before timing. The models:
//   immune-th17-treg   examples/, 4 states, its scenario (three infusions, one year)
//   immune-core        models/immune-core.yaml, 30 states, ten years without doses
//   ra                 models/ra.yaml, 53 states, 7.5 years then 104 weekly methotrexate doses
//                      (bench/data/ra-methotrexate.scenario.yaml: one patient's run-in in OPTION)
// The solver's counters are reported beside the time (bench/simulation_case.hpp); both solvers should do nearly
// the same work (they differ only in rounding), so the time ratio is the cost of the linear algebra.
// SolverOptions::kSparseFromStates, the size from which `auto` picks sparse, is set from these figures
// (docs/performance.md).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simulation_case.hpp"

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
  return tolsim_bench::run_cases(argc, argv, "bench_linear_solver", [&models](auto& cases) {
    for (const Model& m : models) {
      for (const auto& [solver, solver_name] :
           {std::pair{LinearSolver::kDense, "dense"}, std::pair{LinearSolver::kSparse, "sparse"}}) {
        cases.push_back(
            tolsim_bench::make_case(std::string(m.name) + "/" + solver_name, m.file, m.scenario,
                                    tolsim::CompileOptions::Backend::kNative,
                                    [s = solver](tolsim::Scenario& sc) { sc.solver.linear_solver = s; }));
      }
    }
  });
}
