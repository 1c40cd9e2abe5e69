// The UDT pieces GMP needs (protocol notes §5.6, §9): one-shot "large message" streams and
// the listener that receives them. Debian's libudt 4.11, regular (non-rendezvous) mode.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace storewire::sector {

// UDT::startup() once per process (never cleaned up: UDT's threads outlive static dtors).
void udt_init();

// A GMP message that arrived over UDT: the sender's identity and the header fields.
struct LargeMessage {
  std::string ip;           // the UDT peer's IP
  std::int32_t port = 0;    // the sender's GMP UDP port, as written in the stream
  std::int32_t session = 0;
  std::int32_t id = 0;
  std::int32_t info = 0;
  std::string payload;      // the SectorMsg
};

// Connects to (ip, port) — the receiver's GMP port − 1 — writes
// i32 sender_port, 16-byte GMP header (type 0, session, id, info), i32 len, payload; closes.
// Throws storewire::Error (Connection / Timeout) on failure.
inline constexpr double kLargeMessageTimeoutS = 30.0;
void send_large_message(const std::string& ip, int port, std::int32_t sender_port,
                        std::int32_t session, std::int32_t id, std::int32_t info,
                        const std::string& payload, double timeout_s = kLargeMessageTimeoutS);

// A UDT listener for large GMP messages. One thread calls accept(); close() may come from
// any thread at any time: it waits (at most ~200 ms) for a running accept() to notice, so
// no UDT socket is ever closed under a call still using it (libudt frees it behind us).
class LargeMessageListener {
 public:
  // Binds ip:port (port 0 = any free port) and listens.
  LargeMessageListener(const std::string& ip, int port);
  ~LargeMessageListener();
  LargeMessageListener(const LargeMessageListener&) = delete;
  LargeMessageListener& operator=(const LargeMessageListener&) = delete;

  int port() const { return port_; }
  // Waits up to timeout_ms for one connection and reads one message from it. Returns
  // nothing on timeout or when the peer sent something malformed (it is dropped).
  std::optional<LargeMessage> accept(int timeout_ms, std::size_t max_payload = 64u << 20);
  void close();

 private:
  std::mutex mu_;  // held by accept() and close(): one of them at a time
  std::atomic<bool> closing_{false};
  int sock_ = -1;
  int eid_ = -1;
  int port_ = 0;
};

}  // namespace storewire::sector
