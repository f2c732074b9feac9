// Kernels: the interpreter and the native back end against plain C++ formulas and against each other, the
// generated source, and the native compile cache.
#include <gtest/gtest.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "tolsim/expr/graph.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim::expr {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the build tree, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = std::string(TOLSIM_BINARY_DIR) + "/kernel-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Sets or unsets an environment variable for the scope of a test (tests may share a process).
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_with_extension(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ext) out.push_back(entry.path());
  return out;
}

// Both NaN, equal (infinities included), or within `rel` of each other.
bool agree(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

NativeOptions in_dir(const fs::path& dir) {
  NativeOptions options;
  options.cache_dir = dir.string();
  return options;
}

// -----------------------------------------------------------------------------------------------------------
// Robertson's stiff chemical kinetics (Robertson 1966; Hairer & Wanner, Solving ODEs II, sec. IV.1):
//   y1' = -k1 y1 + k2 y2 y3,  y2' = k1 y1 - k2 y2 y3 - k3 y2^2,  y3' = k3 y2^2,  k = (0.04, 1e4, 3e7).
// Kernel 0 is the right-hand side; kernel 1 the dense column-major Jacobian built by the Differentiator,
// written only at its structurally non-zero entries over a zero-filled 3x3 block.
struct Robertson {
  Graph g;
  std::vector<KernelSpec> specs;

  Robertson() {
    const NodeId y1 = g.state(0), y2 = g.state(1), y3 = g.state(2);
    const NodeId k1 = g.param(0), k2 = g.param(1), k3 = g.param(2);
    const NodeId r1 = g.mul(k1, y1), r2 = g.mul(g.mul(k2, y2), y3),
                 r3 = g.mul(k3, g.pow(y2, g.constant(2.0)));
    const std::vector<NodeId> f = {g.add(g.neg(r1), r2), g.sub(g.sub(r1, r2), r3), r3};
    KernelSpec rhs;
    rhs.outputs = f;
    KernelSpec jacobian;
    jacobian.zero_fill = 9;
    for (int j = 0; j < 3; ++j) {
      Differentiator d(g, Op::kState, j);
      for (int i = 0; i < 3; ++i) {
        const NodeId entry = d.derivative(f[static_cast<std::size_t>(i)]);
        if (g.is_zero(entry)) continue;
        jacobian.outputs.push_back(entry);
        jacobian.positions.push_back(i + 3 * j);
      }
    }
    specs = {rhs, jacobian};
  }
};

constexpr double kK1 = 0.04, kK2 = 1e4, kK3 = 3e7;

void expect_robertson(const Kernels& kernels, double y1, double y2, double y3) {
  const double y[] = {y1, y2, y3}, p[] = {kK1, kK2, kK3};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> f(3, nan), jac(9, nan);
  kernels.eval(0, 0.0, y, p, nullptr, f.data());
  kernels.eval(1, 0.0, y, p, nullptr, jac.data());
  const double want_f[] = {-kK1 * y1 + kK2 * y2 * y3, kK1 * y1 - kK2 * y2 * y3 - kK3 * y2 * y2,
                           kK3 * y2 * y2};
  // Column-major: J[i + 3 j] = d f_i / d y_j, differentiated by hand.
  const double want_j[] = {-kK1,         kK1,
                           0.0,  // column y1
                           kK2 * y3,     -kK2 * y3 - 2 * kK3 * y2,
                           2 * kK3 * y2,  // column y2
                           kK2 * y2,     -kK2 * y2,
                           0.0};  // column y3
  // 1e-13: the graph may associate products differently from the formulas above (rounding only).
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(agree(f[i], want_f[i], 1e-13)) << "f" << i << " = " << f[i];
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(agree(jac[i], want_j[i], 1e-13)) << "J[" << i << "] = " << jac[i];
  EXPECT_EQ(jac[2], 0.0);  // structural zeros come from zero_fill, exactly
  EXPECT_EQ(jac[8], 0.0);
}

TEST(InterpreterKernels, RobertsonRhsAndJacobianMatchHandWrittenFormulas) {
  Robertson model;
  const auto kernels = make_interpreted_kernels(model.g, model.specs);
  EXPECT_EQ(kernels->backend(), "interpreter");
  EXPECT_EQ(kernels->count(), 2);
  expect_robertson(*kernels, 1.0, 0.0, 0.0);
  expect_robertson(*kernels, 0.9, 3.5e-5, 0.1);
}

TEST(NativeKernels, RobertsonRhsAndJacobianMatchHandWrittenFormulas) {
  Robertson model;
  TempDir dir;
  const NativeResult native = compile_native(generate_cpp(model.g, model.specs), 2, in_dir(dir.path()));
  ASSERT_NE(native.kernels, nullptr) << native.message;
  EXPECT_EQ(native.kernels->backend(), "native");
  EXPECT_EQ(native.kernels->count(), 2);
  expect_robertson(*native.kernels, 1.0, 0.0, 0.0);
  expect_robertson(*native.kernels, 0.9, 3.5e-5, 0.1);
}

// zero_fill and positions: y0 + 1 goes to out[5], y0 * 3 to out[1], out[0..4) is zeroed, out[4] is untouched.
std::vector<KernelSpec> placement_specs(Graph& g) {
  const NodeId y0 = g.state(0);
  KernelSpec placed;
  placed.outputs = {g.add(y0, g.constant(1.0)), g.mul(y0, g.constant(3.0))};
  placed.positions = {5, 1};
  placed.zero_fill = 4;
  KernelSpec dense;  // no positions: out[k] = outputs[k]
  dense.outputs = {g.mul(y0, g.constant(3.0)), y0};
  return {placed, dense};
}

void expect_placement(const Kernels& kernels) {
  const double y[] = {2.0};
  std::vector<double> out(6, 7.0);
  kernels.eval(0, 0.0, y, nullptr, nullptr, out.data());
  EXPECT_EQ(out, (std::vector<double>{0.0, 6.0, 0.0, 0.0, 7.0, 3.0}));
  std::vector<double> dense(3, 7.0);
  kernels.eval(1, 0.0, y, nullptr, nullptr, dense.data());
  EXPECT_EQ(dense, (std::vector<double>{6.0, 2.0, 7.0}));
}

TEST(InterpreterKernels, ZeroFillAndPositions) {
  Graph g;
  const auto specs = placement_specs(g);
  expect_placement(*make_interpreted_kernels(g, specs));
}

TEST(NativeKernels, ZeroFillAndPositions) {
  Graph g;
  const auto specs = placement_specs(g);
  TempDir dir;
  const NativeResult native = compile_native(generate_cpp(g, specs), 2, in_dir(dir.path()));
  ASSERT_NE(native.kernels, nullptr) << native.message;
  expect_placement(*native.kernels);
}

TEST(InterpreterKernels, ThreadsDoNotShareRegisters) {
  Robertson model;
  const auto kernels = make_interpreted_kernels(model.g, model.specs);
  auto worker = [&kernels](double y2, int* mismatches) {
    const double p[] = {kK1, kK2, kK3};
    for (int i = 0; i < 20000; ++i) {
      const double y[] = {0.5, y2, 0.25};
      double f[3];
      kernels->eval(0, 0.0, y, p, nullptr, f);
      if (!agree(f[2], kK3 * y2 * y2, 1e-15)) ++*mismatches;
    }
  };
  int bad_a = 0, bad_b = 0;
  std::thread a(worker, 1e-5, &bad_a), b(worker, 2e-3, &bad_b);
  a.join();
  b.join();
  EXPECT_EQ(bad_a, 0);
  EXPECT_EQ(bad_b, 0);
}

// -----------------------------------------------------------------------------------------------------------
// Interpreter and native code on random graphs. One fixed-seed generator (not rapidcheck: each case would
// need its own compile, ~0.5 s) builds 60 random expressions over t, 3 states, 2 parameters and 1 input, plus
// their derivatives with respect to y0, split over three kernels. Both back ends run the same schedule with
// the same operations, so they must agree to 1e-12 relative (in practice bit for bit; libm is shared).
struct RandomGraphs {
  Graph g;
  std::vector<KernelSpec> specs;
  int outputs = 0;

  explicit RandomGraphs(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    const Op ops[] = {Op::kNeg,  Op::kAdd,       Op::kSub,   Op::kMul,  Op::kDiv,  Op::kPow,
                      Op::kExp,  Op::kLog,       Op::kLog10, Op::kSqrt, Op::kAbs,  Op::kFloor,
                      Op::kCeil, Op::kFactorial, Op::kSin,   Op::kCos,  Op::kTan,  Op::kAsin,
                      Op::kAcos, Op::kAtan,      Op::kSinh,  Op::kCosh, Op::kTanh, Op::kMin,
                      Op::kMax,  Op::kLt,        Op::kLe,    Op::kGt,   Op::kGe,   Op::kEq,
                      Op::kNe,   Op::kAnd,       Op::kOr,    Op::kXor,  Op::kNot,  Op::kSelect};
    std::vector<NodeId> roots;
    for (int e = 0; e < 60; ++e) {
      std::vector<NodeId> pool = {g.time(),   g.state(0), g.state(1),      g.state(2),       g.param(0),
                                  g.param(1), g.input(0), g.constant(0.1), g.constant(-2.5), g.constant(7.0)};
      const int steps = 1 + static_cast<int>(pick(12));
      for (int s = 0; s < steps; ++s) {
        const Op op = ops[pick(std::size(ops))];
        const NodeId a = pool[pool.size() - 1 - pick(std::min<std::size_t>(pool.size(), 4))];
        const NodeId b = pool[pick(pool.size())], c = pool[pick(pool.size())];
        pool.push_back(op == Op::kSelect ? g.select(a, b, c)
                       : arity(op) == 1  ? g.unary(op, a)
                                         : g.binary(op, a, b));
      }
      roots.push_back(pool.back());
    }
    Differentiator d(g, Op::kState, 0);
    std::vector<NodeId> derivatives;
    for (NodeId r : roots) derivatives.push_back(d.derivative(r));

    KernelSpec first, second, third;
    first.outputs.assign(roots.begin(), roots.begin() + 30);
    second.outputs.assign(roots.begin() + 30, roots.end());
    for (int k = 0; k < 30; ++k) second.positions.push_back(2 * (29 - k));  // reversed, every other slot
    second.zero_fill = 60;
    third.outputs = derivatives;
    specs = {first, second, third};
    outputs = 60;
  }
};

TEST(KernelAgreement, InterpreterAndNativeAgreeOnRandomGraphs) {
  RandomGraphs random(20240611);
  TempDir dir;
  const auto interpreted = make_interpreted_kernels(random.g, random.specs);
  const NativeResult native = compile_native(generate_cpp(random.g, random.specs), 3, in_dir(dir.path()));
  ASSERT_NE(native.kernels, nullptr) << native.message;

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> value(-3.0, 3.0);
  int compared = 0, finite = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const double t = value(rng);
    const double y[] = {value(rng), value(rng), value(rng)}, p[] = {value(rng), value(rng)},
                 u[] = {value(rng)};
    for (int k = 0; k < 3; ++k) {
      std::vector<double> a(60, -1.0), b(60, -1.0);
      interpreted->eval(k, t, y, p, u, a.data());
      native.kernels->eval(k, t, y, p, u, b.data());
      for (std::size_t i = 0; i < a.size(); ++i) {
        ++compared;
        if (std::isfinite(a[i])) ++finite;
        EXPECT_TRUE(agree(a[i], b[i], 1e-12))
            << "kernel " << k << " output " << i << ": " << a[i] << " vs " << b[i];
      }
    }
  }
  // The comparison is meaningful only if most values are ordinary numbers.
  EXPECT_GT(finite, compared / 2);
}

