// Kernels: straight-line programs over one Graph, evaluated either by the interpreter or as native code.
//
// A KernelSpec names the graph nodes whose values a kernel writes, and where. Every kernel has the signature
//     void kernel(double t, const double* y, const double* p, const double* u, double* out)
// Both execution paths use the same schedule (expr::Schedule): the same operations in the same order, so the
// interpreter and the compiled code agree to the last bit except where the C library and the compiler differ in
// rounding (the compiled code is built without -ffast-math and with -ffp-contract=off).
//
// Generated C++ contains only numbers (as exact hexadecimal literals), array indices and operators; no text from a
// model file is ever pasted into it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tolsim/expr/graph.hpp"

namespace tolsim::expr {

struct KernelSpec {
  std::vector<NodeId> outputs;  // values to write
  std::vector<std::int32_t>
      positions;               // out[positions[k]] = value of outputs[k]; empty means positions = 0..n-1
  std::int32_t zero_fill = 0;  // if > 0, out[0 .. zero_fill) is set to 0 before writing (dense Jacobians)
};

// The topological order of the nodes a kernel needs: every operand before its user, each node once.
struct Schedule {
  std::vector<NodeId> order;
  static Schedule build(const Graph& graph, const KernelSpec& spec);
};

using KernelFunction = void (*)(double t, const double* y, const double* p, const double* u, double* out);

// A set of kernels compiled from one graph.
class Kernels {
 public:
  virtual ~Kernels() = default;
  virtual void eval(int kernel, double t, const double* y, const double* p, const double* u,
                    double* out) const = 0;
  virtual int count() const = 0;
  // "native" or "interpreter".
  virtual std::string backend() const = 0;
};

// The interpreter: evaluates kernel schedules in a loop over a register file. Thread-safe (registers are per
// thread).
std::shared_ptr<const Kernels> make_interpreted_kernels(const Graph& graph,
                                                        const std::vector<KernelSpec>& specs);

// C++ source for the kernels: functions tolsim_kernel_<k> plus
//   extern "C" const int tolsim_kernel_count;
//   extern "C" const KernelFunction tolsim_kernels[];
//   extern "C" const char tolsim_abi[];          // == kKernelAbi
extern const char* const kKernelAbi;
std::string generate_cpp(const Graph& graph, const std::vector<KernelSpec>& specs);

struct NativeOptions {
  std::string compiler;   // empty: $CXX, else "c++" from PATH
  std::string cache_dir;  // empty: $TOLSIM_CACHE_DIR, else $XDG_CACHE_HOME/tolsim, else ~/.cache/tolsim
  std::string flags = "-O2 -fPIC -shared -ffp-contract=off -fno-fast-math";
};

struct NativeResult {
  std::shared_ptr<const Kernels> kernels;  // null when native compilation is unavailable or failed
  std::string message;  // why not, or where the library came from ("cached ...", "compiled ...")
  bool from_cache = false;
};

// Compiles `source` (from generate_cpp) into a shared library cached by content hash, and loads it with dlopen.
// Never throws for a missing or failing compiler: returns kernels == null with a message, so that the caller can
// fall back to the interpreter. A cached library is used only if its stored source matches byte for byte.
NativeResult compile_native(const std::string& source, int expected_kernel_count,
                            const NativeOptions& options);

}  // namespace tolsim::expr
