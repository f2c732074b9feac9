// Reading a trial spec file (format: docs/trials.md). Every problem is collected with its line and column, then
// thrown as one TrialError. Names of observables, parameters and dose targets are checked later, against the
// compiled model (design.cpp); here the file is checked on its own.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/yaml_reader.hpp"
#include "solve/dose_binding.hpp"
#include "tolsim/trial/spec.hpp"
#include "tolsim/units/unit.hpp"
#include "trial/criteria.hpp"
#include "trial/spec_reader.hpp"

namespace tolsim::trial {

using detail::to_days;
using model::detail::for_each_entry;
using model::detail::MapReader;
using model::detail::parse_number;
using model::detail::YamlFile;

namespace detail {

std::optional<double> to_days(const std::string& text, std::string& problem) {
  auto q = tolsim::detail::split_quantity(text);
  if (!q) {
    problem = fmt::format(
        "'{}' is not a time (a number of days, or a number with a unit such as \"12 week\")", text);
    return std::nullopt;
  }
  if (q->second.empty()) return q->first;
  auto u = units::parse_unit(q->second);
  auto day = units::parse_unit("day");
  if (!u.unit || !u.unit->same_dimension(*day.unit)) {
    problem = fmt::format("'{}': '{}' is not a unit of time", text, q->second);
    return std::nullopt;
  }
  return q->first * u.unit->conversion_factor_to(*day.unit);
}

std::optional<double> SpecReaderBase::time(MapReader& r, const char* key) {
  auto text = r.string(key);
  if (!text) return std::nullopt;
  std::string problem;
  auto t = to_days(*text, problem);
  if (!t) r.error(r.node(key), problem);
  return t;
}

std::vector<double> SpecReaderBase::numbers(MapReader& r, const char* key) {
  std::vector<double> out;
  const YAML::Node n = r.node(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    r.error(n, fmt::format("`{}:` must be a list of numbers", key));
    return out;
  }
  for (const auto& x : n) {
    auto v = x.IsScalar() ? parse_number(x.Scalar()) : std::nullopt;
    if (!v) {
      r.error(x, fmt::format("`{}:` must be a list of numbers", key));
      return {};
    }
    out.push_back(*v);
  }
  return out;
}

}  // namespace detail

namespace {

class SpecReader : detail::SpecReaderBase {
 public:
  using SpecReaderBase::SpecReaderBase;

  TrialSpec read() {
    TrialSpec s;
    s.location = file_.file_location();
    MapReader top(file_, file_.root(), "trial", d_,
                  {"tolsim",      "name",       "description", "source",      "model",     "seed",
                   "replicates",  "population", "arms",        "background",  "visits",    "duration",
                   "endpoints",   "noise",      "dropout",     "primary",     "published", "trajectories",
                   "assumptions", "solver",     "allocation",  "fluctuation", "rescue"});
    if (!top.ok()) return s;
    s.name = top.string("name").value_or(std::filesystem::path(file_.path()).stem().string());
    s.description = top.string("description").value_or("");
    s.source = top.string("source");
    if (auto model = top.string("model")) {
      s.model_path = (std::filesystem::path(file_.path()).parent_path() / *model).lexically_normal().string();
    } else {
      top.error("has no `model:` (the model file, relative to this file)");
    }
    if (top.has("seed")) {
      const std::string text = top.node("seed").IsScalar() ? top.node("seed").Scalar() : "";
      try {
        std::size_t used = 0;
        s.seed = std::stoull(text, &used);
        if (used != text.size() || text.front() == '-') throw std::invalid_argument("seed");
      } catch (const std::exception&) {
        top.error(top.node("seed"), fmt::format("seed '{}' must be a whole number >= 0", text));
      }
    }
    if (auto a = top.string("allocation")) {
      if (*a == "every_arm")
        s.every_arm = true;
      else if (*a != "randomised")
        top.error(top.node("allocation"),
                  fmt::format("allocation = '{}': must be 'randomised' or 'every_arm'", *a));
    }
    if (auto r = top.integer("replicates")) {
      if (*r < 1) top.error(top.node("replicates"), fmt::format("replicates = {}: must be >= 1", *r));
      s.replicates = *r;
    }
    detail::read_population(file_, d_, top.node("population"), s.population);
    s.background = tolsim::detail::read_doses(file_, top.node("background"), d_);
    read_arms(top.node("arms"), s);
    read_visits(top, s);
    read_endpoints(top.node("endpoints"), s);
    read_noise(top.node("noise"), s);
    read_fluctuation(top.node("fluctuation"), s);
    read_dropout(top.node("dropout"), s);
    read_rescue(top.node("rescue"), s);
    read_primary(top.node("primary"), s);
    read_published(top.node("published"), s);
    read_trajectories(top.node("trajectories"), s);
    for_each_entry(file_, top.node("assumptions"), "assumptions", d_,
                   [&](const std::string& name, const YAML::Node&, const YAML::Node& value) {
                     s.assumptions.emplace_back(name, value.IsScalar() ? value.Scalar() : "");
                   });
    tolsim::detail::read_solver(file_, top.node("solver"), s.solver, d_);
    check_names(s);
    return s;
  }

