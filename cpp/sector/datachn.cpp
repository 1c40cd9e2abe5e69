#include "sector/datachn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <udt/udt.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "sector/protocol.h"
#include "sector/udt_cc.h"
#include "sector/udt_link.h"
#include "sector/validate.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

sockaddr_in make_addr(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
    throw Error(ErrorKind::InvalidArgument, "not an IPv4 address: " + ip);
  return a;
}

std::string udt_error_text() { return UDT::getlasterror().getErrorMessage(); }

UDTSOCKET rendezvous_socket(const std::string& bind_ip, int port) {
  UDTSOCKET s = UDT::socket(AF_INET, SOCK_STREAM, 0);
  if (s == UDT::INVALID_SOCK)
    throw Error(ErrorKind::Connection, "UDT socket failed: " + udt_error_text());
  bool yes = true;
  UDT::setsockopt(s, 0, UDT_REUSEADDR, &yes, sizeof yes);
  UDT::setsockopt(s, 0, UDT_RENDEZVOUS, &yes, sizeof yes);
  int buf = 16 << 20;
  UDT::setsockopt(s, 0, UDT_SNDBUF, &buf, sizeof buf);
  UDT::setsockopt(s, 0, UDT_RCVBUF, &buf, sizeof buf);
  int udp_buf = 4 << 20;
  UDT::setsockopt(s, 0, UDP_SNDBUF, &udp_buf, sizeof udp_buf);
  UDT::setsockopt(s, 0, UDP_RCVBUF, &udp_buf, sizeof udp_buf);
  // Window-based congestion control instead of UDT's paced default (see udt_cc.h); local
  // only, set before the socket connects.
  UDT::setsockopt(s, 0, UDT_CC, window_cc_factory(), sizeof(void*));
  sockaddr_in a = make_addr(bind_ip, port);
  if (UDT::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == UDT::ERROR) {
    std::string why = udt_error_text();
    UDT::close(s);
    throw Error(ErrorKind::Connection, "UDT bind failed: " + why);
  }
  return s;
}

}  // namespace

DataChannel::Peer::~Peer() {
  if (sock < 0) return;
  if (abandon) {  // UDT would otherwise wait up to 180 s on a silent peer
    linger no_linger{0, 0};
    UDT::setsockopt(sock, 0, UDT_LINGER, &no_linger, sizeof no_linger);
  }
  UDT::close(sock);
}

DataChannel::DataChannel(const std::string& bind_ip, int port) : bind_ip_(bind_ip) {
  udt_init();
  base_ = rendezvous_socket(bind_ip, port);
  sockaddr_in bound{};
  int len = sizeof bound;
  UDT::getsockname(base_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
}

DataChannel::~DataChannel() { close(); }

void DataChannel::close() {
  std::map<std::pair<std::string, int>, std::shared_ptr<Peer>> peers;
  int base = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;  // also ends a connect() in progress
    peers.swap(peers_);
    std::swap(base, base_);
  }
  // Each socket closes (lingering for unsent data) when its last call lets go of it.
  for (auto& [k, p] : peers) p->stop = true;
  if (base >= 0) UDT::close(base);  // only ever used to hold the port
}

std::shared_ptr<DataChannel::Peer> DataChannel::peer(const std::string& ip, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find({ip, port});
  if (it == peers_.end())
    throw SectorError(E_DATACHN, "data channel", ip + ":" + std::to_string(port));
  return it->second;
}

void DataChannel::drop(const std::string& ip, int port, const std::shared_ptr<Peer>& p) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = peers_.find({ip, port});
    if (it == peers_.end() || it->second != p) return;  // whoever removed it closed it
    peers_.erase(it);
  }
  // Abandoned: no linger for unsent data. Calls blocked on it fail within one slice.
  p->abandon = true;
  p->stop = true;
}

