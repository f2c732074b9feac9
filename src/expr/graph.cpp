// The evaluation graph: hash-consing and the simplifications applied as nodes are built.
#include "tolsim/expr/graph.hpp"

#include <fmt/format.h>
#include <bit>
#include <charconv>

#include "expr/scalar_ops.hpp"
#include "tolsim/common/error.hpp"

namespace tolsim::expr {

int arity(Op op) {
  switch (op) {
    case Op::kConst:
    case Op::kTime:
    case Op::kState:
    case Op::kParam:
    case Op::kInput:
      return 0;
    case Op::kNeg:
    case Op::kExp:
    case Op::kLog:
    case Op::kLog10:
    case Op::kSqrt:
    case Op::kAbs:
    case Op::kFloor:
    case Op::kCeil:
    case Op::kFactorial:
    case Op::kSin:
    case Op::kCos:
    case Op::kTan:
    case Op::kAsin:
    case Op::kAcos:
    case Op::kAtan:
    case Op::kSinh:
    case Op::kCosh:
    case Op::kTanh:
    case Op::kNot:
      return 1;
    case Op::kSelect:
      return 3;
    default:
      return 2;
  }
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kConst:
      return "const";
    case Op::kTime:
      return "time";
    case Op::kState:
      return "state";
    case Op::kParam:
      return "param";
    case Op::kInput:
      return "input";
    case Op::kNeg:
      return "neg";
    case Op::kAdd:
      return "add";
    case Op::kSub:
      return "sub";
    case Op::kMul:
      return "mul";
    case Op::kDiv:
      return "div";
    case Op::kPow:
      return "pow";
    case Op::kExp:
      return "exp";
    case Op::kLog:
      return "log";
    case Op::kLog10:
      return "log10";
    case Op::kSqrt:
      return "sqrt";
    case Op::kAbs:
      return "abs";
    case Op::kFloor:
      return "floor";
    case Op::kCeil:
      return "ceil";
    case Op::kFactorial:
      return "factorial";
    case Op::kSin:
      return "sin";
    case Op::kCos:
      return "cos";
    case Op::kTan:
      return "tan";
    case Op::kAsin:
      return "asin";
    case Op::kAcos:
      return "acos";
    case Op::kAtan:
      return "atan";
    case Op::kSinh:
      return "sinh";
    case Op::kCosh:
      return "cosh";
    case Op::kTanh:
      return "tanh";
    case Op::kMin:
      return "min";
    case Op::kMax:
      return "max";
    case Op::kLt:
      return "lt";
    case Op::kLe:
      return "le";
    case Op::kGt:
      return "gt";
    case Op::kGe:
      return "ge";
    case Op::kEq:
      return "eq";
    case Op::kNe:
      return "ne";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kXor:
      return "xor";
    case Op::kNot:
      return "not";
    case Op::kSelect:
      return "select";
  }
  return "?";
}

bool is_comparison(Op op) {
  return op >= Op::kLt && op <= Op::kNe;
}
bool is_logical(Op op) {
  return op == Op::kAnd || op == Op::kOr || op == Op::kXor || op == Op::kNot;
}

namespace {

bool is_commutative(Op op) {
  switch (op) {
    case Op::kAdd:
    case Op::kMul:
    case Op::kMin:
    case Op::kMax:
    case Op::kEq:
    case Op::kNe:
    case Op::kAnd:
    case Op::kOr:
    case Op::kXor:
      return true;
    default:
      return false;
  }
}

std::uint64_t bits(double value) {
  return std::bit_cast<std::uint64_t>(value);
}

}  // namespace

std::size_t Graph::KeyHash::operator()(const Node& n) const {
  // FNV-style mixing of the fields that define a node; constants hash by bit pattern, like KeyEqual compares.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  mix(static_cast<std::uint64_t>(n.op));
  mix(static_cast<std::uint32_t>(n.a));
  mix(static_cast<std::uint32_t>(n.b));
  mix(static_cast<std::uint32_t>(n.c));
  mix(static_cast<std::uint32_t>(n.index));
  mix(bits(n.value));
  return static_cast<std::size_t>(h);
}

bool Graph::KeyEqual::operator()(const Node& x, const Node& y) const {
  // Bit equality keeps +0 and -0 apart (1/x tells them apart) and lets a NaN constant be shared.
  return x.op == y.op && x.a == y.a && x.b == y.b && x.c == y.c && x.index == y.index &&
         bits(x.value) == bits(y.value);
}

