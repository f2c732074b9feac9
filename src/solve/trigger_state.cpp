#include "solve/trigger_state.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tolsim::detail {

bool relation_from_sign(expr::Op op, double g) {
  switch (op) {
    case expr::Op::kGt:
      return g > 0.0;
    case expr::Op::kGe:
      return g >= 0.0;
    case expr::Op::kLt:
      return g < 0.0;
    case expr::Op::kLe:
      return g <= 0.0;
    case expr::Op::kEq:
      return g == 0.0;
    case expr::Op::kNe:
      return g != 0.0;
    default:
      break;
  }
  throw InternalError(fmt::format("relation with non-comparison operator {}", static_cast<int>(op)));
}

bool relation_after_crossing(expr::Op op, int direction) {
  switch (op) {
    case expr::Op::kGt:
    case expr::Op::kGe:
      return direction > 0;
    case expr::Op::kLt:
    case expr::Op::kLe:
      return direction < 0;
    // Equality holds exactly at the crossing, and only there.
    case expr::Op::kEq:
      return true;
    case expr::Op::kNe:
      return false;
    default:
      break;
  }
  throw InternalError(fmt::format("relation with non-comparison operator {}", static_cast<int>(op)));
}

std::string relation_owner(const CompiledModel& model, int k) {
  const auto uses = [k](const TriggerTerm& term) {
    return term.kind == TriggerTerm::Kind::kRelation && term.relation == k;
  };
  for (const auto& e : model.events)
    if (std::ranges::any_of(e.terms, uses)) return fmt::format("the trigger of event '{}'", e.name);
  if (model.fast_reaction && model.fast_reaction->watches(k))
    return fmt::format("the rate of fast reaction '{}'", model.fast_reaction->name);
  return fmt::format("relation {}", k);
}

TriggerState::TriggerState(const CompiledModel& model)
    : model_(model),
      value_(model.relations.size(), 0),
      crossing_(model.relations.size(), 0),
      g_at_crossing_(model.relations.size(), 0.0) {}

void TriggerState::begin_stop() {
  std::fill(crossing_.begin(), crossing_.end(), 0);
}

bool TriggerState::at_crossing(int k, double g) const {
  const auto i = static_cast<std::size_t>(k);
  return crossing_[i] != 0 && g == g_at_crossing_[i];
}

void TriggerState::update(std::span<const double> g, std::span<const int> crossing) {
  for (std::size_t k = 0; k < value_.size(); ++k) {
    const expr::Op op = model_.relations[k].op;
    if (at_crossing(static_cast<int>(k), g[k])) continue;
    if (crossing[k] != 0) {
      value_[k] = relation_after_crossing(op, crossing[k]);
      crossing_[k] = 1;
      g_at_crossing_[k] = g[k];
    } else {
      value_[k] = relation_from_sign(op, g[k]);
      crossing_[k] = 0;
    }
  }
}

bool TriggerState::trigger(int event) const {
  const CompiledEvent& e = model_.events[static_cast<std::size_t>(event)];
  return evaluate(e, e.root, 0);
}

bool TriggerState::evaluate(const CompiledEvent& event, int term, int depth) const {
  // The compiler builds trees; a cycle would be a bug, not a user error.
  if (term < 0 || static_cast<std::size_t>(term) >= event.terms.size() ||
      depth > static_cast<int>(event.terms.size()))
    throw InternalError(fmt::format("event '{}': malformed trigger formula", event.name));
  const TriggerTerm& t = event.terms[static_cast<std::size_t>(term)];
  switch (t.kind) {
    case TriggerTerm::Kind::kRelation:
      return relation(t.relation);
    case TriggerTerm::Kind::kConstant:
      return t.constant;
    case TriggerTerm::Kind::kAnd:
      for (const int c : t.children)
        if (!evaluate(event, c, depth + 1)) return false;
      return true;
    case TriggerTerm::Kind::kOr:
      for (const int c : t.children)
        if (evaluate(event, c, depth + 1)) return true;
      return false;
    case TriggerTerm::Kind::kXor: {
      bool odd = false;
      for (const int c : t.children) odd = odd != evaluate(event, c, depth + 1);
      return odd;
    }
    case TriggerTerm::Kind::kNot:
      if (t.children.size() != 1)
        throw InternalError(fmt::format("event '{}': 'not' needs one operand", event.name));
      return !evaluate(event, t.children.front(), depth + 1);
  }
  return false;
}

}  // namespace tolsim::detail
