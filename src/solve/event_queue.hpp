// Event executions waiting for their time: delayed executions, and zero-delay ones waiting for their turn at the
// current time.
#pragma once

#include <optional>
#include <vector>

namespace tolsim::detail {

struct PendingExecution {
  int event = -1;
  double time = 0.0;           // when it executes
  bool has_values = false;     // true: assignment values were computed at trigger time
  std::vector<double> values;  // one per assignment, when has_values
  long sequence = 0;           // order of firing; breaks ties between executions of one event
};

class EventQueue {
 public:
  void schedule(PendingExecution execution);
  // Drops every pending execution of `event` (a non-persistent event whose trigger became false).
  void cancel(int event);
  // The earliest execution time, if any.
  std::optional<double> next_time() const;
  // Indices (into pending()) of the executions due at or before `t`.
  std::vector<std::size_t> due(double t) const;
  const std::vector<PendingExecution>& pending() const { return pending_; }
  PendingExecution take(std::size_t index);
  bool empty() const { return pending_.empty(); }

 private:
  std::vector<PendingExecution> pending_;
  long next_sequence_ = 0;
};

}  // namespace tolsim::detail
