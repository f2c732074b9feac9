// The report's charts as Vega-Lite specifications, built from validated report data (docs/report.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tolsim::report::detail {

struct Chart {
  std::string section;   // the data section it draws, also its container's data-chart: "responders"
  std::string id;        // its container's element id, stable for a given input: "chart-responders-2"
  std::string endpoint;  // the endpoint it shows ("" for charts over all endpoints or observables)
  nlohmann::json spec;   // Vega-Lite, with its data inline
};

// Charts in page order: one trajectories chart (a panel per observable), one responders, waterfall and survival
// chart per endpoint, one comparisons chart (a panel per endpoint). A section without records has no chart.
// Every chart colours the arms alike: the arm order is that of first appearance in the data.
std::vector<Chart> build_charts(const nlohmann::json& data);

}  // namespace tolsim::report::detail