TEST(KernelAgreement, NonFiniteAndSignedZeroConstantsSurviveCodegen) {
  Graph g;
  const NodeId y0 = g.state(0);
  const double inf = std::numeric_limits<double>::infinity();
  KernelSpec spec;
  spec.outputs = {g.add(y0, g.constant(inf)),
                  g.mul(y0, g.constant(std::nan(""))),
                  g.add(y0, g.constant(-inf)),
                  g.binary(Op::kMax, y0, g.constant(-0.0)),
                  g.constant(-0.0),
                  g.div(y0, g.constant(0.0))};
  TempDir dir;
  const NativeResult native = compile_native(generate_cpp(g, {spec}), 1, in_dir(dir.path()));
  ASSERT_NE(native.kernels, nullptr) << native.message;
  const auto interpreted = make_interpreted_kernels(g, {spec});
  const double y[] = {-0.0};
  // IEEE: -0 + inf = inf; -0 * NaN = NaN; -0 - inf = -inf; max(-0, -0) = -0; the constant -0; -0 / +0 = NaN.
  for (const Kernels* kernels : {interpreted.get(), native.kernels.get()}) {
    std::vector<double> out(6);
    kernels->eval(0, 0.0, y, nullptr, nullptr, out.data());
    EXPECT_EQ(out[0], inf) << kernels->backend();
    EXPECT_TRUE(std::isnan(out[1])) << kernels->backend();
    EXPECT_EQ(out[2], -inf) << kernels->backend();
    EXPECT_TRUE(out[3] == 0.0 && std::signbit(out[3])) << kernels->backend();
    EXPECT_TRUE(out[4] == 0.0 && std::signbit(out[4])) << kernels->backend();
    EXPECT_TRUE(std::isnan(out[5])) << kernels->backend();
  }
}

