// The evaluation graph: a hash-consed DAG of numeric operations over time, state, parameters and inputs.
//
// Every model equation is lowered (by the model compiler) from AST to nodes of one Graph. Nodes are created only
// through the builder methods, which simplify as they go (constant folding, x+0, x*1, x*0, x^1, --x, canonical
// order of commutative operands) and return the existing node for a structurally equal request. So common
// subexpressions are shared by construction, and the Jacobian built by expr::Differentiator shares them with the
// right-hand side.
//
// Booleans are doubles: 1.0 is true, 0.0 is false; any non-zero value counts as true where a condition is read.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace tolsim::expr {

using NodeId = std::int32_t;
inline constexpr NodeId kNoNode = -1;

enum class Op : std::uint8_t {
  // leaves
  kConst,  // value
  kTime,   // t
  kState,  // y[index]
  kParam,  // p[index]
  kInput,  // u[index]
  // arithmetic
  kNeg,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  // functions of one argument
  kExp,
  kLog,
  kLog10,
  kSqrt,
  kAbs,
  kFloor,
  kCeil,
  kFactorial,  // x! = Gamma(x + 1)
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kTanh,
  // functions of two arguments
  kMin,
  kMax,
  // comparisons and logic: result 1.0 or 0.0
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kAnd,
  kOr,
  kXor,
  kNot,
  // select(condition, if_true, if_false): condition != 0 ? if_true : if_false
  kSelect,
};

// Number of operands (0 for leaves, 3 for select).
int arity(Op op);
// Short lowercase name used in dumps and messages ("add", "exp", "select").
const char* op_name(Op op);
bool is_comparison(Op op);  // kLt..kNe
// The C-style infix symbol of an arithmetic, comparison or logical operator ("+", "<=", "&&"); nullptr otherwise.
const char* infix_symbol(Op op);
bool is_logical(Op op);  // kAnd, kOr, kXor, kNot

struct Node {
  Op op = Op::kConst;
  NodeId a = kNoNode, b = kNoNode, c = kNoNode;  // operands
  std::int32_t index = -1;                       // leaves kState, kParam, kInput
  double value = 0.0;                            // kConst
};

class Graph {
 public:
  Graph();

  // Leaves.
  NodeId constant(double value);
  NodeId time();
  NodeId state(int index);
  NodeId param(int index);
  NodeId input(int index);

  // Operations, simplified on construction.
  NodeId unary(Op op, NodeId x);
  NodeId binary(Op op, NodeId x, NodeId y);
  NodeId select(NodeId condition, NodeId if_true, NodeId if_false);

  NodeId neg(NodeId x) { return unary(Op::kNeg, x); }
  NodeId add(NodeId x, NodeId y) { return binary(Op::kAdd, x, y); }
  NodeId sub(NodeId x, NodeId y) { return binary(Op::kSub, x, y); }
  NodeId mul(NodeId x, NodeId y) { return binary(Op::kMul, x, y); }
  NodeId div(NodeId x, NodeId y) { return binary(Op::kDiv, x, y); }
  NodeId pow(NodeId x, NodeId y) { return binary(Op::kPow, x, y); }

  const Node& node(NodeId id) const { return nodes_[static_cast<std::size_t>(id)]; }
  std::size_t size() const { return nodes_.size(); }

  // True when the node is a constant; stores its value.
  bool is_constant(NodeId id, double* value = nullptr) const;
  bool is_zero(NodeId id) const;
  bool is_one(NodeId id) const;

  // Evaluates one node directly (recursive, memo-free): for tests and constant checks, not for speed.
  double evaluate(NodeId id, double t, const double* y, const double* p, const double* u) const;

  // Human-readable infix dump of a node, with y[i], p[i], u[i], t as leaf names.
  std::string to_string(NodeId id) const;

 private:
  struct KeyHash {
    std::size_t operator()(const Node& n) const;
  };
  struct KeyEqual {
    bool operator()(const Node& x, const Node& y) const;
  };
  NodeId intern(const Node& n);

  std::vector<Node> nodes_;
  std::unordered_map<Node, NodeId, KeyHash, KeyEqual> index_;
};

// Symbolic derivative of graph nodes with respect to one leaf (a state, parameter or input; or time, as Op::kTime
// with index -1), memoised so that a Jacobian row built node by node shares work. Derivatives of comparisons, floor and ceil are zero; select
// differentiates its branches; |x|' = select(x >= 0, x', -x').
class Differentiator {
 public:
  Differentiator(Graph& graph, Op leaf_kind, int leaf_index);
  NodeId derivative(NodeId f);

 private:
  Graph& graph_;
  Op leaf_kind_;
  int leaf_index_;
  std::unordered_map<NodeId, NodeId> memo_;
};

// For each node reachable from `roots`, the sorted set of leaf indices of kind `leaf_kind` it depends on.
// Returned for the roots only, in order.
std::vector<std::vector<int>> leaf_dependencies(const Graph& graph, const std::vector<NodeId>& roots,
                                                Op leaf_kind);

}  // namespace tolsim::expr
