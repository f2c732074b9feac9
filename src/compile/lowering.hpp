// Private: classification of model quantities and lowering of expressions into the graph.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/expr/graph.hpp"
#include "tolsim/model/ir.hpp"

namespace tolsim::detail {

// How one named quantity is represented at run time.
struct Quantity {
  enum class Kind {
    kParameter,  // a constant in p
    kDerived,    // a constant in p, computed at the start from its initial-value expression
    kState,      // in y
    kAssigned,   // an assignment rule: inlined wherever it is used
  };
  Kind kind = Kind::kParameter;
  int slot = -1;                               // p index (kParameter, kDerived) or y index (kState)
  int initial_slot = -1;                       // kState with a numeric initial value: p index holding it
  const model::Expression* rule = nullptr;     // kAssigned
  const model::Expression* initial = nullptr;  // kDerived, or kState with an initial-value expression
  // Species stored as an amount whose equations use a concentration: value = y / compartment size.
  bool amount_of_concentration = false;
  bool initial_is_amount = false;  // concentration species whose numeric initial value is an amount
  std::string compartment;
};

enum class Mode { kDynamic, kInitial };

class Lowering {
 public:
  Lowering(const model::Model& model, expr::Graph& graph, const std::map<std::string, Quantity>& quantities,
           const std::map<std::string, int>& local_parameter_slots);

  // Value of an expression; `reaction` names the reaction whose local parameters are in scope (or empty).
  expr::NodeId lower(const model::Expression& e, Mode mode, const std::string& reaction = {});
  // Value of a named quantity.
  expr::NodeId symbol(const std::string& name, Mode mode);
  // Initial value of a state in the unit of y (amount for species stored as amounts).
  expr::NodeId initial_state_value(const std::string& name);

  // delay(x, tau) in dynamic equations becomes the input leaf u[first_input + k], k counting distinct calls in the
  // order met, so a delay's arguments use only earlier delays; the solver fills it from the history. In initial
  // values, delay(x, tau) is x: before the start, the past is what the initial values give.
  struct DelayCall {
    expr::NodeId value = expr::kNoNode;    // x
    expr::NodeId time = expr::kNoNode;     // tau
    expr::NodeId initial = expr::kNoNode;  // x as initial values give it (for times before the start)
    std::string text;
  };
  void set_first_delay_input(int first_input) { first_delay_input_ = first_input; }
  const std::vector<DelayCall>& delay_calls() const { return delays_; }

 private:
  struct Scope {
    Mode mode;
    const std::string* reaction;
    const std::map<std::string, expr::NodeId>* arguments;  // inside a user function
  };
  expr::NodeId lower_ast(const expr::Ast& node, const Scope& scope);
  expr::NodeId lower_call(const expr::Ast& node, const Scope& scope);
  expr::NodeId lower_delay(const expr::Ast& node, const Scope& scope, expr::NodeId value, expr::NodeId time);
  expr::NodeId compartment_size(const std::string& compartment, Mode mode);

  const model::Model& model_;
  expr::Graph& g_;
  const std::map<std::string, Quantity>& quantities_;
  const std::map<std::string, int>& local_slots_;  // "reaction/local" -> p index
  std::map<std::string, expr::NodeId> memo_[2];
  std::set<std::string> in_progress_[2];
  int depth_ = 0;
  int first_delay_input_ = -1;
  std::vector<DelayCall> delays_;
};

}  // namespace tolsim::detail