TEST(KernelAgreement, ConstantFoldingGivesTheInterpreterValue) {
  // The same op on the same numbers, once folded at graph construction (constant operands) and once computed
  // by the interpreter (leaf operands), must give the same bits: a model must not change its results when a
  // parameter is turned into a literal.
  const Op ops[] = {Op::kNeg,  Op::kAdd,   Op::kSub,  Op::kMul,  Op::kDiv,   Op::kPow,  Op::kExp,
                    Op::kLog,  Op::kLog10, Op::kSqrt, Op::kAbs,  Op::kFloor, Op::kCeil, Op::kFactorial,
                    Op::kSin,  Op::kCos,   Op::kTan,  Op::kAsin, Op::kAcos,  Op::kAtan, Op::kSinh,
                    Op::kCosh, Op::kTanh,  Op::kMin,  Op::kMax,  Op::kLt,    Op::kLe,   Op::kGt,
                    Op::kGe,   Op::kEq,    Op::kNe,   Op::kAnd,  Op::kOr,    Op::kXor,  Op::kNot};
  const std::pair<double, double> operands[] = {
      {0.7, 0.3}, {-2.5, 1.75}, {3.0, 3.0}, {0.0, -0.0}, {1e-300, 7.0}};
  for (Op op : ops) {
    for (const auto& [x, z] : operands) {
      if (op == Op::kDiv && z == 0.0) continue;  // deliberately not folded (see GraphFoldingDivision)
      Graph g;
      const NodeId cx = g.constant(x), cz = g.constant(z);
      const NodeId folded = arity(op) == 1 ? g.unary(op, cx) : g.binary(op, cx, cz);
      double folded_value = 0.0;
      ASSERT_TRUE(g.is_constant(folded, &folded_value)) << op_name(op);
      KernelSpec spec;
      spec.outputs = {arity(op) == 1 ? g.unary(op, g.state(0)) : g.binary(op, g.state(0), g.state(1))};
      const double y[] = {x, z};
      double computed = 0.0;
      make_interpreted_kernels(g, {spec})->eval(0, 0.0, y, nullptr, nullptr, &computed);
      EXPECT_TRUE(std::memcmp(&computed, &folded_value, sizeof computed) == 0 ||
                  (std::isnan(computed) && std::isnan(folded_value)))
          << op_name(op) << "(" << x << ", " << z << "): folded " << folded_value << ", computed "
          << computed;
    }
  }
}

