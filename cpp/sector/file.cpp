#include "sector/file.h"

#include <ctime>
#include <exception>

#include "sector/client.h"
#include "sector/protocol.h"
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

bool File::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

std::int64_t File::tell() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pos_;
}

std::int64_t File::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

void File::seek(std::int64_t pos) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pos < 0) throw SectorError(E_INVALID, "seek", path_);
  pos_ = pos;
}

void File::connect_locked(const Checkpoint& cp) {
  for (const auto& [ip, port] : reply_.slaves)
    client_.data_channel().connect(ip, port, client_.timeout_s(), cp);
  if ((mode_ & kModeWrite) && !chain_set_) {
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

std::string File::read(std::int64_t n, const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw SectorError(E_FILENOTOPEN, "read", path_);
  if (!(mode_ & kModeRead)) throw SectorError(E_PERMISSION, "read", path_);
  if (n < 0) throw SectorError(E_INVALID, "read", path_);
  std::int64_t len = std::min(n, std::max<std::int64_t>(0, size_ - pos_));
  if (len == 0) return {};
  if (!log_.empty()) sync_locked(cp);  // the slave must see our own writes
  connect_locked(cp);
  const auto& [ip, port] = reply_.slaves.front();
  DataChannel& dc = client_.data_channel();
  dc.send_i32(ip, port, reply_.transid, kCmdRead);
  dc.send_i64_pair(ip, port, reply_.transid, pos_, len);
  if (dc.recv_i32(ip, port, reply_.transid, cp) != 0) throw SectorError(E_DATACHN, "read", path_);
  std::string data = dc.recv_frame(ip, port, reply_.transid, cp);
  if (dec_) data = dec_->apply(data.data(), data.size());
  if (static_cast<std::int64_t>(data.size()) != len)
    throw Error(ErrorKind::Protocol, "the slave sent a short read frame");
  pos_ += len;
  return data;
}

std::int64_t File::download(const std::function<void(const char*, std::size_t)>& sink,
                           const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw SectorError(E_FILENOTOPEN, "download", path_);
  if (!(mode_ & kModeRead)) throw SectorError(E_PERMISSION, "download", path_);
  const std::int64_t total = std::max<std::int64_t>(0, size_ - pos_);
  if (total == 0) return 0;
  if (!log_.empty()) sync_locked(cp);  // the slave must see our own writes
  connect_locked(cp);
  const auto& [ip, port] = reply_.slaves.front();
  DataChannel& dc = client_.data_channel();
  dc.send_i32(ip, port, reply_.transid, kCmdDownload);
  Writer w;
  w.i64(pos_);
  dc.send_frame(ip, port, reply_.transid, w.bytes().data(), w.bytes().size());
  if (dc.recv_i32(ip, port, reply_.transid, cp) != 0)
    throw SectorError(E_DATACHN, "download", path_);
  std::exception_ptr failed;
  auto deliver = [&](const char* d, std::size_t n) {
    if (failed) return;
    try {
      sink(d, n);
    } catch (...) {
      failed = std::current_exception();
    }
  };
  std::int64_t got = 0;
  while (got < total) {  // frames of <= 64 000 000 bytes until the file's end (§7.3)
    if (dec_) {
      std::string frame = dc.recv_frame(ip, port, reply_.transid, cp);
      std::string plain = dec_->apply(frame.data(), frame.size());
      deliver(plain.data(), plain.size());
      got += static_cast<std::int64_t>(plain.size());
    } else {
      got += dc.recv_frame_to(ip, port, reply_.transid, deliver, cp);
    }
  }
  pos_ += got;
  if (failed) std::rethrow_exception(failed);
  if (got != total) throw Error(ErrorKind::Protocol, "the slave sent more than the file holds");
  return got;
}

std::int64_t File::upload(const std::function<void(char*, std::size_t)>& source,
                         std::int64_t total, const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw SectorError(E_FILENOTOPEN, "upload", path_);
  if (!(mode_ & kModeWrite)) throw SectorError(E_PERMISSION, "upload", path_);
  if (total < 0) throw SectorError(E_INVALID, "upload", path_);
  connect_locked(cp);
  sync_locked(cp);
  DataChannel& dc = client_.data_channel();
  const auto& s = reply_.slaves;
  Writer w;
  w.i64(total);
  for (auto it = s.rbegin(); it != s.rend(); ++it) {  // every replica, reverse chain order
    dc.send_i32(it->first, it->second, reply_.transid, kCmdUpload);
    dc.send_frame(it->first, it->second, reply_.transid, w.bytes().data(), w.bytes().size());
    if (dc.recv_i32(it->first, it->second, reply_.transid, cp) != 0)
      throw SectorError(E_DATACHN, "upload", path_);
  }
  const auto& [ip, port] = s.front();
  const std::int64_t kFrame = 16 << 20;  // <= 64 000 000 (§7.2)
  std::string buf(static_cast<std::size_t>(std::min(std::max<std::int64_t>(total, 1), kFrame)),
                  '\0');
  std::int64_t done = 0;
  while (done < total) {
    std::size_t n = static_cast<std::size_t>(std::min(total - done, kFrame));
    try {
      source(buf.data(), n);
    } catch (...) {
      closed_ = true;  // the slave still expects the rest: this session is lost
      throw;
    }
    if (enc_) {
      std::string sealed = enc_->apply(buf.data(), n);
      dc.send_frame(ip, port, reply_.transid, sealed.data(), sealed.size());
    } else {
      dc.send_frame(ip, port, reply_.transid, buf.data(), n);
    }
    done += static_cast<std::int64_t>(n);
    if (cp) cp();
  }
  log_.emplace_back(0, total);
  pos_ = total;
  size_ = std::max(size_, total);
  return total;
}

void File::write(const char* data, std::size_t n, const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw SectorError(E_FILENOTOPEN, "write", path_);
  if (!(mode_ & kModeWrite)) throw SectorError(E_PERMISSION, "write", path_);
  if (n == 0) return;
  connect_locked(cp);
  if (mode_ & kModeAppend) pos_ = size_;
  DataChannel& dc = client_.data_channel();
  const auto& s = reply_.slaves;
  for (auto it = s.rbegin(); it != s.rend(); ++it)  // reverse chain order
    dc.send_i32(it->first, it->second, reply_.transid, kCmdWrite);
  const auto& [ip, port] = s.front();
  const std::size_t kMaxFrame = 64'000'000;
  std::size_t done = 0;
  while (done < n) {
    std::size_t chunk = std::min(kMaxFrame, n - done);
    if (done > 0)
      for (auto it = s.rbegin(); it != s.rend(); ++it)
        dc.send_i32(it->first, it->second, reply_.transid, kCmdWrite);
    dc.send_i64_pair(ip, port, reply_.transid, pos_, static_cast<std::int64_t>(chunk));
    if (enc_) {
      std::string sealed = enc_->apply(data + done, chunk);
      dc.send_frame(ip, port, reply_.transid, sealed.data(), sealed.size());
    } else {
      dc.send_frame(ip, port, reply_.transid, data + done, chunk);
    }
    log_.emplace_back(pos_, static_cast<std::int64_t>(chunk));
    pos_ += static_cast<std::int64_t>(chunk);
    size_ = std::max(size_, pos_);
    done += chunk;
  }
  if (log_.size() >= 64) sync_locked(cp);
}

void File::sync_locked(const Checkpoint& cp) {
  if (log_.empty()) return;
  DataChannel& dc = client_.data_channel();
  Writer w;
  for (const auto& [off, len] : log_) {
    w.i64(off);
    w.i64(len);
  }
  auto mtime = static_cast<std::int32_t>(std::time(nullptr));
  for (const auto& [ip, port] : reply_.slaves) {
    dc.send_i32(ip, port, reply_.transid, kCmdSync);
    dc.send_i32(ip, port, reply_.transid, static_cast<std::int32_t>(w.bytes().size()));
    dc.send_frame(ip, port, reply_.transid, w.bytes().data(), w.bytes().size());
    dc.send_i32(ip, port, reply_.transid, mtime);
  }
  for (const auto& [ip, port] : reply_.slaves)
    if (dc.recv_i32(ip, port, reply_.transid, cp) != 1)
      throw SectorError(E_DATACHN, "flush", path_);
  log_.clear();
}

void File::flush(const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw SectorError(E_FILENOTOPEN, "flush", path_);
  connect_locked(cp);
  sync_locked(cp);
}

void File::close(const Checkpoint& cp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  DataChannel& dc = client_.data_channel();
  connect_locked(cp);
  sync_locked(cp);
  for (const auto& [ip, port] : reply_.slaves) dc.send_i32(ip, port, reply_.transid, kCmdClose);
  for (const auto& [ip, port] : reply_.slaves)
    if (dc.recv_i32(ip, port, reply_.transid, cp) != -1)  // -1 is success (§7.3)
      throw SectorError(E_DATACHN, "close", path_);
}

}  // namespace storewire::sector