 private:
  void read_arms(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) {
      d_.error(file_.file_location(), "trial: has no `arms:`");
      return;
    }
    for_each_entry(file_, node, "arms", d_,
                   [&](const std::string& name, const YAML::Node&, const YAML::Node& value) {
                     ArmSpec arm;
                     arm.name = name;
                     arm.location = at(value);
                     if (value.IsNull()) {  // an arm with nothing added to the background
                       s.arms.push_back(std::move(arm));
                       return;
                     }
                     MapReader r(file_, value, fmt::format("arm '{}'", name), d_,
                                 {"ratio", "description", "doses", "set"});
                     if (!r.ok()) return;
                     if (auto ratio = r.number("ratio")) {
                       if (!(*ratio > 0))
                         r.error(r.node("ratio"), fmt::format("allocation ratio {} must be > 0", *ratio));
                       arm.ratio = *ratio;
                     }
                     arm.description = r.string("description").value_or("");
                     arm.doses = tolsim::detail::read_doses(file_, r.node("doses"), d_);
                     arm.set = tolsim::detail::read_overrides(file_, r.node("set"), d_);
                     s.arms.push_back(std::move(arm));
                   });
    if (node.IsMap() && s.arms.empty()) d_.error(at(node), "trial: `arms:` is empty");
  }

  void read_visits(MapReader& top, TrialSpec& s) {
    const YAML::Node v = top.node("visits");
    if (!v.IsDefined() || v.IsNull()) {
      top.error("has no `visits:` (days of the visits, starting with 0, the baseline)");
      return;
    }
    std::vector<YAML::Node> items;
    if (v.IsSequence())
      for (const auto& x : v) items.push_back(x);
    else
      top.error(v, "visits must be a list of days, e.g. [0, 28, 84] or [0, 4 week, 12 week]");
    for (const auto& x : items) {
      std::string problem;
      auto t = x.IsScalar() ? to_days(x.Scalar(), problem) : std::nullopt;
      if (!t) {
        d_.error(at(x), fmt::format("visit: {}", problem.empty() ? "expected a time" : problem));
        continue;
      }
      if (!s.visits.empty() && *t <= s.visits.back())
        d_.error(at(x), fmt::format("visit {} is not after the previous one ({})", *t, s.visits.back()));
      else if (*t < 0)
        d_.error(at(x), fmt::format("visit {} is before randomisation (day 0)", *t));
      s.visits.push_back(*t);
    }
    if (!s.visits.empty() && s.visits.front() != 0.0)
      top.error(v, "the first visit must be day 0 (baseline)");
    s.duration = s.visits.empty() ? 0.0 : s.visits.back();
    if (auto d = time(top, "duration")) {
      if (!s.visits.empty() && *d < s.visits.back())
        top.error(top.node("duration"),
                  fmt::format("duration {} d ends before the last visit ({} d)", *d, s.visits.back()));
      s.duration = *d;
    }
  }

