#include "model/yaml_reader.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>

namespace tolsim::model::detail {

YamlFile::YamlFile(std::string path, std::string text, Diagnostics& diagnostics)
    : path_(std::move(path)), text_(std::move(text)) {
  try {
    root_ = YAML::Load(text_);
    ok_ = true;
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; a mark of -1 means unknown.
    SourceLocation loc{path_, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                       e.mark.column >= 0 ? e.mark.column + 1 : 0};
    diagnostics.error(loc, fmt::format("malformed YAML: {}", e.msg));
  }
}

SourceLocation YamlFile::location(const YAML::Node& node) const {
  if (!node.IsDefined()) return {path_, 0, 0};
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {path_, 0, 0};
  return {path_, mark.line + 1, mark.column + 1};
}

std::optional<Expression> YamlFile::expression(const YAML::Node& node, const std::string& what,
                                               Diagnostics& diagnostics) const {
  if (!node.IsDefined() || node.IsNull()) {
    diagnostics.error(location(node), fmt::format("{} is empty: expected an expression", what));
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    diagnostics.error(location(node),
                      fmt::format("{} must be an expression (a string), not a list or mapping", what));
    return std::nullopt;
  }
  Expression e;
  e.text = node.Scalar();
  e.location = location(node);
  // Find where the characters of the text start in the file, so that offsets map to exact columns.
  const YAML::Mark mark = node.Mark();
  std::size_t start = mark.pos >= 0 ? static_cast<std::size_t>(mark.pos) : text_.size();
  if (start < text_.size() && (text_[start] == '"' || text_[start] == '\'')) {
    ++start;
    e.location.column += 1;
  } else if (start < text_.size() && (text_[start] == '|' || text_[start] == '>')) {
    // Block scalar: the text starts on a following line; report at its first character.
    std::size_t eol = text_.find('\n', start);
    std::size_t p = eol == std::string::npos ? text_.size() : eol + 1;
    int line = e.location.line + 1;
    while (p < text_.size()) {
      std::size_t q = p;
      while (q < text_.size() && text_[q] == ' ') ++q;
      if (q < text_.size() && text_[q] != '\n') {
        e.location.line = line;
        e.location.column = static_cast<int>(q - p) + 1;
        break;
      }
      p = q + 1;
      ++line;
    }
    e.single_line = false;
  }
  if (e.single_line && text_.compare(start, e.text.size(), e.text) != 0) e.single_line = false;
  try {
    e.ast = expr::parse_expression(e.text);
  } catch (const expr::SyntaxError& err) {
    diagnostics.error(e.at(err.offset()), fmt::format("in {}: {}", what, err.what()));
    return std::nullopt;
  }
  return e;
}

std::optional<double> parse_number(const std::string& text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  if (begin < end && text[begin] == '+') ++begin;
  if (begin == end) return std::nullopt;
  double value = 0.0;
  const char* first = text.data() + begin;
  const char* last = text.data() + end;
  auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (ec != std::errc() || ptr != last || !std::isfinite(value)) return std::nullopt;
  // from_chars accepts "inf"/"nan" spelled out; isfinite rejects those. Hex floats are not accepted in general
  // format, which is what a model author expects.
  return value;
}

bool looks_non_finite(const std::string& s) {
  static const std::set<std::string> words = {".nan",  ".NaN",  ".NAN", "nan",   "NaN",
                                              ".inf",  ".Inf",  ".INF", "-.inf", "-.Inf",
                                              "-.INF", "+.inf", "inf",  "-inf",  "Infinity"};
  return words.count(s) > 0;
}

MapReader::MapReader(const YamlFile& file, const YAML::Node& node, std::string what, Diagnostics& diagnostics,
                     std::initializer_list<const char*> allowed_keys)
    : file_(file), node_(node), what_(std::move(what)), diagnostics_(diagnostics) {
  if (!node.IsDefined() || node.IsNull()) {
    diagnostics_.error(file_.location(node), fmt::format("{} is empty: expected a mapping of fields", what_));
    return;
  }
  if (!node.IsMap()) {
    diagnostics_.error(file_.location(node), fmt::format("{} must be a mapping of fields", what_));
    return;
  }
  ok_ = true;
  std::vector<std::string> allowed(allowed_keys.begin(), allowed_keys.end());
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      diagnostics_.error(file_.location(it->first),
                         fmt::format("{}: field names must be plain words", what_));
      continue;
    }
    const std::string key = it->first.Scalar();
    if (!seen.insert(key).second) {
      diagnostics_.error(file_.location(it->first), fmt::format("{}: duplicate field '{}'", what_, key));
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string valid;
      for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
      diagnostics_.error(file_.location(it->first),
                         fmt::format("{}: unknown field '{}'{}; valid fields: {}", what_, key,
                                     did_you_mean(key, allowed), valid));
    }
  }
}

