// Private helpers for reading YAML with exact source locations and complete error reports.
//
// A MapReader wraps one YAML mapping of a known kind ("parameter 'k'"), hands out its fields typed, and reports
// every problem as a diagnostic at the offending node: wrong type, non-finite number, unknown field (with a
// suggestion), duplicate key. Readers never throw; callers keep going so that one pass finds every problem.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tolsim/common/error.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim::model::detail {

// One YAML document with its path and raw text.
class YamlFile {
 public:
  // Parses `text`; a YAML syntax error becomes a diagnostic and root() is null.
  YamlFile(std::string path, std::string text, Diagnostics& diagnostics);

  const std::string& path() const { return path_; }
  const YAML::Node& root() const { return root_; }
  bool ok() const { return ok_; }

  SourceLocation location(const YAML::Node& node) const;
  SourceLocation file_location() const { return {path_, 0, 0}; }

  // Parses a scalar node as an expression. A syntax error becomes a diagnostic at its exact column.
  std::optional<Expression> expression(const YAML::Node& node, const std::string& what,
                                       Diagnostics& diagnostics) const;

 private:
  std::string path_;
  std::string text_;
  YAML::Node root_;
  bool ok_ = false;
};

// Parses a whole string as a finite double; nullopt otherwise.
std::optional<double> parse_number(const std::string& text);
// YAML and C spellings of infinity and NaN ("inf", ".nan"...). As a value they are reported as a slip.
bool looks_non_finite(const std::string& text);

class MapReader {
 public:
  MapReader(const YamlFile& file, const YAML::Node& node, std::string what, Diagnostics& diagnostics,
            std::initializer_list<const char*> allowed_keys);

  bool ok() const { return ok_; }
  const std::string& what() const { return what_; }
  SourceLocation location() const { return file_.location(node_); }
  bool has(const char* key) const;

  // The raw node of a field (null when absent).
  YAML::Node node(const char* key) const;

  std::optional<std::string> string(const char* key);
  std::optional<double> number(const char* key);
  std::optional<bool> boolean(const char* key);
  std::optional<int> integer(const char* key);
  std::vector<std::string> string_list(const char* key);
  // A number when the scalar is a number; otherwise an expression. Exactly one of the two is set when present.
  void number_or_expression(const char* key, std::optional<double>& number,
                            std::optional<Expression>& expression);
  std::optional<Expression> expression(const char* key);

  void error(const YAML::Node& at, const std::string& message);
  void error(const std::string& message) { error(node_, message); }

 private:
  const YamlFile& file_;
  YAML::Node node_;
  std::string what_;
  Diagnostics& diagnostics_;
  bool ok_ = false;
};

// Iterates a mapping of named entries (`parameters:`, `species:` ...), reporting a non-mapping section and
// duplicate keys. Calls visit(name, name_node, value_node) for each entry.
using EntryVisitor =
    std::function<void(const std::string& name, const YAML::Node& name_node, const YAML::Node& value)>;
void for_each_entry(const YamlFile& file, const YAML::Node& section, const std::string& section_name,
                    Diagnostics& diagnostics, const EntryVisitor& visit);

}  // namespace tolsim::model::detail
