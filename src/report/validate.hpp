// Checks report data against the schema of docs/report.md before anything is drawn.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace tolsim::report::detail {

// The sections a report may have, in page order.
inline constexpr std::string_view kSections[] = {"design",      "assumptions",   "trajectories",
                                                 "responders",  "waterfall",     "survival",
                                                 "comparisons", "endpoint_table"};

// Throws std::invalid_argument naming the first bad field ("report data: responders[3].rate = 1.2: must be
// between 0 and 1"). Extra fields inside a record are allowed (the trial runner may add its own).
void validate_report_data(const nlohmann::json& data);

// The section's records, or an empty array when the section is missing or null.
const nlohmann::json& section(const nlohmann::json& data, std::string_view name);

}  // namespace tolsim::report::detail
