// The files report.html is made of, compiled into the library (see cmake/report_assets.cmake): the charting
// libraries installed by npm ci and the page template of src/report/template/.
#pragma once

#include <array>
#include <string_view>

namespace tolsim::report::detail {

struct ScriptLibrary {
  std::string_view name;     // npm package, e.g. "vega-lite"
  std::string_view version;  // exact version pinned in report/package-lock.json
  std::string_view license;  // the package's LICENSE file
  std::string_view script;   // its build/<name>.min.js (UMD: defines a global)
};

// Vega, Vega-Lite and vega-embed, in the order the page must load them.
std::array<ScriptLibrary, 3> script_libraries();

struct PageTemplate {
  std::string_view html;  // page.html with @@NAME@@ placeholders
  std::string_view css;   // page.css
  std::string_view js;    // page.js: draws the charts and records the outcome on <body>
};

PageTemplate page_template();

}  // namespace tolsim::report::detail
