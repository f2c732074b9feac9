// report.html: the page template, filled with the report's tables, chart containers, data and the embedded
// charting libraries. The charts themselves are drawn by the browser (template/page.js).
#include "tolsim/report/html_report.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/chart_specs.hpp"
#include "report/embedded_assets.hpp"
#include "report/html_text.hpp"
#include "report/validate.hpp"
#include "tolsim/common/error.hpp"

namespace tolsim::report {
namespace {

using detail::Chart;
using detail::escape_html;
using detail::format_number;
using detail::section;
using nlohmann::json;

struct SectionText {
  std::string_view key;      // data section; also the <section>'s id
  std::string_view heading;  // <h2>
  std::string_view caption;  // what the chart or table shows
};

// Page order; the texts are what docs/report.md describes for each chart.
constexpr SectionText kSectionTexts[] = {
    {"design", "Design", ""},
    {"assumptions", "Assumptions", ""},
    {"trajectories", "Trajectories",
     "Mean over the virtual patients of each arm (line) and the band holding the central 90 % of them, one "
     "panel per observable."},
    {"responders", "Responder rates",
     "Share of responders per arm at each visit; error bars are 95 % confidence intervals."},
    {"waterfall", "Waterfall",
     "One bar per patient, sorted from the largest to the smallest value, coloured by arm."},
    {"survival", "Time to event",
     "Kaplan-Meier estimate of the share of patients still free of the event, per arm, with its 95 % "
     "confidence "
     "band."},
    {"comparisons", "Comparison with published results",
     "Simulated estimate (circle) and published result (diamond), each with its 95 % confidence interval "
     "where "
     "known. A comparison agrees when the trial runner's criterion (see the assumptions) holds."},
    {"endpoint_table", "Endpoints", "Every endpoint statistic per arm and visit."},
};

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return format_number(value.get<double>());
  return "";
}

std::string visit_cell(const json& record) {
  const json visit = record.value("visit", json());
  return visit.is_number() ? detail::visit_label(visit.get<double>()) : "&#8212;";
}

std::string estimate_cell(const json& value, const json& ci) {
  if (!value.is_number()) return "&#8212;";
  std::string out = format_number(value.get<double>());
  if (ci.is_array()) {
    const double lower = ci[0].get<double>(), upper = ci[1].get<double>();
    // An en dash between negative numbers reads as "minus minus": "-2.12 to -1.68" instead.
    const char* dash = lower < 0 || upper < 0 ? " to " : "&#8211;";
    out += " (" + format_number(lower) + dash + format_number(upper) + ")";
  }
  return out;
}

std::string pairs_table(const json& records) {
  std::string out = "<table class=\"pairs\"><tbody>\n";
  for (const json& r : records)
    out += "<tr><th scope=\"row\">" + escape_html(r["item"].get<std::string>()) + "</th><td>" +
           escape_html(text_of(r["value"])) + "</td></tr>\n";
  return out + "</tbody></table>\n";
}

std::string endpoint_table(const json& records) {
  std::string out =
      "<table class=\"endpoints\"><thead><tr><th>Endpoint</th><th>Arm</th><th>Visit</th><th>Statistic</th>"
      "<th class=\"num\">Value</th><th>95 % CI</th><th class=\"num\">n</th></tr></thead><tbody>\n";
  for (const json& r : records) {
    const json value = r.value("value", json());
    const json ci = r.value("ci", json());
    const json n = r.value("n", json());
    out += "<tr><td>" + escape_html(r["endpoint"].get<std::string>()) + "</td><td>" +
           escape_html(r["arm"].get<std::string>()) + "</td><td>" + visit_cell(r) + "</td><td>" +
           escape_html(r["statistic"].get<std::string>()) + "</td><td class=\"num\">" +
           (value.is_number() ? format_number(value.get<double>()) : "&#8212;") + "</td><td>" +
           (ci.is_string() ? escape_html(ci.get<std::string>()) : "&#8212;") + "</td><td class=\"num\">" +
           (n.is_number() ? n.dump() : "&#8212;") + "</td></tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string comparisons_table(const json& records) {
  int agree = 0, disagree = 0;
  std::string rows;
  for (const json& r : records) {
    const json agrees = r.value("agrees", json());
    std::string verdict = "<td class=\"agrees-unknown\">&#8212;</td>";
    if (agrees.is_boolean()) {
      (agrees.get<bool>() ? agree : disagree) += 1;
      verdict = agrees.get<bool>() ? "<td class=\"agrees-yes\">&#10003; yes</td>"
                                   : "<td class=\"agrees-no\">&#10007; no</td>";
    }
    rows += "<tr><td>" + escape_html(r["endpoint"].get<std::string>()) + "</td><td>" +
            escape_html(r["arm"].get<std::string>()) + "</td><td>" + visit_cell(r) +
            "</td><td class=\"num\">" + estimate_cell(r["simulated"], r.value("simulated_ci", json())) +
            "</td><td class=\"num\">" +
            estimate_cell(r.value("published", json()), r.value("published_ci", json())) + "</td>" + verdict +
            "</tr>\n";
  }
  const int unknown = static_cast<int>(records.size()) - agree - disagree;
  std::string out = fmt::format("<p class=\"summary\">{} of {} comparisons agree with the published result",
                                agree, records.size());
  if (unknown > 0) out += fmt::format(" ({} without a verdict)", unknown);
  out += ".</p>\n";
  return out +
         "<table class=\"comparisons\"><thead><tr><th>Endpoint</th><th>Arm</th><th>Visit</th>"
         "<th class=\"num\">Simulated (95 % CI)</th><th class=\"num\">Published (95 % CI)</th><th>Agrees</th>"
         "</tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

std::string chart_containers(const std::vector<Chart>& charts, std::string_view key) {
  std::string out = "<div class=\"charts\">\n";
  for (const Chart& chart : charts) {
    if (chart.section != key) continue;
    out += "<figure><div class=\"tolsim-chart\" id=\"" + chart.id + "\" data-chart=\"" + chart.section + "\"";
    if (!chart.endpoint.empty()) out += " data-endpoint=\"" + escape_html(chart.endpoint) + "\"";
    out += "></div></figure>\n";
  }
  return out + "</div>\n";
}

std::string body_html(const json& data, const std::vector<Chart>& charts) {
  const json title = data.value("title", json());
  const json subtitle = data.value("subtitle", json());
  std::string out = "<header><h1>" +
                    escape_html(title.is_string() ? title.get<std::string>() : "tolsim trial report") +
                    "</h1>";
  if (subtitle.is_string())
    out += "<p class=\"subtitle\">" + escape_html(subtitle.get<std::string>()) + "</p>";
  out += "</header>\n";
  out +=
      "<div id=\"tolsim-problems\" hidden><strong>Problems while drawing this "
      "page</strong><pre></pre></div>\n";

  for (const SectionText& s : kSectionTexts) {
    const json& records = section(data, s.key);
    out += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", s.key, s.heading);
    if (records.empty()) {
      out += fmt::format(
          "<p class=\"no-data\" data-section=\"{}\">No data for this section.</p>\n</section>\n", s.key);
      continue;
    }
    if (!s.caption.empty()) out += fmt::format("<p class=\"caption\">{}</p>\n", s.caption);
    if (s.key == "design" || s.key == "assumptions")
      out += pairs_table(records);
    else if (s.key == "endpoint_table")
      out += endpoint_table(records);
    else
      out += chart_containers(charts, s.key);
    if (s.key == "comparisons") out += comparisons_table(records);
    out += "</section>\n";
  }

  out += "<footer>Written by tolsim. Charts drawn in your browser with";
  const auto libraries = detail::script_libraries();
  for (std::size_t i = 0; i < libraries.size(); ++i)
    out += fmt::format("{} {} {}", i == 0 ? "" : (i + 1 == libraries.size() ? " and" : ","),
                       libraries[i].name, libraries[i].version);
  out +=
      " (BSD-3-Clause, University of Washington Interactive Data Lab), included in this page with their "
      "licences; the page loads nothing from the network.</footer>\n";
  return out;
}

std::string library_scripts() {
  std::string out;
  for (const detail::ScriptLibrary& library : detail::script_libraries()) {
    // The licence goes in a comment: a "*/" in it would end the comment early.
    std::string license(library.license);
    for (std::size_t at = license.find("*/"); at != std::string::npos; at = license.find("*/", at))
      license.replace(at, 2, "* /");
    out += fmt::format("<script>/*! {} {} (npm), licence:\n\n{}*/\n{}\n</script>\n", library.name,
                       library.version, license, library.script);
  }
  return out;
}

// Replaces each @@NAME@@ of the template in one pass, so that text inserted into the page is never searched
// for placeholders again.
std::string fill(std::string_view page, const std::map<std::string, std::string, std::less<>>& values) {
  std::string out;
  out.reserve(page.size() + 2 * 1024 * 1024);
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = page.find("@@", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = page.find("@@", open + 2);
    if (close == std::string_view::npos) throw InternalError("report template: unterminated placeholder");
    const auto it = values.find(page.substr(open + 2, close - open - 2));
    if (it == values.end())
      throw InternalError("report template: unknown placeholder " +
                          std::string(page.substr(open, close + 2 - open)));
    out.append(page.substr(pos, open - pos));
    out += it->second;
    pos = close + 2;
  }
  out.append(page.substr(pos));
  return out;
}

}  // namespace

std::string render_html(const nlohmann::json& data) {
  detail::validate_report_data(data);
  const std::vector<Chart> charts = detail::build_charts(data);

  json chart_data = json::array();
  for (const Chart& chart : charts) chart_data.push_back({{"id", chart.id}, {"spec", chart.spec}});

  const detail::PageTemplate page = detail::page_template();
  const json title = data.value("title", json());
  return fill(page.html,
              {{"TITLE", escape_html(title.is_string() ? title.get<std::string>() : "tolsim trial report")},
               {"STYLE", std::string(page.css)},
               {"PAGE_SCRIPT", std::string(page.js)},
               {"CHART_COUNT", std::to_string(charts.size())},
               {"BODY", body_html(data, charts)},
               {"DATA", detail::script_json(json{{"charts", chart_data}})},
               {"LIBRARIES", library_scripts()}});
}

}  // namespace tolsim::report
