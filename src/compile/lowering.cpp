#include "compile/lowering.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tolsim/common/error.hpp"

namespace tolsim::detail {

using expr::Ast;
using expr::AstKind;
using expr::AstOp;
using expr::NodeId;
using expr::Op;

Lowering::Lowering(const model::Model& model, expr::Graph& graph,
                   const std::map<std::string, Quantity>& quantities,
                   const std::map<std::string, int>& local_parameter_slots)
    : model_(model), g_(graph), quantities_(quantities), local_slots_(local_parameter_slots) {}

NodeId Lowering::lower(const model::Expression& e, Mode mode, const std::string& reaction) {
  if (!e.ast) throw InternalError("lowering an empty expression");
  Scope scope{mode, &reaction, nullptr};
  return lower_ast(*e.ast, scope);
}

NodeId Lowering::compartment_size(const std::string& compartment, Mode mode) {
  return symbol(compartment, mode);
}

NodeId Lowering::symbol(const std::string& name, Mode mode) {
  const int m = static_cast<int>(mode);
  if (auto it = memo_[m].find(name); it != memo_[m].end()) return it->second;
  if (name == "time") return g_.time();
  if (name == "pi") return g_.constant(M_PI);
  if (name == "true") return g_.constant(1.0);
  if (name == "false") return g_.constant(0.0);
  if (name == "inf") return g_.constant(std::numeric_limits<double>::infinity());
  if (name == "nan") return g_.constant(std::numeric_limits<double>::quiet_NaN());
  if (name == "avogadro") return g_.constant(6.02214076e23);  // exact since the 2019 SI redefinition

  if (!in_progress_[m].insert(name).second)
    throw ModelError(SourceLocation{}, fmt::format("'{}' is defined in terms of itself", name));
  NodeId result = expr::kNoNode;
  auto q = quantities_.find(name);
  if (q == quantities_.end()) {
    // A reaction's id stands for its rate.
    auto r = std::find_if(model_.reactions.begin(), model_.reactions.end(),
                          [&](const model::Reaction& rx) { return rx.id == name; });
    if (r == model_.reactions.end())
      throw ModelError(SourceLocation{}, fmt::format("unknown name '{}'", name));
    result = lower(r->rate, mode, r->id);
  } else {
    const Quantity& info = q->second;
    switch (info.kind) {
      case Quantity::Kind::kParameter:
        result = g_.param(info.slot);
        break;
      case Quantity::Kind::kDerived:
        result = mode == Mode::kDynamic ? g_.param(info.slot) : lower(*info.initial, Mode::kInitial);
        break;
      case Quantity::Kind::kAssigned:
        result = lower(*info.rule, mode);
        break;
      case Quantity::Kind::kState:
        if (mode == Mode::kDynamic) {
          result = g_.state(info.slot);
          if (info.amount_of_concentration) result = g_.div(result, compartment_size(info.compartment, mode));
        } else if (info.initial) {
          result = lower(*info.initial, Mode::kInitial);
        } else {
          result = g_.param(info.initial_slot);
          // An initial amount of a concentration species, whether stored as an amount or (under a rate
          // rule) as its concentration.
          if (info.initial_is_amount)
            result = g_.div(result, compartment_size(info.compartment, Mode::kInitial));
        }
        break;
    }
  }
  in_progress_[m].erase(name);
  memo_[m][name] = result;
  return result;
}

NodeId Lowering::initial_state_value(const std::string& name) {
  const Quantity& info = quantities_.at(name);
  if (info.kind != Quantity::Kind::kState) throw InternalError(fmt::format("'{}' is not a state", name));
  if (info.amount_of_concentration) {
    if (!info.initial && info.initial_is_amount) return g_.param(info.initial_slot);
    return g_.mul(symbol(name, Mode::kInitial), compartment_size(info.compartment, Mode::kInitial));
  }
  return symbol(name, Mode::kInitial);
}

NodeId Lowering::lower_ast(const Ast& node, const Scope& scope) {
  switch (node.kind) {
    case AstKind::kNumber:
      return g_.constant(node.number);
    case AstKind::kSymbol: {
      if (scope.arguments) {
        auto it = scope.arguments->find(node.name);
        if (it != scope.arguments->end()) return it->second;
      }
      if (!scope.reaction->empty()) {
        auto it = local_slots_.find(*scope.reaction + "/" + node.name);
        if (it != local_slots_.end()) return g_.param(it->second);
      }
      return symbol(node.name, scope.mode);
    }
    case AstKind::kUnary: {
      NodeId a = lower_ast(*node.args[0], scope);
      if (node.op == AstOp::kNeg) return g_.neg(a);
      if (node.op == AstOp::kNot) return g_.unary(Op::kNot, a);
      return a;
    }
    case AstKind::kBinary: {
      NodeId a = lower_ast(*node.args[0], scope);
      NodeId b = lower_ast(*node.args[1], scope);
      switch (node.op) {
        case AstOp::kAdd:
          return g_.add(a, b);
        case AstOp::kSub:
          return g_.sub(a, b);
        case AstOp::kMul:
          return g_.mul(a, b);
        case AstOp::kDiv:
          return g_.div(a, b);
        case AstOp::kPow:
          return g_.pow(a, b);
        case AstOp::kLt:
          return g_.binary(Op::kLt, a, b);
        case AstOp::kLe:
          return g_.binary(Op::kLe, a, b);
        case AstOp::kGt:
          return g_.binary(Op::kGt, a, b);
        case AstOp::kGe:
          return g_.binary(Op::kGe, a, b);
        case AstOp::kEq:
          return g_.binary(Op::kEq, a, b);
        case AstOp::kNe:
          return g_.binary(Op::kNe, a, b);
        case AstOp::kAnd:
          return g_.binary(Op::kAnd, a, b);
        case AstOp::kOr:
          return g_.binary(Op::kOr, a, b);
        default:
          break;
      }
      throw InternalError("unknown binary operator in lowering");
    }
    case AstKind::kCall:
      return lower_call(node, scope);
  }
  throw InternalError("unknown AST node in lowering");
}

NodeId Lowering::lower_call(const Ast& node, const Scope& scope) {
  std::vector<NodeId> args;
  args.reserve(node.args.size());
  for (const auto& a : node.args) args.push_back(lower_ast(*a, scope));
  const std::string& f = node.name;
  if (f == "delay" && args.size() == 2) return lower_delay(node, scope, args[0], args[1]);
  static const std::map<std::string, Op> unary = {
      {"exp", Op::kExp},     {"log", Op::kLog},   {"ln", Op::kLog},
      {"log10", Op::kLog10}, {"sqrt", Op::kSqrt}, {"abs", Op::kAbs},
      {"floor", Op::kFloor}, {"ceil", Op::kCeil}, {"factorial", Op::kFactorial},
      {"sin", Op::kSin},     {"cos", Op::kCos},   {"tan", Op::kTan},
      {"asin", Op::kAsin},   {"acos", Op::kAcos}, {"atan", Op::kAtan},
      {"sinh", Op::kSinh},   {"cosh", Op::kCosh}, {"tanh", Op::kTanh},
      {"not", Op::kNot}};
  if (auto it = unary.find(f); it != unary.end() && args.size() == 1) return g_.unary(it->second, args[0]);
  if (f == "log2" && args.size() == 1) return g_.div(g_.unary(Op::kLog, args[0]), g_.constant(std::log(2.0)));
  if (f == "pow" && args.size() == 2) return g_.pow(args[0], args[1]);
  if ((f == "min" || f == "max") && !args.empty()) {
    NodeId acc = args[0];
    for (std::size_t i = 1; i < args.size(); ++i)
      acc = g_.binary(f == "min" ? Op::kMin : Op::kMax, acc, args[i]);
    return acc;
  }
  if ((f == "and" || f == "or" || f == "xor") && !args.empty()) {
    const Op op = f == "and" ? Op::kAnd : (f == "or" ? Op::kOr : Op::kXor);
    // A single argument is its own truth value, normalised to 1 or 0.
    NodeId acc = args.size() == 1 ? g_.binary(Op::kNe, args[0], g_.constant(0.0)) : args[0];
    for (std::size_t i = 1; i < args.size(); ++i) acc = g_.binary(op, acc, args[i]);
    return acc;
  }
  if (f == "hill" && args.size() == 3) {
    // x^n / (K^n + x^n)
    NodeId xn = g_.pow(args[0], args[2]);
    return g_.div(xn, g_.add(g_.pow(args[1], args[2]), xn));
  }
  if (f == "piecewise" && !args.empty()) {
    // piecewise(v1, c1, v2, c2, ..., otherwise): the first true condition wins; with no `otherwise` and no true
    // condition the value is undefined (NaN), which the solver reports instead of inventing a number.
    NodeId acc = args.size() % 2 == 1 ? args.back() : g_.constant(std::numeric_limits<double>::quiet_NaN());
    const std::size_t pairs = args.size() / 2;
    for (std::size_t k = pairs; k-- > 0;) acc = g_.select(args[2 * k + 1], args[2 * k], acc);
    return acc;
  }
  auto fn = std::find_if(model_.functions.begin(), model_.functions.end(),
                         [&](const model::FunctionDefinition& d) { return d.id == f; });
  if (fn == model_.functions.end() || fn->arguments.size() != args.size())
    throw ModelError(SourceLocation{}, fmt::format("cannot call '{}' with {} arguments", f, args.size()));
  if (++depth_ > 64) throw ModelError(fn->location, fmt::format("function '{}' nests too deeply", f));
  std::map<std::string, NodeId> bound;
  for (std::size_t i = 0; i < args.size(); ++i) bound[fn->arguments[i]] = args[i];
  static const std::string kNoReaction;
  Scope inner{scope.mode, &kNoReaction, &bound};
  NodeId result = lower_ast(*fn->body.ast, inner);
  --depth_;
  return result;
}

NodeId Lowering::lower_delay(const Ast& node, const Scope& scope, NodeId value, NodeId time) {
  if (scope.mode == Mode::kInitial) return value;
  const std::string text = expr::to_string(node);
  if (first_delay_input_ < 0)
    throw ModelError(SourceLocation{}, fmt::format("{}: delay() is not allowed here", text));
  for (std::size_t k = 0; k < delays_.size(); ++k)
    if (delays_[k].value == value && delays_[k].time == time)
      return g_.input(first_delay_input_ + static_cast<int>(k));
  const Scope initial{Mode::kInitial, scope.reaction, scope.arguments};
  delays_.push_back({value, time, lower_ast(*node.args[0], initial), text});
  return g_.input(first_delay_input_ + static_cast<int>(delays_.size()) - 1);
}

}  // namespace tolsim::detail
