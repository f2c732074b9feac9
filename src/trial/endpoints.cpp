#include "trial/endpoints.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tolsim/common/error.hpp"
#include "tolsim/scores/acr.hpp"
#include "tolsim/scores/das28.hpp"
#include "tolsim/scores/eular.hpp"

namespace tolsim::trial::detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<const char*> kAcrRoles = {"tender",           "swollen", "pain",       "patient_global",
                                            "physician_global", "haq",     "acute_phase"};

}  // namespace

EndpointEvaluator::EndpointEvaluator(const TrialDesign& design) : design_(design) {
  const auto& spec = design.spec;
  const auto column = [&](const std::string& name) { return design.measured_column(name); };
  using K = EndpointSpec::Kind;
  const int n_visits = static_cast<int>(spec.visits.size());
  for (const auto& e : spec.endpoints) {
    Bound b;
    if (!e.observable.empty()) b.observable = column(e.observable);
    if (e.kind == K::kDas28) {
      const std::string marker = e.formula.substr(0, 3);  // "crp" or "esr"
      for (const char* role : {"tjc", "sjc"}) b.components.push_back(column(e.components.at(role)));
      b.components.push_back(column(e.components.at(marker)));
      if (e.formula.back() == '4') b.components.push_back(column(e.components.at("patient_global")));
    }
    if (e.kind == K::kAcr)
      for (const char* role : kAcrRoles)
        b.components.push_back(e.components.count(role) ? column(e.components.at(role)) : -1);
    if (!e.of.empty())
      for (std::size_t k = 0; k < spec.endpoints.size(); ++k)
        if (spec.endpoints[k].name == e.of) b.of = static_cast<int>(k);
    if (!e.criterion.empty()) {
      const std::string problem = b.criterion.bind(
          e.criterion, [&](const std::string& name, bool) { return column(name); }, design.measured);
      if (!problem.empty())
        throw InternalError("endpoint criterion was not checked at bind time: " + problem);
    }
    bound_.push_back(std::move(b));

    std::vector<int> visits;
    if (e.kind == K::kTimeTo) {
      visits.push_back(n_visits - 1);
    } else if (!e.visits.empty()) {
      for (double v : e.visits)
        visits.push_back(
            static_cast<int>(std::find(spec.visits.begin(), spec.visits.end(), v) - spec.visits.begin()));
    } else {
      const bool from_baseline = e.kind == K::kValue || e.kind == K::kDas28 || e.kind == K::kDas28Remission ||
                                 e.kind == K::kDas28Lda;
      for (int v = from_baseline ? 0 : 1; v < n_visits; ++v) visits.push_back(v);
    }
    visits_.push_back(std::move(visits));
  }
}

