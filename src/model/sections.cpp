// Reading the sections of a model file: compartments, species, parameters, observables, rules, reactions, events.
#include <fmt/format.h>

#include <cctype>

#include "model/composer.hpp"
#include "tolsim/units/unit.hpp"

namespace tolsim::model::detail {

// A required unit. An empty one is reported like a missing one: the unit checker skips quantities without a
// unit (their problem is reported here), so `unit: ""` would otherwise silently turn its checks off. With
// `unit_check: off` nothing is checked, and a unit may be left out (SBML models often declare none).
std::string read_unit(MapReader& r, const char* missing, bool optional) {
  const auto unit = r.string("unit");
  if (!unit) {
    if (!optional) r.error(missing);
    return {};
  }
  if (unit->find_first_not_of(" \t") == std::string::npos) {
    r.error(r.node("unit"), "`unit:` is empty: write '1' for a dimensionless quantity");
    return {};
  }
  return *unit;
}

Provenance read_source(MapReader& r, const YamlFile& file) {
  Provenance p;
  if (auto text = r.string("source")) {
    p.text = *text;
    p.location = file.location(r.node("source"));
    std::string lowered;
    for (char c : *text) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    p.is_assumption = lowered.rfind("assumption", 0) == 0;
    if (p.is_assumption) {
      // "assumption:" must say why.
      std::string reason = text->substr(std::string("assumption").size());
      while (!reason.empty() &&
             (reason.front() == ':' || std::isspace(static_cast<unsigned char>(reason.front()))))
        reason.erase(reason.begin());
      if (reason.empty())
        r.error(r.node("source"), "source 'assumption:' must say why, e.g. 'assumption: ...'");
    }
  } else if (r.has("source")) {
    r.error(r.node("source"), "source is empty");
  }
  return p;
}

namespace {

std::optional<Variability> read_variability(const YamlFile& file, const YAML::Node& node,
                                            const std::string& owner, Diagnostics& diagnostics) {
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  MapReader r(file, node, fmt::format("variability of {}", owner), diagnostics,
              {"distribution", "cv", "sigma", "sd", "lower", "upper"});
  if (!r.ok()) return std::nullopt;
  Variability v;
  v.location = r.location();
  const std::string dist = r.string("distribution").value_or("");
  if (dist == "lognormal")
    v.distribution = Variability::Distribution::kLogNormal;
  else if (dist == "normal")
    v.distribution = Variability::Distribution::kNormal;
  else if (dist == "uniform")
    v.distribution = Variability::Distribution::kUniform;
  else {
    r.error(r.has("distribution") ? r.node("distribution") : node,
            dist.empty() ? std::string("needs `distribution:` lognormal, normal or uniform")
                         : fmt::format("unknown distribution '{}'{}; use lognormal, normal or uniform", dist,
                                       did_you_mean(dist, {"lognormal", "normal", "uniform"})));
    return std::nullopt;
  }
  v.cv = r.number("cv");
  v.sigma = r.number("sigma");
  v.sd = r.number("sd");
  v.lower = r.number("lower");
  v.upper = r.number("upper");
  v.truncated = v.distribution != Variability::Distribution::kUniform && (v.lower || v.upper);
  return v;
}

std::optional<Prior> read_prior(const YamlFile& file, const YAML::Node& node, const std::string& owner,
                                Diagnostics& diagnostics) {
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  Prior prior;
  prior.location = file.location(node);
  if (node.IsSequence()) {  // [lower, upper]
    if (node.size() != 2 || !node[0].IsScalar() || !node[1].IsScalar() || !parse_number(node[0].Scalar()) ||
        !parse_number(node[1].Scalar())) {
      diagnostics.error(prior.location,
                        fmt::format("prior of {} must be [lower, upper] with two numbers", owner));
      return std::nullopt;
    }
    prior.lower = *parse_number(node[0].Scalar());
    prior.upper = *parse_number(node[1].Scalar());
    return prior;
  }
  MapReader r(file, node, fmt::format("prior of {}", owner), diagnostics, {"lower", "upper", "scale"});
  if (!r.ok()) return std::nullopt;
  auto lower = r.number("lower");
  auto upper = r.number("upper");
  if (!lower || !upper) {
    r.error("needs `lower:` and `upper:`");
    return std::nullopt;
  }
  prior.lower = *lower;
  prior.upper = *upper;
  const std::string scale = r.string("scale").value_or("linear");
  if (scale == "log")
    prior.scale = Prior::Scale::kLog;
  else if (scale != "linear")
    r.error(r.node("scale"), fmt::format("scale must be linear or log, not '{}'", scale));
  return prior;
}

}  // namespace

Parameter Composer::read_parameter(const YamlFile& file, const std::string& name, const YAML::Node& node,
                                   const Scope& scope, const std::string& what, bool local) {
  Parameter p;
  p.id = scope.declare(name);
  p.location = file.location(node);
  MapReader r(file, node, what, diagnostics_,
              {"value", "unit", "description", "source", "variability", "prior", "constant"});
  if (!r.ok()) return p;
  r.number_or_expression("value", p.value, p.value_expr);
  if (p.value_expr) qualify(*p.value_expr, scope);
  if (!r.has("value") && local)
    r.error("has no `value:`");
  else if (!r.has("value"))
    missing_values_.push_back({p.id, fmt::format("{}: has no `value:`", what), r.location()});
  p.unit =
      read_unit(r, "has no `unit:`: every quantity needs one (use '1' for dimensionless)", units_optional());
  p.description = r.string("description").value_or("");
  p.source = read_source(r, file);
  p.variability = read_variability(file, r.node("variability"), what, diagnostics_);
  p.prior = read_prior(file, r.node("prior"), what, diagnostics_);
  if (auto constant = r.boolean("constant")) {
    p.constant = *constant;
    if (*constant) explicit_constants_.insert(p.id);
  }
  return p;
}

void Composer::read_compartments(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(file, node, "compartments", diagnostics_,
                 [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
                   if (!check_identifier(file, key, name, "compartment")) return;
                   MapReader r(file, value, fmt::format("compartment '{}'", name), diagnostics_,
                               {"size", "unit", "description", "source", "constant", "dimensions"});
                   if (!r.ok()) return;
                   Compartment c;
                   c.id = scope.declare(name);
                   c.location = file.location(key);
                   r.number_or_expression("size", c.size, c.size_expr);
                   if (c.size_expr) qualify(*c.size_expr, scope);
                   if (!r.has("size"))
                     missing_values_.push_back(
                         {c.id, fmt::format("compartment '{}': has no `size:`", name), r.location()});
                   c.unit = read_unit(r, "has no `unit:` (for example L, mL or uL)", units_optional());
                   c.description = r.string("description").value_or("");
                   c.source = read_source(r, file);
                   if (auto constant = r.boolean("constant")) {
                     c.constant = *constant;
                     if (*constant) explicit_constants_.insert(c.id);
                   }
                   if (auto dims = r.integer("dimensions")) {
                     if (*dims < 0 || *dims > 3)
                       r.error(r.node("dimensions"), "dimensions must be 0, 1, 2 or 3");
                     else
                       c.spatial_dimensions = *dims;
                   }
                   model_.compartments.push_back(std::move(c));
                 });
}

void Composer::read_species(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(
      file, node, "species", diagnostics_,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        if (!check_identifier(file, key, name, "species")) return;
        MapReader r(file, value, fmt::format("species '{}'", name), diagnostics_,
                    {"compartment", "initial", "unit", "quantity", "description", "boundary", "constant",
                     "allow_negative", "atol", "conversion_factor"});
        if (!r.ok()) return;
        Species s;
        s.id = scope.declare(name);
        s.location = file.location(key);
        // An empty name is reported here: the validator skips species without a compartment, as they have an error.
        if (auto c = r.string("compartment"); c && !c->empty())
          s.compartment = scope.reference(*c);
        else if (c)
          r.error(r.node("compartment"), "`compartment:` is empty: name the compartment that holds it");
        else
          r.error("has no `compartment:`");
        r.number_or_expression("initial", s.initial, s.initial_expr);
        if (s.initial_expr) qualify(*s.initial_expr, scope);
        if (!r.has("initial"))
          missing_values_.push_back(
              {s.id, fmt::format("species '{}': has no `initial:` value", name), r.location()});
        s.unit = read_unit(r, "has no `unit:` (for example cells/uL, pg/mL or mg)", units_optional());
        s.description = r.string("description").value_or("");
        s.boundary = r.boolean("boundary").value_or(false);
        s.constant = r.boolean("constant").value_or(false);
        if (s.constant) explicit_constants_.insert(s.id);
        s.allow_negative = r.boolean("allow_negative").value_or(false);
        if (auto factor = r.string("conversion_factor")) s.conversion_factor = scope.reference(*factor);
        if (auto atol = r.number("atol")) {
          if (*atol > 0.0)
            s.atol = atol;
          else
            r.error(r.node("atol"),
                    fmt::format("atol must be a positive number in the species' unit, not {}", *atol));
        }
        if (auto quantity = r.string("quantity")) {
          if (*quantity == "amount")
            s.only_substance_units = true;
          else if (*quantity == "concentration")
            s.only_substance_units = false;
          else
            r.error(r.node("quantity"),
                    fmt::format("quantity must be amount or concentration, not '{}'", *quantity));
        } else {
          // Inferred once units are known; see infer_species_quantities in the validator. Mark as unknown by
          // leaving only_substance_units false and remembering that it was not given.
          s.only_substance_units = false;
          inferred_quantity_.insert(s.id);
        }
        model_.species.push_back(std::move(s));
      });
}