// -----------------------------------------------------------------------------------------------------------
// Generated source.
TEST(Codegen, ConstantsAreExactHexLiteralsAndOnlyCmathIsIncluded) {
  Graph g;
  const NodeId y0 = g.state(0);
  KernelSpec spec;
  // 3 = 1.5 * 2^1; 0.1 is the double 0x3FB999999999999A (mantissa 999999999999a, exponent -4); -2.5 = -1.25
  // * 2.
  spec.outputs = {g.mul(y0, g.constant(3.0)), g.add(y0, g.constant(0.1)), g.sub(y0, g.constant(-2.5))};
  const std::string source = generate_cpp(g, {spec, spec});
  EXPECT_NE(source.find("0x1.8p+1"), std::string::npos);
  EXPECT_NE(source.find("0x1.999999999999ap-4"), std::string::npos);
  EXPECT_NE(source.find("-0x1.4p+1"), std::string::npos);
  std::size_t includes = 0;
  for (std::size_t at = source.find("#include"); at != std::string::npos;
       at = source.find("#include", at + 1))
    ++includes;
  EXPECT_EQ(includes, 1u);
  EXPECT_NE(source.find("#include <cmath>"), std::string::npos);
  EXPECT_NE(source.find("extern \"C\" void tolsim_kernel_1(double t, const double* y, const double* p, "
                        "const double* u, double* out)"),
            std::string::npos);
  EXPECT_NE(source.find("tolsim_kernel_count = 2;"), std::string::npos);
  EXPECT_NE(source.find("tolsim_abi[] = \"" + std::string(kKernelAbi) + "\";"), std::string::npos);
}

