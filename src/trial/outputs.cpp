#include "tolsim/trial/outputs.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tolsim/io/atomic_file.hpp"
#include "tolsim/report/html_report.hpp"
#include "tolsim/stats/continuous.hpp"
#include "tolsim/stats/survival.hpp"
#include "tolsim/version.hpp"
#include "trial/analysis.hpp"
#include "trial/checkpoint.hpp"

namespace tolsim::trial {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN: missing numbers are null.
json number(double x) {
  return std::isfinite(x) ? json(x) : json(nullptr);
}

// out += prefix + text, without the temporary that trips GCC 12's -Wrestrict false positive.
void cell(std::string& out, const char* prefix, const std::string& text) {
  out += prefix;
  out += text;
}

std::string csv_number(double x) {
  return std::isfinite(x) ? fmt::format("{:.10g}", x) : std::string();
}

// A sampled input (parameter or covariate): the shortest decimal that reads back as the same double, so that one
// patient can be rerun exactly (`tolsim simulate --set NAME=VALUE ...`).
std::string csv_exact(double x) {
  return std::isfinite(x) ? fmt::format("{}", x) : std::string();
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

const ReplicateResult* first(const TrialResult& r) {
  return r.replicates.empty() ? nullptr : &r.replicates.front();
}

// Writes every file through `write(name, text)`, then moves the folder into place.
class FolderWriter {
 public:
  FolderWriter(const std::string& dir, bool force) : dir_(dir), force_(force) {
    check_output_dir(dir, force);
    partial_ = fmt::format("{}.partial-{}", fs::path(dir).lexically_normal().string(), ::getpid());
    fs::remove_all(partial_);
    fs::create_directories(partial_);
  }
  ~FolderWriter() {
    std::error_code ec;
    if (!committed_) fs::remove_all(partial_, ec);
  }
  void write(const std::string& name, const std::string& text) {
    io::AtomicFile f((fs::path(partial_) / name).string());
    f.stream() << text;
    f.commit();
  }
  void commit() {
    if (fs::exists(dir_)) fs::remove_all(dir_);
    fs::rename(partial_, dir_);
    committed_ = true;
  }

 private:
  std::string dir_, partial_;
  bool force_;
  bool committed_ = false;
};

// Patients rescued per arm (in spec.arms order).
std::vector<long> rescued_per_arm(const TrialSpec& spec, const ReplicateResult& rep) {
  std::vector<long> n(spec.arms.size(), 0);
  for (const auto& p : rep.patients)
    if (p.rescued) ++n[static_cast<std::size_t>(p.arm)];
  return n;
}

std::string patients_csv(const TrialResult& result) {
  const TrialDesign& g = *result.design;
  std::string out = "replicate,candidate,status,reason,arm";
  for (const auto& c : g.spec.population.covariates) cell(out, ",", csv_text(c.name));
  for (int slot : g.varied)
    cell(out, ",", csv_text(g.compiled.parameters[static_cast<std::size_t>(slot)].name));
  for (const auto& b : g.baseline_columns) cell(out, ",baseline_", csv_text(b));
  out += ",dropout_time,rescued,solve_failure\n";
  for (const auto& rep : result.replicates) {
    // One row per candidate and arm it was treated in (several with `allocation: every_arm`), one if untreated.
    std::vector<std::vector<const PatientOutcome*>> by_candidate(rep.candidates.size());
    for (const auto& p : rep.patients) by_candidate[static_cast<std::size_t>(p.candidate)].push_back(&p);
    for (const auto& c : rep.candidates) {
      auto outcomes = by_candidate[static_cast<std::size_t>(c.index)];
      if (outcomes.empty()) outcomes.push_back(nullptr);
      for (const PatientOutcome* p : outcomes) {
        out += fmt::format("{},{},{},{},{}", rep.replicate, c.index, to_string(c.status), csv_text(c.reason),
                           p ? csv_text(g.spec.arms[static_cast<std::size_t>(p->arm)].name) : "");
        for (std::size_t k = 0; k < g.spec.population.covariates.size(); ++k) {
          const auto& cov = g.spec.population.covariates[k];
          const double x = k < c.covariates.size() ? c.covariates[k] : kNaN;
          out += ",";
          if (cov.kind == CovariateSpec::Kind::kCategorical && std::isfinite(x))
            out += csv_text(cov.levels[static_cast<std::size_t>(x)].first);
          else
            out += csv_exact(x);
        }
        for (std::size_t k = 0; k < g.varied.size(); ++k)
          cell(out, ",", csv_exact(k < c.parameters.size() ? c.parameters[k] : kNaN));
        for (std::size_t k = 0; k < g.baseline_columns.size(); ++k)
          cell(out, ",", csv_number(k < c.baseline.size() ? c.baseline[k] : kNaN));
        out += fmt::format(",{},{},{}\n", p ? csv_number(p->dropout_time) : "",
                           p ? (p->rescued ? "1" : "0") : "", p ? csv_text(p->failure) : "");
      }
    }
  }
  return out;
}

std::string endpoints_csv(const TrialResult& result, const detail::EndpointEvaluator& evaluator) {
  const TrialDesign& g = *result.design;
  std::string out = "replicate,patient,arm,visit,endpoint,value,event\n";
  const std::size_t n_endpoints = g.spec.endpoints.size();
  for (const auto& rep : result.replicates)
    for (const auto& p : rep.patients)
      for (std::size_t k = 0; k < n_endpoints; ++k) {
        const auto& e = g.spec.endpoints[k];
        for (int v : evaluator.visits_of(static_cast<int>(k))) {
          const double x = p.endpoint_values[static_cast<std::size_t>(v) * n_endpoints + k];
          out += fmt::format("{},{},{},{},{},{},{}\n", rep.replicate, p.candidate,
                             csv_text(g.spec.arms[static_cast<std::size_t>(p.arm)].name),
                             csv_number(g.spec.visits[static_cast<std::size_t>(v)]), csv_text(e.name),
                             csv_number(x),
                             e.kind == EndpointSpec::Kind::kTimeTo ? std::to_string(p.events[k]) : "");
        }
      }
  return out;
}

std::string trajectories_csv(const TrialResult& result) {
  const TrialDesign& g = *result.design;
  std::string out = "replicate,patient,arm,time";
  for (int j : g.trajectory_outputs)
    cell(out, ",", csv_text(g.compiled.outputs[static_cast<std::size_t>(j)].name));
  out += "\n";
  const ReplicateResult* rep = first(result);
  if (!rep) return out;
  const std::size_t width = g.trajectory_outputs.size();
  const int wanted = g.spec.trajectories.patients;
  for (std::size_t i = 0; i < rep->patients.size() && static_cast<int>(i) < wanted; ++i) {
    const auto& p = rep->patients[i];
    for (std::size_t s = 0; s < g.trajectory_times.size(); ++s) {
      out += fmt::format("{},{},{},{}", rep->replicate, p.candidate,
                         csv_text(g.spec.arms[static_cast<std::size_t>(p.arm)].name),
                         csv_number(g.trajectory_times[s] / g.per_day));
      for (std::size_t j = 0; j < width; ++j) cell(out, ",", csv_number(p.trajectory[s * width + j]));
      out += "\n";
    }
  }
  return out;
}

json statistic_json(const ArmVisitStatistic& s) {
  json j = {{"endpoint", s.endpoint},
            {"arm", s.arm},
            {"visit", s.visit},
            {"n", s.n},
            {"missing", s.missing},
            {"estimate", number(s.estimate)},
            {"ci", {number(s.lower), number(s.upper)}}};
  if (s.binary)
    j["responders"] = s.responders;
  else
    j["sd"] = number(s.sd);
  return j;
}

// Across replicates: the mean of an arm's estimate and the 2.5-97.5 percentiles of its distribution.
struct Spread {
  double mean = kNaN, lower = kNaN, upper = kNaN;
};
Spread spread(const TrialResult& result, const std::string& endpoint, const std::string& arm, double visit) {
  std::vector<double> xs;
  for (const auto& rep : result.replicates)
    for (const auto& s : rep.statistics)
      if (s.endpoint == endpoint && s.arm == arm && s.visit == visit && std::isfinite(s.estimate))
        xs.push_back(s.estimate);
  Spread out;
  if (xs.empty()) return out;
  double sum = 0.0;
  for (double x : xs) sum += x;
  out.mean = sum / static_cast<double>(xs.size());
  out.lower = stats::quantile(xs, 0.025);
  out.upper = stats::quantile(xs, 0.975);
  return out;
}

// One published result beside the simulated one, as summary.json and the report both show it.
json comparison_json(const PublishedComparison& c) {
  return {
      {"endpoint", c.endpoint},
      {"arm", c.arm},
      {"visit", c.visit},
      {"simulated", number(c.simulated)},
      // No interval (null) when an arm had too few evaluable patients for one.
      {"simulated_ci", std::isfinite(c.simulated_lower) && std::isfinite(c.simulated_upper)
                           ? json{c.simulated_lower, c.simulated_upper}
                           : json(nullptr)},
      {"published", c.published},
      {"published_ci", c.published_ci ? json{c.published_ci->first, c.published_ci->second} : json(nullptr)},
      {"agrees", c.agrees}};
}

json report_data(const TrialResult& result, const detail::EndpointEvaluator& evaluator) {
  const TrialDesign& g = *result.design;
  const auto& spec = g.spec;
  const ReplicateResult* rep = first(result);
  json data;
  data["title"] = spec.name;
  data["subtitle"] = fmt::format("tolsim {} - seed {} - {} patients x {} replicate(s){}", kVersion,
                                 result.seed, result.patients_per_replicate, result.replicates.size(),
                                 result.interrupted ? " - INTERRUPTED" : "");
  json design = json::array();
  design.push_back({{"item", "Model"}, {"value", fmt::format("{} ({})", g.compiled.name, spec.model_path)}});
  std::string arms;
  for (const auto& a : spec.arms)
    arms += fmt::format("{}{} (ratio {}){}", arms.empty() ? "" : "; ", a.name, a.ratio,
                        a.description.empty() ? "" : ": " + a.description);
  design.push_back({{"item", "Arms"}, {"value", arms}});
  std::string visits;
  for (double v : spec.visits) visits += fmt::format("{}{}", visits.empty() ? "" : ", ", v);
  design.push_back({{"item", "Visits (day)"}, {"value", visits}});
  if (rep) {
    std::string screening;
    for (const auto& [status, count] : rep->screening)
      screening += fmt::format("{}{} {}", screening.empty() ? "" : ", ", count, status);
    design.push_back({{"item", "Screening (replicate 1)"}, {"value", screening}});
    if (!rep->selection_report.empty())
      design.push_back({{"item", "Selection"}, {"value", rep->selection_report}});
  }
  if (spec.rescue.enabled()) {
    std::string which;
    for (const auto& a : spec.rescue.arms) which += fmt::format("{}{}", which.empty() ? "" : ", ", a);
    std::string counts;
    if (rep) {
      const auto n = rescued_per_arm(spec, *rep);
      for (std::size_t a = 0; a < spec.arms.size(); ++a)
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", spec.arms[a].name, n[a]);
    }
    design.push_back(
        {{"item", "Rescue"},
         {"value",
          fmt::format("day {} when {} ({}); later visits imputed as {}{}", spec.rescue.at,
                      spec.rescue.criterion, which.empty() ? "every arm" : which,
                      spec.rescue.impute == RescueSpec::Impute::kLocf ? "the rescue visit's values (LOCF)"
                                                                      : "missing (non-responder)",
                      counts.empty() ? "" : "; rescued (replicate 1): " + counts)}});
  }
  design.push_back({{"item", "Missing data"},
                    {"value",
                     "binary endpoints: dropouts, failed solves and rescued patients imputed as missing are "
                     "non-responders; continuous: observed cases"}});
  if (result.power)
    design.push_back(
        {{"item", "Power (primary)"},
         {"value", fmt::format("{:.3f} [{:.3f}, {:.3f}] over {} replicates", *result.power,
                               result.power_ci.first, result.power_ci.second, result.replicates.size())}});
  data["design"] = design;
  json assumptions = json::array();
  for (const auto& [item, value] : spec.assumptions)
    assumptions.push_back({{"item", item}, {"value", value}});
  for (const auto& n : spec.noise)
    assumptions.push_back(
        {{"item", "Noise on " + n.observable},
         {"value", n.kind == NoiseSpec::Kind::kProportional ? fmt::format("proportional, CV {}", n.cv)
                                                            : fmt::format("SD {}", n.sd)}});
  if (!spec.published.empty())
    assumptions.push_back({{"item", "Agreement with published results"},
                           {"value",
                            "the published value lies inside the simulated 95% interval, or the published "
                            "CI overlaps it (docs/trials.md)"}});
  data["assumptions"] = assumptions;

  // Trajectories: mean and 5-95 % band per arm at each trajectory time.
  json traj = json::array();
  if (rep) {
    const std::size_t width = g.trajectory_outputs.size();
    for (std::size_t j = 0; j < width; ++j) {
      const auto& out = g.compiled.outputs[static_cast<std::size_t>(g.trajectory_outputs[j])];
      for (std::size_t a = 0; a < spec.arms.size(); ++a)
        for (std::size_t s = 0; s < g.trajectory_times.size(); ++s) {
          std::vector<double> xs;
          for (const auto& p : rep->patients)
            if (static_cast<std::size_t>(p.arm) == a && std::isfinite(p.trajectory[s * width + j]))
              xs.push_back(p.trajectory[s * width + j]);
          if (xs.empty()) continue;
          double sum = 0.0;
          for (double x : xs) sum += x;
          traj.push_back({{"observable", out.name},
                          {"unit", out.unit},
                          {"arm", spec.arms[a].name},
                          {"time", g.trajectory_times[s] / g.per_day},
                          {"mean", sum / static_cast<double>(xs.size())},
                          {"lower", stats::quantile(xs, 0.05)},
                          {"upper", stats::quantile(xs, 0.95)}});
        }
    }
  }
  data["trajectories"] = traj;

  json responders = json::array(), table = json::array();
  if (rep)
    for (const auto& s : rep->statistics) {
      if (s.binary && std::isfinite(s.estimate))  // an arm with no evaluable patient has no rate to draw
        responders.push_back({{"endpoint", s.endpoint},
                              {"arm", s.arm},
                              {"visit", s.visit},
                              {"rate", number(s.estimate)},
                              {"lower", number(s.lower)},
                              {"upper", number(s.upper)},
                              {"n", s.n}});
      table.push_back(
          {{"endpoint", s.endpoint},
           {"arm", s.arm},
           {"visit", s.visit},
           {"statistic", s.binary ? "rate" : "mean"},
           {"value", number(s.estimate)},
           {"ci", std::isfinite(s.lower) ? fmt::format("{:.3g} to {:.3g}", s.lower, s.upper) : ""},
           {"n", s.n}});
    }
  data["responders"] = responders;
  data["endpoint_table"] = table;

  // Waterfall: the first change endpoint at its last visit, one bar per patient.
  json waterfall = json::array();
  const std::size_t n_endpoints = spec.endpoints.size();
  for (std::size_t k = 0; rep && k < n_endpoints; ++k) {
    const auto& e = spec.endpoints[k];
    if (e.kind != EndpointSpec::Kind::kChange && e.kind != EndpointSpec::Kind::kPercentChange) continue;
    const auto& reported = evaluator.visits_of(static_cast<int>(k));
    if (reported.empty()) continue;
    const int v = reported.back();
    for (const auto& p : rep->patients) {
      const double x = p.endpoint_values[static_cast<std::size_t>(v) * n_endpoints + k];
      if (std::isfinite(x))
        waterfall.push_back(
            {{"endpoint", fmt::format("{} at day {}", e.name, spec.visits[static_cast<std::size_t>(v)])},
             {"arm", spec.arms[static_cast<std::size_t>(p.arm)].name},
             {"patient", p.candidate},
             {"value", x}});
    }
    break;
  }
  data["waterfall"] = waterfall;

  // Kaplan-Meier curves of every time-to-event endpoint.
  json survival = json::array();
  for (std::size_t k = 0; rep && k < n_endpoints; ++k) {
    const auto& e = spec.endpoints[k];
    if (e.kind != EndpointSpec::Kind::kTimeTo) continue;
    const std::size_t last = spec.visits.size() - 1;
    for (std::size_t a = 0; a < spec.arms.size(); ++a) {
      std::vector<double> t;
      std::vector<unsigned char> ev;
      for (const auto& p : rep->patients)
        if (static_cast<std::size_t>(p.arm) == a &&
            std::isfinite(p.endpoint_values[last * n_endpoints + k])) {
          t.push_back(p.endpoint_values[last * n_endpoints + k]);
          ev.push_back(p.events[k]);
        }
      if (t.empty()) continue;
      const auto km = stats::kaplan_meier(t, ev);
      // Where S = 0 the interval is undefined; the band is drawn closed there.
      const auto band = [&](double x, std::size_t i) { return std::isfinite(x) ? x : km.survival[i]; };
      for (std::size_t i = 0; i < km.time.size(); ++i)
        survival.push_back({{"endpoint", e.name},
                            {"arm", spec.arms[a].name},
                            {"time", km.time[i]},
                            {"survival", km.survival[i]},
                            {"lower", band(km.lower[i], i)},
                            {"upper", band(km.upper[i], i)}});
      // The curve holds its last value to the end of follow-up.
      const std::size_t last_step = km.time.size() - 1;
      if (spec.duration > km.time[last_step])
        survival.push_back({{"endpoint", e.name},
                            {"arm", spec.arms[a].name},
                            {"time", spec.duration},
                            {"survival", km.survival[last_step]},
                            {"lower", band(km.lower[last_step], last_step)},
                            {"upper", band(km.upper[last_step], last_step)}});
    }
  }
  data["survival"] = survival;

  json comparisons = json::array();
  for (const auto& c : compare_with_published(result)) {
    if (!std::isfinite(c.simulated)) continue;  // nothing simulated to show (listed in summary.json)
    comparisons.push_back(comparison_json(c));
  }
  data["comparisons"] = comparisons;
  return data;
}

}  // namespace

void check_output_dir(const std::string& dir, bool force) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw UsageError(SourceLocation{}, fmt::format("--out {}: exists and is not a folder", dir));
  if (!fs::is_empty(dir, ec) && !force)
    throw UsageError(
        SourceLocation{},
        fmt::format("--out {}: the folder exists and is not empty; choose another or add --force to "
                    "replace it",
                    dir));
}

