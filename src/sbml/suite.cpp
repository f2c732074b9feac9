#include "tolsim/sbml/suite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "common/process.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/expr/ast.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/model/yaml_writer.hpp"
#include "tolsim/sbml/reader.hpp"
#include "tolsim/sbml/writer.hpp"
#include "tolsim/script/export.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::sbml {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(SourceLocation{path.string(), 0, 0}, "cannot read the file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "key: value" lines. Some tags files of the suite run the synopsis into another line; only the first "key:" of a
// line is taken.
std::vector<std::pair<std::string, std::string>> key_values(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return out;
}

struct Settings {
  double start = 0.0, duration = 0.0;
  int steps = 0;
  std::vector<std::string> variables;
  double absolute = 0.0, relative = 0.0;
  std::set<std::string> amount, concentration;
};

Settings read_settings(const fs::path& path) {
  Settings s;
  for (const auto& [key, value] : key_values(read_text(path))) {
    if (key == "start") s.start = std::stod(value);
    if (key == "duration") s.duration = std::stod(value);
    if (key == "steps") s.steps = std::stoi(value);
    if (key == "variables") s.variables = split_list(value);
    if (key == "absolute") s.absolute = std::stod(value);
    if (key == "relative") s.relative = std::stod(value);
    if (key == "amount")
      for (auto& v : split_list(value)) s.amount.insert(v);
    if (key == "concentration")
      for (auto& v : split_list(value)) s.concentration.insert(v);
  }
  return s;
}

struct Tags {
  std::string test_type;
  std::vector<std::string> all;  // component and test tags, and "package:<name>"
};

// A tag is one word (letters, digits, ':' for package-qualified tags, '_' and '-'); anything else on the line is
// run-in synopsis text.
bool is_tag(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == ':' || c == '_' || c == '-';
  });
}

Tags read_tags(const fs::path& path) {
  Tags t;
  const std::string text = read_text(path);
  for (const auto& [key, value] : key_values(text)) {
    if (key == "componentTags" || key == "testTags")
      for (auto& tag : split_list(value))
        if (is_tag(tag)) t.all.push_back(tag);
    if (key == "packagesPresent") {
      // Only a list of single words is a package list; a run-in synopsis is not.
      const auto packages = split_list(value);
      if (std::all_of(packages.begin(), packages.end(), is_tag))
        for (const auto& p : packages) t.all.push_back("package:" + p);
    }
  }
  const auto at = text.find("testType:");
  if (at != std::string::npos) {
    std::stringstream in(text.substr(at + 9));
    in >> t.test_type;
  }
  return t;
}

// Expected results: header and rows of numbers (the suite writes e.g. "1.5e-005"; NaN and INF occur).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
};

double parse_number(const std::string& text) {
  const std::string t = trim(text);
  if (t == "NaN" || t == "nan" || t == "NA") return std::nan("");
  if (t == "INF" || t == "inf" || t == "Inf" || t == "Infinity") return HUGE_VAL;
  if (t == "-INF" || t == "-inf" || t == "-Inf" || t == "-Infinity") return -HUGE_VAL;
  return std::stod(t);
}

Table read_results(const fs::path& path) {
  Table table;
  std::stringstream in(read_text(path));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    const auto cells = split_list(line);
    if (header) {
      table.columns = cells;
      header = false;
      continue;
    }
    std::vector<double> row;
    for (const auto& c : cells) row.push_back(parse_number(c));
    table.rows.push_back(std::move(row));
  }
  return table;
}

bool agrees(double expected, double actual, double absolute, double relative) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(expected - actual) <= absolute + relative * std::abs(expected);
}

// The reported quantity of `variable` as an expression: a species as the amount or concentration the settings ask
// for (its symbol means its amount when it has only substance units, else its concentration), anything else as is.
expr::AstPtr reported(const model::Model& m, const std::string& variable, const Settings& settings) {
  const model::Species* s = m.find_species(variable);
  const auto symbol = expr::make_symbol(variable);
  if (!s) return symbol;
  const auto size = expr::make_symbol(s->compartment);
  if (settings.amount.count(variable) && !s->only_substance_units)
    return expr::make_binary(expr::AstOp::kMul, symbol, size);
  if (settings.concentration.count(variable) && s->only_substance_units)
    return expr::make_binary(expr::AstOp::kDiv, symbol, size);
  return symbol;
}