TEST(Codegen, StatementsFollowTheSchedule) {
  Graph g;
  const NodeId y0 = g.state(0), p0 = g.param(0);
  KernelSpec spec;
  spec.outputs = {g.unary(Op::kExp, g.mul(y0, p0)), g.sub(p0, y0)};
  const std::string source = generate_cpp(g, {spec});
  std::vector<NodeId> expected = Schedule::build(g, spec).order;
  std::vector<NodeId> emitted;
  std::istringstream lines(source);
  const std::string prefix = "  const double v";
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) emitted.push_back(std::stoi(line.substr(prefix.size())));
  EXPECT_EQ(emitted, expected);
}

TEST(Codegen, NoKernelsStillCompiles) {
  Graph g;
  TempDir dir;
  const NativeResult native = compile_native(generate_cpp(g, {}), 0, in_dir(dir.path()));
  ASSERT_NE(native.kernels, nullptr) << native.message;
  EXPECT_EQ(native.kernels->count(), 0);
}

// -----------------------------------------------------------------------------------------------------------
// The native compile cache.
struct OneKernel {
  Graph g;
  std::vector<KernelSpec> specs;
  explicit OneKernel(double c) {
    KernelSpec spec;
    spec.outputs = {g.add(g.state(0), g.constant(c))};
    specs = {spec};
  }
  std::string source() const { return generate_cpp(g, specs); }
};

double run_one(const Kernels& kernels, double y0) {
  const double y[] = {y0};
  double out = 0.0;
  kernels.eval(0, 0.0, y, nullptr, nullptr, &out);
  return out;
}