void Composer::check_missing_values() {
  std::set<std::string> assigned;
  for (const auto& rule : model_.rules)
    if (rule.kind == Rule::Kind::kAssignment) assigned.insert(rule.variable);
  for (const auto& m : missing_values_)
    if (!assigned.count(m.id))
      diagnostics_.error(m.location,
                         m.message + " (only a quantity that an assignment rule sets may omit it)");
}

void Composer::read_parameters(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(file, node, "parameters", diagnostics_,
                 [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
                   if (!check_identifier(file, key, name, "parameter")) return;
                   Parameter p =
                       read_parameter(file, name, value, scope, fmt::format("parameter '{}'", name));
                   p.location = file.location(key);
                   model_.parameters.push_back(std::move(p));
                 });
}

void Composer::read_observables(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(file, node, "observables", diagnostics_,
                 [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
                   if (!check_identifier(file, key, name, "observable")) return;
                   MapReader r(file, value, fmt::format("observable '{}'", name), diagnostics_,
                               {"value", "unit", "description"});
                   if (!r.ok()) return;
                   Parameter p;
                   p.id = scope.declare(name);
                   p.constant = false;
                   p.observable = true;
                   p.location = file.location(key);
                   p.unit =
                       read_unit(r, "has no `unit:`: every quantity needs one (use '1' for dimensionless)",
                                 units_optional());
                   p.description = r.string("description").value_or("");
                   auto math = r.expression("value");
                   if (!r.has("value")) r.error("has no `value:` expression");
                   model_.parameters.push_back(p);
                   if (!math) return;
                   qualify(*math, scope);
                   model_.rules.push_back({Rule::Kind::kAssignment, p.id, std::move(*math), p.location});
                 });
}

