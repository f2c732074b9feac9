// Reading a trial spec's `population:` section (docs/trials.md, "Population"): who is sampled, run in, screened and
// selected. Part of the spec reader (spec_loader.cpp); names are checked against the model later (design.cpp).
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "solve/dose_binding.hpp"
#include "trial/criteria.hpp"
#include "trial/spec_reader.hpp"

namespace tolsim::trial {

using model::detail::for_each_entry;
using model::detail::MapReader;
using model::detail::parse_number;

namespace {

class PopulationReader : detail::SpecReaderBase {
 public:
  using SpecReaderBase::SpecReaderBase;

  void criteria(const YAML::Node& node, const std::string& what, std::vector<Criterion>& out) {
    if (!node.IsDefined() || node.IsNull()) return;
    std::vector<YAML::Node> items;
    if (node.IsScalar()) {
      items.push_back(node);
    } else if (node.IsSequence()) {
      for (const auto& item : node) items.push_back(item);
    } else {
      d_.error(at(node), fmt::format("{} must be a list of conditions such as \"CRP >= 10\"", what));
      return;
    }
    for (const auto& item : items) {
      if (!item.IsScalar()) {
        d_.error(at(item), fmt::format("{}: each condition is one expression such as \"CRP >= 10\"", what));
        continue;
      }
      Criterion c{item.Scalar(), at(item)};
      if (auto problem = detail::check_criterion_syntax(c.text); !problem.empty())
        d_.error(c.location, fmt::format("{}: {}", what, problem));
      out.push_back(std::move(c));
    }
  }

  // parameter_correlations: [{parameters: [A, B], r: 0.5}, ...]; names are checked against the model when bound.
  void read_parameter_correlations(const YAML::Node& node, PopulationSpec& p) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
      d_.error(at(node), "parameter_correlations: must be a list of {parameters: [A, B], r: R}");
      return;
    }
    for (const auto& item : node) {
      MapReader c(file_, item, "parameter correlation", d_, {"parameters", "r"});
      if (!c.ok()) continue;
      ParameterCorrelation pc;
      pc.location = c.location();
      const YAML::Node names = c.node("parameters");
      if (!names.IsSequence() || names.size() != 2 || !names[0].IsScalar() || !names[1].IsScalar() ||
          names[0].Scalar() == names[1].Scalar()) {
        c.error(names.IsDefined() ? names : YAML::Node(item),
                "`parameters:` must name two different parameters");
        continue;
      }
      pc.a = names[0].Scalar();
      pc.b = names[1].Scalar();
      const auto r = c.number("r");
      if (!r || !(*r > -1.0 && *r < 1.0)) {
        c.error(c.node("r").IsDefined() ? c.node("r") : YAML::Node(item),
                "`r:` must be a correlation strictly between -1 and 1");
        continue;
      }
      pc.r = *r;
      p.parameter_correlations.push_back(std::move(pc));
    }
  }

