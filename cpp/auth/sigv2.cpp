#include "auth/sigv2.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "auth/encoding.h"
#include "auth/hashes.h"
#include "storewire/error.h"

namespace storewire::auth {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// First header of that name (case-insensitive), trimmed; empty if absent.
std::string_view header_value(const Headers& headers, std::string_view name,
                              bool* found = nullptr) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) {
      if (found) *found = true;
      return trim(v);
    }
  }
  if (found) *found = false;
  return {};
}

std::string_view checksum_value(const Headers& headers, bool any) {
  static constexpr std::string_view kNames[] = {"Content-MD5", "Content-CRC32", "Content-CRC32C",
                                                "Content-SHA256", "Content-SHA512"};
  for (std::size_t i = 0; i < (any ? std::size(kNames) : 1); ++i) {
    bool found = false;
    std::string_view v = header_value(headers, kNames[i], &found);
    if (found) return v;
  }
  return {};
}

std::string canonical_amz_headers(const Headers& headers, bool lowercase_names, bool by_line) {
  // Same-name headers are combined into one comma-separated value, in arrival order.
  std::vector<std::pair<std::string, std::string>> amz;
  for (const auto& [n, v] : headers) {
    if (!istarts_with(n, "x-amz-")) continue;
    std::string name = lowercase_names ? lower(n) : n;
    auto it = std::find_if(amz.begin(), amz.end(), [&](const auto& p) { return p.first == name; });
    if (it == amz.end()) {
      amz.emplace_back(std::move(name), std::string(trim(v)));
    } else {
      it->second.append(",").append(trim(v));
    }
  }
  std::vector<std::string> lines;
  lines.reserve(amz.size());
  for (const auto& [n, v] : amz) lines.push_back(n + ":" + v);
  if (by_line) {
    std::sort(lines.begin(), lines.end());
  } else {
    std::vector<std::size_t> order(amz.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return amz[a].first < amz[b].first; });
    std::vector<std::string> sorted;
    for (std::size_t i : order) sorted.push_back(std::move(lines[i]));
    lines.swap(sorted);
  }
  std::string out;
  for (const auto& l : lines) out.append(l).push_back('\n');
  return out;
}

// Index of the rule entry matching a query name, or -1.
int subresource_rank(std::string_view name, const std::vector<std::string>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string_view e = entries[i];
    const bool prefix = !e.empty() && e.back() == '*';
    if (prefix ? name.substr(0, e.size() - 1) == e.substr(0, e.size() - 1) : name == e)
      return static_cast<int>(i);
  }
  return -1;
}

std::string render(const QueryParam& p) {
  return p.has_value ? p.name + "=" + p.value : p.name;
}

std::string join_resource(std::string_view path, const std::vector<std::string>& subs,
                          SubresourceStyle style) {
  std::string out(path);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    out.push_back(style == SubresourceStyle::Separate || i == 0 ? '?' : '&');
    out.append(subs[i]);
  }
  return out;
}

