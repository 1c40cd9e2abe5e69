// Files over the data channel: open through the master, then
// commands and data frames to the slaves. Upload / download move file <-> socket natively.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sector/crypto.h"
#include "sector/datachn.h"
#include "sector/protocol.h"

namespace storewire::sector {

class Client;

enum OpenMode : std::int32_t {
  kModeRead = 1,
  kModeWrite = 2,
  kModeTrunc = 4,
  kModeAppend = 8,
  kModeSecure = 16,
  kModeHiReliable = 32,
};

// One open file. Thread-safe (one operation at a time; other threads wait, and still see
// Ctrl-C). A call made on the same thread from inside another call of the same file (a
// download's sink calling tell() or read()) is refused at once with InvalidArgument,
// instead of waiting for itself for ever. Lives no longer than its Client.
// A read or download whose slave fails (broken connection, error frame, silence) moves
// once to another replica (reopen) for files opened without WRITE; a failed write
// is not retried and raises SectorError with the file's path.
class File {
 public:
  File(Client& client, std::string path, std::int32_t mode, OpenReply reply);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Reads up to n bytes at the current position (fewer at the end, empty at EOF).
  std::string read(std::int64_t n, const Checkpoint& cp);
  // Streams the rest of the file from the current position with cmd 3 (download): the
  // slave sends data frames back to back; each piece goes to `sink` as it arrives. Returns
  // the number of bytes. If `sink` throws, the rest of the stream is still drained (so the
  // data channel stays in step) before the exception propagates. After a failover the
  // stream resumes where the sink stopped: it never sees a byte twice.
  std::int64_t download(const std::function<void(const char*, std::size_t)>& sink,
                        const Checkpoint& cp);
  // Replaces the whole file with `total` bytes from `source(buf, n)` (which fills buf with
  // the next n bytes) with cmd 4 (upload): data frames back to back to the first replica,
  // then the sync log {0, total}. For a file opened for writing with TRUNC. `source` runs
  // on a helper thread (FramePipeline), one call at a time, while the previous frame is
  // sent; a SECURE file's frames are encrypted there too. If `source` throws, the file is
  // left closed (the slave's session cannot be resumed).
  // Ctrl-C in the middle of any call drops the slave's connection (out of step): the file
  // is then lost, later calls fail with E_CONNECTION and close() returns at once without
  // the close handshake (the slave ends the session when the connection goes); later
  // files connect afresh.
  std::int64_t upload(const std::function<void(char*, std::size_t)>& source, std::int64_t total,
                      const Checkpoint& cp);
  // Writes at the current position (append mode: at the end).
  void write(const char* data, std::size_t n, const Checkpoint& cp);
  void seek(std::int64_t pos);
  std::int64_t tell() const;
  std::int64_t size() const;
  void flush(const Checkpoint& cp);
  void close(const Checkpoint& cp);
  bool closed() const;
  const std::string& path() const { return path_; }
  std::int32_t transid() const { return reply_.transid; }
  // The slaves' (ip, data port) now serving this file (they change after a failover).
  std::vector<std::pair<std::string, std::int32_t>> slaves() const;

 private:
  void sync_locked(const Checkpoint& cp);
  void sync_exchange_locked(const std::string& log, std::int32_t mtime, const Checkpoint& cp);
  void set_chain_locked(const Checkpoint& cp);
  void connect_locked(const Checkpoint& cp);
  std::string read_once_locked(std::int64_t len, const Checkpoint& cp);
  void download_once_locked(std::int64_t offset, std::int64_t want,
                            const std::function<void(const char*, std::size_t)>& deliver,
                            const Checkpoint& cp);
  // Reopens on another replica: true if the file now has a new slave to retry with.
  bool fail_over_locked(const Checkpoint& cp);
  // Runs one exchange with the slaves; an exception other than a SectorError (Ctrl-C,
  // a protocol error) leaves the session lost (see lost_).
  template <class F>
  auto exchange_locked(F&& f) -> decltype(f());

  // Holds the file for one call (see the class comment).
  class Op {
   public:
    Op(const File& f, const char* what, const Checkpoint& cp = {});
    ~Op();
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;

   private:
    const File& f_;
  };

  Client& client_;
  std::string path_;
  std::int32_t mode_;
  OpenReply reply_;
  mutable std::timed_mutex mu_;
  mutable std::atomic<std::thread::id> owner_{};  // the thread inside a call, if any
  std::int64_t pos_ = 0;
  std::int64_t size_ = 0;
  bool chain_set_ = false;
  bool linked_ = false;  // connected to reply_.slaves: the slave session lives on that link
  bool closed_ = false;
  // A call ended by Ctrl-C (or another non-Sector failure) in the middle of an exchange:
  // the data channel dropped the connection, the slave ends the session when it sees that,
  // and close() must not wait for a reply that can no longer come.
  bool lost_ = false;
  std::vector<std::pair<std::int64_t, std::int64_t>> log_;  // writes since the last sync
  std::unique_ptr<FrameCipher> enc_, dec_;  // mode SECURE: one chain per direction
};

}  // namespace storewire::sector
