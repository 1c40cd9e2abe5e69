#include "sector/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/rand.h>

#include <random>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "storewire/error.h"

namespace storewire::sector {

namespace {

std::string resolve_ipv4(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) throw SectorError(E_CONNECTION, "init", host + ": " + gai_strerror(rc));
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
  freeaddrinfo(res);
  return buf;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw Error(ErrorKind::Internal, "RAND_bytes failed");
  return out;
}

std::string cstr_data(const std::string& s) {
  Writer w;
  w.cstr(s);
  return std::move(w.bytes());
}

}  // namespace

Client::Client(std::string host, int port, ClientOptions options)
    : host_(std::move(host)),
      port_(port),
      master_ip_(resolve_ipv4(host_)),
      options_(options),
      gmp_(options.bind_ip, GmpOptions{options.retransmit_s, 10.0}),
      data_(std::make_unique<DataChannel>(options.bind_ip)) {
  if (port <= 1 || port > 65535) throw Error(ErrorKind::InvalidArgument, "bad Sector port");
  if (options_.keepalive) keepalive_thread_ = std::thread([this] { keepalive_loop(); });
}

void Client::keepalive_loop() {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> wait_s(60, 120);  // as the stock client does
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, std::chrono::seconds(wait_s(rng)), [this] { return stopping_; }))
      break;
    std::int32_t key = key_;
    if (key <= 0) continue;
    lock.unlock();
    try {
      request_once(kKeepAlive, key, {}, "keepalive", "", {});
    } catch (...) {
      // the next real request re-logs in if the session is gone
    }
    lock.lock();
  }
}

Client::~Client() { close(); }

void Client::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  gmp_.close();  // a keep-alive in flight fails at once
  if (keepalive_thread_.joinable() && keepalive_thread_.get_id() != std::this_thread::get_id())
    keepalive_thread_.join();
  data_->close();
}

bool Client::logged_in() const {
  std::lock_guard<std::mutex> lock(mu_);
  return key_ > 0;
}

std::int32_t Client::session_key() const {
  std::lock_guard<std::mutex> lock(mu_);
  return key_;
}

std::int32_t Client::key_or_throw(const char* op) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (key_ <= 0) throw SectorError(E_EXPIRED, op, "not logged in");
  return key_;
}

void Client::login(const std::string& user, const std::string& password,
                   const std::string& cert_path, const Checkpoint& cp) {
  if (cp) cp();
  LoginRequest req;
  req.host = host_;
  req.port = port_;
  req.user = user;
  req.password = password;
  req.cert_path = cert_path;
  req.gmp_port = gmp_.port();
  req.data_port = data_->port();
  req.crypto_key = random_bytes(16);
  req.crypto_iv = random_bytes(8);
  req.timeout_s = options_.timeout_s;
  LoginResult r = sector::login(req);
  std::lock_guard<std::mutex> lock(mu_);
  key_ = r.key;
  user_ = user;
  password_ = password;
  cert_path_ = cert_path;
  crypto_key_ = req.crypto_key;
  crypto_iv_ = req.crypto_iv;
}

void Client::relogin(const Checkpoint& cp) {
  if (cp) cp();
  LoginRequest req;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (user_.empty()) throw SectorError(E_EXPIRED, "relogin", "never logged in");
    req.user = user_;
    req.password = password_;
    req.cert_path = cert_path_;
    req.previous_key = key_;
    req.crypto_key = crypto_key_;
    req.crypto_iv = crypto_iv_;
  }
  req.host = host_;
  req.port = port_;
  req.gmp_port = gmp_.port();
  req.data_port = data_->port();
  req.timeout_s = options_.timeout_s;
  LoginResult r = sector::login(req);
  std::lock_guard<std::mutex> lock(mu_);
  key_ = r.key;
}

void Client::logout(const Checkpoint& cp) {
  std::int32_t key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    key = key_;
  }
  if (key <= 0) return;
  try {
    request_once(kLogout, key, {}, "logout", "", cp);
  } catch (const SectorError& e) {
    if (e.sector_code() != E_EXPIRED) throw;
  }
  std::lock_guard<std::mutex> lock(mu_);
  key_ = 0;
}

