// A Sector 2.x client session: login over TLS, then file-system commands over GMP.
// Thread-safe: any number of threads may call commands concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <thread>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sector/datachn.h"
#include "sector/file.h"
#include "sector/gmp.h"
#include "sector/login.h"
#include "sector/protocol.h"
#include "sector/routing.h"

namespace storewire::sector {


struct ClientOptions {
  std::string bind_ip = "0.0.0.0";  // local address of the GMP ports
  double timeout_s = 60.0;          // per request (login: connect + exchange); also how
                                    // long a slave may send nothing before it counts as dead
  double retransmit_s = 1.0;        // GMP resend interval for unacknowledged messages
  bool keepalive = true;            // send keep-alive (type 6) every 60-120 s while logged in
};

class Client {
 public:
  Client(std::string host, int port, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Logs in (TLS, trust pinned to cert_path). Throws SectorError(-2000) on bad credentials.
  void login(const std::string& user, const std::string& password, const std::string& cert_path,
             const Checkpoint& cp = {});
  // Re-login to the login master that keeps the current session key (after a restart).
  void relogin(const Checkpoint& cp = {});
  // Logs out of every master we are logged in to.
  void logout(const Checkpoint& cp = {});
  void close();

  bool logged_in() const;
  std::int32_t session_key() const;
  int gmp_port() const { return gmp_.port(); }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  GmpStats gmp_stats() const { return gmp_.stats(); }

  std::vector<FileAttr> list(const std::string& path, bool with_locations = true,
                             const Checkpoint& cp = {});
  FileAttr stat(const std::string& path, const Checkpoint& cp = {});
  void mkdir(const std::string& path, const Checkpoint& cp = {});
  void move(const std::string& src, const std::string& dst, const Checkpoint& cp = {});
  void remove(const std::string& path, const Checkpoint& cp = {});
  void rmr(const std::string& path, const Checkpoint& cp = {});  // client-side recursion
  void copy(const std::string& src, const std::string& dst, const Checkpoint& cp = {});
  void utime(const std::string& path, std::int64_t mtime, const Checkpoint& cp = {});
  SysInfo sysinfo(const Checkpoint& cp = {});
  std::pair<std::int64_t, std::int64_t> df(const Checkpoint& cp = {});  // (available, used)
  void keepalive(const Checkpoint& cp = {});  // to every master we are logged in to
  // The routing table: every master, login master included, by router key descending.
  std::vector<MasterAddr> masters() const;

  // Files. mode: OpenMode bits; WRITE on a missing file creates it.
  std::unique_ptr<File> open(const std::string& path, std::int32_t mode,
                             const std::string& options = {}, const Checkpoint& cp = {});
  // Type 112: the same transaction on another replica; returns its (ip, data port).
  // E_RESOURCE when no replica is left.
  std::pair<std::string, std::int32_t> reopen(const std::string& path, std::int32_t transid,
                                              const Checkpoint& cp = {});
  // Whole-file transfers between a local file and Sector; return the bytes moved.
  // encrypt: Blowfish-CBC on the data channel (mode SECURE). A download is all or nothing:
  // `local` is replaced only by a complete copy, and left untouched by a failed one.
  std::int64_t upload(const std::string& local, const std::string& remote, bool encrypt = false,
                      const Checkpoint& cp = {});
  std::int64_t download(const std::string& remote, const std::string& local,
                        bool encrypt = false, const Checkpoint& cp = {});

  DataChannel& data_channel() { return *data_; }
  // The login's data-encryption key and IV (16 + 8 bytes).
  std::pair<std::string, std::string> crypto_material() const;
  int data_port() const { return data_->port(); }
  double timeout_s() const { return options_.timeout_s; }

 private:
  using Address = std::pair<std::string, int>;  // a master's (IPv4, port)

  // Sends a request to the master owning `path` (or, without a path, the session key),
  // logging in to it first if needed; E_EXPIRED: re-login and retry once; E_ROUTING:
  // refresh the master list and retry once. Returns the reply's data.
  std::string request(std::int32_t type, const std::string& data, const char* op,
                      const std::string& resource, const std::string* path,
                      const Checkpoint& cp);
  // One master: logs in to it if needed; E_EXPIRED: re-login (keeping the key), retry once.
  std::string request_at(const Address& master, std::int32_t type, const std::string& data,
                         const char* op, const std::string& resource, const Checkpoint& cp);
  std::string request_once(const Address& master, std::int32_t type, std::int32_t key,
                           const std::string& data, const char* op,
                           const std::string& resource, const Checkpoint& cp);
  std::string request_path(std::int32_t type, const std::string& data, const char* op,
                           const std::string& path, const Checkpoint& cp) {
    return request(type, data, op, path, &path, cp);
  }
  Address route(const std::string* path) const;
  // TLS re-login to one master with our key, login key and IV; it keeps the key.
  void login_to(const Address& master, const Checkpoint& cp);
  // Type 5 from the login master (else another logged-in one): rebuilds the table.
  void refresh_masters(const Checkpoint& cp);
  std::vector<Address> logged_in_masters() const;
  std::int32_t key_or_throw(const char* op) const;
  std::string two_paths(const std::string& src, const std::string& dst) const;

  std::string host_;
  int port_;
  std::string master_ip_;
  ClientOptions options_;
  Gmp gmp_;
  std::unique_ptr<DataChannel> data_;

  mutable std::mutex mu_;
  std::int32_t key_ = 0;
  std::string user_, password_, cert_path_;
  std::string crypto_key_, crypto_iv_;
  std::int32_t router_key_ = 0;      // the login master's, from the first login
  RoutingTable routes_;              // IPs resolved to IPv4
  std::set<Address> sessions_;       // masters that know our key

  void keepalive_loop();
  bool stopping_ = false;  // guarded by mu_
  std::condition_variable stop_cv_;
  std::thread keepalive_thread_;
};

}  // namespace storewire::sector
