// Reflected slicing-by-8 CRC tables, the portable path shared by CRC32 and CRC32C.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace storewire::auth::detail {

using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

inline CrcTables make_crc_tables(uint32_t reflected_poly) {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ reflected_poly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

// `crc` is the internal (pre-inverted) register; 8 bytes per step.
inline uint32_t crc_slice8(const CrcTables& t, const unsigned char* p, std::size_t n,
                           uint32_t crc) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // unaligned-safe load
    w ^= crc;
    crc = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^ t[4][(w >> 24) & 0xFF] ^
          t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^ t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
#endif
  while (n-- > 0) crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return crc;
}

}  // namespace storewire::auth::detail
