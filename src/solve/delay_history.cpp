#include "solve/delay_history.hpp"

#include <algorithm>

namespace tolsim::detail {

// A restart before the end of the last step (a stop scheduled inside it) discards the rest of that step.
void DelayHistory::truncate_after(double t) {
  while (!records_.empty() && records_.back().t_end > t) {
    if (records_.size() > 1 && records_[records_.size() - 2].t_end >= t) {
      records_.pop_back();
    } else {
      records_.back().t_end = t;
      break;
    }
  }
}

void DelayHistory::add_point(double t, const double* y) {
  truncate_after(t);
  Record r;
  r.t_end = t;
  r.t_center = t;
  r.taylor.assign(y, y + n_);
  records_.push_back(std::move(r));
}

void DelayHistory::add_step(double t_end, double t_center, int order, const double* taylor) {
  truncate_after(t_end);
  Record r;
  r.t_end = t_end;
  r.t_center = t_center;
  r.order = std::max(order, 0);
  r.taylor.assign(taylor, taylor + static_cast<std::size_t>(r.order + 1) * n_);
  records_.push_back(std::move(r));
}

void DelayHistory::forget_before(double t_earliest) {
  while (records_.size() > 1 && records_.front().t_end < t_earliest) records_.pop_front();
}

void DelayHistory::state_at(double t, double* y) const {
  if (records_.empty()) return;
  // The first record that ends at or after t covers it; duplicates at a discontinuity give the earlier value
  // exactly at the jump.
  auto it = std::lower_bound(records_.begin(), records_.end(), t,
                             [](const Record& r, double time) { return r.t_end < time; });
  const Record& r = it == records_.end() ? records_.back() : *it;
  const double dt = t - r.t_center;
  for (std::size_t i = 0; i < n_; ++i) {
    // Horner from the highest order down.
    double v = 0.0;
    for (int k = r.order; k >= 0; --k) v = v * dt + r.taylor[static_cast<std::size_t>(k) * n_ + i];
    y[i] = v;
  }
}

}  // namespace tolsim::detail
