"""AWS signatures (V2, the DS3 flavour of V2, V4), digests, checksums and encodings.

Hashing functions take any contiguous buffer and release the GIL for inputs of 64 KiB or
more; file hashing always runs without the GIL and stays interruptible with Ctrl-C.
Invalid arguments raise ``storewire.errors.InvalidRequestError`` (a ``ValueError``);
unreadable files raise ``storewire.errors.LocalIOError`` (an ``OSError``).
"""

import os
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from typing_extensions import Buffer

_Headers = Mapping[str, str] | Sequence[tuple[str, str]]
# A raw query string ("a=1&flag", decoded here) or decoded (name, value) pairs, where a
# value of None is a bare flag ("?delete").
_Query = str | Mapping[str, str | None] | Sequence[tuple[str, str | None]]
_Path = str | bytes | os.PathLike[str] | os.PathLike[bytes]
_Algorithm = Literal["md5", "sha1", "sha256", "sha512", "crc32", "crc32c"]
_Variant = Literal["s3", "ds3", "ds3-python"]

EMPTY_SHA256: str
"""Hex SHA-256 of the empty body."""
UNSIGNED_PAYLOAD: str
"""The SigV4 payload hash that leaves the body unsigned (``"UNSIGNED-PAYLOAD"``)."""

# ---- encodings -------------------------------------------------------------------------

def base64_encode(data: Buffer | str) -> str:
    """Standard base64 with padding of bytes (a str is encoded as UTF-8 first)."""

def base64_decode(text: str | Buffer) -> bytes:
    """Decode standard base64 (padding optional); InvalidRequestError when malformed."""

def uri_encode(s: str, keep_slash: bool = True) -> str:
    """AWS URI encoding: every byte but ``A-Za-z0-9-._~`` (and ``/`` when keep_slash)
    becomes ``%XX`` (upper-case hex; a space is ``%20``)."""

def percent_decode(s: str) -> str:
    """Decode ``%XX`` escapes; ``+`` stays ``+`` and an invalid escape is kept as is."""

def parse_query(raw: str) -> list[tuple[str, str | None]]:
    """Split and decode a raw query string; a bare flag (``?delete``) has the value None."""

# ---- digests and checksums ---------------------------------------------------------------

def digest(algorithm: _Algorithm, data: Buffer) -> bytes:
    """Raw digest of a buffer. CRC32/CRC32C come as 4 big-endian bytes (the form that
    S3's ``x-amz-checksum-*`` headers base64-encode)."""

def sha256_hex(data: Buffer) -> str:
    """Hex SHA-256 (the SigV4 payload hash)."""

def md5_hex(data: Buffer) -> str:
    """Hex MD5 (a single-part S3 ETag)."""

def md5_base64(data: Buffer) -> str:
    """Base64 MD5 (the ``Content-MD5`` header)."""

def crc32(data: Buffer, seed: int = 0) -> int:
    """zlib-compatible CRC32; ``crc32(b, crc32(a)) == crc32(a + b)``."""

def crc32c(data: Buffer, seed: int = 0) -> int:
    """CRC32C (Castagnoli, hardware-accelerated when available); chains like crc32."""

def crc32c_implementation() -> str:
    """``"sse4.2"`` (3-way interleaved crc32 instructions) or ``"portable"`` (tables);
    ``STOREWIRE_CRC32C=portable`` in the environment forces the tables."""

def _crc32c_with(impl: str, data: Buffer, seed: int = 0) -> int:
    """Test hook: CRC32C by ``impl`` (``"sse4.2"`` or ``"portable"``); InvalidRequestError
    for an unknown name or SSE4.2 on a CPU without it."""

def hmac_sha1(key: Buffer | str, msg: Buffer | str) -> bytes:
    """HMAC-SHA1; str arguments are taken as UTF-8."""

def hmac_sha256(key: Buffer | str, msg: Buffer | str) -> bytes:
    """HMAC-SHA256; str arguments are taken as UTF-8."""

def hash_file(
    path: _Path, algorithm: _Algorithm, offset: int = 0, length: int | None = None
) -> bytes:
    """Digest of bytes ``[offset, offset + length)`` of a file (to its end when length is
    None), read in 1 MiB blocks. LocalIOError if the file ends before the range does."""

class Hasher:
    """Incremental digest or checksum (hashlib-like), fed from buffers or file ranges.
    Safe to share between threads; large updates run without the GIL."""

    def __init__(self, algorithm: _Algorithm) -> None: ...
    def update(self, data: Buffer) -> None: ...
    def update_file(self, path: _Path, offset: int = 0, length: int | None = None) -> int:
        """Feed bytes ``[offset, offset + length)`` of a file; returns how many were read."""
    def digest(self) -> bytes:
        """Digest of everything fed so far (the hasher stays usable)."""
    def hexdigest(self) -> str: ...
    def copy(self) -> Hasher: ...
    @property
    def name(self) -> str: ...
    @property
    def digest_size(self) -> int: ...

