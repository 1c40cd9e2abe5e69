#include "sector/udt_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <udt/udt.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <set>

#include "sector/protocol.h"
#include "sector/validate.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

std::string udt_error_text() { return UDT::getlasterror().getErrorMessage(); }

sockaddr_in make_addr(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
    throw Error(ErrorKind::InvalidArgument, "not an IPv4 address: " + ip);
  return a;
}

void send_all(UDTSOCKET s, const char* p, std::size_t n) {
  while (n > 0) {
    int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 20));
    int sent = UDT::send(s, p, chunk, 0);
    if (sent == UDT::ERROR)
      throw Error(ErrorKind::Connection, "UDT send failed: " + udt_error_text());
    p += sent;
    n -= static_cast<std::size_t>(sent);
  }
}

// False on a broken stream, once `deadline` has passed (a peer dripping its bytes), after
// `idle` without a byte, or once `stop` is set. The socket's receive timeout is the polling
// slice, so a stop is seen within one slice.
bool recv_all(UDTSOCKET s, char* p, std::size_t n,
              std::chrono::steady_clock::time_point deadline,
              std::chrono::steady_clock::duration idle, const std::atomic<bool>& stop) {
  using Clock = std::chrono::steady_clock;
  auto last_byte = Clock::now();
  while (n > 0) {
    auto now = Clock::now();
    if (stop || now > deadline || now - last_byte > idle) return false;
    int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 20));
    int got = UDT::recv(s, p, chunk, 0);
    if (got == UDT::ERROR) {
      if (UDT::getlasterror_code() == CUDTException::ETIMEOUT) continue;  // one slice passed
      return false;
    }
    if (got == 0) continue;
    last_byte = Clock::now();
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

}  // namespace

void udt_init() {
  static std::once_flag once;
  std::call_once(once, [] { UDT::startup(); });
}

void send_large_message(const std::string& ip, int port, std::int32_t sender_port,
                        std::int32_t session, std::int32_t id, std::int32_t info,
                        const std::string& payload, double timeout_s) {
  udt_init();
  sockaddr_in peer = make_addr(ip, port);
  UDTSOCKET s = UDT::socket(AF_INET, SOCK_STREAM, 0);
  if (s == UDT::INVALID_SOCK)
    throw Error(ErrorKind::Connection, "UDT socket failed: " + udt_error_text());
  struct Closer {
    UDTSOCKET s;
    ~Closer() { UDT::close(s); }
  } closer{s};
  int ms = static_cast<int>(timeout_s * 1000);
  UDT::setsockopt(s, 0, UDT_SNDTIMEO, &ms, sizeof ms);
  linger lg{1, static_cast<int>(timeout_s) + 1};
  UDT::setsockopt(s, 0, UDT_LINGER, &lg, sizeof lg);
  if (UDT::connect(s, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == UDT::ERROR)
    throw Error(ErrorKind::Connection,
                "UDT connect to " + ip + ":" + std::to_string(port) + " failed: " +
                    udt_error_text());
  Writer w;
  w.i32(sender_port);
  w.i32(0);
  w.i32(session);
  w.i32(id);
  w.i32(info);
  w.i32(static_cast<std::int32_t>(payload.size()));
  w.raw(payload.data(), payload.size());
  send_all(s, w.bytes().data(), w.bytes().size());
}

LargeMessageListener::LargeMessageListener(const std::string& ip, int port) {
  udt_init();
  sockaddr_in addr = make_addr(ip, port);
  sock_ = UDT::socket(AF_INET, SOCK_STREAM, 0);
  if (sock_ == UDT::INVALID_SOCK)
    throw Error(ErrorKind::Connection, "UDT socket failed: " + udt_error_text());
  bool reuse = false;  // a port held by another process must make bind() fail
  UDT::setsockopt(sock_, 0, UDT_REUSEADDR, &reuse, sizeof reuse);
  if (UDT::bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == UDT::ERROR ||
      UDT::listen(sock_, 64) == UDT::ERROR) {
    std::string why = udt_error_text();
    UDT::close(sock_);
    sock_ = -1;
    throw Error(ErrorKind::Connection,
                "UDT listen on " + ip + ":" + std::to_string(port) + " failed: " + why);
  }
  sockaddr_in bound{};
  int len = sizeof bound;
  UDT::getsockname(sock_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  eid_ = UDT::epoll_create();
  UDT::epoll_add_usock(eid_, sock_);
}

LargeMessageListener::~LargeMessageListener() { close(); }

void LargeMessageListener::close() {
  closing_ = true;  // a running accept() returns within one receive slice
  std::lock_guard<std::mutex> lock(mu_);
  if (eid_ >= 0) {
    UDT::epoll_release(eid_);
    eid_ = -1;
  }
  if (sock_ >= 0) {
    UDT::close(sock_);
    sock_ = -1;
  }
}

std::optional<LargeMessage> LargeMessageListener::accept(int timeout_ms, std::size_t max_payload) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || sock_ < 0) return std::nullopt;
  std::set<UDTSOCKET> readable;
  if (UDT::epoll_wait(eid_, &readable, nullptr, timeout_ms) <= 0 || readable.empty())
    return std::nullopt;
  sockaddr_in peer{};
  int len = sizeof peer;
  UDTSOCKET c = UDT::accept(sock_, reinterpret_cast<sockaddr*>(&peer), &len);
  if (c == UDT::INVALID_SOCK) return std::nullopt;
  struct Closer {
    UDTSOCKET s;
    ~Closer() { UDT::close(s); }
  } closer{c};
  int rcv_ms = 200;  // the polling slice of recv_all()
  UDT::setsockopt(c, 0, UDT_RCVTIMEO, &rcv_ms, sizeof rcv_ms);
  // A peer that sends nothing for 5 s is dropped, and one message may take 30 s in all:
  // one slow peer cannot hold the listener.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto idle = std::chrono::seconds(5);
  char head[24];
  if (!recv_all(c, head, sizeof head, deadline, idle, closing_)) return std::nullopt;
  Reader r(head, sizeof head);
  LargeMessage m;
  char ip[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
  m.ip = ip;
  try {
    m.port = port_from_wire(r.i32(), "large message.sender_port");  // 16-bit, like all ports
  } catch (const Error&) {
    return std::nullopt;
  }
  std::int32_t type = r.i32();
  m.session = r.i32();
  m.id = r.i32();
  m.info = r.i32();
  std::int32_t size = r.i32();
  if (type != 0 || size < 0 || static_cast<std::size_t>(size) > max_payload) return std::nullopt;
  m.payload.resize(static_cast<std::size_t>(size));
  if (!recv_all(c, m.payload.data(), m.payload.size(), deadline, idle, closing_))
    return std::nullopt;
  return m;
}

}  // namespace storewire::sector
