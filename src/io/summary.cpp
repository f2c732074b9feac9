#include "tolsim/io/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tolsim::io {

ModelCounts count(const model::Model& model) {
  ModelCounts c;
  c.files = static_cast<int>(model.files.size());
  c.compartments = static_cast<int>(model.compartments.size());
  for (const auto& comp : model.compartments)
    if (comp.source.missing() && !comp.size_expr) ++c.parameters_without_source;
  c.species = static_cast<int>(model.species.size());
  for (const auto& p : model.parameters) {
    if (p.observable) {
      ++c.observables;
      continue;
    }
    ++c.parameters;
    if (p.source.missing()) ++c.parameters_without_source;
    if (p.variability) ++c.parameters_with_variability;
  }
  c.reactions = static_cast<int>(model.reactions.size());
  for (const auto& r : model.reactions) {
    c.parameters += static_cast<int>(r.local_parameters.size());
    for (const auto& p : r.local_parameters)
      if (p.source.missing()) ++c.parameters_without_source;
  }
  for (const auto& r : model.rules) {
    if (r.kind == model::Rule::Kind::kRate)
      ++c.rate_rules;
    else if (!model.find_parameter(r.variable) || !model.find_parameter(r.variable)->observable)
      ++c.assignment_rules;
  }
  c.events = static_cast<int>(model.events.size());
  c.functions = static_cast<int>(model.functions.size());
  return c;
}

std::string describe(const model::Model& model) {
  const ModelCounts c = count(model);
  std::string out = fmt::format("model '{}' ({} file{}, time in {})\n", model.name, c.files,
                                c.files == 1 ? "" : "s", model.time_unit);
  out += fmt::format("  {} compartments, {} species, {} parameters, {} observables\n", c.compartments,
                     c.species, c.parameters, c.observables);
  out += fmt::format("  {} reactions, {} assignment rules, {} rate rules, {} events, {} functions\n",
                     c.reactions, c.assignment_rules, c.rate_rules, c.events, c.functions);
  out += fmt::format(
      "  {} parameters vary between patients; {} parameters or compartment sizes without a source\n",
      c.parameters_with_variability, c.parameters_without_source);
  return out;
}

std::string describe(const CompiledModel& model, const SimulationResult& result,
                     const std::vector<int>& columns) {
  std::string out;
  const auto& t = result.times;
  if (!t.empty())
    out += fmt::format("simulated '{}' from {} to {} {} ({} output times, {} backend)\n", model.name,
                       t.front(), t.back(), model.time_unit, t.size(), result.summary.backend);
  std::size_t width = 8;
  for (int c : columns) width = std::max(width, result.columns[static_cast<std::size_t>(c)].size());
  out += fmt::format("  {:<{}}  {:>12}  {:>12}  {:>12}  {:>12}  {}\n", "output", width, "initial", "minimum",
                     "maximum", "final", "unit");
  for (int c : columns) {
    const auto col = static_cast<std::size_t>(c);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (std::size_t r = 0; r < t.size(); ++r) {
      lo = std::min(lo, result.at(r, col));
      hi = std::max(hi, result.at(r, col));
    }
    if (t.empty()) continue;
    out +=
        fmt::format("  {:<{}}  {:>12.5g}  {:>12.5g}  {:>12.5g}  {:>12.5g}  {}\n", result.columns[col], width,
                    result.at(0, col), lo, hi, result.at(t.size() - 1, col), model.outputs[col].unit);
  }
  const SolverStats& s = result.summary.stats;
  out += fmt::format(
      "  solver: {} steps, {} right-hand sides, {} Jacobians, {} error-test and {} convergence "
      "failures; {} doses, {} events; {} linear solver\n",
      s.steps, s.rhs_evaluations, s.jacobian_evaluations, s.error_test_failures, s.convergence_failures,
      s.doses_given, s.events_fired,
      result.summary.options.linear_solver == SolverOptions::LinearSolver::kSparse ? "sparse (KLU)"
                                                                                   : "dense");
  return out;
}

}  // namespace tolsim::io
