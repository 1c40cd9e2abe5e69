// GMP: Sector's acknowledged request/reply messaging over UDP, with
// messages over 1456 bytes carried by one-shot UDT streams to the peer's GMP port − 1.
//
// One Gmp owns: a UDT listener on port X (large incoming messages), a UDP socket on X+1
// (the advertised GMP port), a receiver thread (ACKs, RTT probes, duplicate suppression,
// reply matching, retransmission) and a thread accepting large messages.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "sector/udt_link.h"

namespace storewire::sector {

struct GmpOptions {
  // Resend a message not ACKed after this long (the stock code uses 15 s).
  double retransmit_s = 1.0;
  // Remembered (peer, session, id) pairs are forgotten after this long.
  double dedup_window_s = 10.0;
};

struct GmpStats {
  std::uint64_t sent = 0, retransmitted = 0, received = 0, duplicates = 0, ignored = 0;
  std::uint64_t large_sent = 0, large_received = 0;
};

class Gmp {
 public:
  // bind_ip: the local address the peer will see (e.g. "127.0.0.1" or "0.0.0.0").
  explicit Gmp(const std::string& bind_ip, GmpOptions options = {});
  ~Gmp();
  Gmp(const Gmp&) = delete;
  Gmp& operator=(const Gmp&) = delete;

  int port() const { return udp_port_; }  // the advertised GMP port G (UDT listener at G-1)
  GmpStats stats() const;

  // Sends a request SectorMsg to (ip, port) and waits for the reply SectorMsg.
  // `interrupted` is polled about every 100 ms (Ctrl-C); returning true cancels the wait.
  // Throws SectorError(E_TIMEOUT) after timeout_s, Error(Cancelled) when interrupted.
  std::string rpc(const std::string& ip, int port, const std::string& msg, double timeout_s,
                  const std::function<bool()>& interrupted = {});

  void close();

 private:
  using Clock = std::chrono::steady_clock;
  struct Outgoing {
    std::string ip;
    int port;
    std::string datagram;
    Clock::time_point last_sent;
  };
  struct Waiter {
    std::string ip;  // a reply counts only from the peer the request went to
    int port = 0;
    bool done = false;
    std::string reply;
  };
  using PeerMsg = std::tuple<std::string, int, std::int32_t, std::int32_t>;

  std::int32_t next_id();
  void send_datagram(const std::string& ip, int port, const std::string& bytes);
  void send_ack(const std::string& ip, int port, std::int32_t id);
  // Common path for data messages from UDP and UDT; returns false for duplicates.
  bool deliver(const std::string& ip, int port, std::int32_t session, std::int32_t id,
               std::int32_t info, std::string payload);
  void receive_loop();
  void large_loop();
  void retransmit_due();

  GmpOptions options_;
  std::string bind_ip_;
  std::unique_ptr<LargeMessageListener> listener_;
  int udp_fd_ = -1;
  int udp_port_ = 0;
  std::int32_t session_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::int32_t id_counter_ = 0;
  std::map<std::int32_t, Outgoing> unacked_;
  std::map<std::int32_t, std::shared_ptr<Waiter>> waiters_;
  std::map<PeerMsg, Clock::time_point> seen_;
  Clock::time_point last_prune_ = Clock::now();
  GmpStats stats_;

  std::atomic<bool> stop_{false};
  std::thread receiver_;
  std::thread large_receiver_;
};

}  // namespace storewire::sector
