#include "auth/hashes.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "auth/crc_tables.h"
#include "storewire/error.h"

namespace storewire::auth {

namespace {

// ---- CRC32: reflected slicing-by-8 tables (CRC32C lives in crc32c.cpp) -------------

const detail::CrcTables& crc32_tables() {
  static const detail::CrcTables t = detail::make_crc_tables(0xEDB88320u);  // zlib / IEEE 802.3
  return t;
}

// ---- OpenSSL ------------------------------------------------------------------------

[[noreturn]] void throw_openssl(const char* what) {
  char buf[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  throw Error(ErrorKind::Internal, std::string(what) + ": " + buf, "openssl");
}

const char* openssl_name(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::Md5: return "MD5";
    case HashAlgorithm::Sha1: return "SHA1";
    case HashAlgorithm::Sha256: return "SHA256";
    case HashAlgorithm::Sha512: return "SHA512";
    default: return nullptr;
  }
}

// Fetched once per process (explicit fetch avoids the per-call lookup of EVP_get_digestbyname).
const EVP_MD* evp_md(HashAlgorithm a) {
  static EVP_MD* const mds[] = {
      EVP_MD_fetch(nullptr, "MD5", nullptr), EVP_MD_fetch(nullptr, "SHA1", nullptr),
      EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_fetch(nullptr, "SHA512", nullptr)};
  const EVP_MD* md = mds[static_cast<int>(a)];
  if (md == nullptr) throw_openssl(openssl_name(a));
  return md;
}

EVP_MAC* evp_hmac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw_openssl("HMAC");
  return mac;
}

bool is_crc(HashAlgorithm a) {
  return a == HashAlgorithm::Crc32 || a == HashAlgorithm::Crc32c;
}

std::string crc_bytes(uint32_t crc) {
  const char b[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                     static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return std::string(b, 4);
}

std::string errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(err)) return name;
#endif
  return "errno " + std::to_string(err);
}

[[noreturn]] void throw_io(const std::string& what, const std::string& path, int err) {
  throw Error(ErrorKind::Io, what + " " + path + ": " + std::strerror(err), errno_name(err));
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

HashAlgorithm hash_algorithm_from_name(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "md5") return HashAlgorithm::Md5;
  if (lower == "sha1") return HashAlgorithm::Sha1;
  if (lower == "sha256") return HashAlgorithm::Sha256;
  if (lower == "sha512") return HashAlgorithm::Sha512;
  if (lower == "crc32") return HashAlgorithm::Crc32;
  if (lower == "crc32c") return HashAlgorithm::Crc32c;
  throw Error(ErrorKind::InvalidArgument,
              "unknown hash algorithm '" + std::string(name) +
                  "' (expected md5, sha1, sha256, sha512, crc32 or crc32c)");
}

const char* hash_algorithm_name(HashAlgorithm a) noexcept {
  switch (a) {
    case HashAlgorithm::Md5: return "md5";
    case HashAlgorithm::Sha1: return "sha1";
    case HashAlgorithm::Sha256: return "sha256";
    case HashAlgorithm::Sha512: return "sha512";
    case HashAlgorithm::Crc32: return "crc32";
    case HashAlgorithm::Crc32c: return "crc32c";
  }
  return "?";
}

std::size_t digest_size(HashAlgorithm a) noexcept {
  switch (a) {
    case HashAlgorithm::Md5: return 16;
    case HashAlgorithm::Sha1: return 20;
    case HashAlgorithm::Sha256: return 32;
    case HashAlgorithm::Sha512: return 64;
    case HashAlgorithm::Crc32:
    case HashAlgorithm::Crc32c: return 4;
  }
  return 0;
}

uint32_t crc32(const void* data, std::size_t size, uint32_t seed) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  return ~detail::crc_slice8(crc32_tables(), p, size, ~seed);
}

