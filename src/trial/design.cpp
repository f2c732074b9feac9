// Binding a trial spec to its model: load and compile the model once, resolve every name the spec uses, and bind
// each arm's regimen to a simulation setup. All problems are reported together, at their lines in the spec.
#include <fmt/format.h>
#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <set>

#include "solve/dose_binding.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"
#include "tolsim/trial/runner.hpp"
#include "tolsim/units/unit.hpp"
#include "trial/criteria.hpp"

namespace tolsim::trial {

namespace {

bool is_bare_number(const std::string& text) {
  auto q = tolsim::detail::split_quantity(text);
  return q && q->second.empty();
}

// Trial specs write bare times in days; doses are bound in the model's time unit, so bare numbers get "day".
DoseSpec in_days(DoseSpec dose) {
  for (std::string* t : {&dose.start, &dose.every, &dose.duration})
    if (!t->empty() && is_bare_number(*t)) *t += " day";
  return dose;
}

}  // namespace

int TrialDesign::measured_column(const std::string& name) const {
  auto it = std::find(measured.begin(), measured.end(), name);
  return it == measured.end() ? -1 : static_cast<int>(it - measured.begin());
}

std::shared_ptr<const TrialDesign> bind_trial(const TrialSpec& spec, const CompileOptions& compile) {
  auto design = std::make_shared<TrialDesign>();
  TrialDesign& g = *design;
  g.spec = spec;
  Diagnostics d;
  model::LoadedModel loaded;
  try {
    loaded = model::load_model(spec.model_path);
  } catch (const ModelError& e) {
    // A model that cannot be read is reported at the spec's `model:` line, followed by the model's own problems.
    Diagnostics all;
    all.error(spec.location, fmt::format("model '{}' named by this trial does not load:", spec.model_path));
    all.append(e.diagnostics());
    throw TrialError(all);
  }
  g.model = std::move(loaded.model);
  g.compiled = compile_model(g.model, compile);
  const CompiledModel& m = g.compiled;
  if (!m.delays.empty())
    throw TrialError(
        spec.location,
        fmt::format("model '{}' uses {}: a trial restarts each phase (run-in, prior therapy, "
                    "treatment) from the state it reached, which would lose the past that delay() "
                    "reads; trials of models with delay() are not supported yet",
                    spec.model_path, m.delays.front().text));

  // Days -> model time units.
  const auto day = units::parse_unit("day");
  const auto tu = units::parse_unit(m.time_unit);
  if (!tu.unit || !tu.unit->same_dimension(*day.unit))
    throw TrialError(spec.location, fmt::format("the model's time unit '{}' is not a time", m.time_unit));
  const double per_day = day.unit->conversion_factor_to(*tu.unit);

  // Varied parameters: every constant parameter with a variability.
  for (const auto& p : g.model.parameters) {
    if (!p.variability) continue;
    auto slot = m.find_parameter(p.id);
    if (!slot) continue;  // not a settable constant (e.g. made variable by a rule): the model checker warns
    g.varied.push_back(*slot);
    g.variability.push_back(&*p.variability);
  }

  // Correlated parameters: a Gaussian copula, as the Cholesky factor of the normal scores' correlation matrix.
  if (!spec.population.parameter_correlations.empty()) {
    const std::size_t n = g.varied.size();
    Eigen::MatrixXd corr =
        Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    bool names_ok = true;
    const auto varied_index = [&](const std::string& name, const SourceLocation& at) -> Eigen::Index {
      const auto slot = m.find_parameter(name);
      const auto it = slot ? std::find(g.varied.begin(), g.varied.end(), *slot) : g.varied.end();
      if (it != g.varied.end()) return it - g.varied.begin();
      std::vector<std::string> varied_names;
      for (int v : g.varied) varied_names.push_back(m.parameters[static_cast<std::size_t>(v)].name);
      d.error(at, fmt::format(
                      "parameter_correlations: '{}' is not a parameter of model '{}' with a `variability`{}",
                      name, m.name, did_you_mean(name, varied_names)));
      names_ok = false;
      return -1;
    };
    for (const auto& c : spec.population.parameter_correlations) {
      const Eigen::Index i = varied_index(c.a, c.location), j = varied_index(c.b, c.location);
      if (i < 0 || j < 0) continue;
      if (corr(i, j) != 0.0) {
        d.error(c.location,
                fmt::format("parameter_correlations: '{}' and '{}' are correlated twice", c.a, c.b));
        names_ok = false;
      }
      corr(i, j) = corr(j, i) = c.r;
    }
    if (names_ok) {
      const Eigen::LLT<Eigen::MatrixXd> llt(corr);
      if (llt.info() != Eigen::Success) {
        d.error(spec.population.parameter_correlations.front().location,
                "parameter_correlations: together these correlations are impossible (the matrix is not "
                "positive definite)");
      } else {
        const Eigen::MatrixXd l = llt.matrixL();
        for (Eigen::Index i = 0; i < l.rows(); ++i)
          for (Eigen::Index j = 0; j < l.cols(); ++j) g.parameter_cholesky.push_back(l(i, j));
      }
    }
  }

  // Outputs: species and observables are the baseline columns; names used by criteria may also be covariates.
  std::vector<std::string> output_names, known;
  for (int j = 0; j < m.n_outputs(); ++j) {
    const auto& o = m.outputs[static_cast<std::size_t>(j)];
    output_names.push_back(o.name);
    if (o.default_column) {
      g.baseline_columns.push_back(o.name);
      g.baseline_outputs.push_back(j);
    }
  }
  known = output_names;
  for (const auto& c : spec.population.covariates) known.push_back(c.name);

  const auto require_output = [&](const std::string& name, const SourceLocation& at,
                                  const std::string& what) {
    auto j = m.find_output(name);
    if (!j) {
      d.error(at, fmt::format("{}: '{}' is not an observable or species of model '{}'{}", what, name, m.name,
                              did_you_mean(name, output_names)));
      return -1;
    }
    if (g.measured_column(name) < 0) {
      g.measured.push_back(name);
      g.measured_outputs.push_back(*j);
    }
    return *j;
  };
  // Baseline columns must hold every output a screening criterion names: add missing ones.
  const auto require_baseline = [&](const std::string& name) {
    if (std::find(g.baseline_columns.begin(), g.baseline_columns.end(), name) != g.baseline_columns.end())
      return;
    if (auto j = m.find_output(name)) {
      g.baseline_columns.push_back(name);
      g.baseline_outputs.push_back(*j);
    }
  };

  // Covariates.
  for (std::size_t c = 0; c < spec.population.covariates.size(); ++c) {
    const auto& cov = spec.population.covariates[c];
    int slot = -1;
    std::string parameter = cov.parameter;
    if (parameter.empty() && cov.name == "body_weight" && m.find_parameter("body_weight"))
      parameter = "body_weight";
    if (!parameter.empty()) {
      if (auto s = m.find_parameter(parameter))
        slot = *s;
      else {
        std::vector<std::string> names;
        for (const auto& p : m.parameters) names.push_back(p.name);
        d.error(cov.location, fmt::format("covariate '{}': model '{}' has no parameter '{}'{}", cov.name,
                                          m.name, parameter, did_you_mean(parameter, names)));
      }
    }
    g.covariate_parameter.push_back(slot);
    if (cov.name == "body_weight") {
      g.body_weight_covariate = static_cast<int>(c);
      if (!cov.unit.empty() && cov.unit != "kg")
        d.error(cov.location, fmt::format("covariate body_weight is in kg, not '{}'", cov.unit));
    }
    // A covariate may share its name with the parameter it sets, never with a species or an observable.
    if (g.baseline_columns.end() != std::find(g.baseline_columns.begin(), g.baseline_columns.end(), cov.name))
      d.error(cov.location,
              fmt::format("covariate '{}' has the name of a species or observable of the model; rename it",
                          cov.name));
  }

  // Screening criteria and selection targets are about baseline outputs and covariates.
  const auto check_screening = [&](const std::vector<Criterion>& list, const char* what) {
    for (const auto& c : list) {
      detail::Criterion bound;
      const auto problem = bound.bind(
          c.text,
          [&](const std::string& name, bool) {
            if (m.find_output(name)) {
              require_baseline(name);
              return 0;
            }
            for (const auto& cov : spec.population.covariates)
              if (cov.name == name) return 0;
            return -1;
          },
          known, "untreated");
      if (!problem.empty()) d.error(c.location, fmt::format("{}: {}", what, problem));
    }
  };
  check_screening(spec.population.plausibility, "plausibility");
  check_screening(spec.population.inclusion, "inclusion");
  check_screening(spec.population.run_in.prior_response, "inadequate_response");
  for (const auto& t : spec.population.target) {
    if (!m.find_output(t.observable))
      d.error(t.location, fmt::format("target: '{}' is not an observable or species of model '{}'{}",
                                      t.observable, m.name, did_you_mean(t.observable, output_names)));
    else
      require_baseline(t.observable);
  }

  // A criterion on measured values (endpoints, rescue): its names become measured observables.
  const auto check_measured_criterion = [&](const std::string& text, const SourceLocation& at,
                                            const std::string& what) {
    detail::Criterion bound;
    const auto problem = bound.bind(
        text,
        [&](const std::string& name, bool) {
          return m.find_output(name) ? require_output(name, at, what) : -1;
        },
        output_names);
    if (!problem.empty()) d.error(at, fmt::format("{}: {}", what, problem));
  };
  // Endpoints name the observables measured at visits.
  for (const auto& e : spec.endpoints) {
    const std::string what = fmt::format("endpoint '{}'", e.name);
    if (!e.observable.empty()) require_output(e.observable, e.location, what);
    for (const auto& [role, name] : e.components)
      require_output(name, e.location, fmt::format("{} ({})", what, role));
    if (!e.criterion.empty()) check_measured_criterion(e.criterion, e.location, what);
  }
  if (spec.rescue.enabled()) check_measured_criterion(spec.rescue.criterion, spec.rescue.location, "rescue");
  for (const auto& n : spec.noise) require_output(n.observable, n.location, "noise");
  for (const auto& [name, loading] : spec.fluctuation.loadings)
    require_output(name, spec.fluctuation.location, "fluctuation");
  for (const auto& name : spec.trajectories.observables) {
    auto j = m.find_output(name);
    if (!j)
      d.error(spec.location, fmt::format("trajectories: '{}' is not an observable or species of model '{}'{}",
                                         name, m.name, did_you_mean(name, output_names)));
    else
      g.trajectory_outputs.push_back(*j);
  }

  // Arms: background + the arm's doses and overrides, bound like a scenario (per-kg doses at the reference weight).
  std::optional<double> reference_weight;
  if (auto bw = m.find_parameter("body_weight"))
    (void)bw;  // make_setup takes the model's own body_weight
  else if (g.body_weight_covariate >= 0)
    reference_weight = 1.0;
  for (const auto& arm : spec.arms) {
    Scenario sc;
    sc.name = arm.name;
    sc.location = arm.location;
    sc.t_end = fmt::format("{} day", spec.duration);
    std::vector<double> times;
    for (double v : spec.visits) times.push_back(v * per_day);
    sc.times = times;
    for (const auto& dose : spec.background) sc.doses.push_back(in_days(dose));
    for (const auto& dose : arm.doses) sc.doses.push_back(in_days(dose));
    sc.overrides = arm.set;
    sc.body_weight_kg = reference_weight;
    sc.solver = spec.solver;
    try {
      SimulationSetup setup = make_setup(m, sc);
      g.arm_setups.push_back(std::move(setup));
    } catch (const ScenarioError& e) {
      for (const auto& item : e.diagnostics().items()) {
        Diagnostic copy = item;
        copy.message = fmt::format("arm '{}': {}", arm.name, item.message);
        d.add(copy);
      }
      g.arm_setups.emplace_back();
    }
  }
  g.reference_weight_kg = reference_weight;
  if (auto bw = m.find_parameter("body_weight")) {
    const ParameterSlot& p = m.parameters[static_cast<std::size_t>(*bw)];
    auto own = units::parse_unit(p.unit);
    auto kg = units::parse_unit("kg");
    if (own.unit && own.unit->same_dimension(*kg.unit)) {
      g.reference_weight_kg = p.value * own.unit->conversion_factor_to(*kg.unit);
      g.body_weight_parameter_kg = own.unit->conversion_factor_to(*kg.unit);
    }
  }
  const bool per_kg = std::any_of(g.arm_setups.begin(), g.arm_setups.end(), [](const SimulationSetup& s) {
    return std::any_of(s.boluses.begin(), s.boluses.end(),
                       [](const Bolus& b) { return b.per_body_weight; }) ||
           std::any_of(s.infusions.begin(), s.infusions.end(),
                       [](const Infusion& f) { return f.per_body_weight; });
  });
  if (per_kg && g.body_weight_covariate < 0)
    d.warning(spec.population.location,
              "doses per kg are given at the model's body weight for every patient: declare a `body_weight` "
              "covariate to vary it");

  // Prior therapy at the end of the run-in: bound like an arm, over its own duration.
  if (spec.population.run_in.prior_duration > 0) {
    Scenario sc;
    sc.name = "prior therapy";
    sc.location = spec.population.run_in.location;
    // With a washout the run goes on to its end; the output at the end of the therapy is what
    // `inadequate_response` judges.
    const auto& run_in = spec.population.run_in;
    sc.t_end = fmt::format("{} day", run_in.prior_duration + run_in.prior_washout);
    sc.times = std::vector<double>{run_in.prior_duration * per_day};
    if (run_in.prior_washout > 0)
      sc.times->push_back((run_in.prior_duration + run_in.prior_washout) * per_day);
    for (const auto& dose : spec.population.run_in.prior_doses) sc.doses.push_back(in_days(dose));
    sc.body_weight_kg = reference_weight;
    sc.solver = spec.solver;
    try {
      g.prior_setup = make_setup(m, sc);
    } catch (const ScenarioError& e) {
      for (const auto& item : e.diagnostics().items()) {
        Diagnostic copy = item;
        copy.message = fmt::format("run_in.prior_therapy: {}", item.message);
        d.add(copy);
      }
    }
  }

  // Trajectory grid (model time units).
  if (spec.trajectories.step > 0) {
    for (int k = 0;; ++k) {
      const double t = k * spec.trajectories.step;
      if (t > spec.duration * (1 + 1e-12)) break;
      g.trajectory_times.push_back(t * per_day);
    }
  } else {
    for (double v : spec.visits) g.trajectory_times.push_back(v * per_day);
  }
  g.per_day = per_day;

  if (d.has_errors()) throw TrialError(d);
  g.warnings = d;
  return design;
}

}  // namespace tolsim::trial