# ---- Signature V2 (S3 and DS3) -------------------------------------------------------------
#
# ``path`` is the path exactly as on the request line (percent-encoded, without the query;
# for a virtual-hosted S3 request, prefix "/bucket"). Rule options (keyword-only):
#   variant            "s3": AWS S3 rules (Content-MD5 slot, x-amz-date empties the Date slot,
#                      amz names lower-cased and sorted by name, sub-resources acl, cors,
#                      delete, lifecycle, location, logging, notification, partNumber, policy,
#                      requestPayment, response-*, tagging, torrent, uploadId, uploads,
#                      versionId, versioning, versions, website sorted and '&'-joined).
#                      "ds3": the DS3 C SDK (checksum slot takes Content-MD5/-CRC32/-CRC32C/
#                      -SHA256/-SHA512, amz lines sorted as "name:value", names lower-cased,
#                      delete, versioning, versions in that order, '&'-joined).
#                      "ds3-python": the DS3 Python 3 SDK (names as given, each sub-resource
#                      with its own '?', also uploads).
#   subresources       override the signed query names (an entry "prefix*" matches a prefix)
#   subresource_style  "joined" ("?a&b") or "separate" ("?a?b")
#   lowercase_amz      override whether x-amz-* names are lower-cased
# None means the variant's choice.

def string_to_sign_v2(
    method: str,
    path: str,
    query: _Query | None = None,
    headers: _Headers | None = None,
    *,
    variant: _Variant = "s3",
    subresources: Sequence[str] | None = None,
    subresource_style: Literal["joined", "separate"] | None = None,
    lowercase_amz: bool | None = None,
) -> str:
    """The SigV2 StringToSign: VERB, checksum, Content-Type, Date, amz headers, resource."""

def signature_v2(secret_key: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA1(secret_key, string_to_sign))."""

def sign_v2(
    secret_key: str,
    method: str,
    path: str,
    query: _Query | None = None,
    headers: _Headers | None = None,
    *,
    variant: _Variant = "s3",
    subresources: Sequence[str] | None = None,
    subresource_style: Literal["joined", "separate"] | None = None,
    lowercase_amz: bool | None = None,
) -> str:
    """The SigV2 signature (base64) of a request."""

def authorization_v2(
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    query: _Query | None = None,
    headers: _Headers | None = None,
    *,
    variant: _Variant = "s3",
    subresources: Sequence[str] | None = None,
    subresource_style: Literal["joined", "separate"] | None = None,
    lowercase_amz: bool | None = None,
) -> str:
    """The ``Authorization`` header value ``"AWS <access_key>:<signature>"``. The caller
    sends the ``Date`` header it signed."""

def verify_v2(
    secret_key: str,
    signature: str,
    method: str,
    path: str,
    query: _Query | None = None,
    headers: _Headers | None = None,
    *,
    s3_compat: bool = True,
) -> bool:
    """Server side: True if ``signature`` matches any StringToSign a real DS3 client (C SDK,
    Python 3 SDK, libds3) may have produced for the request as received (the candidate
    list is in cpp/auth/sigv2.h), or with ``s3_compat`` the standard S3 one. Constant-time."""

def parse_authorization_v2(value: str) -> tuple[str, str] | None:
    """``(access_key, signature)`` from ``"AWS <access_key>:<signature>"``, else None."""

# ---- Signature V4 ---------------------------------------------------------------------------

class SignedRequestV4:
    """What sign_v4 computed. ``headers`` are the headers to add to the request:
    ``X-Amz-Date`` and ``X-Amz-Security-Token`` when the signer added them, and
    ``Authorization``."""

    @property
    def authorization(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def canonical_request(self) -> str: ...
    @property
    def string_to_sign(self) -> str: ...
    @property
    def signed_headers(self) -> str: ...
    @property
    def credential_scope(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...

def sign_v4(
    method: str,
    path: str,
    query: _Query | None,
    headers: _Headers | None,
    payload_hash: str,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    amz_date: str,
    *,
    session_token: str | None = None,
    double_encode: bool = False,
    normalize_path: bool = False,
    unsigned_headers: Collection[str] | None = None,
) -> SignedRequestV4:
    """Sign a request with AWS Signature V4 (Authorization header).

    ``path`` is the URL path as sent (percent-encoded; raw characters that cannot appear in
    a URL are encoded for the signature). S3 signs it as is (the defaults); other services
    use ``double_encode=True, normalize_path=True``. ``headers`` must include ``Host`` (and
    for S3 ``x-amz-content-sha256``); every header given is signed except
    ``unsigned_headers`` (default: Authorization and the hop-by-hop and tracing headers
    botocore leaves unsigned: Connection, Expect, Keep-Alive, Proxy-*, TE, Trailer,
    Transfer-Encoding, Upgrade, User-Agent, X-Amzn-Trace-Id, traceparent, tracestate,
    baggage; pass ``()`` to sign every header). ``payload_hash`` is the hex SHA-256 of the body or
    ``UNSIGNED_PAYLOAD``. ``amz_date`` is ``YYYYMMDDTHHMMSSZ`` (UTC); an absent
    ``x-amz-date`` header and, with a session token, ``x-amz-security-token`` are added.
    """

def presign_v4(
    method: str,
    url: str,
    headers: _Headers | None,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    amz_date: str,
    expires_s: int,
    *,
    session_token: str | None = None,
    payload_hash: str = "UNSIGNED-PAYLOAD",
    double_encode: bool = False,
    normalize_path: bool = False,
    unsigned_headers: Collection[str] | None = None,
) -> str:
    """Presigned URL (query-string auth) for ``url``, valid ``expires_s`` seconds
    (1..604800). ``headers`` are extra headers the request will carry and sign (Host comes
    from the URL unless given). The query gets X-Amz-Algorithm, -Credential, -Date,
    -Expires, -SignedHeaders, -Security-Token (with a token) and -Signature."""

def signing_key_v4(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 key for a day (``YYYYMMDD``), region and service."""
