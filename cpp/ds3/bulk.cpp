#include "ds3/bulk.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "auth/crc32c_observer.h"
#include "auth/encoding.h"
#include "auth/hashes.h"
#include "ds3/validate.h"

namespace storewire::ds3 {

namespace {

using Clock = std::chrono::steady_clock;

enum class State { Pending, Queued, InFlight, Done };

struct Blob {
  std::string name;
  const BulkFile* source = nullptr;  // the local file or buffer
  const std::string* path = nullptr;  // PUT: the source file; GET: its partial file
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  State state = State::Pending;
  int failures = 0;
  std::shared_ptr<auth::Crc32cObserver> crc;  // GET: checksum of the bytes received
  // PUT, one pass: the blob read into memory once, hashed there and sent from there.
  // Declared before checksum_job, so a running job is waited for before this is freed.
  std::unique_ptr<char[]> body;
  std::future<std::string> checksum_job;  // PUT: computed ahead, off the loop thread
  std::string checksum;                   // PUT: base64 value once known
};

struct InFlight {
  std::size_t blob;
  std::shared_ptr<http::Batch> batch;
  std::shared_ptr<const http::RequestSpec> spec;
};

std::string blob_key(const std::string& name, std::uint64_t offset) {
  return name + '\n' + std::to_string(offset);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A PUT with a checksum must hash the whole blob before its request starts. File blobs up
// to this size are read into memory once, hashed there and sent from that copy (one open
// and one read instead of two of each, and the bytes sent are the bytes hashed). Larger
// blobs are hashed from the file and read again to send: a copy of them has left the cache
// by the time it is sent, and copying it into curl's buffer then costs more than reading
// the file again (benchmarks/README.md, issue 17). At most 2 x workers such buffers exist
// (the blobs in flight and those hashed ahead), 16 MiB for the default 8 workers.
constexpr std::uint64_t kOnePassMaxBlob = 1u << 20;

// Exactly [offset, offset + length) of the file, or an Io error (a file that shrank too).
void read_range(const std::string& path, std::uint64_t offset, std::uint64_t length, char* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::Io, "cannot open " + path + ": " + std::strerror(errno));
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd, out + done, static_cast<std::size_t>(length - done),
                                static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int err = got < 0 ? errno : 0;
      ::close(fd);
      throw Error(ErrorKind::Io, err ? "cannot read " + path + ": " + std::strerror(err)
                                     : path + " ends at byte " + std::to_string(offset + done) +
                                           ", before its blob " + std::to_string(offset) + "+" +
                                           std::to_string(length) + " does");
    }
    done += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
}

bool retryable(const http::Result& r) {
  if (r.failure) {
    const auto k = r.failure->kind;
    return k == ErrorKind::Connection || k == ErrorKind::Protocol || k == ErrorKind::Timeout;
  }
  return r.status >= 500 || r.status == 307 || r.status == 408 || r.status == 429;
}

// The engine's state for one run(); all on the calling thread.
class Run {
 public:
  Run(Client& client, Direction dir, const std::string& bucket,
      const std::vector<BulkFile>& files, const BulkOptions& options, std::atomic<bool>& cancelled,
      const Checkpoint& checkpoint, const ProgressFn& progress)
      : client_(client), dir_(dir), bucket_(bucket), files_(files), o_(options),
        cancelled_(cancelled), checkpoint_(checkpoint), progress_(progress) {
    if (o_.workers < 1) o_.workers = 1;
    for (const auto& f : files_) sources_[f.name] = &f;
  }

