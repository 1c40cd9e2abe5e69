"""AWS signature version 2 verification, DS3 flavour plus standard S3.

The DS3 clients disagree on details (C lower-cases x-amz names and joins sub-resources
with ``&``; the Python 3 SDK keeps names as sent and gives each sub-resource its own
``?``), so the server rebuilds every StringToSign a real client may have produced and
accepts the request if any HMAC matches (constant-time compare). The standard S3 form
(sub-resources from AWS's list, sorted; amz headers sorted by name, repeated values joined
with ``,``) is tried too, so boto3 with ``signature_version="s3"`` works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

# DS3 signed sub-resources, in the order the SDKs append them.
DS3_SUBRESOURCES = ("delete", "versioning", "versions", "uploads")
# What AWS's SigV2 signs (botocore HmacV1Auth.QSAOfInterest).
S3_SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging",
        "partNumber", "policy", "requestPayment", "torrent", "versioning", "versionId",
        "versions", "website", "uploads", "uploadId", "response-content-type",
        "response-content-language", "response-expires", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "delete",
        "lifecycle", "tagging", "restore", "storageClass", "notification", "replication",
        "analytics", "metrics", "inventory", "select", "select-type",
        "object-lock", "intelligent-tiering", "ownershipControls", "publicAccessBlock",
        "legal-hold", "retention", "encryption",
    }
)
# Headers that fill the checksum slot (DS3 signs whichever one the client sent).
CHECKSUM_HEADERS = ("content-md5", "content-crc32", "content-crc32c", "content-sha256",
                    "content-sha512")

Pairs = Sequence[tuple[str, str | None]]
Headers = Sequence[tuple[str, str]]


def parse_authorization(value: str | None) -> tuple[str, str] | None:
    """``AWS <access_id>:<signature>`` → (access_id, signature)."""
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme != "AWS":
        return None
    access, sep, signature = rest.strip().rpartition(":")
    if not sep or not access or not signature:
        return None
    return access, signature


def sign(secret_key: str, string_to_sign: str) -> str:
    mac = hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def string_to_sign(
    method: str, checksum: str, content_type: str, date: str, amz_lines: Iterable[str],
    resource: str,
) -> str:
    amz = "".join(f"{line}\n" for line in amz_lines)
    return f"{method}\n{checksum}\n{content_type}\n{date}\n{amz}{resource}"


def _first(headers: Headers, name: str) -> str | None:
    for n, v in headers:
        if n.lower() == name:
            return v.strip()
    return None


def _amz_variants(headers: Headers) -> list[tuple[str, ...]]:
    amz = [(n, v.strip()) for n, v in headers if n.lower().startswith("x-amz-")]
    lowered = tuple(sorted(f"{n.lower()}:{v}" for n, v in amz))  # C: names lower-cased
    as_sent = tuple(sorted(f"{n}:{v}" for n, v in amz))  # P: names as sent
    joined: dict[str, list[str]] = {}
    for n, v in amz:
        joined.setdefault(n.lower(), []).append(v)
    s3 = tuple(f"{n}:{','.join(vs)}" for n, vs in sorted(joined.items()))  # AWS: by name
    variants: list[tuple[str, ...]] = []
    for variant in (lowered, as_sent, s3):
        if variant not in variants:
            variants.append(variant)
    return variants


def _resource_variants(raw_path: str, query: Pairs) -> list[str]:
    present: dict[str, str | None] = {}
    for name, value in query:
        if name.lower() in DS3_SUBRESOURCES and name.lower() not in present:
            present[name.lower()] = value
    out: list[str] = [raw_path]
    for with_uploads in (True, False):
        subs = [
            name if present[name] is None else f"{name}={present[name]}"
            for name in DS3_SUBRESOURCES
            if name in present and (with_uploads or name != "uploads")
        ]
        if subs:
            out.append(raw_path + "?" + "&".join(subs))
            out.append(raw_path + "".join("?" + s for s in subs))
    s3 = sorted((n, v) for n, v in query if n in S3_SUBRESOURCES)
    s3_subs = "?" + "&".join(n if v is None else f"{n}={v}" for n, v in s3) if s3 else ""
    # AWS signs a bucket as "/bucket/" even when the request line says "/bucket" (boto3).
    bases = [raw_path, raw_path + "/"] if raw_path.count("/") == 1 and raw_path != "/" \
        else [raw_path]
    out += [base + s3_subs for base in bases]
    return list(dict.fromkeys(out))


def candidates(method: str, raw_path: str, query: Pairs, headers: Headers) -> list[str]:
    """Every StringToSign a DS3 (C, Python) or S3 client may have signed for this request."""
    checksums = [_first(headers, "content-md5") or ""]
    for name in CHECKSUM_HEADERS[1:]:
        value = _first(headers, name)
        if value is not None:
            checksums.append(value)
            break
    content_type = _first(headers, "content-type") or ""
    date = _first(headers, "date") or ""
    dates = [date, ""] if _first(headers, "x-amz-date") is not None else [date]
    out: list[str] = []
    for resource in _resource_variants(raw_path, query):
        for amz in _amz_variants(headers):
            for checksum in dict.fromkeys(checksums):
                for d in dates:
                    out.append(string_to_sign(method, checksum, content_type, d, amz, resource))
    return list(dict.fromkeys(out))


def _native_verifier() -> Callable[..., bool] | None:
    try:
        from storewire._native.auth import verify_v2
    except ImportError:  # the native core is optional for the emulator
        return None
    return verify_v2  # type: ignore[no-any-return]


_NATIVE_VERIFY = _native_verifier()


def verify(
    secret_key: str, signature: str, method: str, raw_path: str, query: Pairs, headers: Headers
) -> bool:
    """True if ``signature`` matches a candidate StringToSign. The native verifier (the
    same candidate list, in C++) answers first when built; the Python list here also
    covers what it may not (AWS's "/bucket/" form), so both are consulted on a miss."""
    if _NATIVE_VERIFY is not None:
        try:
            if _NATIVE_VERIFY(secret_key, signature, method, raw_path, list(query),
                              list(headers), s3_compat=True):
                return True
        except ValueError:
            pass  # e.g. a header value the native side refuses: decide in Python
    return verify_python(secret_key, signature, method, raw_path, query, headers)


def verify_python(
    secret_key: str, signature: str, method: str, raw_path: str, query: Pairs, headers: Headers
) -> bool:
    """The pure-Python verifier: any candidate StringToSign (constant-time compare)."""
    given = signature.encode("ascii", "replace")
    ok = False
    for candidate in candidates(method, raw_path, query, headers):
        # No early exit: the time taken does not tell which candidate matched.
        ok |= hmac.compare_digest(sign(secret_key, candidate).encode("ascii"), given)
    return ok