Graph::Graph() = default;

NodeId Graph::intern(const Node& n) {
  if (auto it = index_.find(n); it != index_.end()) return it->second;
  const auto id = static_cast<NodeId>(nodes_.size());
  nodes_.push_back(n);
  index_.emplace(n, id);
  return id;
}

NodeId Graph::constant(double value) {
  Node n;
  n.op = Op::kConst;
  n.value = value;
  return intern(n);
}

NodeId Graph::time() {
  Node n;
  n.op = Op::kTime;
  return intern(n);
}

namespace {
Node leaf(Op op, int index) {
  if (index < 0)
    throw InternalError(fmt::format("graph: {} leaf with negative index {}", op_name(op), index));
  Node n;
  n.op = op;
  n.index = index;
  return n;
}
}  // namespace

NodeId Graph::state(int index) {
  return intern(leaf(Op::kState, index));
}
NodeId Graph::param(int index) {
  return intern(leaf(Op::kParam, index));
}
NodeId Graph::input(int index) {
  return intern(leaf(Op::kInput, index));
}

bool Graph::is_constant(NodeId id, double* value) const {
  const Node& n = node(id);
  if (n.op != Op::kConst) return false;
  if (value != nullptr) *value = n.value;
  return true;
}

bool Graph::is_zero(NodeId id) const {
  double v = 0.0;
  return is_constant(id, &v) && v == 0.0;
}

bool Graph::is_one(NodeId id) const {
  double v = 0.0;
  return is_constant(id, &v) && v == 1.0;
}

namespace {
void check_operand(const char* what, Op op, NodeId id, std::size_t size) {
  if (id < 0 || static_cast<std::size_t>(id) >= size)
    throw InternalError(
        fmt::format("graph: {} {} refers to node {} of a graph with {} nodes", what, op_name(op), id, size));
}
}  // namespace

NodeId Graph::unary(Op op, NodeId x) {
  if (arity(op) != 1) throw InternalError(fmt::format("graph: unary() called with {}", op_name(op)));
  check_operand("operand of", op, x, nodes_.size());
  double vx = 0.0;
  if (is_constant(x, &vx)) return constant(detail::apply(op, vx, vx, vx));
  if (op == Op::kNeg && node(x).op == Op::kNeg) return node(x).a;  // --x = x
  Node n;
  n.op = op;
  n.a = x;
  return intern(n);
}

NodeId Graph::binary(Op op, NodeId x, NodeId y) {
  if (arity(op) != 2) throw InternalError(fmt::format("graph: binary() called with {}", op_name(op)));
  check_operand("first operand of", op, x, nodes_.size());
  check_operand("second operand of", op, y, nodes_.size());

  double vx = 0.0, vy = 0.0;
  bool cx = is_constant(x, &vx), cy = is_constant(y, &vy);
  // A constant division by zero stays a node: the model loader reports it with a source location, and the
  // graph itself only promises IEEE results at run time.
  if (cx && cy && !(op == Op::kDiv && vy == 0.0)) return constant(detail::apply(op, vx, vy, vy));

  if (is_commutative(op) && y < x) {
    std::swap(x, y);
    std::swap(vx, vy);
    std::swap(cx, cy);
  }
  const bool zero_x = cx && vx == 0.0, zero_y = cy && vy == 0.0;
  const bool one_x = cx && vx == 1.0, one_y = cy && vy == 1.0;
  switch (op) {
    case Op::kAdd:
      if (zero_y) return x;
      if (zero_x) return y;
      break;
    case Op::kSub:
      if (zero_y) return x;
      if (zero_x) return neg(y);
      if (x == y) return constant(0.0);
      break;
    case Op::kMul:
      if (zero_x || zero_y) return constant(0.0);
      if (one_y) return x;
      if (one_x) return y;
      break;
    case Op::kDiv:
      if (one_y) return x;
      if (zero_x && !zero_y) return constant(0.0);
      break;
    case Op::kPow:
      if (cy) {
        if (vy == 1.0) return x;
        if (vy == 0.0) return constant(1.0);
        if (vy == 2.0) return mul(x, x);
        if (vy == 0.5) return unary(Op::kSqrt, x);
        if (vy == -1.0) return div(constant(1.0), x);
      }
      break;
    default:
      break;
  }
  Node n;
  n.op = op;
  n.a = x;
  n.b = y;
  return intern(n);
}

