// A failure a service reported with a code: an HTTP status >= 300 with the server's error
// code and message, or a Sector error code. The core only reports the code and the code
// space it belongs to; the binding layer hands both on and the Python side picks the
// exception class from its table for that space.
#pragma once

#include <string>
#include <utility>

#include "storewire/error.h"

namespace storewire {

// Whose codes StatusErrorInfo::code is.
enum class CodeSpace {
  Http,    // an HTTP status + the service's code (DS3/S3 "NoSuchKey", or our "ChecksumMismatch")
  Sector,  // a Sector error code, as decimal text ("-1003"); status 0
};

inline const char* code_space_name(CodeSpace space) noexcept {
  switch (space) {
    case CodeSpace::Http: return "http";
    case CodeSpace::Sector: return "sector";
  }
  return "http";
}

struct StatusErrorInfo {
  long status = 0;            // HTTP status (0: none, e.g. a local integrity check)
  std::string code;           // the server's error code ("NoSuchBucket", "NotFound"...)
  std::string message;        // the server's message (or ours)
  std::string operation;      // what the client was doing ("get_bucket")
  std::string resource;       // bucket/key/job involved
  std::string request_id;     // the server's request id, if any
  std::string reason_phrase;  // HTTP reason phrase of the status line
  std::string body;           // raw error body (may be empty)
  CodeSpace space = CodeSpace::Http;
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
