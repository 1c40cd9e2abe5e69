#include "auth/sigv4.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "auth/encoding.h"
#include "auth/hashes.h"
#include "storewire/error.h"

namespace storewire::auth {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has_header(const Headers& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return lower(h.first) == lower_name; });
}

// Trimmed, inner whitespace runs collapsed to one space (SigV4 "Trimall").
std::string trimall(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Drops "." and empty segments and resolves ".." (AWS also merges repeated slashes); keeps
// the leading slash, and the trailing one when something remains.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string result = !path.empty() && path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result.push_back('/');
    result.append(out[i]);
  }
  if (!out.empty() && path.back() == '/') result.push_back('/');
  return result;
}

struct CanonicalHeaders {
  std::string block;    // "name:value\n" lines
  std::string signed_;  // "a;b;c"
};

CanonicalHeaders canonical_headers(const Headers& headers, const V4Options& options) {
  std::vector<std::pair<std::string, std::string>> merged;  // same name: values joined by ','
  for (const auto& [n, v] : headers) {
    std::string name = lower(n);
    if (options.unsigned_headers.count(name) != 0) continue;
    auto it =
        std::find_if(merged.begin(), merged.end(), [&](const auto& p) { return p.first == name; });
    if (it == merged.end()) {
      merged.emplace_back(std::move(name), trimall(v));
    } else {
      it->second.append(",").append(trimall(v));
    }
  }
  std::sort(merged.begin(), merged.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [n, v] : merged) {
    out.block.append(n).append(":").append(v).push_back('\n');
    if (!out.signed_.empty()) out.signed_.push_back(';');
    out.signed_.append(n);
  }
  return out;
}

void check_scope(const V4Scope& scope) {
  const std::string& d = scope.amz_date;
  bool ok = d.size() == 16 && d[8] == 'T' && d[15] == 'Z';
  for (std::size_t i = 0; ok && i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(d[i]))) ok = false;
  }
  if (!ok) {
    throw Error(ErrorKind::InvalidArgument,
                "amz_date must look like 20150830T123600Z, got '" + d + "'");
  }
  if (scope.region.empty() || scope.service.empty())
    throw Error(ErrorKind::InvalidArgument, "SigV4 needs a region and a service");
}

std::string credential_scope(const V4Scope& scope) {
  return scope.amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

// Canonical request, string to sign and signature for already-prepared parts.
void finish(V4Signed& out, std::string_view method, std::string_view canonical_uri,
            std::string_view canonical_query, const CanonicalHeaders& ch,
            std::string_view payload_hash, const V4Credentials& credentials, const V4Scope& scope) {
  out.signed_headers = ch.signed_;
  out.credential_scope = credential_scope(scope);
  out.canonical_request.append(method).push_back('\n');
  out.canonical_request.append(canonical_uri).push_back('\n');
  out.canonical_request.append(canonical_query).push_back('\n');
  out.canonical_request.append(ch.block).push_back('\n');
  out.canonical_request.append(ch.signed_).push_back('\n');
  out.canonical_request.append(payload_hash);
  out.string_to_sign.append(kAlgorithm).push_back('\n');
  out.string_to_sign.append(scope.amz_date).push_back('\n');
  out.string_to_sign.append(out.credential_scope).push_back('\n');
  out.string_to_sign.append(hex_encode(digest(HashAlgorithm::Sha256, out.canonical_request)));
  const std::string key = signing_key_v4(credentials.secret_key, scope.amz_date.substr(0, 8),
                                         scope.region, scope.service);
  out.signature = hex_encode(hmac_sha256(key, out.string_to_sign));
}

struct UrlParts {
  std::string scheme, authority, host, path, query;
};

UrlParts split_url(std::string_view url) {
  UrlParts u;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0)
    throw Error(ErrorKind::InvalidArgument, "not an absolute URL: '" + std::string(url) + "'");
  u.scheme = lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // userinfo is never sent
  if (authority.empty())
    throw Error(ErrorKind::InvalidArgument, "URL has no host: '" + std::string(url) + "'");
  u.authority = std::string(authority);
  u.host = lower(u.authority);  // what browsers and botocore send
  // Host omits the scheme's default port, as HTTP clients send it.
  const std::size_t colon = u.host.rfind(':');
  if (colon != std::string::npos && u.host.find(']', colon) == std::string::npos) {
    const std::string port = u.host.substr(colon + 1);
    if ((u.scheme == "http" && port == "80") || (u.scheme == "https" && port == "443"))
      u.host.resize(colon);
  }
  rest.remove_prefix(end);
  const std::size_t q = rest.find('?');
  u.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) u.query = std::string(rest.substr(q + 1));
  return u;
}

}  // namespace

