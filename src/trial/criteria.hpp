// Private: criteria and conditions of a trial spec ("CRP >= 10 and age < 75", "TJC28 <= 0.5 * baseline(TJC28)").
//
// A criterion is parsed by the model-expression parser (never evaluated as text) and bound once to slots of a
// value vector; evaluation is then a small recursive walk. Comparisons and logic give 1 or 0.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tolsim/expr/ast.hpp"

namespace tolsim::trial::detail {

// "" when `text` parses; otherwise the problem with its column ("column 7: expected an operand").
std::string check_criterion_syntax(const std::string& text);

// Finds a name's slot: `baseline` is true inside baseline(...). Returns -1 for an unknown name.
using SlotResolver = std::function<int(const std::string& name, bool baseline)>;

class Criterion {
 public:
  // Parses and binds; returns "" or every problem (unknown names with suggestions from `known`).
  // `reference` names the function that reads the second value vector: baseline(X) in endpoints, untreated(X) in
  // screening criteria.
  std::string bind(const std::string& text, const SlotResolver& resolve,
                   const std::vector<std::string>& known, const std::string& reference = "baseline");
  // Values by slot: current[slot] for a name, baseline[slot] for baseline(name).
  double eval(const double* current, const double* baseline) const;
  bool holds(const double* current, const double* baseline) const { return eval(current, baseline) != 0.0; }
  const std::string& text() const { return text_; }

 private:
  struct Node {
    expr::AstKind kind = expr::AstKind::kNumber;
    expr::AstOp op = expr::AstOp::kNone;
    std::string call;
    double number = 0.0;
    int slot = -1;
    bool baseline = false;
    std::vector<int> args;
  };
  int lower(const expr::Ast& ast, const SlotResolver& resolve, const std::vector<std::string>& known,
            std::string& problems);
  double eval_node(int i, const double* current, const double* baseline) const;
  std::vector<Node> nodes_;
  int root_ = -1;
  std::string text_;
  std::string reference_ = "baseline";
};

}  // namespace tolsim::trial::detail