std::string assemble(std::string_view method, std::string_view checksum,
                     std::string_view content_type, std::string_view date,
                     std::string_view amz_lines, std::string_view resource) {
  std::string s;
  s.reserve(method.size() + checksum.size() + content_type.size() + date.size() + amz_lines.size() +
            resource.size() + 4);
  s.append(method).push_back('\n');
  s.append(checksum).push_back('\n');
  s.append(content_type).push_back('\n');
  s.append(date).push_back('\n');
  s.append(amz_lines).append(resource);
  return s;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

V2Rules v2_rules(std::string_view variant) {
  V2Rules r;
  if (variant == "s3") {
    r.subresources = {"acl",        "cors",         "delete",     "lifecycle", "location",
                      "logging",    "notification", "partNumber", "policy",    "requestPayment",
                      "response-*", "tagging",      "torrent",    "uploadId",  "uploads",
                      "versionId",  "versioning",   "versions",   "website"};
    return r;
  }
  if (variant == "ds3" || variant == "ds3-python") {
    const bool py = variant == "ds3-python";
    r.any_checksum_header = true;
    r.lowercase_amz_names = !py;
    r.sort_amz_by_line = true;
    r.amz_date_blanks_date = false;
    r.style = py ? SubresourceStyle::Separate : SubresourceStyle::Joined;
    r.sort_subresources = false;
    r.subresources = {"delete", "versioning", "versions"};
    if (py) r.subresources.emplace_back("uploads");
    return r;
  }
  throw Error(ErrorKind::InvalidArgument, "unknown SigV2 variant '" + std::string(variant) +
                                              "' (expected s3, ds3 or ds3-python)");
}

std::string canonical_resource_v2(std::string_view path, const Query& query, const V2Rules& rules) {
  std::vector<std::pair<int, const QueryParam*>> picked;
  for (const auto& p : query) {
    const int rank = subresource_rank(p.name, rules.subresources);
    if (rank >= 0) picked.emplace_back(rank, &p);
  }
  std::stable_sort(picked.begin(), picked.end(), [&](const auto& a, const auto& b) {
    if (rules.sort_subresources) {
      return a.second->name != b.second->name ? a.second->name < b.second->name
                                              : a.second->value < b.second->value;
    }
    return a.first < b.first;
  });
  std::vector<std::string> subs;
  for (const auto& [rank, p] : picked) subs.push_back(render(*p));
  return join_resource(path, subs, rules.style);
}

std::string string_to_sign_v2(std::string_view method, std::string_view path, const Query& query,
                              const Headers& headers, const V2Rules& rules) {
  bool has_amz_date = false;
  header_value(headers, "x-amz-date", &has_amz_date);
  const std::string_view date = rules.amz_date_blanks_date && has_amz_date
                                    ? std::string_view{}
                                    : header_value(headers, "Date");
  return assemble(method, checksum_value(headers, rules.any_checksum_header),
                  header_value(headers, "Content-Type"), date,
                  canonical_amz_headers(headers, rules.lowercase_amz_names, rules.sort_amz_by_line),
                  canonical_resource_v2(path, query, rules));
}

std::string signature_v2(std::string_view secret_key, std::string_view string_to_sign) {
  return base64_encode(hmac_sha1(secret_key, string_to_sign));
}

std::string authorization_v2(std::string_view access_key, std::string_view signature) {
  std::string out = "AWS ";
  out.append(access_key).push_back(':');
  out.append(signature);
  return out;
}

std::optional<std::pair<std::string, std::string>> parse_authorization_v2(std::string_view value) {
  value = trim(value);
  if (value.size() < 4 || value.substr(0, 4) != "AWS ") return std::nullopt;
  value = trim(value.substr(4));
  // Access ids may contain ':'-free base64; the signature never contains ':'.
  const std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == value.size())
    return std::nullopt;
  return std::make_pair(std::string(value.substr(0, colon)), std::string(value.substr(colon + 1)));
}

bool verify_v2(std::string_view secret_key, std::string_view signature, std::string_view method,
               std::string_view path, const Query& query, const Headers& headers, bool s3_compat) {
  const std::string_view given = trim(signature);
  const auto matches = [&](const std::string& sts) {
    return same(signature_v2(secret_key, sts), given);
  };

  // DS3 clients: present sub-resources in the fixed order, with a value only if one was sent.
  std::vector<std::string> subs, subs_no_uploads;
  for (std::string_view name : {"delete", "versioning", "versions", "uploads"}) {
    auto it =
        std::find_if(query.begin(), query.end(), [&](const auto& p) { return p.name == name; });
    if (it == query.end()) continue;
    subs.push_back(render(*it));
    if (name != "uploads") subs_no_uploads.push_back(render(*it));
  }
  std::vector<std::string> resources;
  const auto add = [&](std::string r) {
    if (std::find(resources.begin(), resources.end(), r) == resources.end())
      resources.push_back(std::move(r));
  };
  add(std::string(path));
  for (const auto* list : {&subs, &subs_no_uploads}) {
    add(join_resource(path, *list, SubresourceStyle::Joined));
    add(join_resource(path, *list, SubresourceStyle::Separate));
  }

  const std::string_view checksum = checksum_value(headers, true);
  const std::string_view content_type = header_value(headers, "Content-Type");
  const std::string_view date = header_value(headers, "Date");
  const std::string amz_lower = canonical_amz_headers(headers, true, true);
  const std::string amz_given = canonical_amz_headers(headers, false, true);
  for (const auto& resource : resources) {
    if (matches(assemble(method, checksum, content_type, date, amz_lower, resource))) return true;
    if (amz_given != amz_lower &&
        matches(assemble(method, checksum, content_type, date, amz_given, resource)))
      return true;
  }
  return s3_compat && matches(string_to_sign_v2(method, path, query, headers, v2_rules("s3")));
}

}  // namespace storewire::auth
