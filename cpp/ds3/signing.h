// DS3 request signing: adds the Date header and the Authorization header of AWS
// Signature Version 2 in the DS3 flavour (cpp/auth/sigv2.h) to `headers`.
#pragma once

#include <string>

#include "ds3/paths.h"
#include "http/types.h"

namespace storewire::ds3 {

// `path` is the escaped request path (starting with '/') that the URL carries.
void sign(const std::string& method, const std::string& path, const QueryList& query,
          const std::string& access_key, const std::string& secret_key,
          http::HeaderList& headers);

}  // namespace storewire::ds3
