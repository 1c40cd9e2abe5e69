// A self-signed master certificate, as a Sector master keeps in master_node.cert.
#pragma once

#include <string>

namespace storewire::sector {

// Writes a new RSA key (PEM, mode 0600) and a self-signed certificate (PEM) valid for
// `days`, with CN = common_name. Throws storewire::Error on failure.
inline constexpr int kCertDays = 3650;
inline constexpr const char* kCertCommonName = "sector-master";
void make_self_signed_cert(const std::string& cert_path, const std::string& key_path,
                           const std::string& common_name = kCertCommonName,
                           int days = kCertDays);

}  // namespace storewire::sector
