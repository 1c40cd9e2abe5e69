"""S3 error replies → storewire.errors types (``from_status`` with ``HTTP_ERRORS``, the
DS3/S3 table)."""

from __future__ import annotations

from storewire import errors
from storewire._native import http
from storewire.log import redact

from ._replies import error_fields

_HEAD_CODES = {403: "AccessDenied", 404: "NotFound", 405: "MethodNotAllowed"}


def error_from_response(
    resp: http.Response, *, operation: str, resource: str
) -> errors.StorageError:
    """The storewire error for an S3 reply that is not a success.

    The ``<Error>`` body gives Code, Message and RequestId; a body-less reply (HEAD), or
    one whose body cannot be read (a proxy's HTML page, bad UTF-8), gets a code from its
    status (404 → NoSuchKey/NoSuchBucket) and the x-amz-request-id header. Server text is
    redacted: a server that echoes credentials does not put them in exception text.
    """
    code, message, request_id = error_fields(resp.body)
    if not code:
        code = _HEAD_CODES.get(resp.status, "")
        if resp.status == 404:
            code = "NoSuchKey" if "/" in resource else "NoSuchBucket"
    if not message:
        message = redact(resp.reason[:200]) or f"HTTP {resp.status}"
    request_id = request_id or redact((resp.header("x-amz-request-id") or "")[:200])
    return errors.from_status(
        resp.status,
        code,
        message,
        operation=operation,
        resource=resource,
        request_id=request_id,
        table=errors.HTTP_ERRORS,
    )
