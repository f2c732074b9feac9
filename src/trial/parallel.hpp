// Private: a parallel loop over indices on a fixed number of threads.
//
// Work is handed out one index at a time from an atomic counter, so threads that finish early take more. Results
// must be written by index (never appended), which keeps them independent of scheduling. The first exception a
// task throws stops the hand-out and is rethrown in the caller after every thread has joined.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tolsim::trial::detail {

inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

// Calls task(i) for i in [0, n) until done or until *stop becomes true. Returns how many tasks completed; when
// stopped early, the completed indices are those whose task returned (the caller tracks them).
inline long parallel_for(long n, int threads, const std::atomic<bool>* stop,
                         const std::function<void(long)>& task) {
  std::atomic<long> next{0}, completed{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto worker = [&] {
    for (;;) {
      if (failed.load() || (stop && stop->load())) return;
      const long i = next.fetch_add(1);
      if (i >= n) return;
      try {
        task(i);
        completed.fetch_add(1);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true);
      }
    }
  };
  const int count = static_cast<int>(std::max<long>(1, std::min<long>(threads, n)));
  if (count == 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(count));
    for (int k = 0; k < count; ++k) pool.emplace_back(worker);
  }
  if (error) std::rethrow_exception(error);
  return completed.load();
}

}  // namespace tolsim::trial::detail
