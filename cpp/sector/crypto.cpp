// BF_cbc_encrypt is deprecated in OpenSSL 3 but lives in libcrypto itself, so no legacy
// provider has to be loaded; it also keeps the CBC chain in the caller's ivec, which is
// exactly Sector's "never reset" context.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sector/crypto.h"

#include <openssl/blowfish.h>

#include <cstdint>
#include <cstring>

#include "sector/protocol.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

// Blowfish words are big-endian on the byte stream.
inline std::uint32_t load_be(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline void store_be(unsigned char* p, std::uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

inline std::uint32_t feistel(const BF_LONG* s, std::uint32_t x) {
  return ((static_cast<std::uint32_t>(s[x >> 24]) + static_cast<std::uint32_t>(s[0x100 + ((x >> 16) & 0xff)])) ^
          static_cast<std::uint32_t>(s[0x200 + ((x >> 8) & 0xff)])) +
         static_cast<std::uint32_t>(s[0x300 + (x & 0xff)]);
}

// CBC decryption in place. Unlike encryption, every block's decryption is independent
// (plain_i = D(c_i) ^ c_(i-1)), so several blocks go through the rounds side by side: one
// Blowfish block is a chain of dependent table lookups, and interleaving keeps the core
// busy where one block alone leaves it waiting.
template <int kLanes>
void decrypt_blocks(const BF_KEY& key, unsigned char* b, std::uint32_t& prev_l,
                    std::uint32_t& prev_r) {
  const BF_LONG* p = key.P;
  const BF_LONG* s = key.S;
  std::uint32_t cl[kLanes], cr[kLanes], l[kLanes], r[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    cl[k] = load_be(b + 8 * k);
    cr[k] = load_be(b + 8 * k + 4);
    l[k] = cl[k] ^ static_cast<std::uint32_t>(p[17]);
    r[k] = cr[k];
  }
  // Unrolled whatever the optimisation level: the lanes must sit in registers.
#pragma GCC unroll 8
  for (int j = 16; j >= 2; j -= 2) {
#pragma GCC unroll 4
    for (int k = 0; k < kLanes; ++k) r[k] ^= static_cast<std::uint32_t>(p[j]) ^ feistel(s, l[k]);
#pragma GCC unroll 4
    for (int k = 0; k < kLanes; ++k)
      l[k] ^= static_cast<std::uint32_t>(p[j - 1]) ^ feistel(s, r[k]);
  }
  for (int k = 0; k < kLanes; ++k) {
    std::uint32_t out_l = (r[k] ^ static_cast<std::uint32_t>(p[0])) ^ prev_l;
    std::uint32_t out_r = l[k] ^ prev_r;
    store_be(b + 8 * k, out_l);
    store_be(b + 8 * k + 4, out_r);
    prev_l = cl[k];
    prev_r = cr[k];
  }
}

void cbc_decrypt(const BF_KEY& key, unsigned char* buf, std::size_t n, unsigned char ivec[8]) {
  constexpr int kLanes = 4;
  std::uint32_t prev_l = load_be(ivec), prev_r = load_be(ivec + 4);
  std::size_t blocks = n / 8, i = 0;
  for (; i + kLanes <= blocks; i += kLanes) decrypt_blocks<kLanes>(key, buf + 8 * i, prev_l, prev_r);
  for (; i < blocks; ++i) decrypt_blocks<1>(key, buf + 8 * i, prev_l, prev_r);
  store_be(ivec, prev_l);
  store_be(ivec + 4, prev_r);
}

}  // namespace

struct FrameCipher::State {
  BF_KEY key;
  unsigned char ivec[8];
};

FrameCipher::FrameCipher(const std::string& key16, const std::string& iv8, bool encrypt)
    : s_(std::make_unique<State>()), encrypt_(encrypt) {
  if (key16.size() != 16 || iv8.size() != 8)
    throw Error(ErrorKind::InvalidArgument, "Blowfish needs a 16-byte key and an 8-byte IV");
  BF_set_key(&s_->key, 16, reinterpret_cast<const unsigned char*>(key16.data()));
  std::memcpy(s_->ivec, iv8.data(), 8);
}

FrameCipher::~FrameCipher() = default;

std::size_t FrameCipher::apply_in_place(char* buf, std::size_t n) {
  auto* u = reinterpret_cast<unsigned char*>(buf);
  if (encrypt_) {
    std::size_t pad = 8 - n % 8;  // PKCS#5: 1..8 bytes
    std::memset(u + n, static_cast<int>(pad), pad);
    // CBC encryption is one chain: nothing to interleave; OpenSSL's loop is as good.
    BF_cbc_encrypt(u, u, static_cast<long>(n + pad), &s_->key, s_->ivec, BF_ENCRYPT);
    return n + pad;
  }
  if (n == 0 || n % 8 != 0)
    throw SectorError(E_DATACHN, "decrypt", "ciphertext is not a whole number of blocks");
  cbc_decrypt(s_->key, u, n, s_->ivec);
  auto pad = static_cast<unsigned char>(u[n - 1]);
  if (pad < 1 || pad > 8) throw SectorError(E_DATACHN, "decrypt", "bad padding");
  return n - pad;
}

std::string FrameCipher::apply(const char* data, std::size_t n) {
  std::string out;
  out.reserve(n + 8);
  out.assign(data, n);
  out.resize(n + (encrypt_ ? 8 : 0));
  out.resize(apply_in_place(out.data(), n));
  return out;
}

}  // namespace storewire::sector
