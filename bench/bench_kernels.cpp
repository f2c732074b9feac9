// Kernel evaluation speed: the right-hand side and Jacobian of examples/immune-th17-treg.yaml as compiled by tolsim
// (native code, and the interpreter for reference) against the same equations written by hand in C++.
//
// The target: the native right-hand side within 1.5x of the hand-written one. Figures and the command
// lines that produced them are in docs/performance.md.
//
// Fairness, point by point:
//   * Same function. The hand-written code below is a transcription of the YAML's rate rules, with the
//     activation() Hill function and the IL6_signal observable inlined by hand, and a Jacobian differentiated by
//     hand. Before anything is timed, main() checks that hand-written and compiled results agree to 1e-12
//     relative at the benchmark point, entry by entry, and exits with a message if they do not: the benchmark
//     cannot silently compare different functions.
//   * Same inputs. The state order is checked against CompiledModel::states by name, and every hand-written
//     parameter is copied by name from the compiled model's parameter vector, so both compute at the same y, p, u.
//   * Same call cost. The compiled kernels are reached through the virtual Kernels::eval, which checks the index
//     and calls a function pointer from a table. The hand-written functions are measured two ways: called through
//     a plain function pointer the optimiser cannot see through (benchmark::DoNotOptimize on the pointer, and
//     [[gnu::noinline]]), which is one indirect call; and through HandKernels, a Kernels with exactly the dispatch
//     of the native back end (virtual eval, index check, table of function pointers), which isolates the cost of
//     the kernel bodies. Both figures are reported.
//   * Nothing optimised away. Outputs go through benchmark::DoNotOptimize and memory is clobbered after every
//     call, so each iteration re-reads y, p, u and must have written its result.
//   * Compiler flags. The hand-written code is built with this project's Release flags (-O3, ISO C++20, hence no
//     floating-point contraction); tolsim builds its kernels with -O2 -ffp-contract=off -fno-fast-math.
//
// Instruction counts (repeatable, unlike times on a shared machine), with valgrind:
//   valgrind --tool=callgrind --toggle-collect='*counted_loop*' --callgrind-out-file=/tmp/cg.out
//            build/bin/bench_kernels --count=rhs/hand_pointer --count-iterations=100000     (one command)
//   callgrind_annotate /tmp/cg.out | head      (total Ir / iterations = instructions per evaluation)
// --count=NAME runs NAME (a benchmark name without the "BM_" prefix, e.g. rhs/native) that many times in
// counted_loop() and skips Google Benchmark.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "immune_hand.hpp"
#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/compile/compiler.hpp"
#include "tolsim/expr/kernel.hpp"
#include "tolsim/model/loader.hpp"

namespace {

using tolsim::expr::KernelFunction;
using tolsim::expr::Kernels;

// ---------------------------------------------------------------------------------------------------------------
// The hand-written model (immune_hand.hpp). Its own state and parameter order; main() maps the compiled model's
// onto them by name.

using namespace immune_hand;  // NOLINT: this program's whole subject

// The hand-written functions behind exactly the dispatch of tolsim's native back end (NativeKernels::eval in
// src/expr/native.cpp): a virtual call, an index check, a call through a table of function pointers.
class HandKernels final : public Kernels {
 public:
  static constexpr int kRhs = 0;
  static constexpr int kJacobian = 1;

  void eval(int kernel, double t, const double* y, const double* p, const double* u,
            double* out) const override {
    if (kernel < 0 || kernel >= count()) throw std::out_of_range("HandKernels: no such kernel");
    functions_[static_cast<std::size_t>(kernel)](t, y, p, u, out);
  }
  int count() const override { return static_cast<int>(functions_.size()); }
  std::string backend() const override { return "hand-written"; }

 private:
  std::vector<KernelFunction> functions_ = {&hand_rhs, &hand_jacobian};
};

// ---------------------------------------------------------------------------------------------------------------
// The benchmark point and the paths being timed.

// Inputs of one evaluation. The point is deliberately away from the model's steady states (the file's initial
// values are the inflamed steady state, where dTh17/dt and dIL6/dt are sums that cancel to nearly zero and a
// relative comparison would measure cancellation, not agreement), with antibody present so that every term of
// the Jacobian is non-zero and an infusion input on Drug so that u is exercised.
struct Point {
  double t = 3.0;
  std::vector<double> y;  // compiled model's state order (checked to equal the hand-written order)
  std::vector<double> u;
  std::vector<double> p;  // compiled model's parameter vector
  std::vector<double> q;  // hand-written parameter vector, copied from p by name
};

// One way to evaluate one kernel: either a direct call through a function pointer, or Kernels::eval.
struct Path {
  KernelFunction direct = nullptr;
  const Kernels* kernels = nullptr;
  int kernel = -1;
  const std::vector<double>* parameters = nullptr;  // p for compiled kernels, q for hand-written ones
  int out_size = 0;
};

// Paths point into the fixture, so it is built in place and never copied or moved.
struct Fixture {
  Fixture() = default;
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  tolsim::CompiledModel native;
  tolsim::CompiledModel interpreted;
  HandKernels hand_kernels;
  Point point;
  std::map<std::string, Path>
      paths;  // by benchmark name without "BM_": "rhs/native", "jacobian/hand_pointer"...
};

std::string example(const std::string& file) {
  return std::string(TOLSIM_SOURCE_DIR) + "/examples/" + file;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "bench_kernels: %s\n", message.c_str());
  std::exit(1);
}