void Composer::read_rules(const YamlFile& file, const YAML::Node& node, const Scope& scope, Rule::Kind kind) {
  const char* section = kind == Rule::Kind::kAssignment ? "assignment_rules" : "rate_rules";
  const char* field = kind == Rule::Kind::kAssignment ? "value" : "rate";
  for_each_entry(
      file, node, section, diagnostics_,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        const std::string what =
            fmt::format("{} rule of '{}'", kind == Rule::Kind::kAssignment ? "assignment" : "rate", name);
        std::optional<Expression> math;
        if (value.IsScalar()) {
          math = file.expression(value, what, diagnostics_);
        } else {
          MapReader r(file, value, what, diagnostics_, {field, "description"});
          if (!r.ok()) return;
          (void)r.string("description");
          math = r.expression(field);
          if (!r.has(field)) r.error(fmt::format("has no `{}:` expression", field));
        }
        if (!math) return;
        qualify(*math, scope);
        model_.rules.push_back({kind, scope.reference(name), std::move(*math), file.location(key)});
      });
}

void Composer::read_reactions(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(
      file, node, "reactions", diagnostics_,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        if (!check_identifier(file, key, name, "reaction")) return;
        MapReader r(file, value, fmt::format("reaction '{}'", name), diagnostics_,
                    {"equation", "rate", "modifiers", "parameters", "description", "fast"});
        if (!r.ok()) return;
        Reaction rx;
        rx.id = scope.declare(name);
        rx.location = file.location(key);
        rx.description = r.string("description").value_or("");
        rx.fast = r.boolean("fast").value_or(false);
        if (auto equation = r.string("equation")) {
          ParsedEquation parsed = parse_equation(*equation, file.location(r.node("equation")), diagnostics_);
          for (auto& ref : parsed.reactants) ref.species = scope.reference(ref.species);
          for (auto& ref : parsed.products) ref.species = scope.reference(ref.species);
          rx.reactants = std::move(parsed.reactants);
          rx.products = std::move(parsed.products);
          rx.reversible = parsed.reversible;
        } else {
          r.error("has no `equation:` (for example \"A + B -> C\", \"-> X\" or \"X ->\")");
        }
        for (const auto& m : r.string_list("modifiers")) rx.modifiers.push_back(scope.reference(m));
        std::set<std::string> locals;
        for_each_entry(
            file, r.node("parameters"), fmt::format("parameters of reaction '{}'", name), diagnostics_,
            [&](const std::string& pname, const YAML::Node& pkey, const YAML::Node& pvalue) {
              if (!check_identifier(file, pkey, pname, "local parameter")) return;
              Parameter p = read_parameter(file, pname, pvalue, Scope{},
                                           fmt::format("local parameter '{}' of reaction '{}'", pname, name),
                                           /*local=*/true);
              p.location = file.location(pkey);
              if (p.value_expr) {
                diagnostics_.error(p.value_expr->location,
                                   "a reaction's local parameter needs a number, not an expression");
                p.value_expr.reset();
              }
              locals.insert(pname);
              rx.local_parameters.push_back(std::move(p));
            });
        auto rate = r.expression("rate");
        if (!r.has("rate")) r.error("has no `rate:` expression");
        if (rate) {
          qualify(*rate, scope, locals);
          rx.rate = std::move(*rate);
        }
        model_.reactions.push_back(std::move(rx));
      });
}

