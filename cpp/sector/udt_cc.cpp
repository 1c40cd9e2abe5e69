#include "sector/udt_cc.h"

#include <udt/ccc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace storewire::sector {

namespace {

constexpr std::int32_t kSeqThreshold = 0x3FFFFFFF;
constexpr std::int32_t kMaxSeq = 0x7FFFFFFF;
constexpr double kInitialWindow = 32.0;
constexpr double kMinWindow = 32.0;
constexpr double kDecrease = 0.875;       // per loss epoch
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
    last_ack_ = m_iSndCurrSeqNo;
    epoch_end_ = m_iSndCurrSeqNo;
    slow_start_ = true;
  }

  void onACK(std::int32_t ack) override {
    std::int32_t acked = seq_offset(last_ack_, ack);
    if (acked <= 0) return;
    last_ack_ = ack;
    if (slow_start_) {
      m_dCWndSize += acked;
      if (m_dCWndSize >= m_dMaxCWndSize) slow_start_ = false;
    } else {
      m_dCWndSize += kIncreasePerWindow * acked / m_dCWndSize;
    }
    m_dCWndSize = std::min(m_dCWndSize, m_dMaxCWndSize);
    m_dPktSndPeriod = 0.0;
  }

  void onLoss(const std::int32_t* losses, int size) override {
    if (size <= 0) return;
    slow_start_ = false;
    std::int32_t first = losses[0] & kMaxSeq;  // the high bit marks the start of a range
    if (seq_offset(epoch_end_, first) <= 0) return;  // already reduced for this epoch
    epoch_end_ = m_iSndCurrSeqNo;
    m_dCWndSize = std::max(m_dCWndSize * kDecrease, kMinWindow);
  }

  void onTimeout() override {
    slow_start_ = false;
    epoch_end_ = m_iSndCurrSeqNo;
    m_dCWndSize = std::max(m_dCWndSize / 2, kMinWindow);
  }

 private:
  std::int32_t last_ack_ = 0;
  std::int32_t epoch_end_ = 0;
  bool slow_start_ = true;
};

}  // namespace

void* window_cc_factory() {
  static CCCFactory<WindowCC> factory;  // UDT clones it for each socket
  return &factory;
}

}  // namespace storewire::sector
