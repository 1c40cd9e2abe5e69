// One request in flight: the curl easy handle, its callbacks, and its result.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "http/head.h"
#include "http/types.h"

namespace storewire::http {

class Batch;

class Transfer {
 public:
  Transfer(std::shared_ptr<const RequestSpec> spec, std::shared_ptr<Batch> batch,
           std::size_t index);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Sets the options that are the same for every request of a client; done once
  // per easy handle so that reuse does not reallocate curl's buffers.
  static void configure(CURL* easy, const ClientOptions& options);
  // Prepares a configured easy handle for a new attempt (opens files, sets the
  // per-request options). Returns false and records a failure when the request
  // cannot even start.
  bool prepare(CURL* easy, const ClientOptions& options);
  // Records the outcome of an attempt from curl's completion code.
  void finish(CURLcode code);
  // Marks the transfer as interrupted before completion (owning thread only).
  void cancel();
  // Asks the transfer to stop; safe from any thread. The owner then calls cancel().
  void interrupt() { cancelled_.store(true); }

  CURL* easy() const { return easy_; }
  CURL* release_easy();
  const RequestSpec& spec() const { return *spec_; }
  Result& result() { return result_; }
  Batch& batch() { return *batch_; }
  std::shared_ptr<Batch> batch_ptr() const { return batch_; }
  std::size_t index() const { return index_; }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  std::chrono::steady_clock::time_point due;  // when a scheduled retry may start

 private:
  static size_t on_read(char* buf, size_t size, size_t n, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);
  static size_t on_write(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  static int on_prereq(void* self, char* conn_primary_ip, char* conn_local_ip,
                       int conn_primary_port, int conn_local_port);

  bool open_files();
  void close_files();
  void reset_attempt();
  bool sink_accepts_body() const;
  bool flush_file();  // writes file_pending_ at its offset; false (errno kept) on failure
  bool write_file(const char* data, std::size_t size);  // the next bytes of the file sink
  void fail(ErrorKind kind, std::string message, std::string detail = {});

  std::shared_ptr<const RequestSpec> spec_;
  std::shared_ptr<Batch> batch_;
  std::size_t index_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  Result result_;
  char errbuf_[CURL_ERROR_SIZE] = {0};

  std::uint64_t body_length_ = 0;  // bytes to send
  std::uint64_t body_pos_ = 0;     // next byte to send
  int body_fd_ = -1;
  int sink_fd_ = -1;
  std::uint64_t sink_pos_ = 0;     // body bytes delivered to the sink this attempt
  std::string file_pending_;       // file sink: bytes not yet written
  std::uint64_t file_written_ = 0; // file sink: bytes written this attempt
  int local_errno_ = 0;            // errno of a failed local read/write
  bool overflow_ = false;          // the caller's buffer was too small
  ResponseHead head_;              // status line and headers of this attempt
  int sends_ = 0;                  // times curl sent this attempt (it may re-send by itself)
  bool resend_refused_ = false;    // a non-repeatable request met a dead connection
  std::string head_error_;         // why the server's head was refused, if it was
  std::atomic<bool> cancelled_{false};  // set from other threads (close, Ctrl-C)
};

}  // namespace storewire::http
