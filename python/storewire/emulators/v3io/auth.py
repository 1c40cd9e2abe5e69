"""Access-key authentication.

The SDKs send ``X-v3io-session-key: <key>``. Also documented: ``Authorization: Basic``
(user:password, the password being the access key), and S3-style ``AWS4-HMAC-SHA256
Credential=<key>/...`` or ``AWS <key>:<signature>``, whose signature the server ignores.
A missing or unknown key is refused with 401 and the documented "Permission denied" body.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping

from .errors import EACCES, V3ioError


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The access key a request carries, or None. ``headers`` has lower-case names."""
    key = headers.get("x-v3io-session-key")
    if key:
        return key.strip()
    authorization = headers.get("authorization", "").strip()
    scheme, _, rest = authorization.partition(" ")
    scheme = scheme.lower()
    rest = rest.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(rest, validate=True).decode("utf-8")
        except ValueError:  # bad base64 (binascii.Error), non-ASCII, not UTF-8
            return None
        return decoded.partition(":")[2] or None
    if scheme == "aws":
        return rest.partition(":")[0] or None
    if scheme.startswith("aws4-"):
        for part in rest.split(","):
            name, _, value = part.strip().partition("=")
            if name == "Credential":
                return value.partition("/")[0] or None
    return None


def check(headers: Mapping[str, str], access_key: str) -> None:
    """Raise the 401 error unless the request carries ``access_key``."""
    key = presented_key(headers)
    if key is None or not hmac.compare_digest(key.encode(), access_key.encode()):
        raise V3ioError(401, EACCES, "Permission denied")