  std::vector<double> visit_list(MapReader& r, const TrialSpec& s) {
    std::vector<double> out;
    const YAML::Node n = r.node("visits");
    if (!n.IsDefined() || n.IsNull()) return out;
    std::vector<YAML::Node> items;
    if (n.IsSequence())
      for (const auto& x : n) items.push_back(x);
    else
      items.push_back(n);
    for (const auto& x : items) {
      std::string problem;
      auto t = x.IsScalar() ? to_days(x.Scalar(), problem) : std::nullopt;
      if (!t) {
        r.error(x, problem.empty() ? "visits: expected times" : problem);
        continue;
      }
      if (std::find(s.visits.begin(), s.visits.end(), *t) == s.visits.end())
        r.error(x, fmt::format("day {} is not one of the trial's visits", *t));
      out.push_back(*t);
    }
    return out;
  }

  void read_endpoints(const YAML::Node& node, TrialSpec& s) {
    for_each_entry(
        file_, node, "endpoints", d_, [&](const std::string& name, const YAML::Node&, const YAML::Node& v) {
          MapReader r(file_, v, fmt::format("endpoint '{}'", name), d_,
                      {"value",
                       "change",
                       "percent_change",
                       "responder",
                       "das28",
                       "eular",
                       "eular_good",
                       "acr",
                       "das28_remission",
                       "das28_lda",
                       "auc",
                       "time_to",
                       "visits",
                       "unit",
                       "description",
                       "tjc",
                       "sjc",
                       "crp",
                       "esr",
                       "patient_global",
                       "tender",
                       "swollen",
                       "pain",
                       "physician_global",
                       "haq",
                       "acute_phase"});
          if (!r.ok()) return;
          EndpointSpec e;
          e.name = name;
          e.location = r.location();
          e.unit = r.string("unit").value_or("");
          using K = EndpointSpec::Kind;
          const std::vector<std::pair<const char*, K>> kinds = {
              {"value", K::kValue},          {"change", K::kChange}, {"percent_change", K::kPercentChange},
              {"responder", K::kResponder},  {"das28", K::kDas28},   {"eular", K::kEular},
              {"eular_good", K::kEularGood}, {"acr", K::kAcr},       {"das28_remission", K::kDas28Remission},
              {"das28_lda", K::kDas28Lda},   {"auc", K::kAuc},       {"time_to", K::kTimeTo}};
          int found = 0;
          std::string key;
          for (const auto& [k, kind] : kinds)
            if (r.has(k)) {
              ++found;
              e.kind = kind;
              key = k;
            }
          if (found != 1) {
            std::string all;
            for (const auto& [k, kind] : kinds) all += fmt::format("{}{}", all.empty() ? "" : ", ", k);
            r.error(found == 0 ? fmt::format("says what it measures with one of: {}", all)
                               : "has more than one kind; give exactly one");
            return;
          }
          const std::string arg = r.string(key.c_str()).value_or("");
          switch (e.kind) {
            case K::kValue:
            case K::kChange:
            case K::kPercentChange:
            case K::kAuc:
              e.observable = arg;
              break;
            case K::kResponder:
            case K::kTimeTo:
              e.criterion = arg;
              if (auto problem = detail::check_criterion_syntax(arg); !problem.empty())
                r.error(r.node(key.c_str()), problem);
              break;
            case K::kDas28:
              e.formula = arg;
              if (arg != "crp4" && arg != "crp3" && arg != "esr4" && arg != "esr3")
                r.error(r.node("das28"),
                        fmt::format("DAS28 formula '{}' is not one of crp4, crp3, esr4, esr3{}", arg,
                                    did_you_mean(arg, {"crp4", "crp3", "esr4", "esr3"})));
              for (const char* c : {"tjc", "sjc", "crp", "esr", "patient_global"})
                if (auto o = r.string(c)) e.components[c] = *o;
              {
                std::vector<std::string> need = {"tjc", "sjc", arg.substr(0, 3)};
                if (arg.size() == 4 && arg[3] == '4') need.push_back("patient_global");
                for (const auto& c : need)
                  if (!e.components.count(c))
                    r.error(fmt::format("DAS28 {} needs `{}:` (an observable)", arg, c));
              }
              break;
            case K::kEular:
            case K::kEularGood:
            case K::kDas28Remission:
            case K::kDas28Lda:
              e.of = arg;
              break;
            case K::kAcr: {
              auto level = parse_number(arg);
              if (!level || (*level != 20 && *level != 50 && *level != 70))
                r.error(r.node("acr"), fmt::format("acr: '{}' must be 20, 50 or 70", arg));
              e.level = level.value_or(20) / 100.0;
              for (const char* c :
                   {"tender", "swollen", "pain", "patient_global", "physician_global", "haq", "acute_phase"})
                if (auto o = r.string(c)) e.components[c] = *o;
              if (!e.components.count("tender") || !e.components.count("swollen"))
                r.error("ACR needs `tender:` and `swollen:` joint-count observables");
              if (e.components.size() < 5)
                r.error(
                    "ACR needs at least 3 of `pain:`, `patient_global:`, `physician_global:`, `haq:`, "
                    "`acute_phase:`");
              break;
            }
          }
          e.visits = visit_list(r, s);
          s.endpoints.push_back(std::move(e));
        });
  }

