// report.html end to end: render the fixture tests/data/report/example-data.json, open the page in headless
// Chromium and check what the browser drew. Expected counts come from the fixture and from docs/report.md (one
// trajectories chart, one responders/waterfall/survival chart per endpoint, one comparisons chart; one bar per
// waterfall record, one bar and one error bar per responders record, ...), never from a previous run of the page.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "tolsim/report/html_report.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tolsim::report::render_html;

const fs::path kChromium = "/usr/bin/chromium";
const std::string kHostile = "</script><script>alert(1)</script>";

json load_fixture() {
  std::ifstream in(fs::path(TOLSIM_SOURCE_DIR) / "tests/data/report/example-data.json");
  return json::parse(in);
}

fs::path artifact_dir() {
  const fs::path dir = fs::path(TOLSIM_BINARY_DIR) / "test-artifacts" / "report";
  fs::create_directories(dir);
  return dir;
}

// Written beside and renamed into place: ctest may run two tests that write the same page at once, and a
// browser must never read a half-written one.
void write_file(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << temporary;
  }
  fs::rename(temporary, path);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::set<std::string> distinct(const json& records, const std::string& key) {
  std::set<std::string> out;
  for (const json& r : records) out.insert(r.at(key).get<std::string>());
  return out;
}

// The number of charts docs/report.md promises for `data`.
std::size_t expected_charts(const json& data) {
  auto records = [&](const char* key) { return data.contains(key) ? data[key] : json::array(); };
  return (records("trajectories").empty() ? 0 : 1) + distinct(records("responders"), "endpoint").size() +
         distinct(records("waterfall"), "endpoint").size() +
         distinct(records("survival"), "endpoint").size() + (records("comparisons").empty() ? 0 : 1);
}

// A fresh Chromium profile for each run, removed afterwards, so no state carries over between runs or tests.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tolsim-chromium-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

tolsim::testing::ProcessResult run_chromium(const fs::path& page, const std::vector<std::string>& action) {
  const TempDir profile;
  std::vector<std::string> args = {"--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.path().string(),
                                   "--virtual-time-budget=10000",
                                   "--enable-logging=stderr",
                                   "--v=0"};
  args.insert(args.end(), action.begin(), action.end());
  args.push_back("file://" + fs::absolute(page).string());
  tolsim::testing::ProcessOptions options;
  options.timeout = std::chrono::seconds(90);
  return tolsim::testing::run_process(kChromium.string(), args, options);
}

// The opening tag that starts at or after `from` and whose name is `tag` (case-insensitive), as [begin, end).
// Returns npos when none follows. Tag names are matched whole: "<b" does not match "<body".
std::pair<std::size_t, std::size_t> next_tag(const std::string& text, const std::string& tag,
                                             std::size_t from) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (std::size_t at = text.find('<', from); at != std::string::npos; at = text.find('<', at + 1)) {
    std::size_t i = 0;
    while (i < tag.size() && at + 1 + i < text.size() && lower(text[at + 1 + i]) == lower(tag[i])) ++i;
    if (i < tag.size() || at + 1 + i >= text.size()) continue;
    const char after = text[at + 1 + i];
    if (std::isalnum(static_cast<unsigned char>(after)) || after == '-') continue;
    const std::size_t end = text.find('>', at);
    if (end == std::string::npos) break;
    return {at, end + 1};
  }
  return {std::string::npos, std::string::npos};
}

// The value of `name="..."` inside one tag's text, or nullopt. `name` must be preceded by whitespace.
std::optional<std::string> attribute(const std::string& tag, const std::string& name) {
  const std::string needle = name + "=\"";
  for (std::size_t at = tag.find(needle); at != std::string::npos; at = tag.find(needle, at + 1)) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(tag[at - 1]))) continue;
    const std::size_t begin = at + needle.size();
    const std::size_t end = tag.find('"', begin);
    if (end == std::string::npos) return std::nullopt;
    return tag.substr(begin, end - begin);
  }
  return std::nullopt;
}

