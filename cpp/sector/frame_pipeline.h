// Upload frames prepared ahead: a helper thread reads (and, for a SECURE file, encrypts)
// frame n+1 while the caller sends frame n, so encryption and sending overlap instead of
// taking turns. A few fixed buffers go round (a bounded queue: the reader never runs more
// than kSlots - 1 frames ahead). Every wait is bounded and lets the caller's checkpoint
// (Ctrl-C) through; the destructor stops the helper and joins it within one frame's work.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sector/crypto.h"
#include "storewire/checkpoint.h"

namespace storewire::sector {

class FramePipeline {
 public:
  static constexpr int kSlots = 3;

  // `source(buf, n)` fills buf with the next n bytes (on the helper thread); `cipher`
  // (may be null) encrypts each frame in order. Frames hold at most frame_size bytes.
  FramePipeline(std::function<void(char*, std::size_t)> source, FrameCipher* cipher,
                std::int64_t total, std::size_t frame_size)
      : source_(std::move(source)), cipher_(cipher), total_(total), frame_size_(frame_size) {
    std::size_t cap = static_cast<std::size_t>(
        std::min<std::int64_t>(std::max<std::int64_t>(total, 1), static_cast<std::int64_t>(frame_size)));
    for (int i = 0; i < kSlots; ++i) {
      slots_.emplace_back(cap + 8);  // + room for the cipher's padding
      free_.push_back(i);
    }
    worker_ = std::thread([this] { run(); });
  }

  ~FramePipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancel_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  FramePipeline(const FramePipeline&) = delete;
  FramePipeline& operator=(const FramePipeline&) = delete;

  // The next frame to send (its bytes stay valid until release()); false after the last.
  // Rethrows the helper's failure (e.g. the source's).
  bool next(const char*& data, std::size_t& size, const Checkpoint& cp) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!ready_.empty()) {
        data = slots_[static_cast<std::size_t>(ready_.front().first)].data();
        size = ready_.front().second;
        return true;
      }
      if (failed_) std::rethrow_exception(failed_);
      if (finished_) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (cp && ready_.empty()) {
        lock.unlock();
        cp();  // may throw (Ctrl-C): the destructor then stops the helper
        lock.lock();
      }
    }
  }

  // The frame from next() is sent: its buffer goes back to the helper.
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(ready_.front().first);
      ready_.pop_front();
    }
    cv_.notify_all();
  }

 private:
  void run() {
    try {
      std::int64_t done = 0;
      while (done < total_) {
        int slot;
        {
          std::unique_lock<std::mutex> lock(mu_);
          while (free_.empty() && !cancel_) cv_.wait_for(lock, std::chrono::milliseconds(100));
          if (cancel_) return;
          slot = free_.front();
          free_.pop_front();
        }
        std::size_t n = static_cast<std::size_t>(
            std::min<std::int64_t>(total_ - done, static_cast<std::int64_t>(frame_size_)));
        char* buf = slots_[static_cast<std::size_t>(slot)].data();
        source_(buf, n);
        std::size_t size = cipher_ ? cipher_->apply_in_place(buf, n) : n;
        done += static_cast<std::int64_t>(n);
        {
          std::lock_guard<std::mutex> lock(mu_);
          ready_.emplace_back(slot, size);
        }
        cv_.notify_all();
      }
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      failed_ = std::current_exception();
    }
    cv_.notify_all();
  }

  std::function<void(char*, std::size_t)> source_;
  FrameCipher* cipher_;
  const std::int64_t total_;
  const std::size_t frame_size_;
  std::vector<std::vector<char>> slots_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> free_;                            // buffers the helper may fill
  std::deque<std::pair<int, std::size_t>> ready_;  // (buffer, bytes) in order, for sending
  bool finished_ = false, cancel_ = false;
  std::exception_ptr failed_;
  std::thread worker_;  // last: starts once everything above exists
};

}  // namespace storewire::sector
