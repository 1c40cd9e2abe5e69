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

#include <cerrno>
#include <cstring>
#include <memory>

#include "sector/protocol.h"
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

// A TCP connection with a connect timeout and per-operation I/O timeouts.
class TcpSocket {
 public:
  TcpSocket(const std::string& host, int port, double timeout_s) {
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
      pollfd p{fd_, POLLOUT, 0};
      int n = ::poll(&p, 1, static_cast<int>(timeout_s * 1000));
      if (n == 0) {
        ::close(fd_);
        throw SectorError(E_TIMEOUT, "login", host + ":" + std::to_string(port));
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) fail_connect(host, port, err);
    }
    int flags = fcntl(fd_, F_GETFL);
    fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{};
    tv.tv_sec = static_cast<long>(timeout_s);
    tv.tv_usec = static_cast<long>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TcpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
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
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class TlsStream {
 public:
  TlsStream(TcpSocket& sock, const std::string& cert_path) {
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
    if (SSL_connect(ssl_.get()) != 1) {
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
      int n = SSL_write(ssl_.get(), bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n <= 0) fail("write");
      done += static_cast<std::size_t>(n);
    }
  }
  std::string read(std::size_t count) {
    std::string out(count, '\0');
    std::size_t done = 0;
    while (done < count) {
      int n = SSL_read(ssl_.get(), out.data() + done, static_cast<int>(count - done));
      if (n <= 0) fail("read");
      done += static_cast<std::size_t>(n);
    }
    return out;
  }
  std::int32_t read_i32() {
    std::string b = read(4);
    return Reader(b).i32();
  }

 private:
  [[noreturn]] void fail(const char* what) {
    int err = SSL_get_error(ssl_.get(), -1);
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      throw SectorError(E_TIMEOUT, "login", std::string("TLS ") + what);
    if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL)
      throw SectorError(E_BROKENPIPE, "login", std::string("master closed the connection on ") +
                                                   what);
    throw Error(ErrorKind::Tls, std::string("TLS ") + what + " failed: " + ssl_error_text());
  }
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace

LoginResult login(const LoginRequest& req) {
  if (req.cert_path.empty()) throw SectorError(E_CERTREFUSE, "login", "no certificate given");
  if (req.crypto_key.size() != 16 || req.crypto_iv.size() != 8)
    throw Error(ErrorKind::InvalidArgument, "login needs a 16-byte key and an 8-byte IV");
  TcpSocket sock(req.host, req.port, req.timeout_s);
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
  if (topo_len < 0 || topo_len > (16 << 20))
    throw Error(ErrorKind::Protocol, "bad topology length in the Sector login reply");
  result.topology = tls.read(static_cast<std::size_t>(topo_len));
  if (req.previous_key <= 0) {
    result.router_key = tls.read_i32();
    std::int32_t m = tls.read_i32();
    if (m < 0 || m > 4096) throw Error(ErrorKind::Protocol, "bad master count in login reply");
    for (std::int32_t i = 0; i < m; ++i) {
      OtherMaster om;
      om.key = tls.read_i32();
      std::int32_t len = tls.read_i32();
      if (len < 0 || len > 4096) throw Error(ErrorKind::Protocol, "bad master address length");
      std::string ip = tls.read(static_cast<std::size_t>(len));
      om.ip = std::string(ip.c_str());
      om.port = tls.read_i32();
      result.masters.push_back(std::move(om));
    }
  }
  tls.read_i32();  // the sync word
  return result;
}

std::string fetch_certificate(const std::string& host, int port, double timeout_s) {
  TcpSocket sock(host, port - 1, timeout_s);
  auto read_exact = [&](char* p, std::size_t n) {
    while (n > 0) {
      ssize_t got = ::recv(sock.fd(), p, n, 0);
      if (got <= 0)
        throw SectorError(got == 0 ? E_BROKENPIPE : E_CONNECTION, "fetch_certificate", host);
      p += got;
      n -= static_cast<std::size_t>(got);
    }
  };
  char lenbuf[4];
  read_exact(lenbuf, 4);
  std::int32_t len = Reader(lenbuf, 4).i32();
  if (len <= 0 || len > (1 << 20))
    throw Error(ErrorKind::Protocol, "bad certificate length from the Sector master");
  std::string pem(static_cast<std::size_t>(len), '\0');
  read_exact(pem.data(), pem.size());
  return std::string(pem.c_str());
}

}  // namespace storewire::sector