// Whether one opening tag carries a src= or href= attribute (any case, spaces allowed before "=").
bool loads_anything(const std::string& tag) {
  std::string lower(tag);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const std::string name : {"src", "href"}) {
    for (std::size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(lower[at - 1])) || lower[at - 1] == '-'))
        continue;
      std::size_t after = at + name.size();
      while (after < lower.size() && std::isspace(static_cast<unsigned char>(lower[after]))) ++after;
      if (after < lower.size() && lower[after] == '=') return true;
    }
  }
  return false;
}

// The value of attribute `name` on the page's <body> in a dumped DOM, or "(absent)".
std::string body_attribute(const std::string& dom, const std::string& name) {
  for (auto [begin, end] = next_tag(dom, "body", 0); begin != std::string::npos;
       std::tie(begin, end) = next_tag(dom, "body", end)) {
    const std::string tag = dom.substr(begin, end - begin);
    if (tag.find("data-charts-expected") == std::string::npos) continue;
    return attribute(tag, name).value_or("(absent)");
  }
  return "(no body)";
}

// The dumped DOM of each chart container, by id: from its opening tag up to the next container.
std::map<std::string, std::string> chart_chunks(const std::string& dom) {
  std::map<std::string, std::string> out;
  const std::string marker = "<div class=\"tolsim-chart";  // vega-embed adds a class of its own
  std::vector<std::size_t> starts;
  for (std::size_t at = dom.find(marker); at != std::string::npos; at = dom.find(marker, at + 1))
    starts.push_back(at);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : dom.size();
    const std::string chunk = dom.substr(starts[i], end - starts[i]);
    const std::size_t tag_end = chunk.find('>');
    if (const auto id = attribute(chunk.substr(0, tag_end), "id"); id && !id->empty()) out[*id] = chunk;
  }
  return out;
}

// Items drawn by all Vega marks of `type` ("rect", "area", "line", "rule", "symbol") in a chart: each mark
// group <g class="mark-TYPE role-mark ..."> holds one role="graphics-symbol" element per item. Axis and legend
// parts have other roles and are not counted.
std::size_t mark_items(const std::string& chunk, const std::string& type) {
  const std::string marker = "class=\"mark-" + type + " role-mark";
  std::size_t items = 0;
  for (std::size_t at = chunk.find(marker); at != std::string::npos; at = chunk.find(marker, at + 1)) {
    const std::size_t end = chunk.find("</g>", at);
    items += count(chunk.substr(at, end - at), "role=\"graphics-symbol\"");
  }
  return items;
}

std::size_t records_where(const json& records, const std::string& key, const std::string& value) {
  return static_cast<std::size_t>(
      std::count_if(records.begin(), records.end(), [&](const json& r) { return r.at(key) == value; }));
}

std::size_t pairs(const json& records, const std::string& a, const std::string& b) {
  std::set<std::pair<std::string, std::string>> out;
  for (const json& r : records) out.emplace(r.at(a).get<std::string>(), r.at(b).get<std::string>());
  return out.size();
}

// Console output of the page in Chromium's log (lines "...:CONSOLE:<line>] "message", source: ..."). The page
// writes to the console only when something went wrong (Vega-Lite warnings included).
std::vector<std::string> console_lines(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) out.push_back(line);
  return out;
}

void expect_clean_render(const std::string& dom, const std::string& err, std::size_t charts) {
  EXPECT_EQ(body_attribute(dom, "data-render-done"), "true");
  EXPECT_EQ(body_attribute(dom, "data-rendered"), std::to_string(charts));
  EXPECT_EQ(body_attribute(dom, "data-render-errors"), "0");
  EXPECT_EQ(body_attribute(dom, "data-console-errors"), "0");
  EXPECT_EQ(body_attribute(dom, "data-console-warnings"), "0");
  const auto console = console_lines(err);
  EXPECT_TRUE(console.empty()) << "page wrote to the console:\n" << console.front();
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (Debian package chromium)";
  }
};