void EndpointEvaluator::evaluate(const std::vector<double>& measured,
                                 const std::vector<unsigned char>& observed, std::vector<double>& values,
                                 std::vector<unsigned char>& events) const {
  const auto& spec = design_.spec;
  const std::size_t n_visits = spec.visits.size(), n_measured = design_.measured.size();
  const std::size_t n_endpoints = spec.endpoints.size();
  values.assign(n_visits * n_endpoints, kNaN);
  events.assign(n_endpoints, 0);
  const auto m = [&](std::size_t visit, int column) {
    return column < 0 ? kNaN : measured[visit * n_measured + static_cast<std::size_t>(column)];
  };
  const auto value = [&](std::size_t visit, std::size_t endpoint) -> double& {
    return values[visit * n_endpoints + endpoint];
  };
  using K = EndpointSpec::Kind;
  // DAS28 endpoints first: EULAR, remission and LDA read them.
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < n_endpoints; ++k)
    if (spec.endpoints[k].kind == K::kDas28) order.push_back(k);
  for (std::size_t k = 0; k < n_endpoints; ++k)
    if (spec.endpoints[k].kind != K::kDas28) order.push_back(k);

  for (std::size_t k : order) {
    const EndpointSpec& e = spec.endpoints[k];
    const Bound& b = bound_[k];
    if (e.kind == K::kTimeTo) {
      // The first visit after baseline at which the criterion holds; censored at the last visit seen.
      double last_seen = 0.0;
      bool event = false;
      double at = kNaN;
      for (std::size_t v = 1; v < n_visits && observed[v]; ++v) {
        last_seen = spec.visits[v];
        if (b.criterion.holds(&measured[v * n_measured], &measured[0])) {
          event = true;
          at = spec.visits[v];
          break;
        }
      }
      value(n_visits - 1, k) = event ? at : last_seen;
      events[k] = event ? 1 : 0;
      continue;
    }
    for (std::size_t v = 0; v < n_visits; ++v) {
      if (!observed[v]) continue;
      double& out = value(v, k);
      try {
        switch (e.kind) {
          case K::kValue:
            out = m(v, b.observable);
            break;
          case K::kChange:
            out = m(v, b.observable) - m(0, b.observable);
            break;
          case K::kPercentChange: {
            // Undefined from a zero baseline: the patient is left out (NaN), as for a missed visit.
            const double base = m(0, b.observable);
            if (base != 0.0) out = 100.0 * (m(v, b.observable) - base) / base;
            break;
          }
          case K::kResponder:
            out = b.criterion.holds(&measured[v * n_measured], &measured[0]) ? 1.0 : 0.0;
            break;
          case K::kDas28: {
            const auto& c = b.components;
            if (e.formula == "crp4") out = scores::das28_crp4(m(v, c[0]), m(v, c[1]), m(v, c[2]), m(v, c[3]));
            if (e.formula == "crp3") out = scores::das28_crp3(m(v, c[0]), m(v, c[1]), m(v, c[2]));
            if (e.formula == "esr4") out = scores::das28_esr4(m(v, c[0]), m(v, c[1]), m(v, c[2]), m(v, c[3]));
            if (e.formula == "esr3") out = scores::das28_esr3(m(v, c[0]), m(v, c[1]), m(v, c[2]));
            break;
          }
          case K::kEular:
          case K::kEularGood: {
            const double base = value(0, static_cast<std::size_t>(b.of)),
                         now = value(v, static_cast<std::size_t>(b.of));
            if (std::isnan(base) || std::isnan(now)) break;
            const auto response = scores::eular_response(base, now);
            out = e.kind == K::kEular ? (response != scores::EularResponse::kNone)
                                      : (response == scores::EularResponse::kGood);
            break;
          }
          case K::kDas28Remission:
          case K::kDas28Lda: {
            const double das = value(v, static_cast<std::size_t>(b.of));
            if (!std::isnan(das)) out = das < (e.kind == K::kDas28Remission ? 2.6 : 3.2) ? 1.0 : 0.0;
            break;
          }
          case K::kAcr: {
            const auto assessment = [&](std::size_t visit) {
              scores::AcrAssessment a;
              const auto& c = b.components;
              a.tender_joints = m(visit, c[0]);
              a.swollen_joints = m(visit, c[1]);
              const auto opt = [&](int column) -> std::optional<double> {
                if (column < 0) return std::nullopt;
                return m(visit, column);
              };
              a.pain = opt(c[2]);
              a.patient_global = opt(c[3]);
              a.physician_global = opt(c[4]);
              a.haq_di = opt(c[5]);
              a.acute_phase = opt(c[6]);
              return a;
            };
            out = scores::acr_responder(assessment(0), assessment(v), e.level) ? 1.0 : 0.0;
            break;
          }
          case K::kAuc: {
            double area = 0.0;
            for (std::size_t j = 1; j <= v; ++j)
              area +=
                  0.5 * (m(j - 1, b.observable) + m(j, b.observable)) * (spec.visits[j] - spec.visits[j - 1]);
            out = area;
            break;
          }
          case K::kTimeTo:
            break;
        }
      } catch (const std::invalid_argument&) {
        out =
            kNaN;  // a value outside a score's domain (e.g. a count above 28): missing, counted in the summary
      }
    }
  }
}

}  // namespace tolsim::trial::detail