  void read(const YAML::Node& node, PopulationSpec& p) {
    if (!node.IsDefined() || node.IsNull()) {
      d_.error(file_.file_location(), "trial: has no `population:`");
      return;
    }
    MapReader r(file_, node, "population", d_,
                {"size", "max_candidates", "selection_pool", "covariates", "run_in", "plausibility",
                 "inclusion", "target", "target_correlation", "parameter_correlations", "screen_on"});
    if (!r.ok()) return;
    p.location = r.location();
    if (auto on = r.string("screen_on")) {
      if (*on == "measured")
        p.screen_measured = true;
      else if (*on != "model")
        r.error(r.node("screen_on"), fmt::format("screen_on = '{}': must be 'model' or 'measured'", *on));
    }
    if (auto n = r.integer("size")) {
      if (*n < 1) r.error(r.node("size"), fmt::format("size = {}: must be >= 1", *n));
      p.size = *n;
    }
    if (auto n = r.integer("max_candidates")) {
      if (*n < 1) r.error(r.node("max_candidates"), "max_candidates must be >= 1");
      p.max_candidates = *n;
    }
    if (auto n = r.integer("selection_pool")) {
      if (*n < 1) r.error(r.node("selection_pool"), "selection_pool must be >= 1");
      p.selection_pool = *n;
    }
    for_each_entry(file_, r.node("covariates"), "covariates", d_,
                   [&](const std::string& name, const YAML::Node&, const YAML::Node& value) {
                     read_covariate(name, value, p);
                   });
    read_run_in(r.node("run_in"), p.run_in);
    criteria(r.node("plausibility"), "plausibility", p.plausibility);
    criteria(r.node("inclusion"), "inclusion", p.inclusion);
    for_each_entry(
        file_, r.node("target"), "target", d_,
        [&](const std::string& name, const YAML::Node&, const YAML::Node& value) {
          MapReader t(file_, value, fmt::format("target '{}'", name), d_, {"mean", "sd", "edges", "shares"});
          if (!t.ok()) return;
          TargetSpec target;
          target.observable = name;
          target.location = t.location();
          target.mean = t.number("mean");
          target.sd = t.number("sd");
          target.edges = numbers(t, "edges");
          target.shares = numbers(t, "shares");
          const bool normal = target.mean || target.sd;
          const bool histogram = !target.edges.empty() || !target.shares.empty();
          if (normal == histogram)
            t.error("give either `mean:` and `sd:` or `edges:` and `shares:`");
          else if (normal && (!target.mean || !target.sd || *target.sd <= 0))
            t.error("a normal target needs `mean:` and `sd:` > 0");
          else if (histogram && target.edges.size() != target.shares.size() + 1)
            t.error(fmt::format("{} edges need {} shares, one per bin", target.edges.size(),
                                target.edges.size() > 0 ? target.edges.size() - 1 : 0));
          p.target.push_back(std::move(target));
        });
    read_parameter_correlations(r.node("parameter_correlations"), p);
    if (r.has("target_correlation")) {
      const YAML::Node m = r.node("target_correlation");
      bool ok = m.IsSequence();
      if (ok)
        for (const auto& row : m) {
          ok = ok && row.IsSequence();
          if (!ok) break;
          for (const auto& x : row) {
            auto v = x.IsScalar() ? parse_number(x.Scalar()) : std::nullopt;
            ok = ok && v.has_value();
            if (v) p.target_correlation.push_back(*v);
          }
        }
      const std::size_t k = p.target.size();
      if (!ok || p.target_correlation.size() != k * k)
        r.error(m, fmt::format("target_correlation must be a {} x {} matrix (one row per target)", k, k));
    }
  }

