"""Who sent a request, and is it still valid: the four ways S3 lets a request be signed.

- ``Authorization: AWS id:signature`` (SigV2, what the DS3 SDKs send; :mod:`.auth`);
- ``Authorization: AWS4-HMAC-SHA256 ...`` (SigV4, today's S3 SDKs; :mod:`.auth_v4`), with
  the payload declared by ``x-amz-content-sha256``: a hex SHA-256 checked as the body
  streams, ``UNSIGNED-PAYLOAD``, or ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` (aws-chunked,
  decoded and checked chunk by chunk, :mod:`.aws_chunked`);
- a v2 presigned URL (``AWSAccessKeyId``, ``Expires``, ``Signature``);
- a v4 presigned URL (``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``,
  ``X-Amz-Expires`` up to 7 days, ``X-Amz-SignedHeaders``, ``X-Amz-Signature``).

Signed headers carry a time checked against the emulator's :class:`~.clock.Clock` (15
minutes either way); presigned URLs carry an expiry instead. The time is checked after
the signature: a well-signed old request is a replay, not a typo.
"""

from __future__ import annotations

import dataclasses
import re

from . import auth, auth_v4, clock, payload_sha256
from .aws_chunked import AwsChunkedBody
from .context import Context
from .users import User
from .wire import DS3Error, Request, iso_time, parse_uint

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_V2_QUERY = ("AWSAccessKeyId", "Signature")
_V4_QUERY = ("X-Amz-Algorithm", "X-Amz-Signature", "X-Amz-Credential")


def authenticate(ctx: Context, req: Request) -> None:
    """Sets ``req.user`` (and, for SigV4 payloads, wraps ``req.body``) or raises the S3
    error answer."""
    header = req.header("authorization")
    params: dict[str, str] = {}
    for name, value in req.query.pairs:
        params.setdefault(name, value or "")
    query_v4 = any(n in params for n in _V4_QUERY)
    query_v2 = any(n in params for n in _V2_QUERY)
    if (header and (query_v4 or query_v2)) or (query_v4 and query_v2):
        raise DS3Error(400, "InvalidArgument", "Only one auth mechanism allowed: the "
                       "Authorization header, X-Amz-Algorithm or Signature query parameters")
    if header and header.lstrip().startswith(auth_v4.ALGORITHM):
        _header_v4(ctx, req, header)
    elif query_v4:
        _presigned_v4(ctx, req, params)
    elif query_v2:
        _presigned_v2(ctx, req, params)
    else:
        _header_v2(ctx, req, header)


def _user(ctx: Context, access_id: str) -> User:
    user = ctx.users.by_access_id(access_id)
    if user is None:
        raise DS3Error(403, "InvalidAccessKeyId",
                       "The AWS Access Key Id you provided does not exist in our records.")
    return user


