// The run-time meaning of every non-leaf Op, written once.
//
// Constant folding (Graph), Graph::evaluate and the interpreter all call apply(), so a folded constant is
// exactly the value the interpreter would have computed. The code generator (codegen.cpp) emits the same C++
// expressions and copies of min/max below; the kernels test checks that the two back ends agree.
#pragma once

#include <cmath>

#include "tolsim/expr/graph.hpp"

namespace tolsim::expr::detail {

// min and max propagate NaN (a model that produces NaN should see it, not have it silently dropped as fmin
// would) and are exactly commutative, signed zeros included (min(+0, -0) = -0 in either order), so that the
// graph may put their operands in canonical order without changing any result.
inline double op_min(double a, double b) {
  if (a < b) return a;
  if (b < a) return b;
  if (a == b) return std::signbit(a) ? a : b;
  return a + b;  // at least one NaN
}

inline double op_max(double a, double b) {
  if (a > b) return a;
  if (b > a) return b;
  if (a == b) return std::signbit(a) ? b : a;
  return a + b;  // at least one NaN
}

inline double truth(bool value) {
  return value ? 1.0 : 0.0;
}

// Value of a non-leaf op on operand values a, b, c (unused operands are ignored).
inline double apply(Op op, double a, double b, double c) {
  switch (op) {
    case Op::kNeg:
      return -a;
    case Op::kAdd:
      return a + b;
    case Op::kSub:
      return a - b;
    case Op::kMul:
      return a * b;
    case Op::kDiv:
      return a / b;
    case Op::kPow:
      return std::pow(a, b);
    case Op::kExp:
      return std::exp(a);
    case Op::kLog:
      return std::log(a);
    case Op::kLog10:
      return std::log10(a);
    case Op::kSqrt:
      return std::sqrt(a);
    case Op::kAbs:
      return std::fabs(a);
    case Op::kFloor:
      return std::floor(a);
    case Op::kCeil:
      return std::ceil(a);
    case Op::kFactorial:
      return std::tgamma(a + 1.0);
    case Op::kSin:
      return std::sin(a);
    case Op::kCos:
      return std::cos(a);
    case Op::kTan:
      return std::tan(a);
    case Op::kAsin:
      return std::asin(a);
    case Op::kAcos:
      return std::acos(a);
    case Op::kAtan:
      return std::atan(a);
    case Op::kSinh:
      return std::sinh(a);
    case Op::kCosh:
      return std::cosh(a);
    case Op::kTanh:
      return std::tanh(a);
    case Op::kMin:
      return op_min(a, b);
    case Op::kMax:
      return op_max(a, b);
    case Op::kLt:
      return truth(a < b);
    case Op::kLe:
      return truth(a <= b);
    case Op::kGt:
      return truth(a > b);
    case Op::kGe:
      return truth(a >= b);
    case Op::kEq:
      return truth(a == b);
    case Op::kNe:
      return truth(a != b);
    case Op::kAnd:
      return truth(a != 0.0 && b != 0.0);
    case Op::kOr:
      return truth(a != 0.0 || b != 0.0);
    case Op::kXor:
      return truth((a != 0.0) != (b != 0.0));
    case Op::kNot:
      return truth(a == 0.0);
    case Op::kSelect:
      return a != 0.0 ? b : c;
    case Op::kConst:
    case Op::kTime:
    case Op::kState:
    case Op::kParam:
    case Op::kInput:
      break;
  }
  return std::nan("");  // leaves are not applied; callers never get here
}

}  // namespace tolsim::expr::detail
