// `tolsim trial` and `tolsim population`: run an in-silico trial (or only its screening) and write its outputs.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "commands.hpp"
#include "tolsim/trial/outputs.hpp"
#include "tolsim/trial/runner.hpp"
#include "tolsim/trial/spec.hpp"

namespace tolsim::cli {

namespace {

std::atomic<bool> g_interrupted{false};  // set by SIGINT; the only state a signal handler may touch

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

struct TrialOptions {
  std::string spec;
  std::optional<int> patients, replicates, threads;
  std::optional<unsigned long long> seed;
  std::string out;
  bool force = false;
  bool no_report = false;
  bool resume = false;
  std::string backend = "auto";
};

// A progress line on a terminal: phase, done/total, rate and ETA. Silent when stderr is not a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}
  ~ProgressBar() { finish(); }
  void update(const std::string& phase, long done, long total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (phase != phase_) {
      finish();
      phase_ = phase;
      started_ = now;
    }
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    const double eta = rate > 0 ? static_cast<double>(std::max(0L, total - done)) / rate : 0.0;
    const int width = 30;
    const int filled =
        total > 0 ? static_cast<int>(width * std::min(1.0, static_cast<double>(done) / total)) : 0;
    fmt::print(stderr, "\r{:<10} [{}{}] {}/{}  {:.0f}/s  ETA {:.0f} s   ", phase, std::string(filled, '#'),
               std::string(width - filled, '.'), done, total, rate, eta);
    drawn_ = true;
  }
  void finish() {
    if (enabled_ && drawn_) fmt::print(stderr, "\n");
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point started_{}, last_{};
};

void add_common_options(CLI::App* cmd, TrialOptions& o) {
  cmd->add_option("TRIAL", o.spec, "Trial spec (YAML); see docs/trials.md")->required();
  cmd->add_option("--patients", o.patients, "Patients per replicate (overrides population.size)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", o.threads, "Worker threads (default: every core)")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o.seed, "Random seed (overrides the spec's seed)");
  cmd->add_option("--out", o.out, "Output folder (must not exist or be empty, unless --force)");
  cmd->add_flag("--force", o.force, "Replace the output folder if it exists and is not empty");
  cmd->add_option("--backend", o.backend, "Kernel backend: auto, native, interpreter")
      ->check(CLI::IsMember({"auto", "native", "interpreter"}));
}

int run(const TrialOptions& o, const GlobalOptions& global, bool population_only) {
  const trial::TrialSpec spec = trial::load_trial_spec(o.spec);
  const std::string out =
      o.out.empty() ? fmt::format("{}-{}", spec.name, population_only ? "population" : "results") : o.out;
  // Progress is saved beside the output folder, so that Ctrl-C can be followed by --resume.
  const std::string checkpoint = std::filesystem::path(out).lexically_normal().string() + ".checkpoint";
  if (o.resume) {
    if (!std::filesystem::is_directory(checkpoint))
      throw UsageError(SourceLocation{}, fmt::format("--resume: no checkpoint at {}", checkpoint));
  } else {
    trial::check_output_dir(out, o.force);    // refuse before a long run, not after it
    std::filesystem::remove_all(checkpoint);  // a stale checkpoint is never resumed by accident
  }
  CompileOptions compile;
  compile.backend = parse_backend(o.backend);
  const auto design = trial::bind_trial(spec, compile);
  if (!global.quiet) print_diagnostics(design->warnings, true);

  trial::RunOptions run;
  run.threads = o.threads.value_or(0);
  run.patients = o.patients;
  run.replicates = o.replicates;
  run.seed = o.seed;
  run.population_only = population_only;
  if (!population_only) run.checkpoint_dir = checkpoint;
  g_interrupted.store(false);
  run.stop = &g_interrupted;
  ProgressBar bar(!global.quiet);
  run.progress = [&bar](const std::string& phase, long done, long total) { bar.update(phase, done, total); };
  auto previous = std::signal(SIGINT, on_sigint);
  trial::TrialResult result = trial::run_trial(design, run);
  std::signal(SIGINT, previous);
  bar.finish();

  trial::OutputOptions output;
  output.force = o.force || o.resume;
  output.report = !o.no_report;
  if (population_only)
    trial::write_population_outputs(result, out, output);
  else
    trial::write_trial_outputs(result, out, output);

  if (!global.quiet) {
    if (!result.replicates.empty()) {
      const auto& rep = result.replicates.front();
      std::string screening;
      for (const auto& [status, count] : rep.screening)
        screening += fmt::format("{}{} {}", screening.empty() ? "" : ", ", count, status);
      fmt::print("{}: {} candidates screened ({})\n", spec.name, rep.candidates.size(), screening);
      // The conditions that turned most candidates away (all of them are in summary.json).
      const auto failures = trial::screen_failures(rep.candidates);
      for (std::size_t k = 0; k < std::min<std::size_t>(failures.size(), 5); ++k)
        fmt::print("  {} {}: {}\n", failures[k].count, trial::to_string(failures[k].status),
                   failures[k].reason);
      if (failures.size() > 5) fmt::print("  ... {} more conditions in summary.json\n", failures.size() - 5);
      if (!rep.selection_report.empty()) fmt::print("{}\n", rep.selection_report);
    }
    if (!population_only) fmt::print("\n{}", trial::endpoint_table(result));
    fmt::print("\nwrote {} ({:.1f} s, {} threads)\n", out, result.seconds,
               o.threads.value_or(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))));
  }
  // Failed solves never stop a trial, but they must not pass unnoticed either.
  long failed = 0, treated = 0;
  const trial::PatientOutcome* first_failure = nullptr;
  for (const auto& rep : result.replicates)
    for (const auto& p : rep.patients) {
      ++treated;
      if (!p.solve_failed) continue;
      ++failed;
      if (!first_failure) first_failure = &p;
    }
  if (failed > 0)
    fmt::print(
        stderr,
        "warning: the simulation of {} of {} patients failed during treatment; each counts as a dropout "
        "after the last visit reached (reasons in summary.json and patients.csv). First: {}\n",
        failed, treated, first_failure->failure);
  if (result.interrupted) {
    long patients = 0;
    for (const auto& rep : result.replicates) patients += static_cast<long>(rep.patients.size());
    fmt::print(
        stderr,
        "interrupted: the {} patients finished so far are written to {} (summary.json says \"interrupted\": "
        "true) and saved in {}.\nTo resume, run the same command with --resume: the results will be those "
        "of an uninterrupted run.\n",
        patients, out, checkpoint);
    return 130;
  }
  std::filesystem::remove_all(checkpoint);
  return kExitOk;
}

}  // namespace

void add_trial_commands(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto t = std::make_shared<TrialOptions>();
  CLI::App* trial =
      app.add_subcommand("trial", "Run an in-silico clinical trial and write its results and report");
  add_common_options(trial, *t);
  trial->add_option("--replicates", t->replicates, "Repeat the whole trial R times (power)")
      ->check(CLI::PositiveNumber);
  trial->add_flag("--no-report", t->no_report, "Do not write report.html");
  trial->add_flag(
      "--resume", t->resume,
      "Continue a run stopped by Ctrl-C from its checkpoint (<out>.checkpoint), with the same options");
  trial->callback([t, &global, &exit_code] { exit_code = run(*t, global, false); });

  auto p = std::make_shared<TrialOptions>();
  CLI::App* population = app.add_subcommand(
      "population", "Sample, run in and screen a trial's virtual population (no treatment)");
  add_common_options(population, *p);
  population->callback([p, &global, &exit_code] { exit_code = run(*p, global, true); });
}

}  // namespace tolsim::cli
