// Files over the data channel (protocol notes §7): open through the master, then
// commands and data frames to the slaves. Upload / download move file <-> socket natively.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sector/crypto.h"
#include "sector/datachn.h"

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

struct OpenReply {
  std::int32_t transid = 0;
  std::int64_t size = 0;
  std::int64_t mtime = 0;
  std::vector<std::pair<std::string, std::int32_t>> slaves;  // (ip, data port)
};

// One open file. Thread-safe (one operation at a time). Lives no longer than its Client.
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
  // data channel stays in step) before the exception propagates.
  std::int64_t download(const std::function<void(const char*, std::size_t)>& sink,
                        const Checkpoint& cp);
  // Replaces the whole file with `total` bytes from `source(buf, n)` (which fills buf with
  // the next n bytes) with cmd 4 (upload): data frames back to back to the first replica,
  // then the sync log {0, total}. For a file opened for writing with TRUNC. If `source`
  // throws, the file is left closed (the slave's session cannot be resumed).
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

 private:
  void sync_locked(const Checkpoint& cp);
  void connect_locked(const Checkpoint& cp);

  Client& client_;
  std::string path_;
  std::int32_t mode_;
  OpenReply reply_;
  mutable std::mutex mu_;
  std::int64_t pos_ = 0;
  std::int64_t size_ = 0;
  bool chain_set_ = false;
  bool closed_ = false;
  std::vector<std::pair<std::int64_t, std::int64_t>> log_;
  std::unique_ptr<FrameCipher> enc_, dec_;  // mode SECURE: one chain per direction  // writes since the last sync
};

}  // namespace storewire::sector
