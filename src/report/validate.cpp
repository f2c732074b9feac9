#include "report/validate.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/html_text.hpp"
#include "tolsim/common/error.hpp"

namespace tolsim::report::detail {
namespace {

enum class Kind {
  kName,              // non-empty string
  kOptionalString,    // string, null or missing
  kText,              // string or number (a table cell)
  kId,                // string or integer (a patient)
  kNumber,            // finite number
  kProportion,        // finite number in [0, 1]
  kCount,             // integer >= 0
  kOptionalNumber,    // finite number, null or missing
  kOptionalCount,     // integer >= 0, null or missing
  kOptionalBool,      // true, false, null or missing
  kOptionalInterval,  // [lower, upper] with lower <= upper, null or missing
};

struct Field {
  std::string_view name;
  Kind kind;
};

struct SectionRule {
  std::string_view name;
  std::vector<Field> fields;
  // Names of a (lower, upper) pair of the record that must be ordered, if any.
  std::string_view lower, upper;
};

const std::vector<SectionRule>& rules() {
  // Built once on first use and never changed: the schema, not state.
  static const std::vector<SectionRule> kRules = {
      {"design", {{"item", Kind::kName}, {"value", Kind::kText}}, {}, {}},
      {"assumptions", {{"item", Kind::kName}, {"value", Kind::kText}}, {}, {}},
      {"trajectories",
       {{"observable", Kind::kName},
        {"unit", Kind::kOptionalString},
        {"arm", Kind::kName},
        {"time", Kind::kNumber},
        {"mean", Kind::kNumber},
        {"lower", Kind::kNumber},
        {"upper", Kind::kNumber}},
       "lower",
       "upper"},
      {"responders",
       {{"endpoint", Kind::kName},
        {"arm", Kind::kName},
        {"visit", Kind::kNumber},
        {"rate", Kind::kProportion},
        {"lower", Kind::kProportion},
        {"upper", Kind::kProportion},
        {"n", Kind::kCount}},
       "lower",
       "upper"},
      {"waterfall",
       {{"endpoint", Kind::kName}, {"arm", Kind::kName}, {"patient", Kind::kId}, {"value", Kind::kNumber}},
       {},
       {}},
      {"survival",
       {{"endpoint", Kind::kName},
        {"arm", Kind::kName},
        {"time", Kind::kNumber},
        {"survival", Kind::kProportion},
        {"lower", Kind::kProportion},
        {"upper", Kind::kProportion}},
       "lower",
       "upper"},
      {"comparisons",
       {{"endpoint", Kind::kName},
        {"arm", Kind::kName},
        {"visit", Kind::kOptionalNumber},
        {"simulated", Kind::kNumber},
        {"simulated_ci", Kind::kOptionalInterval},
        {"published", Kind::kOptionalNumber},
        {"published_ci", Kind::kOptionalInterval},
        {"agrees", Kind::kOptionalBool}},
       {},
       {}},
      {"endpoint_table",
       {{"endpoint", Kind::kName},
        {"arm", Kind::kName},
        {"visit", Kind::kOptionalNumber},
        {"statistic", Kind::kName},
        {"value", Kind::kOptionalNumber},
        {"ci", Kind::kOptionalString},
        {"n", Kind::kOptionalCount}},
       {},
       {}},
  };
  return kRules;
}

[[noreturn]] void fail(const std::string& path, const nlohmann::json& value, std::string_view rule) {
  throw std::invalid_argument("report data: " + path + " = " + brief(value) + ": " + std::string(rule));
}

bool is_finite_number(const nlohmann::json& v) {
  return v.is_number() && std::isfinite(v.get<double>());
}

bool is_count(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return true;
  if (v.is_number_integer()) return v.get<long long>() >= 0;
  return false;
}

bool is_optional(Kind kind) {
  return kind == Kind::kOptionalString || kind == Kind::kOptionalNumber || kind == Kind::kOptionalCount ||
         kind == Kind::kOptionalBool || kind == Kind::kOptionalInterval;
}

void check_field(const std::string& path, const nlohmann::json& v, Kind kind) {
  if (v.is_null() && is_optional(kind)) return;
  switch (kind) {
    case Kind::kName:
      if (!v.is_string() || v.get_ref<const std::string&>().empty())
        fail(path, v, "must be a non-empty string");
      break;
    case Kind::kOptionalString:
      if (!v.is_string()) fail(path, v, "must be a string or null");
      break;
    case Kind::kText:
      if (!v.is_string() && !is_finite_number(v)) fail(path, v, "must be a string or a number");
      break;
    case Kind::kId:
      if (!v.is_string() && !v.is_number_integer()) fail(path, v, "must be a string or an integer");
      break;
    case Kind::kNumber:
      if (!is_finite_number(v)) fail(path, v, "must be a finite number");
      break;
    case Kind::kOptionalNumber:
      if (!is_finite_number(v)) fail(path, v, "must be a finite number or null");
      break;
    case Kind::kProportion:
      if (!is_finite_number(v) || v.get<double>() < 0.0 || v.get<double>() > 1.0)
        fail(path, v, "must be a number between 0 and 1");
      break;
    case Kind::kCount:
      if (!is_count(v)) fail(path, v, "must be an integer >= 0");
      break;
    case Kind::kOptionalCount:
      if (!is_count(v)) fail(path, v, "must be an integer >= 0 or null");
      break;
    case Kind::kOptionalBool:
      if (!v.is_boolean()) fail(path, v, "must be true, false or null");
      break;
    case Kind::kOptionalInterval:
      if (!v.is_array() || v.size() != 2 || !is_finite_number(v[0]) || !is_finite_number(v[1]))
        fail(path, v, "must be [lower, upper] (two finite numbers) or null");
      if (v[0].get<double>() > v[1].get<double>()) fail(path, v, "lower must not exceed upper");
      break;
  }
}

void check_section(const nlohmann::json& records, const SectionRule& rule) {
  if (records.is_null()) return;
  const std::string name(rule.name);
  if (!records.is_array()) fail(name, records, "must be an array of objects");
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string at = name + "[" + std::to_string(i) + "]";
    const nlohmann::json& record = records[i];
    if (!record.is_object()) fail(at, record, "must be an object");
    for (const Field& field : rule.fields) {
      const std::string path = at + "." + std::string(field.name);
      const auto it = record.find(field.name);
      if (it != record.end())
        check_field(path, *it, field.kind);
      else if (!is_optional(field.kind))
        throw std::invalid_argument("report data: " + path + " is missing");
    }
    if (!rule.lower.empty() && record[rule.lower].get<double>() > record[rule.upper].get<double>())
      fail(at + "." + std::string(rule.upper), record[rule.upper],
           "must not be below " + std::string(rule.lower) + " (" + brief(record[rule.lower]) + ")");
  }
}

}  // namespace

void validate_report_data(const nlohmann::json& data) {
  if (!data.is_object())
    throw std::invalid_argument("report data: must be a JSON object, got " + brief(data));
  std::vector<std::string> known = {"title", "subtitle"};
  known.insert(known.end(), std::begin(kSections), std::end(kSections));
  for (const auto& [key, value] : data.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw std::invalid_argument("report data: unknown key '" + key + "'" + did_you_mean(key, known) +
                                  "; known keys: title, subtitle, design, assumptions, trajectories, "
                                  "responders, waterfall, survival, comparisons, endpoint_table");
  }
  for (const char* key : {"title", "subtitle"}) {
    const auto it = data.find(key);
    if (it != data.end() && !it->is_null() && !it->is_string()) fail(key, *it, "must be a string");
  }
  for (const SectionRule& rule : rules()) check_section(section(data, rule.name), rule);
}

const nlohmann::json& section(const nlohmann::json& data, std::string_view name) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const auto it = data.find(name);
  return it == data.end() || it->is_null() ? kEmpty : *it;
}

}  // namespace tolsim::report::detail
