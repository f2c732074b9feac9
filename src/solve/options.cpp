#include "tolsim/solve/options.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace tolsim {

namespace {

// "solver.<field> = <value>: <constraint>", the one format of every option problem (STYLE.md, habit 3).
template <typename T>
std::string problem(const char* field, T value, const char* constraint) {
  return fmt::format("solver.{} = {}: {}", field, value, constraint);
}

// Strict parsing: the whole string must be one number; no leading blanks, no trailing text, no nan or inf.
std::string parse_double(const std::string& text, double& out) {
  double value = 0.0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars rejects a leading '+', which people do write ("+1e-6").
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (text.empty() || ec == std::errc::invalid_argument || end != last)
    return fmt::format("expected a number, got '{}'", text);
  if (ec == std::errc::result_out_of_range || !std::isfinite(value))
    return fmt::format("expected a finite number, got '{}'", text);
  out = value;
  return {};
}

template <typename Int>
std::string parse_integer(const std::string& text, Int& out) {
  Int value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (text.empty() || ec == std::errc::invalid_argument || end != last)
    return fmt::format("expected a whole number, got '{}'", text);
  if (ec == std::errc::result_out_of_range) return fmt::format("'{}' is out of range", text);
  out = value;
  return {};
}

std::string parse_bool(const std::string& text, bool& out) {
  if (text == "true") {
    out = true;
    return {};
  }
  if (text == "false") {
    out = false;
    return {};
  }
  return fmt::format("expected 'true' or 'false', got '{}'", text);
}

const char* jacobian_name(SolverOptions::JacobianMode mode) {
  return mode == SolverOptions::JacobianMode::kAnalytic ? "analytic" : "fd";
}

const char* linear_solver_name(SolverOptions::LinearSolver solver) {
  switch (solver) {
    case SolverOptions::LinearSolver::kDense:
      return "dense";
    case SolverOptions::LinearSolver::kSparse:
      return "sparse";
    case SolverOptions::LinearSolver::kAuto:
      break;
  }
  return "auto";
}

// A setting for a double field; `member` points into SolverOptions.
SolverSetting double_setting(std::string name, std::string unit, std::string description,
                             double SolverOptions::*member) {
  return {std::move(name), std::move(unit), std::move(description),
          [member](const SolverOptions& o) { return fmt::format("{}", o.*member); },
          [member](SolverOptions& o, const std::string& text) { return parse_double(text, o.*member); }};
}

template <typename Int>
SolverSetting integer_setting(std::string name, std::string unit, std::string description,
                              Int SolverOptions::*member) {
  return {std::move(name), std::move(unit), std::move(description),
          [member](const SolverOptions& o) { return fmt::format("{}", o.*member); },
          [member](SolverOptions& o, const std::string& text) { return parse_integer(text, o.*member); }};
}

std::vector<SolverSetting> make_settings() {
  std::vector<SolverSetting> s;
  s.push_back(double_setting("rtol", "", "relative tolerance of the local error test (0 < rtol < 1)",
                             &SolverOptions::rtol));
  s.push_back(double_setting(
      "atol", "species unit",
      "absolute tolerance, in each species' (or quantity's) declared unit (>= 0); a species' own `atol:` "
      "in the model wins",
      &SolverOptions::atol));
  s.push_back(integer_setting(
      "max_steps", "", "maximum internal steps between two stops (outputs, doses, events); 0 means 100000",
      &SolverOptions::max_steps));
  s.push_back(double_setting("max_step", "model time unit", "largest step size; 0 means unlimited",
                             &SolverOptions::max_step));
  s.push_back(double_setting("initial_step", "model time unit", "first step size; 0 lets CVODES choose",
                             &SolverOptions::initial_step));
  s.push_back(integer_setting("max_order", "", "maximum BDF order (1..5)", &SolverOptions::max_order));
  s.push_back({"jacobian", "",
               "'analytic' (symbolic Jacobian) or 'fd' (CVODES' internal difference quotients)",
               [](const SolverOptions& o) { return std::string(jacobian_name(o.jacobian)); },
               [](SolverOptions& o, const std::string& text) -> std::string {
                 if (text == "analytic") {
                   o.jacobian = SolverOptions::JacobianMode::kAnalytic;
                   return {};
                 }
                 if (text == "fd") {
                   o.jacobian = SolverOptions::JacobianMode::kFiniteDifference;
                   return {};
                 }
                 return fmt::format("expected 'analytic' or 'fd', got '{}'", text);
               }});
  s.push_back(
      {"linear_solver", "",
       "'dense' (LU of the whole Jacobian), 'sparse' (KLU on its structural non-zeros; needs the analytic "
       "Jacobian) or 'auto' (sparse from 20 states)",
       [](const SolverOptions& o) { return std::string(linear_solver_name(o.linear_solver)); },
       [](SolverOptions& o, const std::string& text) -> std::string {
         for (auto solver : {SolverOptions::LinearSolver::kAuto, SolverOptions::LinearSolver::kDense,
                             SolverOptions::LinearSolver::kSparse}) {
           if (text == linear_solver_name(solver)) {
             o.linear_solver = solver;
             return {};
           }
         }
         return fmt::format("expected 'auto', 'dense' or 'sparse', got '{}'", text);
       }});
  s.push_back(
      {"enforce_nonnegative", "",
       "keep species declared non-negative >= 0 (CVODES inequality constraints): 'true' or 'false'",
       [](const SolverOptions& o) { return std::string(o.enforce_nonnegative ? "true" : "false"); },
       [](SolverOptions& o, const std::string& text) { return parse_bool(text, o.enforce_nonnegative); }});
  s.push_back(
      integer_setting("max_events_per_time", "",
                      "event executions allowed at one time point before the run fails as a cascade (>= 1)",
                      &SolverOptions::max_events_per_time));
  return s;
}

}  // namespace

std::vector<std::string> SolverOptions::problems() const {
  std::vector<std::string> out;
  // Negated comparisons so that NaN fails every check.
  if (!(rtol > 0.0))
    out.push_back(problem("rtol", rtol, "must be > 0"));
  else if (!(rtol < 1.0))
    out.push_back(problem("rtol", rtol, "must be < 1"));
  if (!(atol >= 0.0))
    out.push_back(problem("atol", atol, "must be >= 0"));
  else if (!std::isfinite(atol))
    out.push_back(problem("atol", atol, "must be finite"));
  if (max_steps < 0) out.push_back(problem("max_steps", max_steps, "must be >= 0"));
  if (!(max_step >= 0.0))
    out.push_back(problem("max_step", max_step, "must be >= 0"));
  else if (!std::isfinite(max_step))
    out.push_back(problem("max_step", max_step, "must be finite"));
  if (!(initial_step >= 0.0))
    out.push_back(problem("initial_step", initial_step, "must be >= 0"));
  else if (!std::isfinite(initial_step))
    out.push_back(problem("initial_step", initial_step, "must be finite"));
  if (max_order < 1 || max_order > 5)
    out.push_back(problem("max_order", max_order, "must be between 1 and 5"));
  if (max_events_per_time < 1)
    out.push_back(problem("max_events_per_time", max_events_per_time, "must be >= 1"));
  return out;
}

const std::vector<SolverSetting>& solver_settings() {
  // Immutable after first use (function-local static, thread-safe initialisation): a table, not mutable state.
  static const std::vector<SolverSetting> settings = make_settings();
  return settings;
}

}  // namespace tolsim