TEST_F(ReportInChromium, DrawsEveryChartOfTheFixtureWithItsMarks) {
  const json data = load_fixture();
  const fs::path page = artifact_dir() / "report.html";
  write_file(page, render_html(data));

  const auto result = run_chromium(page, {"--dump-dom"});
  ASSERT_EQ(result.exit_code, 0) << tolsim::testing::describe(result);
  const std::string& dom = result.out;
  write_file(artifact_dir() / "report.dom.html", dom);

  // The fixture has 2 responder endpoints (ACR20, ACR50), 1 waterfall and 1 survival endpoint: 6 charts.
  const std::size_t charts = expected_charts(data);
  ASSERT_EQ(charts, 6u);
  expect_clean_render(dom, result.err, charts);

  const auto chunks = chart_chunks(dom);
  ASSERT_EQ(chunks.size(), charts);
  for (const auto& [id, chunk] : chunks) {
    SCOPED_TRACE(id);
    EXPECT_NE(chunk.find("data-status=\"rendered\""), std::string::npos);
    EXPECT_NE(chunk.find("<svg"), std::string::npos);
    EXPECT_NE(chunk.find("role-mark"), std::string::npos);
  }

  // One series (band and line) per observable and arm.
  const std::string& trajectories = chunks.at("chart-trajectories-1");
  EXPECT_EQ(mark_items(trajectories, "area"), pairs(data["trajectories"], "observable", "arm"));
  EXPECT_EQ(mark_items(trajectories, "line"), pairs(data["trajectories"], "observable", "arm"));

  // One bar and one error bar per record, in the chart of its endpoint (charts numbered in order of appearance).
  const std::string& acr20 = chunks.at("chart-responders-1");
  EXPECT_NE(acr20.find("data-endpoint=\"ACR20\""), std::string::npos);
  EXPECT_EQ(mark_items(acr20, "rect"), records_where(data["responders"], "endpoint", "ACR20"));
  EXPECT_EQ(mark_items(acr20, "rule"), records_where(data["responders"], "endpoint", "ACR20"));
  EXPECT_EQ(mark_items(chunks.at("chart-responders-2"), "rect"),
            records_where(data["responders"], "endpoint", "ACR50"));

  // One bar per patient.
  EXPECT_EQ(mark_items(chunks.at("chart-waterfall-1"), "rect"), data["waterfall"].size());

  // One step curve and one band per arm.
  EXPECT_EQ(mark_items(chunks.at("chart-survival-1"), "line"), distinct(data["survival"], "arm").size());
  EXPECT_EQ(mark_items(chunks.at("chart-survival-1"), "area"), distinct(data["survival"], "arm").size());

  // A dot per estimate that has a value, an interval per estimate that has a CI.
  std::size_t dots = 0, intervals = 0;
  for (const json& c : data["comparisons"]) {
    for (const char* source : {"simulated", "published"}) {
      dots += c[source].is_number() ? 1 : 0;
      intervals += c[std::string(source) + "_ci"].is_array() ? 1 : 0;
    }
  }
  EXPECT_EQ(mark_items(chunks.at("chart-comparisons-1"), "symbol"), dots);
  EXPECT_EQ(mark_items(chunks.at("chart-comparisons-1"), "rule"), intervals);
}