  Job start() {
    if (!o_.job_id.empty()) {
      Job job = client_.get_job(o_.job_id, checkpoint_);
      const std::string want = dir_ == Direction::Put ? "PUT" : "GET";
      if (job.request_type != want)
        throw Error(ErrorKind::InvalidArgument,
                    "job " + o_.job_id + " is a " + job.request_type + " job, not " + want);
      if (!job.bucket_name.empty() && job.bucket_name != bucket_)
        throw Error(ErrorKind::InvalidArgument,
                    "job " + o_.job_id + " belongs to bucket " + job.bucket_name);
      if (job.status == "CANCELED")
        throw Error(ErrorKind::InvalidArgument, "job " + o_.job_id + " was canceled");
      return job;
    }
    if (dir_ == Direction::Put) {
      std::vector<std::pair<std::string, std::uint64_t>> objects;
      for (const auto& f : files_) {
        std::uint64_t size = 0;
        if (f.size) {
          size = *f.size;
        } else if (f.buffer) {
          size = f.buffer_size;
        } else {
          std::error_code ec;
          size = std::filesystem::file_size(f.path, ec);
          if (ec) throw Error(ErrorKind::Io, "cannot stat " + f.path + ": " + ec.message());
        }
        objects.emplace_back(f.name, size);
        declared_[f.name] = size;
      }
      BulkPutOptions po;
      po.max_upload_size = o_.max_upload_size;
      po.priority = o_.priority;
      po.name = o_.name;
      return client_.start_bulk_put(bucket_, objects, po, checkpoint_);
    }
    std::vector<std::string> names;
    for (const auto& f : files_) names.push_back(f.name);
    BulkGetOptions go;
    go.in_order = o_.in_order;
    go.priority = o_.priority;
    go.name = o_.name;
    return client_.start_bulk_get(bucket_, names, go, checkpoint_);
  }

  void plan(const Job& job) {
    job_id_ = job.job_id;
    // Everything the server said is checked before a byte moves or a file is created.
    ObjectLimitMap limits;
    for (const auto& f : files_) {
      ObjectLimits& l = limits[f.name];
      if (dir_ == Direction::Put) {
        auto d = declared_.find(f.name);
        if (d != declared_.end()) l.size = d->second;
        if (f.buffer) l.capacity = f.buffer_size;
      } else if (f.buffer) {
        l.capacity = f.buffer_size;
      }
    }
    check_job_plan(job, limits, /*complete=*/o_.job_id.empty());
    std::map<std::string, std::uint64_t> sizes;
    for (const auto& chunk : job.chunks) {
      chunk_order_.push_back(chunk.chunk_id);
      for (const auto& b : chunk.objects) {
        auto p = sources_.find(b.name);
        if (p == sources_.end())
          throw Error(ErrorKind::InvalidArgument,
                      "job " + job.job_id + " holds object '" + b.name + "' but no local file was given for it");
        const std::string key = blob_key(b.name, b.offset);
        if (index_.count(key)) continue;
        index_[key] = blobs_.size();
        chunk_blobs_[chunk.chunk_id].push_back(blobs_.size());
        blobs_.push_back(Blob{b.name, p->second, &p->second->path, b.offset, b.length});
        ++pending_;
        result_.bytes_total += b.length;
        ++result_.blobs_total;
        auto& s = sizes[b.name];
        s = std::max(s, b.offset + b.length);
        // A resumed PUT: blobs the server already holds are done.
        if (dir_ == Direction::Put && b.in_cache && !o_.job_id.empty()) finish(blobs_.size() - 1, true);
      }
    }
    if (dir_ == Direction::Get) {
      for (const auto& [name, size] : sizes) {
        const BulkFile& source = *sources_[name];
        if (source.buffer && source.buffer_size < size)  // check_job_plan made sure
          throw Error(ErrorKind::BufferTooSmall, "the buffer for '" + name + "' is too small");
        if (!source.buffer) open_partial(source);
      }
      for (Blob& b : blobs_) {
        if (!b.source->buffer) b.path = &partials_.at(b.source->path);
      }
    }
  }

  // GET into a file: the bytes land in ".<name>.<job>.partial" beside the destination,
  // which gets its final name only when the whole job succeeded.
  void open_partial(const BulkFile& source) {
    if (partials_.count(source.path)) return;
    const std::filesystem::path dest(source.path);
    std::filesystem::path partial = dest.parent_path() /
        ("." + dest.filename().string() + "." + job_id_ + ".partial");
    // A resumed job continues its own partial file; a fresh one never reuses a file.
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (o_.job_id.empty() ? O_EXCL : 0);
    const int fd = ::open(partial.c_str(), flags, 0644);
    if (fd < 0)
      throw Error(ErrorKind::Io, "cannot create " + partial.string() + ": " + std::strerror(errno));
    ::close(fd);
    partials_[source.path] = partial.string();
  }

  // Success: every partial file takes its final name.
  void commit_partials() {
    for (const auto& [dest, partial] : partials_) {
      if (std::rename(partial.c_str(), dest.c_str()) != 0)
        throw Error(ErrorKind::Io, "cannot rename " + partial + " to " + dest + ": " +
                                       std::strerror(errno));
    }
    partials_.clear();
  }

