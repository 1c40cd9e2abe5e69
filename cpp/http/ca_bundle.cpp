#include "http/ca_bundle.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <cstdlib>

namespace storewire::http {
namespace {

bool is_regular_file(const char* path) {
  struct stat st {};
  return path != nullptr && *path != '\0' && ::stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

// Where distributions keep their PEM bundle (Debian/Ubuntu, Fedora/RHEL, openSUSE, RHEL's
// extracted trust store, Alpine/macOS-style).
constexpr const char* kWellKnown[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
};

}  // namespace

std::optional<std::string> default_ca_bundle() {
  if (const char* env = std::getenv("SSL_CERT_FILE"); is_regular_file(env)) return std::string(env);
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info != nullptr && is_regular_file(info->cainfo)) return std::nullopt;  // libcurl's own
  for (const char* path : kWellKnown) {
    if (is_regular_file(path)) return std::string(path);
  }
  return std::nullopt;  // nothing found: libcurl reports the verification failure itself
}

}  // namespace storewire::http
