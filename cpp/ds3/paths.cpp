// Request paths and query strings, escaped as the DS3 C SDK escapes them.
#include "ds3/paths.h"

#include "auth/encoding.h"
#include "storewire/error.h"

namespace storewire::ds3 {

std::string escape(const std::string& s, bool keep_slash) { return auth::uri_encode(s, keep_slash); }

void append_query(std::string& out, const QueryList& query) {
  bool first = true;
  for (const auto& q : query) {
    out += first ? '?' : '&';
    first = false;
    out += q.name;
    if (q.has_value) {
      out += '=';
      out += escape(q.value, false);
    }
  }
}

std::string bucket_path(const std::string& bucket) {
  if (bucket.empty()) throw Error(ErrorKind::InvalidArgument, "the bucket name must not be empty");
  return "/" + escape(bucket, false);
}

std::string object_path(const std::string& bucket, const std::string& key) {
  if (key.empty()) throw Error(ErrorKind::InvalidArgument, "the object name must not be empty");
  return bucket_path(bucket) + "/" + escape(key, true);
}

std::string rest_path(const std::string& resource, const std::string& id) {
  std::string p = "/_rest_/" + resource + "/";
  if (!id.empty()) p += escape(id, false);
  return p;
}

}  // namespace storewire::ds3
