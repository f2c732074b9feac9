#include "tolsim/model/yaml_writer.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "model/yaml_reader.hpp"

namespace tolsim::model {

namespace {

std::string number_text(double value) {
  return expr::to_string(*expr::make_number(value));
}

std::string text_of(const Expression& e) {
  return e.ast ? expr::to_string(*e.ast) : e.text;
}

bool plain_name(const std::string& id) {
  if (id.empty() || !(std::isalpha(static_cast<unsigned char>(id[0])) || id[0] == '_')) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

class Writer {
 public:
  explicit Writer(const Model& m) : m_(m) {
    for (const auto& rule : m.rules)
      if (rule.kind == Rule::Kind::kAssignment) assigned_.insert(rule.variable);
  }

  std::string write(const std::string& header) {
    check_names();
    out_.SetIndent(2);
    out_ << YAML::BeginMap;
    entry("tolsim", 1);
    entry("name", m_.name);
    if (!m_.description.empty()) entry("description", m_.description);
    entry("time_unit", m_.time_unit);
    entry("unit_check", m_.unit_check == UnitCheck::kError     ? "error"
                        : m_.unit_check == UnitCheck::kWarning ? "warn"
                                                               : "off");
    if (!m_.conversion_factor.empty()) entry("conversion_factor", m_.conversion_factor);
    functions();
    compartments();
    species();
    parameters();
    rules();
    reactions();
    events();
    out_ << YAML::EndMap;
    std::string text;
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) text += line.empty() ? "#\n" : "# " + line + "\n";
    return text + out_.c_str() + "\n";
  }

 private:
  template <typename T>
  void entry(const char* key, const T& value) {
    out_ << YAML::Key << key << YAML::Value << value;
  }
  void begin_section(const char* name) { out_ << YAML::Key << name << YAML::Value << YAML::BeginMap; }
  void begin(const std::string& id) { out_ << YAML::Key << id << YAML::Value << YAML::BeginMap; }
  void end() { out_ << YAML::EndMap; }
  void description(const std::string& text) {
    if (!text.empty()) entry("description", text);
  }
  void unit(const std::string& text) {
    if (!text.empty()) entry("unit", text);
  }
  void source(const Provenance& p) {
    if (!p.missing()) entry("source", p.text);
  }
  // A number or an expression. A quantity that an assignment rule sets may have neither; any other is given 0,
  // the solver's value for a missing one. Infinite and NaN numbers are written as the expressions "(inf)" and
  // "(nan)", since the reader takes a non-finite number for a slip; so is an expression spelled like one (a
  // parameter called NaN).
  void value(const char* key, const std::string& id, const std::optional<double>& number,
             const std::optional<Expression>& e) {
    if (e) {
      const std::string text = text_of(*e);
      entry(key, detail::looks_non_finite(text) ? fmt::format("({})", text) : text);
    } else if (number && !std::isfinite(*number)) {
      entry(key, fmt::format("({})", number_text(*number)));
    } else if (number || !assigned_.count(id)) {
      entry(key, number_text(number.value_or(0.0)));
    }
  }

  void check_names() {
    std::vector<std::string> bad;
    auto check = [&](const std::string& id) {
      if (!plain_name(id)) bad.push_back(id);
    };
    for (const auto& c : m_.compartments) check(c.id);
    for (const auto& s : m_.species) check(s.id);
    for (const auto& p : m_.parameters) check(p.id);
    for (const auto& r : m_.reactions) check(r.id);
    for (const auto& e : m_.events) check(e.id);
    for (const auto& f : m_.functions) check(f.id);
    if (!bad.empty())
      throw ModelError(
          m_.location,
          fmt::format("cannot write model '{}' as one YAML file: {} not a plain name "
                      "(letters, digits and '_'): {}",
                      m_.name, bad.size() == 1 ? "this id is" : "these ids are", fmt::join(bad, ", ")));
  }

  void functions() {
    if (m_.functions.empty()) return;
    begin_section("functions");
    for (const auto& f : m_.functions) {
      begin(f.id);
      out_ << YAML::Key << "args" << YAML::Value << YAML::Flow << f.arguments;
      entry("body", text_of(f.body));
      description(f.description);
      end();
    }
    end();
  }

  void compartments() {
    if (m_.compartments.empty()) return;
    begin_section("compartments");
    for (const auto& c : m_.compartments) {
      begin(c.id);
      value("size", c.id, c.size, c.size_expr);
      unit(c.unit);
      if (!c.constant) entry("constant", false);
      if (c.spatial_dimensions >= 0 && c.spatial_dimensions < 3) entry("dimensions", c.spatial_dimensions);
      description(c.description);
      source(c.source);
      end();
    }
    end();
  }

  void species() {
    if (m_.species.empty()) return;
    begin_section("species");
    for (const auto& s : m_.species) {
      begin(s.id);
      entry("compartment", s.compartment);
      if (s.initial && !s.initial_expr && s.initial_is_amount && !s.only_substance_units &&
          !assigned_.count(s.id))
        entry("initial", expr::to_string(*expr::make_binary(expr::AstOp::kDiv, expr::make_number(*s.initial),
                                                            expr::make_symbol(s.compartment))));
      else
        value("initial", s.id, s.initial, s.initial_expr);
      unit(s.unit);
      entry("quantity", s.only_substance_units ? "amount" : "concentration");
      if (s.boundary) entry("boundary", true);
      if (s.constant) entry("constant", true);
      if (s.allow_negative) entry("allow_negative", true);
      if (s.atol) entry("atol", number_text(*s.atol));
      if (!s.conversion_factor.empty()) entry("conversion_factor", s.conversion_factor);
      description(s.description);
      end();
    }
    end();
  }

  void parameter_fields(const Parameter& p) {
    value("value", p.id, p.value, p.value_expr);
    unit(p.unit);
    description(p.description);
    source(p.source);
    if (p.variability) variability(*p.variability);
    if (p.prior) {
      out_ << YAML::Key << "prior" << YAML::Value << YAML::Flow << YAML::BeginMap;
      entry("lower", number_text(p.prior->lower));
      entry("upper", number_text(p.prior->upper));
      entry("scale", p.prior->scale == Prior::Scale::kLog ? "log" : "linear");
      out_ << YAML::EndMap;
    }
  }

  void variability(const Variability& v) {
    using D = Variability::Distribution;
    out_ << YAML::Key << "variability" << YAML::Value << YAML::Flow << YAML::BeginMap;
    entry("distribution", v.distribution == D::kLogNormal ? "lognormal"
                          : v.distribution == D::kNormal  ? "normal"
                                                          : "uniform");
    const std::pair<const char*, const std::optional<double>*> fields[] = {
        {"cv", &v.cv}, {"sigma", &v.sigma}, {"sd", &v.sd}, {"lower", &v.lower}, {"upper", &v.upper}};
    for (const auto& [key, field] : fields)
      if (*field) entry(key, number_text(**field));
    out_ << YAML::EndMap;
  }

  // Parameters that an assignment rule sets are observables: their value is the rule's.
  void parameters() {
    bool any = false;
    for (const auto& p : m_.parameters) {
      if (assigned_.count(p.id)) continue;
      if (!any) begin_section("parameters");
      any = true;
      begin(p.id);
      parameter_fields(p);
      if (!p.constant) entry("constant", false);
      end();
    }
    if (any) end();
    any = false;
    for (const auto& p : m_.parameters) {
      if (!assigned_.count(p.id)) continue;
      if (!any) begin_section("observables");
      any = true;
      begin(p.id);
      entry("value", text_of(m_.find_rule(p.id)->math));
      unit(p.unit);
      description(p.description);
      end();
    }
    if (any) end();
  }

  void rules() {
    for (const auto kind : {Rule::Kind::kAssignment, Rule::Kind::kRate}) {
      bool any = false;
      for (const auto& rule : m_.rules) {
        if (rule.kind != kind || (kind == Rule::Kind::kAssignment && m_.find_parameter(rule.variable)))
          continue;
        if (!any) begin_section(kind == Rule::Kind::kAssignment ? "assignment_rules" : "rate_rules");
        any = true;
        entry(rule.variable.c_str(), text_of(rule.math));
      }
      if (any) end();
    }
  }

  static std::string side(const std::vector<SpeciesReference>& refs) {
    std::string text;
    for (const auto& ref : refs) {
      if (!text.empty()) text += " + ";
      if (ref.stoichiometry != 1.0) text += number_text(ref.stoichiometry) + " ";
      text += ref.species;
    }
    return text;
  }

  void reactions() {
    if (m_.reactions.empty()) return;
    begin_section("reactions");
    for (const auto& r : m_.reactions) {
      begin(r.id);
      const std::string lhs = side(r.reactants), rhs = side(r.products);
      entry("equation", fmt::format("{}{}{}{}", lhs, lhs.empty() ? "" : " ", r.reversible ? "<->" : "->",
                                    rhs.empty() ? "" : " " + rhs));
      entry("rate", text_of(r.rate));
      if (r.fast) entry("fast", true);
      if (!r.modifiers.empty()) out_ << YAML::Key << "modifiers" << YAML::Value << YAML::Flow << r.modifiers;
      if (!r.local_parameters.empty()) {
        begin_section("parameters");
        for (const auto& p : r.local_parameters) {
          begin(p.id);
          parameter_fields(p);
          end();
        }
        end();
      }
      description(r.description);
      end();
    }
    end();
  }

  void events() {
    if (m_.events.empty()) return;
    begin_section("events");
    for (const auto& e : m_.events) {
      begin(e.id);
      entry("trigger", text_of(e.trigger));
      if (e.delay) entry("delay", text_of(*e.delay));
      if (e.priority) entry("priority", text_of(*e.priority));
      if (!e.persistent) entry("persistent", false);
      if (e.initial_value) entry("initial_value", true);
      if (!e.use_values_from_trigger_time) entry("use_values_from_trigger_time", false);
      out_ << YAML::Key << "assign" << YAML::Value << YAML::BeginMap;
      for (const auto& a : e.assignments) entry(a.variable.c_str(), text_of(a.math));
      out_ << YAML::EndMap;
      description(e.description);
      end();
    }
    end();
  }

  const Model& m_;
  std::set<std::string> assigned_;
  YAML::Emitter out_;
};

}  // namespace

std::string write_yaml(const Model& model, const std::string& header) {
  return Writer(model).write(header);
}

}  // namespace tolsim::model
