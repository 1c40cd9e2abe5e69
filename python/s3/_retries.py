"""Ambiguous retries, resolved instead of passed on.

When a request was sent more than once, an earlier attempt may have been applied by the
server even though its answer was lost. The retry then meets an error that only says so:
"already exists" (409) or a failed precondition (412) for a write, NoSuchUpload (404) for
CompleteMultipartUpload, NoSuchKey (404) for a delete. These helpers look at what is
stored and report success when it is exactly what was sent; otherwise the server's error
stands.

``Response.attempts`` counts the engine's retries, but libcurl also re-sends a request on
its own when a reused keep-alive connection turns out dead, and that does not show. So
the checks that compare content (a write's size and MD5, the multipart ETag made of the
parts' MD5s) run whenever the error comes, retried or not: they only report success when
the stored object is provably the one sent. A 404 on a delete cannot be checked that way
and counts as done when the request may have been sent twice (:func:`maybe_resent`);
on a kept-alive connection with no retry it stays an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storewire import errors
from storewire._native import auth, http
from storewire.log import get_logger

from .types import ObjectHead

if TYPE_CHECKING:
    from .client import Client

_log = get_logger("s3")

_CONDITIONS = ("if-none-match", "if-match", "if-modified-since", "if-unmodified-since")


def was_retried(resp: http.Response) -> bool:
    return resp.attempts > 1


def maybe_resent(resp: http.Response) -> bool:
    """Whether the request may have reached the server more than once: retried by the
    engine, or re-sent by libcurl on a new connection after a kept-alive one died (which
    the engine cannot count; a request that simply opened a connection looks the same)."""
    return resp.attempts > 1 or resp.new_connections > 0


def is_write_conflict(resp: http.Response, headers: list[tuple[str, str]]) -> bool:
    """409, or 412 where the caller set no precondition of their own (a caller's
    If-None-Match failing on a first attempt is the answer they asked for)."""
    if resp.status == 409:
        return True
    if resp.status != 412:
        return False
    own = any(name.lower() in _CONDITIONS for name, _ in headers)
    return was_retried(resp) or not own


def multipart_etag(part_etags: list[str]) -> str | None:
    """The ETag S3 gives an object completed from parts with these (MD5) ETags; None when
    a part's ETag is not an MD5 (encrypted uploads), so nothing can be compared."""
    try:
        digests = b"".join(bytes.fromhex(e) for e in part_etags)
    except ValueError:
        return None
    if len(digests) != 16 * len(part_etags) or not part_etags:
        return None
    return f"{auth.md5_hex(digests)}-{len(part_etags)}"


def stored_is(
    client: Client, bucket: str, key: str, *, size: int | None, etag: str | None, why: str
) -> ObjectHead | None:
    """The stored object's HEAD when its size and ETag are the ones given, else None."""
    if not etag:
        return None
    try:
        head = client.head_object(bucket, key)
    except errors.StorageError as exc:
        _log.debug("%s: HEAD %s/%s to resolve a retry failed: %s", why, bucket, key, exc)
        return None
    if head.etag != etag or (size is not None and head.size != size):
        return None
    _log.info("%s on a retry, but %s/%s holds exactly what was sent: done", why, bucket, key)
    return head