void Composer::read_events(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(
      file, node, "events", diagnostics_,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        if (!check_identifier(file, key, name, "event")) return;
        MapReader r(file, value, fmt::format("event '{}'", name), diagnostics_,
                    {"trigger", "at", "delay", "priority", "persistent", "initial_value",
                     "use_values_from_trigger_time", "assign", "description"});
        if (!r.ok()) return;
        Event ev;
        ev.id = scope.declare(name);
        ev.location = file.location(key);
        ev.description = r.string("description").value_or("");
        if (r.has("trigger") && r.has("at")) r.error("give either `trigger:` or `at:`, not both");
        if (auto at = r.number("at")) {
          // `at: T` is `trigger: time >= T`, which fires at T (also at T = 0 with the default initial_value false).
          ev.trigger.ast = expr::make_binary(expr::AstOp::kGe, expr::make_symbol("time"),
                                             expr::make_number(*at, model_.time_unit));
          ev.trigger.text = fmt::format("time >= {} [{}]", *at, model_.time_unit);
          ev.trigger.location = file.location(r.node("at"));
          ev.trigger.single_line = false;
        } else if (auto trigger = r.expression("trigger")) {
          qualify(*trigger, scope);
          ev.trigger = std::move(*trigger);
        } else if (!r.has("trigger") && !r.has("at")) {
          r.error("needs a `trigger:` condition (e.g. \"X > 5\") or a time `at:`");
        }
        if (r.has("delay")) {
          ev.delay = r.expression("delay");
          if (ev.delay) qualify(*ev.delay, scope);
        }
        if (r.has("priority")) {
          ev.priority = r.expression("priority");
          if (ev.priority) qualify(*ev.priority, scope);
        }
        ev.persistent = r.boolean("persistent").value_or(true);
        ev.initial_value = r.boolean("initial_value").value_or(false);
        ev.use_values_from_trigger_time = r.boolean("use_values_from_trigger_time").value_or(true);
        for_each_entry(
            file, r.node("assign"), fmt::format("assign of event '{}'", name), diagnostics_,
            [&](const std::string& variable, const YAML::Node& vkey, const YAML::Node& vvalue) {
              auto math = file.expression(
                  vvalue, fmt::format("assignment to '{}' in event '{}'", variable, name), diagnostics_);
              if (!math) return;
              qualify(*math, scope);
              ev.assignments.push_back({scope.reference(variable), std::move(*math), file.location(vkey)});
            });
        if (!r.has("assign")) r.error("has no `assign:` block: an event must change something");
        model_.events.push_back(std::move(ev));
      });
}

