// A group of transfers submitted together; the submitting thread waits on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "http/types.h"

namespace storewire::http {

class Batch {
 public:
  explicit Batch(std::size_t count) : results_(count), remaining_(count) {}

  // Called by the event loop when one transfer is over for good.
  void complete(std::size_t index, Result result) {
    std::lock_guard<std::mutex> lock(mutex_);
    results_[index] = std::move(result);
    if (--remaining_ == 0) done_.notify_all();
  }

  // Waits up to `timeout`; true when every transfer has completed.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return done_.wait_for(lock, timeout, [&] { return remaining_ == 0; });
  }

  bool done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return remaining_ == 0;
  }

  // Only valid once done().
  std::vector<Result>& results() { return results_; }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Result> results_;
  std::size_t remaining_;
};

}  // namespace storewire::http