// The simulated values of the reported variables: one column per variable, one row per output time.
struct Simulated {
  std::vector<double> times;
  std::vector<std::vector<double>> columns;
};

// Why the exported scripts cannot run a case (the "script:" tag that skips it), or "".
std::string script_gap(const Tags& tags) {
  // These cases check a random order of simultaneous events over many firings; the scripts keep a fixed one.
  if (std::find(tags.all.begin(), tags.all.end(), "RandomEventExecution") != tags.all.end())
    return "script:RandomEventExecution";
  return {};
}

// Writes the case's script into a fresh temporary folder, runs it and reads its CSV. Returns "" or why it failed.
std::string run_script(Route route, const CompiledModel& model, const SimulationSetup& setup,
                       const std::vector<std::string>& outputs, Simulated& simulated) {
  const script::Language language =
      route == Route::kPython ? script::Language::kPython : script::Language::kR;
  script::ScriptInfo info;
  info.model_file = model.source_file;
  for (const auto& name : outputs) info.columns.push_back(*model.find_output(name));
  const std::string text = script::write_script(language, model, setup, info);

  std::string folder = (fs::temp_directory_path() / "tolsim-suite-XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr)
    return fmt::format("cannot create a temporary folder: {}", std::strerror(errno));
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } remove{folder};
  const fs::path script_path =
      fs::path(folder) / (language == script::Language::kPython ? "case.py" : "case.R");
  const fs::path csv = fs::path(folder) / "case.csv";
  {
    std::ofstream out(script_path);
    out << text;
    if (!out) return fmt::format("cannot write {}", script_path.string());
  }
  int log_fd = -1;
  const std::string log_path = detail::make_temp(fs::path(folder) / "log", &log_fd);
  if (log_path.empty()) return fmt::format("cannot create a log file in {}", folder);
  const std::vector<std::string> argv =
      language == script::Language::kPython
          ? std::vector<std::string>{"/usr/bin/python3", script_path.string(), "--out", csv.string()}
          : std::vector<std::string>{"/usr/bin/Rscript", script_path.string(), "--out", csv.string()};
  // A case takes about a second; one that runs for minutes is stuck (a chattering event, a solver that crawls).
  const std::string error =
      detail::run_program(argv, log_path, log_fd, "interpreter", std::chrono::seconds(300));
  ::close(log_fd);
  if (!error.empty()) return error;

  const Table table = read_results(csv);
  if (table.columns.size() != 1 + outputs.size())
    return fmt::format("the script wrote {} columns, expected {}", table.columns.size(), 1 + outputs.size());
  simulated.columns.assign(outputs.size(), {});
  for (const auto& row : table.rows) {
    if (row.size() != table.columns.size()) return "the script wrote a short row";
    simulated.times.push_back(row[0]);
    for (std::size_t c = 0; c < outputs.size(); ++c) simulated.columns[c].push_back(row[c + 1]);
  }
  return {};
}

}  // namespace

const std::vector<std::string>& unsupported_tags() {
  // Cases with a Level 3 package ("package:<name>") other than comp are skipped too.
  static const std::vector<std::string> tags = {"MultipleFastReactions"};
  return tags;
}

