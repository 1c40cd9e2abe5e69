"""A raw DS3 test client: http.client plus an independent SigV2 signer.

Two signing styles, as the real SDKs sign: "c" (C SDK 5.8: names lower-cased, ``&``-joined
sub-resources, ``+0000`` dates, no Content-Type) and "p" (Python 3 SDK: names as given,
one ``?`` per sub-resource, ``-0000`` dates, ``application/octet-stream`` with a body).
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import http.client
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

SUBRESOURCES = ("delete", "versioning", "versions", "uploads")
CHECKSUM_HEADERS = (
    "content-md5",
    "content-crc32",
    "content-crc32c",
    "content-sha256",
    "content-sha512",
)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def string_to_sign(style: str, method: str, path: str, query: str, headers: dict[str, str]) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    checksum = next((lower[h] for h in CHECKSUM_HEADERS if h in lower), "")
    content_type = lower.get("content-type", "")
    amz = [(k, v) for k, v in headers.items() if k.lower().startswith("x-amz-")]
    if style == "c":
        lines = sorted(f"{k.lower()}:{v}" for k, v in amz)
    else:
        lines = sorted(f"{k}:{v}" for k, v in amz)
    present = {}
    for part in query.split("&") if query else ():
        name, sep, value = part.partition("=")
        if name in SUBRESOURCES:
            present[name] = value if sep else None
    subs = [
        n if present[n] is None else f"{n}={present[n]}"
        for n in SUBRESOURCES
        if n in present and not (style == "c" and n == "uploads")
    ]
    if style == "c":
        resource = path + ("?" + "&".join(subs) if subs else "")
    else:
        resource = path + "".join("?" + s for s in subs)
    amz_text = "".join(line + "\n" for line in lines)
    return f"{method}\n{checksum}\n{content_type}\n{headers['Date']}\n{amz_text}{resource}"


def signature(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class DS3Raw:
    """One keep-alive connection; ``close()`` it (tests run with ResourceWarning = error)."""

    def __init__(self, endpoint: str, access: str, secret: str, style: str = "c") -> None:
        parts = urlsplit(endpoint)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.access, self.secret, self.style = access, secret, style
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> DS3Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        secret: str | None = None,
        sign: bool = True,
    ) -> Reply:
        hdrs = dict(headers or {})
        if self.style == "c":
            hdrs.setdefault("Date", time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()))
        else:
            hdrs.setdefault("Date", email.utils.formatdate())
            if body:
                hdrs.setdefault("Content-Type", "application/octet-stream")
        if sign:
            text = string_to_sign(self.style, method, path, query, hdrs)
            hdrs["Authorization"] = f"AWS {self.access}:{signature(secret or self.secret, text)}"
        target = path + ("?" + query if query else "")
        if body or method in ("PUT", "POST"):
            hdrs["Content-Length"] = str(len(body))
        self.conn.request(method, target, body=body or None, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        return Reply(resp.status, resp.headers, data)
