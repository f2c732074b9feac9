#include "tolsim/io/diagram.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <vector>

#include "tolsim/expr/ast.hpp"

namespace tolsim::io {

namespace {

// A DOT string literal: quotes and backslashes escaped.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string species_node(const std::string& id) {
  return quoted("s:" + id);
}
std::string variable_node(const std::string& id) {
  return quoted("v:" + id);
}
std::string reaction_node(const std::string& id) {
  return quoted("r:" + id);
}

}  // namespace

std::string model_to_dot(const model::Model& m) {
  std::set<std::string> species;
  for (const auto& s : m.species) species.insert(s.id);
  std::map<std::string, model::Rule::Kind> rule_variables;  // non-species variables set by a rule
  for (const auto& r : m.rules)
    if (!species.count(r.variable)) rule_variables[r.variable] = r.kind;

  // The node of a symbol, or "" when the symbol is not drawn (parameters, compartments, time, functions).
  const auto node_of = [&](const std::string& symbol) -> std::string {
    if (species.count(symbol)) return species_node(symbol);
    if (rule_variables.count(symbol)) return variable_node(symbol);
    return "";
  };
  // The drawn symbols an expression uses, each once, in a stable order.
  const auto drawn_symbols = [&](const model::Expression& e) {
    std::set<std::string> out;
    if (e.ast)
      for (const auto& symbol : expr::symbols_used(*e.ast))
        if (!node_of(symbol).empty()) out.insert(symbol);
    return out;
  };

  std::string out = fmt::format("digraph {} {{\n", quoted(m.name));
  out +=
      "  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", "
      "fontsize=9];\n";

  // Species, one cluster per compartment (in the order compartments are declared).
  for (const auto& c : m.compartments) {
    std::string body;
    for (const auto& s : m.species)
      if (s.compartment == c.id)
        body += fmt::format("    {} [label={}, shape=ellipse];\n", species_node(s.id), quoted(s.id));
    if (body.empty()) continue;
    out += fmt::format("  subgraph {} {{\n    label={};\n    style=rounded;\n    color=gray60;\n{}  }}\n",
                       quoted("cluster_" + c.id), quoted(c.id), body);
  }
  for (const auto& [id, kind] : rule_variables)
    out += fmt::format("  {} [label={}, shape={}];\n", variable_node(id), quoted(id),
                       kind == model::Rule::Kind::kAssignment ? "note" : "ellipse, style=dashed");

  // Reactions.
  for (const auto& r : m.reactions) {
    out += fmt::format("  {} [label={}, shape=box, style=rounded, fontsize=9];\n", reaction_node(r.id),
                       quoted(r.id));
    std::set<std::string> participants;
    const auto stoichiometry = [](double n) {
      return n == 1.0 ? std::string() : fmt::format(" [label={}]", quoted(fmt::format("{:g}", n)));
    };
    for (const auto& s : r.reactants) {
      out += fmt::format("  {} -> {}{};\n", species_node(s.species), reaction_node(r.id),
                         stoichiometry(s.stoichiometry));
      participants.insert(s.species);
    }
    for (const auto& s : r.products) {
      out += fmt::format("  {} -> {}{};\n", reaction_node(r.id), species_node(s.species),
                         stoichiometry(s.stoichiometry));
      participants.insert(s.species);
    }
    std::set<std::string> modifiers = drawn_symbols(r.rate);
    for (const auto& s : r.modifiers)
      if (!node_of(s).empty()) modifiers.insert(s);
    for (const auto& s : modifiers)
      if (!participants.count(s))
        out += fmt::format("  {} -> {} [style=dashed, arrowhead=odot];\n", node_of(s), reaction_node(r.id));
  }

  // Rules: what each one's expression depends on.
  for (const auto& r : m.rules) {
    const std::string target = node_of(r.variable);
    if (target.empty()) continue;
    const char* style = r.kind == model::Rule::Kind::kRate ? "dashed" : "dotted";
    for (const auto& s : drawn_symbols(r.math))
      if (s != r.variable) out += fmt::format("  {} -> {} [style={}];\n", node_of(s), target, style);
  }
  out += "}\n";
  return out;
}

}  // namespace tolsim::io
