// DS3 request signing: the Date header and SigV2 in the DS3 flavour.
#include "ds3/signing.h"

#include <cstdio>
#include <ctime>

#include "auth/sigv2.h"

namespace storewire::ds3 {

namespace {

// RFC 1123 date in GMT, independent of the C locale.
std::string http_date() {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

auth::Query to_auth_query(const QueryList& query) {
  auth::Query out;
  for (const auto& q : query) out.push_back(auth::QueryParam{q.name, q.value, q.has_value});
  return out;
}

}  // namespace

void sign(const std::string& method, const std::string& path, const QueryList& query,
          const std::string& access_key, const std::string& secret_key,
          http::HeaderList& headers) {
  headers.emplace_back("Date", http_date());
  static const auth::V2Rules rules = auth::v2_rules("ds3");
  auth::Headers signed_headers(headers.begin(), headers.end());
  const std::string sts =
      auth::string_to_sign_v2(method, path, to_auth_query(query), signed_headers, rules);
  headers.emplace_back("Authorization",
                       auth::authorization_v2(access_key, auth::signature_v2(secret_key, sts)));
}

}  // namespace storewire::ds3
