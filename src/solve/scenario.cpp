#include "tolsim/solve/scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "model/yaml_reader.hpp"
#include "solve/dose_binding.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim {

namespace {

using model::detail::MapReader;
using model::detail::parse_number;
using model::detail::YamlFile;

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::optional<std::pair<double, std::string>> detail::split_quantity(const std::string& text) {
  const std::string t = trim(text);
  std::size_t i = 0;
  while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  auto value = parse_number(t.substr(0, i));
  if (!value) {
    // "100mg": the number ends where letters start (but not an exponent such as 1e6).
    std::size_t j = 0;
    while (j < t.size() &&
           (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == '.' || t[j] == '-' || t[j] == '+' ||
            ((t[j] == 'e' || t[j] == 'E') && j + 1 < t.size() &&
             (std::isdigit(static_cast<unsigned char>(t[j + 1])) || t[j + 1] == '-'))))
      ++j;
    value = parse_number(t.substr(0, j));
    if (!value) return std::nullopt;
    i = j;
  }
  return std::make_pair(*value, trim(t.substr(i)));
}

namespace {
using detail::split_quantity;
}  // namespace

std::vector<double> parse_times(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) throw UsageError(SourceLocation{}, "times: empty; give \"0,7,14\" or \"start:stop:step\"");
  std::vector<double> out;
  if (t.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream ss(t);
    std::string item;
    while (std::getline(ss, item, ':')) parts.push_back(item);
    if (parts.size() != 3)
      throw UsageError(SourceLocation{}, fmt::format("times '{}': a range is start:stop:step", t));
    auto start = parse_number(parts[0]), stop = parse_number(parts[1]), step = parse_number(parts[2]);
    if (!start || !stop || !step)
      throw UsageError(SourceLocation{}, fmt::format("times '{}': start, stop and step must be numbers", t));
    if (*step <= 0) throw UsageError(SourceLocation{}, fmt::format("times '{}': step must be > 0", t));
    if (*stop < *start)
      throw UsageError(SourceLocation{}, fmt::format("times '{}': stop is before start", t));
    const double n = std::floor((*stop - *start) / *step * (1 + 1e-12) + 1e-9);
    if (n > 1e7)
      throw UsageError(SourceLocation{}, fmt::format("times '{}': more than 10 million points", t));
    for (long i = 0; i <= static_cast<long>(n); ++i) out.push_back(*start + static_cast<double>(i) * *step);
    return out;
  }
  std::stringstream ss(t);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto v = parse_number(item);
    if (!v) throw UsageError(SourceLocation{}, fmt::format("times: '{}' is not a number", trim(item)));
    out.push_back(*v);
  }
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i] <= out[i - 1])
      throw UsageError(SourceLocation{},
                       fmt::format("times must increase: {} comes after {}", out[i], out[i - 1]));
  return out;
}

namespace {

const std::vector<std::string> kDoseKeys = {"target", "amount", "start", "every", "count", "duration"};

// Shared by the YAML and command-line forms: reads one dose field. Returns "" or a message.
std::string set_dose_field(DoseSpec& dose, const std::string& key, const std::string& value) {
  if (key == "target") {
    dose.target = value;
  } else if (key == "amount") {
    auto q = split_quantity(value);
    if (!q) return fmt::format("amount '{}' must be a number followed by a unit, such as \"100 mg\"", value);
    dose.amount = q->first;
    dose.amount_unit = q->second;
  } else if (key == "start") {
    dose.start = value;
  } else if (key == "every") {
    dose.every = value;
  } else if (key == "count") {
    auto n = parse_number(value);
    if (!n || *n < 1 || *n != std::floor(*n) || *n > 1e6)
      return fmt::format("count '{}' must be a whole number >= 1", value);
    dose.count = static_cast<int>(*n);
  } else if (key == "duration") {
    dose.duration = value;
  } else {
    return fmt::format("unknown dose field '{}'{}; fields: target, amount, start, every, count, duration",
                       key, did_you_mean(key, kDoseKeys));
  }
  return {};
}

}  // namespace

