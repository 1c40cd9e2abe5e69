// AWS Signature Version 2 (HMAC-SHA1), standard S3 rules and the DS3 (BlackPearl) variant
// (whose StringToSign differs in how sub-resources are written), plus the server-side verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/request.h"

namespace storewire::auth {

enum class SubresourceStyle {
  Joined,    // "/b?delete&versioning=x" (S3, DS3 C SDK)
  Separate,  // "/b?delete?versioning=x" (DS3 Python 3 SDK)
};

// The knobs in which signers differ. Build one with v2_rules() and adjust fields.
struct V2Rules {
  // The checksum slot also takes Content-CRC32/-CRC32C/-SHA256/-SHA512 (DS3), not only MD5.
  bool any_checksum_header = false;
  // x-amz-* names are lower-cased (S3, DS3 C) or signed as given (DS3 Python).
  bool lowercase_amz_names = true;
  // Sort amz lines by the whole "name:value" (DS3) rather than by name (S3).
  bool sort_amz_by_line = false;
  // An x-amz-date header empties the Date slot (S3).
  bool amz_date_blanks_date = true;
  SubresourceStyle style = SubresourceStyle::Joined;
  // Signed sub-resources sorted by name (S3) or kept in the order of `subresources` (DS3).
  bool sort_subresources = true;
  // Query parameter names that are signed; an entry ending in '*' matches a prefix.
  std::vector<std::string> subresources;
};

// Named rule sets: "s3" (AWS S3), "ds3" (DS3 C SDK 5.8: names lower-cased, "&"-joined
// delete/versioning/versions), "ds3-python" (DS3 Python 3 SDK: names as given, each
// sub-resource with its own "?", also uploads). Throws InvalidArgument for another name.
V2Rules v2_rules(std::string_view variant);

// The path exactly as on the request line (still percent-encoded, no query) plus the
// signed sub-resources taken from `query` (decoded values, as AWS specifies).
std::string canonical_resource_v2(std::string_view path, const Query& query, const V2Rules& rules);

std::string string_to_sign_v2(std::string_view method, std::string_view path, const Query& query,
                              const Headers& headers, const V2Rules& rules);

// base64(HMAC-SHA1(secret_key, string_to_sign)).
std::string signature_v2(std::string_view secret_key, std::string_view string_to_sign);

// "AWS <access_key>:<signature>".
std::string authorization_v2(std::string_view access_key, std::string_view signature);

// Splits an "AWS <id>:<signature>" header value; nullopt if it is not one.
std::optional<std::pair<std::string, std::string>> parse_authorization_v2(std::string_view value);

// Server side: accepts `signature` if any StringToSign a real DS3 client may have produced
// matches (candidates: bare path, "&"-joined and "?"-separated
// sub-resources among delete/versioning/versions/uploads, each with and without uploads;
// amz names lower-cased and as received), or, with `s3_compat`, the standard S3 form.
// Compares in constant time.
bool verify_v2(std::string_view secret_key, std::string_view signature, std::string_view method,
               std::string_view path, const Query& query, const Headers& headers,
               bool s3_compat = true);

}  // namespace storewire::auth
