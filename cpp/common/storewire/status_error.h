// An HTTP-level failure reported by a service (status >= 300 with the server's error code
// and message). The binding layer turns it into storewire.errors.from_status(...), or into
// the Python class named by python_class() when that is set (e.g. "IntegrityError").
#pragma once

#include <string>
#include <utility>

#include "storewire/error.h"

namespace storewire {

struct StatusErrorInfo {
  long status = 0;            // HTTP status (0: none, e.g. a local integrity check)
  std::string code;           // the server's error code ("NoSuchBucket", "NotFound"...)
  std::string message;        // the server's message (or ours)
  std::string operation;      // what the client was doing ("get_bucket")
  std::string resource;       // bucket/key/job involved
  std::string request_id;     // the server's request id, if any
  std::string reason_phrase;  // HTTP reason phrase of the status line
  std::string body;           // raw error body (may be empty)
  std::string python_class;   // "" → from_status; else a class of storewire.errors
};

class StatusError : public Error {
 public:
  explicit StatusError(StatusErrorInfo info)
      : Error(ErrorKind::Protocol, describe(info)), info_(std::move(info)) {}
  const StatusErrorInfo& info() const noexcept { return info_; }
  long status() const noexcept { return info_.status; }

 private:
  static std::string describe(const StatusErrorInfo& i) {
    std::string s = i.operation.empty() ? std::string() : i.operation + ": ";
    if (i.status) s += "HTTP " + std::to_string(i.status) + " ";
    if (!i.code.empty()) s += i.code + " ";
    s += i.message;
    return s;
  }
  StatusErrorInfo info_;
};

}  // namespace storewire
