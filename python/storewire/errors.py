"""One exception hierarchy for every storewire client.

``StorageError`` is the root and carries structured fields. Leaves also inherit the
builtin a caller would naturally catch (``FileNotFoundError``, ``PermissionError``,
``TimeoutError``, ``ConnectionError``, ``ValueError``), so code that knows nothing about
storewire still handles them. Every class pickles with all of its fields.

Two translators build these errors: :func:`from_native` for failures reported by the
native core (transport, TLS, local files) and :func:`from_status` for an HTTP status with
the server's error code and message.
"""

from __future__ import annotations

import builtins
from typing import Any

from .log import redact_credentials

__all__ = [
    "AlreadyExistsError",
    "BufferTooSmallError",
    "CancelledError",
    "ConflictError",
    "IntegrityError",
    "InvalidRequestError",
    "LocalIOError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ProtocolError",
    "ServerError",
    "StorageError",
    "ThrottledError",
    "TimeoutError",
    "TlsError",
    "TransportError",
    "from_native",
    "from_status",
]

_FIELDS = ("status", "code", "message", "operation", "resource", "request_id")


def _rebuild(cls: type[StorageError], fields: dict[str, Any]) -> StorageError:
    return cls(**fields)


class StorageError(Exception):
    """Root of all storewire errors.

    ``status`` is the HTTP status (0 when none arrived), ``code`` the server's or the
    native core's error code, ``message`` the human text, ``operation`` what the client
    was doing, ``resource`` the bucket/key/path involved and ``request_id`` the server's
    request id when it sent one.
    """

    def __init__(
        self,
        message: str = "",
        *,
        status: int = 0,
        code: str = "",
        operation: str = "",
        resource: str = "",
        request_id: str = "",
    ) -> None:
        # One place for every error: a URL's password (http://user:pw@host), or a
        # signature or Authorization header that a server echoed, never shows.
        message = redact_credentials(message)
        resource = redact_credentials(resource)
        request_id = redact_credentials(request_id)
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.operation = operation
        self.resource = resource
        self.request_id = request_id

    def __str__(self) -> str:
        parts = []
        if self.operation:
            parts.append(self.operation)
        if self.resource:
            parts.append(self.resource)
        head = " ".join(parts)
        tag = ", ".join(p for p in (str(self.status) if self.status else "", self.code) if p)
        text = self.message or self.code or type(self).__name__
        if tag:
            text = f"[{tag}] {text}"
        return f"{head}: {text}" if head else text

    def __repr__(self) -> str:
        shown = {f: getattr(self, f) for f in _FIELDS if getattr(self, f)}
        inner = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        fields = {f: getattr(self, f) for f in _FIELDS}
        return (_rebuild, (type(self), fields), self.__dict__.copy())

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class InvalidRequestError(StorageError, ValueError):
    """The request was malformed or rejected as invalid (HTTP 400, bad arguments)."""


class PermissionDeniedError(StorageError, PermissionError):
    """Authentication or authorisation failed (HTTP 401/403)."""


class NotFoundError(StorageError, FileNotFoundError):
    """The bucket, object, item, job or path does not exist (HTTP 404)."""


class ConflictError(StorageError):
    """The request conflicts with the resource's state (HTTP 409)."""


class AlreadyExistsError(ConflictError, FileExistsError):
    """The resource already exists (HTTP 409 with an 'exists' code)."""


class PreconditionFailedError(StorageError):
    """A condition attached to the request did not hold (HTTP 412)."""


class ThrottledError(StorageError):
    """The server asked the client to slow down (HTTP 429, 503 SlowDown)."""


class ServerError(StorageError):
    """The server failed (HTTP 5xx)."""


class IntegrityError(StorageError):
    """Data arrived but its checksum, length or ETag does not match."""


class LocalIOError(StorageError, OSError):
    """A local file could not be read or written."""


class BufferTooSmallError(StorageError, ValueError):
    """The response did not fit the caller's buffer."""


class CancelledError(StorageError):
    """The operation was cancelled by the caller."""


class TransportError(StorageError, ConnectionError):
    """No usable response arrived: connection refused, reset or closed early."""


class TimeoutError(TransportError, builtins.TimeoutError):  # shadows the builtin on purpose
    """A connect, total or low-speed timeout expired."""


class TlsError(TransportError):
    """TLS handshake or certificate verification failed."""


class ProtocolError(TransportError):
    """The peer sent a truncated or malformed response."""


_NATIVE_KINDS: dict[str, type[StorageError]] = {
    "invalid_argument": InvalidRequestError,
    "io": LocalIOError,
    "connection": TransportError,
    "timeout": TimeoutError,
    "tls": TlsError,
    "protocol": ProtocolError,
    "buffer_too_small": BufferTooSmallError,
    "cancelled": CancelledError,
    "internal": StorageError,
}


def from_native(kind: str, message: str, detail: str = "", resource: str = "") -> StorageError:
    """Build the error for a failure reported by the native core.

    ``kind`` is the native error kind, ``detail`` its library code (e.g. a libcurl
    ``CURLE_*`` name), kept as ``code``.
    """
    cls = _NATIVE_KINDS.get(kind, StorageError)
    return cls(message, code=detail or kind, resource=resource)


_EXISTS_CODES = frozenset(
    {
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
        "OBJECT_ALREADY_EXISTS",
        "ResourceAlreadyExists",
        "ResourceInUseException",
    }
)
_THROTTLE_CODES = frozenset({"SlowDown", "Throttling", "ThrottlingException", "TooManyRequests"})


def _class_for_status(status: int, code: str) -> type[StorageError]:
    if code in _THROTTLE_CODES or status == 429:
        return ThrottledError
    if status == 400:
        return InvalidRequestError
    if status in (401, 403):
        return PermissionDeniedError
    if status in (404, 410):
        return NotFoundError
    if status == 409:
        return AlreadyExistsError if code in _EXISTS_CODES else ConflictError
    if status == 412:
        return PreconditionFailedError
    if status == 503:
        return ThrottledError if code in _THROTTLE_CODES else ServerError
    if status >= 500:
        return ServerError
    return StorageError


def from_status(
    status: int,
    code: str = "",
    message: str = "",
    *,
    operation: str = "",
    resource: str = "",
    request_id: str = "",
) -> StorageError:
    """Build the error for an HTTP error status with the server's code and message."""
    cls = _class_for_status(status, code)
    return cls(
        message,
        status=status,
        code=code,
        operation=operation,
        resource=resource,
        request_id=request_id,
    )