  // Failure: nothing half-written stays behind unless the caller wants to resume.
  void drop_partials() noexcept {
    if (o_.keep_partial) return;
    for (const auto& [dest, partial] : partials_) std::remove(partial.c_str());
    partials_.clear();
  }

  void loop() {
    last_progress_ = Clock::now();
    while (done_count_ < blobs_.size() || !inflight_.empty()) {
      if (cancelled_) throw Error(ErrorKind::Cancelled, "the bulk transfer was cancelled");
      if (checkpoint_ && Clock::now() - last_checkpoint_ >= std::chrono::milliseconds(50)) {
        last_checkpoint_ = Clock::now();
        checkpoint_();  // takes the GIL in the binding: not on every turn of the loop
      }
      const std::uint64_t seen = completions_->count();  // before reap(): no lost wake-up
      reap();
      if (done_count_ == blobs_.size() && inflight_.empty()) break;
      if (queue_.empty() && Clock::now() >= next_poll_ && pending_count() > 0) poll();
      while (static_cast<int>(inflight_.size()) < o_.workers && !queue_.empty()) {
        std::size_t i = queue_.front();
        queue_.pop_front();
        launch(i);
      }
      prefetch_checksums();
      if (!inflight_.empty()) {
        completions_->wait_for(seen, std::chrono::milliseconds(50));
      } else if (queue_.empty()) {
        auto wait = std::min(next_poll_ - Clock::now(), std::chrono::duration_cast<Clock::duration>(
                                                            std::chrono::milliseconds(50)));
        if (wait.count() > 0) std::this_thread::sleep_for(wait);
      }
      if (o_.stall_timeout_s && seconds_since(last_progress_) > *o_.stall_timeout_s)
        throw Error(ErrorKind::Timeout, "no bulk progress for " +
                                            std::to_string(*o_.stall_timeout_s) + " s (job " +
                                            job_id_ + ")");
    }
  }

  // Stops every transfer still running and waits for them (they point at our specs).
  void abort() noexcept {
    for (auto& f : inflight_) {
      try {
        client_.http().cancel(f.batch);
      } catch (...) {
      }
    }
    for (auto& f : inflight_) {
      while (!f.batch->wait_for(std::chrono::milliseconds(50))) {
      }
    }
    inflight_.clear();
  }

  BulkResult& result() { return result_; }
  const std::string& job_id() const { return job_id_; }

 private:
  std::size_t pending_count() const { return pending_; }

  void enqueue(std::size_t i, bool front = false) {
    if (blobs_[i].state == State::Pending) --pending_;
    blobs_[i].state = State::Queued;
    if (front) {
      queue_.push_front(i);
    } else {
      queue_.push_back(i);
    }
  }

  void poll() {
    ChunksReady ready = client_.get_available_chunks(job_id_, std::nullopt, checkpoint_);
    if (ready.job.status == "CANCELED")
      throw Error(ErrorKind::Cancelled, "job " + job_id_ + " was canceled on the server");
    std::size_t added = 0;
    for (const auto& chunk : ready.job.chunks) {
      const bool known_chunk = chunk_blobs_.count(chunk.chunk_id) > 0;
      for (const auto& b : chunk.objects) {
        auto it = index_.find(blob_key(b.name, b.offset));
        check_listed_blob(job_id_, chunk.chunk_id, known_chunk, b,
                          it == index_.end() ? std::nullopt
                                             : std::optional<std::uint64_t>(blobs_[it->second].length));
        if (blobs_[it->second].state != State::Pending) continue;
        if (dir_ == Direction::Put && b.in_cache) {
          finish(it->second, true);
          continue;
        }
        enqueue(it->second);
        ++added;
      }
    }
    if (added) {
      idle_polls_ = 0;
      next_poll_ = Clock::now();
      return;
    }
    if (!inflight_.empty()) {
      next_poll_ = Clock::now() + std::chrono::milliseconds(200);
      return;
    }
    if (!ready.job.chunks.empty()) {  // listed, but nothing new for us yet
      if (++idle_polls_ > o_.max_idle_polls)
        throw Error(ErrorKind::Protocol,
                    "job " + job_id_ + ": the server listed ready chunks " +
                        std::to_string(idle_polls_) +
                        " times in a row without any blob left to move (max_idle_polls)",
                    "IDLE_POLLS");
      next_poll_ = Clock::now() + std::chrono::milliseconds(100);
      return;
    }
    idle_polls_ = 0;
    double wait = ready.retry_after_s > 0 ? ready.retry_after_s : 1.0;
    if (dir_ == Direction::Put && try_allocate(wait)) return;
    Job job = client_.get_job(job_id_, checkpoint_);
    if (job.status == "COMPLETED") {  // the server holds everything (e.g. a resumed job)
      for (std::size_t i = 0; i < blobs_.size(); ++i)
        if (blobs_[i].state == State::Pending) finish(i, true);
      return;
    }
    if (job.status == "CANCELED")
      throw Error(ErrorKind::Cancelled, "job " + job_id_ + " was canceled on the server");
    ++result_.retry_waits;
    wait = std::min(wait, o_.max_retry_after_s);
    next_poll_ = Clock::now() + std::chrono::milliseconds(static_cast<long>(wait * 1000));
  }