DoseSpec parse_dose(const std::string& text) {
  DoseSpec dose;
  std::stringstream ss(text);
  std::string item;
  bool have_target = false, have_amount = false;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(SourceLocation{},
                       fmt::format("--dose '{}': '{}' is not KEY=VALUE (keys: target, amount, "
                                   "start, every, count, duration)",
                                   text, trim(item)));
    const std::string key = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (auto problem = set_dose_field(dose, key, value); !problem.empty())
      throw UsageError(SourceLocation{}, fmt::format("--dose '{}': {}", text, problem));
    have_target |= key == "target";
    have_amount |= key == "amount";
  }
  if (!have_target || !have_amount)
    throw UsageError(SourceLocation{},
                     fmt::format("--dose '{}': needs at least target=NAME and amount=VALUE UNIT", text));
  return dose;
}

ParameterOverride parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos)
    throw UsageError(SourceLocation{}, fmt::format("--set '{}': expected NAME=VALUE", text));
  ParameterOverride o;
  o.name = trim(text.substr(0, eq));
  auto q = split_quantity(text.substr(eq + 1));
  if (o.name.empty() || !q)
    throw UsageError(SourceLocation{},
                     fmt::format("--set '{}': expected NAME=VALUE with a finite number", text));
  o.value = q->first;
  o.unit = q->second;
  return o;
}

std::vector<DoseSpec> detail::read_doses(const model::detail::YamlFile& file, const YAML::Node& doses,
                                         Diagnostics& diagnostics) {
  std::vector<DoseSpec> out;
  if (!doses.IsDefined() || doses.IsNull()) return out;
  if (!doses.IsSequence()) {
    diagnostics.error(file.location(doses), "doses must be a list (- target: ..., amount: ...)");
    return out;
  }
  for (const auto& d : doses) {
    MapReader r(file, d, "dose", diagnostics, {"target", "amount", "start", "every", "count", "duration"});
    if (!r.ok()) continue;
    DoseSpec dose;
    dose.location = r.location();
    for (const auto& key : kDoseKeys) {
      if (auto value = r.string(key.c_str())) {
        if (auto problem = set_dose_field(dose, key, *value); !problem.empty())
          r.error(r.node(key.c_str()), problem);
      }
    }
    if (!r.has("target")) r.error("has no `target:`");
    if (!r.has("amount")) r.error("has no `amount:`");
    out.push_back(std::move(dose));
  }
  return out;
}

std::vector<ParameterOverride> detail::read_overrides(const model::detail::YamlFile& file,
                                                      const YAML::Node& set, Diagnostics& diagnostics) {
  std::vector<ParameterOverride> out;
  model::detail::for_each_entry(
      file, set, "set", diagnostics,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        auto q = value.IsScalar() ? split_quantity(value.Scalar()) : std::nullopt;
        if (!q) {
          diagnostics.error(file.location(value),
                            fmt::format("set '{}': expected a number, optionally with a unit", name));
          return;
        }
        out.push_back({name, q->first, q->second, file.location(key)});
      });
  return out;
}

void detail::read_solver(const model::detail::YamlFile& file, const YAML::Node& solver,
                         SolverOptions& options, Diagnostics& diagnostics) {
  if (!solver.IsDefined() || solver.IsNull()) return;
  std::vector<std::string> names;
  for (const auto& setting : solver_settings()) names.push_back(setting.name);
  if (!solver.IsMap()) {
    diagnostics.error(file.location(solver), "solver must be a mapping of settings");
    return;
  }
  std::map<std::string, YAML::Node> value_of;  // setting -> its value node, where its range problems point
  for (auto it = solver.begin(); it != solver.end(); ++it) {
    const std::string key = it->first.Scalar();
    auto setting = std::find_if(solver_settings().begin(), solver_settings().end(),
                                [&](const SolverSetting& st) { return st.name == key; });
    if (setting == solver_settings().end()) {
      diagnostics.error(file.location(it->first),
                        fmt::format("unknown solver setting '{}'{}", key, did_you_mean(key, names)));
      continue;
    }
    const std::string value = it->second.IsScalar() ? it->second.Scalar() : std::string();
    value_of[key] = it->second;
    if (auto problem = setting->set(options, value); !problem.empty())
      diagnostics.error(file.location(it->second), fmt::format("solver.{} = {}: {}", key, value, problem));
  }
  // Each problem reads "solver.<name> = ...": report it at that setting's value, not at the block.
  for (const auto& problem : options.problems()) {
    YAML::Node at = solver;
    for (const auto& [name, node] : value_of)
      if (problem.rfind(fmt::format("solver.{} ", name), 0) == 0) at = node;
    diagnostics.error(file.location(at), problem);
  }
}

