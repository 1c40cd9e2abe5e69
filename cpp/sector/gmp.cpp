#include "sector/gmp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "sector/protocol.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

constexpr std::int32_t kMaxId = 0x0FFFFFFE;
constexpr double kUnackedExpiry_s = 300.0;  // stop resending after 5 minutes

sockaddr_in make_addr(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
    throw Error(ErrorKind::InvalidArgument, "not an IPv4 address: " + ip);
  return a;
}

std::string header(std::int32_t type, std::int32_t session, std::int32_t id, std::int32_t info) {
  Writer w;
  w.i32(type);
  w.i32(session);
  w.i32(id);
  w.i32(info);
  return std::move(w.bytes());
}

}  // namespace

Gmp::Gmp(const std::string& bind_ip, GmpOptions options)
    : options_(options), bind_ip_(bind_ip) {
  std::random_device rd;
  std::uniform_int_distribution<std::int32_t> dist(1, 0x7FFFFFFF);
  session_ = dist(rd);
  id_counter_ = 0;
  // The UDT listener first on any port X, then the UDP socket on X+1.
  for (int attempt = 0; attempt < 50 && udp_fd_ < 0; ++attempt) {
    auto listener = std::make_unique<LargeMessageListener>(bind_ip, 0);
    int x = listener->port();
    if (x >= 65535) continue;
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(ErrorKind::Connection, std::string("socket: ") + strerror(errno));
    sockaddr_in a = make_addr(bind_ip, x + 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      continue;
    }
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    listener_ = std::move(listener);
    udp_fd_ = fd;
    udp_port_ = x + 1;
  }
  if (udp_fd_ < 0) throw Error(ErrorKind::Connection, "could not bind a GMP port pair");
  receiver_ = std::thread([this] { receive_loop(); });
  large_receiver_ = std::thread([this] { large_loop(); });
}

Gmp::~Gmp() { close(); }

void Gmp::close() {
  if (stop_.exchange(true)) return;
  if (receiver_.joinable()) receiver_.join();
  if (large_receiver_.joinable()) large_receiver_.join();
  if (listener_) listener_->close();
  if (udp_fd_ >= 0) ::close(udp_fd_);
  udp_fd_ = -1;
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();  // waiting rpc() calls see stop_ and throw
}

GmpStats Gmp::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::int32_t Gmp::next_id() {
  // caller holds mu_
  id_counter_ = id_counter_ >= kMaxId ? 1 : id_counter_ + 1;
  return id_counter_;
}

