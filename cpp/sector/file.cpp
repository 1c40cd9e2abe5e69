#include "sector/file.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <exception>

#include "sector/client.h"
#include "sector/frame_pipeline.h"
#include "sector/protocol.h"
#include "sector/validate.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

constexpr std::int32_t kCmdRead = 1, kCmdWrite = 2, kCmdDownload = 3, kCmdUpload = 4,
                         kCmdClose = 5, kCmdSync = 7, kCmdChain = 8;

std::string chain_params(const std::string& up_ip, std::int32_t up_port,
                         const std::string& down_ip, std::int32_t down_port) {
  Writer w;
  w.fixed(up_ip, 64);
  w.i32(up_port);
  w.fixed(down_ip, 64);
  w.i32(down_port);
  return std::move(w.bytes());
}

// A failure of the slave or of the way to it: another replica may do better.
bool slave_failed(const SectorError& e) {
  switch (e.sector_code()) {
    case E_CONNECTION:
    case E_BROKENPIPE:
    case E_DATACHN:
    case E_TIMEOUT:
      return true;
    default:
      return false;
  }
}

// Data-channel errors name the file operation and its path rather than the socket.
SectorError for_file(const SectorError& e, const char* op, const std::string& path) {
  if (e.info().operation != "data channel") return e;
  return SectorError(e.sector_code(), op, path);
}

}  // namespace

File::File(Client& client, std::string path, std::int32_t mode, OpenReply reply)
    : client_(client), path_(std::move(path)), mode_(mode), reply_(std::move(reply)) {
  size_ = (mode_ & kModeTrunc) ? 0 : reply_.size;
  if (mode_ & kModeAppend) pos_ = size_;
  if (mode_ & kModeSecure) {
    auto [key, iv] = client_.crypto_material();
    enc_ = std::make_unique<FrameCipher>(key, iv, true);
    dec_ = std::make_unique<FrameCipher>(key, iv, false);
  }
}

File::~File() {
  try {
    close({});
  } catch (...) {
  }
}

File::Op::Op(const File& f, const char* what, const Checkpoint& cp) : f_(f) {
  if (f.owner_.load() == std::this_thread::get_id())
    throw Error(ErrorKind::InvalidArgument,
                "Sector file " + f.path_ + ": " + what + "() called from inside another call "
                "on the same file (e.g. from download()'s sink); the file is busy until that "
                "call returns");
  while (!f.mu_.try_lock_for(std::chrono::milliseconds(100)))
    if (cp) cp();  // another thread's transfer: wait, but let Ctrl-C through
  f.owner_.store(std::this_thread::get_id());
}

File::Op::~Op() {
  f_.owner_.store(std::thread::id());
  f_.mu_.unlock();
}

bool File::closed() const {
  Op op(*this, "closed");
  return closed_;
}

std::int64_t File::tell() const {
  Op op(*this, "tell");
  return pos_;
}

std::int64_t File::size() const {
  Op op(*this, "size");
  return size_;
}

void File::seek(std::int64_t pos) {
  Op op(*this, "seek");
  if (pos < 0) throw SectorError(E_INVALID, "seek", path_);
  pos_ = pos;
}

std::vector<std::pair<std::string, std::int32_t>> File::slaves() const {
  Op op(*this, "slaves");
  return reply_.slaves;
}

template <class F>
auto File::exchange_locked(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SectorError&) {
    throw;  // broken links are dropped by the data channel; error frames keep it in step
  } catch (...) {
    lost_ = true;
    throw;
  }
}

void File::connect_locked(const Checkpoint& cp) {
  if (lost_)  // an interrupted call dropped the link: the slave's session is gone
    throw SectorError(E_CONNECTION, "data channel", path_ + ": interrupted earlier");
  for (const auto& [ip, port] : reply_.slaves) {
    // The slave's file session lives on our connection: once that broke, the session is
    // gone and no new connection can resume it.
    if (linked_ && !client_.data_channel().connected(ip, port))
      throw SectorError(E_CONNECTION, "data channel", ip + ":" + std::to_string(port));
    try {
      client_.data_channel().connect(ip, port, client_.timeout_s(), cp);
    } catch (const SectorError&) {
      throw;  // a slave that cannot be reached: a read may still move to another replica
    } catch (...) {
      // Ctrl-C while connecting: the file is given up. Without this, closing it (at the
      // latest from ~File, with no checkpoint) would wait for the rendezvous again, up to
      // a whole attempt (20 s), just to say goodbye. The master frees the lock when the
      // slave gives up its side, or at logout.
      lost_ = true;
      throw;
    }
  }
  linked_ = true;
  if ((mode_ & kModeWrite) && !chain_set_) exchange_locked([&] { set_chain_locked(cp); });
}

