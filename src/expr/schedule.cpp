// The order in which a kernel computes its nodes, shared by the interpreter and the code generator.
#include <fmt/format.h>
#include <utility>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim::expr {

Schedule Schedule::build(const Graph& graph, const KernelSpec& spec) {
  if (!spec.positions.empty() && spec.positions.size() != spec.outputs.size())
    throw InternalError(
        fmt::format("kernel spec: {} positions for {} outputs", spec.positions.size(), spec.outputs.size()));
  for (std::int32_t position : spec.positions)
    if (position < 0) throw InternalError(fmt::format("kernel spec: negative output position {}", position));
  if (spec.zero_fill < 0)
    throw InternalError(fmt::format("kernel spec: negative zero_fill {}", spec.zero_fill));

  Schedule schedule;
  // Depth-first post-order from each output in turn, with an explicit stack: graphs can be far deeper than
  // the C++ stack. Post-order puts operands just before their first user, which keeps live ranges short.
  enum : char { kUnseen = 0, kOpen = 1, kDone = 2 };
  std::vector<char> mark(graph.size(), kUnseen);
  std::vector<std::pair<NodeId, bool>> stack;
  for (NodeId output : spec.outputs) {
    if (output < 0 || static_cast<std::size_t>(output) >= graph.size())
      throw InternalError(
          fmt::format("kernel spec: output node {} is not in the graph ({} nodes)", output, graph.size()));
    stack.emplace_back(output, false);
    while (!stack.empty()) {
      const auto [id, expanded] = stack.back();
      char& state = mark[static_cast<std::size_t>(id)];
      if (expanded) {
        stack.pop_back();
        state = kDone;
        schedule.order.push_back(id);
        continue;
      }
      if (state != kUnseen) {  // already scheduled, or pending further down the stack
        stack.pop_back();
        continue;
      }
      state = kOpen;
      stack.back().second = true;
      const Node& n = graph.node(id);
      const NodeId operands[3] = {n.a, n.b, n.c};
      for (int i = arity(n.op) - 1; i >= 0; --i)
        if (mark[static_cast<std::size_t>(operands[i])] == kUnseen) stack.emplace_back(operands[i], false);
    }
  }
  return schedule;
}

}  // namespace tolsim::expr
