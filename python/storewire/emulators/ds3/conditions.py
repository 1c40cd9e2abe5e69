"""Conditional requests on an object (RFC 9110 §13 as S3 applies them): If-Match,
If-None-Match, If-Modified-Since and If-Unmodified-Since on GET/HEAD, and their
``x-amz-copy-source-if-*`` forms on CopyObject / UploadPartCopy."""

from __future__ import annotations

import email.utils

from .store import Row
from .wire import DS3Error, Request


def _etags(value: str) -> list[str]:
    return [t.strip().removeprefix("W/").strip('"') for t in value.split(",") if t.strip()]


def _matches(obj: Row, value: str) -> bool:
    tags = _etags(value)
    return "*" in tags or obj["etag"] in tags


def _epoch(value: str | None) -> float | None:
    """An HTTP date as epoch seconds; None if absent or unreadable (then S3 ignores it)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def check(obj: Row, req: Request, prefix: str = "") -> None:
    """Raises 412 PreconditionFailed (or 304 NotModified for a plain GET/HEAD) when a
    condition fails. ``prefix`` is ``x-amz-copy-source-`` for the copy forms, where every
    failure is a 412. As in S3, a true If-Match overrides a false If-Unmodified-Since, and
    a true If-None-Match (no match) overrides a false If-Modified-Since."""
    if_match = req.header(prefix + "if-match")
    if_none_match = req.header(prefix + "if-none-match")
    modified = int(obj["modified"])  # HTTP dates have whole seconds
    failed = DS3Error(412, "PreconditionFailed", "at least one of the preconditions you "
                      "specified did not hold", resource=str(obj["name"]))
    if if_match is not None:
        if not _matches(obj, if_match):
            raise failed
    else:
        since = _epoch(req.header(prefix + "if-unmodified-since"))
        if since is not None and modified > since:
            raise failed
    unchanged = DS3Error(304, "NotModified", "not modified", body=False,
                         headers=[("ETag", f'"{obj["etag"]}"')]) if not prefix else failed
    if if_none_match is not None:
        if _matches(obj, if_none_match):
            raise unchanged
    else:
        since = _epoch(req.header(prefix + "if-modified-since"))
        if since is not None and modified <= since:
            raise unchanged