std::string digest(HashAlgorithm algorithm, const void* data, std::size_t size) {
  if (algorithm == HashAlgorithm::Crc32) return crc_bytes(crc32(data, size));
  if (algorithm == HashAlgorithm::Crc32c) return crc_bytes(crc32c(data, size));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data, size, out, &len, evp_md(algorithm), nullptr) != 1) throw_openssl("digest");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(HashAlgorithm algorithm, std::string_view data) {
  return digest(algorithm, data.data(), data.size());
}

std::string hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message) {
  if (is_crc(algorithm)) throw Error(ErrorKind::InvalidArgument, "HMAC needs a digest, not a CRC");
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(evp_hmac()),
                                                                &EVP_MAC_CTX_free);
  if (!ctx) throw_openssl("HMAC context");
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                             OSSL_MAC_PARAM_DIGEST, const_cast<char*>(openssl_name(algorithm)), 0),
                         OSSL_PARAM_construct_end()};
  // A NULL key means "keep the previous key" to OpenSSL, so an empty key needs a real pointer.
  static const unsigned char kNoKey = 0;
  const auto* k = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_MAC_init(ctx.get(), k, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
    throw_openssl("HMAC");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmac_sha1(std::string_view key, std::string_view message) {
  return hmac(HashAlgorithm::Sha1, key, message);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  return hmac(HashAlgorithm::Sha256, key, message);
}

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm) {
  if (is_crc(algorithm)) return;
  ctx_ = EVP_MD_CTX_new();
  if (ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, evp_md(algorithm), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw_openssl("digest init");
  }
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(ctx_);
}

Hasher::Hasher(const Hasher& other) : algorithm_(other.algorithm_), crc_(other.crc_) {
  if (other.ctx_ == nullptr) return;
  ctx_ = EVP_MD_CTX_new();
  if (ctx_ == nullptr || EVP_MD_CTX_copy_ex(ctx_, other.ctx_) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw_openssl("digest copy");
  }
}

void Hasher::update(const void* data, std::size_t size) {
  switch (algorithm_) {
    case HashAlgorithm::Crc32: crc_ = crc32(data, size, crc_); return;
    case HashAlgorithm::Crc32c: crc_ = crc32c(data, size, crc_); return;
    default:
      if (EVP_DigestUpdate(ctx_, data, size) != 1) throw_openssl("digest update");
  }
}

std::string Hasher::digest() const {
  if (is_crc(algorithm_)) return crc_bytes(crc_);
  Hasher copy(*this);  // finalising consumes the context
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(copy.ctx_, out, &len) != 1) throw_openssl("digest final");
  return std::string(reinterpret_cast<char*>(out), len);
}

uint64_t hash_file_into(Hasher& hasher, const std::string& path, uint64_t offset, uint64_t length,
                        const Checkpoint& checkpoint) {
  constexpr std::size_t kBlock = 1 << 20;
  constexpr int kBlocksPerCheckpoint = 16;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw_io("cannot open", path, errno);
  ::posix_fadvise(f.fd, static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
  std::vector<char> buf(kBlock);
  uint64_t done = 0;
  for (int block = 1; done < length; ++block) {
    const auto want = static_cast<std::size_t>(std::min<uint64_t>(kBlock, length - done));
    const ssize_t got = ::pread(f.fd, buf.data(), want, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_io("cannot read", path, errno);
    }
    if (got == 0) {
      if (length == kToEnd) break;
      throw Error(ErrorKind::Io,
                  path + " ends at byte " + std::to_string(offset + done) + ", before the range " +
                      std::to_string(offset) + "+" + std::to_string(length) + " does",
                  "EOF");
    }
    hasher.update(buf.data(), static_cast<std::size_t>(got));
    done += static_cast<uint64_t>(got);
    if (checkpoint && block % kBlocksPerCheckpoint == 0) checkpoint();
  }
  return done;
}

std::string hash_file(HashAlgorithm algorithm, const std::string& path, uint64_t offset,
                      uint64_t length, const Checkpoint& checkpoint) {
  Hasher hasher(algorithm);
  hash_file_into(hasher, path, offset, length, checkpoint);
  return hasher.digest();
}

}  // namespace storewire::auth
