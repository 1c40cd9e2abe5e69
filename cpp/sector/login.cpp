#include "sector/login.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>

#include "sector/protocol.h"
#include "sector/validate.h"
#include "storewire/error.h"

namespace storewire::sector {

namespace {

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "TLS failure";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

using Clock = std::chrono::steady_clock;

// Waits until fd is readable (or writable), in 100 ms slices so that Ctrl-C (cp) is seen;
// E_TIMEOUT once the exchange's deadline has passed, however the peer drips its bytes.
void wait_fd(int fd, bool for_write, Clock::time_point deadline, const Checkpoint& cp,
             const std::string& what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw SectorError(E_TIMEOUT, "login", what);
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (n > 0) return;
    if (n < 0 && errno != EINTR)
      throw SectorError(E_CONNECTION, "login", what + ": " + strerror(errno));
    if (cp) cp();
  }
}

// A non-blocking TCP connection; every wait is bounded by the login's deadline.
class TcpSocket {
 public:
  TcpSocket(const std::string& host, int port, Clock::time_point deadline, const Checkpoint& cp)
      : deadline_(deadline), cp_(cp) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0 || !res)
      throw SectorError(E_CONNECTION, "login", host + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, &freeaddrinfo);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) throw Error(ErrorKind::Connection, std::string("socket: ") + strerror(errno));
    rc = ::connect(fd_, res->ai_addr, res->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) fail_connect(host, port, errno);
    if (rc != 0) {
      try {
        wait(true, host + ":" + std::to_string(port));
      } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) fail_connect(host, port, err);
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TcpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  void wait(bool for_write, const std::string& what) const {
    wait_fd(fd_, for_write, deadline_, cp_, what);
  }
  std::string local_ip() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    return buf;
  }

 private:
  [[noreturn]] void fail_connect(const std::string& host, int port, int err) {
    ::close(fd_);
    fd_ = -1;
    throw SectorError(E_CONNECTION, "login",
                      host + ":" + std::to_string(port) + ": " + strerror(err));
  }
  int fd_ = -1;
  Clock::time_point deadline_;
  const Checkpoint& cp_;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class TlsStream {
 public:
  TlsStream(TcpSocket& sock, const std::string& cert_path) : sock_(sock) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx_) throw SectorError(E_INITCTX, "login", ssl_error_text());
    // The real master speaks TLS 1.0 only; allow it (and the legacy algorithms) for Sector.
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_VERSION);
    SSL_CTX_set_security_level(ctx_.get(), 0);
    SSL_CTX_set_cipher_list(ctx_.get(), "DEFAULT:@SECLEVEL=0");
    if (SSL_CTX_load_verify_locations(ctx_.get(), cert_path.c_str(), nullptr) != 1)
      throw Error(ErrorKind::Tls, "cannot load the master certificate " + cert_path + ": " +
                                      ssl_error_text());
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx_.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);  // pinned, self-signed
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), sock.fd());
    for (;;) {
      ERR_clear_error();
      int rc = SSL_connect(ssl_.get());
      if (rc == 1) break;
      int err = SSL_get_error(ssl_.get(), rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        sock_.wait(err == SSL_ERROR_WANT_WRITE, "TLS handshake");
        continue;
      }
      long verify = SSL_get_verify_result(ssl_.get());
      std::string why = ssl_error_text();
      if (verify != X509_V_OK)
        why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      throw Error(ErrorKind::Tls, "TLS handshake with the Sector master failed: " + why);
    }
  }
  ~TlsStream() {
    if (ssl_) SSL_shutdown(ssl_.get());
  }
  void write(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ERR_clear_error();
      int n = SSL_write(ssl_.get(), bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n <= 0) {
        retry_or_fail(n, "write");
        continue;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  std::string read(std::size_t count) {
    std::string out(count, '\0');
    std::size_t done = 0;
    while (done < count) {
      ERR_clear_error();
      int n = SSL_read(ssl_.get(), out.data() + done, static_cast<int>(count - done));
      if (n <= 0) {
        retry_or_fail(n, "read");
        continue;
      }
      done += static_cast<std::size_t>(n);
    }
    return out;
  }
  std::int32_t read_i32() {
    std::string b = read(4);
    return Reader(b).i32();
  }

 private:
  // Waits when the TLS layer needs the socket, else throws the failure.
  void retry_or_fail(int rc, const char* what) {
    int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      sock_.wait(err == SSL_ERROR_WANT_WRITE, std::string("TLS ") + what);
      return;
    }
    if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL)
      throw SectorError(E_BROKENPIPE, "login", std::string("master closed the connection on ") +
                                                   what);
    throw Error(ErrorKind::Tls, std::string("TLS ") + what + " failed: " + ssl_error_text());
  }
  TcpSocket& sock_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace

