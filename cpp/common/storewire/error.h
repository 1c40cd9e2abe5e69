// The one exception type the native libraries throw. The binding layer passes `kind` on by
// name; which exception class a kind becomes is decided on the Python side.
#pragma once

#include <stdexcept>
#include <string>

namespace storewire {

enum class ErrorKind {
  InvalidArgument,  // caller passed something unusable (ValueError)
  Io,               // local file could not be read/written (OSError)
  Connection,       // could not connect / connection reset / DNS
  Timeout,          // connect, total or low-speed timeout
  Tls,              // certificate verification or handshake failure
  Protocol,         // truncated or malformed response from the peer
  BufferTooSmall,   // response did not fit the caller's buffer
  Cancelled,        // interrupted (Ctrl-C) or cancelled by the caller
  Internal,         // a bug or an unexpected library failure
};

const char* error_kind_name(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string detail = {})
      : std::runtime_error(message), kind_(kind), detail_(std::move(detail)) {}
  ErrorKind kind() const noexcept { return kind_; }
  // Library-specific detail, e.g. the libcurl error code name.
  const std::string& detail() const noexcept { return detail_; }

 private:
  ErrorKind kind_;
  std::string detail_;
};

inline const char* error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::InvalidArgument: return "invalid_argument";
    case ErrorKind::Io: return "io";
    case ErrorKind::Connection: return "connection";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Tls: return "tls";
    case ErrorKind::Protocol: return "protocol";
    case ErrorKind::BufferTooSmall: return "buffer_too_small";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

}  // namespace storewire
