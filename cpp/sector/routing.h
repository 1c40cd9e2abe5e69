// Several masters: the routing table every client and master agree
// on, which master owns a request, and the master list of GMP type 5.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace storewire::sector {

struct MasterAddr {
  std::int32_t key = 0;  // the master's router key
  std::string ip;
  std::int32_t port = 0;
};

// The masters sorted by router key, largest first (the login master included).
class RoutingTable {
 public:
  RoutingTable() = default;
  explicit RoutingTable(std::vector<MasterAddr> masters);

  std::size_t size() const { return masters_.size(); }
  bool empty() const { return masters_.empty(); }
  const MasterAddr& at(std::size_t i) const { return masters_.at(i); }
  const std::vector<MasterAddr>& masters() const { return masters_; }
  // Index of the master owning a normalised path (ls, stat, mkdir, mv, rm, cp, utime, open).
  std::size_t for_path(const std::string& path) const;
  // Index of the master owning a session key's key-based requests (sysinfo, df).
  std::size_t for_key(std::int32_t key) const;

 private:
  std::vector<MasterAddr> masters_;
};

// The last 4 bytes of SHA-1(path) read as a little-endian u32.
std::uint32_t path_hash(const std::string& path);
// path_hash(path) mod n (n > 0).
std::size_t master_index(const std::string& path, std::size_t n);

// The reply data of type 5: i32 n, then n x {i32 key, cstr ip, i32 port}: the masters
// other than the one answering.
std::vector<MasterAddr> parse_master_list(const std::string& data);

}  // namespace storewire::sector
