// Digests (OpenSSL 3 EVP), HMAC, and the CRC32/CRC32C checksums (implemented here), one-shot
// and incremental, plus hashing of a file range.
#pragma once

#include "auth/crc32c.h"
#include "storewire/checkpoint.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace storewire::auth {

enum class HashAlgorithm { Md5, Sha1, Sha256, Sha512, Crc32, Crc32c };

// "md5", "sha1", "sha256", "sha512", "crc32", "crc32c" (any case). Throws InvalidArgument.
HashAlgorithm hash_algorithm_from_name(std::string_view name);
const char* hash_algorithm_name(HashAlgorithm algorithm) noexcept;
std::size_t digest_size(HashAlgorithm algorithm) noexcept;

// Running checksum in zlib style: pass the previous result as `seed` to continue, so
// crc(a + b) == crc(b, crc(a)). CRC32 is zlib's; crc32c() (Castagnoli) is in crc32c.h.
uint32_t crc32(const void* data, std::size_t size, uint32_t seed = 0) noexcept;

// Raw digest bytes; a CRC is 4 bytes big-endian (the form S3's x-amz-checksum-* encode).
std::string digest(HashAlgorithm algorithm, const void* data, std::size_t size);
std::string digest(HashAlgorithm algorithm, std::string_view data);

// HMAC over MD5/SHA-1/SHA-256/SHA-512 (InvalidArgument for a CRC). Returns raw bytes.
std::string hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message);
std::string hmac_sha1(std::string_view key, std::string_view message);
std::string hmac_sha256(std::string_view key, std::string_view message);

// Incremental hasher, so large data (e.g. a file range) can be fed in blocks.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher& other);
  Hasher& operator=(const Hasher&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest of everything fed so far; the hasher stays usable (hashlib semantics).
  std::string digest() const;
  HashAlgorithm algorithm() const noexcept { return algorithm_; }

 private:
  HashAlgorithm algorithm_;
  evp_md_ctx_st* ctx_ = nullptr;  // digests
  uint32_t crc_ = 0;              // checksums
};

// Length meaning "up to the end of the file".
inline constexpr uint64_t kToEnd = UINT64_MAX;

using storewire::Checkpoint;

// Feeds bytes [offset, offset + length) of a file to `hasher`, read with pread in 1 MiB
// blocks. Throws Io if the file cannot be read or ends before the range does (unless
// length is kToEnd). Returns the number of bytes hashed.
uint64_t hash_file_into(Hasher& hasher, const std::string& path, uint64_t offset = 0,
                        uint64_t length = kToEnd, const Checkpoint& checkpoint = {});

std::string hash_file(HashAlgorithm algorithm, const std::string& path, uint64_t offset = 0,
                      uint64_t length = kToEnd, const Checkpoint& checkpoint = {});

}  // namespace storewire::auth