void Gmp::send_datagram(const std::string& ip, int port, const std::string& bytes) {
  sockaddr_in a = make_addr(ip, port);
  ::sendto(udp_fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

void Gmp::send_ack(const std::string& ip, int port, std::int32_t id) {
  send_datagram(ip, port, header(1, session_, id, 0));
}

std::string Gmp::rpc(const std::string& ip, int port, const std::string& msg, double timeout_s,
                     const std::function<bool()>& interrupted) {
  if (stop_) throw Error(ErrorKind::Cancelled, "GMP endpoint is closed");
  auto waiter = std::make_shared<Waiter>();
  waiter->ip = ip;
  waiter->port = port;
  std::int32_t id;
  std::string datagram;
  const bool large = msg.size() > kMaxGmpPayload;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id();
    waiters_[id] = waiter;
    if (!large) {
      datagram = header(0, session_, id, 0) + msg;
      // Enqueued before sending, so an early ACK always finds its entry.
      unacked_[id] = Outgoing{ip, port, datagram, Clock::now()};
      ++stats_.sent;
    }
  }
  struct Cleanup {
    Gmp* g;
    std::int32_t id;
    ~Cleanup() {
      std::lock_guard<std::mutex> lock(g->mu_);
      g->waiters_.erase(id);
      g->unacked_.erase(id);
    }
  } cleanup{this, id};
  if (large) {
    send_large_message(ip, port - 1, udp_port_, session_, id, 0, msg, std::min(timeout_s, 30.0));
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.large_sent;
  } else {
    send_datagram(ip, port, datagram);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  std::unique_lock<std::mutex> lock(mu_);
  while (!waiter->done) {
    if (stop_) throw Error(ErrorKind::Cancelled, "GMP endpoint closed while waiting");
    if (Clock::now() >= deadline) throw SectorError(E_TIMEOUT, "gmp", "");
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (!waiter->done && interrupted) {
      lock.unlock();
      bool stop = interrupted();
      lock.lock();
      if (stop) throw Error(ErrorKind::Cancelled, "interrupted");
    }
  }
  return std::move(waiter->reply);
}

bool Gmp::deliver(const std::string& ip, int port, std::int32_t session, std::int32_t id,
                  std::int32_t info, std::string payload) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = Clock::now();
  auto key = PeerMsg{ip, port, session, id};
  if (seen_.count(key)) {
    ++stats_.duplicates;
    return false;
  }
  seen_[key] = now;
  if (now - last_prune_ > std::chrono::seconds(1)) {
    last_prune_ = now;
    auto window = std::chrono::duration<double>(options_.dedup_window_s);
    for (auto it = seen_.begin(); it != seen_.end();)
      it = (now - it->second > window) ? seen_.erase(it) : std::next(it);
  }
  ++stats_.received;
  if (info == 0) {  // a request: a client serves none
    ++stats_.ignored;
    return true;
  }
  auto it = waiters_.find(info);
  if (it == waiters_.end() || it->second->ip != ip || it->second->port != port) {
    // a late reply to a finished call, or a message from a peer we did not ask
    ++stats_.ignored;
    return true;
  }
  it->second->reply = std::move(payload);
  it->second->done = true;
  unacked_.erase(info);  // the reply proves the request arrived
  cv_.notify_all();
  return true;
}

void Gmp::retransmit_due() {
  std::vector<Outgoing> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = Clock::now();
    auto every = std::chrono::duration<double>(options_.retransmit_s);
    auto expiry = std::chrono::duration<double>(kUnackedExpiry_s);
    for (auto it = unacked_.begin(); it != unacked_.end();) {
      if (now - it->second.last_sent > expiry && !waiters_.count(it->first)) {
        it = unacked_.erase(it);
        continue;
      }
      if (now - it->second.last_sent >= every) {
        it->second.last_sent = now;
        due.push_back(it->second);
        ++stats_.retransmitted;
      }
      ++it;
    }
  }
  for (const auto& o : due) send_datagram(o.ip, o.port, o.datagram);
}

void Gmp::receive_loop() {
  std::string buf(kGmpHeader + kMaxGmpPayload, '\0');
  while (!stop_) {
    pollfd p{udp_fd_, POLLIN, 0};
    int n = ::poll(&p, 1, 50);
    retransmit_due();
    if (n <= 0 || !(p.revents & POLLIN)) continue;
    sockaddr_in from{};
    socklen_t fromlen = sizeof from;
    ssize_t got = ::recvfrom(udp_fd_, buf.data(), buf.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &fromlen);
    if (got < static_cast<ssize_t>(kGmpHeader) || from.sin_family != AF_INET) {
      if (got >= 0) {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.ignored;
      }
      continue;
    }
    char ipbuf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &from.sin_addr, ipbuf, sizeof ipbuf);
    std::string ip = ipbuf;
    int port = ntohs(from.sin_port);
    Reader r(buf.data(), static_cast<std::size_t>(got));
    std::int32_t type = r.i32(), session = r.i32(), id = r.i32(), info = r.i32();
    switch (type) {
      case 0: {  // data: ACK it (duplicates too), then deliver once
        send_ack(ip, port, id);
        deliver(ip, port, session, id, info,
                std::string(buf.data() + kGmpHeader, static_cast<std::size_t>(got) - kGmpHeader));
        break;
      }
      case 1: {  // ACK of one of ours
        std::lock_guard<std::mutex> lock(mu_);
        unacked_.erase(id);
        break;
      }
      case 2:  // RTT probe
        send_ack(ip, port, id);
        break;
      default: {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.ignored;
      }
    }
  }
}

void Gmp::large_loop() {
  while (!stop_) {
    std::optional<LargeMessage> m;
    try {
      m = listener_->accept(100);
    } catch (const std::exception&) {
      continue;
    }
    if (!m) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.large_received;
    }
    deliver(m->ip, m->port, m->session, m->id, m->info, std::move(m->payload));
  }
}

}  // namespace storewire::sector