std::string canonical_uri_v4(std::string_view path, const V4Options& options) {
  std::string uri = uri_encode_keep_escapes(path.empty() ? "/" : path, true);
  if (options.normalize_path) uri = remove_dot_segments(uri);
  if (uri.empty()) uri = "/";
  if (options.double_encode) uri = uri_encode(uri, true);
  return uri;
}

std::string canonical_query_v4(const Query& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& p : query)
    enc.emplace_back(uri_encode(p.name, false), uri_encode(p.value, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [n, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out.append(n).append("=").append(v);
  }
  return out;
}

std::string signing_key_v4(std::string_view secret_key, std::string_view date,
                           std::string_view region, std::string_view service) {
  std::string key = hmac_sha256("AWS4" + std::string(secret_key), date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

V4Signed sign_v4(const V4Request& request, const V4Credentials& credentials, const V4Scope& scope,
                 const V4Options& options) {
  check_scope(scope);
  V4Signed out;
  Headers headers = request.headers;
  if (!has_header(headers, "x-amz-date")) out.headers.emplace_back("X-Amz-Date", scope.amz_date);
  if (!credentials.session_token.empty() && !has_header(headers, "x-amz-security-token"))
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  headers.insert(headers.end(), out.headers.begin(), out.headers.end());

  finish(out, request.method, canonical_uri_v4(request.path, options),
         canonical_query_v4(request.query), canonical_headers(headers, options),
         request.payload_hash, credentials, scope);
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key + "/" +
                      out.credential_scope + ", SignedHeaders=" + out.signed_headers +
                      ", Signature=" + out.signature;
  out.headers.emplace_back("Authorization", out.authorization);
  return out;
}

std::string presign_v4(std::string_view method, std::string_view url, const Headers& headers,
                       const V4Credentials& credentials, const V4Scope& scope, int64_t expires_s,
                       std::string_view payload_hash, const V4Options& options) {
  check_scope(scope);
  if (expires_s < 1 || expires_s > 604800)
    throw Error(ErrorKind::InvalidArgument, "expires_s must be within 1..604800 (7 days)");
  const UrlParts u = split_url(url);
  Headers all = headers;
  if (!has_header(all, "host")) all.emplace_back("host", u.host);
  const CanonicalHeaders ch = canonical_headers(all, options);

  Query query = parse_query(u.query);
  query.push_back({"X-Amz-Algorithm", std::string(kAlgorithm)});
  query.push_back({"X-Amz-Credential", credentials.access_key + "/" + credential_scope(scope)});
  query.push_back({"X-Amz-Date", scope.amz_date});
  query.push_back({"X-Amz-Expires", std::to_string(expires_s)});
  if (!credentials.session_token.empty())
    query.push_back({"X-Amz-Security-Token", credentials.session_token});
  query.push_back({"X-Amz-SignedHeaders", ch.signed_});
  const std::string canonical_query = canonical_query_v4(query);

  V4Signed s;
  finish(s, method, canonical_uri_v4(u.path, options), canonical_query, ch, payload_hash,
         credentials, scope);
  const std::string path = uri_encode_keep_escapes(u.path.empty() ? "/" : u.path, true);
  return u.scheme + "://" + u.authority + path + "?" + canonical_query +
         "&X-Amz-Signature=" + s.signature;
}

}  // namespace storewire::auth
