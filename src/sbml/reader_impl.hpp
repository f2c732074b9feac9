// The SBML reader's internals, shared by reader.cpp (the elements of a model) and mathml.cpp (MathML, function
// definitions and rateOf). Not installed: include/tolsim/sbml/reader.hpp is the interface.
#pragma once

#include <fmt/format.h>
#include <sbml/SBMLTypes.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/ast.hpp"
#include "tolsim/model/ir.hpp"
#include "tolsim/sbml/reader.hpp"

namespace tolsim::sbml::detail {

// Debian builds libSBML without its C++ namespace (LIBSBML_USE_CPP_NAMESPACE is off): its names are global.
using expr::AstOp;
using expr::AstPtr;

// A construct tolsim does not simulate; reported as an error at the element that uses it.
struct Unsupported {
  std::string what;
};

class Reader {
 public:
  Reader(std::string file, Diagnostics& diagnostics, ReadOptions options)
      : file_(std::move(file)), diagnostics_(diagnostics), options_(options) {}

  model::Model read(::SBMLDocument& document);
  const std::map<std::string, std::string>& renamed() const { return renamed_; }

 private:
  SourceLocation where(const ::SBase* element) const {
    SourceLocation location;
    location.file = file_;
    if (element) {
      location.line = static_cast<int>(element->getLine());
      location.column = static_cast<int>(element->getColumn());
    }
    return location;
  }
  void error(const ::SBase* element, std::string message) {
    diagnostics_.error(where(element), std::move(message));
  }

  // MathML to a tolsim expression; nullopt (after an error at `owner`) when the math uses something unsupported.
  std::optional<model::Expression> expression(const ::ASTNode* math, const ::SBase* owner, const char* role);
  AstPtr convert(const ::ASTNode& node) const;
  AstPtr fold(const ::ASTNode& node, AstOp op, double empty) const;
  AstPtr relation(const ::ASTNode& node, AstOp op) const;
  AstPtr call(const char* name, const ::ASTNode& node) const;
  AstPtr child(const ::ASTNode& node, unsigned int i) const { return convert(*node.getChild(i)); }
  AstPtr expand_call(const ::ASTNode& node) const;

  void read_species_reference(const ::SpeciesReference& reference, bool reactant, model::Reaction& out);
  void read_stoichiometry_parameters(const ::Model& sm, model::Model& m);
  void add_split_reactions(const std::string& reaction, bool reversible, model::Model& m);

  // The tolsim id of an SBML id: SBML ids that are tolsim's reserved names (pi, time, exp...) are renamed, and
  // so are local parameters that would hide a compartment, species or reaction (see plan_renames).
  std::string id(const std::string& sbml_id) const {
    if (auto it = local_.find(sbml_id); it != local_.end()) return it->second;
    if (auto it = original_.find(sbml_id); it != original_.end()) return it->second;
    auto it = renamed_.find(sbml_id);
    return it == renamed_.end() ? sbml_id : it->second;
  }
  void plan_renames(const ::Model& sm);
  void restore_annotations(const ::Model& sm, model::Model& m);
  void restore(const ::SBase& element, model::Parameter& p);
  void resolve_rate_of(model::Model& m);
  AstPtr rate_of(const model::Model& m, const std::string& x, int depth);
  // `delayed`: inside the first argument of delay().
  AstPtr without_rate_of(const model::Model& m, const AstPtr& node, int depth, bool delayed = false);
  std::string fresh_id(std::string base);

  std::string file_;
  Diagnostics& diagnostics_;
  ReadOptions options_;
  std::set<std::string> assigned_;              // ids that rules, initial assignments or events set
  std::set<std::string> taken_;                 // every id in use, SBML's and the renamed ones
  std::map<std::string, std::string> renamed_;  // model-wide SBML id -> tolsim id
  std::map<std::string, std::string>
      original_;  // SBML id -> tolsim id from a tolsim annotation ("a__b" -> "a.b")
  std::map<std::string, std::string>
      unit_text_;                             // unit definition id -> tolsim unit, from a tolsim annotation
  std::map<std::string, std::string> local_;  // within the kinetic law being read: local id -> tolsim id
  std::set<std::string> local_ids_;           // within the kinetic law being read: its local parameters
  const ::Model* sbml_model_ = nullptr;
  // Stoichiometries that may change (set by stoichiometryMath, rules, initial assignments or events): the
  // parameter that holds each, and the terms of the reaction being read that use one.
  struct SplitTerm {
    std::string species;
    bool reactant;
    std::string stoichiometry;  // parameter id
    SourceLocation location;
  };
  std::map<const ::SpeciesReference*, std::string> stoichiometry_parameter_;
  std::vector<SplitTerm> split_;
  // While a function body is expanded: its arguments (the innermost call last), each bound to the converted
  // expression passed for it.
  mutable std::vector<std::map<std::string, AstPtr>> bound_;
  unsigned int level_ = 3;
};

constexpr const char* kRateOf = "rateOf";  // not a tolsim function: never left in a model read

inline AstPtr number(double x) {
  return expr::make_number(x);
}

// A converted expression: its text is rendered from the tree, and its columns do not point into the XML.
model::Expression converted(AstPtr ast, SourceLocation location);

// What a tolsim annotation on an element holds (annotations.cpp); `present` is false for an element without one.
struct Info {
  bool present = false;
  std::string id;    // the tolsim id, when it is not an SBML id
  std::string unit;  // as written
  model::Provenance source;
  std::optional<model::Variability> variability;
  std::optional<model::Prior> prior;
  bool observable = false;
  bool allow_negative = false;
  bool fast = false;  // on a reaction
  std::optional<double> atol;
  std::string name, time_unit, unit_check;  // on the model
};
Info read_info(const ::SBase& element, const SourceLocation& at, Diagnostics& diagnostics);

// An algebraic rule as read: 0 = math.
struct AlgebraicRule {
  model::Expression math;
  SourceLocation location;
};

// Adds an assignment rule for each algebraic rule, solved for the quantity it determines (algebraic.cpp). Errors
// (a rule that is not linear in any quantity it could determine) go to `diagnostics`.
void solve_algebraic_rules(const std::vector<AlgebraicRule>& rules, model::Model& m,
                           Diagnostics& diagnostics);

// Whether an expression is a truth value (a relation, a logical operation or true/false) rather than a number.
bool is_condition(const expr::Ast& a);

}  // namespace tolsim::sbml::detail
