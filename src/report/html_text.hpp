// Text escaping and number formatting for report.html.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tolsim::report::detail {

// Text for an HTML element or a quoted attribute: & < > " ' become character references.
std::string escape_html(std::string_view text);

// JSON for a <script type="application/json"> block. '<', '>' and '&' become \u003c, \u003e and \u0026 inside the
// JSON strings (the only place JSON can hold them), so no string can close the block ("</script>") or open a
// comment ("<!--"); JSON.parse reads the same value back. U+2028/U+2029 are escaped as well.
std::string script_json(const nlohmann::json& value);

// A number for a table cell: integers as integers, others with 4 significant digits ("0.5512", "-1.8", "1.2e+04").
std::string format_number(double value);

// "day 84", or "day 84.5"; used for visit labels in charts and tables.
std::string visit_label(double day);

// A short rendering of a JSON value for error messages, at most ~60 characters.
std::string brief(const nlohmann::json& value);

}  // namespace tolsim::report::detail
