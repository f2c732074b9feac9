// Symbolic differentiation on the evaluation graph, and leaf dependency sets (Jacobian sparsity).
#include <fmt/format.h>
#include <algorithm>
#include <numbers>
#include <utility>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/graph.hpp"

namespace tolsim::expr {

Differentiator::Differentiator(Graph& graph, Op leaf_kind, int leaf_index)
    : graph_(graph), leaf_kind_(leaf_kind), leaf_index_(leaf_index) {
  if (leaf_kind == Op::kTime) {
    if (leaf_index != -1)
      throw InternalError(fmt::format("differentiator: time has no index ({})", leaf_index));
    return;
  }
  if (leaf_kind != Op::kState && leaf_kind != Op::kParam && leaf_kind != Op::kInput)
    throw InternalError(
        fmt::format("differentiator: cannot differentiate with respect to a {} node", op_name(leaf_kind)));
  if (leaf_index < 0) throw InternalError(fmt::format("differentiator: negative leaf index {}", leaf_index));
}

namespace {

// Whether the derivative rule of `op` uses the derivatives of its operands (operand i = 0, 1, 2).
bool needs_operand_derivative(Op op, int i) {
  if (is_comparison(op) || is_logical(op) || op == Op::kFloor || op == Op::kCeil || op == Op::kFactorial)
    return false;
  if (op == Op::kSelect) return i > 0;  // the condition only picks a branch
  return i < arity(op);
}

}  // namespace

NodeId Differentiator::derivative(NodeId f) {
  if (f < 0 || static_cast<std::size_t>(f) >= graph_.size())
    throw InternalError(fmt::format("differentiator: node {} is not in the graph", f));
  if (auto it = memo_.find(f); it != memo_.end()) return it->second;

  // Post-order walk with an explicit stack (model graphs can be deeper than the C++ stack).
  std::vector<std::pair<NodeId, bool>> stack{{f, false}};
  while (!stack.empty()) {
    const auto [id, expanded] = stack.back();
    if (memo_.count(id) != 0) {
      stack.pop_back();
      continue;
    }
    const Node n = graph_.node(id);  // a copy: building nodes below may reallocate the graph's storage
    if (!expanded) {
      stack.back().second = true;
      const NodeId operands[3] = {n.a, n.b, n.c};
      for (int i = arity(n.op) - 1; i >= 0; --i)
        if (needs_operand_derivative(n.op, i) && memo_.count(operands[i]) == 0)
          stack.emplace_back(operands[i], false);
      continue;
    }
    stack.pop_back();

    Graph& g = graph_;
    auto d = [this](NodeId k) { return memo_.at(k); };
    const NodeId a = n.a, b = n.b;
    NodeId result = kNoNode;
    switch (n.op) {
      case Op::kConst:
        result = g.constant(0.0);
        break;
      case Op::kTime:  // time has no index: Differentiator(graph, Op::kTime, -1) is d/dt
        result = g.constant(n.op == leaf_kind_ ? 1.0 : 0.0);
        break;
      case Op::kState:
      case Op::kParam:
      case Op::kInput:
        result = g.constant(n.op == leaf_kind_ && n.index == leaf_index_ ? 1.0 : 0.0);
        break;
      case Op::kNeg:
        result = g.neg(d(a));
        break;
      case Op::kAdd:
        result = g.add(d(a), d(b));
        break;
      case Op::kSub:
        result = g.sub(d(a), d(b));
        break;
      case Op::kMul:
        result = g.add(g.mul(d(a), b), g.mul(a, d(b)));
        break;
      case Op::kDiv:
        // (a/b)' = (a' - (a/b) b') / b, reusing the quotient itself.
        result = g.div(g.sub(d(a), g.mul(id, d(b))), b);
        break;
      case Op::kPow:
        if (g.is_zero(d(b))) {
          // Exponent independent of the leaf: b a^(b-1) a'. Unlike the general rule this stays finite at a =
          // 0, which matters for Hill terms x^n with a parameter n.
          result = g.mul(g.mul(b, g.pow(a, g.sub(b, g.constant(1.0)))), d(a));
        } else {
          // a^b (b' log(a) + b a' / a)
          result = g.mul(id, g.add(g.mul(d(b), g.unary(Op::kLog, a)), g.div(g.mul(b, d(a)), a)));
        }
        break;
      case Op::kExp:
        result = g.mul(id, d(a));
        break;
      case Op::kLog:
        result = g.div(d(a), a);
        break;
      case Op::kLog10:
        result = g.div(d(a), g.mul(a, g.constant(std::numbers::ln10)));
        break;
      case Op::kSqrt:
        result = g.div(d(a), g.mul(g.constant(2.0), id));
        break;
      case Op::kAbs:
        result = g.select(g.binary(Op::kGe, a, g.constant(0.0)), d(a), g.neg(d(a)));
        break;
      case Op::kSin:
        result = g.mul(g.unary(Op::kCos, a), d(a));
        break;
      case Op::kCos:
        result = g.neg(g.mul(g.unary(Op::kSin, a), d(a)));
        break;
      case Op::kTan:  // 1 + tan^2 = 1 / cos^2
        result = g.mul(g.add(g.constant(1.0), g.mul(id, id)), d(a));
        break;
      case Op::kAsin:
        result = g.div(d(a), g.unary(Op::kSqrt, g.sub(g.constant(1.0), g.mul(a, a))));
        break;
      case Op::kAcos:
        result = g.neg(g.div(d(a), g.unary(Op::kSqrt, g.sub(g.constant(1.0), g.mul(a, a)))));
        break;
      case Op::kAtan:
        result = g.div(d(a), g.add(g.constant(1.0), g.mul(a, a)));
        break;
      case Op::kSinh:
        result = g.mul(g.unary(Op::kCosh, a), d(a));
        break;
      case Op::kCosh:
        result = g.mul(g.unary(Op::kSinh, a), d(a));
        break;
      case Op::kTanh:
        result = g.mul(g.sub(g.constant(1.0), g.mul(id, id)), d(a));
        break;
      case Op::kMin:
        result = g.select(g.binary(Op::kLe, a, b), d(a), d(b));
        break;
      case Op::kMax:
        result = g.select(g.binary(Op::kGe, a, b), d(a), d(b));
        break;
      case Op::kFloor:
      case Op::kCeil:
      case Op::kFactorial:  // meant for whole numbers, where it is piecewise constant
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
      case Op::kEq:
      case Op::kNe:
      case Op::kAnd:
      case Op::kOr:
      case Op::kXor:
      case Op::kNot:
        result = g.constant(0.0);
        break;
      case Op::kSelect:
        result = g.select(a, d(b), d(n.c));
        break;
    }
    memo_.emplace(id, result);
  }
  return memo_.at(f);
}

std::vector<std::vector<int>> leaf_dependencies(const Graph& graph, const std::vector<NodeId>& roots,
                                                Op leaf_kind) {
  std::vector<std::vector<int>> result;
  result.reserve(roots.size());
  // One depth-first walk per root; `seen` holds the number of the root that last visited a node, so it is
  // never cleared between roots.
  std::vector<std::size_t> seen(graph.size(), 0);
  std::vector<NodeId> stack;
  for (std::size_t r = 0; r < roots.size(); ++r) {
    const NodeId root = roots[r];
    if (root < 0 || static_cast<std::size_t>(root) >= graph.size())
      throw InternalError(fmt::format("leaf_dependencies: node {} is not in the graph", root));
    const std::size_t stamp = r + 1;
    std::vector<int> leaves;
    stack.assign(1, root);
    seen[static_cast<std::size_t>(root)] = stamp;
    while (!stack.empty()) {
      const Node& n = graph.node(stack.back());
      stack.pop_back();
      if (n.op == leaf_kind && arity(n.op) == 0) leaves.push_back(n.index);
      for (NodeId operand : {n.a, n.b, n.c}) {
        if (operand == kNoNode || seen[static_cast<std::size_t>(operand)] == stamp) continue;
        seen[static_cast<std::size_t>(operand)] = stamp;
        stack.push_back(operand);
      }
    }
    std::sort(leaves.begin(), leaves.end());
    leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
    result.push_back(std::move(leaves));
  }
  return result;
}

}  // namespace tolsim::expr