bool MapReader::has(const char* key) const {
  return ok_ && node_[key].IsDefined();
}

YAML::Node MapReader::node(const char* key) const {
  if (!ok_) return YAML::Node();
  // A const lookup never inserts; it returns an undefined node when absent.
  const YAML::Node& n = node_;
  return n[key];
}

void MapReader::error(const YAML::Node& at, const std::string& message) {
  diagnostics_.error(file_.location(at), fmt::format("{}: {}", what_, message));
}

std::optional<std::string> MapReader::string(const char* key) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    error(n, fmt::format("'{}' must be a single value", key));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<double> MapReader::number(const char* key) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    error(n, fmt::format("'{}' must be a number", key));
    return std::nullopt;
  }
  if (looks_non_finite(n.Scalar())) {
    error(n, fmt::format("'{}' = {} is not a finite number", key, n.Scalar()));
    return std::nullopt;
  }
  auto v = parse_number(n.Scalar());
  if (!v) error(n, fmt::format("'{}' must be a number, got '{}'", key, n.Scalar()));
  return v;
}

std::optional<bool> MapReader::boolean(const char* key) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  error(n, fmt::format("'{}' must be true or false", key));
  return std::nullopt;
}

std::optional<int> MapReader::integer(const char* key) {
  auto v = number(key);
  if (!v) return std::nullopt;
  if (*v != std::floor(*v) || std::fabs(*v) > 1e9) {
    error(node(key), fmt::format("'{}' must be a whole number", key));
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

std::vector<std::string> MapReader::string_list(const char* key) {
  std::vector<std::string> out;
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    error(n, fmt::format("'{}' must be a list of names", key));
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      error(item, fmt::format("'{}' must be a list of names", key));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

void MapReader::number_or_expression(const char* key, std::optional<double>& number_out,
                                     std::optional<Expression>& expression_out) {
  YAML::Node n = node(key);
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsScalar()) {
    error(n, fmt::format("'{}' must be a number or an expression", key));
    return;
  }
  if (looks_non_finite(n.Scalar())) {
    error(n, fmt::format("'{}' = {} is not a finite number", key, n.Scalar()));
    return;
  }
  if (auto v = parse_number(n.Scalar())) {
    number_out = v;
    return;
  }
  expression_out = file_.expression(n, fmt::format("'{}' of {}", key, what_), diagnostics_);
}

std::optional<Expression> MapReader::expression(const char* key) {
  YAML::Node n = node(key);
  if (!n.IsDefined()) return std::nullopt;
  return file_.expression(n, fmt::format("'{}' of {}", key, what_), diagnostics_);
}

void for_each_entry(const YamlFile& file, const YAML::Node& section, const std::string& section_name,
                    Diagnostics& diagnostics, const EntryVisitor& visit) {
  if (!section.IsDefined() || section.IsNull()) return;
  if (!section.IsMap()) {
    diagnostics.error(file.location(section),
                      fmt::format("'{}' must be a mapping from names to definitions", section_name));
    return;
  }
  std::set<std::string> seen;
  for (auto it = section.begin(); it != section.end(); ++it) {
    if (!it->first.IsScalar()) {
      diagnostics.error(file.location(it->first),
                        fmt::format("'{}': names must be plain words", section_name));
      continue;
    }
    const std::string name = it->first.Scalar();
    if (!seen.insert(name).second) {
      diagnostics.error(file.location(it->first),
                        fmt::format("duplicate name '{}' in '{}'", name, section_name));
      continue;
    }
    visit(name, it->first, it->second);
  }
}

}  // namespace tolsim::model::detail