  void read_covariate(const std::string& name, const YAML::Node& node, PopulationSpec& p) {
    CovariateSpec c;
    c.name = name;
    c.location = at(node);
    if (node.IsScalar()) {  // a fixed value
      auto v = parse_number(node.Scalar());
      if (!v) d_.error(c.location, fmt::format("covariate '{}': expected a number or a distribution", name));
      c.mean = v.value_or(0.0);
      p.covariates.push_back(std::move(c));
      return;
    }
    MapReader r(file_, node, fmt::format("covariate '{}'", name), d_,
                {"distribution", "mean", "median", "sd", "cv", "lower", "upper", "levels", "unit",
                 "parameter", "value"});
    if (!r.ok()) return;
    const std::string dist = r.string("distribution").value_or("fixed");
    c.unit = r.string("unit").value_or("");
    c.parameter = r.string("parameter").value_or("");
    c.lower = r.number("lower");
    c.upper = r.number("upper");
    if (dist == "normal") {
      c.kind = CovariateSpec::Kind::kNormal;
      c.mean = r.number("mean").value_or(NAN);
      c.sd = r.number("sd").value_or(NAN);
      if (!(c.sd > 0) || !std::isfinite(c.mean)) r.error("a normal covariate needs `mean:` and `sd:` > 0");
    } else if (dist == "lognormal") {
      c.kind = CovariateSpec::Kind::kLogNormal;
      c.mean = r.number("median").value_or(NAN);
      c.cv = r.number("cv").value_or(NAN);
      if (!(c.mean > 0) || !(c.cv > 0)) r.error("a lognormal covariate needs `median:` > 0 and `cv:` > 0");
    } else if (dist == "uniform") {
      c.kind = CovariateSpec::Kind::kUniform;
      if (!c.lower || !c.upper || !(*c.lower < *c.upper))
        r.error("a uniform covariate needs `lower:` < `upper:`");
    } else if (dist == "categorical") {
      c.kind = CovariateSpec::Kind::kCategorical;
      double total = 0.0;
      for_each_entry(file_, r.node("levels"), "levels", d_,
                     [&](const std::string& level, const YAML::Node&, const YAML::Node& value) {
                       auto v = value.IsScalar() ? parse_number(value.Scalar()) : std::nullopt;
                       if (!v || *v < 0) {
                         d_.error(at(value),
                                  fmt::format("level '{}': probability must be a number >= 0", level));
                         return;
                       }
                       total += *v;
                       c.levels.emplace_back(level, *v);
                     });
      if (c.levels.empty())
        r.error("a categorical covariate needs `levels:` {name: probability, ...}");
      else if (std::abs(total - 1.0) > 1e-6)
        r.error(r.node("levels"), fmt::format("level probabilities sum to {}, not 1", total));
    } else if (dist == "fixed") {
      c.kind = CovariateSpec::Kind::kFixed;
      c.mean = r.number("value").value_or(NAN);
      if (!std::isfinite(c.mean))
        r.error("needs `distribution:` (normal, lognormal, uniform, categorical) or `value:`");
    } else {
      r.error(r.node("distribution"),
              fmt::format("unknown distribution '{}'{}", dist,
                          did_you_mean(dist, {"normal", "lognormal", "uniform", "categorical", "fixed"})));
    }
    if (c.lower && c.upper && !(*c.lower < *c.upper)) r.error("`lower:` must be below `upper:`");
    p.covariates.push_back(std::move(c));
  }

  void read_run_in(const YAML::Node& node, RunInSpec& run_in) {
    if (!node.IsDefined() || node.IsNull()) return;
    MapReader r(file_, node, "run_in", d_, {"duration", "steady_state", "tolerance", "max", "prior_therapy"});
    if (!r.ok()) return;
    run_in.location = r.location();
    run_in.duration = time(r, "duration").value_or(0.0);
    run_in.steady_state = r.boolean("steady_state").value_or(false);
    run_in.steady_tolerance = r.number("tolerance").value_or(1e-6);
    run_in.max_duration = time(r, "max").value_or(run_in.steady_state ? 10 * 365.25 : run_in.duration);
    if (run_in.duration < 0) r.error(r.node("duration"), "run-in duration must be >= 0");
    if (r.has("prior_therapy")) {
      MapReader p(file_, r.node("prior_therapy"), "prior_therapy", d_,
                  {"duration", "doses", "washout", "inadequate_response"});
      if (p.ok()) {
        run_in.prior_duration = time(p, "duration").value_or(0.0);
        if (!(run_in.prior_duration > 0))
          p.error("needs `duration:` > 0 (how long the prior therapy is given)");
        run_in.prior_doses = tolsim::detail::read_doses(file_, p.node("doses"), d_);
        if (run_in.prior_doses.empty()) p.error("needs `doses:` (the prior therapy)");
        run_in.prior_washout = time(p, "washout").value_or(0.0);
        if (run_in.prior_washout < 0) p.error(p.node("washout"), "washout must be >= 0");
        criteria(p.node("inadequate_response"), "inadequate_response", run_in.prior_response);
      }
    }
    if (run_in.steady_state && !(run_in.duration > 0))
      r.error("a steady-state run-in needs `duration:` > 0: the length of each chunk whose change is tested");
    if (!(run_in.steady_tolerance > 0)) r.error(r.node("tolerance"), "tolerance must be > 0");
  }
};

}  // namespace

void detail::read_population(const model::detail::YamlFile& file, Diagnostics& d, const YAML::Node& node,
                             PopulationSpec& p) {
  PopulationReader(file, d).read(node, p);
}

}  // namespace tolsim::trial
