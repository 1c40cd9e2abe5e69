// The one place the Sector client checks what a master or a slave sent.
// Every number, count, port, address and string of a reply goes through one of these before
// it becomes a value the rest of the client uses; a violation is a Protocol error that names
// the field and the value ("open.slaves[0].ip: 'x' (not an IPv4 address)"), which the binding
// reports with the kind "protocol". Header-only: small checks, used from every file.
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storewire/error.h"
#include "storewire/text.h"

namespace storewire::sector {

// Bounds on what a peer may announce (beyond them the answer is hostile or broken).
constexpr std::int32_t kMaxMasters = 4096;        // masters in a master list
constexpr std::int32_t kMaxOpenSlaves = 64;       // slave addresses in an open reply
constexpr std::int32_t kMaxTopologyBytes = 1 << 20;
constexpr std::int32_t kMaxAddressBytes = 256;    // an address string in the login reply
// A data frame's limit, plus Blowfish padding.
constexpr std::int64_t kMaxDataFrame = 64'000'000 + 8;
constexpr std::size_t kMaxNameBytes = 255;        // one name: the slaves' file systems' limit
constexpr std::size_t kMaxPathBytes = 4095;       // a whole path (PATH_MAX - 1)

// The value as a person can read it in an error message: lossy UTF-8, at most ~80 bytes.
inline std::string shown(std::string_view raw) {
  std::string text = utf8_lossy(raw.substr(0, 80));
  return "'" + text + (raw.size() > 80 ? "'..." : "'");
}

[[noreturn]] inline void bad_field(const std::string& field, const std::string& value,
                                   const char* why) {
  throw Error(ErrorKind::Protocol,
              "Sector reply field " + field + ": " + value + " (" + why + ")");
}

// Ports are 16-bit. A real 2.7 master can send a port with garbage in the high 16 bits
// (0x495565f4 for 26100 = 0x65f4); the stock client keeps the low 16 bits (htons), and so
// do we, for every port read from a peer. `min`: 2 for a master (it also uses port − 1).
inline int port_from_wire(std::int32_t raw, const std::string& field, int min = 1) {
  const int port = static_cast<int>(static_cast<std::uint32_t>(raw) & 0xFFFFu);
  if (port < min) bad_field(field, std::to_string(raw), "not a usable port");
  return port;
}

// A count announced before `each`-byte records, with `left` bytes of the message left.
inline std::int32_t count_from_wire(std::int32_t raw, std::int32_t max, std::size_t left,
                                    std::size_t each, const std::string& field) {
  if (raw < 0) bad_field(field, std::to_string(raw), "negative count");
  if (raw > max) bad_field(field, std::to_string(raw), "count over the limit");
  if (each > 0 && static_cast<std::size_t>(raw) > left / each)
    bad_field(field, std::to_string(raw), "more records than the message holds");
  return raw;
}

// A byte length or file size: not negative, at most `max`.
inline std::int64_t size_from_wire(std::int64_t raw, const std::string& field,
                                   std::int64_t max = INT64_MAX) {
  if (raw < 0) bad_field(field, std::to_string(raw), "negative size");
  if (raw > max) bad_field(field, std::to_string(raw), "size over the limit");
  return raw;
}

// Text that becomes a Python str: valid UTF-8 without NUL.
inline std::string text_from_wire(std::string raw, const std::string& field) {
  if (!is_utf8(raw) || raw.find('\0') != std::string::npos)
    bad_field(field, shown(raw), "not UTF-8 text");
  return raw;
}

// A dotted IPv4 address (slaves and replica locations; what the client connects to).
inline std::string ipv4_from_wire(std::string raw, const std::string& field) {
  in_addr a{};
  if (raw.empty() || raw.size() > 15 || inet_pton(AF_INET, raw.c_str(), &a) != 1)
    bad_field(field, shown(raw), "not an IPv4 address");
  return raw;
}

// A master's address: a dotted IPv4 address or a DNS host name.
inline std::string host_from_wire(std::string raw, const std::string& field) {
  bool ok = !raw.empty() && raw.size() <= 253 && raw.front() != '-' && raw.front() != '.';
  for (char c : raw)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.');
  if (!ok) bad_field(field, shown(raw), "not a host name or IPv4 address");
  return raw;
}

// A file or directory name in a stat or list reply: text, and for list entries a single
// name (no '/', not "." or "..") that a caller may safely join to a local directory.
inline std::string name_from_wire(std::string raw, const std::string& field, bool entry) {
  raw = text_from_wire(std::move(raw), field);
  if (raw.empty() || raw.size() > kMaxPathBytes) bad_field(field, shown(raw), "bad name length");
  if (entry && (raw.find('/') != std::string::npos || raw == "." || raw == ".."))
    bad_field(field, shown(raw), "not a single name");
  return raw;
}

// A data-channel frame header's size: -1 (the error signal) or 0 .. kMaxDataFrame.
inline std::int32_t frame_size_from_wire(std::int32_t raw) {
  if (raw < -1 || raw > kMaxDataFrame)
    bad_field("data frame.size", std::to_string(raw), "not a frame size");
  return raw;
}

}  // namespace storewire::sector
