#include "sector/protocol.h"

#include <cstdlib>
#include <cstring>

namespace storewire::sector {

namespace {

struct CodeEntry {
  std::int32_t code;
  const char* name;
  const char* text;
  const char* python_class;
};

constexpr CodeEntry kCodes[] = {
    {E_UNKNOWN, "E_UNKNOWN", "unknown command or error", "StorageError"},
    {E_ROUTING, "E_ROUTING", "wrong master for this path or key", "ServerError"},
    {-102, "E_REPSLAVE", "slave already registered", "ConflictError"},
    {-103, "E_INVPARAM", "invalid parameter", "InvalidRequestError"},
    {E_PERMISSION, "E_PERMISSION", "no permission", "PermissionDeniedError"},
    {E_EXIST, "E_EXIST", "already exists", "AlreadyExistsError"},
    {E_NOEXIST, "E_NOEXIST", "does not exist", "NotFoundError"},
    {E_BUSY, "E_BUSY", "file is locked", "ConflictError"},
    {E_LOCALFILE, "E_LOCALFILE", "local file error", "LocalIOError"},
    {E_NOEMPTY, "E_NOEMPTY", "directory not empty", "ConflictError"},
    {E_NOTDIR, "E_NOTDIR", "not a directory", "InvalidRequestError"},
    {E_FILENOTOPEN, "E_FILENOTOPEN", "file not open", "InvalidRequestError"},
    {E_NOREPLICA, "E_NOREPLICA", "all replicas lost", "ServerError"},
    {E_NOTFILE, "E_NOTFILE", "not a regular file", "InvalidRequestError"},
    {E_SECURITY, "E_SECURITY", "security check failed", "PermissionDeniedError"},
    {-2001, "E_NOCERT", "no certificate", "PermissionDeniedError"},
    {-2002, "E_ACCOUNT", "no such account", "PermissionDeniedError"},
    {-2003, "E_PASSWORD", "wrong password", "PermissionDeniedError"},
    {-2004, "E_ACL", "address not allowed", "PermissionDeniedError"},
    {E_INITCTX, "E_INITCTX", "SSL context failure", "TlsError"},
    {E_NOSECSERV, "E_NOSECSERV", "security server unreachable", "ServerError"},
    {E_EXPIRED, "E_EXPIRED", "unknown or expired session", "PermissionDeniedError"},
    {E_AUTHORITY, "E_AUTHORITY", "not root", "PermissionDeniedError"},
    {E_ADDR, "E_ADDR", "invalid address", "InvalidRequestError"},
    {E_GMP, "E_GMP", "GMP failure", "TransportError"},
    {E_DATACHN, "E_DATACHN", "data channel failure", "TransportError"},
    {E_CERTREFUSE, "E_CERTREFUSE", "certificate refused", "TlsError"},
    {E_MASTER, "E_MASTER", "no master", "TransportError"},
    {E_CONNECTION, "E_CONNECTION", "connection failure", "TransportError"},
    {E_BROKENPIPE, "E_BROKENPIPE", "broken connection", "TransportError"},
    {E_TIMEOUT, "E_TIMEOUT", "timeout", "TimeoutError"},
    {E_RESOURCE, "E_RESOURCE", "no slave available", "ServerError"},
    {E_NODISK, "E_NODISK", "not enough disk space", "ServerError"},
    {E_SYSBUSY, "E_SYSBUSY", "system busy", "ThrottledError"},
    {E_VERSION, "E_VERSION", "version mismatch", "ProtocolError"},
    {E_INVALID, "E_INVALID", "invalid argument", "InvalidRequestError"},
    {E_SUPPORT, "E_SUPPORT", "not supported", "InvalidRequestError"},
    {E_CANCELED, "E_CANCELED", "cancelled", "CancelledError"},
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
  info.python_class = code_python_class(code);
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
const char* code_python_class(std::int32_t code) noexcept {
  const CodeEntry* e = find(code);
  return e ? e->python_class : "StorageError";
}

SectorError::SectorError(std::int32_t code, std::string operation, std::string resource)
    : StatusError(make_info(code, std::move(operation), std::move(resource))), code_(code) {}

// ---- Reader -----------------------------------------------------------------------------
void Reader::need(std::size_t n) const {
  if (n_ - pos_ < n) throw Error(ErrorKind::Protocol, "truncated Sector message");
}
std::int32_t Reader::i32() {
  need(4);
  std::int32_t v;
  std::memcpy(&v, p_ + pos_, 4);
  pos_ += 4;
  return v;
}
std::int64_t Reader::i64() {
  need(8);
  std::int64_t v;
  std::memcpy(&v, p_ + pos_, 8);
  pos_ += 8;
  return v;
}
std::string Reader::fixed(std::size_t n) {
  need(n);
  const char* s = p_ + pos_;
  pos_ += n;
  return std::string(s, strnlen(s, n));
}
std::string Reader::cstr() {
  const char* s = p_ + pos_;
  std::size_t len = strnlen(s, n_ - pos_);
  if (len == n_ - pos_) throw Error(ErrorKind::Protocol, "unterminated string in Sector message");
  pos_ += len + 1;
  return std::string(s, len);
}
void Reader::skip(std::size_t n) {
  need(n);
  pos_ += n;
}

// ---- SNode text -------------------------------------------------------------------------
namespace {

std::int64_t field_int(const std::string& t, std::size_t& pos) {
  std::size_t end = pos;
  while (end < t.size() && t[end] != ',' && t[end] != ';' && t[end] != '\0') ++end;
  if (end == pos) throw Error(ErrorKind::Protocol, "empty field in Sector file attributes");
  std::string f = t.substr(pos, end - pos);
  char* stop = nullptr;
  long long v = std::strtoll(f.c_str(), &stop, 10);
  if (!stop || *stop != '\0')
    throw Error(ErrorKind::Protocol, "bad number in Sector file attributes: " + f);
  pos = end;
  return v;
}

void expect_comma(const std::string& t, std::size_t& pos) {
  if (pos >= t.size() || t[pos] != ',')
    throw Error(ErrorKind::Protocol, "malformed Sector file attributes");
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

FileAttr parse_snode(const std::string& t, std::size_t& pos) {
  FileAttr a;
  std::int64_t namelen = field_int(t, pos);
  expect_comma(t, pos);
  if (namelen < 0 || pos + static_cast<std::size_t>(namelen) > t.size())
    throw Error(ErrorKind::Protocol, "bad name length in Sector file attributes");
  a.name = t.substr(pos, static_cast<std::size_t>(namelen));
  pos += static_cast<std::size_t>(namelen);
  expect_comma(t, pos);
  a.is_dir = field_int(t, pos) != 0;
  expect_comma(t, pos);
  a.mtime = field_int(t, pos);
  expect_comma(t, pos);
  a.size = field_int(t, pos);
  expect_comma(t, pos);
  a.replicas_target = static_cast<std::int32_t>(field_int(t, pos));
  expect_comma(t, pos);
  a.replicas_max = static_cast<std::int32_t>(field_int(t, pos));
  expect_comma(t, pos);
  a.replica_dist = static_cast<std::int32_t>(field_int(t, pos));
  while (more_fields(t, pos)) {
    ++pos;
    std::string ip = field_str(t, pos);
    expect_comma(t, pos);
    auto port = static_cast<std::int32_t>(field_int(t, pos));
    a.locations.emplace_back(std::move(ip), port);
  }
  return a;
}

FileAttr parse_stat(const std::string& data) {
  std::string t(data.c_str());  // up to the NUL
  std::size_t pos = 0;
  return parse_snode(t, pos);
}

std::vector<FileAttr> parse_list(const std::string& data) {
  std::string t(data.c_str());
  std::vector<FileAttr> out;
  std::size_t pos = 0;
  while (pos < t.size()) {
    out.push_back(parse_snode(t, pos));
    if (pos < t.size()) {
      if (t[pos] != ';') throw Error(ErrorKind::Protocol, "malformed Sector list reply");
      ++pos;
    }
  }
  return out;
}

// ---- sysinfo ----------------------------------------------------------------------------
SysInfo parse_sysinfo(const std::string& data) {
  Reader r(data);
  SysInfo s;
  s.start_time = r.i64();
  s.free_disk = r.i64();
  s.total_file_bytes = r.i64();
  s.total_files = r.i64();
  s.under_replicated = r.i64();
  std::int32_t nc = r.i32();
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
  std::int32_t nm = r.i32();
  for (std::int32_t i = 0; i < nm; ++i) {
    MasterInfo m;
    m.key = r.i32();
    m.ip = r.fixed(16);
    m.port = r.i32();
    s.masters.push_back(std::move(m));
  }
  std::int32_t ns = r.i32();
  for (std::int32_t i = 0; i < ns; ++i) {
    SlaveInfo v;
    v.id = r.i32();
    v.ip = r.fixed(16);
    v.port = r.i32();
    v.avail = r.i64();
    v.file_bytes = r.i64();
    v.mem = r.i64();
    v.cpu = r.i64();
    v.bytes_in = r.i64();
    v.bytes_out = r.i64();
    v.last_report_us = r.i64();
    v.status = r.i32();
    v.cluster = r.i32();
    std::int32_t len = r.i32();
    if (len < 0) throw Error(ErrorKind::Protocol, "bad path length in Sector sysinfo");
    v.path = r.fixed(static_cast<std::size_t>(len));
    s.slaves.push_back(std::move(v));
  }
  return s;
}

namespace {

// The only characters a real master accepts in names (§0). It does not refuse others: it
// cuts the path at the first bad name, so "rm /a/b#c" would act on "/a". Refuse them here.
bool legal_name_char(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr(" $'()*+-.=?@_~", c) != nullptr;
}

}  // namespace

std::string normalize_path(const std::string& path) {
  for (unsigned char c : path)
    if (c != '/' && !legal_name_char(c))
      throw SectorError(E_INVALID, "path", path + " (Sector names allow only A-Z a-z 0-9 "
                        "space and $'()*+-.=?@_~)");
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
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace storewire::sector
