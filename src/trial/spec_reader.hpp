// Private: the pieces of the trial-spec reader (spec_loader.cpp) that its parts share. The population section is
// read in spec_population.cpp; everything else in spec_loader.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/yaml_reader.hpp"
#include "tolsim/trial/spec.hpp"

namespace tolsim::trial::detail {

// A time in days: a bare number is days; "12 week", "6 month" (30.4375 d) and "1 year" (365.25 d) are converted.
// On failure, nullopt and `problem` says why.
std::optional<double> to_days(const std::string& text, std::string& problem);

// The file being read, where its problems go, and readers every section uses.
class SpecReaderBase {
 public:
  SpecReaderBase(const model::detail::YamlFile& file, Diagnostics& d) : file_(file), d_(d) {}

 protected:
  const model::detail::YamlFile& file_;
  Diagnostics& d_;

  SourceLocation at(const YAML::Node& n) const { return file_.location(n); }
  // The time under `key` in days (nullopt when absent; an error at its line when it is not a time).
  std::optional<double> time(model::detail::MapReader& r, const char* key);
  // The list of numbers under `key` (empty when absent; an error at its line when it is not one).
  std::vector<double> numbers(model::detail::MapReader& r, const char* key);
};

// Reads `population:` (size, covariates, run-in, criteria, targets, correlations) into p.
void read_population(const model::detail::YamlFile& file, Diagnostics& d, const YAML::Node& node,
                     PopulationSpec& p);

}  // namespace tolsim::trial::detail
