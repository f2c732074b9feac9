#include "tolsim/script/export.hpp"

#include <fmt/format.h>

#include "script_data.hpp"

namespace tolsim::script {

namespace {

const char* role_name(ParameterSlot::Role role) {
  switch (role) {
    case ParameterSlot::Role::kParameter:
      return "parameter";
    case ParameterSlot::Role::kCompartmentSize:
      return "compartment size";
    case ParameterSlot::Role::kConstantSpecies:
      return "constant species";
    case ParameterSlot::Role::kInitialValue:
      return "initial value";
    case ParameterSlot::Role::kLocalParameter:
      return "local parameter";
    case ParameterSlot::Role::kDerived:
      return "derived: computed by initial()";
  }
  return "";
}

std::string with_unit(const std::string& unit, const std::string& what) {
  return unit.empty() ? what : fmt::format("{}, {}", unit, what);
}

detail::ScriptData gather(Language language, const CompiledModel& model, const SimulationSetup& setup,
                          const ScriptInfo& info) {
  using detail::comment_safe;
  using detail::quoted;
  if (!model.program)
    throw InternalError(fmt::format("model '{}' was compiled without its program", model.name));
  if (setup.parameters.size() != model.parameters.size())
    throw InternalError(fmt::format("model '{}': the setup has {} parameters, the model {}", model.name,
                                    setup.parameters.size(), model.parameters.size()));
  const int base = language == Language::kR ? 1 : 0;
  detail::ScriptData d;
  d.language = language;
  d.model_name = quoted(model.name);
  d.time_unit = quoted(model.time_unit);
  d.header.push_back(fmt::format("Model: {} ({})", comment_safe(model.name), comment_safe(info.model_file)));
  d.header.push_back(
      info.scenario_file.empty()
          ? std::string("Scenario: the defaults and command-line settings given to `tolsim export`")
          : fmt::format("Scenario: {}", comment_safe(info.scenario_file)));
  for (const auto& s : model.states) {
    const std::string stored = s.storage == StateVariable::Storage::kAmount && s.is_concentration
                                   ? "amount; its equations use amount / " + s.compartment
                                   : (s.is_species ? "species" : "value");
    d.states.push_back({quoted(s.name), comment_safe(with_unit(s.unit, stored)), 0.0});
  }
  for (std::size_t i = 0; i < model.parameters.size(); ++i) {
    const ParameterSlot& slot = model.parameters[i];
    d.parameters.push_back(
        {quoted(slot.name), comment_safe(with_unit(slot.unit, role_name(slot.role))), setup.parameters[i]});
  }
  for (int slot : model.derived_parameters) d.derived.push_back(slot + base);
  for (const auto& o : model.outputs) d.outputs.push_back(quoted(o.name));
  for (int c : info.columns) d.columns.push_back(c + base);
  for (Bolus b : setup.boluses) {
    b.state += base;
    d.boluses.push_back(b);
  }
  for (Infusion f : setup.infusions) {
    f.state += base;
    d.infusions.push_back(f);
  }
  for (int i = 0; i < model.n_states(); ++i) {
    const StateVariable& s = model.states[static_cast<std::size_t>(i)];
    if (s.stores_concentration()) d.concentration_states.emplace_back(i + base, s.compartment_output + base);
  }
  d.t_start = setup.t_start;
  d.t_end = setup.t_end;
  d.times = setup.output_times;
  d.rtol = setup.options.rtol;
  for (const auto& s : model.states) d.atol.push_back(s.absolute_tolerance(setup.options.atol));
  d.max_step = setup.options.max_step;
  d.first_step = setup.options.initial_step;
  d.max_steps = setup.options.max_steps > 0 ? setup.options.max_steps : 100000;

  const auto text_of = [&](int kernel) {
    return detail::kernel_text(language, model.program->graph,
                               model.program->specs.at(static_cast<std::size_t>(kernel)));
  };
  d.init = text_of(model.kernel.init);
  d.rhs = text_of(model.kernel.rhs);
  d.jacobian = text_of(model.kernel.jacobian);
  d.outputs_kernel = text_of(model.kernel.outputs);
  if (!model.relations.empty()) d.relations_kernel = text_of(model.kernel.relations);
  d.relations = model.relations;
  for (CompiledEvent ev : model.events) {
    d.event_kernels.push_back(text_of(ev.kernel));
    ev.root += base;
    for (TriggerTerm& term : ev.terms) {
      if (term.kind == TriggerTerm::Kind::kRelation) term.relation += base;
      for (int& child : term.children) child += base;
    }
    for (EventAssignment& a : ev.assignments) {
      a.state += base;
      if (a.mode == EventAssignment::Mode::kSetConcentration) a.compartment_output += base;
    }
    d.events.push_back(std::move(ev));
  }
  for (const CompiledDelay& delay : model.delays)
    d.delays.push_back({quoted(delay.text), text_of(delay.time_kernel), text_of(delay.kernel),
                        text_of(delay.initial_kernel), delay.nested, delay.constant_time});
  if (model.fast_reaction) {
    detail::ScriptData::Fast fast{
        quoted(model.fast_reaction->name), text_of(model.fast_reaction->kernel), {}};
    for (int r : model.fast_reaction->relations) fast.relations.push_back(r + base);
    d.fast = std::move(fast);
  }
  d.max_events_per_time = setup.options.max_events_per_time;
  d.n_states = model.n_states();
  d.n_init_outputs = model.n_states() + static_cast<int>(model.derived_parameters.size());
  d.n_outputs = model.n_outputs();
  return d;
}

}  // namespace

Language parse_language(const std::string& text) {
  if (text == "python") return Language::kPython;
  if (text == "r") return Language::kR;
  throw UsageError(SourceLocation{}, fmt::format("unknown script language '{}': expected python or r", text));
}

std::string write_script(Language language, const CompiledModel& model, const SimulationSetup& setup,
                         const ScriptInfo& info) {
  const detail::ScriptData data = gather(language, model, setup, info);
  return language == Language::kPython ? detail::python_script(data) : detail::r_script(data);
}

}  // namespace tolsim::script
