// Plain data types of the HTTP engine: what a request asks for, what a result holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storewire/error.h"

namespace storewire::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Where the request body comes from. Buffer memory is owned by the caller and must
// outlive the transfer (the binding keeps the Python buffer alive).
struct BodySource {
  enum class Kind { None, Buffer, File };
  Kind kind = Kind::None;
  const char* data = nullptr;
  std::uint64_t size = 0;       // Buffer: bytes at `data`
  std::string path;             // File
  std::uint64_t offset = 0;     // File: first byte
  std::optional<std::uint64_t> length;  // File: bytes to send (default: to end of file)
};

// Where a successful (2xx) response body goes. Error bodies always go to memory so
// that callers can parse the server's error document.
struct BodySink {
  enum class Kind { Memory, Buffer, File };
  Kind kind = Kind::Memory;
  char* data = nullptr;         // Buffer
  std::uint64_t capacity = 0;   // Buffer
  std::string path;             // File (created if missing, never truncated)
  std::uint64_t offset = 0;     // File: where the first byte lands
};

// Sees the bytes of a successful (2xx) response body as they are delivered, e.g. to
// checksum a download on the fly instead of reading it back. Called on the engine's
// thread; reset() starts every attempt.
class BodyObserver {
 public:
  virtual ~BodyObserver() = default;
  virtual void reset() = 0;
  virtual void update(const char* data, std::size_t size) = 0;
};

struct RequestSpec {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  BodySource body;
  BodySink sink;
  std::optional<bool> retry;         // unset: retry only idempotent methods
  std::optional<double> timeout_s;   // unset: the client's total timeout
  std::shared_ptr<BodyObserver> observer;  // optional
};

struct Timings {
  double name_lookup_s = 0, connect_s = 0, tls_s = 0, start_transfer_s = 0, total_s = 0;
};

struct TransportFailure {
  ErrorKind kind;
  std::string message;
  std::string detail;  // e.g. "CURLE_RECV_ERROR"
};

struct Result {
  long status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;                  // memory sink, or the error body
  std::uint64_t bytes_received = 0;  // body bytes delivered to the sink
  std::uint64_t bytes_sent = 0;
  int attempts = 0;
  long new_connections = 0;
  Timings timings;
  std::string effective_url;          // redacted; empty when it is the request's URL
  std::optional<TransportFailure> failure;

  // Last value of a header, name compared case-insensitively.
  const std::string* header(const std::string& name) const;
};

struct ClientOptions {
  int max_in_flight = 64;
  long max_host_connections = 0;     // 0: no per-host limit beyond max_in_flight
  double connect_timeout_s = 10.0;
  double timeout_s = 0.0;            // 0: no total timeout
  long low_speed_limit_bytes_per_s = 1;
  double low_speed_time_s = 60.0;    // abort when slower than the limit for this long
  std::optional<std::string> proxy;  // explicit proxy URL; "" disables proxies
  bool use_env_proxy = true;         // honour http_proxy / https_proxy / no_proxy
  bool verify_tls = true;
  std::optional<std::string> ca_file;
  int max_retries = 3;
  double retry_base_delay_s = 0.1;
  double retry_max_delay_s = 20.0;
  std::vector<long> retry_statuses = {500, 502, 503, 504};
  std::string user_agent;
};

}  // namespace storewire::http
