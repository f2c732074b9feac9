// Whole simulations: each shipped example with its scenario, as `tolsim simulate` runs it, with native kernels and
// with the interpreter.
//
// What one iteration times: simulate(model, setup) -- CVODES from t_start to t_end with the scenario's doses,
// output times and solver settings, collecting every output into a table. Loading the YAML, compiling the model
// and binding the scenario happen once, before timing (compile times are in bench_compile). The solver's
// counters of the last run are reported next to the time (bench/simulation_case.hpp).
//
// Figures and command lines: docs/performance.md.
#include <memory>
#include <string>
#include <vector>

#include "simulation_case.hpp"

int main(int argc, char** argv) {
  using Backend = tolsim::CompileOptions::Backend;
  return tolsim_bench::run_cases(argc, argv, "bench_robertson", [](auto& cases) {
    for (const std::string stem : {"robertson", "pk-two-compartment", "immune-th17-treg"}) {
      const std::string model = "examples/" + stem + ".yaml",
                        scenario = "examples/" + stem + ".scenario.yaml";
      cases.push_back(tolsim_bench::make_case(stem + "/native", model, scenario, Backend::kNative));
      cases.push_back(tolsim_bench::make_case(stem + "/interpreter", model, scenario, Backend::kInterpreter));
    }
  });
}