// Both equal (zeros included) or within `rel` of each other.
bool agree(double a, double b, double rel) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

std::vector<double> evaluate(const Path& path, const Point& x) {
  std::vector<double> out(static_cast<std::size_t>(path.out_size), std::nan(""));
  const double* params = path.parameters->data();
  if (path.direct != nullptr)
    path.direct(x.t, x.y.data(), params, x.u.data(), out.data());
  else
    path.kernels->eval(path.kernel, x.t, x.y.data(), params, x.u.data(), out.data());
  return out;
}

// Compares every path of a kernel with the hand-written one; exits with the first disagreement.
void check_agreement(const Fixture& f, const std::string& kernel, double rel) {
  const std::vector<double> reference = evaluate(f.paths.at(kernel + "/hand_pointer"), f.point);
  for (const auto& [name, path] : f.paths) {
    if (name.rfind(kernel + "/", 0) != 0) continue;
    const std::vector<double> values = evaluate(path, f.point);
    for (std::size_t i = 0; i < reference.size(); ++i) {
      if (!std::isfinite(reference[i]) || !agree(values[i], reference[i], rel)) {
        char text[256];
        std::snprintf(text, sizeof text,
                      "%s disagrees with the hand-written %s at entry %zu: %.17g vs %.17g "
                      "(tolerance %g relative); refusing to time different functions",
                      name.c_str(), kernel.c_str(), i, values[i], reference[i], rel);
        fail(text);
      }
    }
  }
}

void build_fixture(Fixture& f) {
  const tolsim::model::LoadedModel loaded = tolsim::model::load_model(example("immune-th17-treg.yaml"));
  tolsim::CompileOptions native_options;
  native_options.backend = tolsim::CompileOptions::Backend::kNative;
  f.native = tolsim::compile_model(loaded.model, native_options);
  tolsim::CompileOptions interpreter_options;
  interpreter_options.backend = tolsim::CompileOptions::Backend::kInterpreter;
  f.interpreted = tolsim::compile_model(loaded.model, interpreter_options);

  const tolsim::CompiledModel& m = f.native;
  if (m.n_states() != kHandStates)
    fail("the compiled model has " + std::to_string(m.n_states()) + " states, not 4");
  for (int i = 0; i < kHandStates; ++i) {
    const auto index = m.find_state(kHandStateNames[static_cast<std::size_t>(i)]);
    if (!index || *index != i)
      fail(std::string("state ") + kHandStateNames[static_cast<std::size_t>(i)] +
           " is not at the hand-written position " + std::to_string(i));
    if (m.states[static_cast<std::size_t>(i)].storage != tolsim::StateVariable::Storage::kValue)
      fail(std::string("state ") + kHandStateNames[static_cast<std::size_t>(i)] +
           " is stored as an amount; the hand-written rhs assumes values (rate rules)");
    if (f.interpreted.find_state(kHandStateNames[static_cast<std::size_t>(i)]) != index)
      fail("native and interpreted models have different state orders");
  }

  Point& x = f.point;
  x.p = m.default_parameters();
  const std::vector<double> y0 = m.initial_state(x.p, 0.0);
  x.q.assign(kHandParameters, std::nan(""));
  for (int k = 0; k < kHandParameters; ++k) {
    const char* name = kHandParameterNames[static_cast<std::size_t>(k)];
    const auto slot = m.find_parameter(name);
    if (!slot) fail(std::string("the compiled model has no parameter '") + name + "'");
    x.q[static_cast<std::size_t>(k)] = x.p[static_cast<std::size_t>(*slot)];
  }
  // Off the steady state (see Point): fewer Th17, more Treg, less IL-6 than y0, and 20 ug/mL of antibody.
  x.y = {0.8 * y0[kTh17], 1.4 * y0[kTreg], 0.6 * y0[kIL6], 20.0};
  x.u = {0.0, 0.0, 0.0, 2.5};

  const int n = kHandStates;
  auto add = [&f](const std::string& name, Path path) { f.paths[name] = path; };
  add("rhs/hand_pointer", {&hand_rhs, nullptr, -1, &x.q, n});
  add("rhs/hand_kernels", {nullptr, &f.hand_kernels, HandKernels::kRhs, &x.q, n});
  add("rhs/native", {nullptr, f.native.kernels.get(), f.native.kernel.rhs, &x.p, n});
  add("rhs/interpreter", {nullptr, f.interpreted.kernels.get(), f.interpreted.kernel.rhs, &x.p, n});
  add("jacobian/hand_pointer", {&hand_jacobian, nullptr, -1, &x.q, n * n});
  add("jacobian/hand_kernels", {nullptr, &f.hand_kernels, HandKernels::kJacobian, &x.q, n * n});
  add("jacobian/native", {nullptr, f.native.kernels.get(), f.native.kernel.jacobian, &x.p, n * n});
  add("jacobian/interpreter",
      {nullptr, f.interpreted.kernels.get(), f.interpreted.kernel.jacobian, &x.p, n * n});
  if (f.native.kernels->backend() != "native") fail("the native model does not have native kernels");
  if (f.interpreted.kernels->backend() != "interpreter") fail("the interpreted model is not interpreted");
}