void File::set_chain_locked(const Checkpoint& cp) {
  {
    // cmd 8 to each replica: upstream (none for the first) and downstream neighbours.
    DataChannel& dc = client_.data_channel();
    const auto& s = reply_.slaves;
    for (std::size_t k = 0; k < s.size(); ++k) {
      std::string up_ip = k == 0 ? "" : s[k - 1].first;
      std::int32_t up_port = k == 0 ? -1 : s[k - 1].second;
      std::string down_ip = k + 1 < s.size() ? s[k + 1].first : "";
      std::int32_t down_port = k + 1 < s.size() ? s[k + 1].second : -1;
      dc.send_i32(s[k].first, s[k].second, reply_.transid, kCmdChain);
      std::string params = chain_params(up_ip, up_port, down_ip, down_port);
      dc.send_frame(s[k].first, s[k].second, reply_.transid, params.data(), params.size());
      if (dc.recv_i32(s[k].first, s[k].second, reply_.transid, cp) != 0)
        throw SectorError(E_DATACHN, "open", path_);
    }
    chain_set_ = true;
  }
}

bool File::fail_over_locked(const Checkpoint& cp) {
  if (mode_ & kModeWrite) return false;  // a write chain would need rebuilding: not retried
  std::pair<std::string, std::int32_t> next;
  try {
    next = client_.reopen(path_, reply_.transid, cp);
  } catch (const Error&) {
    return false;  // e.g. E_RESOURCE, no replica left: the caller reports the first failure
  }
  reply_.slaves = {std::move(next)};
  linked_ = false;
  if (mode_ & kModeSecure) {  // the new slave's session starts again from the login IV
    auto [key, iv] = client_.crypto_material();
    enc_ = std::make_unique<FrameCipher>(key, iv, true);
    dec_ = std::make_unique<FrameCipher>(key, iv, false);
  }
  return true;
}

std::string File::read_once_locked(std::int64_t len, const Checkpoint& cp) {
  connect_locked(cp);
  const auto& [ip, port] = reply_.slaves.front();
  DataChannel& dc = client_.data_channel();
  dc.send_i32(ip, port, reply_.transid, kCmdRead);
  dc.send_i64_pair(ip, port, reply_.transid, pos_, len);
  if (dc.recv_i32(ip, port, reply_.transid, cp) != 0) throw SectorError(E_DATACHN, "read", path_);
  // Exactly len bytes (len + 1..8 of padding when encrypted): more is refused unread.
  std::string data = dc.recv_frame(ip, port, reply_.transid, cp, dec_ ? len + 8 : len);
  if (dec_) data.resize(dec_->apply_in_place(data.data(), data.size()));
  if (static_cast<std::int64_t>(data.size()) != len)
    bad_field("read frame.size", std::to_string(data.size()),
              ("not the " + std::to_string(len) + " bytes asked").c_str());
  return data;
}

std::string File::read(std::int64_t n, const Checkpoint& cp) {
  Op op(*this, "read", cp);
  if (closed_) throw SectorError(E_FILENOTOPEN, "read", path_);
  if (!(mode_ & kModeRead)) throw SectorError(E_PERMISSION, "read", path_);
  if (n < 0) throw SectorError(E_INVALID, "read", path_);
  std::int64_t len = std::min(n, std::max<std::int64_t>(0, size_ - pos_));
  if (len == 0) return {};
  std::string data;
  try {
    if (!log_.empty()) sync_locked(cp);  // the slave must see our own writes
    try {
      data = exchange_locked([&] { return read_once_locked(len, cp); });
    } catch (const SectorError& e) {
      if (!slave_failed(e) || !fail_over_locked(cp)) throw;
      data = read_once_locked(len, cp);  // once, on the replica the master picked
    }
  } catch (const SectorError& e) {
    throw for_file(e, "read", path_);
  }
  pos_ += len;
  return data;
}

void File::download_once_locked(std::int64_t offset, std::int64_t want,
                                const std::function<void(const char*, std::size_t)>& deliver,
                                const Checkpoint& cp) {
  connect_locked(cp);
  const auto& [ip, port] = reply_.slaves.front();
  DataChannel& dc = client_.data_channel();
  dc.send_i32(ip, port, reply_.transid, kCmdDownload);
  Writer w;
  w.i64(offset);
  dc.send_frame(ip, port, reply_.transid, w.bytes().data(), w.bytes().size());
  if (dc.recv_i32(ip, port, reply_.transid, cp) != 0)
    throw SectorError(E_DATACHN, "download", path_);
  std::int64_t got = 0;
  while (got < want) {  // frames of <= 64 000 000 bytes until the file's end
    // A frame past the file's end is refused before the sink sees a byte of it; an empty
    // one would let a slave keep us here for ever without sending data.
    std::int64_t n;
    if (dec_) {
      std::string frame = dc.recv_frame(ip, port, reply_.transid, cp, want - got + 8);
      frame.resize(dec_->apply_in_place(frame.data(), frame.size()));  // no second copy
      n = static_cast<std::int64_t>(frame.size());
      if (n > want - got)
        bad_field("download frame.size", std::to_string(n), "more than the file holds");
      if (n > 0) deliver(frame.data(), frame.size());
    } else {
      n = dc.recv_frame_to(ip, port, reply_.transid, deliver, cp, want - got);
    }
    if (n == 0) bad_field("download frame.size", "0", "an empty data frame");
    got += n;
  }
}

