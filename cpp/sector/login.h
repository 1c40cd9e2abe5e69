// The TLS login exchange with a master.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storewire/checkpoint.h"

namespace storewire::sector {

using storewire::Checkpoint;

struct LoginRequest {
  std::string host;
  int port = 6000;
  std::string user;
  std::string password;
  std::string cert_path;       // master_node.cert: the only trusted certificate
  std::int32_t previous_key = 0;  // > 0: re-login keeping this session key
  std::int32_t gmp_port = 0;   // the client's GMP port G
  std::int32_t data_port = 0;  // the client's data-channel port Dc
  std::string crypto_key;      // 16 bytes
  std::string crypto_iv;       // 8 bytes
  double timeout_s = 30.0;     // the whole exchange: connect, TLS handshake, every step
};

struct OtherMaster {
  std::int32_t key = 0;
  std::string ip;
  std::int32_t port = 0;
};

struct LoginResult {
  std::int32_t key = 0;         // the session key
  std::string topology;         // raw topology blob
  std::int32_t router_key = 0;  // only on a first login
  std::vector<OtherMaster> masters;
  std::string local_ip;         // our address on the TLS connection (as the master sees it)
};

// Runs the exchange. Throws SectorError with the master's negative key (E_SECURITY,
// E_VERSION ...), or storewire::Error (Tls / Connection / Timeout / Protocol).
// Every wait is bounded by one deadline, req.timeout_s after the start; `cp` is called
// about every 100 ms while waiting (Ctrl-C) and may throw to abort.
LoginResult login(const LoginRequest& req, const Checkpoint& cp = {});

// Downloads the PEM text of master_node.cert from master TCP port − 1 (no authentication).
inline constexpr double kFetchCertificateTimeoutS = 30.0;
std::string fetch_certificate(const std::string& host, int port,
                              double timeout_s = kFetchCertificateTimeoutS);

}  // namespace storewire::sector
