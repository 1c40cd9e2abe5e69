// Sector 2.x wire facts shared by the GMP layer, the login and the client:
// SectorMsg layout, error codes, little-endian encoding, SNode text and sysinfo parsing.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "storewire/status_error.h"

namespace storewire::sector {

constexpr std::int32_t kSectorVersion = 2006031;
constexpr std::size_t kMaxGmpPayload = 1456;  // whole SectorMsg, header included
constexpr std::size_t kGmpHeader = 16;
constexpr std::size_t kMsgHeader = 8;         // i32 type, i32 key

// Message types (client → master).
enum MsgType : std::int32_t {
  kLogout = 2,
  kSysInfo = 3,
  kMasterList = 5,
  kKeepAlive = 6,
  kDf = 12,
  kList = 101,
  kStat = 102,
  kMkdir = 103,
  kMove = 104,
  kRemove = 105,
  kCopy = 106,
  kUtime = 107,
  kOpen = 110,
  kReopen = 112,
  kListNoLoc = 114,
};

// Error codes as the Sector sources define them.
enum Code : std::int32_t {
  E_UNKNOWN = -1,
  E_ROUTING = -101,
  E_PERMISSION = -1001,
  E_EXIST = -1002,
  E_NOEXIST = -1003,
  E_BUSY = -1004,
  E_LOCALFILE = -1005,
  E_NOEMPTY = -1006,
  E_NOTDIR = -1007,
  E_FILENOTOPEN = -1008,
  E_NOREPLICA = -1009,
  E_NOTFILE = -1010,
  E_SECURITY = -2000,
  E_INITCTX = -2005,
  E_NOSECSERV = -2006,
  E_EXPIRED = -2007,
  E_AUTHORITY = -2008,
  E_ADDR = -2009,
  E_GMP = -2010,
  E_DATACHN = -2011,
  E_CERTREFUSE = -2012,
  E_MASTER = -2013,
  E_CONNECTION = -3000,
  E_BROKENPIPE = -3001,
  E_TIMEOUT = -3002,
  E_RESOURCE = -4000,
  E_NODISK = -4001,
  E_SYSBUSY = -4002,
  E_VERSION = -5000,
  E_INVALID = -6000,
  E_SUPPORT = -6001,
  E_CANCELED = -6002,
};

// "E_NOEXIST" for -1003; "E_UNKNOWN" for codes outside the table.
const char* code_name(std::int32_t code) noexcept;
// A short English description of the code.
const char* code_text(std::int32_t code) noexcept;

// A Sector error reply (or a client-local Sector error): a StatusError in the Sector code
// space whose code is the decimal Sector code ("-1003").
class SectorError : public StatusError {
 public:
  SectorError(std::int32_t code, std::string operation, std::string resource);
  std::int32_t sector_code() const noexcept { return code_; }

 private:
  std::int32_t code_;
};

// ---- little-endian encoding -------------------------------------------------------------
class Writer {
 public:
  void i32(std::int32_t v) { raw(&v, 4); }
  void i64(std::int64_t v) { raw(&v, 8); }
  void cstr(const std::string& s) { raw(s.c_str(), s.size() + 1); }
  void fixed(const std::string& s, std::size_t n) {
    std::string f(n, '\0');
    std::memcpy(f.data(), s.data(), std::min(s.size(), n));
    raw(f.data(), n);
  }
  void raw(const void* p, std::size_t n) {
    buf_.append(static_cast<const char*>(p), n);  // x86/ARM little-endian hosts only
  }
  std::string& bytes() { return buf_; }

 private:
  std::string buf_;
};

// Reads a peer's message. `what` names the message ("open reply") and each read may name
// its field, so that a short message is a Protocol error saying which field was cut off.
class Reader {
 public:
  Reader(const char* p, std::size_t n, std::string what = "Sector message")
      : p_(p), n_(n), what_(std::move(what)) {}
  explicit Reader(const std::string& s, std::string what = "Sector message")
      : Reader(s.data(), s.size(), std::move(what)) {}
  std::int32_t i32(const char* field = "");
  std::int64_t i64(const char* field = "");
  std::string fixed(std::size_t n, const char* field = "");  // up to the first NUL
  std::string cstr(const char* field = "");
  void skip(std::size_t n);
  std::size_t left() const { return n_ - pos_; }
  // "open reply.size": the name a validation error gives this message's field.
  std::string field(const std::string& name) const { return what_ + "." + name; }

 private:
  void need(std::size_t n, const char* field) const;
  const char* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
  std::string what_;
};

// ---- SNode attribute text ----------------------------------------------------------
struct FileAttr {
  std::string name;
  bool is_dir = false;
  std::int64_t mtime = 0;
  std::int64_t size = 0;
  std::int32_t replicas_target = 0;
  std::int32_t replicas_max = 0;
  std::int32_t replica_dist = 0;
  std::vector<std::pair<std::string, std::int32_t>> locations;  // (ip, slave GMP port)
};

// Parses one record starting at text[pos]; pos ends after the record (at ';', NUL or end).
// `what` names the record in errors ("list[3]"); `entry`: a list entry, whose name must be
// a single name (no '/', not "." or "..").
FileAttr parse_snode(const std::string& text, std::size_t& pos, const std::string& what,
                     bool entry);
// A stat reply (one record) and an ls reply (records each followed by ';').
FileAttr parse_stat(const std::string& data);
std::vector<FileAttr> parse_list(const std::string& data);

// ---- sysinfo ---------------------------------------------------------------------
struct ClusterInfo {
  std::int32_t id = 0, nodes = 0;
  std::int64_t avail = 0, file_bytes = 0, bytes_in = 0, bytes_out = 0;
};
struct MasterInfo {
  std::int32_t key = 0;
  std::string ip;
  std::int32_t port = 0;
};
struct SlaveInfo {
  std::int32_t id = 0;
  std::string ip;
  std::int32_t port = 0;
  std::int64_t avail = 0, file_bytes = 0, mem = 0, cpu = 0, bytes_in = 0, bytes_out = 0;
  std::int64_t last_report_us = 0;
  std::int32_t status = 0, cluster = 0;
  std::string path;
};
struct SysInfo {
  std::int64_t start_time = 0, free_disk = 0, total_file_bytes = 0, total_files = 0;
  std::int64_t under_replicated = 0;
  std::vector<ClusterInfo> clusters;
  std::vector<MasterInfo> masters;
  std::vector<SlaveInfo> slaves;
};
SysInfo parse_sysinfo(const std::string& data);

// ---- file replies ------------------------------------------------
struct OpenReply {
  std::int32_t transid = 0;
  std::int64_t size = 0;
  std::int64_t mtime = 0;
  std::vector<std::pair<std::string, std::int32_t>> slaves;  // (ip, data port)
};
OpenReply parse_open(const std::string& data);
std::pair<std::string, std::int32_t> parse_reopen(const std::string& data);
std::pair<std::int64_t, std::int64_t> parse_df(const std::string& data);  // (avail, used)

// Path normalisation as the master does it: "//a/./b/../c" → "/a/c", "" → "/". Refuses
// (E_INVALID) characters a master would cut the path at, names over kMaxNameBytes and
// paths over kMaxPathBytes.
std::string normalize_path(const std::string& path);

}  // namespace storewire::sector