NodeId Graph::select(NodeId condition, NodeId if_true, NodeId if_false) {
  check_operand("condition of", Op::kSelect, condition, nodes_.size());
  check_operand("true branch of", Op::kSelect, if_true, nodes_.size());
  check_operand("false branch of", Op::kSelect, if_false, nodes_.size());
  double vc = 0.0;
  if (is_constant(condition, &vc)) return vc != 0.0 ? if_true : if_false;
  if (if_true == if_false) return if_true;
  Node n;
  n.op = Op::kSelect;
  n.a = condition;
  n.b = if_true;
  n.c = if_false;
  return intern(n);
}

namespace {
// Marks `id` and everything it depends on. Operands always have smaller ids than their users (a node is built
// after its operands), so one descending sweep finds the whole cone without recursion.
std::vector<char> cone(const std::vector<Node>& nodes, NodeId id) {
  std::vector<char> needed(static_cast<std::size_t>(id) + 1, 0);
  needed[static_cast<std::size_t>(id)] = 1;
  for (NodeId i = id; i >= 0; --i) {
    if (!needed[static_cast<std::size_t>(i)]) continue;
    const Node& n = nodes[static_cast<std::size_t>(i)];
    for (NodeId operand : {n.a, n.b, n.c})
      if (operand != kNoNode) needed[static_cast<std::size_t>(operand)] = 1;
  }
  return needed;
}
}  // namespace

double Graph::evaluate(NodeId id, double t, const double* y, const double* p, const double* u) const {
  check_operand("evaluate() of", Op::kConst, id, nodes_.size());
  // Memoised over the cone of `id`, in id order: deep or heavily shared graphs neither overflow the stack nor
  // take exponential time.
  const std::vector<char> needed = cone(nodes_, id);
  std::vector<double> value(needed.size(), 0.0);
  for (std::size_t i = 0; i < needed.size(); ++i) {
    if (!needed[i]) continue;
    const Node& n = nodes_[i];
    switch (n.op) {
      case Op::kConst:
        value[i] = n.value;
        break;
      case Op::kTime:
        value[i] = t;
        break;
      case Op::kState:
        value[i] = y[n.index];
        break;
      case Op::kParam:
        value[i] = p[n.index];
        break;
      case Op::kInput:
        value[i] = u[n.index];
        break;
      default: {
        auto at = [&value](NodeId k) { return k == kNoNode ? 0.0 : value[static_cast<std::size_t>(k)]; };
        value[i] = detail::apply(n.op, at(n.a), at(n.b), at(n.c));
      }
    }
  }
  return value[static_cast<std::size_t>(id)];
}

namespace {
std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

const char* infix_symbol(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kPow:
      return "^";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    default:
      return nullptr;
  }
}

std::string Graph::to_string(NodeId id) const {
  check_operand("to_string() of", Op::kConst, id, nodes_.size());
  const std::vector<char> needed = cone(nodes_, id);
  std::vector<std::string> text(needed.size());
  for (std::size_t i = 0; i < needed.size(); ++i) {
    if (!needed[i]) continue;
    const Node& n = nodes_[i];
    auto arg = [&text](NodeId k) -> const std::string& { return text[static_cast<std::size_t>(k)]; };
    switch (n.op) {
      case Op::kConst:
        text[i] = number_text(n.value);
        break;
      case Op::kTime:
        text[i].assign(1, 't');
        break;  // not = "t": GCC 12 -Wrestrict false positive
      case Op::kState:
        text[i] = fmt::format("y[{}]", n.index);
        break;
      case Op::kParam:
        text[i] = fmt::format("p[{}]", n.index);
        break;
      case Op::kInput:
        text[i] = fmt::format("u[{}]", n.index);
        break;
      case Op::kNeg:
        text[i] = fmt::format("(-{})", arg(n.a));
        break;
      case Op::kNot:
        text[i] = fmt::format("!{}", arg(n.a));
        break;
      case Op::kSelect:
        text[i] = fmt::format("select({}, {}, {})", arg(n.a), arg(n.b), arg(n.c));
        break;
      default:
        if (const char* symbol = infix_symbol(n.op))
          text[i] = fmt::format("({} {} {})", arg(n.a), symbol, arg(n.b));
        else if (arity(n.op) == 1)
          text[i] = fmt::format("{}({})", op_name(n.op), arg(n.a));
        else
          text[i] = fmt::format("{}({}, {})", op_name(n.op), arg(n.a), arg(n.b));
    }
  }
  return text[static_cast<std::size_t>(id)];
}

}  // namespace tolsim::expr
