// The data channel (protocol notes §7.2): UDT stream sockets in rendezvous mode between
// (our IP, Dc) and (slave IP, D), one per peer, kept for the life of the process. Every
// unit is a frame: i32 session (transid), i32 size, size bytes; frames of other sessions
// are set aside for their readers.
#pragma once

#include "storewire/checkpoint.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace storewire::sector {

using storewire::Checkpoint;

class DataChannel {
 public:
  static constexpr std::int64_t kMaxFrameSize = 64'000'000 + 8;  // §7.2 (+ cipher padding)
  // Frames of other sessions held for their readers, per connection.
  static constexpr std::size_t kMaxParkedBytes = 512u << 20;
  static constexpr std::size_t kMaxParkedFrames = 65536;
  // One rendezvous attempt lasts at most this long, well inside libudt 4.11's own 30 s
  // rendezvous timer (see connect_attempt in datachn.cpp); longer timeouts retry.
  static constexpr double kAttemptS = 20.0;
  // Defaults of the emulator-facing binding (the client sets its own from ClientOptions).
  static constexpr double kDefaultConnectTimeoutS = 30.0;
  static constexpr double kDefaultIdleTimeoutS = 0.0;  // wait for ever

  // Binds the base rendezvous socket on (bind_ip, port); port 0 = any free port.
  explicit DataChannel(const std::string& bind_ip, int port = 0);
  ~DataChannel();
  DataChannel(const DataChannel&) = delete;
  DataChannel& operator=(const DataChannel&) = delete;

  int port() const { return port_; }
  // A receive that gets no byte for this long fails with E_TIMEOUT and drops the
  // connection (a peer that died without closing); 0 (the default) waits for ever.
  void set_idle_timeout(double seconds) { idle_timeout_s_ = seconds; }

  // Connects (rendezvous) to the peer unless already connected. E_CONNECTION after close().
  void connect(const std::string& ip, int port, double timeout_s, const Checkpoint& cp);
  // `cp` is polled while the peer accepts nothing (a 1 s slice); if it throws (Ctrl-C),
  // the frame is cut short, so the connection is dropped before the exception goes on.
  void send_frame(const std::string& ip, int port, std::int32_t session, const void* data,
                  std::size_t size, const Checkpoint& cp = {});
  void send_error(const std::string& ip, int port, std::int32_t session);  // size -1 frame
  // Bytes as they are, no frame header: for emulated peers that must misbehave on purpose.
  void send_raw(const std::string& ip, int port, const void* data, std::size_t size);
  void send_i32(const std::string& ip, int port, std::int32_t session, std::int32_t v);
  void send_i64_pair(const std::string& ip, int port, std::int32_t session, std::int64_t a,
                     std::int64_t b);
  // Receives the next frame of `session` whole. Throws SectorError(E_DATACHN) on an error
  // frame (size -1), E_CONNECTION when the connection breaks (it is then dropped, so a
  // later connect() makes a new one) and E_TIMEOUT after the idle timeout. A frame header
  // outside -1 .. 64 MB, a frame of `session` over `max_size` bytes, or more set-aside
  // frames than kMaxParkedBytes / kMaxParkedFrames is a Protocol error (and the connection,
  // now out of step, is dropped).
  std::string recv_frame(const std::string& ip, int port, std::int32_t session,
                         const Checkpoint& cp, std::int64_t max_size = kMaxFrameSize);
  // A 4-byte frame holding one i32 (a status); any other size is a Protocol error.
  std::int32_t recv_i32(const std::string& ip, int port, std::int32_t session,
                        const Checkpoint& cp);
  // Receives the next frame of `session` and hands its payload to `sink` in pieces
  // (for large data, without holding the whole frame). Returns the frame size.
  std::int64_t recv_frame_to(const std::string& ip, int port, std::int32_t session,
                             const std::function<void(const char*, std::size_t)>& sink,
                             const Checkpoint& cp, std::int64_t max_size = kMaxFrameSize);
  // Receives the next frame of any session (set-aside frames first): (session, data);
  // an error frame gives size -1 as (session, nullopt-like empty with error=true).
  std::pair<std::int32_t, std::string> recv_any(const std::string& ip, int port, bool& error,
                                                const Checkpoint& cp);
  bool connected(const std::string& ip, int port);
  // Gives up the peer's connection, e.g. after an interrupted upload whose slave still
  // waits for data: forgotten at once, closed without lingering once no call uses it
  // (the peer sees it break and ends its sessions); the next connect() makes a new one.
  void abandon(const std::string& ip, int port);
  void close();

 private:
  // One connection. Its socket is closed by the destructor, when the last call using it
  // has let go: libudt frees a closed socket behind a call still blocked on it (a crash
  // seen under load), so drop() and close() only set `stop`, and every blocked call
  // notices it within one timeout slice (1 s) and fails.
  struct Peer {
    int sock = -1;
    std::atomic<bool> stop{false};     // dropped or closed: calls on it give up
    std::atomic<bool> abandon{false};  // close without lingering on unsent data
    std::mutex send_mu;
    std::mutex recv_mu;
    std::map<std::int32_t, std::deque<std::pair<bool, std::string>>> parked;  // (error, data)
    std::size_t parked_bytes = 0, parked_frames = 0;
    // When a receive last let the checkpoint look for Ctrl-C (under recv_mu).
    std::chrono::steady_clock::time_point last_check{};
    Peer() = default;
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;
    ~Peer();
  };
  // Sends all n bytes in pieces of at most max_chunk; a broken or stopped connection is
  // dropped and fails with E_CONNECTION.
  void send_all(const std::string& ip, int port, const std::shared_ptr<Peer>& p, const char* b,
                std::size_t n, std::size_t max_chunk, const Checkpoint& cp = {});
  // Sets a frame aside for its session's reader, within the limits above.
  static void park(Peer& p, std::int32_t session, std::int32_t size, std::string frame);
  static std::pair<bool, std::string> unpark(Peer& p, std::deque<std::pair<bool, std::string>>& q);
  // The next frame header: (session, size), the size checked.
  std::pair<std::int32_t, std::int32_t> recv_head(Peer& p, const Checkpoint& cp);
  std::shared_ptr<Peer> peer(const std::string& ip, int port);
  // One rendezvous attempt until `until`: the connected socket, or INVALID (-1) when the
  // time ran out while still connecting.
  int connect_attempt(const std::string& ip, int port, std::chrono::steady_clock::time_point until,
                      const Checkpoint& cp);
  // Forgets the peer's connection and has it closed without lingering once unused,
  // unless it was replaced meanwhile.
  void drop(const std::string& ip, int port, const std::shared_ptr<Peer>& p);
  void recv_exact(Peer& p, char* buf, std::size_t n, const Checkpoint& cp);

  std::string bind_ip_;
  int base_ = -1;
  int port_ = 0;
  std::atomic<double> idle_timeout_s_{0.0};
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  // One rendezvous at a time per peer (never two sockets for one peer); different peers
  // connect in parallel, so a peer that never answers holds up no one else.
  std::shared_ptr<std::mutex> connect_lock(const std::string& ip, int port);
  std::map<std::pair<std::string, int>, std::shared_ptr<std::mutex>> connecting_;
  std::map<std::pair<std::string, int>, std::shared_ptr<Peer>> peers_;
};

}  // namespace storewire::sector