  // PUT: ask for the first chunk that still has pending blobs; true if it was granted.
  bool try_allocate(double& wait) {
    for (const auto& id : chunk_order_) {
      const auto& members = chunk_blobs_[id];
      bool pending = std::any_of(members.begin(), members.end(),
                                 [&](std::size_t i) { return blobs_[i].state == State::Pending; });
      if (!pending) continue;
      Allocation a = client_.allocate_chunk(id, checkpoint_);
      if (!a.allocated) {
        if (a.retry_after_s > 0) wait = a.retry_after_s;
        return false;
      }
      for (const auto& b : a.chunk.objects) {
        auto it = index_.find(blob_key(b.name, b.offset));
        check_listed_blob(job_id_, id, true, b,
                          it == index_.end() ? std::nullopt
                                             : std::optional<std::uint64_t>(blobs_[it->second].length));
      }
      ++result_.chunks_allocated;
      for (std::size_t i : members)
        if (blobs_[i].state == State::Pending) enqueue(i);
      next_poll_ = Clock::now();
      return true;
    }
    return false;
  }

  // A PUT's checksum header needs the whole blob hashed before the request starts:
  // hash the next blobs in the queue on other threads while the current ones transfer.
  void prefetch_checksums() {
    if (dir_ != Direction::Put || o_.checksum.empty()) return;
    int ahead = 0;
    for (std::size_t i : queue_) {
      if (++ahead > o_.workers) break;
      Blob& b = blobs_[i];
      if (b.length == 0 || !b.checksum.empty() || b.checksum_job.valid()) continue;
      b.checksum_job = std::async(std::launch::async, hash_job(b));
    }
  }

  bool one_pass(const Blob& b) const {
    return !b.source->buffer && b.length > 0 && b.length <= kOnePassMaxBlob;
  }

  // The work that yields a blob's base64 checksum; for a one-pass blob it also fills b.body
  // (allocated here, on the loop thread, and written only by the job).
  std::function<std::string()> hash_job(Blob& b) {
    const auto algorithm = auth::hash_algorithm_from_name(o_.checksum);
    const BulkFile* src = b.source;
    const std::uint64_t offset = b.offset, length = b.length;
    if (one_pass(b)) {
      if (!b.body) b.body = take_body();
      char* body = b.body.get();
      return [algorithm, src, offset, length, body] {
        read_range(src->path, offset, length, body);
        return auth::base64_encode(auth::digest(algorithm, body, length));
      };
    }
    // check_job_plan made sure that offset + length lies inside the buffer.
    return [algorithm, src, offset, length] {
      const std::string raw =
          src->buffer ? auth::digest(algorithm, src->buffer + offset, length)
                      : auth::hash_file(algorithm, src->path, offset, length, {});
      return auth::base64_encode(raw);
    };
  }

  // One-pass buffers are reused: a fresh one would be page-faulted in on every blob.
  std::unique_ptr<char[]> take_body() {
    if (free_bodies_.empty()) return std::unique_ptr<char[]>(new char[kOnePassMaxBlob]);
    auto body = std::move(free_bodies_.back());
    free_bodies_.pop_back();
    return body;
  }

  void release_body(Blob& b) {
    if (!b.body) return;
    if (b.checksum_job.valid()) b.checksum_job.wait();  // still writing into it
    free_bodies_.push_back(std::move(b.body));
  }

