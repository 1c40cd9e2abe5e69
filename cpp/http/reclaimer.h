// Frees finished batches on an event-loop thread.
//
// A batch's results (bodies, header strings) are allocated by the loop thread that ran
// its transfers. Freed by the caller's thread instead, every one of those blocks goes back
// to the loop's malloc arena the slow way (arena lock, no thread cache), and the loop then
// allocates the next request's blocks the slow way too: the main cost of a small request
// in glibc's malloc. So the last reference to a batch hands it here, and the loop deletes
// it between two rounds of its own work.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "http/batch.h"

namespace storewire::http {

class Reclaimer {
 public:
  // Any thread. Deletes at once when no loop will drain any more.
  void give(Batch* batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!closed_) {
        pending_.push_back(batch);
        has_pending_.store(true, std::memory_order_release);
        return;
      }
    }
    delete batch;
  }

  // A loop thread, between rounds: deletes what was given so far.
  void drain() {
    if (!has_pending_.load(std::memory_order_acquire)) return;
    std::vector<Batch*> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      doomed.swap(pending_);
      has_pending_.store(false, std::memory_order_relaxed);
    }
    for (Batch* b : doomed) delete b;
  }

  // The loops have stopped: deletes the rest; later gives delete at once.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    has_pending_.store(true);
    drain();
  }

 private:
  std::mutex mutex_;
  std::vector<Batch*> pending_;
  bool closed_ = false;
  std::atomic<bool> has_pending_{false};
};

}  // namespace storewire::http