LoginResult login(const LoginRequest& req, const Checkpoint& cp) {
  if (req.cert_path.empty()) throw SectorError(E_CERTREFUSE, "login", "no certificate given");
  if (req.crypto_key.size() != 16 || req.crypto_iv.size() != 8)
    throw Error(ErrorKind::InvalidArgument, "login needs a 16-byte key and an 8-byte IV");
  // One bound for the whole exchange (connect, handshake, every step), not per read.
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(req.timeout_s));
  TcpSocket sock(req.host, req.port, deadline, cp);
  TlsStream tls(sock, req.cert_path);
  LoginResult result;
  result.local_ip = sock.local_ip();

  Writer w;
  w.i32(kSectorVersion);
  w.i32(2);  // user login
  w.fixed(req.user, 64);
  w.fixed(req.password, 128);
  w.i32(req.previous_key > 0 ? req.previous_key : 0);
  tls.write(w.bytes());

  std::int32_t key = tls.read_i32();
  if (key <= 0) throw SectorError(key < 0 ? key : E_SECURITY, "login", req.user);
  result.key = key;

  Writer w2;
  w2.i32(req.gmp_port);
  w2.i32(req.data_port);
  w2.raw(req.crypto_key.data(), 16);
  w2.raw(req.crypto_iv.data(), 8);
  tls.write(w2.bytes());

  std::int32_t topo_len = tls.read_i32();
  size_from_wire(topo_len, "login.topology_len", kMaxTopologyBytes);
  result.topology = tls.read(static_cast<std::size_t>(topo_len));
  if (req.previous_key <= 0) {
    result.router_key = tls.read_i32();
    std::int32_t m = count_from_wire(tls.read_i32(), kMaxMasters, SIZE_MAX, 0,
                                     "login.master_count");
    for (std::int32_t i = 0; i < m; ++i) {
      const std::string where = "login.masters[" + std::to_string(i) + "]";
      OtherMaster om;
      om.key = tls.read_i32();
      std::int32_t len = tls.read_i32();
      if (len <= 0 || len > kMaxAddressBytes)
        bad_field(where + ".ip_len", std::to_string(len), "not an address length");
      std::string ip = tls.read(static_cast<std::size_t>(len));
      om.ip = host_from_wire(std::string(ip.c_str()), where + ".ip");  // up to its NUL
      om.port = port_from_wire(tls.read_i32(), where + ".port", 2);
      result.masters.push_back(std::move(om));
    }
  }
  tls.read_i32();  // the sync word
  return result;
}

std::string fetch_certificate(const std::string& host, int port, double timeout_s) {
  if (port < 2 || port > 65535) throw Error(ErrorKind::InvalidArgument, "bad Sector port");
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_s));
  const Checkpoint none;
  TcpSocket sock(host, port - 1, deadline, none);
  auto read_exact = [&](char* p, std::size_t n) {
    while (n > 0) {
      ssize_t got = ::recv(sock.fd(), p, n, 0);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        sock.wait(false, "certificate");
        continue;
      }
      if (got <= 0)
        throw SectorError(got == 0 ? E_BROKENPIPE : E_CONNECTION, "fetch_certificate", host);
      p += got;
      n -= static_cast<std::size_t>(got);
    }
  };
  char lenbuf[4];
  read_exact(lenbuf, 4);
  std::int32_t len = Reader(lenbuf, 4).i32();
  if (len <= 0 || len > (1 << 20)) bad_field("certificate.length", std::to_string(len),
                                             "not a certificate length");
  std::string pem(static_cast<std::size_t>(len), '\0');
  read_exact(pem.data(), pem.size());
  return text_from_wire(std::string(pem.c_str()), "certificate.pem");
}

}  // namespace storewire::sector
