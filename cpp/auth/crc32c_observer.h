// CRC32C of a response body, fed by the HTTP engine's thread as the bytes arrive, so a
// download is checked without reading it back. reset() runs at every attempt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/crc32c.h"
#include "http/types.h"

namespace storewire::auth {

class Crc32cObserver final : public http::BodyObserver {
 public:
  void reset() override { crc_ = 0; }
  void update(const char* data, std::size_t size) override { crc_ = crc32c(data, size, crc_); }

  std::uint32_t value() const { return crc_; }
  // The 4-byte big-endian form S3 and DS3 send (base64) in their checksum headers.
  std::string digest() const {
    const char bytes[4] = {static_cast<char>(crc_ >> 24), static_cast<char>(crc_ >> 16),
                           static_cast<char>(crc_ >> 8), static_cast<char>(crc_)};
    return std::string(bytes, 4);
  }

 private:
  std::uint32_t crc_ = 0;
};

}  // namespace storewire::auth
