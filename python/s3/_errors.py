"""S3 error replies → storewire.errors types (via ``from_status``)."""

from __future__ import annotations

from storewire import errors
from storewire._native import http, xml

_HEAD_CODES = {403: "AccessDenied", 404: "NotFound", 405: "MethodNotAllowed"}


def error_from_response(
    resp: http.Response, *, operation: str, resource: str
) -> errors.StorageError:
    """The storewire error for an S3 reply that is not a success.

    The ``<Error>`` body gives Code, Message and RequestId; a body-less reply (HEAD) gets
    a code from its status (404 → NoSuchKey/NoSuchBucket) and the x-amz-request-id header.
    """
    code = message = request_id = ""
    body = resp.body
    if body[:200].lstrip().startswith(b"<"):
        try:
            root = xml.parse(body)
        except errors.ProtocolError:
            root = None
        if root is not None:
            code = root.findtext("Code") or ""
            message = root.findtext("Message") or ""
            request_id = root.findtext("RequestId") or ""
    if not code:
        code = _HEAD_CODES.get(resp.status, "")
        if resp.status == 404:
            code = "NoSuchKey" if "/" in resource else "NoSuchBucket"
    if not message:
        message = resp.reason or f"HTTP {resp.status}"
    request_id = request_id or resp.header("x-amz-request-id") or ""
    return errors.from_status(
        resp.status,
        code,
        message,
        operation=operation,
        resource=resource,
        request_id=request_id,
    )


def error_in_body(root: xml.Element, *, status: int, operation: str, resource: str) -> None:
    """Raise when a 200 reply carries an ``<Error>`` document (copy, complete-multipart)."""
    if root.tag == "Error":
        raise errors.from_status(
            500 if status == 200 else status,
            root.findtext("Code") or "InternalError",
            root.findtext("Message") or "error in a 200 reply",
            operation=operation,
            resource=resource,
            request_id=root.findtext("RequestId") or "",
        )
