// What a user waits for before a simulation starts: compile_model for each shipped example, with native kernels on
// a cold cache (the first run after a model change: generate C++, run the system compiler, dlopen) and on a warm
// cache (every later run: generate C++, find it in the cache, dlopen), and with the interpreter for reference.
// load_model (reading and checking the YAML) is timed too, since every run pays it.
//
// Times are wall-clock (UseRealTime): the C++ compiler runs in a child process, whose time the CPU clock of this
// process would not see. Each cold iteration gets a fresh, empty cache directory, passed as
// NativeOptions::cache_dir (the option takes precedence over $TOLSIM_CACHE_DIR, so the environment cannot warm it
// by accident); the directory is created and removed outside the timed region.
//
// Figures and command lines: docs/performance.md.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/model/loader.hpp"

namespace {

namespace fs = std::filesystem;

std::string example(const std::string& file) {
  return std::string(TOLSIM_SOURCE_DIR) + "/examples/" + file;
}

// A new empty directory under the system's temporary folder, removed when this object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tolsim-bench-cache-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

tolsim::CompileOptions native_in(const std::string& cache_dir) {
  tolsim::CompileOptions options;
  options.backend = tolsim::CompileOptions::Backend::kNative;
  options.native.cache_dir = cache_dir;
  return options;
}

void compile_cold(benchmark::State& state, const tolsim::model::Model& model) {
  bool all_compiled = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>();
    const tolsim::CompileOptions options = native_in(dir->path());
    tolsim::CompileReport report;
    state.ResumeTiming();
    tolsim::CompiledModel compiled = tolsim::compile_model(model, options, &report);
    benchmark::DoNotOptimize(compiled.kernels.get());
    state.PauseTiming();
    // A cold run must have run the compiler; a message starting "cached" would mean the cache was not empty.
    all_compiled = all_compiled && report.message.rfind("compiled", 0) == 0;
    compiled = tolsim::CompiledModel();  // unload the library before its directory goes
    dir.reset();
    state.ResumeTiming();
  }
  if (!all_compiled) state.SkipWithError("a cold compile did not run the compiler (cache not empty?)");
}

void compile_warm(benchmark::State& state, const tolsim::model::Model& model) {
  TempDir dir;
  const tolsim::CompileOptions options = native_in(dir.path());
  tolsim::compile_model(model, options);  // fills the cache
  bool all_cached = true;
  for (auto _ : state) {
    tolsim::CompileReport report;
    tolsim::CompiledModel compiled = tolsim::compile_model(model, options, &report);
    benchmark::DoNotOptimize(compiled.kernels.get());
    all_cached = all_cached && report.message.rfind("cached", 0) == 0;
  }
  if (!all_cached) state.SkipWithError("a warm compile did not find its library in the cache");
}

void compile_interpreter(benchmark::State& state, const tolsim::model::Model& model) {
  tolsim::CompileOptions options;
  options.backend = tolsim::CompileOptions::Backend::kInterpreter;
  for (auto _ : state) {
    tolsim::CompiledModel compiled = tolsim::compile_model(model, options);
    benchmark::DoNotOptimize(compiled.kernels.get());
  }
}

void load(benchmark::State& state, const std::string& path) {
  for (auto _ : state) {
    tolsim::model::LoadedModel loaded = tolsim::model::load_model(path);
    benchmark::DoNotOptimize(loaded.model.species.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> stems = {"robertson", "pk-two-compartment", "immune-th17-treg"};
  std::vector<std::unique_ptr<tolsim::model::Model>> models;
  try {
    for (const std::string& stem : stems)
      models.push_back(
          std::make_unique<tolsim::model::Model>(tolsim::model::load_model(example(stem + ".yaml")).model));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_compile: loading the examples: %s\n", e.what());
    return 1;
  }
  for (std::size_t i = 0; i < stems.size(); ++i) {
    const tolsim::model::Model* m = models[i].get();
    const std::string path = example(stems[i] + ".yaml");
    // One compiler run per iteration is plenty to time (hundreds of ms); use --benchmark_repetitions for more.
    benchmark::RegisterBenchmark(("BM_compile_native_cold/" + stems[i]).c_str(),
                                 [m](benchmark::State& s) { compile_cold(s, *m); })
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_compile_native_warm/" + stems[i]).c_str(),
                                 [m](benchmark::State& s) { compile_warm(s, *m); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_compile_interpreter/" + stems[i]).c_str(),
                                 [m](benchmark::State& s) { compile_interpreter(s, *m); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_load_model/" + stems[i]).c_str(),
                                 [path](benchmark::State& s) { load(s, path); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
