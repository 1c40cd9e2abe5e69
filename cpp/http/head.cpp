#include "http/head.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace storewire::http {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// RFC 9110 tchar: what a method or a header name may be made of. A table, not
// std::isalnum: no call per character and no dependence on the C locale.
struct TokenTable {
  bool on[256] = {};
  constexpr TokenTable() {
    for (int c = '0'; c <= '9'; ++c) on[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) on[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) on[c] = true;
    for (char c : "!#$%&'*+-.^_`|~") on[static_cast<unsigned char>(c)] = true;
    on[0] = false;  // the string literal's terminator
  }
};
constexpr TokenTable kToken;

bool is_token_char(unsigned char c) { return kToken.on[c]; }

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

// A field value may hold visible characters, space, tab and obs-text, nothing else.
bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// 1*DIGIT that fits a signed 64-bit offset (what curl and the file API can hold).
std::optional<std::uint64_t> parse_length(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return v;
}

std::string shown(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 80)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

}  // namespace

std::optional<std::string> ResponseHead::status_line(std::string_view line) {
  // "HTTP/1.1 200 OK": a version, one space, exactly three digits, then the reason.
  const std::string_view text = trim(line);
  const std::size_t sp = text.find(' ');
  if (sp == std::string_view::npos || text.size() < sp + 4)
    return "malformed status line '" + shown(text) + "'";
  const std::string_view code = text.substr(sp + 1, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (text.size() > sp + 4 && text[sp + 4] != ' '))
    return "malformed status code in '" + shown(text) + "'";
  const long status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status < 100 || status > 599) return "status " + std::to_string(status) + " is out of range";
  const std::string_view reason =
      text.size() > sp + 4 ? trim(text.substr(sp + 5)) : std::string_view();
  // The reason ends up in exception text: no controls (a CR or an escape sequence there
  // would forge log lines or terminal output).
  if (!is_field_value(reason))
    return "control character in the reason phrase '" + shown(reason) + "'";
  status_ = status;
  content_length_.reset();
  reason_ = std::string(reason);
  headers_.clear();
  in_block_ = true;
  complete_ = false;
  return std::nullopt;
}

std::optional<std::string> ResponseHead::feed(std::string_view line) {
  bytes_ += line.size();
  if (bytes_ > kMaxBytes)
    return "the response head exceeds " + std::to_string(kMaxBytes) + " bytes";
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") return status_line(line);
  if (!in_block_) {
    // Trailers of a chunked body arrive after the block; anything else is out of place.
    if (complete_ && line.find(':') != std::string_view::npos) return std::nullopt;
    if (complete_ && trim(line).empty()) return std::nullopt;
    return "header line outside a response head: '" + shown(line) + "'";
  }
  if (trim(line).empty()) {
    in_block_ = false;
    // 1xx answers are followed by the real one; so is a proxy's answer to CONNECT.
    complete_ = status_ >= 200;
    return std::nullopt;
  }
  if (line.front() == ' ' || line.front() == '\t') {
    if (headers_.empty()) return "continuation line before any header";
    if (!is_field_value(trim(line)))
      return "control character in the value of header " + headers_.back().first;
    headers_.back().second += " ";
    headers_.back().second += std::string(trim(line));  // obsolete line folding
    return std::nullopt;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return "header line without a colon: '" + shown(line) + "'";
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return "invalid header name '" + shown(name) + "'";
  const std::string_view value = trim(line.substr(colon + 1));
  if (!is_field_value(value))
    return "control character in the value of header " + std::string(name);
  if (headers_.size() >= kMaxHeaders)
    return "more than " + std::to_string(kMaxHeaders) + " headers in one response";
  if (equals_ignore_case(name, "content-length")) {
    // curl takes an unparsable length for "unknown" and reads to the close: refuse it.
    const auto length = parse_length(value);
    if (!length) return "invalid Content-Length '" + shown(value) + "'";
    if (content_length_ && *content_length_ != *length)
      return "conflicting Content-Length values " + std::to_string(*content_length_) + " and " +
             std::to_string(*length);
    content_length_ = length;
  }
  // Room for a typical head at once (12 pairs stay below malloc's large-chunk size, whose
  // requests consolidate its free lists).
  if (headers_.capacity() == 0) headers_.reserve(12);
  headers_.emplace_back(std::string(name), std::string(value));
  return std::nullopt;
}

std::optional<std::string> check_method(std::string_view method) {
  if (!is_token(method)) return "invalid HTTP method '" + shown(method) + "'";
  return std::nullopt;
}

std::optional<std::string> check_header(std::string_view name, std::string_view value) {
  if (!is_token(name)) return "invalid header name '" + shown(name) + "'";
  if (!is_field_value(value))
    return "the value of header '" + std::string(name) + "' contains CR, LF, NUL or another control character";
  return std::nullopt;
}

std::optional<std::string> check_url(std::string_view url) {
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f)
      return "the URL contains a space or control character: '" + shown(redact_url(url)) + "'";
  }
  return std::nullopt;
}

std::optional<std::string> check_user_agent(std::string_view agent) {
  if (!is_field_value(agent)) return "the user agent contains CR, LF, NUL or another control character";
  return std::nullopt;
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // userinfo: between "://" and the first '@' that comes before any '/', '?' or '#'.
  const std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t end = out.find_first_of("/?#", start);
    const std::size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= start && (end == std::string::npos || at < end))
      out.replace(start, at - start, "***");
  }
  // Query values that are credentials in their own right (presigned URLs).
  static const char* const secret_params[] = {"signature", "x-amz-signature",
                                              "x-amz-security-token", "x-v3io-session-key"};
  const std::size_t q = out.find('?');
  if (q == std::string::npos) return out;
  std::size_t pos = q + 1;
  while (pos < out.size()) {
    std::size_t amp = out.find('&', pos);
    if (amp == std::string::npos) amp = out.size();
    const std::size_t eq = out.find('=', pos);
    if (eq != std::string::npos && eq < amp) {
      std::string name = out.substr(pos, eq - pos);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (std::any_of(std::begin(secret_params), std::end(secret_params),
                      [&](const char* p) { return name == p; })) {
        out.replace(eq + 1, amp - eq - 1, "***");
        amp = out.find('&', eq + 1);
        if (amp == std::string::npos) amp = out.size();
      }
    }
    pos = amp + 1;
  }
  return out;
}

}  // namespace storewire::http
