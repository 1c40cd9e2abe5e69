// Client, session side: login, the routing table and one session per master, request
// routing with re-login and master-list refresh, keep-alive, logout.
#include "sector/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/rand.h>

#include <exception>
#include <random>

#include "sector/validate.h"
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

}  // namespace

Client::Client(std::string host, int port, ClientOptions options)
    : host_(std::move(host)),
      port_(port),
      master_ip_(resolve_ipv4(host_)),
      options_(options),
      gmp_(options.bind_ip, GmpOptions{options.retransmit_s, 10.0}),
      data_(std::make_unique<DataChannel>(options.bind_ip)) {
  if (port <= 1 || port > 65535) throw Error(ErrorKind::InvalidArgument, "bad Sector port");
  // A slave that stops sending for a whole request timeout is taken for dead (the read
  // then moves to another replica) instead of being waited for without end.
  data_->set_idle_timeout(options_.timeout_s);
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
    std::vector<Address> masters(sessions_.begin(), sessions_.end());
    lock.unlock();
    for (const Address& m : masters) {
      try {
        request_once(m, kKeepAlive, key, {}, "keepalive", "", {});
      } catch (...) {
        // the next real request re-logs in if the session is gone
      }
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
  LoginResult r = sector::login(req, cp);
  // The routing table: this master with its router key and the others it listed.
  std::vector<MasterAddr> masters{{r.router_key, master_ip_, port_}};
  for (const OtherMaster& m : r.masters) masters.push_back({m.key, resolve_ipv4(m.ip), m.port});
  std::lock_guard<std::mutex> lock(mu_);
  key_ = r.key;
  user_ = user;
  password_ = password;
  cert_path_ = cert_path;
  crypto_key_ = req.crypto_key;
  crypto_iv_ = req.crypto_iv;
  router_key_ = r.router_key;
  routes_ = RoutingTable(std::move(masters));
  sessions_ = {{master_ip_, port_}};
}

void Client::relogin(const Checkpoint& cp) { login_to({master_ip_, port_}, cp); }

void Client::login_to(const Address& master, const Checkpoint& cp) {
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
  req.host = master.first;
  req.port = master.second;
  req.gmp_port = gmp_.port();
  req.data_port = data_->port();
  req.timeout_s = options_.timeout_s;
  LoginResult r = sector::login(req, cp);
  std::lock_guard<std::mutex> lock(mu_);
  if (r.key != key_) sessions_.clear();  // a new key: the other masters know only the old one
  key_ = r.key;
  sessions_.insert(master);
}

void Client::logout(const Checkpoint& cp) {
  std::int32_t key;
  std::vector<Address> masters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    key = key_;
    masters.assign(sessions_.begin(), sessions_.end());
  }
  if (key <= 0) return;
  std::exception_ptr failed;
  for (const Address& m : masters) {  // every master that knows the key, as the stock client
    try {
      request_once(m, kLogout, key, {}, "logout", "", cp);
    } catch (const SectorError& e) {
      if (e.sector_code() != E_EXPIRED) {
        if (!failed) failed = std::current_exception();
        continue;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(m);
  }
  if (failed) std::rethrow_exception(failed);
  std::lock_guard<std::mutex> lock(mu_);
  key_ = 0;
  sessions_.clear();
}

std::string Client::request_once(const Address& master, std::int32_t type, std::int32_t key,
                                 const std::string& data, const char* op,
                                 const std::string& resource, const Checkpoint& cp) {
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
    reply = gmp_.rpc(master.first, master.second, w.bytes(), options_.timeout_s, interrupted);
  } catch (const SectorError& e) {
    throw SectorError(e.sector_code(), op, resource);
  }
  Reader r(reply, std::string(op) + " reply");
  std::int32_t rtype = r.i32("type");
  r.i32("key");  // garbage in error replies
  if (rtype < 0) {
    std::int32_t code = r.left() >= 4 ? r.i32() : E_UNKNOWN;
    if (code >= 0) bad_field(r.field("code"), std::to_string(code), "not an error code");
    throw SectorError(code, op, resource);
  }
  // A success reply keeps the request's type: anything else answers another call.
  if (rtype != type)
    bad_field(r.field("type"), std::to_string(rtype),
              ("the request was type " + std::to_string(type)).c_str());
  return reply.substr(kMsgHeader);
}

std::string Client::request_at(const Address& master, std::int32_t type,
                               const std::string& data, const char* op,
                               const std::string& resource, const Checkpoint& cp) {
  key_or_throw(op);
  bool known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = sessions_.count(master) > 0;
  }
  if (!known) login_to(master, cp);  // first use of this master: it learns our key
  try {
    return request_once(master, type, key_or_throw(op), data, op, resource, cp);
  } catch (const SectorError& e) {
    if (e.sector_code() != E_EXPIRED) throw;
  }
  // The master forgot the session (restart or timeout): log in again keeping the key.
  login_to(master, cp);
  return request_once(master, type, key_or_throw(op), data, op, resource, cp);
}

std::string Client::request(std::int32_t type, const std::string& data, const char* op,
                            const std::string& resource, const std::string* path,
                            const Checkpoint& cp) {
  key_or_throw(op);
  try {
    return request_at(route(path), type, data, op, resource, cp);
  } catch (const SectorError& e) {
    if (e.sector_code() != E_ROUTING) throw;
  }
  // Our master list is stale (masters joined, left or changed keys): fetch it, retry once.
  refresh_masters(cp);
  return request_at(route(path), type, data, op, resource, cp);
}

Client::Address Client::route(const std::string* path) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (routes_.empty()) return {master_ip_, port_};
  const MasterAddr& m = routes_.at(path ? routes_.for_path(*path) : routes_.for_key(key_));
  return {m.ip, m.port};
}

void Client::refresh_masters(const Checkpoint& cp) {
  // Type 5 lists the masters other than the one answering, so ask one whose router key we
  // know: the login master first, else any other master we are logged in to.
  std::vector<MasterAddr> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    candidates.push_back({router_key_, master_ip_, port_});
    for (const MasterAddr& m : routes_.masters())
      if (sessions_.count({m.ip, m.port}) && !(m.ip == master_ip_ && m.port == port_))
        candidates.push_back(m);
  }
  std::exception_ptr failed;
  for (const MasterAddr& m : candidates) {
    std::vector<MasterAddr> masters;
    try {
      masters = parse_master_list(request_at({m.ip, m.port}, kMasterList, {}, "masters", "", cp));
      for (MasterAddr& o : masters) o.ip = resolve_ipv4(o.ip);
    } catch (const Error&) {
      if (!failed) failed = std::current_exception();
      continue;
    }
    masters.push_back(m);
    std::lock_guard<std::mutex> lock(mu_);
    routes_ = RoutingTable(std::move(masters));
    return;
  }
  std::rethrow_exception(failed);
}

std::vector<Client::Address> Client::logged_in_masters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {sessions_.begin(), sessions_.end()};
}

std::vector<MasterAddr> Client::masters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return routes_.masters();
}

void Client::keepalive(const Checkpoint& cp) {
  key_or_throw("keepalive");
  std::exception_ptr failed;
  for (const Address& m : logged_in_masters()) {
    try {
      request_at(m, kKeepAlive, {}, "keepalive", "", cp);
    } catch (const Error&) {
      if (!failed) failed = std::current_exception();
    }
  }
  if (failed) std::rethrow_exception(failed);
}

std::pair<std::string, std::string> Client::crypto_material() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {crypto_key_, crypto_iv_};
}

}  // namespace storewire::sector
