// CRC32C (Castagnoli): SSE4.2 crc32 instructions, three streams interleaved, when the CPU
// has them (checked at run time, so the build needs no -msse4.2); slicing-by-8 tables
// otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace storewire::auth {

// zlib-style running checksum: crc(a + b) == crc32c(b, crc32c(a)).
uint32_t crc32c(const void* data, std::size_t size, uint32_t seed = 0) noexcept;

enum class Crc32cImpl { Portable, Sse42 };

// The implementation crc32c() uses: Sse42 if the CPU supports it, unless the environment
// variable STOREWIRE_CRC32C is "portable" (read once, at the first call).
Crc32cImpl crc32c_impl() noexcept;
const char* crc32c_impl_name(Crc32cImpl impl) noexcept;  // "portable" / "sse4.2"
bool crc32c_sse42_supported() noexcept;

// One implementation explicitly (tests and benchmarks). Sse42 on a CPU without it falls
// back to Portable; check crc32c_sse42_supported() first.
uint32_t crc32c_with(Crc32cImpl impl, const void* data, std::size_t size,
                     uint32_t seed = 0) noexcept;

}  // namespace storewire::auth
