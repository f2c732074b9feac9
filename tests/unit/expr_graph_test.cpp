// The evaluation graph: hash-consing, simplification on construction, evaluation, schedules and leaf
// dependencies. Every expected value is derived by hand from the rule under test or is the plain C++
// expression that IEEE arithmetic and <cmath> define for the operation.
#include <gtest/gtest.h>
#include <cmath>
#include <limits>
#include <set>

#include "tolsim/common/error.hpp"
#include "tolsim/expr/graph.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim::expr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A graph with the leaves most tests need: x = y[0], z = y[1], k = p[0].
struct Fixture {
  Graph g;
  NodeId x = g.state(0);
  NodeId z = g.state(1);
  NodeId k = g.param(0);
};

double constant_value(const Graph& g, NodeId id) {
  double v = 0.0;
  EXPECT_TRUE(g.is_constant(id, &v)) << g.to_string(id) << " is not a constant";
  return v;
}

TEST(GraphLeaves, EqualRequestsShareOneNode) {
  Graph g;
  EXPECT_EQ(g.state(2), g.state(2));
  EXPECT_EQ(g.param(0), g.param(0));
  EXPECT_EQ(g.input(1), g.input(1));
  EXPECT_EQ(g.time(), g.time());
  EXPECT_EQ(g.constant(2.5), g.constant(2.5));
  EXPECT_NE(g.state(0), g.param(0));
  EXPECT_NE(g.state(0), g.input(0));
  EXPECT_NE(g.state(0), g.state(1));
  EXPECT_EQ(g.size(), 8u);  // y2, p0, u1, t, 2.5, y0, u0, y1
}

TEST(GraphLeaves, NodeCountGrowsOnlyForNewRequests) {
  Graph g;
  g.state(0);
  g.state(0);
  g.param(0);
  g.constant(1.0);
  g.constant(1.0);
  EXPECT_EQ(g.size(), 3u);
}

TEST(GraphLeaves, ConstantsAreKeyedByBitPattern) {
  Graph g;
  // +0 and -0 compare equal but are different numbers (1/x tells them apart), so they must not be merged.
  EXPECT_NE(g.constant(0.0), g.constant(-0.0));
  const double nan = std::nan("");
  EXPECT_EQ(g.constant(nan), g.constant(nan));
}

TEST(GraphLeaves, NegativeIndexIsAnInternalError) {
  Graph g;
  EXPECT_THROW(g.state(-1), InternalError);
  EXPECT_THROW(g.param(-3), InternalError);
  EXPECT_THROW(g.input(-1), InternalError);
}

TEST(GraphOperands, UnknownOperandOrWrongArityIsAnInternalError) {
  Fixture f;
  EXPECT_THROW(f.g.add(f.x, 999), InternalError);
  EXPECT_THROW(f.g.neg(-1), InternalError);
  EXPECT_THROW(f.g.unary(Op::kAdd, f.x), InternalError);
  EXPECT_THROW(f.g.binary(Op::kExp, f.x, f.z), InternalError);
  EXPECT_THROW(f.g.select(f.x, f.z, 42), InternalError);
}

TEST(GraphHashConsing, CompoundExpressionBuiltTwiceIsOneNode) {
  Fixture f;
  auto build = [&f] { return f.g.unary(Op::kExp, f.g.add(f.g.mul(f.x, f.k), f.g.input(1))); };
  const NodeId first = build();
  const std::size_t size = f.g.size();
  EXPECT_EQ(build(), first);
  EXPECT_EQ(f.g.size(), size);
}

TEST(GraphHashConsing, CommutativeOpsIgnoreOperandOrder) {
  for (Op op : {Op::kAdd, Op::kMul, Op::kMin, Op::kMax, Op::kEq, Op::kNe, Op::kAnd, Op::kOr, Op::kXor}) {
    Fixture f;
    EXPECT_EQ(f.g.binary(op, f.x, f.z), f.g.binary(op, f.z, f.x)) << op_name(op);
  }
}

TEST(GraphHashConsing, NonCommutativeOpsKeepOperandOrder) {
  for (Op op : {Op::kSub, Op::kDiv, Op::kPow, Op::kLt, Op::kLe, Op::kGt, Op::kGe}) {
    Fixture f;
    EXPECT_NE(f.g.binary(op, f.x, f.z), f.g.binary(op, f.z, f.x)) << op_name(op);
  }
}

