// The interpreter back end: kernels as flat instruction lists over a per-thread register file.
#include <fmt/format.h>
#include <algorithm>

#include "expr/scalar_ops.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim::expr {

namespace {

// Registers of a program are laid out as [constants | leaves | operations], each in schedule order, so that
// one copy initialises the constants, one short loop loads the leaves, and the hot loop is a single switch
// over ops.
struct Load {
  std::int32_t reg;
  Op kind;  // kTime, kState, kParam or kInput
  std::int32_t index;
};

struct Instruction {
  Op op;
  std::int32_t a, b, c;  // operand registers; unused ones repeat `a` so that every read is in bounds
};

struct Program {
  std::vector<double> constants;
  std::vector<Load> loads;
  std::vector<Instruction> code;
  std::vector<std::int32_t> output_registers;
  std::vector<std::int32_t> positions;
  std::int32_t zero_fill = 0;

  std::size_t registers() const { return constants.size() + loads.size() + code.size(); }
};

Program compile(const Graph& graph, const KernelSpec& spec, std::vector<std::int32_t>& register_of) {
  const Schedule schedule = Schedule::build(graph, spec);
  Program program;
  std::int32_t n_constants = 0, n_loads = 0;
  for (NodeId id : schedule.order) {
    const Op op = graph.node(id).op;
    if (op == Op::kConst)
      ++n_constants;
    else if (arity(op) == 0)
      ++n_loads;
  }
  std::int32_t next_constant = 0, next_load = n_constants, next_op = n_constants + n_loads;
  for (NodeId id : schedule.order) {
    const Node& n = graph.node(id);
    auto reg = [&register_of](NodeId k) { return register_of[static_cast<std::size_t>(k)]; };
    std::int32_t& r = register_of[static_cast<std::size_t>(id)];
    if (n.op == Op::kConst) {
      r = next_constant++;
      program.constants.push_back(n.value);
    } else if (arity(n.op) == 0) {
      r = next_load++;
      program.loads.push_back({r, n.op, n.index});
    } else {
      r = next_op++;
      const std::int32_t a = reg(n.a);
      const std::int32_t b = n.b == kNoNode ? a : reg(n.b);
      const std::int32_t c = n.c == kNoNode ? a : reg(n.c);
      program.code.push_back({n.op, a, b, c});
    }
  }
  for (NodeId output : spec.outputs)
    program.output_registers.push_back(register_of[static_cast<std::size_t>(output)]);
  program.positions = spec.positions;
  if (program.positions.empty())
    for (std::size_t k = 0; k < spec.outputs.size(); ++k)
      program.positions.push_back(static_cast<std::int32_t>(k));
  program.zero_fill = spec.zero_fill;
  for (NodeId id : schedule.order) register_of[static_cast<std::size_t>(id)] = -1;
  return program;
}

class InterpretedKernels final : public Kernels {
 public:
  InterpretedKernels(const Graph& graph, const std::vector<KernelSpec>& specs) {
    std::vector<std::int32_t> register_of(graph.size(), -1);
    for (const KernelSpec& spec : specs) {
      programs_.push_back(compile(graph, spec, register_of));
      max_registers_ = std::max(max_registers_, programs_.back().registers());
    }
  }

  void eval(int kernel, double t, const double* y, const double* p, const double* u,
            double* out) const override {
    if (kernel < 0 || kernel >= count())
      throw InternalError(fmt::format("interpreter: kernel {} of {}", kernel, count()));
    const Program& program = programs_[static_cast<std::size_t>(kernel)];
    // Per-thread scratch: the kernels object is shared by every thread of a population run.
    thread_local std::vector<double> scratch;
    if (scratch.size() < max_registers_) scratch.resize(max_registers_);
    double* r = scratch.data();

    std::copy(program.constants.begin(), program.constants.end(), r);
    for (const Load& load : program.loads) {
      switch (load.kind) {
        case Op::kTime:
          r[load.reg] = t;
          break;
        case Op::kState:
          r[load.reg] = y[load.index];
          break;
        case Op::kParam:
          r[load.reg] = p[load.index];
          break;
        default:
          r[load.reg] = u[load.index];
          break;
      }
    }
    std::size_t dst = program.constants.size() + program.loads.size();
    for (const Instruction& in : program.code) r[dst++] = detail::apply(in.op, r[in.a], r[in.b], r[in.c]);

    std::fill(out, out + program.zero_fill, 0.0);
    for (std::size_t k = 0; k < program.output_registers.size(); ++k)
      out[program.positions[k]] = r[program.output_registers[k]];
  }

  int count() const override { return static_cast<int>(programs_.size()); }
  std::string backend() const override { return "interpreter"; }

 private:
  std::vector<Program> programs_;
  std::size_t max_registers_ = 0;
};

}  // namespace

std::shared_ptr<const Kernels> make_interpreted_kernels(const Graph& graph,
                                                        const std::vector<KernelSpec>& specs) {
  return std::make_shared<const InterpretedKernels>(graph, specs);
}

}  // namespace tolsim::expr