void DataChannel::abandon(const std::string& ip, int port) {
  std::shared_ptr<Peer> p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = peers_.find({ip, port});
    if (it == peers_.end()) return;
    p = it->second;
  }
  drop(ip, port, p);
}

std::shared_ptr<std::mutex> DataChannel::connect_lock(const std::string& ip, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<std::mutex>& m = connecting_[{ip, port}];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

namespace {

// libudt 4.11 keeps a rendezvous socket in its receive queue's connector list until the
// connection succeeds or the socket is closed while still "connecting". Once its own 30 s
// timer has expired, the socket no longer counts as connecting, so closing it leaves a
// dangling entry that the queue's thread later touches (a crash seen in the emulator).
// Such a socket is kept open for the life of the process instead; with attempts shorter
// than that timer it does not happen at all.
void keep_open_forever(UDTSOCKET s) {
  static std::mutex mu;
  static auto* kept = new std::vector<UDTSOCKET>;  // never freed: UDT outlives static dtors
  std::lock_guard<std::mutex> lock(mu);
  kept->push_back(s);
}

}  // namespace

UDTSOCKET DataChannel::connect_attempt(const std::string& ip, int port,
                                       std::chrono::steady_clock::time_point until,
                                       const Checkpoint& cp) {
  auto gone = [&] {
    return SectorError(E_CONNECTION, "data channel", ip + ":" + std::to_string(port) + ": closed");
  };
  UDTSOCKET s = rendezvous_socket(bind_ip_, port_);
  // UDT 4.11 connects asynchronously only without RCVSYN; blocking, a rendezvous would
  // ignore our timeout and Ctrl-C and hold the socket for 30 s.
  bool nonblocking = false;
  UDT::setsockopt(s, 0, UDT_SNDSYN, &nonblocking, sizeof nonblocking);
  UDT::setsockopt(s, 0, UDT_RCVSYN, &nonblocking, sizeof nonblocking);
  sockaddr_in a = make_addr(ip, port);
  if (UDT::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == UDT::ERROR) {
    std::string why = udt_error_text();
    UDT::close(s);
    throw SectorError(E_CONNECTION, "data channel", ip + ":" + std::to_string(port) + ": " + why);
  }
  for (;;) {
    UDTSTATUS st = UDT::getsockstate(s);
    if (st == CONNECTED) return s;
    if (st != CONNECTING) {  // UDT gave up by itself: closing it now would be unsafe
      keep_open_forever(s);
      throw SectorError(E_CONNECTION, "data channel", ip + ":" + std::to_string(port));
    }
    // Still connecting: closing it takes it off UDT's connector list.
    if (closed_) {
      UDT::close(s);
      throw gone();
    }
    if (std::chrono::steady_clock::now() >= until) {
      UDT::close(s);
      return UDT::INVALID_SOCK;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (cp) {
      try {
        cp();
      } catch (...) {
        UDT::close(s);
        throw;
      }
    }
  }
}

void DataChannel::connect(const std::string& ip, int port, double timeout_s,
                          const Checkpoint& cp) {
  std::shared_ptr<std::mutex> peer_lock = connect_lock(ip, port);
  std::lock_guard<std::mutex> connecting(*peer_lock);
  auto gone = [&] {
    return SectorError(E_CONNECTION, "data channel", ip + ":" + std::to_string(port) + ": closed");
  };
  if (closed_) throw gone();  // e.g. a file closed by its destructor after its client
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = peers_.find({ip, port});
    if (it != peers_.end()) {
      UDTSTATUS st = UDT::getsockstate(it->second->sock);
      if (st == CONNECTED) return;
      it->second->abandon = true;  // closed once no call uses it any more
      it->second->stop = true;
      peers_.erase(it);
    }
  }
  if (cp) cp();
  using Clock = std::chrono::steady_clock;
  auto seconds = [](double s) {  // clamped: a huge or NaN timeout must not overflow
    s = (s > 0) ? std::min(s, 1e7) : 0.0;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point deadline = Clock::now() + seconds(timeout_s);
  UDTSOCKET s = UDT::INVALID_SOCK;
  while (s == UDT::INVALID_SOCK) {
    // Attempts shorter than UDT's own rendezvous timeout, so that no attempt ever outlives
    // it (see kAttemptS); a caller's longer timeout is served by fresh attempts.
    Clock::time_point attempt_end = std::min(deadline, Clock::now() + seconds(kAttemptS));
    s = connect_attempt(ip, port, attempt_end, cp);
    if (s == UDT::INVALID_SOCK && Clock::now() >= deadline)
      throw SectorError(E_TIMEOUT, "data channel", ip + ":" + std::to_string(port));
  }
  bool blocking = true;
  UDT::setsockopt(s, 0, UDT_SNDSYN, &blocking, sizeof blocking);
  UDT::setsockopt(s, 0, UDT_RCVSYN, &blocking, sizeof blocking);
  // Only to poll for Ctrl-C and for stop: a timeout means "keep waiting".
  int slice_ms = 1000;
  UDT::setsockopt(s, 0, UDT_RCVTIMEO, &slice_ms, sizeof slice_ms);
  UDT::setsockopt(s, 0, UDT_SNDTIMEO, &slice_ms, sizeof slice_ms);
  auto p = std::make_shared<Peer>();
  p->sock = s;  // closed by ~Peer from here on
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) {  // close() ran meanwhile: it must not miss this socket
    p->abandon = true;
    throw gone();
  }
  peers_[{ip, port}] = p;
}

void DataChannel::send_all(const std::string& ip, int port, const std::shared_ptr<Peer>& p,
                           const char* b, std::size_t n, std::size_t max_chunk,
                           const Checkpoint& cp) {
  auto broken = [&](const std::string& why) {
    p->abandon = true;  // what is still unsent no longer matters
    drop(ip, port, p);
    throw SectorError(E_CONNECTION, "data channel", why);
  };
  while (n > 0) {
    if (p->stop) broken("closed");
    int chunk = static_cast<int>(std::min(n, max_chunk));
    int sent = UDT::send(p->sock, b, chunk, 0);
    if (sent == UDT::ERROR) {
      if (UDT::getlasterror_code() == CUDTException::ETIMEOUT) {  // one slice passed
        // A peer that takes nothing must not hide Ctrl-C for as long as it stalls.
        if (cp) {
          try {
            cp();
          } catch (...) {
            p->abandon = true;  // mid-frame: out of step, and the rest no longer matters
            drop(ip, port, p);
            throw;
          }
        }
        continue;
      }
      broken(udt_error_text());
    }
    b += sent;
    n -= static_cast<std::size_t>(sent);
  }
}

void DataChannel::send_frame(const std::string& ip, int port, std::int32_t session,
                             const void* data, std::size_t size, const Checkpoint& cp) {
  auto p = peer(ip, port);
  std::lock_guard<std::mutex> lock(p->send_mu);
  Writer w;
  w.i32(session);
  w.i32(static_cast<std::int32_t>(size));
  if (size <= 65536) {  // small frames: one send, so header and payload travel together
    w.raw(data, size);
    send_all(ip, port, p, w.bytes().data(), w.bytes().size(), 8u << 20, cp);
    return;
  }
  send_all(ip, port, p, w.bytes().data(), w.bytes().size(), 8u << 20, cp);
  send_all(ip, port, p, static_cast<const char*>(data), size, 8u << 20, cp);
}

void DataChannel::send_error(const std::string& ip, int port, std::int32_t session) {
  auto p = peer(ip, port);
  std::lock_guard<std::mutex> lock(p->send_mu);
  std::int32_t head[2] = {session, -1};
  send_all(ip, port, p, reinterpret_cast<const char*>(head), sizeof head, sizeof head);
}

void DataChannel::send_raw(const std::string& ip, int port, const void* data,
                           std::size_t size) {
  auto p = peer(ip, port);
  std::lock_guard<std::mutex> lock(p->send_mu);
  send_all(ip, port, p, static_cast<const char*>(data), size, 1u << 20);
}

void DataChannel::send_i32(const std::string& ip, int port, std::int32_t session,
                           std::int32_t v) {
  send_frame(ip, port, session, &v, 4);
}

void DataChannel::send_i64_pair(const std::string& ip, int port, std::int32_t session,
                                std::int64_t a, std::int64_t b) {
  std::int64_t v[2] = {a, b};
  send_frame(ip, port, session, v, 16);
}

void DataChannel::recv_exact(Peer& p, char* buf, std::size_t n, const Checkpoint& cp) {
  using Clock = std::chrono::steady_clock;
  const double idle_s = idle_timeout_s_.load();
  auto last_byte = Clock::now();
  auto waited_too_long = [&] {
    return idle_s > 0 && Clock::now() - last_byte > std::chrono::duration<double>(idle_s);
  };
  while (n > 0) {
    if (p.stop) {  // dropped or closed by another thread
      p.abandon = true;
      throw SectorError(E_CONNECTION, "data channel", "closed");
    }
    int chunk = static_cast<int>(std::min<std::size_t>(n, 8u << 20));
    int got = UDT::recv(p.sock, buf, chunk, 0);
    if (got == UDT::ERROR) {
      int code = UDT::getlasterror_code();
      if (code == CUDTException::ETIMEOUT || code == CUDTException::EASYNCRCV) {
        if (waited_too_long())
          throw SectorError(E_TIMEOUT, "data channel", "no data from the slave");
        if (cp) cp();
        continue;
      }
      throw SectorError(E_CONNECTION, "data channel", udt_error_text());
    }
    if (got == 0) {
      if (waited_too_long())
        throw SectorError(E_TIMEOUT, "data channel", "no data from the slave");
      if (cp) cp();
      continue;
    }
    last_byte = Clock::now();
    // Data that never pauses must still let Ctrl-C through, a few times a second.
    if (cp && last_byte - p.last_check > std::chrono::milliseconds(100)) {
      p.last_check = last_byte;
      cp();
    }
    buf += got;
    n -= static_cast<std::size_t>(got);
  }
}

void DataChannel::park(Peer& p, std::int32_t session, std::int32_t size, std::string frame) {
  if (p.parked_frames >= kMaxParkedFrames || frame.size() > kMaxParkedBytes - p.parked_bytes)
    bad_field("data frame.session", std::to_string(session),
              "too many frames of other sessions on this connection");
  p.parked_bytes += frame.size();
  ++p.parked_frames;
  p.parked[session].emplace_back(size < 0, std::move(frame));
}

std::pair<bool, std::string> DataChannel::unpark(Peer& p,
                                                 std::deque<std::pair<bool, std::string>>& q) {
  std::pair<bool, std::string> f = std::move(q.front());
  q.pop_front();
  p.parked_bytes -= f.second.size();
  --p.parked_frames;
  return f;
}

std::pair<std::int32_t, std::int32_t> DataChannel::recv_head(Peer& p, const Checkpoint& cp) {
  char head[8];
  recv_exact(p, head, 8, cp);
  Reader r(head, 8, "data frame");
  std::int32_t sess = r.i32("session");
  std::int32_t size = frame_size_from_wire(r.i32("size"));
  return {sess, size};
}

std::int64_t DataChannel::recv_frame_to(const std::string& ip, int port, std::int32_t session,
                                        const std::function<void(const char*, std::size_t)>& sink,
                                        const Checkpoint& cp, std::int64_t max_size) {
  auto p = peer(ip, port);
  std::lock_guard<std::mutex> lock(p->recv_mu);
  auto too_big = [&](std::int64_t size) {
    bad_field("data frame.size", std::to_string(size),
              ("more than the " + std::to_string(max_size) + " bytes expected").c_str());
  };
  try {
    auto parked = p->parked.find(session);
    if (parked != p->parked.end() && !parked->second.empty()) {
      auto [error, f] = unpark(*p, parked->second);
      if (error) throw SectorError(E_DATACHN, "data channel", "error frame from the slave");
      if (static_cast<std::int64_t>(f.size()) > max_size) too_big(static_cast<std::int64_t>(f.size()));
      sink(f.data(), f.size());
      return static_cast<std::int64_t>(f.size());
    }
    for (;;) {
      auto [sess, size] = recv_head(*p, cp);
      if (sess == session) {
        if (size < 0) throw SectorError(E_DATACHN, "data channel", "error frame from the slave");
        if (size > max_size) too_big(size);  // before a byte of it reaches the sink
        std::string buf(std::min<std::size_t>(static_cast<std::size_t>(size), 4u << 20), '\0');
        std::size_t left = static_cast<std::size_t>(size);
        while (left > 0) {
          std::size_t n = std::min(left, buf.size());
          recv_exact(*p, buf.data(), n, cp);
          sink(buf.data(), n);
          left -= n;
        }
        return size;
      }
      // Another session's frame: set it aside for its reader.
      std::string f;
      if (size > 0) {
        f.resize(static_cast<std::size_t>(size));
        recv_exact(*p, f.data(), f.size(), cp);
      }
      park(*p, sess, size, std::move(f));
    }
  } catch (const SectorError& e) {
    // A broken or silent connection is out of step: later files need a new one.
    if (e.sector_code() == E_CONNECTION || e.sector_code() == E_TIMEOUT) drop(ip, port, p);
    throw;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Protocol) drop(ip, port, p);  // a bad header: out of step too
    throw;
  } catch (...) {
    // Interrupted (Ctrl-C from the checkpoint) or a failing sink: possibly mid-frame, and
    // the slave still sends what was asked for: out of step, so later files need a new one.
    drop(ip, port, p);
    throw;
  }
}

