// Private: reading model files into one IR, module by module.
//
// A file read under a Scope has its declared names qualified with the scope's prefix ("core.") and the names of
// its inputs replaced by the global names the includer connected them to. The Composer owns the growing Model and
// the list of input bindings that are checked once every file has been read.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/yaml_reader.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim::model::detail {

struct Scope {
  std::string prefix;                           // "" for the root file, "core." for `as: core`
  std::map<std::string, std::string> bindings;  // input name -> global name it is connected to
  SourceLocation included_at;                   // the include entry, for messages about unconnected inputs

  // Global name of a name declared in this file.
  std::string declare(const std::string& name) const { return prefix + name; }
  // Global name of a name referenced in this file (reserved names stay as they are).
  std::string reference(const std::string& name) const;
};

// A module input bound to a quantity of the includer; checked after composition.
struct InputBinding {
  std::string input;   // global name the module would have given it ("msc.IFNg")
  std::string target;  // global name it is connected to ("core.IFNg")
  std::string unit;    // unit the module declared
  SourceLocation location;
};

class Composer {
 public:
  explicit Composer(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  // Reads a file (from disk when `text` is null) and, recursively, its includes.
  void read(const std::string& path, const std::string* text, const Scope& scope, const SourceLocation& from);

  Model& model() { return model_; }
  // With `unit_check: off` (of the root file) units may be left out.
  bool units_optional() const { return model_.unit_check == UnitCheck::kOff; }
  const std::vector<InputBinding>& input_bindings() const { return input_bindings_; }
  // Names explicitly declared `constant: true`; quantities that rules or events change become non-constant
  // unless they are in this set.
  const std::set<std::string>& explicit_constants() const { return explicit_constants_; }
  // Species whose `quantity:` (amount or concentration) was not given and is inferred from units.
  const std::set<std::string>& inferred_quantity() const { return inferred_quantity_; }
  // Quantities written without their `size:`, `initial:` or `value:`. That is allowed only when an assignment
  // rule sets them (the rule gives the value at every time); check_missing_values() says so once rules are read.
  struct MissingValue {
    std::string id;
    std::string message;  // "compartment 'c' has no `size:`"
    SourceLocation location;
  };
  void check_missing_values();

 private:
  void read_document(const YamlFile& file, const Scope& scope);
  void read_inputs(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_includes(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_compartments(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_species(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_parameters(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_observables(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_rules(const YamlFile& file, const YAML::Node& node, const Scope& scope, Rule::Kind kind);
  void read_reactions(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_events(const YamlFile& file, const YAML::Node& node, const Scope& scope);
  void read_functions(const YamlFile& file, const YAML::Node& node, const Scope& scope);

  // Reads the fields common to parameters (value, unit, description, source, variability, prior, constant).
  Parameter read_parameter(const YamlFile& file, const std::string& name, const YAML::Node& node,
                           const Scope& scope, const std::string& what, bool local = false);
  // Qualifies the names in an expression; `locals` are names bound inside it (function arguments, local
  // parameters of a reaction) that must stay as they are.
  void qualify(Expression& e, const Scope& scope, const std::set<std::string>& locals = {}) const;
  bool check_identifier(const YamlFile& file, const YAML::Node& at, const std::string& name,
                        const std::string& kind);

  Diagnostics& diagnostics_;
  Model model_;
  std::vector<std::string> stack_;  // canonical paths of the files being read, for include cycles
  std::vector<InputBinding> input_bindings_;
  std::set<std::string> explicit_constants_;
  std::vector<MissingValue> missing_values_;
  std::set<std::string> inferred_quantity_;
  bool have_time_unit_ = false;
};

// Reads the `source:` field of a parameter-like entry; "assumption:" must say why.
Provenance read_source(MapReader& r, const YamlFile& file);

// Reads a required `unit:`; a missing or empty one is reported with `missing` (an empty unit would otherwise
// silently switch off the unit checks of that quantity).
std::string read_unit(MapReader& r, const char* missing, bool optional = false);

// Parses a reaction equation such as "2 A + B -> C" or "A <-> B"; reports problems; names are as written.
struct ParsedEquation {
  std::vector<SpeciesReference> reactants;
  std::vector<SpeciesReference> products;
  bool reversible = false;
  bool ok = false;
};
ParsedEquation parse_equation(const std::string& text, const SourceLocation& location,
                              Diagnostics& diagnostics);

}  // namespace tolsim::model::detail
