// Reading SBML (Level 2 and 3 core, through libSBML) into tolsim's model IR.
//
// The IR holds SBML Level 3 core semantics (tolsim/model/ir.hpp), so reading is a translation element by element:
// compartments, species (amount or concentration, boundary, constant, conversion factors), parameters, initial
// assignments, assignment and rate rules, reactions with local parameters, events (trigger initial value and
// persistence, delay, priority, trigger-time values) and the model-wide conversion factor. Function definitions are
// expanded into the expressions that call them. MathML becomes tolsim expressions.
//
// A hierarchical model (the comp package) is first flattened into one model by libSBML's converter; external model
// definitions are files beside it. Linear algebraic rules are solved into assignment rules; delay() in math becomes
// tolsim's delay(). Unsupported constructs are errors with the element and its line: non-linear algebraic rules,
// more than one fast reaction, Level 3 packages other than comp, layout and render. rateOf() is written out from the rules and reactions;
// species references with ids are parameters, and a stoichiometry that can change splits its term off the reaction. Elements without math
// are ignored, as SBML says; species in zero-dimensional compartments without a size are amounts; a negative stoichiometry moves
// the species to the other side of the reaction. docs/sbml.md lists
// what is supported. SBML quantities carry no provenance; imported parameters are marked as such in their source,
// except in a document that tolsim wrote, whose annotations give back ids, units, sources, variability and priors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tolsim/model/loader.hpp"

namespace tolsim::sbml {

struct ReadOptions {
  // A model exported by tolsim carries each module id ("msc.X", SBML id "msc__X") in an annotation. True: read it
  // as that id. False: keep the SBML id, for a single YAML file, which has no modules (`tolsim import-sbml`).
  bool module_ids = true;
};

// Throws ModelError (every problem found, with file and line) for unreadable, invalid or unsupported SBML.
//
// SBML ids that are reserved names in tolsim (`pi`, `time`, `exp`...) are read with a trailing underscore, and a
// local parameter that would hide a compartment, species or reaction is read as `<reaction>_<parameter>_`. Each
// model-wide rename is a note in the diagnostics; `renamed`, if given, receives them (SBML id -> tolsim id).
model::LoadedModel read_sbml(const std::string& path, std::map<std::string, std::string>* renamed = nullptr,
                             const ReadOptions& options = {});

// Same, from the text of a document; `file_name` is used in messages.
model::LoadedModel read_sbml_from_string(const std::string& text, const std::string& file_name,
                                         std::map<std::string, std::string>* renamed = nullptr,
                                         const ReadOptions& options = {});

// The sources of the external model definitions (comp package) in the SBML file `path` that are not files beside
// it. Such a model cannot be read; the SBML Test Suite runner skips it.
std::vector<std::string> missing_external_models(const std::string& path);

// True when `path` names an SBML file (extension .xml or .sbml, any case).
bool is_sbml_path(const std::string& path);

}  // namespace tolsim::sbml
