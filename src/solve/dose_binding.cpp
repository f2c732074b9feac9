#include "solve/dose_binding.hpp"

#include <fmt/format.h>

#include <cmath>

namespace tolsim::detail {

namespace {

// The state a dose goes to: a species by name, or the one species of a compartment.
std::optional<int> resolve_target(const CompiledModel& model, const DoseSpec& dose, Diagnostics& d) {
  if (auto state = model.find_state(dose.target)) {
    if (model.states[static_cast<std::size_t>(*state)].is_species) return state;
    d.error(dose.location, fmt::format("dose target '{}' is not a species", dose.target));
    return std::nullopt;
  }
  std::vector<int> in_compartment;
  std::vector<std::string> species;
  for (int i = 0; i < model.n_states(); ++i) {
    const StateVariable& s = model.states[static_cast<std::size_t>(i)];
    if (!s.is_species) continue;
    species.push_back(s.name);
    if (s.compartment == dose.target) in_compartment.push_back(i);
  }
  if (in_compartment.size() == 1) return in_compartment.front();
  if (in_compartment.size() > 1) {
    std::string names;
    for (int i : in_compartment)
      names += (names.empty() ? "" : ", ") + model.states[static_cast<std::size_t>(i)].name;
    d.error(dose.location,
            fmt::format("dose target '{}' is a compartment with several species ({}); name one", dose.target,
                        names));
    return std::nullopt;
  }
  if (auto out = model.find_output(dose.target))
    d.error(dose.location,
            fmt::format("dose target '{}' does not change over time (it is constant or computed by a "
                        "rule)",
                        dose.target));
  else
    d.error(dose.location,
            fmt::format("unknown dose target '{}'{}", dose.target, did_you_mean(dose.target, species)));
  return std::nullopt;
}

}  // namespace

void bind_dose(const CompiledModel& model, const DoseSpec& dose, const units::Unit& time_unit,
               std::optional<double> body_weight_kg, SimulationSetup& setup, Diagnostics& d) {
  auto state = resolve_target(model, dose, d);
  if (!state) return;
  const StateVariable& target = model.states[static_cast<std::size_t>(*state)];
  if (!std::isfinite(dose.amount) || dose.amount < 0) {
    d.error(dose.location, fmt::format("dose amount {} must be a finite number >= 0", dose.amount));
    return;
  }
  auto given = units::parse_unit(dose.amount_unit.empty() ? "1" : dose.amount_unit);
  auto wanted = units::parse_unit(target.amount_unit);
  if (!given.unit) {
    d.error(dose.location, fmt::format("dose amount unit '{}': {}", dose.amount_unit, given.error));
    return;
  }
  if (!wanted.unit) {
    d.error(dose.location, fmt::format("species '{}' has an amount unit tolsim cannot read ('{}')",
                                       target.name, target.amount_unit));
    return;
  }
  double amount = 0.0;
  bool per_kg = false;
  const units::Unit kg = *units::parse_unit("kg").unit;
  if (given.unit->same_dimension(*wanted.unit)) {
    amount = dose.amount * given.unit->conversion_factor_to(*wanted.unit);
  } else if ((*given.unit * kg).same_dimension(*wanted.unit)) {
    // A weight-based dose: amount per kg of body weight.
    if (!body_weight_kg) {
      d.error(dose.location,
              fmt::format("dose of {} {} is per body weight, but no body weight is known: set "
                          "`body_weight:` in the scenario or give the model a body_weight parameter",
                          dose.amount, dose.amount_unit));
      return;
    }
    amount = dose.amount * *body_weight_kg * (*given.unit * kg).conversion_factor_to(*wanted.unit);
    per_kg = true;
  } else {
    d.error(dose.location,
            fmt::format("dose unit '{}' does not fit species '{}', whose amount is in {} (a dose is an "
                        "amount, or an amount per kg of body weight)",
                        dose.amount_unit, target.name, target.amount_unit));
    return;
  }

  // Each time of a dose: empty means 0 (no repeat, a bolus); otherwise a number or a number with a time unit.
  bool times_ok = true;
  const auto time_of = [&](const std::string& text, const char* what) {
    if (text.empty()) return 0.0;
    std::string problem;
    auto t = to_model_time(text, time_unit, problem);
    if (!t) {
      d.error(dose.location, fmt::format("{}: {}", what, problem));
      times_ok = false;
      return 0.0;
    }
    return *t;
  };
  const double start = time_of(dose.start, "dose start");
  const double every = time_of(dose.every, "dose interval");
  const double duration = time_of(dose.duration, "infusion duration");
  if (!times_ok) return;
  if (start < setup.t_start)
    d.error(dose.location, fmt::format("dose starts at {}, before the start of the run", start));
  if (dose.count > 1 && every <= 0)
    d.error(dose.location, fmt::format("{} doses need an interval `every:` > 0", dose.count));
  if (duration < 0) d.error(dose.location, "infusion duration must be >= 0");
  if (dose.count > 1 && duration > every && every > 0)
    d.error(dose.location,
            fmt::format("infusions of {} overlap: each lasts longer than the interval", target.name));
  if (d.has_errors()) return;
  for (int k = 0; k < dose.count; ++k) {
    const double t = start + k * every;
    if (duration > 0)
      setup.infusions.push_back({t, t + duration, *state, amount / duration, per_kg});
    else
      setup.boluses.push_back({t, *state, amount, per_kg});
  }
}

}  // namespace tolsim::detail
