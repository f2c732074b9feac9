#include "solve/delay_history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

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

DelayedInputs::DelayedInputs(const CompiledModel& model, int n_state, std::size_t n_inputs, double t_start,
                             bool held_start_state)
    : model_(model),
      t_start_(t_start),
      held_start_state_(held_start_state),
      n_inputs_(n_inputs),
      history_(n_state),
      times_(model.delays.size(), 0.0) {
  // Sized once: a resize during fill_first would move the buffers the levels above are using.
  constexpr std::size_t kMaxNesting = 16;
  nested_y_.assign(kMaxNesting, std::vector<double>(static_cast<std::size_t>(n_state), 0.0));
  nested_u_.assign(kMaxNesting, std::vector<double>(n_inputs, 0.0));
}

void DelayedInputs::add_step(double t_end, double t_center, int order, const double* taylor) {
  const double previous_end = history_.empty() ? t_end : history_.last_time();
  history_.add_step(t_end, t_center, order, taylor);
  // Later queries come from times at or after the previous step's end (outputs and roots inside this step, the
  // next step's right-hand sides), so they reach back at most reach_ from there.
  if (reach_ >= 0.0) history_.forget_before(previous_end - reach_);
}

void DelayedInputs::fill(double t, const double* y, const double* p, double* u) {
  fill_first(t, y, p, u, model_.delays.size(), 0);
}

// The delays go in order, so that the earlier ones a later tau uses are already set; an x that uses earlier delays
// needs those at t - tau, one level down.
void DelayedInputs::fill_first(double t, const double* y, const double* p, double* u, std::size_t count,
                               std::size_t depth) {
  if (depth >= nested_y_.size())
    throw std::runtime_error(fmt::format("delay() nested more than {} deep", nested_y_.size()));
  const expr::Kernels& kernels = *model_.kernels;
  for (std::size_t k = 0; k < count; ++k) {
    const CompiledDelay& d = model_.delays[k];
    double tau = 0.0;
    kernels.eval(d.time_kernel, t, y, p, u, &tau);
    if (depth == 0) times_[k] = tau;
    if (!std::isfinite(tau) || tau < 0.0)
      throw DelayTimeError(
          fmt::format("{} has delay time {} at t = {}: a delay must be finite and >= 0", d.text, tau, t));
    double* out = &u[static_cast<std::size_t>(d.input)];
    if (tau == 0.0) {
      kernels.eval(d.kernel, t, y, p, u, out);
      continue;
    }
    const double at = t - tau;
    std::vector<double>& past = nested_y_[depth];
    history_.state_at(at, past.data());
    // Before the start, the past is what the initial values give then, unless the caller set the state.
    if (at < t_start_ && !held_start_state_) {
      kernels.eval(d.initial_kernel, at, past.data(), p, u, out);
      continue;
    }
    const double* inputs = u;
    if (d.nested) {
      std::vector<double>& earlier = nested_u_[depth];
      std::copy(u, u + n_inputs_, earlier.begin());
      fill_first(at, past.data(), p, earlier.data(), k, depth + 1);
      inputs = earlier.data();
    }
    kernels.eval(d.kernel, at, past.data(), p, inputs, out);
  }
}

double DelayedInputs::max_step(double asked) {
  // How far back each delay reads: its own time, plus, for an x that uses earlier delays, the farthest of those.
  double shortest = std::numeric_limits<double>::infinity();
  double farthest_so_far = 0.0;
  reach_ = 0.0;
  for (std::size_t k = 0; k < model_.delays.size(); ++k) {
    if (!model_.delays[k].constant_time) {
      reach_ = -1.0;
      continue;
    }
    if (times_[k] > 0.0) shortest = std::min(shortest, times_[k]);
    const double reach = times_[k] + (model_.delays[k].nested ? farthest_so_far : 0.0);
    farthest_so_far = std::max(farthest_so_far, reach);
    if (reach_ >= 0.0) reach_ = std::max(reach_, reach);
  }
  if (!std::isfinite(shortest)) return asked;
  return asked > 0.0 ? std::min(asked, shortest) : shortest;
}

}  // namespace tolsim::detail