def _mismatch() -> DS3Error:
    return DS3Error(403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.")


# --- SigV2 ----------------------------------------------------------------------------------


def _header_v2(ctx: Context, req: Request, header: str | None) -> None:
    parsed = auth.parse_authorization(header)
    if parsed is None:
        raise DS3Error(403, "AccessDenied", "the request is not signed (Authorization: "
                       "AWS id:signature or AWS4-HMAC-SHA256 ..., or a presigned URL)")
    access_id, signature = parsed
    user = _user(ctx, access_id)
    if not auth.verify(user.secret_key, signature, req.method, req.raw_path, req.query.pairs,
                       req.headers):
        raise _mismatch()
    clock.check_request_time(req.headers, ctx.clock.now())
    req.user = user


def _presigned_v2(ctx: Context, req: Request, params: dict[str, str]) -> None:
    missing = [n for n in ("AWSAccessKeyId", "Signature", "Expires") if not params.get(n)]
    if missing:
        raise DS3Error(403, "AccessDenied", f"the presigned URL lacks {', '.join(missing)}")
    expires = parse_uint(params["Expires"])
    if expires is None:
        raise DS3Error(403, "AccessDenied", "Invalid date (should be seconds since epoch)")
    user = _user(ctx, params["AWSAccessKeyId"])
    # The signer put Expires where a header-signed request has its Date.
    headers = [(n, v) for n, v in req.headers if n.lower() not in ("date", "x-amz-date")]
    headers.append(("Date", params["Expires"]))
    if not auth.verify(user.secret_key, params["Signature"], req.method, req.raw_path,
                       req.query.pairs, headers):
        raise _mismatch()
    now = ctx.clock.now()
    if now > expires:
        raise _expired(params["Expires"], now)
    req.user = user


def _expired(expires: str, now: float) -> DS3Error:
    return DS3Error(403, "AccessDenied", "Request has expired",
                    details=[("Expires", expires), ("ServerTime", iso_time(now))])


# --- SigV4 ----------------------------------------------------------------------------------


def _payload_hash(req: Request, *, presigned: bool) -> str:
    value = req.header("x-amz-content-sha256")
    if value is None:
        if presigned:
            return auth_v4.UNSIGNED_PAYLOAD
        raise DS3Error(400, "InvalidRequest",
                       "Missing required header for this request: x-amz-content-sha256")
    value = value.strip()
    if value in (auth_v4.UNSIGNED_PAYLOAD, auth_v4.STREAMING_PAYLOAD) \
            or _HEX64.fullmatch(value):
        return value
    raise DS3Error(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                   "STREAMING-AWS4-HMAC-SHA256-PAYLOAD or the payload's SHA-256 in hex")


def _header_v4(ctx: Context, req: Request, header: str) -> None:
    claim = auth_v4.parse_authorization(header)
    amz_date = (req.header("x-amz-date") or "").strip()
    if not amz_date:
        raise DS3Error(403, "AccessDenied",
                       "AWS authentication requires a valid Date or x-amz-date header")
    sent = auth_v4.amz_time(amz_date)
    if sent is None:
        raise DS3Error(403, "AccessDenied", f"the x-amz-date {amz_date[:40]!r} is not an "
                       "ISO 8601 basic UTC time")
    if amz_date[:8] != claim.credential.date:
        raise auth_v4.malformed("the Credential date is not the date of x-amz-date")
    claim = dataclasses.replace(claim, amz_date=amz_date)
    payload = _payload_hash(req, presigned=False)
    user = _user(ctx, claim.credential.access_id)
    signer = auth_v4.verify(user.secret_key, claim, req.method, req.raw_path, req.query.raw,
                            req.headers, payload)
    if signer is None:
        raise _mismatch()
    clock.check_time(amz_date, sent, ctx.clock.now())
    req.user = user
    _check_payload(req, payload, signer)


def _presigned_v4(ctx: Context, req: Request, params: dict[str, str]) -> None:
    claim = auth_v4.parse_presigned(params)
    user = _user(ctx, claim.credential.access_id)
    payload = _payload_hash(req, presigned=True)
    signer = auth_v4.verify(user.secret_key, claim, req.method, req.raw_path, req.query.raw,
                            req.headers, payload, presigned=True)
    if signer is None:
        raise _mismatch()
    sent = auth_v4.amz_time(claim.amz_date)
    assert sent is not None and claim.expires_s is not None  # parse_presigned checked both
    now = ctx.clock.now()
    if sent - now > clock.MAX_SKEW_S:
        raise DS3Error(403, "AccessDenied", "Request is not valid yet")
    if now > sent + claim.expires_s:
        raise _expired(iso_time(sent + claim.expires_s), now)
    req.user = user
    _check_payload(req, payload, signer)


def _check_payload(req: Request, payload: str, signer: auth_v4.Signer) -> None:
    """Makes the body keep the promise its signature made about it."""
    if payload == auth_v4.UNSIGNED_PAYLOAD:
        return
    if payload == auth_v4.STREAMING_PAYLOAD:
        _decode_aws_chunked(req, signer)
        return
    expected = payload.lower()
    length = req.body.length
    if req.header("transfer-encoding"):
        return  # no body of unknown length is taken (411 where one is read)
    if not length:
        payload_sha256.check(b"", expected)
    else:
        req.body = payload_sha256.Sha256CheckedBody(req.body, length, expected)


def _decode_aws_chunked(req: Request, signer: auth_v4.Signer) -> None:
    text = req.header("x-amz-decoded-content-length")
    if text is None:
        raise DS3Error(411, "MissingContentLength",
                       "an aws-chunked upload needs x-amz-decoded-content-length")
    decoded = parse_uint(text.strip())
    if decoded is None:
        raise DS3Error(400, "InvalidArgument",
                       "x-amz-decoded-content-length must be a number of bytes")
    body = AwsChunkedBody(req.body, signer, decoded)
    req.body = body
    # From here on the request looks like a plain upload of the decoded bytes.
    req.set_header("Content-Length", str(decoded))
    req.set_header("Transfer-Encoding", None)
    encodings = [e.strip() for e in (req.header("content-encoding") or "").split(",")
                 if e.strip() and e.strip().lower() != "aws-chunked"]
    req.set_header("Content-Encoding", ", ".join(encodings) or None)
    req.set_header("x-amz-decoded-content-length", None)
    if decoded == 0:
        body.read_all()  # only the final chunk: nobody else would read (and check) it