CaseResult run_case(const std::string& folder, Route route) {
  const fs::path dir(folder);
  CaseResult r;
  r.name = dir.filename().string();
  const auto file = [&](const char* suffix) { return dir / (r.name + suffix); };
  try {
    const Tags tags = read_tags(file("-tags.txt"));
    if (tags.test_type != "TimeCourse") {
      r.outcome = CaseResult::Outcome::kSkipped;
      r.tags = {"testType:" + tags.test_type};
    }
    for (const auto& tag : tags.all)
      if (std::find(unsupported_tags().begin(), unsupported_tags().end(), tag) != unsupported_tags().end() ||
          (tag.starts_with("package:") && tag != "package:comp")) {
        r.outcome = CaseResult::Outcome::kSkipped;
        if (std::find(r.tags.begin(), r.tags.end(), tag) == r.tags.end()) r.tags.push_back(tag);
      }
    if (r.outcome == CaseResult::Outcome::kSkipped) {
      r.reason = fmt::format("{}", fmt::join(r.tags, ", "));
      return r;
    }
    // A hierarchical case whose external model files are not in its folder cannot be run: this copy of the suite
    // holds only each case's own four files. Only cases tagged with external definitions are parsed for this.
    const bool external =
        std::find(tags.all.begin(), tags.all.end(), "comp:ExternalModelDefinition") != tags.all.end();
    if (const auto missing =
            external ? missing_external_models(file("-sbml.xml").string()) : std::vector<std::string>{};
        !missing.empty()) {
      r.outcome = CaseResult::Outcome::kSkipped;
      r.tags = {"missing:comp:ExternalModelDefinition"};
      r.reason = fmt::format("external model files not in the case folder: {}", fmt::join(missing, ", "));
      return r;
    }
    const Settings settings = read_settings(file("-settings.txt"));
    const Table expected = read_results(file("-results.csv"));

    std::map<std::string, std::string> renamed;
    model::LoadedModel loaded = read_sbml(file("-sbml.xml").string(), &renamed);
    if (route == Route::kYaml)
      loaded = model::load_model_from_string(model::write_yaml(loaded.model), r.name + ".yaml");
    if (route == Route::kSbml)
      loaded = read_sbml_from_string(write_sbml(loaded.model), r.name + "-written.xml");
    model::Model& m = loaded.model;
    // One observable per reported variable, named so that it cannot clash with a model id.
    std::vector<std::string> outputs;
    for (std::size_t k = 0; k < settings.variables.size(); ++k) {
      model::Parameter p;
      p.id = fmt::format("tolsim_suite_out_{}", k);
      p.observable = true;
      p.constant = false;
      p.source.text = "assumption: reported variable of the test case";
      p.source.is_assumption = true;
      model::Rule rule;
      rule.variable = p.id;
      const auto it = renamed.find(settings.variables[k]);
      rule.math.ast = reported(m, it == renamed.end() ? settings.variables[k] : it->second, settings);
      rule.math.text = expr::to_string(*rule.math.ast);
      m.parameters.push_back(std::move(p));
      m.rules.push_back(std::move(rule));
      outputs.push_back(m.parameters.back().id);
    }
    Diagnostics diagnostics;
    model::validate_model(m, diagnostics);
    if (diagnostics.has_errors()) throw ModelError(diagnostics);

    CompileOptions compile;
    compile.backend = CompileOptions::Backend::kInterpreter;  // hundreds of small models: no C++ compile each
    const CompiledModel compiled = compile_model(m, compile);
    SimulationSetup setup;
    setup.parameters = compiled.default_parameters();
    setup.t_start = settings.start;
    setup.t_end = settings.start + settings.duration;
    for (int i = 0; i <= settings.steps; ++i)
      setup.output_times.push_back(
          i == settings.steps ? setup.t_end : settings.start + settings.duration * i / settings.steps);
    // Well inside the case's own tolerances (typically 1e-4 relative, 1e-7 absolute or less).
    setup.options.rtol = std::min(1e-10, settings.relative * 1e-4);
    setup.options.atol = std::max(1e-300, settings.absolute * 1e-6);
    setup.options.enforce_nonnegative = false;
    setup.allow_nonfinite_values = true;  // cases check INF and NaN values
    // These cases check that simultaneous events of equal priority run in random order (statistically, over many
    // firings). A fixed seed keeps the run reproducible.
    if (std::find(tags.all.begin(), tags.all.end(), "RandomEventExecution") != tags.all.end())
      setup.random_event_order_seed = 20261125;
    Simulated simulated;
    if (route == Route::kPython || route == Route::kR) {
      if (const std::string gap = script_gap(tags); !gap.empty()) {
        r.outcome = CaseResult::Outcome::kSkipped;
        r.tags = {gap};
        r.reason = gap;
        return r;
      }
      if (const std::string error = run_script(route, compiled, setup, outputs, simulated); !error.empty()) {
        r.reason = fmt::format("script failed: {}", error);
        return r;
      }
    } else {
      const SimulationResult result = simulate(compiled, setup);
      if (!result.ok()) {
        r.reason = fmt::format("simulation failed: {}", result.summary.message);
        return r;
      }
      simulated.times = result.times;
      for (const auto& name : outputs) simulated.columns.push_back(result.column(name));
    }
    if (expected.rows.size() != simulated.times.size()) {
      r.reason = fmt::format("{} expected rows, {} simulated", expected.rows.size(), simulated.times.size());
      return r;
    }
    const std::vector<std::vector<double>>& columns = simulated.columns;
    for (std::size_t c = 0; c < settings.variables.size(); ++c) {
      const auto at = std::find(expected.columns.begin(), expected.columns.end(), settings.variables[c]);
      if (at == expected.columns.end()) {
        r.reason = fmt::format("the expected results have no column '{}'", settings.variables[c]);
        return r;
      }
      const auto e_col = static_cast<std::size_t>(at - expected.columns.begin());
      for (std::size_t i = 0; i < expected.rows.size(); ++i) {
        const double want = expected.rows[i].at(e_col);
        const double got = columns[c][i];
        if (!agrees(want, got, settings.absolute, settings.relative)) {
          r.reason = fmt::format("{} at t = {}: expected {}, got {}", settings.variables[c],
                                 simulated.times[i], want, got);
          return r;
        }
      }
    }
    r.outcome = CaseResult::Outcome::kPassed;
  } catch (const InputError& e) {
    const auto& items = e.diagnostics().items();
    r.reason = items.empty() ? std::string(e.what()) : items.front().to_string();
  } catch (const std::exception& e) {
    r.reason = e.what();
  }
  return r;
}

