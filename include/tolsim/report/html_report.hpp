// The in-silico trial report: one self-contained HTML page (report.html) with the trial's design, assumptions,
// trajectories, responder rates, waterfall, survival curves, comparison with published results and endpoint table.
//
// The page needs no network and no files beside it: Vega, Vega-Lite and vega-embed (the exact versions of
// report/package-lock.json, with their licences) are compiled into the library and inlined into the page, and
// the data goes in as JSON. The charts are drawn by the browser when the page opens (SVG renderer). When they
// are done, <body> carries data-rendered (charts drawn), data-render-errors and data-console-errors, which is
// how tests and scripts can check a page without looking at it.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace tolsim::report {

// The page's text. `data` follows docs/report.md: an object whose sections (design, assumptions,
// trajectories, responders, waterfall, survival, comparisons, endpoint_table) may each be missing or empty,
// in which case the page says "no data" where the chart or table would be.
//
// Throws std::invalid_argument naming the first bad field, its value and the rule it breaks, e.g.
// "report data: responders[3].rate = 1.2: must be between 0 and 1"; an unknown top-level key is an error too
// (a misspelt section would otherwise vanish from the report without a word).
std::string render_html(const nlohmann::json& data);

}  // namespace tolsim::report