  void read_noise(const YAML::Node& node, TrialSpec& s) {
    for_each_entry(
        file_, node, "noise", d_, [&](const std::string& name, const YAML::Node&, const YAML::Node& v) {
          MapReader r(file_, v, fmt::format("noise on '{}'", name), d_,
                      {"type", "cv", "sd", "lower", "upper", "max"});
          if (!r.ok()) return;
          NoiseSpec n;
          n.observable = name;
          n.location = r.location();
          const std::string type = r.string("type").value_or("");
          n.cv = r.number("cv").value_or(0.0);
          n.sd = r.number("sd").value_or(0.0);
          n.lower = r.number("lower");
          n.upper = r.number("upper");
          if (auto max = r.number("max")) n.upper = max;
          if (type == "proportional") {
            n.kind = NoiseSpec::Kind::kProportional;
            if (!(n.cv > 0)) r.error("proportional (assay) noise needs `cv:` > 0");
          } else if (type == "additive" || type == "count" || type == "vas") {
            n.kind = type == "additive" ? NoiseSpec::Kind::kAdditive
                     : type == "count"  ? NoiseSpec::Kind::kCount
                                        : NoiseSpec::Kind::kVas;
            if (!(n.sd > 0)) r.error(fmt::format("{} noise needs `sd:` > 0", type));
            if (type != "additive" && !n.upper)
              r.error(fmt::format("{} noise needs `max:` (e.g. 28 joints, 100 mm)", type));
            if (type != "additive") n.lower = 0.0;
          } else {
            r.error(r.has("type") ? r.node("type") : v,
                    fmt::format("noise `type:` '{}' is not one of proportional, additive, count, vas{}", type,
                                did_you_mean(type, {"proportional", "additive", "count", "vas"})));
          }
          s.noise.push_back(std::move(n));
        });
  }