TEST(NativeCache, CompilesOnceThenLoadsFromCache) {
  OneKernel plus_one(1.0);
  TempDir dir;
  const NativeResult first = compile_native(plus_one.source(), 1, in_dir(dir.path()));
  ASSERT_NE(first.kernels, nullptr) << first.message;
  EXPECT_FALSE(first.from_cache);
  EXPECT_NE(first.message.find("compiled"), std::string::npos) << first.message;
  const auto sources = files_with_extension(dir.path(), ".cpp");
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(slurp(sources[0]), plus_one.source());
  EXPECT_EQ(files_with_extension(dir.path(), ".so").size(), 1u);

  const NativeResult second = compile_native(plus_one.source(), 1, in_dir(dir.path()));
  ASSERT_NE(second.kernels, nullptr) << second.message;
  EXPECT_TRUE(second.from_cache);
  EXPECT_NE(second.message.find("cached"), std::string::npos) << second.message;
  EXPECT_EQ(run_one(*second.kernels, 2.0), 3.0);
  // Nothing but the entry itself is left behind (temporary files are renamed or removed).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(NativeCache, DifferentFlagsAreADifferentEntry) {
  OneKernel plus_one(1.0);
  TempDir dir;
  NativeOptions options = in_dir(dir.path());
  ASSERT_NE(compile_native(plus_one.source(), 1, options).kernels, nullptr);
  options.flags = "-O1 -fPIC -shared -ffp-contract=off -fno-fast-math";
  const NativeResult other = compile_native(plus_one.source(), 1, options);
  ASSERT_NE(other.kernels, nullptr) << other.message;
  EXPECT_FALSE(other.from_cache);
  EXPECT_EQ(files_with_extension(dir.path(), ".so").size(), 2u);
}

TEST(NativeCache, EntryWhoseSourceDiffersIsNotTrusted) {
  // Put the library and source of "y0 + 2" under the cache name of "y0 + 1". Trusting the name would return a
  // kernel computing y0 + 2; the byte-for-byte source check must refuse it and compile under another name.
  OneKernel plus_one(1.0), plus_two(2.0);
  TempDir dir, other;
  fs::path name_cpp, name_so;
  {
    const NativeResult first = compile_native(plus_one.source(), 1, in_dir(dir.path()));
    ASSERT_NE(first.kernels, nullptr) << first.message;
    name_cpp = files_with_extension(dir.path(), ".cpp").at(0);
    name_so = files_with_extension(dir.path(), ".so").at(0);
  }  // unloads the first library before its file is replaced
  const NativeResult impostor = compile_native(plus_two.source(), 1, in_dir(other.path()));
  ASSERT_NE(impostor.kernels, nullptr) << impostor.message;
  fs::copy_file(files_with_extension(other.path(), ".cpp").at(0), name_cpp,
                fs::copy_options::overwrite_existing);
  const fs::path staged = dir.path() / "staged";
  fs::copy_file(files_with_extension(other.path(), ".so").at(0), staged);
  fs::rename(staged, name_so);  // a new inode, as a concurrent writer would produce

  const NativeResult again = compile_native(plus_one.source(), 1, in_dir(dir.path()));
  ASSERT_NE(again.kernels, nullptr) << again.message;
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(run_one(*again.kernels, 2.0), 3.0);
  EXPECT_EQ(files_with_extension(dir.path(), ".so").size(), 2u);
  // The second entry is trusted next time.
  const NativeResult cached = compile_native(plus_one.source(), 1, in_dir(dir.path()));
  ASSERT_NE(cached.kernels, nullptr) << cached.message;
  EXPECT_TRUE(cached.from_cache);
  EXPECT_EQ(run_one(*cached.kernels, 2.0), 3.0);
}