ParsedEquation parse_equation(const std::string& text, const SourceLocation& location,
                              Diagnostics& diagnostics) {
  ParsedEquation out;
  auto fail = [&](std::size_t offset, const std::string& message) {
    SourceLocation loc = location;
    if (loc.column > 0) loc.column += static_cast<int>(offset);
    diagnostics.error(loc, fmt::format("in reaction equation \"{}\": {}", text, message));
  };
  std::size_t arrow = text.find("<->");
  std::size_t arrow_len = 3;
  out.reversible = arrow != std::string::npos;
  if (!out.reversible) {
    arrow = text.find("->");
    arrow_len = 2;
  }
  if (arrow == std::string::npos) {
    fail(0, "expected '->' (or '<->' for a reversible reaction)");
    return out;
  }
  bool ok = true;
  auto read_side = [&](std::size_t begin, std::size_t end, std::vector<SpeciesReference>& refs) {
    std::size_t pos = begin;
    auto skip = [&] {
      while (pos < end && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    };
    skip();
    if (pos == end) return;  // an empty side: creation from or degradation to nothing
    while (true) {
      skip();
      const std::size_t term_start = pos;
      double stoichiometry = 1.0;
      if (pos < end && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) {
        std::size_t num_end = pos;
        while (num_end < end && !std::isspace(static_cast<unsigned char>(text[num_end]))) ++num_end;
        auto number = parse_number(text.substr(pos, num_end - pos));
        if (!number || *number <= 0) {
          fail(pos, "stoichiometry must be a positive number");
          ok = false;
          return;
        }
        stoichiometry = *number;
        pos = num_end;
        skip();
      }
      const std::size_t name_start = pos;
      while (pos < end &&
             (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_' || text[pos] == '.'))
        ++pos;
      if (pos == name_start) {
        fail(pos, "expected a species name");
        ok = false;
        return;
      }
      refs.push_back({text.substr(name_start, pos - name_start), stoichiometry, location});
      (void)term_start;
      skip();
      if (pos == end) return;
      if (text[pos] != '+') {
        fail(pos, fmt::format("unexpected '{}': terms are separated by '+'", text[pos]));
        ok = false;
        return;
      }
      ++pos;
    }
  };
  read_side(0, arrow, out.reactants);
  read_side(arrow + arrow_len, text.size(), out.products);
  if (ok && out.reactants.empty() && out.products.empty()) {
    // Allowed (SBML has such reactions: their name stands for a rate in math), but usually a slip.
    diagnostics.warning(location, fmt::format("reaction equation \"{}\" changes no species", text));
  }
  out.ok = ok;
  return out;
}

}  // namespace tolsim::model::detail
