"""V3IO errors: :mod:`storewire.errors` types that are also ``HttpResponseError``.

``HttpResponseError`` is the official SDK's exception name (``status_code`` and the
"Request failed with status <code>: <body>" text). Every failed call raises a subclass that
also inherits the storewire leaf for its status, so ``except FileNotFoundError``,
``except storewire.errors.NotFoundError`` and ``except HttpResponseError`` all work.
"""

from __future__ import annotations

import json
from typing import Any

from storewire import errors

__all__ = [
    "ConditionFailedError",
    "ConflictError",
    "HttpResponseError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "ServerError",
    "ThrottledError",
    "error_for_response",
]

# ErrorCode of a Put/UpdateItem whose ConditionExpression was false (v3io.md §4.3).
CONDITION_FALSE_CODE = "16777244"
_BODY_SHOWN = 2048


class HttpResponseError(errors.StorageError):
    """A response whose status the call did not accept (the official SDK's name).

    ``HttpResponseError(message, status_code)`` builds one as the official SDK does.
    """

    def __init__(
        self,
        message: str = "",
        status_code: int | None = None,
        *,
        status: int = 0,
        code: str = "",
        operation: str = "",
        resource: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(
            message,
            status=status or status_code or 0,
            code=code,
            operation=operation,
            resource=resource,
            request_id=request_id,
        )

    @property
    def status_code(self) -> int:
        return self.status


class InvalidRequestError(HttpResponseError, errors.InvalidRequestError):
    """400: a malformed request, a bad expression, a stream error."""


class ConditionFailedError(InvalidRequestError, errors.PreconditionFailedError):
    """400 with ErrorCode 16777244: the ConditionExpression of a put/update was false."""


class PermissionDeniedError(HttpResponseError, errors.PermissionDeniedError):
    """401/403: the access key was refused."""


class NotFoundError(HttpResponseError, errors.NotFoundError):
    """404: no such container, object, item or stream."""


class ConflictError(HttpResponseError, errors.ConflictError):
    """409: e.g. deleting a non-empty directory."""


class ThrottledError(HttpResponseError, errors.ThrottledError):
    """429: the server asked to slow down."""


class ServerError(HttpResponseError, errors.ServerError):
    """5xx."""


def _class_for(status: int, code: str) -> type[HttpResponseError]:
    if status == 400:
        return ConditionFailedError if code == CONDITION_FALSE_CODE else InvalidRequestError
    if status in (401, 403):
        return PermissionDeniedError
    if status in (404, 410):
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServerError
    return HttpResponseError


def _error_code(body: bytes) -> str:
    """The V3IO ``ErrorCode`` of a JSON error body, '' when there is none."""
    if not body.startswith(b"{"):
        return ""
    try:
        decoded: Any = json.loads(body)
    except ValueError:
        return ""
    code = decoded.get("ErrorCode") if isinstance(decoded, dict) else None
    return "" if code is None else str(code)


def error_for_response(
    status: int, body: bytes, location: str | None, *, operation: str, resource: str
) -> HttpResponseError:
    """The exception for a response that failed ``raise_for_status``."""
    code = _error_code(body)
    if 300 <= status < 400:
        message = f"Request failed with status {status} (redirect to {location or '?'}): "
    else:
        message = f"Request failed with status {status}: "
    text = body[:_BODY_SHOWN].decode("utf-8", "replace")
    return _class_for(status, code)(
        message + text, status=status, code=code, operation=operation, resource=resource
    )
