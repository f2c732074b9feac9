// SBML algebraic rules (0 = f) as assignment rules.
//
// An algebraic rule determines one quantity that nothing else determines: a non-constant compartment, parameter or
// species that no assignment or rate rule sets, that no event assigns, and that is not a species changed by
// reactions (SBML Level 3 Version 2, section 4.11.4). Which rule determines which quantity is a matching between
// rules and such quantities, found here by augmenting paths. tolsim then solves each rule for its quantity x in
// closed form, which it can do when f is linear in x, f = a x + b with a and b free of x: x = -b / a. A rule that
// is not linear in any quantity it could determine is an error; so is a set of rules whose solutions depend on
// each other (a cycle of assignment rules, found by validation), which would need a simultaneous solve.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sbml/reader_impl.hpp"

namespace tolsim::sbml::detail {
namespace {

using expr::AstKind;
using expr::AstOp;

// f = a x + b. A null term is zero.
struct Linear {
  AstPtr a;
  AstPtr b;
};

AstPtr add(const AstPtr& p, const AstPtr& q) {
  if (!p) return q;
  if (!q) return p;
  return expr::make_binary(AstOp::kAdd, p, q);
}

AstPtr negate(const AstPtr& p) {
  return p ? expr::make_unary(AstOp::kNeg, p) : nullptr;
}

AstPtr times(const AstPtr& p, const AstPtr& factor) {
  return p ? expr::make_binary(AstOp::kMul, p, factor) : nullptr;
}

AstPtr divided(const AstPtr& p, const AstPtr& divisor) {
  return p ? expr::make_binary(AstOp::kDiv, p, divisor) : nullptr;
}

bool uses(const expr::Ast& f, const std::string& x) {
  const auto symbols = expr::symbols_used(f);
  return std::find(symbols.begin(), symbols.end(), x) != symbols.end();
}

// f as a x + b, or nullopt when f is not linear in x (x inside a function call, a power, a relation, or a product
// or quotient of two terms that both use x).
std::optional<Linear> linear_in(const AstPtr& f, const std::string& x) {
  if (!uses(*f, x)) return Linear{nullptr, f};
  switch (f->kind) {
    case AstKind::kSymbol:
      return Linear{number(1.0), nullptr};
    case AstKind::kUnary: {
      if (f->op == AstOp::kPlus) return linear_in(f->args[0], x);
      if (f->op != AstOp::kNeg) return std::nullopt;
      auto l = linear_in(f->args[0], x);
      if (!l) return std::nullopt;
      return Linear{negate(l->a), negate(l->b)};
    }
    case AstKind::kBinary: {
      auto l = linear_in(f->args[0], x);
      auto r = linear_in(f->args[1], x);
      if (!l || !r) return std::nullopt;
      switch (f->op) {
        case AstOp::kAdd:
          return Linear{add(l->a, r->a), add(l->b, r->b)};
        case AstOp::kSub:
          return Linear{add(l->a, negate(r->a)), add(l->b, negate(r->b))};
        case AstOp::kMul:
          if (l->a && r->a) return std::nullopt;
          if (r->a) return Linear{times(r->a, f->args[0]), times(r->b, f->args[0])};
          return Linear{times(l->a, f->args[1]), times(l->b, f->args[1])};
        case AstOp::kDiv:
          if (r->a) return std::nullopt;
          return Linear{divided(l->a, f->args[1]), divided(l->b, f->args[1])};
        default:
          return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

// Augmenting-path search (Kuhn's algorithm): tries to give rule r a quantity, moving earlier rules to another of
// their candidates where needed.
bool augment(std::size_t r, const std::vector<std::vector<std::string>>& candidates,
             std::map<std::string, std::size_t>& owner, std::set<std::string>& visited) {
  for (const auto& x : candidates[r]) {
    if (!visited.insert(x).second) continue;
    auto it = owner.find(x);
    if (it == owner.end() || augment(it->second, candidates, owner, visited)) {
      owner[x] = r;
      return true;
    }
  }
  return false;
}

}  // namespace

void solve_algebraic_rules(const std::vector<AlgebraicRule>& rules, model::Model& m,
                           Diagnostics& diagnostics) {
  if (rules.empty()) return;
  // Quantities that something other than an algebraic rule determines: rules, events and, for species that are
  // not boundary conditions, reactions.
  std::set<std::string> determined;
  for (const auto& r : m.rules) determined.insert(r.variable);
  for (const auto& e : m.events)
    for (const auto& a : e.assignments) determined.insert(a.variable);
  std::set<std::string> reacting;
  for (const auto& r : m.reactions) {
    for (const auto& s : r.reactants) reacting.insert(s.species);
    for (const auto& s : r.products) reacting.insert(s.species);
  }
  std::set<std::string> free;
  for (const auto& c : m.compartments)
    if (!c.constant && !determined.count(c.id)) free.insert(c.id);
  for (const auto& s : m.species)
    if (!s.constant && !determined.count(s.id) && (s.boundary || !reacting.count(s.id))) free.insert(s.id);
  for (const auto& p : m.parameters)
    if (!p.constant && !determined.count(p.id)) free.insert(p.id);

  // Each rule's candidates: the free quantities it uses and is linear in, in order of first use.
  std::vector<std::vector<std::string>> candidates(rules.size());
  std::vector<std::map<std::string, Linear>> forms(rules.size());
  for (std::size_t r = 0; r < rules.size(); ++r)
    for (const auto& x : expr::symbols_used(*rules[r].math.ast)) {
      if (!free.count(x)) continue;
      auto l = linear_in(rules[r].math.ast, x);
      if (!l || !l->a) continue;
      candidates[r].push_back(x);
      forms[r].emplace(x, std::move(*l));
    }
  // A boundary species is one the modeller means to hold: it is chosen only after the rule's other quantities
  // (SBML Test Suite case 01787, where S2 - S1 = 0 sets S1 to the boundary species S2).
  for (auto& c : candidates)
    std::stable_partition(c.begin(), c.end(), [&](const std::string& x) {
      return std::none_of(m.species.begin(), m.species.end(),
                          [&](const model::Species& s) { return s.id == x && s.boundary; });
    });
  std::map<std::string, std::size_t> owner;  // quantity -> rule that determines it
  for (std::size_t r = 0; r < rules.size(); ++r) {
    std::set<std::string> visited;
    if (augment(r, candidates, owner, visited)) continue;
    diagnostics.error(
        rules[r].location,
        candidates[r].empty()
            ? fmt::format(
                  "the algebraic rule 0 = {} is not linear in any quantity it could determine (a "
                  "non-constant compartment, parameter or species that nothing else sets); tolsim solves "
                  "only algebraic rules that are linear in their quantity",
                  expr::to_string(*rules[r].math.ast))
            : fmt::format(
                  "the algebraic rule 0 = {} has no quantity left to determine: the other algebraic rules "
                  "determine each of {}",
                  expr::to_string(*rules[r].math.ast), fmt::join(candidates[r], ", ")));
  }
  if (diagnostics.has_errors()) return;
  for (const auto& [x, r] : owner) {
    const Linear& l = forms[r].at(x);
    model::Rule out;
    out.kind = model::Rule::Kind::kAssignment;
    out.variable = x;
    // x = -b / a
    out.math =
        converted(expr::make_binary(AstOp::kDiv, l.b ? negate(l.b) : number(0.0), l.a), rules[r].location);
    out.location = rules[r].location;
    m.rules.push_back(std::move(out));
  }
}

}  // namespace tolsim::sbml::detail
