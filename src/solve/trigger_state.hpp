// The boolean value of every relation and every event trigger, with the crossing bookkeeping that SBML Level 3
// event semantics need.
//
// Between stops the solver knows relations only through the signs of their root functions g. At a stop, a relation
// that is *at its crossing* (CVODES located its root here, or a scheduled relation's time has come, or g is exactly
// zero and moving) takes the value it has just after the crossing, not the ambiguous value of g = 0. That value is
// kept while the relation's g stays where it was; once an assignment moves g, the sign of g decides again.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"

namespace tolsim::detail {

// The value of `lhs op rhs` from g = lhs - rhs.
bool relation_from_sign(expr::Op op, double g);
// The value just after a crossing in `direction` (+1: g rising, -1: g falling).
bool relation_after_crossing(expr::Op op, int direction);
// Where relation k comes from, for messages: "the trigger of event 'E'" or "the rate of fast reaction 'R'".
std::string relation_owner(const CompiledModel& model, int k);

class TriggerState {
 public:
  explicit TriggerState(const CompiledModel& model);

  // A new stop: forget the crossings of the previous stop.
  void begin_stop();
  // Updates every relation from g. `crossing[k]` is the direction of relation k's crossing at this time, or 0.
  // A relation already at its crossing with an unchanged g keeps its value; any other relation with a non-zero
  // direction takes its post-crossing value; the rest follow the sign of g.
  void update(std::span<const double> g, std::span<const int> crossing);

  bool relation(int k) const { return value_[static_cast<std::size_t>(k)] != 0; }
  // True when relation k's current value is fixed by a crossing at this stop (its g has not moved since).
  bool at_crossing(int k, double g) const;
  // The value of event e's trigger formula from the current relation values.
  bool trigger(int event) const;

 private:
  bool evaluate(const CompiledEvent& event, int term, int depth) const;

  const CompiledModel& model_;
  std::vector<char> value_;
  std::vector<char> crossing_;
  std::vector<double> g_at_crossing_;
};

}  // namespace tolsim::detail