// Constant folding: the expected value is the C++ expression the operation is defined by, evaluated at run
// time. opaque() hides the argument from the optimiser: GCC would otherwise fold std::sinh(0.7) at compile
// time with correctly rounded MPFR arithmetic, one ulp away from what glibc (and so the interpreter)
// computes.
double opaque(double x) {
  volatile double v = x;
  return v;
}

struct FoldCase {
  Op op;
  double a, b;
  double expected;
};

class GraphFolding : public ::testing::TestWithParam<FoldCase> {};

TEST_P(GraphFolding, AllConstantOperandsFoldToTheRuntimeValue) {
  const FoldCase& c = GetParam();
  Graph g;
  const NodeId a = g.constant(c.a), b = g.constant(c.b);
  const NodeId folded = arity(c.op) == 1 ? g.unary(c.op, a) : g.binary(c.op, a, b);
  const double v = constant_value(g, folded);
  if (std::isnan(c.expected)) {
    EXPECT_TRUE(std::isnan(v)) << op_name(c.op);
  } else {
    EXPECT_EQ(v, c.expected) << op_name(c.op);  // exact: folding must not round differently from run time
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryOp, GraphFolding,
    ::testing::Values(
        FoldCase{Op::kNeg, 1.25, 0, -1.25}, FoldCase{Op::kAdd, 0.1, 0.2, 0.1 + 0.2},
        FoldCase{Op::kSub, 0.3, 0.1, 0.3 - 0.1}, FoldCase{Op::kMul, 0.1, 3.0, 0.1 * 3.0},
        FoldCase{Op::kDiv, 1.0, 3.0, 1.0 / 3.0},
        FoldCase{Op::kPow, 2.0, 0.3, std::pow(opaque(2.0), opaque(0.3))},
        FoldCase{Op::kExp, 0.7, 0, std::exp(opaque(0.7))}, FoldCase{Op::kLog, 0.7, 0, std::log(opaque(0.7))},
        FoldCase{Op::kLog10, 0.7, 0, std::log10(opaque(0.7))},
        FoldCase{Op::kSqrt, 2.0, 0, std::sqrt(opaque(2.0))}, FoldCase{Op::kAbs, -2.5, 0, 2.5},
        FoldCase{Op::kFloor, -2.5, 0, -3.0}, FoldCase{Op::kCeil, -2.5, 0, -2.0},
        FoldCase{Op::kFactorial, 5.0, 0, 120.0},  // 5! by hand
        FoldCase{Op::kSin, 0.7, 0, std::sin(opaque(0.7))}, FoldCase{Op::kCos, 0.7, 0, std::cos(opaque(0.7))},
        FoldCase{Op::kTan, 0.7, 0, std::tan(opaque(0.7))},
        FoldCase{Op::kAsin, 0.7, 0, std::asin(opaque(0.7))},
        FoldCase{Op::kAcos, 0.7, 0, std::acos(opaque(0.7))},
        FoldCase{Op::kAtan, 0.7, 0, std::atan(opaque(0.7))},
        FoldCase{Op::kSinh, 0.7, 0, std::sinh(opaque(0.7))},
        FoldCase{Op::kCosh, 0.7, 0, std::cosh(opaque(0.7))},
        FoldCase{Op::kTanh, 0.7, 0, std::tanh(opaque(0.7))},
        FoldCase{Op::kLog, -1.0, 0, std::nan("")},  // folding keeps IEEE results, NaN included
        FoldCase{Op::kMin, 3.0, -2.0, -2.0}, FoldCase{Op::kMax, 3.0, -2.0, 3.0},
        FoldCase{Op::kLt, 1.0, 2.0, 1.0}, FoldCase{Op::kLe, 2.0, 2.0, 1.0}, FoldCase{Op::kGt, 1.0, 2.0, 0.0},
        FoldCase{Op::kGe, 1.0, 2.0, 0.0}, FoldCase{Op::kEq, 2.0, 2.0, 1.0}, FoldCase{Op::kNe, 2.0, 2.0, 0.0},
        FoldCase{Op::kAnd, 2.0, 0.0, 0.0}, FoldCase{Op::kOr, 2.0, 0.0, 1.0},
        FoldCase{Op::kXor, 2.0, -1.0, 0.0}, FoldCase{Op::kNot, 0.0, 0, 1.0}));

TEST(GraphFoldingSelect, ConstantConditionPicksABranchEvenWhenBranchesAreNotConstant) {
  Fixture f;
  EXPECT_EQ(f.g.select(f.g.constant(1.0), f.x, f.z), f.x);
  EXPECT_EQ(f.g.select(f.g.constant(0.0), f.x, f.z), f.z);
  EXPECT_EQ(f.g.select(f.g.constant(-0.5), f.x, f.z), f.x);          // any non-zero value is true
  EXPECT_EQ(f.g.select(f.g.constant(std::nan("")), f.x, f.z), f.x);  // NaN != 0, as in the interpreter
}

TEST(GraphFoldingDivision, DivisionByConstantZeroIsKeptAndEvaluatesToIeee) {
  Graph g;
  for (double numerator : {1.0, -1.0, 0.0}) {
    const NodeId q = g.div(g.constant(numerator), g.constant(0.0));
    EXPECT_FALSE(g.is_constant(q));
    EXPECT_EQ(g.node(q).op, Op::kDiv);
    const double v = g.evaluate(q, 0, nullptr, nullptr, nullptr);
    if (numerator == 0.0)
      EXPECT_TRUE(std::isnan(v));
    else
      EXPECT_EQ(v, numerator * kInf);
  }
}

TEST(GraphSimplify, AdditiveIdentities) {
  Fixture f;
  const NodeId zero = f.g.constant(0.0);
  EXPECT_EQ(f.g.add(f.x, zero), f.x);
  EXPECT_EQ(f.g.add(zero, f.x), f.x);
  EXPECT_EQ(f.g.sub(f.x, zero), f.x);
  EXPECT_EQ(f.g.sub(zero, f.x), f.g.neg(f.x));
  EXPECT_EQ(f.g.sub(f.x, f.x), zero);
  EXPECT_NE(f.g.sub(f.x, f.z), zero);
}

TEST(GraphSimplify, MultiplicativeIdentities) {
  Fixture f;
  const NodeId zero = f.g.constant(0.0), one = f.g.constant(1.0);
  EXPECT_EQ(f.g.mul(f.x, one), f.x);
  EXPECT_EQ(f.g.mul(one, f.x), f.x);
  EXPECT_EQ(f.g.mul(f.x, zero), zero);
  EXPECT_EQ(f.g.mul(zero, f.x), zero);
  EXPECT_EQ(f.g.div(f.x, one), f.x);
  EXPECT_EQ(f.g.div(zero, f.x), zero);
  EXPECT_NE(f.g.div(one, f.x), f.x);
}

TEST(GraphSimplify, DoubleNegationCancelsAndNegatedConstantsFold) {
  Fixture f;
  EXPECT_EQ(f.g.neg(f.g.neg(f.x)), f.x);
  EXPECT_EQ(f.g.neg(f.g.constant(2.0)), f.g.constant(-2.0));
}

TEST(GraphSimplify, PowersWithSpecialConstantExponents) {
  Fixture f;
  EXPECT_EQ(f.g.pow(f.x, f.g.constant(1.0)), f.x);
  EXPECT_EQ(f.g.pow(f.x, f.g.constant(0.0)), f.g.constant(1.0));
  EXPECT_EQ(f.g.pow(f.x, f.g.constant(2.0)), f.g.mul(f.x, f.x));
  EXPECT_EQ(f.g.pow(f.x, f.g.constant(0.5)), f.g.unary(Op::kSqrt, f.x));
  EXPECT_EQ(f.g.pow(f.x, f.g.constant(-1.0)), f.g.div(f.g.constant(1.0), f.x));
  const NodeId cube = f.g.pow(f.x, f.g.constant(3.0));
  EXPECT_EQ(f.g.node(cube).op, Op::kPow);
}

TEST(GraphSimplify, SelectWithEqualBranchesIsThatBranch) {
  Fixture f;
  const NodeId cond = f.g.binary(Op::kLt, f.x, f.k);
  EXPECT_EQ(f.g.select(cond, f.z, f.z), f.z);
  const NodeId s = f.g.select(cond, f.x, f.z);
  EXPECT_EQ(f.g.node(s).op, Op::kSelect);
  EXPECT_EQ(f.g.node(s).a, cond);
}

TEST(GraphEvaluate, LeavesComeFromTheirArrays) {
  Graph g;
  const double y[] = {1.5, -2.0}, p[] = {4.0}, u[] = {0.25};
  EXPECT_EQ(g.evaluate(g.state(1), 9.0, y, p, u), -2.0);
  EXPECT_EQ(g.evaluate(g.param(0), 9.0, y, p, u), 4.0);
  EXPECT_EQ(g.evaluate(g.input(0), 9.0, y, p, u), 0.25);
  EXPECT_EQ(g.evaluate(g.time(), 9.0, y, p, u), 9.0);
  // (y1 * p0 + u0) / t = (-8 + 0.25) / 9
  const NodeId e = g.div(g.add(g.mul(g.state(1), g.param(0)), g.input(0)), g.time());
  EXPECT_EQ(g.evaluate(e, 9.0, y, p, u), (-2.0 * 4.0 + 0.25) / 9.0);
}

TEST(GraphEvaluate, MinAndMaxPropagateNanAndOrderSignedZeros) {
  Graph g;
  const NodeId a = g.state(0), b = g.state(1);
  const NodeId lo = g.binary(Op::kMin, a, b), hi = g.binary(Op::kMax, a, b);
  auto at = [&g](NodeId id, double ya, double yb) {
    const double y[] = {ya, yb};
    return g.evaluate(id, 0, y, nullptr, nullptr);
  };
  const double nan = std::nan("");
  EXPECT_TRUE(std::isnan(at(lo, nan, 1.0)));
  EXPECT_TRUE(std::isnan(at(lo, 1.0, nan)));
  EXPECT_TRUE(std::isnan(at(hi, nan, 1.0)));
  EXPECT_TRUE(std::isnan(at(hi, 1.0, nan)));
  EXPECT_TRUE(std::signbit(at(lo, 0.0, -0.0)));
  EXPECT_TRUE(std::signbit(at(lo, -0.0, 0.0)));
  EXPECT_FALSE(std::signbit(at(hi, 0.0, -0.0)));
  EXPECT_FALSE(std::signbit(at(hi, -0.0, 0.0)));
  EXPECT_EQ(at(lo, 2.0, -3.0), -3.0);
  EXPECT_EQ(at(hi, 2.0, -3.0), 2.0);
}

TEST(GraphEvaluate, DeepChainNeedsNoRecursion) {
  // x + 1 + 1 + ... (200000 times): deeper than any C++ stack would allow recursively. At x = 0.5 every
  // partial sum is a half-integer below 2^53, so the exact answer is 200000.5.
  Graph g;
  NodeId v = g.state(0);
  const NodeId one = g.constant(1.0);
  for (int i = 0; i < 200000; ++i) v = g.add(v, one);
  const double y[] = {0.5};
  EXPECT_EQ(g.evaluate(v, 0, y, nullptr, nullptr), 200000.5);
}

TEST(GraphToString, InfixDumpWithLeafNames) {
  Graph g;
  const NodeId y0 = g.state(0), p1 = g.param(1), two = g.constant(2.0);
  const NodeId e = g.select(g.binary(Op::kLt, y0, p1), g.unary(Op::kExp, y0), g.neg(g.mul(two, y0)));
  // mul is commutative and canonical order is by node id: y0 (id 0) before 2 (id 2).
  EXPECT_EQ(g.to_string(e), "select((y[0] < p[1]), exp(y[0]), (-(y[0] * 2)))");
  const NodeId t = g.time(), u3 = g.input(3);
  EXPECT_EQ(g.to_string(g.binary(Op::kMin, u3, t)), "min(t, u[3])");
}

TEST(GraphOps, ArityNamesAndClasses) {
  EXPECT_EQ(arity(Op::kConst), 0);
  EXPECT_EQ(arity(Op::kInput), 0);
  EXPECT_EQ(arity(Op::kNeg), 1);
  EXPECT_EQ(arity(Op::kTanh), 1);
  EXPECT_EQ(arity(Op::kNot), 1);
  EXPECT_EQ(arity(Op::kPow), 2);
  EXPECT_EQ(arity(Op::kXor), 2);
  EXPECT_EQ(arity(Op::kSelect), 3);
  EXPECT_STREQ(op_name(Op::kAdd), "add");
  EXPECT_STREQ(op_name(Op::kExp), "exp");
  EXPECT_STREQ(op_name(Op::kSelect), "select");
  EXPECT_TRUE(is_comparison(Op::kLt));
  EXPECT_TRUE(is_comparison(Op::kNe));
  EXPECT_FALSE(is_comparison(Op::kAnd));
  EXPECT_TRUE(is_logical(Op::kNot));
  EXPECT_TRUE(is_logical(Op::kXor));
  EXPECT_FALSE(is_logical(Op::kEq));
}

TEST(Schedule, OperandsBeforeUsersEachNodeOnceLeavesIncluded) {
  Fixture f;
  const NodeId unused = f.g.unary(Op::kCos, f.z);
  const NodeId shared = f.g.mul(f.x, f.k);
  const NodeId out0 = f.g.add(shared, f.g.unary(Op::kExp, shared));
  const NodeId out1 = f.g.sub(shared, f.x);
  KernelSpec spec;
  spec.outputs = {out0, out1, out0};
  const Schedule s = Schedule::build(f.g, spec);

  // Needed: x, k, x*k, exp(x*k), out0, out1 (six nodes); not z or cos(z).
  EXPECT_EQ(s.order.size(), 6u);
  EXPECT_EQ(std::set<NodeId>(s.order.begin(), s.order.end()).size(), s.order.size());
  std::vector<int> position(f.g.size(), -1);
  for (std::size_t i = 0; i < s.order.size(); ++i)
    position[static_cast<std::size_t>(s.order[i])] = static_cast<int>(i);
  EXPECT_EQ(position[static_cast<std::size_t>(unused)], -1);
  EXPECT_EQ(position[static_cast<std::size_t>(f.z)], -1);
  for (NodeId id : s.order) {
    const Node& n = f.g.node(id);
    for (NodeId operand : {n.a, n.b, n.c}) {
      if (operand == kNoNode) continue;
      ASSERT_GE(position[static_cast<std::size_t>(operand)], 0) << "operand not scheduled";
      EXPECT_LT(position[static_cast<std::size_t>(operand)], position[static_cast<std::size_t>(id)]);
    }
  }
}

TEST(Schedule, DeepChainNeedsNoRecursion) {
  Graph g;
  NodeId v = g.state(0);
  const NodeId one = g.constant(1.0);
  const int depth = 300000;
  for (int i = 0; i < depth; ++i) v = g.add(v, one);
  KernelSpec spec;
  spec.outputs = {v};
  EXPECT_EQ(Schedule::build(g, spec).order.size(), static_cast<std::size_t>(depth) + 2);  // + y0 and 1
}

TEST(Schedule, MalformedSpecsAreInternalErrors) {
  Fixture f;
  KernelSpec bad_node;
  bad_node.outputs = {12345};
  EXPECT_THROW(Schedule::build(f.g, bad_node), InternalError);
  KernelSpec bad_positions;
  bad_positions.outputs = {f.x, f.z};
  bad_positions.positions = {0};
  EXPECT_THROW(Schedule::build(f.g, bad_positions), InternalError);
  KernelSpec negative;
  negative.outputs = {f.x};
  negative.positions = {-1};
  EXPECT_THROW(Schedule::build(f.g, negative), InternalError);
}

TEST(LeafDependencies, SortedLeafIndicesPerRoot) {
  Graph g;
  const NodeId y0 = g.state(0), y1 = g.state(1), y2 = g.state(2), p0 = g.param(0), p1 = g.param(1);
  const NodeId f0 = g.add(g.mul(y2, p0), g.mul(y0, y2));  // states {0, 2}, params {0}
  const NodeId f1 = p1;                                   // states {}, params {1}
  const NodeId f2 = g.mul(g.unary(Op::kSin, y1), y1);     // states {1}, params {}
  const auto states = leaf_dependencies(g, {f0, f1, f2}, Op::kState);
  const auto params = leaf_dependencies(g, {f0, f1, f2}, Op::kParam);
  EXPECT_EQ(states, (std::vector<std::vector<int>>{{0, 2}, {}, {1}}));
  EXPECT_EQ(params, (std::vector<std::vector<int>>{{0}, {1}, {}}));
}

}  // namespace
}  // namespace tolsim::expr
