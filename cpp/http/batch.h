// A group of transfers submitted together; the submitting thread waits on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "http/types.h"

namespace storewire::http {

// Lets one thread sleep until any of many batches completes (e.g. a bulk engine with
// several blobs in flight), instead of polling each batch. `on_notify`, when given, also
// runs on each notify() (on the engine's thread: it must be quick and must not throw),
// e.g. to queue the batch on a Notifier that an asyncio loop watches.
class CompletionSignal {
 public:
  CompletionSignal() = default;
  explicit CompletionSignal(std::function<void()> on_notify) : on_notify_(std::move(on_notify)) {}

  void notify() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++count_;
    }
    changed_.notify_all();
    if (on_notify_) on_notify_();
  }
  std::uint64_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }
  // Waits until a notify() after `seen` (a value of count()) or the timeout.
  void wait_for(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return count_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t count_ = 0;
  std::function<void()> on_notify_;
};

class Batch {
 public:
  explicit Batch(std::size_t count, std::shared_ptr<CompletionSignal> signal = nullptr)
      : results_(count), remaining_(count), signal_(std::move(signal)) {}

  // Called by the event loop when one transfer is over for good.
  void complete(std::size_t index, Result result) {
    bool finished;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_[index] = std::move(result);
      finished = --remaining_ == 0;
    }
    if (finished) {
      done_.notify_all();
      if (signal_) signal_->notify();
    }
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
  std::shared_ptr<CompletionSignal> signal_;
};

}  // namespace storewire::http
