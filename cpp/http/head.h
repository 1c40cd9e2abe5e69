// The response head as libcurl hands it over, one line per callback: the one place the
// engine checks what a server said before the status line and headers are used
// (issue 19). It also knows whether the header block ended, so that a connection cut
// inside it is an error and never an empty "200 OK".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/types.h"

namespace storewire::http {

class ResponseHead {
 public:
  // A head larger than this (all lines of one response) is refused.
  static constexpr std::size_t kMaxBytes = 1u << 20;
  static constexpr std::size_t kMaxHeaders = 1000;

  // Feeds one raw line, CRLF included. Returns why the line is unacceptable, if it is.
  std::optional<std::string> feed(std::string_view line);

  // True once the final (non-1xx) response's blank line has been seen.
  bool complete() const { return complete_; }
  long status() const { return status_; }
  const std::string& reason() const { return reason_; }
  HeaderList& headers() { return headers_; }
  const HeaderList& headers() const { return headers_; }
  // The final response's Content-Length, when it sent one (validated, consistent).
  std::optional<std::uint64_t> content_length() const { return content_length_; }

 private:
  std::optional<std::string> status_line(std::string_view line);

  long status_ = 0;
  std::string reason_;
  HeaderList headers_;
  bool in_block_ = false;  // a status line was seen and its blank line not yet
  bool complete_ = false;
  std::optional<std::uint64_t> content_length_;
  std::size_t bytes_ = 0;
};

// Request text the engine puts on the wire: refuses what would split or cut a request
// line or header (CR, LF, NUL and other controls), so a caller's string can never inject
// a header or silently shorten a URL. Each returns why the text is unacceptable.
std::optional<std::string> check_method(std::string_view method);
std::optional<std::string> check_header(std::string_view name, std::string_view value);
std::optional<std::string> check_url(std::string_view url);
std::optional<std::string> check_user_agent(std::string_view agent);

// The URL with its userinfo and signature-bearing query values replaced, for messages.
std::string redact_url(std::string_view url);

}  // namespace storewire::http
