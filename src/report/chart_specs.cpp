#include "report/chart_specs.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "report/html_text.hpp"
#include "report/validate.hpp"

namespace tolsim::report::detail {
namespace {

using nlohmann::json;

// Colour-blind-safe categorical palette (Vega's "tableau10" order), shared by every chart.
const json kArmColours = {"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2",
                          "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"};

// Width of a full-width plot area in pixels: the page's content column is 960 px wide, and axes, titles and
// legends take the rest. Half-width charts sit two to a row on a wide screen.
constexpr int kFullWidth = 820;
constexpr int kHalfWidth = 380;

// Values of `key` in order of first appearance.
std::vector<std::string> distinct(const json& records, std::string_view key) {
  std::vector<std::string> out;
  for (const json& r : records) {
    const std::string& v = r.at(key).get_ref<const std::string&>();
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

json records_with(const json& records, std::string_view key, const std::string& value) {
  json out = json::array();
  for (const json& r : records)
    if (r.at(key) == value) out.push_back(r);
  return out;
}

json arm_colour(const std::vector<std::string>& arms) {
  return {{"field", "arm"},
          {"type", "nominal"},
          {"title", "Arm"},
          {"scale", {{"domain", arms}, {"range", kArmColours}}},
          // Opaque symbols: the legend otherwise takes the faint fill of the confidence bands.
          {"legend", {{"orient", "top"}, {"direction", "horizontal"}, {"symbolOpacity", 1}}}};
}

json tooltip_fields(std::initializer_list<std::pair<const char*, const char*>> fields) {
  json out = json::array();
  for (const auto& [field, title] : fields) out.push_back({{"field", field}, {"title", title}});
  return out;
}

Chart trajectories_chart(const json& records, const std::vector<std::string>& arms) {
  // One panel per observable; its title carries the unit since the panels have independent y scales.
  json values = json::array();
  std::vector<std::string> panels;
  for (const json& r : records) {
    json row = r;
    const std::string unit = r.value("unit", json()).is_string() ? r["unit"].get<std::string>() : "";
    row["panel"] = r["observable"].get<std::string>() + (unit.empty() ? "" : " (" + unit + ")");
    if (std::find(panels.begin(), panels.end(), row["panel"]) == panels.end()) panels.push_back(row["panel"]);
    values.push_back(std::move(row));
  }
  const bool single = panels.size() == 1;
  const json x = {{"field", "time"}, {"type", "quantitative"}, {"title", "Day"}};
  const json tooltip = tooltip_fields(
      {{"arm", "Arm"}, {"time", "Day"}, {"mean", "Mean"}, {"lower", "Band lower"}, {"upper", "Band upper"}});
  json band = {{"mark", {{"type", "area"}, {"opacity", 0.2}}},
               {"encoding",
                {{"x", x},
                 {"y",
                  {{"field", "lower"},
                   {"type", "quantitative"},
                   {"title", "Mean, 90 % band"},
                   {"scale", {{"zero", false}}}}},
                 {"y2", {{"field", "upper"}}},
                 {"color", arm_colour(arms)}}}};
  json line = {{"mark", {{"type", "line"}, {"strokeWidth", 2}}},
               {"encoding",
                {{"x", x},
                 {"y", {{"field", "mean"}, {"type", "quantitative"}, {"title", "Mean, 90 % band"}}},
                 {"color", arm_colour(arms)},
                 {"tooltip", tooltip}}}};
  json spec = {
      {"data", {{"values", values}}},
      {"facet",
       {{"field", "panel"},
        {"type", "nominal"},
        {"title", nullptr},
        {"sort", panels},
        {"header", {{"labelFontSize", 13}, {"labelFontWeight", "bold"}}}}},
      {"columns", single ? 1 : 2},
      {"spec", {{"width", single ? kFullWidth : kHalfWidth}, {"height", 220}, {"layer", {band, line}}}},
      {"resolve", {{"scale", {{"y", "independent"}}}}}};
  return {"trajectories", "chart-trajectories-1", "", std::move(spec)};
}

Chart responders_chart(const std::string& endpoint, const json& records, const std::vector<std::string>& arms,
                       int index) {
  json values = json::array();
  for (const json& r : records) {
    json row = r;
    row["visit_label"] = visit_label(r["visit"].get<double>());
    values.push_back(std::move(row));
  }
  std::vector<double> visits;
  for (const json& r : records)
    if (std::find(visits.begin(), visits.end(), r["visit"].get<double>()) == visits.end())
      visits.push_back(r["visit"].get<double>());
  std::sort(visits.begin(), visits.end());
  json visit_order = json::array();
  for (const double v : visits) visit_order.push_back(visit_label(v));
  const std::vector<std::string> chart_arms = distinct(records, "arm");

  const int bars = static_cast<int>(visits.size() * chart_arms.size());
  const int width = std::clamp(bars * 44, 260, kFullWidth);
  json y = {{"field", "rate"},
            {"type", "quantitative"},
            {"title", "Responders (95 % CI)"},
            {"scale", {{"domain", {0, 1}}}},
            {"axis", {{"format", ".0%"}}}};
  json bar = {{"mark", {{"type", "bar"}}},
              {"encoding",
               {{"y", y},
                {"color", arm_colour(arms)},
                {"tooltip", tooltip_fields({{"arm", "Arm"},
                                            {"visit_label", "Visit"},
                                            {"rate", "Rate"},
                                            {"lower", "95 % CI lower"},
                                            {"upper", "95 % CI upper"},
                                            {"n", "n"}})}}}};
  json error_bar = {
      {"mark", {{"type", "rule"}, {"color", "#222222"}, {"strokeWidth", 1.5}}},
      {"encoding", {{"y", {{"field", "lower"}, {"type", "quantitative"}}}, {"y2", {{"field", "upper"}}}}}};
  json spec = {{"title", endpoint},
               {"data", {{"values", values}}},
               {"width", width},
               {"height", 220},
               {"encoding",
                {{"x",
                  {{"field", "visit_label"},
                   {"type", "ordinal"},
                   {"title", "Visit"},
                   {"sort", visit_order},
                   {"axis", {{"labelAngle", 0}}}}},
                 {"xOffset", {{"field", "arm"}, {"type", "nominal"}, {"scale", {{"domain", chart_arms}}}}}}},
               {"layer", {bar, error_bar}}};
  return {"responders", "chart-responders-" + std::to_string(index), endpoint, std::move(spec)};
}

Chart waterfall_chart(const std::string& endpoint, const json& records, const std::vector<std::string>& arms,
                      int index) {
  // Sorted here rather than by Vega-Lite so that ties keep the data's order and the chart is the same in
  // every browser: largest value on the left, the usual waterfall layout.
  std::vector<const json*> sorted;
  for (const json& r : records) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    return a->at("value").get<double>() > b->at("value").get<double>();
  });
  json values = json::array();
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    json row = *sorted[i];
    row["rank"] = i + 1;
    values.push_back(std::move(row));
  }
  json spec = {{"title", endpoint},
               {"data", {{"values", values}}},
               {"width", kFullWidth},
               {"height", 240},
               {"mark", {{"type", "bar"}}},
               {"encoding",
                {{"x",
                  {{"field", "rank"},
                   {"type", "ordinal"},
                   {"title", "Patients, sorted by value (n = " + std::to_string(sorted.size()) + ")"},
                   {"scale", {{"paddingInner", 0.15}}},
                   {"axis", {{"labels", false}, {"ticks", false}, {"domain", false}}}}},
                 {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", "Value"}}},
                 {"color", arm_colour(arms)},
                 {"tooltip", tooltip_fields({{"patient", "Patient"}, {"arm", "Arm"}, {"value", "Value"}})}}}};
  return {"waterfall", "chart-waterfall-" + std::to_string(index), endpoint, std::move(spec)};
}

Chart survival_chart(const std::string& endpoint, const json& records, const std::vector<std::string>& arms,
                     int index) {
  const json x = {{"field", "time"}, {"type", "quantitative"}, {"title", "Day"}};
  json band = {{"mark", {{"type", "area"}, {"interpolate", "step-after"}, {"opacity", 0.18}}},
               {"encoding",
                {{"x", x},
                 {"y",
                  {{"field", "lower"},
                   {"type", "quantitative"},
                   {"title", "Event-free (95 % CI)"},
                   {"scale", {{"domain", {0, 1}}}},
                   {"axis", {{"format", ".0%"}}}}},
                 {"y2", {{"field", "upper"}}},
                 {"color", arm_colour(arms)}}}};
  json line = {{"mark", {{"type", "line"}, {"interpolate", "step-after"}, {"strokeWidth", 2}}},
               {"encoding",
                {{"x", x},
                 {"y", {{"field", "survival"}, {"type", "quantitative"}, {"title", "Event-free (95 % CI)"}}},
                 {"color", arm_colour(arms)},
                 {"tooltip", tooltip_fields({{"arm", "Arm"},
                                             {"time", "Day"},
                                             {"survival", "Event-free"},
                                             {"lower", "95 % CI lower"},
                                             {"upper", "95 % CI upper"}})}}}};
  json spec = {{"title", endpoint},
               {"data", {{"values", records}}},
               {"width", kHalfWidth},
               {"height", 240},
               {"layer", {band, line}}};
  return {"survival", "chart-survival-" + std::to_string(index), endpoint, std::move(spec)};
}

Chart comparisons_chart(const json& records) {
  // Long form: one row per estimate (simulated or published), each with its interval when there is one. One
  // panel per endpoint, stacked (vconcat rather than a facet: each panel has its own rows and its own x scale,
  // and its own data, so no endpoint name ever goes into a filter expression).
  std::vector<std::string> endpoints = distinct(records, "endpoint");
  const json source_colour = {
      {"field", "source"},
      {"type", "nominal"},
      {"title", "Estimate"},
      {"scale", {{"domain", {"simulated", "published"}}, {"range", {"#1f5f99", "#d6604d"}}}},
      {"legend", {{"orient", "top"}, {"direction", "horizontal"}}}};
  const json source_shape = {
      {"field", "source"},
      {"type", "nominal"},
      {"title", "Estimate"},
      {"scale", {{"domain", {"simulated", "published"}}, {"range", {"circle", "diamond"}}}},
      {"legend", {{"orient", "top"}, {"direction", "horizontal"}}}};
  const json y = {{"field", "label"}, {"type", "nominal"}, {"title", nullptr}, {"sort", nullptr}};
  const json y_offset = {{"field", "source"},
                         {"type", "nominal"},
                         {"scale", {{"domain", {"simulated", "published"}}, {"paddingOuter", 0.4}}}};
  const json x_title = "Estimate (95 % CI)";
  // Rows without an interval have no lower/upper: Vega-Lite leaves out marks with missing positions.
  const json interval = {
      {"mark", {{"type", "rule"}, {"strokeWidth", 2}}},
      {"encoding",
       {{"y", y},
        {"yOffset", y_offset},
        {"x",
         {{"field", "lower"}, {"type", "quantitative"}, {"title", x_title}, {"scale", {{"zero", false}}}}},
        {"x2", {{"field", "upper"}}},
        {"color", source_colour}}}};
  const json dot = {{"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 1}}},
                    {"encoding",
                     {{"y", y},
                      {"yOffset", y_offset},
                      {"x", {{"field", "value"}, {"type", "quantitative"}, {"title", x_title}}},
                      {"color", source_colour},
                      {"shape", source_shape},
                      {"tooltip", tooltip_fields({{"label", "Arm"},
                                                  {"source", "Estimate"},
                                                  {"value", "Value"},
                                                  {"lower", "95 % CI lower"},
                                                  {"upper", "95 % CI upper"}})}}}};
  json panels = json::array();
  for (const std::string& endpoint : endpoints) {
    json values = json::array();
    for (const json& r : records_with(records, "endpoint", endpoint)) {
      const json visit = r.value("visit", json());
      const std::string label =
          r["arm"].get<std::string>() + (visit.is_number() ? ", " + visit_label(visit) : "");
      for (const char* source : {"simulated", "published"}) {
        const json value = r.value(source, json());
        if (!value.is_number()) continue;
        json row = {{"label", label}, {"source", source}, {"value", value}};
        const json ci = r.value(std::string(source) + "_ci", json());
        if (ci.is_array()) {
          row["lower"] = ci[0];
          row["upper"] = ci[1];
        }
        values.push_back(std::move(row));
      }
    }
    panels.push_back({{"title", endpoint},
                      {"data", {{"values", values}}},
                      {"width", 560},
                      {"height", {{"step", 16}}},  // per estimate: two per row
                      {"layer", {interval, dot}}});
  }
  json spec = {{"vconcat", panels}, {"spacing", 24}};
  return {"comparisons", "chart-comparisons-1", "", std::move(spec)};
}

// Settings shared by every chart: the page's font, quiet axes, and no border around plot areas.
json base_config() {
  return {{"font", "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"},
          {"view", {{"stroke", nullptr}}},
          {"axis",
           {{"labelFontSize", 11},
            {"titleFontSize", 12},
            {"titleFontWeight", "normal"},
            {"gridColor", "#e6e6e6"}}},
          {"legend", {{"labelFontSize", 12}, {"titleFontSize", 12}}},
          {"title", {{"fontSize", 14}, {"anchor", "start"}, {"offset", 10}}}};
}

}  // namespace

std::vector<Chart> build_charts(const json& data) {
  std::vector<std::string> arms;
  for (const char* name :
       {"trajectories", "responders", "waterfall", "survival", "comparisons", "endpoint_table"})
    for (const std::string& arm : distinct(section(data, name), "arm"))
      if (std::find(arms.begin(), arms.end(), arm) == arms.end()) arms.push_back(arm);

  std::vector<Chart> charts;
  if (!section(data, "trajectories").empty())
    charts.push_back(trajectories_chart(section(data, "trajectories"), arms));
  for (const char* name : {"responders", "waterfall", "survival"}) {
    const json& records = section(data, name);
    int index = 0;
    for (const std::string& endpoint : distinct(records, "endpoint")) {
      const json subset = records_with(records, "endpoint", endpoint);
      ++index;
      if (std::string_view(name) == "responders")
        charts.push_back(responders_chart(endpoint, subset, arms, index));
      else if (std::string_view(name) == "waterfall")
        charts.push_back(waterfall_chart(endpoint, subset, arms, index));
      else
        charts.push_back(survival_chart(endpoint, subset, arms, index));
    }
  }
  if (!section(data, "comparisons").empty())
    charts.push_back(comparisons_chart(section(data, "comparisons")));
  for (Chart& chart : charts) {
    chart.spec["config"] = base_config();
    chart.spec["background"] = "transparent";
  }
  return charts;
}

}  // namespace tolsim::report::detail
