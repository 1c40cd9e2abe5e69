// Data-channel encryption: Blowfish-CBC, 128-bit key, 64-bit IV,
// PKCS#5 padding per frame, with the CBC chain continuing from frame to frame (the IV of
// frame k+1 is the last ciphertext block of frame k). One object per direction per file.
#pragma once

#include <memory>
#include <string>

namespace storewire::sector {

class FrameCipher {
 public:
  FrameCipher(const std::string& key16, const std::string& iv8, bool encrypt);
  ~FrameCipher();
  FrameCipher(const FrameCipher&) = delete;
  FrameCipher& operator=(const FrameCipher&) = delete;

  // Encrypts (pads) or decrypts (unpads) one frame, advancing the chain.
  std::string apply(const char* data, std::size_t n);
  // The same without copies. Encrypting: buf holds n plain bytes and has room for n + 8;
  // returns the ciphertext size (n + 1..8). Decrypting: buf holds n ciphertext bytes;
  // returns the plain size.
  std::size_t apply_in_place(char* buf, std::size_t n);

 private:
  struct State;
  std::unique_ptr<State> s_;
  bool encrypt_;
};

}  // namespace storewire::sector
