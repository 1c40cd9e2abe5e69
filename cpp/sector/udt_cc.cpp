#include "sector/udt_cc.h"

#include <udt/ccc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace storewire::sector {

namespace {

constexpr std::int32_t kSeqThreshold = 0x3FFFFFFF;
constexpr std::int32_t kMaxSeq = 0x7FFFFFFF;
// Receiver side: a full ACK every kMinAckInterval..kMaxAckInterval data packets, about one
// per kAckSpacingS at the current arrival rate (UDT's own full ACKs come from a 10 ms timer
// that an idle socket only checks every 100 ms).
constexpr int kMinAckInterval = 64;
constexpr int kMaxAckInterval = 1024;
constexpr double kAckSpacingS = 0.001;
constexpr int kRateSample = 64;  // packets between arrival-rate samples
// Sender side. Windows never go below two ACK intervals, so that an ACK is always due
// before the window runs out.
constexpr double kInitialWindow = 2 * kMinAckInterval;
constexpr double kMinWindow = 2 * kMinAckInterval;
constexpr double kDecrease = 0.875;        // per loss epoch, in congestion avoidance
constexpr double kIncreasePerWindow = 16;  // packets per window of ACKed data

// Signed distance from a to b in UDT's 31-bit sequence space (CSeqNo::seqoff).
std::int32_t seq_offset(std::int32_t a, std::int32_t b) {
  if (std::abs(a - b) < kSeqThreshold) return b - a;
  return a < b ? b - a - kMaxSeq - 1 : b - a + kMaxSeq + 1;
}

class WindowCC : public CCC {
 public:
  void init() override {
    m_dPktSndPeriod = 0.0;
    m_dCWndSize = kInitialWindow;
    ssthresh_ = std::numeric_limits<double>::infinity();
    last_ack_ = m_iSndCurrSeqNo;
    epoch_end_ = m_iSndCurrSeqNo;
    ack_interval_ = kMinAckInterval;
    setACKInterval(ack_interval_);
    rate_since_ = Clock::now();
  }

  void onACK(std::int32_t ack) override {
    std::int32_t acked = seq_offset(last_ack_, ack);
    if (acked <= 0) return;
    double flight = in_flight();
    last_ack_ = ack;
    // Grow only a window that is in use. When the receiver's buffer (UDT's flow window)
    // or the application limits what is in flight, ACKs would otherwise inflate the
    // window far beyond anything sent (to 25600 packets with a 11400-packet flow window):
    // the first loss then cut a meaningless number, and 16 MB bursts kept overflowing the
    // receiver's UDP buffer.
    if (2 * flight < m_dCWndSize) return;
    if (m_dCWndSize < ssthresh_)
      m_dCWndSize += acked;  // slow start
    else
      m_dCWndSize += kIncreasePerWindow * acked / m_dCWndSize;
    m_dCWndSize = std::min(m_dCWndSize, m_dMaxCWndSize);
    m_dPktSndPeriod = 0.0;
  }

  void onLoss(const std::int32_t* losses, int size) override {
    if (size <= 0) return;
    std::int32_t first = losses[0] & kMaxSeq;  // the high bit marks the start of a range
    if (seq_offset(epoch_end_, first) <= 0) return;  // already reduced for this epoch
    epoch_end_ = m_iSndCurrSeqNo;
    if (in_flight() <= kInitialWindow) return;  // see in_flight()
    // The first loss ends slow start at half the window; later ones cut gently.
    double factor = m_dCWndSize < ssthresh_ ? 0.5 : kDecrease;
    ssthresh_ = m_dCWndSize = std::max(m_dCWndSize * factor, kMinWindow);
  }

  void onTimeout() override {
    epoch_end_ = m_iSndCurrSeqNo;
    if (in_flight() <= kInitialWindow) return;  // see in_flight()
    ssthresh_ = m_dCWndSize = std::max(m_dCWndSize / 2, kMinWindow);
  }

  // Receiver side: adapts the ACK interval to the arrival rate.
  void onPktReceived(const CPacket*) override {
    if (++received_ % kRateSample != 0) return;
    Clock::time_point now = Clock::now();
    double dt = std::chrono::duration<double>(now - rate_since_).count();
    if (dt < 0.01) return;
    double pps = static_cast<double>(received_ - rate_count_) / dt;
    rate_since_ = now;
    rate_count_ = received_;
    int n = static_cast<int>(std::clamp(pps * kAckSpacingS, double{kMinAckInterval},
                                        double{kMaxAckInterval}));
    if (n != ack_interval_) {
      ack_interval_ = n;
      setACKInterval(n);
    }
  }

 private:
  using Clock = std::chrono::steady_clock;

  // Packets sent and not yet covered by a full ACK. A loss or timeout with no more than
  // the initial window in flight says nothing about congestion: typically the first
  // packet of a rendezvous connection, which the peer drops while its own handshake is
  // still pending.
  double in_flight() const { return seq_offset(last_ack_, m_iSndCurrSeqNo); }

  std::int32_t last_ack_ = 0;
  std::int32_t epoch_end_ = 0;
  double ssthresh_ = 0;
  std::int64_t received_ = 0;
  std::int64_t rate_count_ = 0;
  int ack_interval_ = kMinAckInterval;
  Clock::time_point rate_since_;
};

}  // namespace

void* window_cc_factory() {
  static CCCFactory<WindowCC> factory;  // UDT clones it for each socket
  return &factory;
}

}  // namespace storewire::sector
