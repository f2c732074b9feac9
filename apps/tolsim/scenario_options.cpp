#include <fmt/core.h>

#include <algorithm>

#include "commands.hpp"

namespace tolsim::cli {

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o) {
  cmd->add_option("--scenario", o.scenario, "Scenario file (YAML): doses, overrides, times, solver settings");
  cmd->add_option("--set", o.sets, "Override a parameter or initial value: NAME=VALUE [UNIT] (repeatable)");
  cmd->add_option("--dose", o.doses,
                  "Add a dose: \"target=NAME,amount=VALUE UNIT[,start=T][,every=T][,count=N][,duration=T]\" "
                  "(repeatable; times may carry units, e.g. every=7 d)");
  cmd->add_option("--t-end", o.t_end, "End time, in model time units or with a unit (\"12 week\")");
  cmd->add_option("--times", o.times, "Output times: \"0,7,14\" or \"start:stop:step\" (model time units)");
  cmd->add_option("--columns", o.columns, "Outputs to write (default: every species and observable)")
      ->delimiter(',');
  std::string solver_help = "Solver setting NAME=VALUE (repeatable):";
  for (const auto& s : solver_settings())
    solver_help += fmt::format("\n  {} ({}{}): {}", s.name, s.get(SolverOptions{}),
                               s.unit.empty() ? "" : " " + s.unit, s.description);
  cmd->add_option("--solver", o.solver, solver_help);
}

// Command-line additions on top of a scenario file: overrides and doses add, times and t_end replace.
Scenario build_scenario(const ScenarioOptions& o) {
  Scenario s = o.scenario.empty() ? Scenario{} : load_scenario(o.scenario);
  if (o.scenario.empty()) s.location = {"<command line>", 0, 0};
  for (const auto& text : o.sets) {
    ParameterOverride p = parse_override(text);
    p.location = {"--set", 0, 0};
    s.overrides.push_back(std::move(p));
  }
  for (const auto& text : o.doses) {
    DoseSpec d = parse_dose(text);
    d.location = {"--dose", 0, 0};
    s.doses.push_back(std::move(d));
  }
  if (!o.times.empty()) {
    s.times = parse_times(o.times);
    if (o.t_end.empty()) s.t_end.reset();
  }
  if (!o.t_end.empty()) s.t_end = o.t_end;
  if (!o.columns.empty()) s.columns = o.columns;
  for (const auto& text : o.solver) {
    const auto eq = text.find('=');
    const std::string name = text.substr(0, eq);
    auto setting = std::find_if(solver_settings().begin(), solver_settings().end(),
                                [&](const SolverSetting& st) { return st.name == name; });
    if (eq == std::string::npos || setting == solver_settings().end())
      throw UsageError(SourceLocation{},
                       fmt::format("--solver '{}': expected NAME=VALUE with a known setting", text));
    if (auto problem = setting->set(s.solver, text.substr(eq + 1)); !problem.empty())
      throw UsageError(SourceLocation{}, fmt::format("--solver {}: {}", text, problem));
  }
  return s;
}

}  // namespace tolsim::cli