TEST_F(ReportInChromium, KeepsAScreenshotOfTheFixture) {
  const fs::path page = artifact_dir() / "report.html";
  write_file(page, render_html(load_fixture()));
  const fs::path png = artifact_dir() / "report.png";
  fs::remove(png);

  const auto result = run_chromium(page, {"--screenshot=" + png.string(), "--window-size=1280,2400"});
  ASSERT_EQ(result.exit_code, 0) << tolsim::testing::describe(result);
  ASSERT_TRUE(fs::exists(png));

  // A PNG signature and an IHDR chunk of the window's size (PNG specification, section 5.2 and 11.2.2).
  std::ifstream in(png, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  EXPECT_EQ(head.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(head[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(head[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(head[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(head[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2400u);
  // A blank 1280x2400 page compresses to a few kB; the drawn report is far larger (about 300 kB).
  EXPECT_GT(fs::file_size(png), 100u * 1024u);
}

TEST_F(ReportInChromium, HostileNamesStayTextAndTheChartsStillDraw) {
  json data = load_fixture();
  data["title"] = kHostile;
  for (json& r : data["responders"])
    if (r["endpoint"] == "ACR20") r["endpoint"] = kHostile;
  data["comparisons"][0]["endpoint"] = kHostile;
  data["design"][0]["value"] = kHostile;
  const fs::path page = artifact_dir() / "report-hostile-names.html";
  write_file(page, render_html(data));

  const auto result = run_chromium(page, {"--dump-dom"});
  ASSERT_EQ(result.exit_code, 0) << tolsim::testing::describe(result);
  expect_clean_render(result.out, result.err, expected_charts(data));
  // The browser shows the name as text: its DOM holds it escaped in the heading, and no <script> came from it.
  EXPECT_NE(result.out.find("<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
            std::string::npos);
  EXPECT_EQ(result.out.find("<script>alert(1)"), std::string::npos);
}

TEST_F(ReportInChromium, EmptyReportDrawsNoChartAndNoError) {
  const fs::path page = artifact_dir() / "report-empty.html";
  write_file(page, render_html(json{{"title", "Nothing yet"}}));
  const auto result = run_chromium(page, {"--dump-dom"});
  ASSERT_EQ(result.exit_code, 0) << tolsim::testing::describe(result);
  expect_clean_render(result.out, result.err, 0);
}

// The page's markup with the text of every <script> element left out (the opening tags stay): the inlined
// libraries build HTML in their code (vega-embed's image export writes `<img src=...>`), which is not markup.
std::string markup_only(const std::string& html) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = html.find("<script", pos);
    if (open == std::string::npos) break;
    const std::size_t tag_end = html.find('>', open);
    const std::size_t close = html.find("</script>", tag_end);
    out.append(html, pos, tag_end + 1 - pos);
    pos = close;
  }
  out.append(html, pos, std::string::npos);
  return out;
}

TEST(ReportHtml, IsSelfContained) {
  const std::string html = render_html(load_fixture());
  const std::string markup = markup_only(html);
  // No element loads anything: no src= or href= on script, link, img, iframe, object or embed elements.
  for (const std::string element : {"script", "link", "img", "iframe", "object", "embed"}) {
    for (auto [begin, end] = next_tag(markup, element, 0); begin != std::string::npos;
         std::tie(begin, end) = next_tag(markup, element, end)) {
      const std::string tag = markup.substr(begin, end - begin);
      EXPECT_FALSE(loads_anything(tag)) << tag;
    }
  }
  EXPECT_EQ(markup.find("http://"), std::string::npos);
  EXPECT_EQ(markup.find("https://"), std::string::npos);
  EXPECT_EQ(count(markup, "<script>"), 4u);  // page script and three libraries, all inline
  EXPECT_EQ(count(markup, "<script type=\"application/json\" id=\"tolsim-report-data\">"), 1u);
  // The page's policy forbids network requests outright.
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  // The three libraries are inlined, each with its licence.
  for (const char* library : {"/*! vega ", "/*! vega-lite ", "/*! vega-embed "})
    EXPECT_EQ(count(html, library), 1u);
  EXPECT_EQ(count(html, "Redistribution and use in source and binary forms"), 3u);
}

TEST(ReportHtml, EscapesNamesInTextAndInTheDataBlock) {
  json data = load_fixture();
  data["title"] = kHostile;
  data["responders"][0]["endpoint"] = kHostile;
  const std::string html = render_html(data);

  // Five script elements are written: the page script, the data block and the three libraries. A sixth
  // "</script" could only come from the data.
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(count(lower, "</script"), 5u);
  EXPECT_EQ(count(lower, "<script"), 5u);
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"),
            std::string::npos);

  // The data block reads back, with JSON.parse's rules (the same as nlohmann's), as the original name.
  const std::string open = "<script type=\"application/json\" id=\"tolsim-report-data\">";
  const std::size_t begin = html.find(open) + open.size();
  const json block = json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  EXPECT_NE(block.dump().find(json(kHostile).dump()), std::string::npos);
}

TEST(ReportHtml, MissingAndEmptySectionsSayNoData) {
  const std::vector<std::string> sections = {"design",    "assumptions", "trajectories", "responders",
                                             "waterfall", "survival",    "comparisons",  "endpoint_table"};
  json empty_arrays = json::object();
  for (const auto& s : sections) empty_arrays[s] = json::array();
  for (const json& data : {json::object(), empty_arrays}) {
    const std::string html = render_html(data);
    for (const auto& s : sections)
      EXPECT_NE(html.find("class=\"no-data\" data-section=\"" + s + "\""), std::string::npos) << s;
    EXPECT_EQ(html.find("class=\"tolsim-chart\""), std::string::npos);
    EXPECT_NE(html.find("data-charts-expected=\"0\""), std::string::npos);
  }

  // One section missing: only that one says so, the others are drawn.
  json data = load_fixture();
  data.erase("survival");
  const std::string html = render_html(data);
  EXPECT_EQ(count(html, "class=\"no-data\""), 1u);
  EXPECT_NE(html.find("data-section=\"survival\""), std::string::npos);
  EXPECT_EQ(html.find("data-chart=\"survival\""), std::string::npos);
}

TEST(ReportHtml, ComparisonTableCountsAgreement) {
  // The fixture's comparisons: agrees is true for ACR20 placebo, ACR20 drug and DAS28-CRP, false for ACR50
  // drug, null for ACR50 placebo (no published CI).
  const std::string html = render_html(load_fixture());
  EXPECT_NE(html.find("3 of 5 comparisons agree with the published result (1 without a verdict)."),
            std::string::npos);
  EXPECT_EQ(count(html, "class=\"agrees-yes\""), 3u);
  EXPECT_EQ(count(html, "class=\"agrees-no\""), 1u);
  EXPECT_EQ(count(html, "class=\"agrees-unknown\""), 1u);
}

struct BadData {
  const char* name;
  std::function<void(json&)> spoil;
  const char* message;  // expected inside what()
};

class ReportRejects : public ::testing::TestWithParam<BadData> {};

TEST_P(ReportRejects, NamingTheField) {
  json data = load_fixture();
  GetParam().spoil(data);
  try {
    (void)render_html(data);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    ReportHtml, ReportRejects,
    ::testing::Values(
        BadData{"not_an_object", [](json& d) { d = json::array(); }, "report data: must be a JSON object"},
        BadData{"section_not_array", [](json& d) { d["responders"] = "ACR20"; },
                "report data: responders = \"ACR20\": must be an array of objects"},
        BadData{"section_is_object", [](json& d) { d["responders"] = json::object(); },
                "responders = {}: must be an array"},
        BadData{"record_not_object", [](json& d) { d["design"][1] = 3; }, "design[1] = 3: must be an object"},
        BadData{"rate_is_string", [](json& d) { d["responders"][0]["rate"] = "0.5"; },
                "responders[0].rate = \"0.5\": must be a number between 0 and 1"},
        BadData{"rate_above_one", [](json& d) { d["responders"][2]["rate"] = 1.5; },
                "responders[2].rate = 1.5: must be a number between 0 and 1"},
        BadData{"missing_arm", [](json& d) { d["trajectories"][3].erase("arm"); },
                "trajectories[3].arm is missing"},
        BadData{"nan_mean",
                [](json& d) { d["trajectories"][0]["mean"] = std::numeric_limits<double>::quiet_NaN(); },
                "trajectories[0].mean"},
        BadData{"band_upside_down",
                [](json& d) {
                  d["survival"][1]["lower"] = 0.9;
                  d["survival"][1]["upper"] = 0.8;
                },
                "survival[1].upper = 0.8: must not be below lower (0.9)"},
        BadData{"interval_of_one", [](json& d) { d["comparisons"][0]["published_ci"] = {0.1}; },
                "comparisons[0].published_ci = [0.1]: must be [lower, upper]"},
        BadData{"fractional_patient", [](json& d) { d["waterfall"][0]["patient"] = 1.5; },
                "waterfall[0].patient = 1.5: must be a string or an integer"},
        BadData{"negative_n", [](json& d) { d["endpoint_table"][0]["n"] = -1; },
                "endpoint_table[0].n = -1: must be an integer >= 0"},
        BadData{"agrees_as_text", [](json& d) { d["comparisons"][0]["agrees"] = "yes"; },
                "comparisons[0].agrees = \"yes\": must be true, false or null"},
        BadData{"title_number", [](json& d) { d["title"] = 5; }, "report data: title = 5: must be a string"},
        BadData{"misspelt_section",
                [](json& d) {
                  d["responder"] = d["responders"];
                  d.erase("responders");
                },
                "unknown key 'responder' (did you mean 'responders'?)"}),
    [](const ::testing::TestParamInfo<BadData>& param_info) { return std::string(param_info.param.name); });

}  // namespace