std::int64_t File::download(const std::function<void(const char*, std::size_t)>& sink,
                           const Checkpoint& cp) {
  Op op(*this, "download", cp);
  if (closed_) throw SectorError(E_FILENOTOPEN, "download", path_);
  if (!(mode_ & kModeRead)) throw SectorError(E_PERMISSION, "download", path_);
  const std::int64_t total = std::max<std::int64_t>(0, size_ - pos_);
  if (total == 0) return 0;
  std::exception_ptr failed;
  std::int64_t streamed = 0;  // bytes from the slaves, all handed to the sink unless it failed
  auto deliver = [&](const char* d, std::size_t n) {
    streamed += static_cast<std::int64_t>(n);
    if (failed) return;
    try {
      sink(d, n);
    } catch (...) {
      failed = std::current_exception();
    }
  };
  const std::int64_t start = pos_;
  try {
    if (!log_.empty()) sync_locked(cp);  // the slave must see our own writes
    try {
      exchange_locked([&] { download_once_locked(start, total, deliver, cp); });
    } catch (const SectorError& e) {
      if (failed) std::rethrow_exception(failed);  // the sink's own error comes first
      if (!slave_failed(e) || !fail_over_locked(cp)) throw;
      // Resume where the sink stopped, once, on the replica the master picked.
      exchange_locked(
          [&] { download_once_locked(start + streamed, total - streamed, deliver, cp); });
    }
  } catch (const SectorError& e) {
    if (failed) std::rethrow_exception(failed);
    throw for_file(e, "download", path_);
  }
  pos_ = start + streamed;
  if (failed) std::rethrow_exception(failed);
  if (streamed != total)  // cannot happen: every frame was checked against what was left
    throw Error(ErrorKind::Internal, "download: " + std::to_string(streamed) + " bytes for " +
                                         std::to_string(total));
  return streamed;
}

std::int64_t File::upload(const std::function<void(char*, std::size_t)>& source,
                         std::int64_t total, const Checkpoint& cp) try {
  Op op(*this, "upload", cp);
  if (closed_) throw SectorError(E_FILENOTOPEN, "upload", path_);
  if (!(mode_ & kModeWrite)) throw SectorError(E_PERMISSION, "upload", path_);
  if (total < 0) throw SectorError(E_INVALID, "upload", path_);
  connect_locked(cp);
  sync_locked(cp);
  DataChannel& dc = client_.data_channel();
  const auto& s = reply_.slaves;
  Writer w;
  w.i64(total);
  exchange_locked([&] {
    for (auto it = s.rbegin(); it != s.rend(); ++it) {  // every replica, reverse chain order
      dc.send_i32(it->first, it->second, reply_.transid, kCmdUpload);
      dc.send_frame(it->first, it->second, reply_.transid, w.bytes().data(), w.bytes().size());
      if (dc.recv_i32(it->first, it->second, reply_.transid, cp) != 0)
        throw SectorError(E_DATACHN, "upload", path_);
    }
  });
  const auto& [ip, port] = s.front();
  // A helper reads (and encrypts) the next frame while this thread sends the current one.
  // Encrypted frames are smaller so that the two stages overlap from early on.
  const std::size_t kFrame = enc_ ? (4u << 20) : (16u << 20);  // <= 64 000 000
  try {
    FramePipeline frames(source, enc_.get(), total, kFrame);
    const char* data = nullptr;
    std::size_t size = 0;
    while (frames.next(data, size, cp)) {
      dc.send_frame(ip, port, reply_.transid, data, size, cp);
      frames.release();
      if (cp) cp();
    }
  } catch (...) {
    // The slave still expects the rest: this session is lost. Dropping the connection
    // tells the slave so at once (it ends the session), instead of after its timeout.
    closed_ = lost_ = true;
    for (const auto& [sip, sport] : s) dc.abandon(sip, sport);
    throw;
  }
  log_.emplace_back(0, total);
  pos_ = total;
  size_ = std::max(size_, total);
  return total;
} catch (const SectorError& e) {
  throw for_file(e, "upload", path_);  // the lock is released by now
}