  void launch(std::size_t i) {
    Blob& b = blobs_[i];
    std::shared_ptr<http::RequestSpec> spec;
    if (dir_ == Direction::Put) {
      PutObjectRequest r;
      r.bucket = bucket_;
      r.key = b.name;
      r.job = job_id_;
      r.offset = b.offset;
      if (b.length > 0 && !o_.checksum.empty() && one_pass(b)) {
        // Hashed ahead (or now, if the loop got here first) from the copy sent below.
        if (b.checksum.empty()) b.checksum = b.checksum_job.valid() ? b.checksum_job.get()
                                                                   : hash_job(b)();
        r.body.kind = http::BodySource::Kind::Buffer;
        r.body.data = b.body.get();
        r.body.size = b.length;
      } else if (b.length > 0 && b.source->buffer) {
        if (checked_end(b.offset, b.length, b.name) > b.source->buffer_size)  // defence in depth
          throw Error(ErrorKind::Protocol, "blob of '" + b.name + "' lies outside the buffer");
        r.body.kind = http::BodySource::Kind::Buffer;
        r.body.data = b.source->buffer + b.offset;
        r.body.size = b.length;
      } else if (b.length > 0) {
        r.body.kind = http::BodySource::Kind::File;
        r.body.path = b.source->path;
        r.body.offset = b.offset;
        r.body.length = b.length;
      }
      r.checksum_algorithm = o_.checksum;
      if (b.checksum.empty() && b.checksum_job.valid()) b.checksum = b.checksum_job.get();
      r.checksum = b.checksum;
      spec = client_.put_object_request(r, checkpoint_);
    } else {
      GetObjectRequest r;
      r.bucket = bucket_;
      r.key = b.name;
      r.job = job_id_;
      r.offset = b.offset;
      if (b.source->buffer) {
        if (checked_end(b.offset, b.length, b.name) > b.source->buffer_size)  // defence in depth
          throw Error(ErrorKind::Protocol, "blob of '" + b.name + "' lies outside the buffer");
        r.sink.kind = http::BodySink::Kind::Buffer;
        r.sink.data = b.source->buffer + b.offset;
        r.sink.capacity = b.length;
      } else {
        r.sink.kind = http::BodySink::Kind::File;
        r.sink.path = *b.path;
        r.sink.offset = b.offset;
      }
      spec = client_.get_object_request(r);
      // CRC32C of the blob as it arrives: verify() then needs no second read of the file.
      b.crc = std::make_shared<auth::Crc32cObserver>();
      spec->observer = b.crc;
    }
    b.state = State::InFlight;
    inflight_.push_back(InFlight{i, client_.http().submit({spec}, completions_), spec});
  }

  void reap() {
    for (std::size_t k = 0; k < inflight_.size();) {
      if (!inflight_[k].batch->done()) {
        ++k;
        continue;
      }
      InFlight f = std::move(inflight_[k]);
      inflight_.erase(inflight_.begin() + static_cast<long>(k));
      complete(f.blob, f.batch->results()[0]);
    }
  }

  void retry_or_throw(std::size_t i, const http::Result& r, const std::string& op) {
    Blob& b = blobs_[i];
    if (++b.failures <= o_.blob_retries && retryable(r)) {
      ++result_.blob_retries;
      enqueue(i, true);
      return;
    }
    Client::raise(r, op, bucket_ + "/" + b.name + " @" + std::to_string(b.offset));
  }

  void complete(std::size_t i, const http::Result& r) {
    Blob& b = blobs_[i];
    const std::string op = dir_ == Direction::Put ? "bulk put" : "bulk get";
    if (r.failure || r.status >= 300) return retry_or_throw(i, r, op);
    if (dir_ == Direction::Get) {
      if (r.bytes_received != b.length) {
        http::Result bad = r;
        bad.failure = http::TransportFailure{ErrorKind::Protocol,
                                             "short blob: " + std::to_string(r.bytes_received) +
                                                 " of " + std::to_string(b.length) + " bytes",
                                             ""};
        return retry_or_throw(i, bad, op);
      }
      if (o_.verify && !verify(b, r)) {
        if (++b.failures <= o_.blob_retries) {
          ++result_.blob_retries;
          enqueue(i, true);
          return;
        }
        StatusErrorInfo info;
        info.code = "ChecksumMismatch";
        info.message = "the checksum of blob " + b.name + " @" + std::to_string(b.offset) +
                       " does not match the server's";
        info.operation = op;
        info.resource = bucket_ + "/" + b.name;
        throw StatusError(std::move(info));
      }
    }
    ++result_.blobs_transferred;
    result_.bytes_transferred += b.length;
    finish(i, false);
  }

