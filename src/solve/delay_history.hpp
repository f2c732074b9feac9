// The past of the state vector, for delay(): CVODES' own interpolating polynomial of every step taken, plus
// constant pieces for the initial state and the state after each discontinuity (events, doses).
//
// Each record covers the times after the previous record's end up to its own end. A query before the first record
// takes the first record: the initial state, until forget_before drops it (the caller then never asks that far
// back). One after the last record extends the last polynomial (CVODES' predictor), which only happens when a step
// is longer than a delay.
#pragma once

#include <deque>
#include <vector>

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

}  // namespace tolsim::detail
