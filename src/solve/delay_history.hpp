// The past of the state vector, for delay(): CVODES' own interpolating polynomial of every step taken, plus
// constant pieces for the initial state and the state after each discontinuity (events, doses).
//
// Each record covers the times after the previous record's end up to its own end. A query before the first record
// takes the first record: the initial state, until forget_before drops it (the caller then never asks that far
// back). One after the last record extends the last polynomial (CVODES' predictor), which only happens when a step
// is longer than a delay.
#pragma once

#include <deque>
#include <stdexcept>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"

namespace tolsim::detail {

class DelayHistory {
 public:
  explicit DelayHistory(int n_states = 0) : n_(static_cast<std::size_t>(n_states)) {}

  // The state `y` from `t` on: the initial state, or the state after a discontinuity. Records always go forward in
  // time; one that ends after `t` (a step cut short by a restart) is cut back to `t`.
  void add_point(double t, const double* y);
  // A step of the solver: y(s) = sum_k taylor[k*n + i] (s - t_center)^k, k = 0 .. order, valid up to t_end.
  void add_step(double t_end, double t_center, int order, const double* taylor);
  // Forgets what no query at or after `t_earliest` can reach; the record covering it stays.
  void forget_before(double t_earliest);

  // y at time t (see above).
  void state_at(double t, double* y) const;

  bool empty() const { return records_.empty(); }
  double last_time() const { return records_.back().t_end; }
  std::size_t size() const { return records_.size(); }

 private:
  struct Record {
    double t_end = 0.0;
    double t_center = 0.0;
    int order = 0;
    std::vector<double> taylor;  // (order + 1) * n
  };
  void truncate_after(double t);

  std::size_t n_;
  std::deque<Record> records_;
};

// A delay time that is not a finite number >= 0. Inside a step CVODES may retry with a smaller one (a delay time that
// depends on the state can go negative at a Newton iterate); anywhere else it ends the run.
struct DelayTimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The values of a model's delay() calls, in u, from the history of one run.
class DelayedInputs {
 public:
  // `n_state` is the width of y (and of the history); `n_inputs` the size of u. Before `t_start` the past is what
  // the initial values give, unless `held_start_state` (the caller set the start state: it is held instead).
  DelayedInputs(const CompiledModel& model, int n_state, std::size_t n_inputs, double t_start,
                bool held_start_state);

  // History: the state from t on (the start, or after a discontinuity), and each step CVODES takes.
  void add_point(double t, const double* y) { history_.add_point(t, y); }
  void add_step(double t_end, double t_center, int order, const double* taylor);

  // Sets u for every delay(x, tau) at time t: x evaluated at t - tau on the state from the history. Throws
  // DelayTimeError for a bad delay time.
  void fill(double t, const double* y, const double* p, double* u);

  // After a fill at the start: the solver's longest step, given the one asked for (0: none), so that every delayed
  // time stays inside the history already made. Also fixes how far back the history must reach.
  double max_step(double asked);

 private:
  void fill_first(double t, const double* y, const double* p, double* u, std::size_t count,
                  std::size_t depth);

  const CompiledModel& model_;
  double t_start_;
  bool held_start_state_;
  std::size_t n_inputs_;
  DelayHistory history_;
  std::vector<double> times_;                             // each delay's time at the last fill
  std::vector<std::vector<double>> nested_y_, nested_u_;  // per nesting depth: the past state, its delays
  double reach_ =
      -1.0;  // >= 0 when every delay time is constant: how far back any delay reads (nested ones add
             // up); older history is forgotten
};

}  // namespace tolsim::detail