  bool verify(const Blob& b, const http::Result& r) {
    ObjectInfo info;
    read_object_headers(r, info);
    if (info.checksum.empty()) return true;
    const std::string alg = checksum_algorithm(info.checksum_type);
    if (alg.empty()) return true;
    const auto algorithm = auth::hash_algorithm_from_name(alg);
    if (algorithm == auth::HashAlgorithm::Crc32c && b.crc)
      return auth::base64_encode(b.crc->digest()) == info.checksum;
    const std::string raw =
        b.source->buffer
            ? auth::digest(algorithm, b.source->buffer + b.offset, b.length)
            : auth::hash_file(algorithm, *b.path, b.offset, b.length, checkpoint_);
    return auth::base64_encode(raw) == info.checksum;
  }

  void finish(std::size_t i, bool skipped) {
    Blob& b = blobs_[i];
    if (b.state == State::Pending) --pending_;
    b.state = State::Done;
    release_body(b);
    ++done_count_;
    bytes_done_ += b.length;
    if (skipped) ++result_.blobs_skipped;
    last_progress_ = Clock::now();
    if (progress_) {
      BulkProgress p;
      p.job_id = job_id_;
      p.name = b.name;
      p.offset = b.offset;
      p.length = b.length;
      p.skipped = skipped;
      p.bytes_done = bytes_done_;
      p.bytes_total = result_.bytes_total;
      p.blobs_done = done_count_;
      p.blobs_total = result_.blobs_total;
      progress_(p);
    }
  }

  Client& client_;
  Direction dir_;
  const std::string& bucket_;
  const std::vector<BulkFile>& files_;
  BulkOptions o_;
  std::atomic<bool>& cancelled_;
  const Checkpoint& checkpoint_;
  const ProgressFn& progress_;

  std::unordered_map<std::string, const BulkFile*> sources_;
  std::unordered_map<std::string, std::uint64_t> declared_;  // PUT: sizes sent in the job request
  std::map<std::string, std::string> partials_;               // GET: destination -> partial file
  int idle_polls_ = 0;
  std::string job_id_;
  std::vector<Blob> blobs_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::string> chunk_order_;
  std::unordered_map<std::string, std::vector<std::size_t>> chunk_blobs_;
  std::deque<std::size_t> queue_;
  std::vector<InFlight> inflight_;
  std::vector<std::unique_ptr<char[]>> free_bodies_;  // PUT: one-pass buffers to reuse
  // Notified by every blob batch that completes: the loop sleeps on it, not on a batch.
  std::shared_ptr<http::CompletionSignal> completions_ = std::make_shared<http::CompletionSignal>();
  std::size_t done_count_ = 0;
  std::size_t pending_ = 0;  // blobs in State::Pending (not queued, sent or done)
  std::uint64_t bytes_done_ = 0;
  Clock::time_point next_poll_ = Clock::now();
  Clock::time_point last_progress_ = Clock::now();
  Clock::time_point last_checkpoint_ = Clock::now();
  BulkResult result_;
};

}  // namespace

BulkTransfer::BulkTransfer(Client& client, Direction direction, std::string bucket,
                           std::vector<BulkFile> files, BulkOptions options)
    : client_(client), direction_(direction), bucket_(std::move(bucket)),
      files_(std::move(files)), options_(std::move(options)) {
  if (files_.empty())
    throw Error(ErrorKind::InvalidArgument, "The bulk command requires a list of objects to process");
  if (!options_.checksum.empty() && options_.checksum != "none")
    checksum_header(options_.checksum);  // validates the name
  if (options_.checksum == "none") options_.checksum.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  job_id_ = options_.job_id;
}

std::string BulkTransfer::job_id() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return job_id_;
}

BulkResult BulkTransfer::run(const Checkpoint& checkpoint, const ProgressFn& progress) {
  const auto t0 = Clock::now();
  Run run(client_, direction_, bucket_, files_, options_, cancelled_, checkpoint, progress);
  Job job = run.start();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_id_ = job.job_id;
  }
  try {
    run.plan(job);
    run.loop();
    run.commit_partials();
  } catch (...) {
    run.abort();
    run.drop_partials();
    throw;
  }
  BulkResult r = run.result();
  r.job_id = job.job_id;
  r.seconds = seconds_since(t0);
  return r;
}

}  // namespace storewire::ds3