void File::write(const char* data, std::size_t n, const Checkpoint& cp) try {
  Op op(*this, "write", cp);
  if (closed_) throw SectorError(E_FILENOTOPEN, "write", path_);
  if (!(mode_ & kModeWrite)) throw SectorError(E_PERMISSION, "write", path_);
  if (n == 0) return;
  if (mode_ & kModeAppend) pos_ = size_;
  if (n > static_cast<std::uint64_t>(INT64_MAX - pos_))  // offsets are i64 on the wire
    throw SectorError(E_INVALID, "write", path_);
  connect_locked(cp);
  DataChannel& dc = client_.data_channel();
  const auto& s = reply_.slaves;
  for (auto it = s.rbegin(); it != s.rend(); ++it)  // reverse chain order
    dc.send_i32(it->first, it->second, reply_.transid, kCmdWrite);
  // Named copies, not structured bindings: clang (the fuzz build) cannot capture those in a
  // lambda before C++20.
  const std::string ip = s.front().first;
  const auto port = s.front().second;
  const std::size_t kMaxFrame = 64'000'000;
  std::size_t done = 0;
  while (done < n) {
    std::size_t chunk = std::min(kMaxFrame, n - done);
    if (done > 0)
      for (auto it = s.rbegin(); it != s.rend(); ++it)
        dc.send_i32(it->first, it->second, reply_.transid, kCmdWrite);
    dc.send_i64_pair(ip, port, reply_.transid, pos_, static_cast<std::int64_t>(chunk));
    // Ctrl-C during a stalled send cuts the frame short: the file is lost (see upload).
    exchange_locked([&] {
      if (enc_) {
        std::string sealed = enc_->apply(data + done, chunk);
        dc.send_frame(ip, port, reply_.transid, sealed.data(), sealed.size(), cp);
      } else {
        dc.send_frame(ip, port, reply_.transid, data + done, chunk, cp);
      }
    });
    log_.emplace_back(pos_, static_cast<std::int64_t>(chunk));
    pos_ += static_cast<std::int64_t>(chunk);
    size_ = std::max(size_, pos_);
    done += chunk;
  }
  if (log_.size() >= 64) sync_locked(cp);
} catch (const SectorError& e) {
  throw for_file(e, "write", path_);  // the lock is released by now
}

void File::sync_locked(const Checkpoint& cp) {
  if (log_.empty()) return;
  Writer w;
  for (const auto& [off, len] : log_) {
    w.i64(off);
    w.i64(len);
  }
  auto mtime = static_cast<std::int32_t>(std::time(nullptr));
  exchange_locked([&] { sync_exchange_locked(w.bytes(), mtime, cp); });
  log_.clear();
}

void File::sync_exchange_locked(const std::string& log, std::int32_t mtime,
                                const Checkpoint& cp) {
  DataChannel& dc = client_.data_channel();
  for (const auto& [ip, port] : reply_.slaves) {
    dc.send_i32(ip, port, reply_.transid, kCmdSync);
    dc.send_i32(ip, port, reply_.transid, static_cast<std::int32_t>(log.size()));
    dc.send_frame(ip, port, reply_.transid, log.data(), log.size());
    dc.send_i32(ip, port, reply_.transid, mtime);
  }
  for (const auto& [ip, port] : reply_.slaves)
    if (dc.recv_i32(ip, port, reply_.transid, cp) != 1)
      throw SectorError(E_DATACHN, "flush", path_);
}

void File::flush(const Checkpoint& cp) try {
  Op op(*this, "flush", cp);
  if (closed_) throw SectorError(E_FILENOTOPEN, "flush", path_);
  connect_locked(cp);
  sync_locked(cp);
} catch (const SectorError& e) {
  throw for_file(e, "flush", path_);  // the lock is released by now
}

void File::close(const Checkpoint& cp) try {
  Op op(*this, "close", cp);
  if (closed_) return;
  closed_ = true;
  // Interrupted earlier: the connection is gone and with it the slave's session (it reports
  // the close to the master itself); a handshake would wait for a reply that never comes.
  if (lost_) return;
  DataChannel& dc = client_.data_channel();
  connect_locked(cp);
  sync_locked(cp);
  exchange_locked([&] {
    for (const auto& [ip, port] : reply_.slaves) dc.send_i32(ip, port, reply_.transid, kCmdClose);
    for (const auto& [ip, port] : reply_.slaves)
      if (dc.recv_i32(ip, port, reply_.transid, cp) != -1)  // -1 is success
        throw SectorError(E_DATACHN, "close", path_);
  });
} catch (const SectorError& e) {
  throw for_file(e, "close", path_);  // the lock is released by now
}

}  // namespace storewire::sector
