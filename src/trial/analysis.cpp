#include "trial/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "tolsim/stats/continuous.hpp"
#include "tolsim/stats/proportion.hpp"
#include "tolsim/stats/survival.hpp"
#include "trial/random_stream.hpp"

namespace tolsim::trial::detail {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

int control_arm(const TrialSpec& spec) {
  if (spec.primary)
    for (std::size_t a = 0; a < spec.arms.size(); ++a)
      if (spec.arms[a].name == spec.primary->control) return static_cast<int>(a);
  return 0;
}

std::vector<int> randomise(const TrialSpec& spec, unsigned long long seed, int replicate, int n) {
  std::vector<int> arms(static_cast<std::size_t>(std::max(n, 0)), 0);
  RandomStream s(seed, Purpose::kRandomisation, static_cast<std::uint64_t>(replicate), 0);
  const bool whole = std::all_of(spec.arms.begin(), spec.arms.end(), [](const ArmSpec& a) {
    return a.ratio == std::round(a.ratio) && a.ratio <= 1000;
  });
  if (whole) {
    std::vector<int> block;
    for (std::size_t a = 0; a < spec.arms.size(); ++a)
      for (int k = 0; k < static_cast<int>(spec.arms[a].ratio); ++k) block.push_back(static_cast<int>(a));
    for (int start = 0; start < n; start += static_cast<int>(block.size())) {
      std::vector<int> b = block;
      for (std::size_t i = b.size(); i > 1; --i) {  // Fisher-Yates
        const auto j = static_cast<std::size_t>(s.uniform() * static_cast<double>(i));
        std::swap(b[i - 1], b[std::min(j, i - 1)]);
      }
      for (std::size_t i = 0; i < b.size() && start + static_cast<int>(i) < n; ++i)
        arms[static_cast<std::size_t>(start) + i] = b[i];
    }
    return arms;
  }
  double total = 0.0;
  for (const auto& a : spec.arms) total += a.ratio;
  for (auto& arm : arms) {
    double u = s.uniform() * total;
    arm = static_cast<int>(spec.arms.size()) - 1;
    for (std::size_t a = 0; a < spec.arms.size(); ++a) {
      if (u < spec.arms[a].ratio) {
        arm = static_cast<int>(a);
        break;
      }
      u -= spec.arms[a].ratio;
    }
  }
  return arms;
}

void analyse(const TrialDesign& g, const EndpointEvaluator& endpoints, ReplicateResult& rep) {
  const auto& spec = g.spec;
  const std::size_t n_endpoints = spec.endpoints.size();
  const int control = control_arm(spec);
  using K = EndpointSpec::Kind;
  for (std::size_t k = 0; k < n_endpoints; ++k) {
    const EndpointSpec& e = spec.endpoints[k];
    for (int v : endpoints.visits_of(static_cast<int>(k))) {
      const double day = spec.visits[static_cast<std::size_t>(v)];
      // Per arm: the values, and for time to event the event flags.
      std::vector<std::vector<double>> values(spec.arms.size());
      std::vector<std::vector<unsigned char>> events(spec.arms.size());
      std::vector<int> missing(spec.arms.size(), 0);
      std::vector<std::map<int, double>> by_patient(spec.arms.size());  // every_arm: candidate -> value
      for (const auto& p : rep.patients) {
        const double x = p.endpoint_values[static_cast<std::size_t>(v) * n_endpoints + k];
        const auto a = static_cast<std::size_t>(p.arm);
        if (spec.every_arm && !std::isnan(x)) by_patient[a][p.candidate] = x;
        if (std::isnan(x)) {
          ++missing[a];
          if (e.binary()) values[a].push_back(0.0);  // non-responder imputation
          continue;
        }
        values[a].push_back(x);
        events[a].push_back(p.events.empty() ? 0 : p.events[k]);
      }
      for (std::size_t a = 0; a < spec.arms.size(); ++a) {
        ArmVisitStatistic st;
        st.endpoint = e.name;
        st.arm = spec.arms[a].name;
        st.visit = day;
        st.binary = e.binary();
        st.missing = missing[a];
        st.n = static_cast<int>(values[a].size());
        if (e.binary()) {
          st.responders = static_cast<int>(std::count(values[a].begin(), values[a].end(), 1.0));
          const auto w = stats::wilson(st.responders, st.n);
          st.estimate = w.estimate;
          st.lower = w.ci.lower;
          st.upper = w.ci.upper;
        } else if (e.kind == K::kTimeTo) {
          st.responders = static_cast<int>(std::count(events[a].begin(), events[a].end(), 1));
          if (st.n > 0) {
            const auto km = stats::kaplan_meier(values[a], events[a]);
            st.estimate = km.median;
          } else {
            st.estimate = kNaN;
          }
          st.lower = st.upper = kNaN;
        } else if (st.n >= 2) {
          const auto s = stats::summarize(values[a]);
          st.estimate = s.mean;
          st.sd = s.sd;
          st.lower = s.ci.lower;
          st.upper = s.ci.upper;
        } else {
          st.estimate = st.n == 1 ? values[a][0] : kNaN;
          st.sd = st.lower = st.upper = kNaN;
        }
        rep.statistics.push_back(st);
      }
      // Every arm against the control.
      const auto c = static_cast<std::size_t>(control);
      for (std::size_t a = 0; a < spec.arms.size(); ++a) {
        if (a == c) continue;
        ArmComparison cmp;
        cmp.endpoint = e.name;
        cmp.arm = spec.arms[a].name;
        cmp.control = spec.arms[c].name;
        cmp.visit = day;
        cmp.difference = cmp.lower = cmp.upper = cmp.p_value = kNaN;
        if (e.binary()) {
          const auto count = [](const std::vector<double>& x) {
            return static_cast<int>(std::count(x.begin(), x.end(), 1.0));
          };
          if (!values[a].empty() && !values[c].empty()) {
            const auto rd = stats::compare_proportions(count(values[a]), static_cast<int>(values[a].size()),
                                                       count(values[c]), static_cast<int>(values[c].size()));
            cmp.difference = rd.estimate;
            cmp.lower = rd.ci.lower;
            cmp.upper = rd.ci.upper;
            cmp.p_value = rd.p_fisher;
          }
          cmp.test = spec.every_arm ? "Fisher exact; Newcombe CI (arms taken as independent, not paired)"
                                    : "Fisher exact; Newcombe CI of the risk difference";
        } else if (e.kind == K::kTimeTo) {
          std::vector<double> t = values[a];
          t.insert(t.end(), values[c].begin(), values[c].end());
          std::vector<unsigned char> ev = events[a];
          ev.insert(ev.end(), events[c].begin(), events[c].end());
          std::vector<int> group(values[a].size(), 1);
          group.resize(t.size(), 0);
          if (!values[a].empty() && !values[c].empty()) {
            try {
              cmp.p_value = stats::log_rank(t, ev, group).p;
            } catch (const std::invalid_argument&) {
              cmp.p_value = kNaN;  // e.g. no event in either arm
            }
          }
          cmp.test = spec.every_arm ? "log-rank (arms taken as independent, not paired)" : "log-rank";
        } else if (spec.every_arm) {
          // The same patients in both arms: the paired t-test on the patients measured in both.
          std::vector<double> xa, xc;
          for (const auto& [patient, x] : by_patient[a])
            if (auto it = by_patient[c].find(patient); it != by_patient[c].end()) {
              xa.push_back(x);
              xc.push_back(it->second);
            }
          if (xa.size() >= 2) {
            const auto w = stats::paired_t_test(xa, xc);
            cmp.difference = w.difference;
            cmp.lower = w.ci.lower;
            cmp.upper = w.ci.upper;
            cmp.p_value = w.p;
          }
          cmp.test = "paired t (the same patients in both arms)";
        } else {
          if (values[a].size() >= 2 && values[c].size() >= 2) {
            const auto w = stats::welch_t_test(values[a], values[c]);
            cmp.difference = w.difference;
            cmp.lower = w.ci.lower;
            cmp.upper = w.ci.upper;
            cmp.p_value = w.p;
          }
          cmp.test = "Welch t";
        }
        if (spec.primary && spec.primary->endpoint == e.name && spec.primary->arm == cmp.arm &&
            spec.primary->control == cmp.control && spec.primary->visit == day &&
            std::isfinite(cmp.p_value))  // no p-value when an arm has no evaluable patient
          rep.primary_p = cmp.p_value;
        rep.comparisons.push_back(std::move(cmp));
      }
    }
  }
}

std::string describe_selection(const SelectionResult& sel) {
  std::string out =
      fmt::format("virtual-population selection: {} selected (scale {:.4g})", sel.selected.size(), sel.scale);
  for (const auto& f : sel.fit)
    out += fmt::format(
        "\n  {}: target mean {:.4g} sd {:.4g}; selected mean {:.4g} sd {:.4g}; plausible mean {:.4g} "
        "sd {:.4g}; K-S D = {:.3f} (p = {:.3g})",
        f.name, f.target_mean, f.target_sd, f.selected_mean, f.selected_sd, f.plausible_mean, f.plausible_sd,
        f.ks_statistic, f.ks_p_value);
  if (!sel.message.empty()) out += "\n  " + sel.message;
  return out;
}

}  // namespace tolsim::trial::detail
