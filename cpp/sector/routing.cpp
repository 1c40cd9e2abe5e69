#include "sector/routing.h"

#include <openssl/sha.h>

#include <algorithm>

#include "sector/protocol.h"
#include "storewire/error.h"

namespace storewire::sector {

RoutingTable::RoutingTable(std::vector<MasterAddr> masters) : masters_(std::move(masters)) {
  std::stable_sort(masters_.begin(), masters_.end(),
                   [](const MasterAddr& a, const MasterAddr& b) { return a.key > b.key; });
}

std::size_t RoutingTable::for_path(const std::string& path) const {
  if (masters_.empty()) throw Error(ErrorKind::Internal, "empty Sector routing table");
  return master_index(path, masters_.size());
}

std::size_t RoutingTable::for_key(std::int32_t key) const {
  if (masters_.empty()) throw Error(ErrorKind::Internal, "empty Sector routing table");
  return static_cast<std::uint32_t>(key) % masters_.size();
}

std::uint32_t path_hash(const std::string& path) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(path.data()), path.size(), digest);
  const unsigned char* t = digest + SHA_DIGEST_LENGTH - 4;
  return static_cast<std::uint32_t>(t[0]) | static_cast<std::uint32_t>(t[1]) << 8 |
         static_cast<std::uint32_t>(t[2]) << 16 | static_cast<std::uint32_t>(t[3]) << 24;
}

std::size_t master_index(const std::string& path, std::size_t n) {
  if (n == 0) throw Error(ErrorKind::InvalidArgument, "no masters to route to");
  return path_hash(path) % n;
}

std::vector<MasterAddr> parse_master_list(const std::string& data) {
  Reader r(data);
  std::int32_t n = r.i32();
  if (n < 0 || n > 4096) throw Error(ErrorKind::Protocol, "bad master count in a Sector reply");
  std::vector<MasterAddr> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) {
    MasterAddr m;
    m.key = r.i32();
    m.ip = r.cstr();
    m.port = r.i32();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace storewire::sector
