"""AWS signature version 4 verification (header-signed and presigned query), S3 flavour.

The server rebuilds the canonical request from what arrived: the path as sent (and its
canonical re-encoding, for clients that leave some characters raw), the query with every
name and value encoded the AWS way and sorted, the signed headers (lower-cased, values
trimmed, runs of spaces collapsed, repeats joined with ``,``) and the payload hash the
client declared. Everything a client sends is parsed with bounds: a hostile header is a
400 or 403, never a long computation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from .wire import DS3Error

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_PRESIGN_EXPIRES_S = 7 * 24 * 3600  # S3's limit for a v4 presigned URL
SERVICE = "s3"
TERMINATOR = "aws4_request"

# Bounds on what a client may send in the credential and signed-header lists.
_MAX_AUTH_CHARS = 8192
_MAX_SIGNED_HEADERS = 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DATE8 = re.compile(r"[0-9]{8}")
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]{1,128}")
_REGION = re.compile(r"[A-Za-z0-9-]{0,64}")
_SPACES = re.compile(r"\s+")
_QUERY_SAFE = "-_.~"  # with letters and digits: the unreserved set AWS leaves as is

Headers = Sequence[tuple[str, str]]


def malformed(message: str) -> DS3Error:
    return DS3Error(400, "AuthorizationHeaderMalformed", message)


def query_malformed(message: str) -> DS3Error:
    return DS3Error(400, "AuthorizationQueryParametersError", message)


@dataclass(frozen=True)
class Credential:
    """``AKID/20261207/us-east-1/s3/aws4_request`` taken apart."""

    access_id: str
    date: str
    region: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{SERVICE}/{TERMINATOR}"


@dataclass(frozen=True)
class V4Request:
    """What a v4 signature claims: who, when, over which headers, with which signature."""

    credential: Credential
    amz_date: str  # ISO 8601 basic, e.g. 20261207T131500Z
    signed_headers: tuple[str, ...]
    signature: str = field(repr=False)
    expires_s: int | None = None  # presigned only


@dataclass(frozen=True)
class Signer:
    """The derived key and scope of a verified request: what aws-chunked uploads need to
    check each chunk's signature, chained from the request's (the seed) signature."""

    key: bytes = field(repr=False)
    amz_date: str
    scope: str
    seed_signature: str = field(repr=False)

    def chunk_signature(self, previous: str, chunk_sha256: str) -> str:
        text = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, previous,
                          EMPTY_SHA256, chunk_sha256])
        return hmac.new(self.key, text.encode("ascii"), hashlib.sha256).hexdigest()


def parse_credential(text: str) -> Credential:
    parts = text.rsplit("/", 4)  # an access id may itself hold "/" (base64)
    if len(parts) != 5 or not parts[0]:
        raise malformed("Credential must be ACCESS_ID/DATE/REGION/s3/aws4_request")
    access, date, region, service, terminator = parts
    if not _DATE8.fullmatch(date):
        raise malformed("the Credential date must be 8 digits (YYYYMMDD)")
    if not _REGION.fullmatch(region):
        raise malformed("the Credential region is not a region name")
    if service != SERVICE or terminator != TERMINATOR:
        raise malformed(f"the Credential scope must end in /{SERVICE}/{TERMINATOR}")
    return Credential(access, date, region)


def _signed_header_list(text: str) -> tuple[str, ...]:
    names = tuple(text.split(";"))
    if len(names) > _MAX_SIGNED_HEADERS:
        raise malformed(f"more than {_MAX_SIGNED_HEADERS} signed headers")
    if not all(_HEADER_NAME.fullmatch(n) for n in names):
        raise malformed("SignedHeaders must be lower-case header names joined by ';'")
    if "host" not in names:
        raise malformed("the host header must be signed")
    return names


def parse_authorization(value: str) -> V4Request:
    """``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    if len(value) > _MAX_AUTH_CHARS:
        raise malformed("the Authorization header is too long")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise malformed(f"the algorithm must be {ALGORITHM}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, text = part.strip().partition("=")
        if not sep or name not in ("Credential", "SignedHeaders", "Signature") \
                or name in fields:
            raise malformed("the Authorization header must have Credential, SignedHeaders "
                            "and Signature, once each")
        fields[name] = text.strip()
    if len(fields) != 3:
        raise malformed("the Authorization header must have Credential, SignedHeaders and "
                        "Signature")
    if not _HEX64.fullmatch(fields["Signature"]):
        raise malformed("the Signature must be 64 lower-case hex digits")
    return V4Request(parse_credential(fields["Credential"]), "",
                     _signed_header_list(fields["SignedHeaders"]), fields["Signature"])


def parse_presigned(params: dict[str, str]) -> V4Request:
    """The ``X-Amz-*`` query parameters of a v4 presigned URL (already percent-decoded)."""
    needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
              "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [n for n in needed if n not in params]
    if missing:
        raise query_malformed(f"the presigned URL lacks {', '.join(missing)}")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise query_malformed(f"X-Amz-Algorithm must be {ALGORITHM}")
    try:
        credential = parse_credential(params["X-Amz-Credential"])
        signed = _signed_header_list(params["X-Amz-SignedHeaders"])
    except DS3Error as exc:
        raise query_malformed(exc.message) from exc
    expires = params["X-Amz-Expires"]
    if not expires.isascii() or not expires.isdigit() or len(expires) > 10:
        raise query_malformed("X-Amz-Expires must be a number of seconds")
    if not 1 <= int(expires) <= MAX_PRESIGN_EXPIRES_S:
        raise query_malformed("X-Amz-Expires must be from 1 to 604800 seconds (7 days)")
    if not _HEX64.fullmatch(params["X-Amz-Signature"]):
        raise query_malformed("X-Amz-Signature must be 64 lower-case hex digits")
    amz_date = params["X-Amz-Date"]
    if not _AMZ_DATE.fullmatch(amz_date):
        raise query_malformed("X-Amz-Date must be an ISO 8601 basic UTC time")
    return V4Request(credential, amz_date, signed, params["X-Amz-Signature"], int(expires))


def amz_time(text: str) -> float | None:
    """Epoch seconds of ``20261207T131500Z``; None if that is not what ``text`` is."""
    if not _AMZ_DATE.fullmatch(text):
        return None
    try:
        moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return moment.timestamp()


# --- the canonical request ------------------------------------------------------------------


def _encode(text: str) -> str:
    return quote(text, safe=_QUERY_SAFE, errors="surrogateescape")


def canonical_query(raw_query: str, drop: str | None = None) -> str:
    """Every name and value decoded, re-encoded the AWS way, sorted; ``drop`` (the
    signature parameter of a presigned URL) left out."""
    pairs = []
    for part in raw_query.split("&") if raw_query else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote(name, errors="surrogateescape")
        if name == drop:
            continue
        pairs.append((_encode(name), _encode(unquote(value, errors="surrogateescape"))))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def canonical_paths(raw_path: str) -> list[str]:
    """The path as sent (what SDKs sign), then its canonical encoding (each byte outside
    the unreserved set as %XX) for a client that sent some characters raw."""
    path = raw_path or "/"
    canonical = quote(unquote(path, errors="surrogateescape"), safe="/~",
                      errors="surrogateescape")
    return list(dict.fromkeys([path, canonical]))


def canonical_headers(headers: Headers, names: Sequence[str]) -> str:
    values: dict[str, list[str]] = {}
    wanted = set(names)
    for name, value in headers:
        key = name.lower()
        if key in wanted:
            values.setdefault(key, []).append(_SPACES.sub(" ", value.strip()))
    return "".join(f"{n}:{','.join(values.get(n, []))}\n" for n in names)


def canonical_request(method: str, path: str, query: str, headers: Headers,
                      signed: Sequence[str], payload_hash: str) -> str:
    # Each header line ends in a newline, so a blank line precedes the signed-header list.
    return "\n".join([method, path, query, canonical_headers(headers, signed),
                      ";".join(signed), payload_hash])


def signing_key(secret_key: str, credential: Credential) -> bytes:
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (credential.date, credential.region, SERVICE, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def string_to_sign(amz_date: str, scope: str, request: str) -> str:
    digest = hashlib.sha256(request.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def verify(
    secret_key: str, claim: V4Request, method: str, raw_path: str, raw_query: str,
    headers: Headers, payload_hash: str, *, presigned: bool = False,
) -> Signer | None:
    """The :class:`Signer` if the claimed signature matches a canonical form of the
    request, else None (constant-time compares, every candidate tried)."""
    key = signing_key(secret_key, claim.credential)
    query = canonical_query(raw_query, "X-Amz-Signature" if presigned else None)
    given = claim.signature.encode("ascii")
    ok = False
    for path in canonical_paths(raw_path):
        request = canonical_request(method, path, query, headers, claim.signed_headers,
                                    payload_hash)
        text = string_to_sign(claim.amz_date, claim.credential.scope, request)
        mine = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        ok |= hmac.compare_digest(mine.encode("ascii"), given)
    if not ok:
        return None
    return Signer(key, claim.amz_date, claim.credential.scope, claim.signature)
