#include "model/composer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tolsim::model::detail {

namespace fs = std::filesystem;

std::string Scope::reference(const std::string& name) const {
  if (is_reserved_name(name)) return name;
  auto it = bindings.find(name);
  if (it != bindings.end()) return it->second;
  return prefix + name;
}

void Composer::qualify(Expression& e, const Scope& scope, const std::set<std::string>& locals) const {
  if (!e.ast || (scope.prefix.empty() && scope.bindings.empty())) return;
  e.ast = expr::rename(e.ast, [&](const std::string& name, bool is_call) -> std::string {
    if (is_call) {
      const auto& builtins = builtin_function_names();
      if (std::find(builtins.begin(), builtins.end(), name) != builtins.end()) return name;
      return scope.prefix + name;
    }
    if (locals.count(name)) return name;
    return scope.reference(name);
  });
}

bool Composer::check_identifier(const YamlFile& file, const YAML::Node& at, const std::string& name,
                                const std::string& kind) {
  bool valid = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!valid) {
    diagnostics_.error(
        file.location(at),
        fmt::format("invalid {} name '{}': use letters, digits and '_', starting with a letter "
                    "('.' is reserved for module namespaces)",
                    kind, name));
    return false;
  }
  if (is_reserved_name(name)) {
    diagnostics_.error(
        file.location(at),
        fmt::format("'{}' is a reserved name (time, constants and built-in functions) and cannot "
                    "name a {}",
                    name, kind));
    return false;
  }
  return true;
}

void Composer::read(const std::string& path, const std::string* text, const Scope& scope,
                    const SourceLocation& from) {
  std::string contents;
  std::string key = path;
  if (text) {
    contents = *text;
  } else {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      diagnostics_.error(from.known() ? from : SourceLocation{path, 0, 0},
                         fmt::format("model file '{}' does not exist", path));
      return;
    }
    if (fs::is_directory(path, ec)) {
      diagnostics_.error(from.known() ? from : SourceLocation{path, 0, 0},
                         fmt::format("'{}' is a folder, not a model file", path));
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diagnostics_.error(from.known() ? from : SourceLocation{path, 0, 0},
                         fmt::format("cannot read model file '{}'", path));
      return;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    contents = buffer.str();
    key = fs::weakly_canonical(path, ec).string();
    if (ec) key = path;
  }
  if (std::find(stack_.begin(), stack_.end(), key) != stack_.end()) {
    std::string chain;
    for (const auto& f : stack_) chain += f + " -> ";
    diagnostics_.error(from, fmt::format("include cycle: {}{}", chain, key));
    return;
  }
  if (stack_.size() >= 32) {
    diagnostics_.error(from, "includes nested more than 32 deep");
    return;
  }
  model_.files.push_back(path);
  YamlFile file(path, std::move(contents), diagnostics_);
  if (!file.ok()) return;
  stack_.push_back(key);
  read_document(file, scope);
  stack_.pop_back();
}

void Composer::read_document(const YamlFile& file, const Scope& scope) {
  const YAML::Node& root = file.root();
  if (!root.IsDefined() || root.IsNull()) {
    diagnostics_.error(file.file_location(), "the model file is empty");
    return;
  }
  MapReader top(file, root, "model file", diagnostics_,
                {"tolsim", "name", "description", "time_unit", "unit_check", "conversion_factor", "include",
                 "inputs", "compartments", "species", "parameters", "observables", "assignment_rules",
                 "rate_rules", "reactions", "events", "functions", "notes"});
  if (!top.ok()) return;
  const bool is_root = stack_.size() == 1;

  if (auto version = top.integer("tolsim"); version && *version != 1)
    top.error(top.node("tolsim"),
              fmt::format("format version {} is not supported (this tolsim reads 1)", *version));

  const std::string time_unit = top.string("time_unit").value_or("day");
  if (is_root) {
    model_.time_unit = time_unit;
    model_.name = top.string("name").value_or(fs::path(file.path()).stem().string());
    model_.description = top.string("description").value_or("");
    model_.location = file.file_location();
    if (auto mode = top.string("unit_check")) {
      if (*mode == "error")
        model_.unit_check = UnitCheck::kError;
      else if (*mode == "warn")
        model_.unit_check = UnitCheck::kWarning;
      else if (*mode == "off")
        model_.unit_check = UnitCheck::kOff;
      else
        top.error(top.node("unit_check"),
                  fmt::format("unit_check must be error, warn or off, not '{}'", *mode));
    }
  } else if (time_unit != model_.time_unit) {
    top.error(
        top.has("time_unit") ? top.node("time_unit") : root,
        fmt::format("time unit '{}' differs from the including model's '{}'; modules must share one time "
                    "unit",
                    time_unit, model_.time_unit));
  } else {
    (void)top.string("name");
    (void)top.string("description");
  }
  if (auto factor = top.string("conversion_factor")) {
    if (is_root)
      model_.conversion_factor = scope.reference(*factor);
    else
      top.error(top.node("conversion_factor"),
                "only the top model file can set a model-wide conversion_factor");
  }
  // Inputs first: they change how every later name of this file resolves. Includes next, so that a module's
  // quantities exist before the file that uses them.
  read_inputs(file, top.node("inputs"), scope);
  read_includes(file, top.node("include"), scope);
  read_functions(file, top.node("functions"), scope);
  read_compartments(file, top.node("compartments"), scope);
  read_species(file, top.node("species"), scope);
  read_parameters(file, top.node("parameters"), scope);
  read_observables(file, top.node("observables"), scope);
  read_rules(file, top.node("assignment_rules"), scope, Rule::Kind::kAssignment);
  read_rules(file, top.node("rate_rules"), scope, Rule::Kind::kRate);
  read_reactions(file, top.node("reactions"), scope);
  read_events(file, top.node("events"), scope);
}