// ---------------------------------------------------------------------------------------------------------------
// Timed and counted loops. Each takes its pointers through DoNotOptimize so that the optimiser can neither inline
// the hand-written function nor devirtualise eval; ClobberMemory after each call makes every call re-read its
// inputs and keeps its stores.
//
// GCC also devirtualises *speculatively*: HandKernels is the only Kernels it sees in this file, so it would compare
// the vtable entry with HandKernels::eval and inline that, giving the hand-written kernels a cheaper dispatch than
// the native ones (callgrind showed 15 fewer instructions per call). The loops are built without it.
#if defined(__GNUC__) && !defined(__clang__)
#define TOLSIM_BENCH_NO_SPECULATION __attribute__((optimize("no-devirtualize-speculatively")))
#else
#define TOLSIM_BENCH_NO_SPECULATION
#endif

void time_direct(benchmark::State& state, const Path& path, const Point& x) {
  KernelFunction function = path.direct;
  const double* y = x.y.data();
  const double* p = path.parameters->data();
  const double* u = x.u.data();
  std::vector<double> out(static_cast<std::size_t>(path.out_size));
  double* o = out.data();
  benchmark::DoNotOptimize(function);
  for (auto _ : state) {
    function(x.t, y, p, u, o);
    benchmark::DoNotOptimize(o);
    benchmark::ClobberMemory();
  }
}

TOLSIM_BENCH_NO_SPECULATION void time_kernels(benchmark::State& state, const Path& path, const Point& x) {
  const Kernels* kernels = path.kernels;
  const double* y = x.y.data();
  const double* p = path.parameters->data();
  const double* u = x.u.data();
  std::vector<double> out(static_cast<std::size_t>(path.out_size));
  double* o = out.data();
  benchmark::DoNotOptimize(kernels);
  for (auto _ : state) {
    kernels->eval(path.kernel, x.t, y, p, u, o);
    benchmark::DoNotOptimize(o);
    benchmark::ClobberMemory();
  }
}

// The loop callgrind counts (--toggle-collect='*counted_loop*'): the same body as the timed loops.
[[gnu::noinline]] TOLSIM_BENCH_NO_SPECULATION void counted_loop(const Path& path, const Point& x,
                                                                long iterations) {
  KernelFunction function = path.direct;
  const Kernels* kernels = path.kernels;
  const double* y = x.y.data();
  const double* p = path.parameters->data();
  const double* u = x.u.data();
  std::vector<double> out(static_cast<std::size_t>(path.out_size));
  double* o = out.data();
  benchmark::DoNotOptimize(function);
  benchmark::DoNotOptimize(kernels);
  if (function != nullptr) {
    for (long i = 0; i < iterations; ++i) {
      function(x.t, y, p, u, o);
      benchmark::DoNotOptimize(o);
      benchmark::ClobberMemory();
    }
  } else {
    for (long i = 0; i < iterations; ++i) {
      kernels->eval(path.kernel, x.t, y, p, u, o);
      benchmark::DoNotOptimize(o);
      benchmark::ClobberMemory();
    }
  }
}

// Removes "--name=value" from argv and returns the value, or "" when absent.
std::string take_flag(int& argc, char** argv, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).rfind(prefix, 0) != 0) continue;
    std::string value = argv[i] + prefix.size();
    for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
    --argc;
    return value;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string count = take_flag(argc, argv, "count");
  const std::string count_iterations = take_flag(argc, argv, "count-iterations");

  Fixture fixture;
  try {
    build_fixture(fixture);
  } catch (const std::exception& e) {
    fail(std::string("setting up: ") + e.what());
  }
  constexpr double kAgreement =
      1e-12;  // relative, entry by entry: the condition for a fair comparison
  check_agreement(fixture, "rhs", kAgreement);
  check_agreement(fixture, "jacobian", kAgreement);

  if (!count.empty()) {
    const auto it = fixture.paths.find(count);
    if (it == fixture.paths.end()) fail("--count: no path named '" + count + "'");
    const long iterations = count_iterations.empty() ? 1000000 : std::stol(count_iterations);
    counted_loop(it->second, fixture.point, iterations);
    std::printf("%s: %ld evaluations\n", count.c_str(), iterations);
    return 0;
  }

  for (const auto& [name, path] : fixture.paths) {
    const Path* p = &path;
    const Point* x = &fixture.point;
    if (path.direct != nullptr)
      benchmark::RegisterBenchmark(("BM_" + name).c_str(),
                                   [p, x](benchmark::State& state) { time_direct(state, *p, *x); });
    else
      benchmark::RegisterBenchmark(("BM_" + name).c_str(),
                                   [p, x](benchmark::State& state) { time_kernels(state, *p, *x); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("model", "examples/immune-th17-treg.yaml");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
