"""The shared libraries the repaired wheel bundles (auditwheel grafts them into storewire.libs/)
and the licence text that covers each, in third_party/licenses/.

libcurl and OpenSSL are linked shared; everything else here is what Debian 12's libcurl4
itself links (HTTP/2, IDN, RTMP -> GnuTLS, SSH, PSL, GSS-API -> Kerberos, LDAP -> SASL,
zstd, brotli). pugixml and UDT are linked from static archives and are not grafted.
Used by check_wheel.py (every grafted library must be listed) and licence_texts.py.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Bundled(NamedTuple):
    debian_package: str  # the runtime package whose copyright file covers the library
    licence_file: str  # in third_party/licenses/
    spdx: str


# Library name as auditwheel renames it, minus "-<hash>.so...": "libcurl-02fbea31.so.4" -> libcurl.
BUNDLED: dict[str, Bundled] = {
    "libcurl": Bundled("libcurl4", "curl.txt", "curl"),
    "libssl": Bundled("libssl3", "openssl.txt", "Apache-2.0"),
    "libcrypto": Bundled("libssl3", "openssl.txt", "Apache-2.0"),
    "libnghttp2": Bundled("libnghttp2-14", "nghttp2.txt", "MIT"),
    "libidn2": Bundled("libidn2-0", "libidn2.txt", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    "libunistring": Bundled("libunistring2", "libunistring.txt",
                            "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    "librtmp": Bundled("librtmp1", "rtmpdump.txt", "LGPL-2.1-or-later"),
    "libgnutls": Bundled("libgnutls30", "gnutls.txt", "LGPL-2.1-or-later"),
    "libnettle": Bundled("libnettle8", "nettle.txt", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    "libhogweed": Bundled("libhogweed6", "nettle.txt", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    "libgmp": Bundled("libgmp10", "gmp.txt", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    "libp11-kit": Bundled("libp11-kit0", "p11-kit.txt", "BSD-3-Clause"),
    "libtasn1": Bundled("libtasn1-6", "libtasn1.txt", "LGPL-2.1-or-later"),
    "libffi": Bundled("libffi8", "libffi.txt", "MIT"),
    "libssh2": Bundled("libssh2-1", "libssh2.txt", "BSD-3-Clause"),
    "libpsl": Bundled("libpsl5", "libpsl.txt", "MIT"),
    "libgssapi_krb5": Bundled("libgssapi-krb5-2", "krb5.txt", "MIT"),
    "libkrb5": Bundled("libkrb5-3", "krb5.txt", "MIT"),
    "libk5crypto": Bundled("libk5crypto3", "krb5.txt", "MIT"),
    "libkrb5support": Bundled("libkrb5support0", "krb5.txt", "MIT"),
    "libcom_err": Bundled("libcom-err2", "com_err.txt", "MIT"),
    "libkeyutils": Bundled("libkeyutils1", "keyutils.txt", "LGPL-2.0-or-later"),
    "libldap-2": Bundled("libldap-2.5-0", "openldap.txt", "OLDAP-2.8"),
    "liblber-2": Bundled("libldap-2.5-0", "openldap.txt", "OLDAP-2.8"),
    "libsasl2": Bundled("libsasl2-2", "cyrus-sasl2.txt", "BSD-Attribution-HPND-disclaimer"),
    "libzstd": Bundled("libzstd1", "zstd.txt", "BSD-3-Clause OR GPL-2.0-only"),
    "libbrotlidec": Bundled("libbrotli1", "brotli.txt", "MIT"),
    "libbrotlicommon": Bundled("libbrotli1", "brotli.txt", "MIT"),
}

# The full texts the Debian copyright files above refer to (/usr/share/common-licenses/);
# the GFDL ones cover manuals, which are not shipped.
COMMON_LICENCES = ("GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3")


def library_name(file_name: str) -> str:
    """The name before auditwheel's hash: 'libcurl-02fbea31.so.4.8.0' -> 'libcurl',
    'libldap-2-062bb940.5.so.0.1.8' -> 'libldap-2' (the hash goes before the first dot)."""
    match = _GRAFTED.match(file_name)
    return match["name"] if match else file_name.split(".", 1)[0]


_GRAFTED = re.compile(r"^(?P<name>.+)-[0-9a-f]{8}\.")
