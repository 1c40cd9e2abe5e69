// The bulk transfer engine: runs a whole DS3 bulk job between local files and a bucket.
// It starts (or resumes) the job, polls the chunks that are ready
// honouring Retry-After (allocating PUT chunks when the server wants that), moves blobs in
// parallel straight between file ranges and the server through the shared HTTP engine,
// sends / verifies blob checksums, reports progress, and can be cancelled.
//
// Threads: run() works on the calling thread; transfers run on the HTTP engine's loop
// thread. The progress callback and the checkpoint are called on the calling thread and
// never while the engine holds a lock. cancel() and job_id() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ds3/client.h"

namespace storewire::ds3 {

enum class Direction { Put, Get };

struct BulkFile {
  std::string name;                   // object key
  // Local file. PUT: read. GET: written at blob offsets into a partial file beside it,
  // renamed to this path only when the whole job succeeded (all or nothing).
  std::string path;
  std::optional<std::uint64_t> size;  // PUT: taken from the file (or buffer) when unset
  // Instead of a file: memory owned by the caller that outlives run() (PUT: read; GET:
  // written at blob offsets, must hold the whole object).
  char* buffer = nullptr;
  std::uint64_t buffer_size = 0;
};

// The one place these defaults are declared: the bindings take None for "keep it" and
// Python reads them through storewire._native.ds3.bulk_defaults().
struct BulkOptions {
  int workers = 8;                    // blobs in flight
  std::string checksum = "crc32c";    // PUT: checksum header sent per blob ("" = none)
  bool verify = true;                 // GET: verify the blob checksum the server sends
  std::optional<std::uint64_t> max_upload_size;  // PUT: cap on the blob size
  std::string priority;
  std::string name;                   // job name
  bool in_order = false;              // GET: IN_ORDER chunk processing
  std::string job_id;                 // resume this job instead of starting a new one
  int blob_retries = 3;               // extra attempts per blob after the engine's own
  double max_retry_after_s = 60.0;    // cap on one Retry-After wait
  // Give up (Timeout) after this long without a blob finishing; unset: no bound. An hour
  // covers a cache that fills slowly; tape recalls that take longer need their own value.
  std::optional<double> stall_timeout_s = 3600.0;
  // Give up (Protocol) after this many polls in a row that list ready chunks yet bring
  // nothing new while nothing is in flight: a server that would keep the client spinning.
  int max_idle_polls = 600;
  // GET into files: keep the partial files (".<name>.<job>.partial", never under the final
  // name) when the transfer fails, so that resuming the job can fill them in.
  bool keep_partial = false;
};

struct BulkProgress {
  std::string job_id;
  std::string name;                   // the blob just finished
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool skipped = false;               // already done on the server (resume)
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t blobs_done = 0;
  std::uint64_t blobs_total = 0;
};

struct BulkResult {
  std::string job_id;
  std::uint64_t bytes_total = 0;
  std::uint64_t blobs_total = 0;
  std::uint64_t bytes_transferred = 0;
  std::uint64_t blobs_transferred = 0;
  std::uint64_t blobs_skipped = 0;
  std::uint64_t blob_retries = 0;     // blobs sent again after a failure or bad checksum
  std::uint64_t retry_waits = 0;      // Retry-After waits
  std::uint64_t chunks_allocated = 0;
  double seconds = 0;
};

using ProgressFn = std::function<void(const BulkProgress&)>;

class BulkTransfer {
 public:
  BulkTransfer(Client& client, Direction direction, std::string bucket,
               std::vector<BulkFile> files, BulkOptions options);

  // Runs the job to completion. Throws storewire::Error (Cancelled after cancel(), or
  // whatever the checkpoint/progress callback threw) with every transfer stopped first.
  BulkResult run(const Checkpoint& checkpoint = {}, const ProgressFn& progress = {});

  void cancel() noexcept { cancelled_ = true; }
  std::string job_id() const;
  Direction direction() const { return direction_; }

 private:
  Client& client_;
  Direction direction_;
  std::string bucket_;
  std::vector<BulkFile> files_;
  BulkOptions options_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;  // guards job_id_ only
  std::string job_id_;
};

}  // namespace storewire::ds3