TEST(NativeCache, ConcurrentCompilesOfTheSameSourceBothSucceed) {
  OneKernel plus_one(1.0);
  TempDir dir;
  NativeResult a, b;
  std::thread ta([&] { a = compile_native(plus_one.source(), 1, in_dir(dir.path())); });
  std::thread tb([&] { b = compile_native(plus_one.source(), 1, in_dir(dir.path())); });
  ta.join();
  tb.join();
  ASSERT_NE(a.kernels, nullptr) << a.message;
  ASSERT_NE(b.kernels, nullptr) << b.message;
  EXPECT_EQ(run_one(*a.kernels, 1.0), 2.0);
  EXPECT_EQ(run_one(*b.kernels, 1.0), 2.0);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(NativeCache, KernelsOutliveTheResult) {
  OneKernel plus_one(1.0);
  TempDir dir;
  std::shared_ptr<const Kernels> kept;
  {
    NativeResult result = compile_native(plus_one.source(), 1, in_dir(dir.path()));
    kept = result.kernels;
  }
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(run_one(*kept, 41.0), 42.0);
}

TEST(NativeCache, DirectoryComesFromTolsimCacheDirThenXdgThenHome) {
  OneKernel plus_one(1.0);
  TempDir a, b, c;
  {
    EnvVar cache("TOLSIM_CACHE_DIR", (a.path() / "nested" / "deeper").c_str());
    ASSERT_NE(compile_native(plus_one.source(), 1, NativeOptions{}).kernels, nullptr);
    EXPECT_EQ(files_with_extension(a.path() / "nested" / "deeper", ".so").size(), 1u);
  }
  {
    EnvVar cache("TOLSIM_CACHE_DIR", nullptr);
    EnvVar xdg("XDG_CACHE_HOME", b.path().c_str());
    ASSERT_NE(compile_native(plus_one.source(), 1, NativeOptions{}).kernels, nullptr);
    EXPECT_EQ(files_with_extension(b.path() / "tolsim", ".so").size(), 1u);
  }
  {
    EnvVar cache("TOLSIM_CACHE_DIR", nullptr);
    EnvVar xdg("XDG_CACHE_HOME", nullptr);
    EnvVar home("HOME", c.path().c_str());
    ASSERT_NE(compile_native(plus_one.source(), 1, NativeOptions{}).kernels, nullptr);
    EXPECT_EQ(files_with_extension(c.path() / ".cache" / "tolsim", ".so").size(), 1u);
  }
}

TEST(NativeFailures, MissingCompilerReturnsNullWithAMessage) {
  OneKernel plus_one(1.0);
  TempDir dir;
  {
    EnvVar cxx("CXX", "/nonexistent");
    const NativeResult result = compile_native(plus_one.source(), 1, in_dir(dir.path()));
    EXPECT_EQ(result.kernels, nullptr);
    EXPECT_NE(result.message.find("/nonexistent"), std::string::npos) << result.message;
  }
  NativeOptions options = in_dir(dir.path());
  options.compiler = "/nonexistent/c++";
  const NativeResult result = compile_native(plus_one.source(), 1, options);
  EXPECT_EQ(result.kernels, nullptr);
  EXPECT_NE(result.message.find("/nonexistent/c++"), std::string::npos) << result.message;
  EXPECT_TRUE(files_with_extension(dir.path(), ".so").empty());
}

TEST(NativeFailures, CompileErrorIsReportedWithCompilerOutput) {
  TempDir dir;
  const NativeResult result = compile_native("this is not C++;\n", 1, in_dir(dir.path()));
  EXPECT_EQ(result.kernels, nullptr);
  EXPECT_NE(result.message.find("error"), std::string::npos) << result.message;  // the compiler's own words
  EXPECT_TRUE(files_with_extension(dir.path(), ".so").empty());
}

TEST(NativeFailures, WrongKernelCountIsRefused) {
  OneKernel plus_one(1.0);
  TempDir dir;
  const NativeResult result = compile_native(plus_one.source(), 2, in_dir(dir.path()));
  EXPECT_EQ(result.kernels, nullptr);
  EXPECT_NE(result.message.find("expected 2"), std::string::npos) << result.message;
}

TEST(NativeFailures, LibraryWithoutTheAbiIsRefused) {
  TempDir dir;
  const NativeResult result =
      compile_native("extern \"C\" const int tolsim_kernel_count = 0;\n", 0, in_dir(dir.path()));
  EXPECT_EQ(result.kernels, nullptr);
  EXPECT_NE(result.message.find("not a tolsim kernel library"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace tolsim::expr
