// The trial loop: screen candidates (sample, run in, filter), select, randomise, treat and measure, analyse.
// Each phase is a parallel loop whose results are written by index, so the outcome depends only on the seed.
#include "tolsim/trial/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>

#include "tolsim/stats/proportion.hpp"
#include "tolsim/trial/vpop_selection.hpp"
#include "trial/analysis.hpp"
#include "trial/checkpoint.hpp"
#include "trial/criteria.hpp"
#include "trial/endpoints.hpp"
#include "trial/parallel.hpp"
#include "trial/random_stream.hpp"
#include "trial/sampling.hpp"

namespace tolsim::trial {

const char* to_string(Candidate::Status status) {
  switch (status) {
    case Candidate::Status::kIncluded:
      return "included";
    case Candidate::Status::kImplausible:
      return "implausible";
    case Candidate::Status::kExcluded:
      return "excluded";
    case Candidate::Status::kRunInFailure:
      return "run_in_failure";
    case Candidate::Status::kNotSelected:
      return "not_selected";
    case Candidate::Status::kNotNeeded:
      return "not_needed";
  }
  return "?";
}

std::vector<ScreenFailure> screen_failures(const std::vector<Candidate>& candidates) {
  std::map<std::pair<Candidate::Status, std::string>, int> counts;
  for (const auto& c : candidates)
    if (c.status == Candidate::Status::kImplausible || c.status == Candidate::Status::kExcluded)
      ++counts[{c.status, c.reason}];
  std::vector<ScreenFailure> out;
  for (const auto& [key, count] : counts) out.push_back({key.first, key.second, count});
  std::stable_sort(out.begin(), out.end(),
                   [](const ScreenFailure& a, const ScreenFailure& b) { return a.count > b.count; });
  return out;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
using detail::Purpose;
using detail::RandomStream;

// Values at the output times of one treated patient: visits into `measured`, trajectory times into `trajectory`.
class PatientObserver : public Observer {
 public:
  PatientObserver(const TrialDesign& g, const std::vector<int>& visit_of,
                  const std::vector<int>& trajectory_of, PatientOutcome& out,
                  std::vector<unsigned char>& delivered)
      : g_(g), visit_of_(visit_of), trajectory_of_(trajectory_of), out_(out), delivered_(delivered) {}
  void on_output(double, std::span<const double> outputs) override {
    const std::size_t k = next_++;
    if (const int v = visit_of_[k]; v >= 0) {
      delivered_[static_cast<std::size_t>(v)] = 1;
      for (std::size_t j = 0; j < g_.measured_outputs.size(); ++j)
        out_.measured[static_cast<std::size_t>(v) * g_.measured_outputs.size() + j] =
            outputs[static_cast<std::size_t>(g_.measured_outputs[j])];
    }
    if (const int s = trajectory_of_[k]; s >= 0)
      for (std::size_t j = 0; j < g_.trajectory_outputs.size(); ++j)
        out_.trajectory[static_cast<std::size_t>(s) * g_.trajectory_outputs.size() + j] =
            outputs[static_cast<std::size_t>(g_.trajectory_outputs[j])];
  }

 private:
  const TrialDesign& g_;
  const std::vector<int>& visit_of_;
  const std::vector<int>& trajectory_of_;
  PatientOutcome& out_;
  std::vector<unsigned char>& delivered_;
  std::size_t next_ = 0;
};

class LastOutputs : public Observer {
 public:
  void on_output(double, std::span<const double> outputs) override {
    if (first.empty()) first.assign(outputs.begin(), outputs.end());
    last.assign(outputs.begin(), outputs.end());
  }
  std::vector<double> first, last;  // at the first and the last output time
};

// A measurement of the model value x with noise entry n and the standard normal draw z.
double with_noise(const NoiseSpec& n, double x, double z) {
  switch (n.kind) {
    case NoiseSpec::Kind::kProportional:
      x *= std::exp(std::sqrt(std::log1p(n.cv * n.cv)) * z);
      break;
    case NoiseSpec::Kind::kAdditive:
    case NoiseSpec::Kind::kVas:
      x += n.sd * z;
      break;
    case NoiseSpec::Kind::kCount:
      x = std::round(x + n.sd * z);
      break;
  }
  if (n.lower) x = std::max(x, *n.lower);
  if (n.upper) x = std::min(x, *n.upper);
  return x;
}

class TrialRunner {
 public:
  TrialRunner(std::shared_ptr<const TrialDesign> design, const RunOptions& options)
      : design_(std::move(design)), g_(*design_), options_(options), endpoints_(g_) {
    const auto& pop = g_.spec.population;
    seed_ = options.seed.value_or(g_.spec.seed);
    size_ = options.patients.value_or(pop.size);
    threads_ = detail::resolve_threads(options.threads);
    bind_screening();
    bind_output_grid();
    bind_rescue();
    for (const auto& arm : g_.spec.arms) {
      std::vector<int> slots;
      for (const auto& o : arm.set)
        if (auto s = g_.compiled.find_parameter(o.name)) slots.push_back(*s);
      arm_overrides_.push_back(std::move(slots));
    }
  }

  TrialResult run() {
    const auto started = std::chrono::steady_clock::now();
    TrialResult result;
    result.design = design_;
    result.seed = seed_;
    result.patients_per_replicate = size_;
    const int replicates = options_.replicates.value_or(g_.spec.replicates);
    std::vector<double> primary_p;
    for (int r = 0; r < replicates; ++r) {
      ReplicateResult rep = run_replicate(r);
      const bool complete = rep.complete;
      if (complete && rep.primary_p) primary_p.push_back(*rep.primary_p);
      // An interrupted replicate is kept with the patients it finished, marked incomplete.
      if (complete || !rep.patients.empty()) result.replicates.push_back(std::move(rep));
      if (!complete) {
        result.interrupted = true;
        break;
      }
    }
    if (g_.spec.primary && !primary_p.empty()) {
      const auto power = stats::power(primary_p, g_.spec.primary->alpha);
      result.power = power.estimate;
      result.power_ci = {power.ci.lower, power.ci.upper};
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.simulated_patient_days = simulated_days_.load();
    return result;
  }

 private:
  std::shared_ptr<const TrialDesign> design_;
  const TrialDesign& g_;
  RunOptions options_;
  detail::EndpointEvaluator endpoints_;
  unsigned long long seed_ = 1;
  int size_ = 0;
  int threads_ = 1;
  std::vector<detail::Criterion> plausibility_, inclusion_, prior_response_;
  detail::Criterion rescue_;      // bound to the measured observables when the spec has a rescue rule
  std::size_t rescue_visit_ = 0;  // index of the rescue visit
  std::vector<unsigned char> rescue_arm_;  // per arm: the rule applies
  std::vector<double> output_times_;
  std::vector<int> visit_of_, trajectory_of_;
  std::vector<std::vector<int>> arm_overrides_;
  std::mutex progress_mutex_;
  std::atomic<long> simulated_days_{0};

  bool stopped() const { return options_.stop && options_.stop->load(); }

  void report(const std::string& phase, long done, long total) {
    if (!options_.progress) return;
    std::lock_guard<std::mutex> lock(progress_mutex_);
    options_.progress(phase, done, total);
  }

  // Screening criteria see [baseline columns..., covariates...].
  void bind_screening() {
    std::vector<std::string> known = g_.baseline_columns;
    for (const auto& c : g_.spec.population.covariates) known.push_back(c.name);
    const auto resolve = [&](const std::string& name, bool) {
      auto it = std::find(known.begin(), known.end(), name);
      return it == known.end() ? -1 : static_cast<int>(it - known.begin());
    };
    for (const auto& c : g_.spec.population.plausibility)
      plausibility_.emplace_back().bind(c.text, resolve, known, "untreated");
    for (const auto& c : g_.spec.population.inclusion)
      inclusion_.emplace_back().bind(c.text, resolve, known, "untreated");
    for (const auto& c : g_.spec.population.run_in.prior_response)
      prior_response_.emplace_back().bind(c.text, resolve, known, "untreated");
  }

  // The rescue criterion sees one row of measured values (and the baseline row for baseline(X)).
  void bind_rescue() {
    const RescueSpec& r = g_.spec.rescue;
    if (!r.enabled()) return;
    const std::string problem = rescue_.bind(
        r.criterion, [&](const std::string& name, bool) { return g_.measured_column(name); }, g_.measured);
    if (!problem.empty()) throw InternalError("rescue criterion was not checked at bind time: " + problem);
    rescue_visit_ = static_cast<std::size_t>(std::find(g_.spec.visits.begin(), g_.spec.visits.end(), r.at) -
                                             g_.spec.visits.begin());
    for (const auto& a : g_.spec.arms)
      rescue_arm_.push_back(r.arms.empty() ||
                            std::find(r.arms.begin(), r.arms.end(), a.name) != r.arms.end());
  }

  // Rescue: a patient observed at the rescue visit who meets the criterion there has every later visit imputed,
  // as missing (non-responder) or as the rescue visit's values (LOCF). Dropout after the rescue no longer matters.
  void apply_rescue(PatientOutcome& out, std::vector<unsigned char>& observed) const {
    if (!g_.spec.rescue.enabled() || !rescue_arm_[static_cast<std::size_t>(out.arm)]) return;
    const std::size_t n_visits = observed.size(), n_measured = g_.measured.size(), v0 = rescue_visit_;
    if (!observed[v0]) return;
    if (!rescue_.holds(&out.measured[v0 * n_measured], &out.measured[0])) return;
    out.rescued = true;
    const bool locf = g_.spec.rescue.impute == RescueSpec::Impute::kLocf;
    for (std::size_t v = v0 + 1; v < n_visits; ++v) {
      observed[v] = locf ? 1 : 0;
      for (std::size_t j = 0; j < n_measured; ++j)
        out.measured[v * n_measured + j] = locf ? out.measured[v0 * n_measured + j] : kNaN;
    }
  }

  // Output times of a treated patient: the visits and the trajectory grid, merged.
  void bind_output_grid() {
    std::vector<double> visits;
    for (double v : g_.spec.visits) visits.push_back(v * g_.per_day);
    output_times_ = visits;
    output_times_.insert(output_times_.end(), g_.trajectory_times.begin(), g_.trajectory_times.end());
    std::sort(output_times_.begin(), output_times_.end());
    output_times_.erase(std::unique(output_times_.begin(), output_times_.end()), output_times_.end());
    for (double t : output_times_) {
      auto v = std::find(visits.begin(), visits.end(), t);
      visit_of_.push_back(v == visits.end() ? -1 : static_cast<int>(v - visits.begin()));
      auto s = std::find(g_.trajectory_times.begin(), g_.trajectory_times.end(), t);
      trajectory_of_.push_back(
          s == g_.trajectory_times.end() ? -1 : static_cast<int>(s - g_.trajectory_times.begin()));
    }
  }

  // The parameter vector of a candidate: defaults, sampled values, covariates; then the arm's own overrides.
  std::vector<double> parameters_of(const Candidate& c, std::vector<double> p,
                                    const std::vector<int>& keep) const {
    const auto kept = [&](int slot) { return std::find(keep.begin(), keep.end(), slot) != keep.end(); };
    for (std::size_t k = 0; k < g_.varied.size(); ++k)
      if (!kept(g_.varied[k])) p[static_cast<std::size_t>(g_.varied[k])] = c.parameters[k];
    for (std::size_t k = 0; k < g_.covariate_parameter.size(); ++k) {
      const int slot = g_.covariate_parameter[k];
      if (slot < 0 || kept(slot)) continue;
      double value = c.covariates[k];
      if (static_cast<int>(k) == g_.body_weight_covariate && g_.body_weight_parameter_kg > 0)
        value /= g_.body_weight_parameter_kg;
      p[static_cast<std::size_t>(slot)] = value;
    }
    return p;
  }

  // Per-kg doses were bound at the reference weight: scale them to the patient's.
  void scale_per_kg(SimulationSetup& setup, const Candidate& c) const {
    if (g_.body_weight_covariate < 0 || !g_.reference_weight_kg) return;
    const double factor =
        c.covariates[static_cast<std::size_t>(g_.body_weight_covariate)] / *g_.reference_weight_kg;
    for (auto& b : setup.boluses)
      if (b.per_body_weight) b.amount *= factor;
    for (auto& f : setup.infusions)
      if (f.per_body_weight) f.rate *= factor;
  }

  // The day-0 noise draws of a candidate, one per noise entry in the spec's order. When screening is on measured
  // values, screening, selection and the day-0 visit all apply these same draws: one measurement, seen by all.
  std::vector<double> baseline_draws(int replicate, int index) const {
    RandomStream s(seed_, Purpose::kBaselineNoise, static_cast<std::uint64_t>(replicate),
                   static_cast<std::uint64_t>(index));
    std::vector<double> z;
    for (std::size_t k = 0; k < g_.spec.noise.size(); ++k) z.push_back(s.normal());
    return z;
  }

  // The day-0 measurement of `name` whose model value is x (x itself when no noise entry names it).
  double measure_baseline(const std::string& name, double x, const std::vector<double>& draws) const {
    for (std::size_t k = 0; k < g_.spec.noise.size(); ++k)
      if (g_.spec.noise[k].observable == name) x = with_noise(g_.spec.noise[k], x, draws[k]);
    return x;
  }

  // The log of the shared between-visit fluctuation factor at each visit (zeros without `fluctuation:`): the random
  // draw, less the part of the enrolment excess that has faded by the visit (none at day 0) for a patient who enrolled
  // with it.
  std::vector<double> fluctuation_draws(int replicate, int index) const {
    const FluctuationSpec& f = g_.spec.fluctuation;
    std::vector<double> w(g_.spec.visits.size(), 0.0);
    if (f.sd > 0) {
      RandomStream s(seed_, Purpose::kFluctuation, static_cast<std::uint64_t>(replicate),
                     static_cast<std::uint64_t>(index));
      for (double& x : w) x = f.sd * s.normal();
    }
    const bool entered_high = f.entry_share >= 1 || RandomStream(seed_, Purpose::kEntryExcess,
                                                                 static_cast<std::uint64_t>(replicate),
                                                                 static_cast<std::uint64_t>(index))
                                                            .uniform() < f.entry_share;
    if (f.entry_excess > 0 && entered_high)
      for (std::size_t v = 0; v < w.size(); ++v)
        w[v] -= f.entry_excess * (1 - std::exp2(-g_.spec.visits[v] / f.entry_t_half));
    return w;
  }

  double loading_of(const std::string& name) const {
    for (const auto& [observable, loading] : g_.spec.fluctuation.loadings)
      if (observable == name) return loading;
    return 0.0;
  }

  // The baseline columns as screening and selection see them: measured (fluctuation and noise of day 0) or the
  // model's values.
  std::vector<double> screened_baseline(int replicate, const Candidate& c) const {
    if (!g_.spec.population.screen_measured) return c.baseline;
    const std::vector<double> draws = baseline_draws(replicate, c.index);
    const double wobble = fluctuation_draws(replicate, c.index).front();
    std::vector<double> values = c.baseline;
    for (std::size_t b = 0; b < values.size(); ++b)
      values[b] = measure_baseline(g_.baseline_columns[b],
                                   values[b] * std::exp(loading_of(g_.baseline_columns[b]) * wobble), draws);
    return values;
  }

  Candidate screen(int replicate, int index) {
    Candidate c;
    c.index = index;
    RandomStream cs(seed_, Purpose::kCovariates, static_cast<std::uint64_t>(replicate),
                    static_cast<std::uint64_t>(index));
    for (const auto& cov : g_.spec.population.covariates)
      c.covariates.push_back(detail::sample_covariate(cov, cs));
    RandomStream ps(seed_, Purpose::kParameters, static_cast<std::uint64_t>(replicate),
                    static_cast<std::uint64_t>(index));
    const std::size_t n_varied = g_.varied.size();
    const auto typical = [&](std::size_t k) {
      return g_.compiled.parameters[static_cast<std::size_t>(g_.varied[k])].value;
    };
    if (g_.parameter_cholesky.empty()) {
      for (std::size_t k = 0; k < n_varied; ++k)
        c.parameters.push_back(detail::sample_parameter(*g_.variability[k], typical(k), ps));
    } else {
      // Gaussian copula: correlated normal scores z' = L z, then each parameter at its quantile Phi(z'_k).
      std::vector<double> z(n_varied);
      for (double& x : z) x = ps.normal();
      for (std::size_t k = 0; k < n_varied; ++k) {
        double score = 0.0;
        for (std::size_t j = 0; j <= k; ++j) score += g_.parameter_cholesky[k * n_varied + j] * z[j];
        const double u = std::clamp(detail::normal_cdf(score), 0x1.0p-1000, 1.0 - 0x1.0p-53);
        c.parameters.push_back(detail::parameter_at(*g_.variability[k], typical(k), u));
      }
    }

    // Run-in: untreated disease, from the model's initial state, until the set time or until the state settles.
    const auto& run_in = g_.spec.population.run_in;
    SimulationSetup setup;
    setup.parameters = parameters_of(c, g_.compiled.default_parameters(), {});
    setup.options = g_.spec.solver;
    const double chunk = run_in.duration * g_.per_day;
    const double limit = (run_in.steady_state ? run_in.max_duration : run_in.duration) * g_.per_day;
    double elapsed = 0.0;
    LastOutputs last;
    if (chunk <= 0) {  // no run-in: the baseline is the model's initial state
      std::vector<double> p = setup.parameters;
      try {
        setup.initial_state = g_.compiled.initial_state(p, 0.0);
      } catch (const std::exception& e) {
        c.status = Candidate::Status::kRunInFailure;
        c.reason = fmt::format("initial state: {}", e.what());
        return c;
      }
      const std::vector<double> u = g_.compiled.start_inputs(0.0, setup.initial_state, p);
      last.last.assign(static_cast<std::size_t>(g_.compiled.n_outputs()), 0.0);
      g_.compiled.kernels->eval(g_.compiled.kernel.outputs, 0.0, setup.initial_state.data(), p.data(),
                                u.data(), last.last.data());
    }
    for (; chunk > 0;) {
      setup.t_start = 0.0;
      setup.t_end = chunk;
      setup.output_times = {chunk};
      const SolveSummary s = simulate(g_.compiled, setup, last);
      simulated_days_.fetch_add(static_cast<long>(run_in.duration));
      if (!s.ok()) {
        c.status = Candidate::Status::kRunInFailure;
        c.reason = fmt::format("{}: {}", tolsim::to_string(s.status), s.message);
        return c;
      }
      elapsed += chunk;
      const std::vector<double> previous = setup.initial_state;
      setup.initial_state = s.final_state;
      if (!run_in.steady_state || chunk <= 0) break;
      if (!previous.empty()) {
        double change = 0.0;
        for (std::size_t i = 0; i < previous.size(); ++i) {
          const double scale =
              std::max(std::abs(previous[i]), g_.compiled.states[i].absolute_tolerance(g_.spec.solver.atol));
          change = std::max(change, std::abs(s.final_state[i] - previous[i]) / scale);
        }
        if (change <= run_in.steady_tolerance) break;
      }
      if (elapsed >= limit - 1e-9 * chunk) {
        c.status = Candidate::Status::kRunInFailure;
        c.reason = fmt::format("no steady state within {} days of run-in", run_in.max_duration);
        return c;
      }
    }
    std::vector<double> untreated;
    for (int j : g_.baseline_outputs) untreated.push_back(last.last[static_cast<std::size_t>(j)]);

    // Prior therapy (e.g. methotrexate before enrolling its inadequate responders): baseline is its end, or the
    // end of its washout.
    std::vector<double> on_prior;
    if (run_in.prior_duration > 0) {
      SimulationSetup prior = g_.prior_setup;
      prior.parameters = setup.parameters;
      prior.initial_state = setup.initial_state;
      scale_per_kg(prior, c);
      LastOutputs outputs;
      const SolveSummary s = simulate(g_.compiled, prior, outputs);
      simulated_days_.fetch_add(static_cast<long>(run_in.prior_duration + run_in.prior_washout));
      if (!s.ok()) {
        c.status = Candidate::Status::kRunInFailure;
        c.reason = fmt::format("prior therapy: {}: {}", tolsim::to_string(s.status), s.message);
        return c;
      }
      setup.initial_state = s.final_state;
      for (int j : g_.baseline_outputs) on_prior.push_back(outputs.first[static_cast<std::size_t>(j)]);
      last.last = std::move(outputs.last);
    }
    c.state = setup.initial_state;
    for (int j : g_.baseline_outputs) c.baseline.push_back(last.last[static_cast<std::size_t>(j)]);

    // Criteria see [baseline..., covariates...]; untreated(X) reads the same slots before any prior therapy.
    std::vector<double> values = screened_baseline(replicate, c), before = untreated;
    values.insert(values.end(), c.covariates.begin(), c.covariates.end());
    before.insert(before.end(), c.covariates.begin(), c.covariates.end());
    on_prior.insert(on_prior.end(), c.covariates.begin(), c.covariates.end());
    for (const auto& criterion : plausibility_)
      if (!criterion.holds(values.data(), before.data())) {
        c.status = Candidate::Status::kImplausible;
        c.reason = criterion.text();
        return c;
      }
    // The inadequate response to the prior therapy is judged on the model's values at its end (before a washout).
    for (const auto& criterion : prior_response_)
      if (!criterion.holds(on_prior.data(), before.data())) {
        c.status = Candidate::Status::kExcluded;
        c.reason = fmt::format("inadequate_response: {}", criterion.text());
        return c;
      }
    for (const auto& criterion : inclusion_)
      if (!criterion.holds(values.data(), before.data())) {
        c.status = Candidate::Status::kExcluded;
        c.reason = criterion.text();
        return c;
      }
    c.status = Candidate::Status::kIncluded;
    return c;
  }

  PatientOutcome treat(int replicate, const Candidate& c, int arm) {
    PatientOutcome out;
    out.candidate = c.index;
    out.arm = arm;
    const std::size_t n_visits = g_.spec.visits.size(), n_measured = g_.measured.size();
    out.measured.assign(n_visits * n_measured, kNaN);
    out.trajectory.assign(g_.trajectory_times.size() * g_.trajectory_outputs.size(), kNaN);

    SimulationSetup setup = g_.arm_setups[static_cast<std::size_t>(arm)];
    setup.parameters = parameters_of(c, setup.parameters, arm_overrides_[static_cast<std::size_t>(arm)]);
    scale_per_kg(setup, c);
    setup.initial_state = c.state;
    setup.output_times = output_times_;
    std::vector<unsigned char> delivered(n_visits, 0);
    PatientObserver observer(g_, visit_of_, trajectory_of_, out, delivered);
    const SolveSummary s = simulate(g_.compiled, setup, observer);
    simulated_days_.fetch_add(static_cast<long>(g_.spec.duration));
    if (!s.ok()) {
      out.solve_failed = true;
      out.failure = fmt::format("{}: {}", tolsim::to_string(s.status), s.message);
    }

    // Dropout: an exponential time; a failed solve counts as dropout at the last visit delivered.
    RandomStream ds(seed_, Purpose::kDropout, static_cast<std::uint64_t>(replicate),
                    static_cast<std::uint64_t>(c.index));
    out.dropout_time = g_.spec.dropout.rate > 0 ? -std::log(ds.uniform()) / g_.spec.dropout.rate : kInf;
    std::vector<unsigned char> observed(n_visits, 0);
    for (std::size_t v = 0; v < n_visits; ++v)
      observed[v] =
          delivered[v] && (v == 0 || g_.spec.visits[v] <= out.dropout_time) && (v == 0 || observed[v - 1]);

    // Measurement noise: every draw is made whether or not the visit is observed, so streams stay aligned.
    RandomStream ns(seed_, Purpose::kNoise, static_cast<std::uint64_t>(replicate),
                    static_cast<std::uint64_t>(c.index));
    const std::vector<double> day0 = baseline_draws(replicate, c.index);  // used when screening was on them
    const std::vector<double> wobble = fluctuation_draws(replicate, c.index);
    for (std::size_t v = 0; v < n_visits; ++v)
      for (std::size_t j = 0; j < n_measured; ++j) {
        double& x = out.measured[v * n_measured + j];
        x *= std::exp(loading_of(g_.measured[j]) * wobble[v]);
        for (const auto& n : g_.spec.noise) {
          if (n.observable != g_.measured[j]) continue;
          const double z = ns.normal();
          if (v > 0 || !g_.spec.population.screen_measured) x = with_noise(n, x, z);
        }
        if (v == 0 && g_.spec.population.screen_measured) x = measure_baseline(g_.measured[j], x, day0);
        if (!observed[v]) x = kNaN;
      }
    apply_rescue(out, observed);
    std::vector<unsigned char> events;
    endpoints_.evaluate(out.measured, observed, out.endpoint_values, events);
    out.events = std::move(events);
    return out;
  }

  // Saves the replicate's progress when a checkpoint folder is set.
  void save(const ReplicateResult& rep) const {
    if (!options_.checkpoint_dir.empty()) detail::save_checkpoint(options_.checkpoint_dir, key(), rep);
  }
  detail::CheckpointKey key() const { return {detail::text_hash(g_.spec.text), seed_, size_}; }

  ReplicateResult run_replicate(int r) {
    std::optional<ReplicateResult> saved;
    if (!options_.checkpoint_dir.empty()) saved = detail::load_checkpoint(options_.checkpoint_dir, key(), r);
    if (saved && saved->complete) {
      detail::analyse(g_, endpoints_, *saved);
      return std::move(*saved);
    }
    ReplicateResult rep;
    rep.replicate = r;
    std::vector<int> pool;
    if (saved) {  // screening and selection were done before the interruption
      rep.candidates = std::move(saved->candidates);
      rep.screening = saved->screening;
      rep.selection_report = saved->selection_report;
      for (const auto& c : rep.candidates)
        if (c.status == Candidate::Status::kIncluded) pool.push_back(c.index);
    } else {
      if (!screen_and_select(r, rep, pool)) return rep;
    }
    if (options_.population_only) {
      rep.complete = true;
      return rep;
    }
    treat_all(r, rep, pool, saved ? saved->patients : std::vector<PatientOutcome>{});
    save(rep);
    return rep;
  }

  // Phases 1 and 2. Returns false when stopped.
  bool screen_and_select(int r, ReplicateResult& rep, std::vector<int>& pool) {
    const auto& pop = g_.spec.population;
    const bool selecting = !pop.target.empty();
    const int needed = selecting ? (pop.selection_pool > 0 ? pop.selection_pool : 10 * size_) : size_;
    const int max_candidates = pop.max_candidates > 0 ? pop.max_candidates : std::max(50 * needed, 1000);
    const int batch = std::max(64, needed / 4);

    // 1. Screening, in batches of fixed size (independent of the thread count).
    int included = 0;
    std::vector<Candidate>& cands = rep.candidates;
    std::atomic<long> screened{0};
    while (included < needed && static_cast<int>(cands.size()) < max_candidates && !stopped()) {
      const int first = static_cast<int>(cands.size());
      const int n = std::min(batch, max_candidates - first);
      cands.resize(static_cast<std::size_t>(first + n));
      std::vector<unsigned char> done(static_cast<std::size_t>(n), 0);
      detail::parallel_for(n, threads_, options_.stop, [&](long i) {
        cands[static_cast<std::size_t>(first + i)] = screen(r, first + static_cast<int>(i));
        done[static_cast<std::size_t>(i)] = 1;
        report("screening", screened.fetch_add(1) + 1, needed);
      });
      if (std::find(done.begin(), done.end(), 0) != done.end()) return false;  // stopped
      for (int i = first; i < first + n; ++i)
        if (cands[static_cast<std::size_t>(i)].status == Candidate::Status::kIncluded) {
          if (included < needed)
            ++included;
          else
            cands[static_cast<std::size_t>(i)].status = Candidate::Status::kNotNeeded;
        }
    }
    if (stopped()) return false;
    for (const auto& c : cands)
      if (c.status == Candidate::Status::kIncluded) pool.push_back(c.index);

    // 2. Virtual-population selection against the target baseline distribution.
    if (selecting && !pool.empty()) {
      SelectionTarget target;
      std::vector<int> columns;
      for (const auto& t : pop.target) {
        TargetMarginal m;
        m.name = t.observable;
        m.mean = t.mean;
        m.sd = t.sd;
        m.edges = t.edges;
        m.shares = t.shares;
        target.marginals.push_back(std::move(m));
        columns.push_back(
            static_cast<int>(std::find(g_.baseline_columns.begin(), g_.baseline_columns.end(), t.observable) -
                             g_.baseline_columns.begin()));
      }
      target.correlation = pop.target_correlation;
      target.min_selected = size_;
      std::vector<double> plausible, uniforms;
      for (int i : pool) {
        const std::vector<double> seen = screened_baseline(r, cands[static_cast<std::size_t>(i)]);
        for (int col : columns) plausible.push_back(seen[static_cast<std::size_t>(col)]);
        RandomStream us(seed_, Purpose::kSelection, static_cast<std::uint64_t>(r),
                        static_cast<std::uint64_t>(i));
        uniforms.push_back(us.uniform());
      }
      const SelectionResult sel =
          select_virtual_population(plausible, static_cast<int>(columns.size()), target, uniforms);
      std::vector<unsigned char> chosen(pool.size(), 0);
      for (int k : sel.selected) chosen[static_cast<std::size_t>(k)] = 1;
      std::vector<int> kept;
      for (std::size_t k = 0; k < pool.size(); ++k) {
        Candidate& c = cands[static_cast<std::size_t>(pool[k])];
        if (chosen[k] && static_cast<int>(kept.size()) < size_)
          kept.push_back(c.index);
        else
          c.status = chosen[k] ? Candidate::Status::kNotNeeded : Candidate::Status::kNotSelected;
      }
      pool = std::move(kept);
      rep.selection_report = detail::describe_selection(sel);
    }
    for (const auto& c : cands) ++rep.screening[to_string(c.status)];
    if (static_cast<int>(pool.size()) < size_)
      rep.selection_report +=
          fmt::format("{}only {} of the {} patients wanted could be enrolled from {} candidates",
                      rep.selection_report.empty() ? "" : "\n", pool.size(), size_, cands.size());
    return true;
  }

  // Phases 3 to 5: randomisation, treatment and measurement, analysis. Patients in `finished` (from a checkpoint)
  // are not simulated again.
  void treat_all(int r, ReplicateResult& rep, const std::vector<int>& pool,
                 std::vector<PatientOutcome> finished) {
    // 3. Randomisation: permuted blocks in the allocation ratio; or every patient in every arm (virtual twins),
    // as job k * arms + a.
    const int n_arms = static_cast<int>(g_.spec.arms.size());
    const bool twins = g_.spec.every_arm;
    const std::size_t n_jobs = twins ? pool.size() * static_cast<std::size_t>(n_arms) : pool.size();
    const std::vector<int> arms =
        twins ? std::vector<int>{} : detail::randomise(g_.spec, seed_, r, static_cast<int>(pool.size()));
    const auto candidate_of = [&](std::size_t j) {
      return pool[twins ? j / static_cast<std::size_t>(n_arms) : j];
    };
    const auto arm_of = [&](std::size_t j) {
      return twins ? static_cast<int>(j % static_cast<std::size_t>(n_arms)) : arms[j];
    };

    // 4. Treatment and measurement.
    rep.patients.resize(n_jobs);
    std::vector<unsigned char> done(n_jobs, 0);
    std::map<std::pair<int, int>, std::size_t> position;  // (candidate, arm) -> job
    for (std::size_t j = 0; j < n_jobs; ++j) position[{candidate_of(j), arm_of(j)}] = j;
    for (auto& p : finished)
      if (auto it = position.find({p.candidate, p.arm}); it != position.end()) {
        done[it->second] = 1;
        rep.patients[it->second] = std::move(p);
      }
    std::vector<std::size_t> todo;
    for (std::size_t j = 0; j < n_jobs; ++j)
      if (!done[j]) todo.push_back(j);
    std::atomic<long> treated{static_cast<long>(n_jobs - todo.size())};
    detail::parallel_for(static_cast<long>(todo.size()), threads_, options_.stop, [&](long i) {
      const std::size_t j = todo[static_cast<std::size_t>(i)];
      rep.patients[j] = treat(r, rep.candidates[static_cast<std::size_t>(candidate_of(j))], arm_of(j));
      done[j] = 1;
      report("treatment", treated.fetch_add(1) + 1, static_cast<long>(n_jobs));
    });
    rep.complete = std::find(done.begin(), done.end(), 0) == done.end();
    if (!rep.complete) {  // stopped: keep the patients finished
      std::vector<PatientOutcome> kept;
      for (std::size_t k = 0; k < done.size(); ++k)
        if (done[k]) kept.push_back(std::move(rep.patients[k]));
      rep.patients = std::move(kept);
    }

    // 5. Analysis (of the patients finished, when stopped).
    detail::analyse(g_, endpoints_, rep);
  }
};

}  // namespace

TrialResult run_trial(std::shared_ptr<const TrialDesign> design, const RunOptions& options) {
  if (!design) throw InternalError("run_trial: no design");
  TrialRunner runner(std::move(design), options);
  return runner.run();
}

}  // namespace tolsim::trial
