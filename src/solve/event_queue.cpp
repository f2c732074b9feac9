#include "solve/event_queue.hpp"

#include <algorithm>

namespace tolsim::detail {

void EventQueue::schedule(PendingExecution execution) {
  execution.sequence = next_sequence_++;
  pending_.push_back(std::move(execution));
}

void EventQueue::cancel(int event) {
  std::erase_if(pending_, [event](const PendingExecution& p) { return p.event == event; });
}

std::optional<double> EventQueue::next_time() const {
  if (pending_.empty()) return std::nullopt;
  double t = pending_.front().time;
  for (const auto& p : pending_) t = std::min(t, p.time);
  return t;
}

std::vector<std::size_t> EventQueue::due(double t) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < pending_.size(); ++i)
    if (pending_[i].time <= t) out.push_back(i);
  return out;
}

PendingExecution EventQueue::take(std::size_t index) {
  PendingExecution out = std::move(pending_[index]);
  pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
  return out;
}

}  // namespace tolsim::detail