SuiteResult run_suite(const std::string& directory, const SuiteOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw InputError(SourceLocation{directory, 0, 0}, "not a directory of SBML Test Suite cases");
  std::vector<std::string> names = options.cases;
  if (names.empty()) {
    for (const auto& entry : fs::directory_iterator(directory))
      if (entry.is_directory() && fs::exists(entry.path() / (entry.path().filename().string() + "-sbml.xml")))
        names.push_back(entry.path().filename().string());
  } else {
    for (auto& n : names) {
      // "1" and "00001" name the same case.
      if (n.size() < 5 && std::all_of(n.begin(), n.end(), ::isdigit)) n = std::string(5 - n.size(), '0') + n;
      if (!fs::is_directory(fs::path(directory) / n))
        throw InputError(SourceLocation{directory, 0, 0}, fmt::format("no case folder '{}'", n));
    }
  }
  if (!options.tagged.empty()) {
    std::erase_if(names, [&](const std::string& name) {
      const fs::path tags_file = fs::path(directory) / name / (name + "-tags.txt");
      std::error_code exists_error;
      if (!fs::exists(tags_file, exists_error)) return true;
      Tags tags;
      try {
        tags = read_tags(tags_file);
      } catch (const std::exception&) {
        return false;  // kept: running the case reports what is wrong with it
      }
      return std::none_of(tags.all.begin(), tags.all.end(), [&](const std::string& tag) {
        return std::find(options.tagged.begin(), options.tagged.end(), tag) != options.tagged.end();
      });
    });
  }
  std::sort(names.begin(), names.end());
  SuiteResult out;
  out.cases.resize(names.size());
  std::atomic<std::size_t> next{0};
  std::mutex report;
  const auto work = [&] {
    for (std::size_t i = next++; i < names.size(); i = next++) {
      out.cases[i] = run_case((fs::path(directory) / names[i]).string(), options.route);
      if (options.on_case) {
        std::lock_guard<std::mutex> lock(report);
        options.on_case(out.cases[i]);
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(names.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  for (const auto& c : out.cases) {
    if (c.outcome == CaseResult::Outcome::kPassed) ++out.passed;
    if (c.outcome == CaseResult::Outcome::kFailed) ++out.failed;
    if (c.outcome == CaseResult::Outcome::kSkipped) {
      ++out.skipped;
      for (const auto& tag : c.tags) ++out.skipped_by_tag[tag];
    }
  }
  return out;
}

}  // namespace tolsim::sbml
