// The HTTP engine: one libcurl multi handle driven by a private event-loop thread.
//
// Callers submit batches from any thread and wait on them; the loop keeps up to
// max_in_flight transfers running, reuses connections (the multi handle's pool),
// schedules retries, and completes each batch when all its transfers are over.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/batch.h"
#include "http/event_loop.h"
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

 private:
  void run();
  void take_submissions();
  bool start_ready();
  void start(std::unique_ptr<Transfer> t);
  bool reap();
  void retire(Transfer* t, CURLcode code);
  void complete(std::unique_ptr<Transfer> t);
  void apply_cancellations();
  long wait_ms() const;
  CURL* take_easy();
  void give_back_easy(CURL* easy);

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
  CURLM* multi_ = nullptr;
  std::unique_ptr<EventLoop> events_;
  std::thread loop_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};

  // Shared with submitting threads.
  std::mutex mutex_;
  std::vector<std::unique_ptr<Transfer>> submitted_;
  std::vector<std::shared_ptr<Batch>> cancel_requests_;
  bool closed_ = false;
  std::vector<DirectSlot> idle_direct_;
  std::vector<std::pair<Transfer*, CURLM*>> active_direct_;  // cancelled by close()

  // Loop thread only.
  std::deque<std::unique_ptr<Transfer>> ready_;      // FIFO of transfers waiting for a slot
  std::vector<std::unique_ptr<Transfer>> waiting_;   // retries waiting for their due time
  std::vector<std::unique_ptr<Transfer>> running_;
  std::vector<CURL*> idle_easy_;
};

}  // namespace storewire::http
