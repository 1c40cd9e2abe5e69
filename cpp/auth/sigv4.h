// AWS Signature Version 4 (AWS4-HMAC-SHA256): Authorization header and presigned URLs.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "auth/request.h"

namespace storewire::auth {

struct V4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty: none
};

struct V4Scope {
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ"; the credential date is its first 8 characters
  std::string region;
  std::string service;
};

struct V4Options {
  // S3 signs the path as sent (encoded once, no normalisation); other services URI-encode the
  // already-encoded path again and remove dot segments and duplicate slashes.
  bool double_encode = false;
  bool normalize_path = false;
  // Lower-case names never signed even when present: hop-by-hop and tracing headers that
  // proxies and HTTP stacks add or change (the set botocore leaves unsigned).
  // clang-format off
  std::set<std::string> unsigned_headers = {
      "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
      "upgrade", "user-agent", "x-amzn-trace-id"};
  // clang-format on
};

// What the caller signs. `path` is the URL path as sent (percent-encoded; characters that
// cannot appear raw in a URL, e.g. a space or UTF-8, are encoded for the signature).
// `query` holds decoded parameters. `payload_hash` is the hex SHA-256 of the body or
// "UNSIGNED-PAYLOAD" (or a streaming marker).
struct V4Request {
  std::string_view method;
  std::string_view path;
  const Query& query;
  const Headers& headers;
  std::string_view payload_hash;
};

struct V4Signed {
  std::string authorization;
  std::string signature;  // hex
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string credential_scope;
  // Headers the caller must add to the request: X-Amz-Date and X-Amz-Security-Token when
  // the signer added them, and Authorization.
  Headers headers;
};

// Canonical URI of a path under the options (see V4Options).
std::string canonical_uri_v4(std::string_view path, const V4Options& options);

// Parameters URI-encoded, sorted by encoded name then value, "a=1&b=" (flags get "=").
std::string canonical_query_v4(const Query& query);

// kSigning = HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service, "aws4_request".
std::string signing_key_v4(std::string_view secret_key, std::string_view date,
                           std::string_view region, std::string_view service);

// Signs with the Authorization header. An absent x-amz-date header is added (value
// scope.amz_date), as is x-amz-security-token when the credentials carry a token.
V4Signed sign_v4(const V4Request& request, const V4Credentials& credentials, const V4Scope& scope,
                 const V4Options& options = {});

// Presigned URL (query-string auth) for `url` (scheme://host[:port]/path[?query]). `headers`
// are extra headers the eventual request will carry (Host is taken from the URL unless
// given). The session token travels as X-Amz-Security-Token. `expires_s`: 1..604800.
std::string presign_v4(std::string_view method, std::string_view url, const Headers& headers,
                       const V4Credentials& credentials, const V4Scope& scope, int64_t expires_s,
                       std::string_view payload_hash = "UNSIGNED-PAYLOAD",
                       const V4Options& options = {});

}  // namespace storewire::auth
