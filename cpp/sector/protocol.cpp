#include "sector/protocol.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "sector/validate.h"

namespace storewire::sector {

namespace {

struct CodeEntry {
  std::int32_t code;
  const char* name;
  const char* text;
};

constexpr CodeEntry kCodes[] = {
    {E_UNKNOWN, "E_UNKNOWN", "unknown command or error"},
    {E_ROUTING, "E_ROUTING", "wrong master for this path or key"},
    {-102, "E_REPSLAVE", "slave already registered"},
    {-103, "E_INVPARAM", "invalid parameter"},
    {E_PERMISSION, "E_PERMISSION", "no permission"},
    {E_EXIST, "E_EXIST", "already exists"},
    {E_NOEXIST, "E_NOEXIST", "does not exist"},
    {E_BUSY, "E_BUSY", "file is locked"},
    {E_LOCALFILE, "E_LOCALFILE", "local file error"},
    {E_NOEMPTY, "E_NOEMPTY", "directory not empty"},
    {E_NOTDIR, "E_NOTDIR", "not a directory"},
    {E_FILENOTOPEN, "E_FILENOTOPEN", "file not open"},
    {E_NOREPLICA, "E_NOREPLICA", "all replicas lost"},
    {E_NOTFILE, "E_NOTFILE", "not a regular file"},
    {E_SECURITY, "E_SECURITY", "security check failed"},
    {-2001, "E_NOCERT", "no certificate"},
    {-2002, "E_ACCOUNT", "no such account"},
    {-2003, "E_PASSWORD", "wrong password"},
    {-2004, "E_ACL", "address not allowed"},
    {E_INITCTX, "E_INITCTX", "SSL context failure"},
    {E_NOSECSERV, "E_NOSECSERV", "security server unreachable"},
    {E_EXPIRED, "E_EXPIRED", "unknown or expired session"},
    {E_AUTHORITY, "E_AUTHORITY", "not root"},
    {E_ADDR, "E_ADDR", "invalid address"},
    {E_GMP, "E_GMP", "GMP failure"},
    {E_DATACHN, "E_DATACHN", "data channel failure"},
    {E_CERTREFUSE, "E_CERTREFUSE", "certificate refused"},
    {E_MASTER, "E_MASTER", "no master"},
    {E_CONNECTION, "E_CONNECTION", "connection failure"},
    {E_BROKENPIPE, "E_BROKENPIPE", "broken connection"},
    {E_TIMEOUT, "E_TIMEOUT", "timeout"},
    {E_RESOURCE, "E_RESOURCE", "no slave available"},
    {E_NODISK, "E_NODISK", "not enough disk space"},
    {E_SYSBUSY, "E_SYSBUSY", "system busy"},
    {E_VERSION, "E_VERSION", "version mismatch"},
    {E_INVALID, "E_INVALID", "invalid argument"},
    {E_SUPPORT, "E_SUPPORT", "not supported"},
    {E_CANCELED, "E_CANCELED", "cancelled"},
};

const CodeEntry* find(std::int32_t code) {
  for (const auto& e : kCodes)
    if (e.code == code) return &e;
  return nullptr;
}

StatusErrorInfo make_info(std::int32_t code, std::string operation, std::string resource) {
  StatusErrorInfo info;
  info.code = std::to_string(code);
  info.message = std::string(code_name(code)) + ": " + code_text(code);
  info.operation = std::move(operation);
  info.resource = std::move(resource);
  info.space = CodeSpace::Sector;  // the class comes from the Sector table on the Python side
  return info;
}

}  // namespace

const char* code_name(std::int32_t code) noexcept {
  const CodeEntry* e = find(code);
  return e ? e->name : "E_UNKNOWN";
}
const char* code_text(std::int32_t code) noexcept {
  const CodeEntry* e = find(code);
  return e ? e->text : "unknown error";
}

SectorError::SectorError(std::int32_t code, std::string operation, std::string resource)
    : StatusError(make_info(code, std::move(operation), std::move(resource))), code_(code) {}

// ---- Reader -----------------------------------------------------------------------------
void Reader::need(std::size_t n, const char* field) const {
  if (n_ - pos_ < n)
    throw Error(ErrorKind::Protocol, what_ + (*field ? std::string(".") + field : "") +
                                         ": truncated (needs " + std::to_string(n) +
                                         " bytes, " + std::to_string(n_ - pos_) + " left)");
}
std::int32_t Reader::i32(const char* field) {
  need(4, field);
  std::int32_t v;
  std::memcpy(&v, p_ + pos_, 4);
  pos_ += 4;
  return v;
}
std::int64_t Reader::i64(const char* field) {
  need(8, field);
  std::int64_t v;
  std::memcpy(&v, p_ + pos_, 8);
  pos_ += 8;
  return v;
}
std::string Reader::fixed(std::size_t n, const char* field) {
  need(n, field);
  const char* s = p_ + pos_;
  pos_ += n;
  return std::string(s, strnlen(s, n));
}
std::string Reader::cstr(const char* field) {
  const char* s = p_ + pos_;
  std::size_t len = strnlen(s, n_ - pos_);
  if (len == n_ - pos_)
    throw Error(ErrorKind::Protocol, what_ + (*field ? std::string(".") + field : "") +
                                         ": unterminated string");
  pos_ += len + 1;
  return std::string(s, len);
}
void Reader::skip(std::size_t n) {
  need(n, "");
  pos_ += n;
}

// ---- SNode text -------------------------------------------------------------------------
namespace {

// One decimal field: an optional '-' and digits that fit in an i64, nothing else.
std::int64_t field_int(const std::string& t, std::size_t& pos, const std::string& field) {
  std::size_t end = pos;
  while (end < t.size() && t[end] != ',' && t[end] != ';' && t[end] != '\0') ++end;
  std::string f = t.substr(pos, end - pos);
  const std::size_t digits = f.size() - (!f.empty() && f[0] == '-' ? 1 : 0);
  bool ok = digits > 0 && digits <= 19;
  for (std::size_t i = f.size() - digits; ok && i < f.size(); ++i)
    ok = f[i] >= '0' && f[i] <= '9';
  errno = 0;
  long long v = ok ? std::strtoll(f.c_str(), nullptr, 10) : 0;
  if (!ok || errno == ERANGE) bad_field(field, shown(f), "not a decimal integer");
  pos = end;
  return v;
}

std::int32_t field_i32(const std::string& t, std::size_t& pos, const std::string& field) {
  std::int64_t v = field_int(t, pos, field);
  if (v < 0 || v > INT32_MAX) bad_field(field, std::to_string(v), "out of range");
  return static_cast<std::int32_t>(v);
}

void expect_comma(const std::string& t, std::size_t& pos, const std::string& field) {
  if (pos >= t.size() || t[pos] != ',')
    bad_field(field, shown(t.substr(pos, 16)), "expected ',' before it");
  ++pos;
}

std::string field_str(const std::string& t, std::size_t& pos) {
  std::size_t end = pos;
  while (end < t.size() && t[end] != ',' && t[end] != ';' && t[end] != '\0') ++end;
  std::string s = t.substr(pos, end - pos);
  pos = end;
  return s;
}

bool more_fields(const std::string& t, std::size_t pos) { return pos < t.size() && t[pos] == ','; }

}  // namespace

FileAttr parse_snode(const std::string& t, std::size_t& pos, const std::string& what,
                     bool entry) {
  FileAttr a;
  std::int64_t namelen = field_int(t, pos, what + ".namelen");
  expect_comma(t, pos, what + ".name");
  if (namelen <= 0 || static_cast<std::uint64_t>(namelen) > t.size() - pos)
    bad_field(what + ".namelen", std::to_string(namelen), "not the length of the name");
  a.name = name_from_wire(t.substr(pos, static_cast<std::size_t>(namelen)), what + ".name",
                          entry);
  pos += static_cast<std::size_t>(namelen);
  expect_comma(t, pos, what + ".is_dir");
  std::int64_t is_dir = field_int(t, pos, what + ".is_dir");
  if (is_dir != 0 && is_dir != 1) bad_field(what + ".is_dir", std::to_string(is_dir), "not 0/1");
  a.is_dir = is_dir == 1;
  expect_comma(t, pos, what + ".mtime");
  a.mtime = field_int(t, pos, what + ".mtime");
  expect_comma(t, pos, what + ".size");
  a.size = size_from_wire(field_int(t, pos, what + ".size"), what + ".size");
  expect_comma(t, pos, what + ".replicas_target");
  a.replicas_target = field_i32(t, pos, what + ".replicas_target");
  expect_comma(t, pos, what + ".replicas_max");
  a.replicas_max = field_i32(t, pos, what + ".replicas_max");
  expect_comma(t, pos, what + ".replica_dist");
  a.replica_dist = field_i32(t, pos, what + ".replica_dist");
  while (more_fields(t, pos)) {
    const std::string where = what + ".locations[" + std::to_string(a.locations.size()) + "]";
    if (a.locations.size() >= 1024) bad_field(where, "", "too many replica locations");
    ++pos;
    std::string ip = ipv4_from_wire(field_str(t, pos), where + ".ip");
    expect_comma(t, pos, where + ".port");
    std::int64_t raw = field_int(t, pos, where + ".port");
    if (raw < INT32_MIN || raw > UINT32_MAX) bad_field(where + ".port", std::to_string(raw),
                                                       "not a port");
    int port = port_from_wire(static_cast<std::int32_t>(static_cast<std::uint32_t>(raw)),
                              where + ".port");
    a.locations.emplace_back(std::move(ip), port);
  }
  return a;
}

FileAttr parse_stat(const std::string& data) {
  std::string t(data.c_str());  // up to the NUL
  std::size_t pos = 0;
  FileAttr a = parse_snode(t, pos, "stat", false);
  if (pos != t.size()) bad_field("stat", shown(t.substr(pos)), "unexpected text after the record");
  return a;
}

std::vector<FileAttr> parse_list(const std::string& data) {
  std::string t(data.c_str());
  std::vector<FileAttr> out;
  std::size_t pos = 0;
  while (pos < t.size()) {
    const std::string what = "list[" + std::to_string(out.size()) + "]";
    out.push_back(parse_snode(t, pos, what, true));
    if (pos < t.size()) {
      if (t[pos] != ';') bad_field(what, shown(t.substr(pos, 16)), "expected ';' after it");
      ++pos;
    }
  }
  return out;
}

// ---- sysinfo ----------------------------------------------------------------------------
SysInfo parse_sysinfo(const std::string& data) {
  Reader r(data, "sysinfo");
  SysInfo s;
  s.start_time = r.i64("start_time");
  s.free_disk = r.i64("free_disk");
  s.total_file_bytes = r.i64("total_file_bytes");
  s.total_files = r.i64("total_files");
  s.under_replicated = r.i64("under_replicated");
  std::int32_t nc = count_from_wire(r.i32("clusters"), INT32_MAX, r.left(), 40,
                                    r.field("clusters"));
  for (std::int32_t i = 0; i < nc; ++i) {
    ClusterInfo c;
    c.id = r.i32();
    c.nodes = r.i32();
    c.avail = r.i64();
    c.file_bytes = r.i64();
    c.bytes_in = r.i64();
    c.bytes_out = r.i64();
    s.clusters.push_back(c);
  }
  std::int32_t nm = count_from_wire(r.i32("masters"), kMaxMasters, r.left(), 24,
                                    r.field("masters"));
  for (std::int32_t i = 0; i < nm; ++i) {
    const std::string where = r.field("masters[" + std::to_string(i) + "]");
    MasterInfo m;
    m.key = r.i32();
    m.ip = r.fixed(16);
    if (!m.ip.empty()) m.ip = ipv4_from_wire(m.ip, where + ".ip");  // own ip: ""
    m.port = port_from_wire(r.i32(), where + ".port", 2);
    s.masters.push_back(std::move(m));
  }
  std::int32_t ns = count_from_wire(r.i32("slaves"), INT32_MAX, r.left(), 92,
                                    r.field("slaves"));
  for (std::int32_t i = 0; i < ns; ++i) {
    const std::string where = r.field("slaves[" + std::to_string(i) + "]");
    SlaveInfo v;
    v.id = r.i32();
    v.ip = ipv4_from_wire(r.fixed(16), where + ".ip");
    v.port = port_from_wire(r.i32(), where + ".port");
    v.avail = r.i64();
    v.file_bytes = r.i64();
    v.mem = r.i64();
    v.cpu = r.i64();
    v.bytes_in = r.i64();
    v.bytes_out = r.i64();
    v.last_report_us = r.i64();
    v.status = r.i32();
    v.cluster = r.i32();
    std::int64_t len = size_from_wire(r.i32(), where + ".path_len",
                                      static_cast<std::int64_t>(r.left()));
    v.path = text_from_wire(r.fixed(static_cast<std::size_t>(len)), where + ".path");
    s.slaves.push_back(std::move(v));
  }
  return s;
}

// ---- file replies -----------------------------------------------------------------------
OpenReply parse_open(const std::string& data) {
  Reader r(data, "open reply");
  OpenReply reply;
  reply.transid = r.i32("transid");
  reply.size = size_from_wire(r.i64("size"), r.field("size"));
  reply.mtime = r.i64("mtime");
  std::int32_t n = r.i32("slave_count");
  if (n == 0) throw SectorError(E_NOREPLICA, "open", "");  // no replica to serve it
  count_from_wire(n, kMaxOpenSlaves, r.left(), 68, r.field("slave_count"));
  for (std::int32_t i = 0; i < n; ++i) {
    const std::string where = r.field("slaves[" + std::to_string(i) + "]");
    std::string ip = ipv4_from_wire(r.fixed(64), where + ".ip");
    int port = port_from_wire(r.i32(), where + ".port");
    reply.slaves.emplace_back(std::move(ip), port);
  }
  return reply;
}

std::pair<std::string, std::int32_t> parse_reopen(const std::string& data) {
  Reader r(data, "reopen reply");
  std::string ip = ipv4_from_wire(r.fixed(64, "ip"), r.field("ip"));
  int port = port_from_wire(r.i32("port"), r.field("port"));
  return {std::move(ip), port};
}

std::pair<std::int64_t, std::int64_t> parse_df(const std::string& data) {
  Reader r(data, "df reply");
  std::int64_t avail = size_from_wire(r.i64("available"), r.field("available"));
  std::int64_t used = size_from_wire(r.i64("used"), r.field("used"));
  return {avail, used};
}

namespace {

// The only characters a real master accepts in names. It does not refuse others: it
// cuts the path at the first bad name, so "rm /a/b#c" would act on "/a". Refuse them here.
bool legal_name_char(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr(" $'()*+-.=?@_~", c) != nullptr;
}

}  // namespace

std::string normalize_path(const std::string& path) {
  for (unsigned char c : path)
    if (c != '/' && !legal_name_char(c))
      throw SectorError(E_INVALID, "path", utf8_lossy(path) + " (Sector names allow only "
                        "A-Z a-z 0-9 space and $'()*+-.=?@_~)");
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string c = path.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(std::move(c));
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) {
    // A slave stores each name as a file name: longer ones could never be written.
    if (p.size() > kMaxNameBytes)
      throw SectorError(E_INVALID, "path", p.substr(0, 40) + "... (a Sector name is at most " +
                        std::to_string(kMaxNameBytes) + " bytes)");
    out += "/" + p;
  }
  if (out.size() > kMaxPathBytes)
    throw SectorError(E_INVALID, "path", out.substr(0, 40) + "... (a Sector path is at most " +
                      std::to_string(kMaxPathBytes) + " bytes)");
  return out.empty() ? "/" : out;
}

}  // namespace storewire::sector
