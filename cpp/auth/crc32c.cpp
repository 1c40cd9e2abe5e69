#include "auth/crc32c.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "auth/crc_tables.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace storewire::auth {

namespace {

using detail::CrcTables;

const CrcTables& tables() {
  static const CrcTables t = detail::make_crc_tables(0x82F63B78u);
  return t;
}

uint32_t portable(const unsigned char* p, std::size_t n, uint32_t crc) {
  return detail::crc_slice8(tables(), p, n, crc);
}

#if defined(__x86_64__)

// The register after n zero bytes is linear in the register before, so it is a 32x32 bit
// matrix, applied here a byte at a time through four 256-entry tables. It joins the three
// streams: reg(A + B, c) == shift_len(B)(reg(A, c)) ^ reg(B, 0).
struct Shift {
  uint32_t t[4][256];

  explicit Shift(std::size_t n) {
    const std::vector<unsigned char> zeros(n, 0);
    uint32_t column[32];
    for (int bit = 0; bit < 32; ++bit) column[bit] = portable(zeros.data(), n, 1u << bit);
    for (int k = 0; k < 4; ++k) {
      for (uint32_t v = 0; v < 256; ++v) {
        uint32_t out = 0;
        for (int i = 0; i < 8; ++i)
          if (v & (1u << i)) out ^= column[8 * k + i];
        t[k][v] = out;
      }
    }
  }

  uint32_t operator()(uint32_t crc) const noexcept {
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
  }
};

// Two stream lengths: long for bulk data, short so mid-sized buffers interleave too.
constexpr std::size_t kLong = 8192;
constexpr std::size_t kShort = 256;

const Shift& shift_long() {
  static const Shift s(kLong);
  return s;
}

const Shift& shift_short() {
  static const Shift s(kShort);
  return s;
}

inline uint64_t load64(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);  // unaligned-safe
  return w;
}

// The crc32 instruction has a latency of ~3 cycles and a throughput of 1 per cycle, so
// three independent streams keep the unit busy; the streams are then joined with Shift.
__attribute__((target("sse4.2"))) uint32_t sse42_blocks(const unsigned char*& p,
                                                        std::size_t& n, uint32_t crc,
                                                        std::size_t len, const Shift& shift) {
  while (n >= 3 * len) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    const unsigned char* const end = p + len;
    while (p < end) {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + len));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * len));
      p += 8;
    }
    crc = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    crc = shift(crc) ^ static_cast<uint32_t>(c2);
    p += 2 * len;
    n -= 3 * len;
  }
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t sse42(const unsigned char* p, std::size_t n,
                                                 uint32_t crc) {
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7) != 0) {  // align the 8-byte loads
    crc = _mm_crc32_u8(crc, *p++);
    --n;
  }
  crc = sse42_blocks(p, n, crc, kLong, shift_long());
  crc = sse42_blocks(p, n, crc, kShort, shift_short());
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) c = _mm_crc32_u64(c, load64(p));
  crc = static_cast<uint32_t>(c);
  while (n-- > 0) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}

#endif

Crc32cImpl choose() noexcept {
  const char* forced = std::getenv("STOREWIRE_CRC32C");
  if (forced != nullptr && std::strcmp(forced, "portable") == 0) return Crc32cImpl::Portable;
  return crc32c_sse42_supported() ? Crc32cImpl::Sse42 : Crc32cImpl::Portable;
}

}  // namespace

bool crc32c_sse42_supported() noexcept {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("sse4.2");
  return yes;
#else
  return false;
#endif
}

Crc32cImpl crc32c_impl() noexcept {
  static const Crc32cImpl impl = choose();
  return impl;
}

const char* crc32c_impl_name(Crc32cImpl impl) noexcept {
  return impl == Crc32cImpl::Sse42 ? "sse4.2" : "portable";
}

uint32_t crc32c_with(Crc32cImpl impl, const void* data, std::size_t size, uint32_t seed) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (impl == Crc32cImpl::Sse42 && crc32c_sse42_supported()) return ~sse42(p, size, ~seed);
#else
  (void)impl;
#endif
  return ~portable(p, size, ~seed);
}

uint32_t crc32c(const void* data, std::size_t size, uint32_t seed) noexcept {
  return crc32c_with(crc32c_impl(), data, size, seed);
}

}  // namespace storewire::auth
