#pragma once

#include <optional>
#include <string>

namespace storewire::http {

// The CA bundle to trust when the caller named none, or nothing to keep libcurl's own default.
// A wheel carries Debian's libcurl, whose built-in bundle path (/etc/ssl/certs/
// ca-certificates.crt) other distributions do not have. Order: $SSL_CERT_FILE (OpenSSL's
// variable, as Python's ssl and pip honour it); libcurl's built-in path when it exists; the
// first existing well-known path of other distributions. Read when a client is made.
std::optional<std::string> default_ca_bundle();

}  // namespace storewire::http
