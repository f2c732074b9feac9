#include "tolsim/model/loader.hpp"

#include <fmt/format.h>

#include <set>

#include "model/checks.hpp"
#include "model/composer.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::model {

namespace {

// Quantities that rules or events change are not constant, unless the author said they are (an error the
// validator reports).
void mark_changing_quantities(Model& model, const std::set<std::string>& explicit_constants) {
  std::set<std::string> changed;
  for (const auto& rule : model.rules) changed.insert(rule.variable);
  for (const auto& event : model.events)
    for (const auto& a : event.assignments) changed.insert(a.variable);
  for (auto& p : model.parameters)
    if (changed.count(p.id) && !explicit_constants.count(p.id)) p.constant = false;
  for (auto& c : model.compartments)
    if (changed.count(c.id) && !explicit_constants.count(c.id)) c.constant = false;
}

void check_input_bindings(const Model& model, const std::vector<detail::InputBinding>& bindings,
                          Diagnostics& diagnostics) {
  std::vector<std::string> names;
  for (const auto& c : model.compartments) names.push_back(c.id);
  for (const auto& s : model.species) names.push_back(s.id);
  for (const auto& p : model.parameters) names.push_back(p.id);
  for (const auto& b : bindings) {
    std::string unit;
    if (auto* s = model.find_species(b.target))
      unit = s->unit;
    else if (auto* p = model.find_parameter(b.target))
      unit = p->unit;
    else if (auto* c = model.find_compartment(b.target))
      unit = c->unit;
    else {
      diagnostics.error(b.location, fmt::format("input '{}' is connected to unknown quantity '{}'{}", b.input,
                                                b.target, did_you_mean(b.target, names)));
      continue;
    }
    auto want = units::parse_unit(b.unit);
    auto have = units::parse_unit(unit);
    if (model.unit_check != UnitCheck::kOff && want.unit && have.unit && *want.unit != *have.unit)
      diagnostics.error(b.location, fmt::format("input '{}' expects unit {} but is connected to '{}' in {}",
                                                b.input, b.unit, b.target, unit));
  }
}

LoadedModel finish(detail::Composer& composer, Diagnostics& diagnostics) {
  Model& model = composer.model();
  composer.check_missing_values();
  mark_changing_quantities(model, composer.explicit_constants());
  for (auto& s : model.species)
    if (composer.inferred_quantity().count(s.id))
      detail::infer_species_quantity(s, model.find_compartment(s.compartment));
  check_input_bindings(model, composer.input_bindings(), diagnostics);
  validate_model(model, diagnostics);
  if (diagnostics.has_errors()) throw ModelError(diagnostics);
  return {std::move(model), std::move(diagnostics)};
}

}  // namespace

LoadedModel load_model(const std::string& path) {
  if (sbml::is_sbml_path(path)) return sbml::read_sbml(path);
  Diagnostics diagnostics;
  detail::Composer composer(diagnostics);
  composer.read(path, nullptr, detail::Scope{}, SourceLocation{});
  if (composer.model().files.empty()) throw ModelError(diagnostics);
  return finish(composer, diagnostics);
}

LoadedModel load_model_from_string(const std::string& text, const std::string& file_name) {
  Diagnostics diagnostics;
  detail::Composer composer(diagnostics);
  composer.read(file_name, &text, detail::Scope{}, SourceLocation{});
  return finish(composer, diagnostics);
}

}  // namespace tolsim::model