std::vector<PublishedComparison> compare_with_published(const TrialResult& result) {
  std::vector<PublishedComparison> out;
  const TrialDesign& g = *result.design;
  for (const auto& p : g.spec.published) {
    PublishedComparison c;
    c.endpoint = p.endpoint;
    c.arm = p.arm;
    c.visit = p.visit;
    c.published = p.value;
    c.published_ci = p.ci;
    c.source = p.source;
    if (result.replicates.size() == 1) {
      for (const auto& s : result.replicates.front().statistics)
        if (s.endpoint == p.endpoint && s.arm == p.arm && s.visit == p.visit) {
          c.simulated = s.estimate;
          c.simulated_lower = s.lower;
          c.simulated_upper = s.upper;
        }
    } else {
      const Spread sp = spread(result, p.endpoint, p.arm, p.visit);
      c.simulated = sp.mean;
      c.simulated_lower = sp.lower;
      c.simulated_upper = sp.upper;
    }
    const bool inside = c.published >= c.simulated_lower && c.published <= c.simulated_upper;
    const bool overlap = p.ci && p.ci->first <= c.simulated_upper && p.ci->second >= c.simulated_lower;
    c.agrees = inside || overlap;
    out.push_back(std::move(c));
  }
  return out;
}

std::string summary_json(const TrialResult& result) {
  const TrialDesign& g = *result.design;
  json j;
  j["tolsim_version"] = kVersion;
  j["trial"] = g.spec.name;
  j["spec"] = g.spec.path;
  j["spec_hash"] = detail::text_hash(g.spec.text);  // identifies the exact spec a summary came from
  j["seed"] = result.seed;
  j["model"] = g.compiled.name;
  j["patients_per_replicate"] = result.patients_per_replicate;
  j["replicates_requested"] = g.spec.replicates;
  j["replicates_completed"] = std::count_if(result.replicates.begin(), result.replicates.end(),
                                            [](const ReplicateResult& r) { return r.complete; });
  j["interrupted"] = result.interrupted;
  j["seconds"] = result.seconds;
  json reps = json::array();
  for (const auto& rep : result.replicates) {
    json r;
    r["replicate"] = rep.replicate;
    r["complete"] = rep.complete;
    r["patients_finished"] = rep.patients.size();
    r["screening"] = rep.screening;
    json reasons = json::array();
    for (const auto& f : screen_failures(rep.candidates))
      reasons.push_back({{"status", to_string(f.status)}, {"reason", f.reason}, {"count", f.count}});
    r["screen_failures"] = std::move(reasons);
    r["selection"] = rep.selection_report;
    int failures = 0;
    json failed = json::array();
    for (const auto& p : rep.patients)
      if (p.solve_failed) {
        ++failures;
        if (failed.size() < 20) failed.push_back({{"candidate", p.candidate}, {"reason", p.failure}});
      }
    int run_in_failures = 0;
    for (const auto& c : rep.candidates)
      if (c.status == Candidate::Status::kRunInFailure) ++run_in_failures;
    if (g.spec.rescue.enabled()) {
      json rescued = json::object();
      const auto n = rescued_per_arm(g.spec, rep);
      for (std::size_t a = 0; a < g.spec.arms.size(); ++a) rescued[g.spec.arms[a].name] = n[a];
      r["rescued"] = rescued;
    }
    r["solver_failures"] = {{"run_in", run_in_failures},
                            {"treatment", failures},
                            {"examples", failed},
                            {"rule",
                             "a run-in failure excludes the candidate; a treatment failure counts as "
                             "dropout at the last visit reached"}};
    json st = json::array();
    for (const auto& s : rep.statistics) st.push_back(statistic_json(s));
    r["statistics"] = st;
    json cmp = json::array();
    for (const auto& c : rep.comparisons)
      cmp.push_back({{"endpoint", c.endpoint},
                     {"arm", c.arm},
                     {"control", c.control},
                     {"visit", c.visit},
                     {"difference", number(c.difference)},
                     {"ci", {number(c.lower), number(c.upper)}},
                     {"p", number(c.p_value)},
                     {"test", c.test}});
    r["arm_comparisons"] = cmp;
    if (rep.primary_p) r["primary_p"] = number(*rep.primary_p);
    reps.push_back(r);
  }
  j["replicates"] = reps;
  if (g.spec.primary) {
    const auto& p = *g.spec.primary;
    j["primary"] = {{"endpoint", p.endpoint},
                    {"visit", p.visit},
                    {"arm", p.arm},
                    {"control", p.control},
                    {"alpha", p.alpha},
                    {"power", result.power ? json(*result.power) : json(nullptr)},
                    {"power_ci", {result.power_ci.first, result.power_ci.second}}};
  }
  json comparisons = json::array();
  for (const auto& c : compare_with_published(result)) {
    json entry = comparison_json(c);
    entry["source"] = c.source;
    comparisons.push_back(std::move(entry));
  }
  j["comparisons"] = comparisons;
  j["comparison_rule"] =
      "agrees: the published value lies inside the simulated 95% interval (one replicate: the CI of the "
      "estimate; "
      "several: the 2.5-97.5 percentiles of the replicate estimates), or the published CI overlaps it";
  return j.dump(2) + "\n";
}

