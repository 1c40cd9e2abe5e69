"""Credentials in a V3IO endpoint URL (``http://user:password@host:8081``).

The password is taken out of the URL before anything else sees it: requests carry it as a
``Authorization: Basic`` header (what libcurl would have sent from the URL), the endpoint
the client shows, logs and puts in errors has no userinfo, and the password is registered
with the log redaction. :func:`redact_userinfo` masks any ``scheme://user:pw@`` that a
server echoes back into an error body.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from storewire.config import Secret
from storewire.log import MASK

__all__ = ["Endpoint", "redact_userinfo", "split_endpoint"]

# scheme://userinfo@ ; the userinfo runs to the last "@" before the host part
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/\s?#]*)@")


def _mask(m: re.Match[str]) -> str:
    user, colon, _ = m.group("info").partition(":")
    return f"{m.group('scheme')}{user}:{MASK}@" if colon else f"{m.group('scheme')}{MASK}@"


def redact_userinfo(text: str) -> str:
    """``text`` with the password (or lone token) of every URL's userinfo masked."""
    return _USERINFO.sub(_mask, text) if "@" in text else text


class Endpoint:
    """``url`` without userinfo, and the Basic authorization header it carried (if any)."""

    __slots__ = ("authorization", "url")

    def __init__(self, url: str, authorization: Secret | None) -> None:
        self.url = url
        self.authorization = authorization

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r})"


def split_endpoint(url: str) -> Endpoint:
    """Take ``user:password@`` out of ``url``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return Endpoint(url, None)
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    user, password = unquote(user), unquote(password)
    Secret(password)  # registers it with the log redaction
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return Endpoint(clean, Secret(f"Basic {token}"))
