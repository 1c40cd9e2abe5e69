// BF_cbc_encrypt is deprecated in OpenSSL 3 but lives in libcrypto itself, so no legacy
// provider has to be loaded; it also keeps the CBC chain in the caller's ivec, which is
// exactly Sector's "never reset" context.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sector/crypto.h"

#include <openssl/blowfish.h>

#include <cstring>

#include "sector/protocol.h"
#include "storewire/error.h"

namespace storewire::sector {

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

std::string FrameCipher::apply(const char* data, std::size_t n) {
  if (encrypt_) {
    std::size_t pad = 8 - n % 8;  // PKCS#5: 1..8 bytes
    std::string in(data, n);
    in.append(pad, static_cast<char>(pad));
    std::string out(in.size(), '\0');
    BF_cbc_encrypt(reinterpret_cast<const unsigned char*>(in.data()),
                   reinterpret_cast<unsigned char*>(out.data()), static_cast<long>(in.size()),
                   &s_->key, s_->ivec, BF_ENCRYPT);
    return out;
  }
  if (n == 0 || n % 8 != 0)
    throw SectorError(E_DATACHN, "decrypt", "ciphertext is not a whole number of blocks");
  std::string out(n, '\0');
  BF_cbc_encrypt(reinterpret_cast<const unsigned char*>(data),
                 reinterpret_cast<unsigned char*>(out.data()), static_cast<long>(n), &s_->key,
                 s_->ivec, BF_DECRYPT);
  auto pad = static_cast<unsigned char>(out.back());
  if (pad < 1 || pad > 8) throw SectorError(E_DATACHN, "decrypt", "bad padding");
  out.resize(n - pad);
  return out;
}

}  // namespace storewire::sector