  void read_fluctuation(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "fluctuation", d_, {"sd", "entry", "loadings"});
    if (!r.ok()) return;
    s.fluctuation.location = r.location();
    const auto sd = r.number("sd");
    if (!sd || !(*sd >= 0) || !std::isfinite(*sd))
      r.error(r.has("sd") ? r.node("sd") : node,
              "fluctuation needs `sd:` >= 0 (the log-scale SD of the factor)");
    else
      s.fluctuation.sd = *sd;
    if (r.has("entry")) read_entry_excess(r.node("entry"), s.fluctuation);
    if (!r.has("loadings")) r.error("fluctuation needs `loadings:` {observable: exponent, ...}");
    for_each_entry(file_, r.node("loadings"), "fluctuation loadings", d_,
                   [&](const std::string& name, const YAML::Node&, const YAML::Node& v) {
                     const auto w = v.IsScalar() ? parse_number(v.Scalar()) : std::nullopt;
                     if (!w || !std::isfinite(*w))
                       d_.error(at(v), fmt::format("fluctuation loading of '{}' must be a number", name));
                     else
                       s.fluctuation.loadings.emplace_back(name, *w);
                   });
  }

  // `entry: {excess: x, t_half: T, share: p}`: the excess of disease activity at enrolment, in a share p of the
  // patients (default all), that fades after baseline.
  void read_entry_excess(const YAML::Node& node, FluctuationSpec& f) {
    MapReader r(file_, node, "fluctuation entry", d_, {"excess", "t_half", "share"});
    if (!r.ok()) return;
    const auto excess = r.number("excess");
    if (!excess || !(*excess >= 0) || !std::isfinite(*excess)) {
      r.error(r.has("excess") ? r.node("excess") : node,
              "needs `excess:` >= 0 (the log-scale excess of activity at enrolment)");
      return;
    }
    const auto t_half = time(r, "t_half");
    if (!t_half && r.has("t_half")) return;  // not a time: reported
    if (!t_half || !(*t_half > 0) || !std::isfinite(*t_half)) {
      r.error(r.has("t_half") ? r.node("t_half") : node,
              "needs `t_half:` > 0 (how fast the excess fades, e.g. 10 week)");
      return;
    }
    const auto share = r.has("share") ? r.number("share") : std::optional<double>(1.0);
    if (!share || !(*share > 0 && *share <= 1)) {
      r.error(r.node("share"),
              "`share:` must be in (0, 1] (the share of patients who enrol with the excess)");
      return;
    }
    f.entry_excess = *excess;
    f.entry_t_half = *t_half;
    f.entry_share = *share;
  }

