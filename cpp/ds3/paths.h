// Request paths and query strings of the DS3 API, escaped as the DS3 C SDK escapes them.
#pragma once

#include <string>
#include <vector>

namespace storewire::ds3 {

struct QueryItem {
  std::string name;
  std::string value;
  bool has_value = true;  // false: a bare flag ("?delete")
};
using QueryList = std::vector<QueryItem>;

// C-SDK escaping: everything but A-Za-z0-9-._~ becomes %XX; '/' kept when keep_slash.
std::string escape(const std::string& s, bool keep_slash);

// Appends "?a=1&b" (values escaped) to `out`; nothing for an empty list.
void append_query(std::string& out, const QueryList& query);

// "/bucket"; throws InvalidArgument for an empty name.
std::string bucket_path(const std::string& bucket);
// "/bucket/key" ('/' kept in the key); throws InvalidArgument for an empty key.
std::string object_path(const std::string& bucket, const std::string& key);
// "/_rest_/<resource>/<id>" (id escaped; none when empty).
std::string rest_path(const std::string& resource, const std::string& id = {});

}  // namespace storewire::ds3