void Composer::read_inputs(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  std::set<std::string> declared;
  for_each_entry(
      file, node, "inputs", diagnostics_,
      [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
        if (!check_identifier(file, key, name, "input")) return;
        declared.insert(name);
        MapReader r(file, value, fmt::format("input '{}'", name), diagnostics_,
                    {"unit", "description", "default", "source"});
        if (!r.ok()) return;
        const std::string unit = read_unit(
            r, "has no unit: every quantity needs one (use '1' for dimensionless)", units_optional());
        auto bound = scope.bindings.find(name);
        if (bound != scope.bindings.end()) {
          input_bindings_.push_back({scope.declare(name), bound->second, unit, file.location(key)});
          return;
        }
        if (!r.has("default")) {
          diagnostics_.error(
              scope.included_at.known() ? scope.included_at : file.location(key),
              fmt::format("input '{}' of {} is not connected: add it to `connect:` of the include, or "
                          "give the input a `default:` value",
                          name, file.path()));
          return;
        }
        // Unconnected input with a default: the module can run on its own, with the input as a constant parameter.
        Parameter p;
        p.id = scope.declare(name);
        p.value = r.number("default");
        p.unit = unit;
        p.description = r.string("description").value_or("");
        p.source = read_source(r, file);
        p.location = file.location(key);
        model_.parameters.push_back(std::move(p));
      });
  for (const auto& [name, target] : scope.bindings) {
    if (!declared.count(name)) {
      std::vector<std::string> candidates(declared.begin(), declared.end());
      diagnostics_.error(scope.included_at,
                         fmt::format("`connect:` names '{}', which {} does not declare under "
                                     "`inputs:`{}",
                                     name, file.path(), did_you_mean(name, candidates)));
    }
  }
}

void Composer::read_includes(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    diagnostics_.error(file.location(node), "'include' must be a list of modules (- file: ..., as: ...)");
    return;
  }
  const fs::path folder = fs::path(file.path()).parent_path();
  for (const auto& entry : node) {
    YAML::Node spec = entry;
    if (entry.IsScalar()) {  // "- other.yaml": include without a namespace
      // reset(), not operator=: assigning to a yaml-cpp node that shares `entry` would overwrite the document's
      // node itself, turning the entry into an empty map and losing its file name and position.
      const std::string file_name = entry.Scalar();
      spec.reset(YAML::Node(YAML::NodeType::Map));
      spec["file"] = file_name;
    }
    MapReader r(file, spec, "include", diagnostics_, {"file", "as", "connect"});
    if (!r.ok()) continue;
    const auto relative = r.string("file");
    if (!relative) {
      r.error("has no `file:`");
      continue;
    }
    Scope child;
    child.included_at = file.location(entry);
    child.prefix = scope.prefix;
    if (auto ns = r.string("as")) {
      if (!check_identifier(file, r.node("as"), *ns, "namespace")) continue;
      child.prefix += *ns + ".";
    }
    for_each_entry(file, r.node("connect"), "connect", diagnostics_,
                   [&](const std::string& input, const YAML::Node&, const YAML::Node& target) {
                     if (!target.IsScalar()) {
                       diagnostics_.error(
                           file.location(target),
                           fmt::format("connect '{}': expected the name of a quantity", input));
                       return;
                     }
                     child.bindings[input] = scope.reference(target.Scalar());
                   });
    const fs::path path = fs::path(*relative).is_absolute() ? fs::path(*relative) : folder / *relative;
    read(path.lexically_normal().string(), nullptr, child, file.location(entry));
  }
}

void Composer::read_functions(const YamlFile& file, const YAML::Node& node, const Scope& scope) {
  for_each_entry(file, node, "functions", diagnostics_,
                 [&](const std::string& name, const YAML::Node& key, const YAML::Node& value) {
                   if (!check_identifier(file, key, name, "function")) return;
                   MapReader r(file, value, fmt::format("function '{}'", name), diagnostics_,
                               {"args", "body", "description"});
                   if (!r.ok()) return;
                   FunctionDefinition f;
                   f.id = scope.declare(name);
                   f.arguments = r.string_list("args");
                   std::set<std::string> args;
                   for (const auto& a : f.arguments) {
                     if (!check_identifier(file, r.node("args"), a, "function argument")) continue;
                     if (!args.insert(a).second)
                       r.error(r.node("args"), fmt::format("argument '{}' appears twice", a));
                   }
                   f.description = r.string("description").value_or("");
                   f.location = file.location(key);
                   auto body = r.expression("body");
                   if (!r.has("body")) r.error("has no `body:`");
                   if (!body) return;
                   f.body = std::move(*body);
                   qualify(f.body, scope, args);
                   model_.functions.push_back(std::move(f));
                 });
}

}  // namespace tolsim::model::detail
