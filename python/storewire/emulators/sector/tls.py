"""The masters' TLS: a server context that accepts TLS 1.0, as a real Sector master does."""

from __future__ import annotations

import ssl
import warnings
from pathlib import Path


def server_context(cert: Path, key: Path, tls10_only: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        # The real master speaks TLS 1.0 only: allow it here, for Sector alone.
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        if tls10_only:
            ctx.maximum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.load_cert_chain(str(cert), str(key))
    return ctx
