// Byte/text encodings used by the signers: hex, base64, AWS URI encoding.
#pragma once

#include <string>
#include <string_view>

#include "auth/request.h"

namespace storewire::auth {

// Lower-case hex of raw bytes.
std::string hex_encode(std::string_view bytes);

// Standard base64 alphabet with '=' padding (RFC 4648 §4).
std::string base64_encode(std::string_view bytes);

// Inverse of base64_encode; padding may be omitted. Throws InvalidArgument on any other
// character or an impossible length.
std::string base64_decode(std::string_view text);

// RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ (never encoded by AWS).
bool is_unreserved(unsigned char c) noexcept;

// AWS URI encoding: every byte except unreserved ones (and '/' when keep_slash) becomes
// %XX with upper-case hex. Space is %20, never '+'.
std::string uri_encode(std::string_view s, bool keep_slash);

// uri_encode for text that may already be partly encoded: a valid %XX escape is kept (hex
// upper-cased) instead of becoming %25XX. Canonicalises a path as sent on the wire.
std::string uri_encode_keep_escapes(std::string_view s, bool keep_slash);

// Decodes %XX escapes. An invalid escape is kept literally and '+' stays '+' (paths and
// S3 query strings do not use form encoding).
std::string percent_decode(std::string_view s);

// Splits a raw query string ("a=1&b&c=x%20y") into decoded parameters. Empty pieces
// ("a=1&&b") are skipped.
Query parse_query(std::string_view raw);

}  // namespace storewire::auth
