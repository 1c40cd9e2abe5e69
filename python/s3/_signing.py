"""Addressing and signing: where a bucket/key request goes and how it is authenticated.

Path-style (``http://host/bucket/key``) is the default; virtual-hosted style puts the
bucket in the host name (``http://bucket.host/key``). The canonical resource is always
derived from the request actually sent, never from guesses about the host name, so any
endpoint (AWS, radosgw, an emulator on 127.0.0.1:port) signs correctly with V4 and V2.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Literal

from storewire import errors
from storewire._native import auth
from storewire.config import Secret

Query = Sequence[tuple[str, str | None]]
Headers = list[tuple[str, str]]

SignatureVersion = Literal["v4", "v2"]
Addressing = Literal["path", "virtual"]


def parse_endpoint(endpoint: str, tls: bool) -> tuple[str, str]:
    """``(scheme, host[:port])`` from ``host[:port]`` (scheme from ``tls``) or a URL."""
    text = endpoint.strip()
    if "://" in text:
        scheme, _, rest = text.partition("://")
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"endpoint scheme must be http or https: {endpoint!r}")
        host, _, path = rest.partition("/")
        if path.strip("/"):
            raise ValueError(f"endpoint must not carry a path: {endpoint!r}")
    else:
        scheme = "https" if tls else "http"
        host = text.rstrip("/")
    if not host:
        raise ValueError(f"empty endpoint host: {endpoint!r}")
    if "@" in host:
        # Said without the endpoint: what precedes '@' is most likely a password.
        raise errors.InvalidRequestError(
            "the endpoint must not carry user:password@ (S3 requests are signed with the "
            "access key and secret key instead)"
        )
    return scheme, host


def encode_query(query: Query) -> str:
    parts = []
    for name, value in query:
        enc = auth.uri_encode(name, keep_slash=False)
        parts.append(enc if value is None else f"{enc}={auth.uri_encode(value, keep_slash=False)}")
    return "&".join(parts)


@dataclass(frozen=True)
class Target:
    """A request's URL and the pieces its signature needs."""

    url: str
    host: str
    path: str  # as on the request line (percent-encoded)
    resource: str  # the SigV2 canonical resource path ("/bucket/key")


class Addresser:
    def __init__(self, scheme: str, host: str, addressing: Addressing) -> None:
        if addressing not in ("path", "virtual"):
            raise ValueError(f"addressing must be 'path' or 'virtual', not {addressing!r}")
        self.scheme = scheme
        self.host = host
        self.addressing = addressing

    def target(self, bucket: str | None, key: str | None, query: Query = ()) -> Target:
        enc_key = auth.uri_encode(key, keep_slash=True) if key else ""
        if not bucket:
            host, path, resource = self.host, "/", "/"
        elif self.addressing == "virtual":
            host = f"{bucket}.{self.host}"
            path = "/" + enc_key
            resource = f"/{bucket}/{enc_key}"
        else:
            host = self.host
            path = f"/{bucket}/{enc_key}" if key else f"/{bucket}"
            resource = path
        qs = encode_query(query)
        url = f"{self.scheme}://{host}{path}" + (f"?{qs}" if qs else "")
        return Target(url=url, host=host, path=path, resource=resource)


def amz_date(now: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))


class Signer:
    """Adds authentication headers (or query parameters, for presigned URLs)."""

    def __init__(
        self,
        access_key: Secret,
        secret_key: Secret,
        *,
        region: str,
        version: SignatureVersion,
        session_token: Secret | None = None,
    ) -> None:
        if version not in ("v4", "v2"):
            raise ValueError(f"signature_version must be 'v4' or 'v2', not {version!r}")
        self._access_key = access_key
        self._secret_key = secret_key
        self._token = session_token
        self.region = region
        self.version = version

    def sign(
        self, method: str, target: Target, query: Query, headers: Headers, payload_hash: str
    ) -> Headers:
        """``headers`` plus Host and the authentication headers."""
        out = [("Host", target.host), *headers]
        if self.version == "v4":
            out.append(("x-amz-content-sha256", payload_hash))
            signed = auth.sign_v4(
                method,
                target.path,
                list(query),
                out,
                payload_hash,
                self._access_key.reveal(),
                self._secret_key.reveal(),
                self.region,
                "s3",
                amz_date(),
                session_token=self._token.reveal() if self._token else None,
            )
            out.extend(signed.headers)
            return out
        out.append(("Date", formatdate(usegmt=True)))
        if self._token:
            out.append(("x-amz-security-token", self._token.reveal()))
        out.append(
            (
                "Authorization",
                auth.authorization_v2(
                    self._access_key.reveal(),
                    self._secret_key.reveal(),
                    method,
                    target.resource,
                    list(query),
                    out,
                ),
            )
        )
        return out

    def presign(self, method: str, target: Target, expires_s: int) -> str:
        if self.version == "v4":
            return auth.presign_v4(
                method,
                target.url,
                None,
                self._access_key.reveal(),
                self._secret_key.reveal(),
                self.region,
                "s3",
                amz_date(),
                expires_s,
                session_token=self._token.reveal() if self._token else None,
            )
        expires = str(int(time.time()) + expires_s)
        string_to_sign = f"{method}\n\n\n{expires}\n{target.resource}"
        if self._token:
            string_to_sign = (
                f"{method}\n\n\n{expires}\nx-amz-security-token:{self._token.reveal()}\n"
                f"{target.resource}"
            )
        signature = auth.signature_v2(self._secret_key.reveal(), string_to_sign)
        query: list[tuple[str, str | None]] = [
            ("AWSAccessKeyId", self._access_key.reveal()),
            ("Expires", expires),
            ("Signature", signature),
        ]
        if self._token:
            query.append(("x-amz-security-token", self._token.reveal()))
        sep = "&" if "?" in target.url else "?"
        return target.url + sep + encode_query(query)