std::string DataChannel::recv_frame(const std::string& ip, int port, std::int32_t session,
                                    const Checkpoint& cp, std::int64_t max_size) {
  std::string out;
  recv_frame_to(ip, port, session, [&](const char* d, std::size_t n) { out.append(d, n); }, cp,
                max_size);
  return out;
}

std::int32_t DataChannel::recv_i32(const std::string& ip, int port, std::int32_t session,
                                   const Checkpoint& cp) {
  std::string f = recv_frame(ip, port, session, cp, 4);
  if (f.size() != 4) bad_field("data frame.size", std::to_string(f.size()), "a status is 4 bytes");
  return Reader(f).i32();
}

bool DataChannel::connected(const std::string& ip, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find({ip, port});
  return it != peers_.end() && UDT::getsockstate(it->second->sock) == CONNECTED;
}

std::pair<std::int32_t, std::string> DataChannel::recv_any(const std::string& ip, int port,
                                                           bool& error, const Checkpoint& cp) {
  auto p = peer(ip, port);
  std::lock_guard<std::mutex> lock(p->recv_mu);
  for (auto& [sess, q] : p->parked) {
    if (q.empty()) continue;
    auto [err, f] = unpark(*p, q);
    error = err;
    return {sess, std::move(f)};
  }
  try {
    auto [sess, size] = recv_head(*p, cp);
    std::string f;
    if (size > 0) {
      f.resize(static_cast<std::size_t>(size));
      recv_exact(*p, f.data(), f.size(), cp);
    }
    error = size < 0;
    return {sess, std::move(f)};
  } catch (const SectorError& e) {
    // A broken or silent connection is out of step: later files need a new one.
    if (e.sector_code() == E_CONNECTION || e.sector_code() == E_TIMEOUT) drop(ip, port, p);
    throw;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Protocol) drop(ip, port, p);
    throw;
  } catch (...) {  // interrupted, possibly mid-frame: out of step
    drop(ip, port, p);
    throw;
  }
}

}  // namespace storewire::sector
