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
from storewire.log import redact

from .credentials import redact_userinfo

__all__ = [
    "V3IO_ERRORS",
    "ConditionFailedError",
    "ConflictError",
    "HttpResponseError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "PutRecordsError",
    "ServerError",
    "ThrottledError",
    "annotate_records",
    "error_for_response",
]

# ErrorCode of a Put/UpdateItem whose ConditionExpression was false.
CONDITION_FALSE_CODE = "16777244"
_BODY_SHOWN = 2048
_CODE_SHOWN = 64


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

    def __str__(self) -> str:
        # the official text alone ("Request failed with status 404: b'...'"): code matching
        # on messages keeps working; operation, resource and code stay in the attributes
        # and in repr()
        return self.message or type(self).__name__


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


# V3IO's own class for each storewire class the HTTP table names: the statuses below are
# HTTP_ERRORS' (400 and 503 mean what they mean there, one decision for both tables) in
# these classes. 412 is left out: like every unlisted 3xx/4xx it stays a plain
# HttpResponseError, as in the official SDK.
_AS_V3IO: dict[type[errors.StorageError], type[HttpResponseError]] = {
    errors.InvalidRequestError: InvalidRequestError,
    errors.PermissionDeniedError: PermissionDeniedError,
    errors.NotFoundError: NotFoundError,
    errors.ConflictError: ConflictError,
    errors.ThrottledError: ThrottledError,
    errors.ServerError: ServerError,
}

# The V3IO table (storewire.errors.ErrorTable; the other backends' tables are beside
# storewire.errors.HTTP_ERRORS). A 400 is an invalid request unless its ErrorCode says the
# condition was false; V3IO sends no "slow down" code, so only 429 is ThrottledError.
V3IO_ERRORS = errors.ErrorTable(
    "v3io",
    codes={CONDITION_FALSE_CODE: ConditionFailedError},
    statuses={status: _AS_V3IO[cls] for status, cls in errors.HTTP_ERRORS.statuses.items()
              if cls in _AS_V3IO},
    hundreds={5: ServerError},
    default=HttpResponseError,
)


def _error_code(body: bytes) -> str:
    """The V3IO ``ErrorCode`` of a JSON error body, '' when there is none."""
    if not body.startswith(b"{"):
        return ""
    try:
        decoded: Any = json.loads(body)
    except (ValueError, RecursionError):  # an error body is text to show, not a contract
        return ""
    code = decoded.get("ErrorCode") if isinstance(decoded, dict) else None
    if type(code) is not int and type(code) is not str:
        return ""
    return str(code)[:_CODE_SHOWN]


def error_for_response(
    status: int, body: bytes, location: str | None, *, operation: str, resource: str
) -> HttpResponseError:
    """The exception for a response that failed ``raise_for_status``."""
    code = _error_code(body)
    if 308 <= status < 400:
        # the official SDK's words for a redirect
        message = "Request failed due to a Permanent Redirect."
        if location:
            message += f" Please change URL to: {redact(redact_userinfo(location))}"
    else:
        # a server may echo the access key or a URL password back: never repeat them
        head = body[:_BODY_SHOWN]
        decoded = head.decode("utf-8", "replace")
        text = redact(redact_userinfo(decoded))
        shown = head if text == decoded else text.encode()
        message = f"Request failed with status {status}: {shown!r}"
    error = errors.from_status(status, code, message, operation=operation,
                               resource=resource, table=V3IO_ERRORS)
    assert isinstance(error, HttpResponseError)  # every class of the table is one
    return error


class PutRecordsError(HttpResponseError):
    """A PutRecords answer that refused some records while storing others.

    Records are appends: resending stored ones creates duplicates. Every error raised for a
    PutRecords (this one, a status error or a transport error) carries three lists of
    indices into the records sent: ``stored_records`` (the server confirmed them),
    ``failed_records`` (the server refused them: safe to resend) and
    ``maybe_stored_records`` (no answer says: check the stream before resending).
    ``response`` is the full answer (``response.output.records`` per record).
    """

    response: Any = None


def _ranges(indices: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    parts: list[str] = []
    start = prev = None
    for index in indices:
        if prev is not None and index == prev + 1:
            prev = index
            continue
        if start is not None:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
        start = prev = index
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ", ".join(parts) or "none"


def annotate_records(
    exc: errors.StorageError, stored: list[int], maybe: list[int], failed: list[int]
) -> errors.StorageError:
    """Attach which records of a PutRecords are stored, maybe stored or refused to ``exc``
    (its attributes and its text)."""
    exc.stored_records = stored  # type: ignore[attr-defined]
    exc.maybe_stored_records = maybe  # type: ignore[attr-defined]
    exc.failed_records = failed  # type: ignore[attr-defined]
    note = f" [records stored: {_ranges(stored)}; refused: {_ranges(failed)}"
    if maybe:
        note += f"; MAY ALREADY BE STORED: {_ranges(maybe)} (do not resend them blindly)"
    exc.message = (exc.message or type(exc).__name__) + note + "]"
    exc.args = (exc.message,)
    return exc
