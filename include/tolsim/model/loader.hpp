// Reading model files (YAML) into the IR, with their includes, and checking them.
//
// load_model reads the root file and every file it includes, qualifies the names of included modules with their
// namespace, binds module inputs to the names the includer connects them to, and then validates the whole model:
// unknown and duplicate names, cyclic assignment rules and initial assignments, misuse of constants, division by a
// constant zero, non-finite numbers, negative sizes, and the dimensional consistency of every equation. All
// problems found are reported together in one ModelError; warnings (parameters without a source...) come back in
// LoadedModel::diagnostics. The format is documented in docs/model-format.md.
#pragma once

#include <string>

#include "tolsim/common/error.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim::model {

struct LoadedModel {
  Model model;
  Diagnostics diagnostics;  // warnings and notes only: errors are thrown
};

// Throws ModelError with every problem found.
LoadedModel load_model(const std::string& path);

// Same, from text; `file_name` is used in messages and to resolve includes relative to its folder.
LoadedModel load_model_from_string(const std::string& text, const std::string& file_name);

// Validates a model built in code or by an importer (load_model calls it). Appends to `diagnostics`.
void validate_model(const Model& model, Diagnostics& diagnostics);

}  // namespace tolsim::model
