// Sector replies: the SectorMsg reader and every decoder of a
// master's or slave's answer (stat, ls, sysinfo, df, open, reopen, the type-5 master list),
// all on the same bytes, plus the path normaliser. After decoding, the values must hold
// the invariants of cpp/sector/validate.h: 16-bit ports, sizes >= 0, single names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "sector/protocol.h"
#include "sector/routing.h"

using namespace storewire::sector;

namespace {

void check_port(std::int64_t port, const char* what) {
  fuzz::check(port >= 1 && port <= 65535, what, std::to_string(port));
}

void check_attr(const FileAttr& a, bool entry) {
  fuzz::check(a.size >= 0, "negative file size", std::to_string(a.size));
  fuzz::check(!a.name.empty(), "empty name");
  if (entry)
    fuzz::check(a.name.find('/') == std::string::npos && a.name != "." && a.name != "..",
                "list entry is not a single name", a.name);
  for (const auto& [ip, port] : a.locations) check_port(port, "replica location port");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string msg(reinterpret_cast<const char*>(data), size);
  fuzz::typed([&] {
    // A SectorMsg: i32 type, i32 key, then the data; GMP puts 4 x i32 before it.
    Reader r(msg);
    r.i32();
    r.i32();
    while (r.left() >= 8) r.i64();
    if (r.left() > 0) r.cstr();
  });
  fuzz::typed([&] { check_attr(parse_stat(msg), false); });
  fuzz::typed([&] {
    for (const FileAttr& a : parse_list(msg)) check_attr(a, true);
  });
  fuzz::typed([&] {
    SysInfo s = parse_sysinfo(msg);
    for (const MasterInfo& m : s.masters) check_port(m.port, "sysinfo master port");
    for (const SlaveInfo& v : s.slaves) check_port(v.port, "sysinfo slave port");
  });
  fuzz::typed([&] {
    auto [avail, used] = parse_df(msg);
    fuzz::check(avail >= 0 && used >= 0, "negative df figure");
  });
  fuzz::typed([&] {
    OpenReply o = parse_open(msg);
    fuzz::check(o.size >= 0, "negative open size", std::to_string(o.size));
    fuzz::check(!o.slaves.empty(), "open reply without a slave");
    for (const auto& [ip, port] : o.slaves) check_port(port, "open slave port");
  });
  fuzz::typed([&] { check_port(parse_reopen(msg).second, "reopen slave port"); });
  fuzz::typed([&] {
    for (const MasterAddr& m : parse_master_list(msg)) check_port(m.port, "master list port");
  });
  fuzz::typed([&] {
    const std::string p = normalize_path(msg);
    fuzz::check(!p.empty() && p[0] == '/', "normalised path is not absolute", p);
    fuzz::check(p.find("/../") == std::string::npos && p.find("//") == std::string::npos,
                "normalised path keeps a dot segment or an empty name", p);
    fuzz::check(normalize_path(p) == p, "normalize_path is not idempotent", p);
  });
  return 0;
}
