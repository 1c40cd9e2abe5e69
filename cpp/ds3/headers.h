// DS3 header names: checksum headers and their algorithms.
#pragma once

#include <string>

namespace storewire::ds3 {

// ASCII lower case (header names, ETags); the C locale plays no part.
std::string ascii_lower(std::string s);

// The DS3 checksum header for an algorithm name ("md5" → "Content-MD5", "crc32c" →
// "Content-CRC32C", ...); throws InvalidArgument for an unknown one.
std::string checksum_header(const std::string& algorithm);
// "MD5" / "CRC_32C" (DS3 ChecksumType) or a header name → algorithm name ("md5", "crc32c").
std::string checksum_algorithm(const std::string& type_or_header);

}  // namespace storewire::ds3