std::string Client::request_once(std::int32_t type, std::int32_t key, const std::string& data,
                                 const char* op, const std::string& resource,
                                 const Checkpoint& cp) {
  Writer w;
  w.i32(type);
  w.i32(key);
  w.raw(data.data(), data.size());
  std::function<bool()> interrupted;
  if (cp) interrupted = [&cp] {
      cp();
      return false;
    };
  std::string reply;
  try {
    reply = gmp_.rpc(master_ip_, port_, w.bytes(), options_.timeout_s, interrupted);
  } catch (const SectorError& e) {
    throw SectorError(e.sector_code(), op, resource);
  }
  Reader r(reply);
  std::int32_t rtype = r.i32();
  r.i32();  // key: garbage in error replies
  if (rtype < 0) {
    std::int32_t code = r.left() >= 4 ? r.i32() : E_UNKNOWN;
    throw SectorError(code, op, resource);
  }
  return reply.substr(kMsgHeader);
}

std::string Client::request(std::int32_t type, const std::string& data, const char* op,
                            const std::string& resource, const Checkpoint& cp) {
  std::int32_t key = key_or_throw(op);
  try {
    return request_once(type, key, data, op, resource, cp);
  } catch (const SectorError& e) {
    if (e.sector_code() != E_EXPIRED) throw;
  }
  // The master forgot the session (restart or timeout): log in again keeping the key.
  relogin(cp);
  return request_once(type, key_or_throw(op), data, op, resource, cp);
}

std::vector<FileAttr> Client::list(const std::string& path, bool with_locations,
                                   const Checkpoint& cp) {
  std::string p = normalize_path(path);
  return parse_list(request(with_locations ? kList : kListNoLoc, cstr_data(p), "list", p, cp));
}

FileAttr Client::stat(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  return parse_stat(request(kStat, cstr_data(p), "stat", p, cp));
}

void Client::mkdir(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  request(kMkdir, cstr_data(p), "mkdir", p, cp);
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
  request(kMove, two_paths(s, d), "move", s, cp);
}

void Client::remove(const std::string& path, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  request(kRemove, cstr_data(p), "remove", p, cp);
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
  request(kCopy, two_paths(s, d), "copy", s, cp);
}

void Client::utime(const std::string& path, std::int64_t mtime, const Checkpoint& cp) {
  std::string p = normalize_path(path);
  Writer w;
  w.cstr(p);
  w.i64(mtime);
  request(kUtime, w.bytes(), "utime", p, cp);
}

SysInfo Client::sysinfo(const Checkpoint& cp) {
  return parse_sysinfo(request(kSysInfo, {}, "sysinfo", "", cp));
}

std::pair<std::int64_t, std::int64_t> Client::df(const Checkpoint& cp) {
  std::string data = request(kDf, {}, "df", "", cp);
  Reader r(data);
  std::int64_t avail = r.i64();
  std::int64_t used = r.i64();
  return {avail, used};
}

void Client::keepalive(const Checkpoint& cp) { request(kKeepAlive, {}, "keepalive", "", cp); }

std::pair<std::string, std::string> Client::crypto_material() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {crypto_key_, crypto_iv_};
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
  std::string data = request(kOpen, w.bytes(), "open", p, cp);
  Reader r(data);
  OpenReply reply;
  reply.transid = r.i32();
  reply.size = r.i64();
  reply.mtime = r.i64();
  std::int32_t n = r.i32();
  if (n <= 0 || n > 64) throw SectorError(E_NOREPLICA, "open", p);
  for (std::int32_t i = 0; i < n; ++i) {
    std::string ip = r.fixed(64);
    std::int32_t port = r.i32();
    reply.slaves.emplace_back(std::move(ip), port);
  }
  return std::make_unique<File>(*this, p, mode, std::move(reply));
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
  std::ofstream out(local, std::ios::binary | std::ios::trunc);
  if (!out) throw SectorError(E_LOCALFILE, "download", local);
  // cmd 3: the slave streams the file; each piece goes straight from the socket to disk.
  std::int64_t done = f->download(
      [&](const char* data, std::size_t n) {
        out.write(data, static_cast<std::streamsize>(n));
        if (!out) throw SectorError(E_LOCALFILE, "download", local);
      },
      cp);
  f->close(cp);
  out.flush();
  if (!out) throw SectorError(E_LOCALFILE, "download", local);
  return done;
}

}  // namespace storewire::sector