std::string endpoint_table(const TrialResult& result) {
  const ReplicateResult* rep = first(result);
  if (!rep) return "no replicate completed\n";
  std::string out = fmt::format("{:<22} {:<16} {:>6} {:>10} {:>21} {:>5}\n", "endpoint", "arm", "day",
                                "estimate", "95% CI", "n");
  for (const auto& s : rep->statistics) {
    const std::string ci = std::isfinite(s.lower) ? fmt::format("[{:.3g}, {:.3g}]", s.lower, s.upper) : "";
    // A missing estimate: no patient observed, or a median survival that was not reached.
    const std::string est = !std::isfinite(s.estimate) ? std::string("-")
                            : s.binary                 ? fmt::format("{:.1f}%", 100 * s.estimate)
                                                       : fmt::format("{:.4g}", s.estimate);
    const std::string ci_text = s.binary && std::isfinite(s.lower)
                                    ? fmt::format("[{:.1f}, {:.1f}]%", 100 * s.lower, 100 * s.upper)
                                    : ci;
    out += fmt::format("{:<22} {:<16} {:>6g} {:>10} {:>21} {:>5}\n", s.endpoint, s.arm, s.visit, est, ci_text,
                       s.n);
  }
  if (!rep->comparisons.empty()) {
    out += fmt::format("\n{:<22} {:<28} {:>6} {:>10} {:>21} {:>9}\n", "endpoint", "arm vs control", "day",
                       "difference", "95% CI", "p");
    // Time to event has a log-rank p-value but no difference estimate: "-".
    for (const auto& c : rep->comparisons)
      out += fmt::format(
          "{:<22} {:<28} {:>6g} {:>10} {:>21} {:>9.3g}\n", c.endpoint, c.arm + " vs " + c.control, c.visit,
          std::isfinite(c.difference) ? fmt::format("{:.4g}", c.difference) : "-",
          std::isfinite(c.lower) ? fmt::format("[{:.3g}, {:.3g}]", c.lower, c.upper) : "", c.p_value);
  }
  const auto published = compare_with_published(result);
  if (!published.empty()) {
    out += fmt::format("\n{:<22} {:<16} {:>6} {:>10} {:>21} {:>10} {:>7}\n", "published", "arm", "day",
                       "simulated", "95% interval", "published", "agrees");
    for (const auto& c : published)
      out +=
          fmt::format("{:<22} {:<16} {:>6g} {:>10.3g} {:>21} {:>10.3g} {:>7}\n", c.endpoint, c.arm, c.visit,
                      c.simulated, fmt::format("[{:.3g}, {:.3g}]", c.simulated_lower, c.simulated_upper),
                      c.published, c.agrees ? "yes" : "NO");
  }
  if (result.power)
    out += fmt::format("\npower (primary endpoint, {} replicate{}): {:.3f} [{:.3f}, {:.3f}]\n",
                       result.replicates.size(), result.replicates.size() == 1 ? "" : "s", *result.power,
                       result.power_ci.first, result.power_ci.second);
  return out;
}

void write_trial_outputs(const TrialResult& result, const std::string& dir, const OutputOptions& options) {
  const detail::EndpointEvaluator evaluator(*result.design);
  FolderWriter w(dir, options.force);
  w.write("summary.json", summary_json(result));
  w.write("endpoints.csv", endpoints_csv(result, evaluator));
  w.write("patients.csv", patients_csv(result));
  if (result.design->spec.trajectories.patients > 0) w.write("trajectories.csv", trajectories_csv(result));
  if (options.report) w.write("report.html", report::render_html(report_data(result, evaluator)));
  w.commit();
}

void write_population_outputs(const TrialResult& result, const std::string& dir,
                              const OutputOptions& options) {
  FolderWriter w(dir, options.force);
  w.write("patients.csv", patients_csv(result));
  w.write("summary.json", summary_json(result));
  w.commit();
}

}  // namespace tolsim::trial
