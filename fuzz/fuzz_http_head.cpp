// The HTTP response head (cpp/http/head.cpp) fed line by line as libcurl delivers it, and
// the checks on request text. A header the engine accepts must be safe to use anywhere:
// a token name and a value without CR, LF, NUL or other controls.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "http/head.h"

using namespace storewire::http;
using namespace std::string_view_literals;

namespace {

bool has_control(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

void check_head(const ResponseHead& head) {
  if (head.complete())
    fuzz::check(head.status() >= 200 && head.status() <= 599, "complete head with status",
                std::to_string(head.status()));
  fuzz::check(head.headers().size() <= ResponseHead::kMaxHeaders, "too many headers kept");
  fuzz::check(!has_control(head.reason()), "control character in the reason phrase");
  for (const auto& [name, value] : head.headers()) {
    fuzz::check(!name.empty() && name.find_first_of(" \t:\r\n") == std::string::npos,
                "accepted header name", name);
    fuzz::check(!has_control(value), "control character in an accepted header value", name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz::typed([&] {
    ResponseHead head;
    std::size_t pos = 0;
    while (pos < in.size()) {
      std::size_t nl = in.find('\n', pos);
      nl = nl == std::string_view::npos ? in.size() : nl + 1;
      if (head.feed(in.substr(pos, nl - pos))) break;  // refused: the engine stops here
      check_head(head);
      pos = nl;
    }
  });
  // Request text: what a check lets through cannot split a request line or header.
  fuzz::typed([&] {
    const std::size_t half = in.size() / 2;
    const std::string_view a = in.substr(0, half), b = in.substr(half);
    if (!check_method(a)) fuzz::check(a.find_first_of(" \r\n\0"sv) == a.npos, "method let through");
    if (!check_header(a, b)) fuzz::check(!has_control(b), "header value let through");
    if (!check_user_agent(in)) fuzz::check(!has_control(in), "user agent let through");
    if (!check_url(in)) fuzz::check(in.find_first_of(" \r\n\0"sv) == in.npos, "URL let through");
  });
  fuzz::typed([&] {
    // Userinfo never survives redaction: whatever stood before the last '@' of the
    // authority is replaced.
    const std::string out = redact_url(in);
    const std::size_t scheme = out.find("://");
    if (scheme == std::string::npos || scheme == 0) return;
    // Only URLs with a real scheme (RFC 3986 ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ));
    // in "a?://x@y" there is no authority to speak of.
    for (std::size_t i = 0; i < scheme; ++i) {
      const char c = out[i];
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
        return;
    }
    const std::size_t end = out.find_first_of("/?#", scheme + 3);
    const std::string authority = out.substr(scheme + 3, end == out.npos ? out.npos : end - scheme - 3);
    const std::size_t at = authority.rfind('@');
    if (at != std::string::npos)
      fuzz::check(authority.substr(0, at) == "***", "userinfo left in a redacted URL", authority);
  });
  return 0;
}