  void read_dropout(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "dropout", d_, {"per_year"});
    if (!r.ok()) return;
    s.dropout.location = r.location();
    if (auto f = r.number("per_year")) {
      if (!(*f >= 0 && *f < 1))
        r.error(r.node("per_year"),
                fmt::format("per_year = {}: the share dropping out per year is in [0, 1)", *f));
      else
        s.dropout.rate = -std::log1p(-*f) / 365.25;  // exponential hazard per day
    } else {
      r.error("needs `per_year:` (the share of patients who drop out per year)");
    }
  }

  void read_rescue(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "rescue", d_, {"at", "when", "impute", "arms"});
    if (!r.ok()) return;
    RescueSpec& x = s.rescue;
    x.location = r.location();
    const auto at = time(r, "at");
    x.criterion = r.string("when").value_or("");
    if (!at || x.criterion.empty()) {
      r.error(
          "needs `at:` (the visit of the rescue decision) and `when:` (the criterion, e.g. \"TJC28 > 0.8 * "
          "baseline(TJC28)\")");
      x.criterion.clear();
      return;
    }
    x.at = *at;
    if (auto problem = detail::check_criterion_syntax(x.criterion); !problem.empty())
      r.error(r.node("when"), problem);
    const auto visit = std::find(s.visits.begin(), s.visits.end(), x.at);
    if (visit == s.visits.end() || visit == s.visits.begin() || visit + 1 == s.visits.end())
      r.error(r.node("at"), fmt::format("day {} must be one of the visits after baseline and before the last "
                                        "(the later visits are imputed)",
                                        x.at));
    const std::string impute = r.string("impute").value_or("non_responder");
    if (impute == "locf")
      x.impute = RescueSpec::Impute::kLocf;
    else if (impute != "non_responder")
      r.error(r.node("impute"), fmt::format("impute = '{}': must be 'non_responder' or 'locf'", impute));
    x.arms = r.string_list("arms");
  }

  void read_primary(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "primary", d_, {"endpoint", "visit", "arm", "control", "alpha"});
    if (!r.ok()) return;
    PrimarySpec p;
    p.location = r.location();
    p.endpoint = r.string("endpoint").value_or("");
    p.arm = r.string("arm").value_or("");
    p.control = r.string("control").value_or("");
    p.alpha = r.number("alpha").value_or(0.05);
    p.visit = time(r, "visit").value_or(s.visits.empty() ? 0.0 : s.visits.back());
    if (p.endpoint.empty() || p.arm.empty() || p.control.empty())
      r.error("needs `endpoint:`, `arm:` and `control:`");
    if (!(p.alpha > 0 && p.alpha < 1)) r.error(r.node("alpha"), "alpha must be in (0, 1)");
    s.primary = p;
  }

  void read_published(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
      d_.error(at(node), "published must be a list of {endpoint, arm, visit, value, ci, n, source}");
      return;
    }
    for (const auto& item : node) {
      MapReader r(file_, item, "published result", d_,
                  {"endpoint", "arm", "visit", "value", "ci", "n", "source"});
      if (!r.ok()) continue;
      PublishedResult p;
      p.location = r.location();
      p.endpoint = r.string("endpoint").value_or("");
      p.arm = r.string("arm").value_or("");
      p.visit = time(r, "visit").value_or(NAN);
      p.value = r.number("value").value_or(NAN);
      p.n = r.integer("n");
      p.source = r.string("source").value_or("");
      if (p.endpoint.empty() || p.arm.empty() || !r.has("visit") || !r.has("value"))
        r.error("needs `endpoint:`, `arm:`, `visit:` and `value:`");
      if (p.source.empty()) r.error("needs `source:` (the publication: DOI, PMID or citation)");
      auto ci = numbers(r, "ci");
      if (!ci.empty()) {
        if (ci.size() != 2 || !(ci[0] <= ci[1]))
          r.error(r.node("ci"), "ci must be [lower, upper] with lower <= upper");
        else
          p.ci = std::make_pair(ci[0], ci[1]);
      }
      s.published.push_back(std::move(p));
    }
  }

  void read_trajectories(const YAML::Node& node, TrialSpec& s) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "trajectories", d_, {"observables", "step", "patients"});
    if (!r.ok()) return;
    s.trajectories.observables = r.string_list("observables");
    s.trajectories.step = time(r, "step").value_or(0.0);
    s.trajectories.patients = r.integer("patients").value_or(0);
    if (s.trajectories.step < 0) r.error(r.node("step"), "step must be > 0");
    if (s.trajectories.patients < 0) r.error(r.node("patients"), "patients must be >= 0");
  }

  // Cross-references inside the spec: arms, endpoints and visits named by other sections.
  void check_names(const TrialSpec& s) {
    std::vector<std::string> arms, endpoints;
    for (const auto& a : s.arms) arms.push_back(a.name);
    for (const auto& e : s.endpoints) endpoints.push_back(e.name);
    const auto known = [](const std::vector<std::string>& v, const std::string& x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (const auto& e : s.endpoints) {
      if (e.of.empty()) continue;
      auto it = std::find_if(s.endpoints.begin(), s.endpoints.end(),
                             [&](const EndpointSpec& o) { return o.name == e.of; });
      if (it == s.endpoints.end())
        d_.error(e.location, fmt::format("endpoint '{}': unknown DAS28 endpoint '{}'{}", e.name, e.of,
                                         did_you_mean(e.of, endpoints)));
      else if (it->kind != EndpointSpec::Kind::kDas28)
        d_.error(e.location, fmt::format("endpoint '{}': '{}' is not a DAS28 endpoint", e.name, e.of));
    }
    for (const auto& a : s.rescue.arms)
      if (!known(arms, a))
        d_.error(s.rescue.location, fmt::format("rescue: unknown arm '{}'{}", a, did_you_mean(a, arms)));
    const auto visit_ok = [&](double v) {
      return std::find(s.visits.begin(), s.visits.end(), v) != s.visits.end();
    };
    if (s.primary) {
      const auto& p = *s.primary;
      if (!p.endpoint.empty() && !known(endpoints, p.endpoint))
        d_.error(p.location, fmt::format("primary: unknown endpoint '{}'{}", p.endpoint,
                                         did_you_mean(p.endpoint, endpoints)));
      for (const auto& a : {p.arm, p.control})
        if (!a.empty() && !known(arms, a))
          d_.error(p.location, fmt::format("primary: unknown arm '{}'{}", a, did_you_mean(a, arms)));
      if (!p.arm.empty() && p.arm == p.control)
        d_.error(p.location, "primary: `arm:` and `control:` are the same arm");
      if (!s.visits.empty() && !visit_ok(p.visit))
        d_.error(p.location, fmt::format("primary: day {} is not one of the visits", p.visit));
    }
    for (const auto& p : s.published) {
      if (!p.endpoint.empty() && !known(endpoints, p.endpoint))
        d_.error(p.location, fmt::format("published: unknown endpoint '{}'{}", p.endpoint,
                                         did_you_mean(p.endpoint, endpoints)));
      if (!p.arm.empty() && !known(arms, p.arm))
        d_.error(p.location, fmt::format("published: unknown arm '{}'{}", p.arm, did_you_mean(p.arm, arms)));
      if (std::isfinite(p.visit) && !s.visits.empty() && !visit_ok(p.visit))
        d_.error(
            p.location,
            fmt::format("published: day {} is after the trial's end or not one of its visits{}", p.visit,
                        p.visit > s.duration ? fmt::format(" (the trial ends on day {})", s.duration) : ""));
    }
  }
};

}  // namespace

