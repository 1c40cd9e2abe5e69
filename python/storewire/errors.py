"""One exception hierarchy for every storewire client.

``StorageError`` is the root and carries structured fields. Leaves also inherit the
builtin a caller would naturally catch (``FileNotFoundError``, ``PermissionError``,
``TimeoutError``, ``ConnectionError``, ``ValueError``), so code that knows nothing about
storewire still handles them. Every class pickles with all of its fields.

Which class an error gets is decided by tables, written as data, one per backend (see
"Error translation" in docs/architecture.md): :data:`NATIVE_KINDS` for failures of the
native core itself (transport, TLS, local files), :data:`HTTP_ERRORS` for DS3 and S3
statuses and codes, :data:`SECTOR_ERRORS` for Sector codes, and V3IO's table in
``v3io.dataplane.errors``. The native core names no Python class: it reports a kind, or a
code space and a code, and the translators below pick the class: :func:`from_native`,
:func:`from_status` (an error status with the server's code and message) and
:func:`from_native_status` (the same, for a code the native core reports).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .log import redact_credentials

__all__ = [
    "HTTP_ERRORS",
    "NATIVE_CODE_SPACES",
    "NATIVE_KINDS",
    "SECTOR_ERRORS",
    "AlreadyExistsError",
    "BufferTooSmallError",
    "CancelledError",
    "ConflictError",
    "ErrorTable",
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
    "from_native_status",
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


# ---- the tables ------------------------------------------------------------------------
# Each backend's codes map to classes here, as data, and nowhere else: the native core
# reports a neutral kind or a code (``cpp/bindings/errors.cpp`` passes it on) and Python
# picks the class. ``v3io.dataplane.errors.V3IO_ERRORS`` is the V3IO table, in the same shape.


@dataclass(frozen=True)
class ErrorTable:
    """One backend's error codes and HTTP statuses → exception classes.

    A code the table lists wins over the status (AWS sends ``Throttling`` with a 400);
    then the exact status; then its hundred (``5`` for any 5xx); then ``default``.
    """

    name: str
    codes: Mapping[str, type[StorageError]] = field(default_factory=dict)
    statuses: Mapping[int, type[StorageError]] = field(default_factory=dict)
    hundreds: Mapping[int, type[StorageError]] = field(default_factory=dict)
    default: type[StorageError] = StorageError

    def class_for(self, status: int, code: str) -> type[StorageError]:
        """The class for an error with this status (0: none) and code ('' : none)."""
        return (
            self.codes.get(code)
            or self.statuses.get(status)
            or self.hundreds.get(status // 100)
            or self.default
        )


#: Failures of the native core itself (``storewire::ErrorKind``, by name).
NATIVE_KINDS: Mapping[str, type[StorageError]] = {
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

# 400 and 503 mean the same in every table (here and V3IO's): 400 is InvalidRequestError
# (the caller must change the request: a ValueError) and 503 is ServerError (the engine
# already retried it; a proxy or a restarting server says 503 too, and calling that
# throttling would tell callers that slowing down helps). Only a code that says "slow down"
# (S3's SlowDown, sent with 503; AWS's Throttling, sent with 400) makes a ThrottledError,
# and a backend-specific code can refine a 400 (V3IO's false condition).

#: DS3 and S3 (an HTTP status with the ``<Error><Code>`` of the body).
HTTP_ERRORS = ErrorTable(
    "http",
    codes={
        "SlowDown": ThrottledError,
        "Throttling": ThrottledError,
        "ThrottlingException": ThrottledError,
        "TooManyRequests": ThrottledError,
        "BucketAlreadyExists": AlreadyExistsError,
        "BucketAlreadyOwnedByYou": AlreadyExistsError,
        "OBJECT_ALREADY_EXISTS": AlreadyExistsError,  # DS3
        "ResourceAlreadyExists": AlreadyExistsError,
        "ResourceInUseException": AlreadyExistsError,
        # no status: the DS3 bulk helper's own check of a blob against the server's checksum
        "ChecksumMismatch": IntegrityError,
    },
    statuses={
        400: InvalidRequestError,
        401: PermissionDeniedError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        410: NotFoundError,
        412: PreconditionFailedError,
        429: ThrottledError,
        503: ServerError,
    },
    hundreds={5: ServerError},
)

#: Sector 2.x error codes (always status 0; ``code`` is the decimal code).
SECTOR_ERRORS = ErrorTable(
    "sector",
    codes={
        "-1": StorageError,  # E_UNKNOWN
        "-101": ServerError,  # E_ROUTING: wrong master (the client re-routes first)
        "-102": ConflictError,  # E_REPSLAVE
        "-103": InvalidRequestError,  # E_INVPARAM
        "-1001": PermissionDeniedError,  # E_PERMISSION
        "-1002": AlreadyExistsError,  # E_EXIST
        "-1003": NotFoundError,  # E_NOEXIST
        "-1004": ConflictError,  # E_BUSY: the file is open elsewhere
        "-1005": LocalIOError,  # E_LOCALFILE
        "-1006": ConflictError,  # E_NOEMPTY
        "-1007": InvalidRequestError,  # E_NOTDIR
        "-1008": InvalidRequestError,  # E_FILENOTOPEN
        "-1009": ServerError,  # E_NOREPLICA
        "-1010": InvalidRequestError,  # E_NOTFILE
        "-2000": PermissionDeniedError,  # E_SECURITY
        "-2001": PermissionDeniedError,  # E_NOCERT
        "-2002": PermissionDeniedError,  # E_ACCOUNT
        "-2003": PermissionDeniedError,  # E_PASSWORD
        "-2004": PermissionDeniedError,  # E_ACL
        "-2005": TlsError,  # E_INITCTX
        "-2006": ServerError,  # E_NOSECSERV
        "-2007": PermissionDeniedError,  # E_EXPIRED: unknown or expired session
        "-2008": PermissionDeniedError,  # E_AUTHORITY: not root
        "-2009": InvalidRequestError,  # E_ADDR
        "-2010": TransportError,  # E_GMP
        "-2011": TransportError,  # E_DATACHN
        "-2012": TlsError,  # E_CERTREFUSE
        "-2013": TransportError,  # E_MASTER
        "-3000": TransportError,  # E_CONNECTION
        "-3001": TransportError,  # E_BROKENPIPE
        "-3002": TimeoutError,  # E_TIMEOUT
        "-4000": ServerError,  # E_RESOURCE: no slave available
        "-4001": ServerError,  # E_NODISK
        "-4002": ThrottledError,  # E_SYSBUSY
        "-5000": ProtocolError,  # E_VERSION
        "-6000": InvalidRequestError,  # E_INVALID
        "-6001": InvalidRequestError,  # E_SUPPORT
        "-6002": CancelledError,  # E_CANCELED
    },
)

#: The tables of the code spaces the native core reports (``storewire::CodeSpace``).
NATIVE_CODE_SPACES: Mapping[str, ErrorTable] = {"http": HTTP_ERRORS, "sector": SECTOR_ERRORS}


def from_native(kind: str, message: str, detail: str = "", resource: str = "") -> StorageError:
    """Build the error for a failure reported by the native core.

    ``kind`` is the native error kind (a key of :data:`NATIVE_KINDS`), ``detail`` its
    library code (e.g. a libcurl ``CURLE_*`` name), kept as ``code``.
    """
    cls = NATIVE_KINDS.get(kind, StorageError)
    return cls(message, code=detail or kind, resource=resource)


def from_status(
    status: int,
    code: str = "",
    message: str = "",
    *,
    operation: str = "",
    resource: str = "",
    request_id: str = "",
    table: ErrorTable = HTTP_ERRORS,
) -> StorageError:
    """Build the error for an error status with the server's code and message.

    ``table`` is the backend's :class:`ErrorTable` (DS3/S3's :data:`HTTP_ERRORS` unless
    told otherwise).
    """
    cls = table.class_for(status, code)
    return cls(
        message,
        status=status,
        code=code,
        operation=operation,
        resource=resource,
        request_id=request_id,
    )


def from_native_status(
    space: str,
    status: int,
    code: str,
    message: str,
    *,
    operation: str = "",
    resource: str = "",
    request_id: str = "",
) -> StorageError:
    """Build the error for a status the native core reports: ``space`` names whose codes
    ``code`` is (a key of :data:`NATIVE_CODE_SPACES`: ``"http"``, ``"sector"``)."""
    return from_status(
        status,
        code,
        message,
        operation=operation,
        resource=resource,
        request_id=request_id,
        table=NATIVE_CODE_SPACES.get(space, HTTP_ERRORS),
    )
