// Client, command side: the file-system commands, open / reopen and whole-file transfers;
// every request goes through Client::request (session.cpp), which routes it.
#include "sector/client.h"

#include <cstdio>
#include <fstream>
#include <random>

#include "storewire/error.h"

namespace storewire::sector {

namespace {

// Eight random hex digits: a temporary name no other download picks at the same time.
std::string random_suffix() {
  static thread_local std::mt19937 rng(std::random_device{}());
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rng()));
  return buf;
}

std::string cstr_data(const std::string& s) {
  Writer w;
  w.cstr(s);
  return std::move(w.bytes());
}

}  // namespace

std::vector<FileAttr> Client::list(const std::string& path, bool with_locations,
                                   const Checkpoint& cp) {
  std::string p = normalize_path(path);
  return parse_list(
      request_path(with_locations ? kList : kListNoLoc, cstr_data(p), "list", p, cp));
}

FileAttr Client::stat(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  return parse_stat(request_path(kStat, cstr_data(p), "stat", p, cp));
}

void Client::mkdir(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  request_path(kMkdir, cstr_data(p), "mkdir", p, cp);
}

std::string Client::two_paths(const std::string& src, const std::string& dst) const {
  Writer w;
  w.i32(static_cast<std::int32_t>(src.size() + 1));
  w.cstr(src);
  w.i32(static_cast<std::int32_t>(dst.size() + 1));
  w.cstr(dst);
  return std::move(w.bytes());
}

void Client::move(const std::string& src, const std::string& dst, const Checkpoint& cp) {
  std::string s = normalize_path(src), d = normalize_path(dst);
  request_path(kMove, two_paths(s, d), "move", s, cp);
}

void Client::remove(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  request_path(kRemove, cstr_data(p), "remove", p, cp);
}

void Client::rmr(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  FileAttr a = stat(p, cp);
  if (a.is_dir) {
    for (const FileAttr& child : list(p, false, cp)) {
      std::string c = p == "/" ? "/" + child.name : p + "/" + child.name;
      if (child.is_dir)
        rmr(c, cp);
      else
        remove(c, cp);
    }
  }
  if (p != "/") remove(p, cp);
}

void Client::copy(const std::string& src, const std::string& dst, const Checkpoint& cp) {
  std::string s = normalize_path(src), d = normalize_path(dst);
  request_path(kCopy, two_paths(s, d), "copy", s, cp);
}

void Client::utime(const std::string& path, std::int64_t mtime, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  Writer w;
  w.cstr(p);
  w.i64(mtime);
  request_path(kUtime, w.bytes(), "utime", p, cp);
}

SysInfo Client::sysinfo(const Checkpoint& cp) {
  return parse_sysinfo(request(kSysInfo, {}, "sysinfo", "", nullptr, cp));
}

std::pair<std::int64_t, std::int64_t> Client::df(const Checkpoint& cp) {
  return parse_df(request(kDf, {}, "df", "", nullptr, cp));
}

std::unique_ptr<File> Client::open(const std::string& path, std::int32_t mode,
                                   const std::string& options, const Checkpoint& cp) {
  if (!(mode & (kModeRead | kModeWrite))) throw SectorError(E_INVALID, "open", path);
  std::string p = normalize_path(path);
  Writer w;
  w.i32(mode);
  w.i32(data_->port());
  w.i32(static_cast<std::int32_t>(p.size() + 1));
  w.cstr(p);
  if (options.empty()) {
    w.i32(0);
  } else {
    w.i32(static_cast<std::int32_t>(options.size() + 1));
    w.cstr(options);
  }
  OpenReply reply;
  try {
    reply = parse_open(request_path(kOpen, w.bytes(), "open", p, cp));
  } catch (const SectorError& e) {
    throw SectorError(e.sector_code(), "open", p);
  }
  return std::make_unique<File>(*this, p, mode, std::move(reply));
}

std::pair<std::string, std::int32_t> Client::reopen(const std::string& path,
                                                    std::int32_t transid, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  Writer w;
  w.i32(transid);
  w.i32(data_->port());
  return parse_reopen(request_path(kReopen, w.bytes(), "reopen", p, cp));
}

std::int64_t Client::upload(const std::string& local, const std::string& remote,
                            bool encrypt, const Checkpoint& cp) {
  std::ifstream in(local, std::ios::binary);
  if (!in) throw SectorError(E_LOCALFILE, "upload", local);
  in.seekg(0, std::ios::end);
  const std::int64_t size = in.tellg();
  in.seekg(0);
  std::string options = "NULL NULL " + std::to_string(size) + " 1 1\n";
  std::unique_ptr<File> f =
      open(remote, kModeWrite | kModeTrunc | (encrypt ? kModeSecure : 0), options, cp);
  // cmd 4: data frames straight from the local file to the socket, then sync and close.
  std::int64_t done = f->upload(
      [&](char* buf, std::size_t n) {
        if (!in.read(buf, static_cast<std::streamsize>(n)))
          throw SectorError(E_LOCALFILE, "upload", local);
      },
      size, cp);
  f->close(cp);
  return done;
}

std::int64_t Client::download(const std::string& remote, const std::string& local,
                              bool encrypt, const Checkpoint& cp) {
  std::unique_ptr<File> f = open(remote, kModeRead | (encrypt ? kModeSecure : 0), {}, cp);
  // All or nothing: the data goes to a new name next to `local`, which takes its place only
  // once complete; on any failure (or Ctrl-C) it is removed and `local` is left as it was.
  const std::string partial = local + ".sector-partial-" + random_suffix();
  struct RemoveUnlessKept {
    const std::string& path;
    bool keep = false;
    ~RemoveUnlessKept() {
      if (!keep) std::remove(path.c_str());
    }
  } cleanup{partial};
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) throw SectorError(E_LOCALFILE, "download", local);
  // cmd 3: the slave streams the file; each piece goes straight from the socket to disk.
  std::int64_t done = f->download(
      [&](const char* data, std::size_t n) {
        out.write(data, static_cast<std::streamsize>(n));
        if (!out) throw SectorError(E_LOCALFILE, "download", local);
      },
      cp);
  f->close(cp);
  out.close();
  if (!out) throw SectorError(E_LOCALFILE, "download", local);
  if (std::rename(partial.c_str(), local.c_str()) != 0)
    throw SectorError(E_LOCALFILE, "download", local);
  cleanup.keep = true;
  return done;
}

}  // namespace storewire::sector