Scenario load_scenario(const std::string& path) {
  Diagnostics diagnostics;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ScenarioError(SourceLocation{path, 0, 0}, fmt::format("cannot read scenario file '{}'", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  YamlFile file(path, buffer.str(), diagnostics);
  Scenario s;
  s.location = {path, 0, 0};
  s.name = std::filesystem::path(path).stem().string();
  if (!file.ok()) throw ScenarioError(diagnostics);
  MapReader top(file, file.root(), "scenario", diagnostics,
                {"tolsim", "name", "description", "model", "t_end", "times", "set", "doses", "body_weight",
                 "solver", "columns"});
  if (top.ok()) {
    if (auto name = top.string("name")) s.name = *name;
    s.description = top.string("description").value_or("");
    (void)top.string("model");
    if (auto t_end = top.string("t_end")) s.t_end = *t_end;
    if (top.has("times")) {
      YAML::Node t = top.node("times");
      try {
        if (t.IsScalar()) {
          s.times = parse_times(t.Scalar());
        } else if (t.IsSequence()) {
          std::string joined;
          for (const auto& item : t)
            joined += (joined.empty() ? "" : ",") + (item.IsScalar() ? item.Scalar() : "?");
          s.times = parse_times(joined);
        } else {
          top.error(t, "times must be a list of numbers or \"start:stop:step\"");
        }
      } catch (const UsageError& e) {
        top.error(t, e.diagnostics().items().front().message);
      }
    }
    s.overrides = detail::read_overrides(file, top.node("set"), diagnostics);
    if (auto bw = top.string("body_weight")) {
      auto q = split_quantity(*bw);
      auto kg = units::parse_unit("kg");
      auto u = q ? units::parse_unit(q->second.empty() ? "kg" : q->second) : units::ParseResult{};
      if (!q || !u.unit || !u.unit->same_dimension(*kg.unit) || q->first <= 0)
        top.error(top.node("body_weight"),
                  fmt::format("body_weight '{}' must be a positive mass such as \"70 kg\"", *bw));
      else
        s.body_weight_kg = q->first * u.unit->conversion_factor_to(*kg.unit);
    }
    s.doses = detail::read_doses(file, top.node("doses"), diagnostics);
    detail::read_solver(file, top.node("solver"), s.solver, diagnostics);
    s.columns = top.string_list("columns");
  }
  if (diagnostics.has_errors()) throw ScenarioError(diagnostics);
  return s;
}

namespace detail {

std::optional<double> to_model_time(const std::string& text, const units::Unit& time_unit,
                                    std::string& problem) {
  auto q = split_quantity(text);
  if (!q) {
    problem = fmt::format("'{}' is not a time (a number, optionally with a unit such as \"12 h\")", text);
    return std::nullopt;
  }
  if (q->second.empty()) return q->first;
  auto u = units::parse_unit(q->second);
  if (!u.unit) {
    problem = fmt::format("'{}': {}", text, u.error);
    return std::nullopt;
  }
  if (!u.unit->same_dimension(time_unit)) {
    problem = fmt::format("'{}' is not a time", text);
    return std::nullopt;
  }
  return q->first * u.unit->conversion_factor_to(time_unit);
}

}  // namespace detail

std::vector<int> select_columns(const CompiledModel& model, const Scenario& scenario) {
  std::vector<int> columns;
  if (scenario.columns.empty()) {
    for (int i = 0; i < model.n_outputs(); ++i)
      if (model.outputs[static_cast<std::size_t>(i)].default_column) columns.push_back(i);
    return columns;
  }
  Diagnostics diagnostics;
  std::vector<std::string> names;
  for (const auto& o : model.outputs) names.push_back(o.name);
  for (const auto& c : scenario.columns) {
    if (auto i = model.find_output(c))
      columns.push_back(*i);
    else
      diagnostics.error(scenario.location,
                        fmt::format("unknown output column '{}'{}", c, did_you_mean(c, names)));
  }
  if (diagnostics.has_errors()) throw ScenarioError(diagnostics);
  return columns;
}

SimulationSetup make_setup(const CompiledModel& model, const Scenario& scenario) {
  Diagnostics d;
  SimulationSetup setup;
  setup.options = scenario.solver;
  setup.parameters = model.default_parameters();
  const auto time_unit = units::parse_unit(model.time_unit);
  if (!time_unit.unit)
    throw ScenarioError(scenario.location, fmt::format("model time unit '{}' is unknown", model.time_unit));
  const units::Unit& tu = *time_unit.unit;

  std::vector<std::string> settable;
  for (const auto& p : model.parameters)
    if (p.role != ParameterSlot::Role::kDerived) settable.push_back(p.name);
  for (const auto& o : scenario.overrides) {
    auto slot = model.find_parameter(o.name);
    if (!slot) {
      const bool is_output = model.find_output(o.name).has_value();
      d.error(o.location,
              is_output ? fmt::format("'{}' is computed by the model (a rule), so it cannot be set", o.name)
                        : fmt::format("cannot set unknown parameter '{}'{}", o.name,
                                      did_you_mean(o.name, settable)));
      continue;
    }
    const ParameterSlot& p = model.parameters[static_cast<std::size_t>(*slot)];
    if (p.role == ParameterSlot::Role::kDerived) {
      d.error(
          o.location,
          fmt::format("'{}' is computed from an expression at the start; set what it depends on", o.name));
      continue;
    }
    double value = o.value;
    if (!o.unit.empty()) {
      auto given = units::parse_unit(o.unit);
      auto own = units::parse_unit(p.unit);
      if (!given.unit) {
        d.error(o.location, fmt::format("set {}: {}", o.name, given.error));
        continue;
      }
      if (own.unit && !given.unit->same_dimension(*own.unit)) {
        d.error(o.location,
                fmt::format("set {}: unit {} does not fit '{}' in {}", o.name, o.unit, o.name, p.unit));
        continue;
      }
      if (own.unit) value *= given.unit->conversion_factor_to(*own.unit);
    }
    // The model file may not give a compartment a negative size (validate.cpp); neither may an override.
    if (p.role == ParameterSlot::Role::kCompartmentSize && value < 0) {
      d.error(o.location, fmt::format("set {}: a compartment size cannot be negative ({})", o.name, o.value));
      continue;
    }
    // A concentration is amount / size: a compartment holding concentrations cannot be emptied to size 0.
    if (p.role == ParameterSlot::Role::kCompartmentSize && value == 0 &&
        std::any_of(model.states.begin(), model.states.end(),
                    [&](const StateVariable& v) { return v.is_concentration && v.compartment == o.name; })) {
      d.error(o.location, fmt::format("set {}: size 0 for a compartment that holds concentrations", o.name));
      continue;
    }
    setup.parameters[static_cast<std::size_t>(*slot)] = value;
  }

  std::optional<double> body_weight_kg = scenario.body_weight_kg;
  if (auto bw = model.find_parameter("body_weight")) {
    const ParameterSlot& p = model.parameters[static_cast<std::size_t>(*bw)];
    auto own = units::parse_unit(p.unit);
    auto kg = units::parse_unit("kg");
    if (own.unit && own.unit->same_dimension(*kg.unit)) {
      double& value = setup.parameters[static_cast<std::size_t>(*bw)];
      if (body_weight_kg)
        value = *body_weight_kg / own.unit->conversion_factor_to(*kg.unit);
      else
        body_weight_kg = value * own.unit->conversion_factor_to(*kg.unit);
    }
  }

  std::string problem;
  setup.t_start = 0.0;
  if (scenario.t_end) {
    if (auto t = detail::to_model_time(*scenario.t_end, tu, problem))
      setup.t_end = *t;
    else
      d.error(scenario.location, fmt::format("t_end {}", problem));
  } else if (scenario.times && !scenario.times->empty()) {
    setup.t_end = scenario.times->back();
  } else {
    d.error(scenario.location, "no end time: give t_end (or --t-end) or output times (--times)");
  }
  if (setup.t_end < 0 || !std::isfinite(setup.t_end)) d.error(scenario.location, "t_end must be >= 0");
  if (scenario.times) {
    for (double t : *scenario.times)
      if (t < setup.t_start || t > setup.t_end * (1 + 1e-12)) {
        d.error(scenario.location,
                fmt::format("output time {} lies outside [{}, {}]", t, setup.t_start, setup.t_end));
        break;
      }
    setup.output_times = *scenario.times;
  } else if (setup.t_end >= 0) {
    const int intervals = 100;
    for (int i = 0; i <= intervals; ++i)
      setup.output_times.push_back(setup.t_start + (setup.t_end - setup.t_start) * i / intervals);
  }

  for (const auto& dose : scenario.doses) detail::bind_dose(model, dose, tu, body_weight_kg, setup, d);
  for (const auto& p : setup.options.problems()) d.error(scenario.location, p);
  if (d.has_errors()) throw ScenarioError(d);
  return setup;
}

}  // namespace tolsim
