// The HTTP engine: libcurl multi handles, each driven by a private event-loop thread.
//
// Callers submit batches from any thread and wait on them; the loops keep up to
// max_in_flight transfers running between them, reuse connections (each loop's multi
// handle has its pool), schedule retries, and complete each batch when all its transfers
// are over. Small requests all run on the first loop (its connections stay warm and one
// thread wakes per batch); large ones (file bodies or sinks, buffers of 1 MiB and more) go
// to the least-loaded of up to min(cores, 4) loops, so that receiving, checksumming and
// writing the bytes of several transfers use several cores. A client with a per-host
// connection limit keeps one loop, so that the limit holds exactly.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/batch.h"
#include "http/reclaimer.h"
#include "http/retry.h"
#include "http/types.h"

namespace storewire::http {

class Transfer;

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts all requests; the returned batch completes when every one is over.
  // Specs (and the memory they point to) must stay alive until then.
  // `signal`, when given, is notified when the batch completes.
  std::shared_ptr<Batch> submit(std::vector<std::shared_ptr<const RequestSpec>> specs,
                                std::shared_ptr<CompletionSignal> signal = nullptr);

  // Stops the batch's transfers; they complete with a Cancelled failure.
  void cancel(const std::shared_ptr<Batch>& batch);

  // Runs one request to completion on the calling thread's behalf (no GIL logic here).
  Result perform(std::shared_ptr<const RequestSpec> spec);

  // Runs one request on the calling thread itself, skipping the hand-off to the loop
  // thread (the fast path for sequential callers). Each concurrently calling thread
  // uses its own pooled handle and connection. `interrupted` is polled about every
  // 50 ms; when it returns true the request is cancelled.
  Result perform_direct(std::shared_ptr<const RequestSpec> spec,
                        const std::function<bool()>& interrupted);

  // Cancels everything and stops the loop thread. Idempotent.
  void close();

  int in_flight() const { return in_flight_.load(); }
  const ClientOptions& options() const { return options_; }
  // Event-loop threads this client may use (they start when first needed).
  int loop_count() const { return static_cast<int>(loops_.size()); }

 private:
  class Loop;  // one multi handle, its epoll loop and its thread (client.cpp)

  // A slot of max_in_flight, taken before a transfer starts on any loop.
  bool reserve_slot();
  // Gives a slot back and wakes the loops that may be waiting for one.
  void release_slot(const Loop* from);
  Loop& loop_for(const RequestSpec& spec);  // under mutex_

  // A private multi handle + easy handle (and so a private connection) for direct calls.
  struct DirectSlot {
    CURLM* multi = nullptr;
    CURL* easy = nullptr;
  };
  DirectSlot take_direct(Transfer* user);
  void give_back_direct(DirectSlot slot, Transfer* user);
  CURLcode drive_direct(const DirectSlot& slot, Transfer& t,
                        const std::function<bool()>& interrupted, bool& was_interrupted);
  bool wait_direct(double seconds, Transfer& t, const std::function<bool()>& interrupted);

  ClientOptions options_;
  RetryPolicy retry_;
  std::atomic<bool> stopping_{false};
  // Batches are deleted by a loop thread (reclaimer.h); outlives the client if need be.
  std::shared_ptr<Reclaimer> reclaimer_ = std::make_shared<Reclaimer>();
  std::atomic<int> in_flight_{0};
  std::vector<std::unique_ptr<Loop>> loops_;  // fixed at construction; [0] always runs

  // Shared with submitting threads.
  std::mutex mutex_;
  bool closed_ = false;
  std::vector<DirectSlot> idle_direct_;
  std::vector<std::pair<Transfer*, CURLM*>> active_direct_;  // cancelled by close()
};

}  // namespace storewire::http
