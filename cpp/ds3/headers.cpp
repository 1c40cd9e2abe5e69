// DS3 header names: checksum headers and their algorithms.
#include "ds3/headers.h"

#include <algorithm>
#include <cctype>

#include "storewire/error.h"

namespace storewire::ds3 {

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string checksum_header(const std::string& algorithm) {
  const std::string a = ascii_lower(algorithm);
  if (a == "md5") return "Content-MD5";
  if (a == "crc32") return "Content-CRC32";
  if (a == "crc32c") return "Content-CRC32C";
  if (a == "sha256") return "Content-SHA256";
  if (a == "sha512") return "Content-SHA512";
  throw Error(ErrorKind::InvalidArgument,
              "unknown checksum '" + algorithm + "' (md5, crc32, crc32c, sha256, sha512)");
}

std::string checksum_algorithm(const std::string& type_or_header) {
  std::string t = ascii_lower(type_or_header);
  if (t.rfind("content-", 0) == 0) t = t.substr(8);
  t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
  if (t == "md5" || t == "crc32" || t == "crc32c" || t == "sha256" || t == "sha512") return t;
  return {};
}

}  // namespace storewire::ds3
