#include "sector/routing.h"

#include <openssl/sha.h>

#include <algorithm>

#include "sector/protocol.h"
#include "sector/validate.h"
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
  Reader r(data, "master list");
  // Each entry holds at least a key, an empty address and a port: 9 bytes.
  std::int32_t n = count_from_wire(r.i32("count"), kMaxMasters, r.left(), 9, r.field("count"));
  std::vector<MasterAddr> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) {
    const std::string where = r.field("masters[" + std::to_string(i) + "]");
    MasterAddr m;
    m.key = r.i32();
    m.ip = host_from_wire(r.cstr(), where + ".ip");
    m.port = port_from_wire(r.i32(), where + ".port", 2);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace storewire::sector
