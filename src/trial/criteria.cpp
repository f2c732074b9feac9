#include "trial/criteria.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tolsim/common/error.hpp"

namespace tolsim::trial::detail {

using expr::AstKind;
using expr::AstOp;

std::string check_criterion_syntax(const std::string& text) {
  try {
    (void)expr::parse_expression(text);
    return {};
  } catch (const expr::SyntaxError& e) {
    return fmt::format("'{}': column {}: {}", text, e.offset() + 1, e.what());
  }
}

std::string Criterion::bind(const std::string& text, const SlotResolver& resolve,
                            const std::vector<std::string>& known, const std::string& reference) {
  text_ = text;
  reference_ = reference;
  nodes_.clear();
  expr::AstPtr ast;
  try {
    ast = expr::parse_expression(text);
  } catch (const expr::SyntaxError& e) {
    return fmt::format("'{}': column {}: {}", text, e.offset() + 1, e.what());
  }
  std::string problems;
  root_ = lower(*ast, resolve, known, problems);
  return problems;
}

int Criterion::lower(const expr::Ast& ast, const SlotResolver& resolve, const std::vector<std::string>& known,
                     std::string& problems) {
  Node n;
  n.kind = ast.kind;
  n.op = ast.op;
  const auto add_problem = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  switch (ast.kind) {
    case AstKind::kNumber:
      n.number = ast.number;
      break;
    case AstKind::kSymbol:
      if (ast.name == "true" || ast.name == "false") {
        n.kind = AstKind::kNumber;
        n.number = ast.name == "true" ? 1.0 : 0.0;
        break;
      }
      n.slot = resolve(ast.name, false);
      if (n.slot < 0)
        add_problem(
            fmt::format("'{}' is not an observable or covariate{}", ast.name, did_you_mean(ast.name, known)));
      break;
    case AstKind::kCall:
      if (ast.name == reference_) {
        if (ast.args.size() != 1 || ast.args[0]->kind != AstKind::kSymbol) {
          add_problem(fmt::format("{}(...) takes one observable name", reference_));
          break;
        }
        n.kind = AstKind::kSymbol;
        n.baseline = true;
        n.slot = resolve(ast.args[0]->name, true);
        if (n.slot < 0)
          add_problem(fmt::format("{}({}): '{}' is not an observable{}", reference_, ast.args[0]->name,
                                  ast.args[0]->name, did_you_mean(ast.args[0]->name, known)));
        break;
      }
      n.call = ast.name;
      {
        static const std::vector<std::pair<std::string, std::size_t>> kFunctions = {
            {"abs", 1}, {"exp", 1}, {"log", 1}, {"sqrt", 1}, {"min", 2}, {"max", 2}};
        auto it = std::find_if(kFunctions.begin(), kFunctions.end(),
                               [&](const auto& f) { return f.first == ast.name; });
        if (it == kFunctions.end())
          add_problem(fmt::format("function '{}' is not available here (abs, exp, log, sqrt, min, max, {})",
                                  ast.name, reference_));
        else if (it->second != ast.args.size())
          add_problem(fmt::format("{}() takes {} argument(s)", ast.name, it->second));
      }
      [[fallthrough]];
    default:
      for (const auto& a : ast.args) n.args.push_back(lower(*a, resolve, known, problems));
  }
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

double Criterion::eval(const double* current, const double* baseline) const {
  return root_ < 0 ? NAN : eval_node(root_, current, baseline);
}

double Criterion::eval_node(int i, const double* current, const double* baseline) const {
  const Node& n = nodes_[static_cast<std::size_t>(i)];
  const auto arg = [&](std::size_t k) { return eval_node(n.args[k], current, baseline); };
  switch (n.kind) {
    case AstKind::kNumber:
      return n.number;
    case AstKind::kSymbol:
      return n.baseline ? baseline[n.slot] : current[n.slot];
    case AstKind::kUnary:
      switch (n.op) {
        case AstOp::kNeg:
          return -arg(0);
        case AstOp::kNot:
          return arg(0) == 0.0 ? 1.0 : 0.0;
        default:
          return arg(0);
      }
    case AstKind::kBinary: {
      const double a = arg(0), b = arg(1);
      switch (n.op) {
        case AstOp::kAdd:
          return a + b;
        case AstOp::kSub:
          return a - b;
        case AstOp::kMul:
          return a * b;
        case AstOp::kDiv:
          return a / b;
        case AstOp::kPow:
          return std::pow(a, b);
        case AstOp::kLt:
          return a < b;
        case AstOp::kLe:
          return a <= b;
        case AstOp::kGt:
          return a > b;
        case AstOp::kGe:
          return a >= b;
        case AstOp::kEq:
          return a == b;
        case AstOp::kNe:
          return a != b;
        case AstOp::kAnd:
          return (a != 0.0 && b != 0.0) ? 1.0 : 0.0;
        case AstOp::kOr:
          return (a != 0.0 || b != 0.0) ? 1.0 : 0.0;
        default:
          return NAN;
      }
    }
    case AstKind::kCall:
      if (n.call == "abs") return std::abs(arg(0));
      if (n.call == "exp") return std::exp(arg(0));
      if (n.call == "log") return std::log(arg(0));
      if (n.call == "sqrt") return std::sqrt(arg(0));
      if (n.call == "min") return std::min(arg(0), arg(1));
      if (n.call == "max") return std::max(arg(0), arg(1));
      return NAN;
  }
  return NAN;
}

}  // namespace tolsim::trial::detail