bool EndpointSpec::binary() const {
  switch (kind) {
    case Kind::kResponder:
    case Kind::kEular:
    case Kind::kEularGood:
    case Kind::kAcr:
    case Kind::kDas28Remission:
    case Kind::kDas28Lda:
      return true;
    default:
      return false;
  }
}

const char* to_string(EndpointSpec::Kind kind) {
  using K = EndpointSpec::Kind;
  switch (kind) {
    case K::kValue:
      return "value";
    case K::kChange:
      return "change";
    case K::kPercentChange:
      return "percent_change";
    case K::kResponder:
      return "responder";
    case K::kDas28:
      return "das28";
    case K::kEular:
      return "eular";
    case K::kEularGood:
      return "eular_good";
    case K::kAcr:
      return "acr";
    case K::kDas28Remission:
      return "das28_remission";
    case K::kDas28Lda:
      return "das28_lda";
    case K::kAuc:
      return "auc";
    case K::kTimeTo:
      return "time_to";
  }
  return "?";
}

TrialSpec load_trial_spec_from_string(const std::string& text, const std::string& path) {
  Diagnostics diagnostics;
  YamlFile file(path, text, diagnostics);
  if (!file.ok()) throw TrialError(diagnostics);
  TrialSpec spec = SpecReader(file, diagnostics).read();
  if (diagnostics.has_errors()) throw TrialError(diagnostics);
  spec.path = path;
  spec.text = text;
  return spec;
}

TrialSpec load_trial_spec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TrialError(SourceLocation{path, 0, 0}, fmt::format("cannot read trial spec '{}'", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_trial_spec_from_string(buffer.str(), path);
}

}  // namespace tolsim::trial
