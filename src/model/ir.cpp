#include "tolsim/model/ir.hpp"

#include <algorithm>
#include <unordered_set>

namespace tolsim::model {

SourceLocation Expression::at(std::size_t offset) const {
  SourceLocation loc = location;
  if (single_line && loc.column > 0) loc.column += static_cast<int>(offset);
  return loc;
}

namespace {
template <typename T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
  return it == items.end() ? nullptr : &*it;
}
}  // namespace

const Compartment* Model::find_compartment(const std::string& id) const {
  return find_by_id(compartments, id);
}
const Species* Model::find_species(const std::string& id) const {
  return find_by_id(species, id);
}
const Parameter* Model::find_parameter(const std::string& id) const {
  return find_by_id(parameters, id);
}
const FunctionDefinition* Model::find_function(const std::string& id) const {
  return find_by_id(functions, id);
}

const Rule* Model::find_rule(const std::string& variable) const {
  auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.variable == variable; });
  return it == rules.end() ? nullptr : &*it;
}

const std::vector<std::string>& builtin_function_names() {
  static const std::vector<std::string> names = {
      "exp",       "log",  "ln",   "log10",     "log2", "sqrt", "pow",  "abs",  "floor", "ceil",
      "factorial", "min",  "max",  "sin",       "cos",  "tan",  "asin", "acos", "atan",  "sinh",
      "cosh",      "tanh", "hill", "piecewise", "and",  "or",   "xor",  "not",  "delay"};
  return names;
}

bool is_reserved_name(const std::string& name) {
  static const std::unordered_set<std::string> constants = {"time", "pi",  "true",    "false",
                                                            "inf",  "nan", "avogadro"};
  if (constants.count(name)) return true;
  const auto& functions = builtin_function_names();
  return std::find(functions.begin(), functions.end(), name) != functions.end();
}

}  // namespace tolsim::model
