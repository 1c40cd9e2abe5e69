"""What the API modules see of HTTP: requests, responses, errors, query and time formats.

No socket code lives here (that is :mod:`.server`), so the API modules stay testable and
small. Query parameter names are normalised (``max_keys``, ``max-keys`` and
``MaxKeys`` are one parameter) and values percent-decoded without turning ``+`` into space.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO, Protocol
from urllib.parse import unquote

from .users import User

# Body size accepted for XML request documents (a 100,000-object bulk list is ~7 MB).
MAX_XML_BODY_BYTES = 64 * 1024 * 1024


class DS3Error(Exception):
    """An error answer: status, the ``Code`` and message, optional extra headers and
    error-document elements."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        *,
        resource: str = "",
        headers: list[tuple[str, str]] | None = None,
        body: bool = True,
        details: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message or code
        self.resource = resource
        self.headers = headers or []
        self.body = body  # 410 on job_chunk is documented without a body
        # Extra <Name>value</Name> elements of the error document (S3's RequestTime, ...).
        self.details = details or []


def not_found(what: str, resource: str = "") -> DS3Error:
    return DS3Error(404, "NotFound", f"{what} does not exist", resource=resource)


def bad_request(message: str, code: str = "InvalidRequest") -> DS3Error:
    return DS3Error(400, code, message)


def retry_later(seconds: int, message: str, *, status: int = 503) -> DS3Error:
    return DS3Error(
        status, "ServiceUnavailable", message, headers=[("Retry-After", str(max(1, seconds)))]
    )


# Sizes, offsets and lengths a client sends are 1*DIGIT (Content-Length: RFC 9110 §8.6);
# Python's int() would also take "-5", "+5", "1_0", " 5" and other scripts' digits.
_UINT_RE = re.compile(r"[0-9]{1,19}")
MAX_UINT = (1 << 63) - 1


def parse_uint(text: str) -> int | None:
    """``text`` as an integer in 0..2^63-1 written in ASCII digits only, else None."""
    if not _UINT_RE.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_UINT else None


def parse_content_length(value: str) -> int | None:
    """The length a Content-Length value states, or None if it is malformed. Repeated
    headers (joined with ``,``) are accepted only when every value is the same."""
    values = {v.strip(" \t") for v in value.split(",")}
    return parse_uint(values.pop()) if len(values) == 1 else None


def norm_name(name: str) -> str:
    """``max_keys``, ``max-keys``, ``MaxKeys`` → ``maxkeys``."""
    return name.lower().replace("_", "").replace("-", "")


_TRUE = frozenset({"", "true", "1", "yes", "on"})


class Query:
    """The query string: ordered (name, value) pairs plus a normalised-name lookup.

    A flag sent without ``=`` has the value None (``?force``, ``?delete``).
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.pairs: list[tuple[str, str | None]] = []
        self._by_norm: dict[str, str | None] = {}
        for part in raw.split("&") if raw else ():
            if not part:
                continue
            name, sep, value = part.partition("=")
            decoded_name = unquote(name, errors="replace")
            decoded = unquote(value, errors="replace") if sep else None
            self.pairs.append((decoded_name, decoded))
            self._by_norm[norm_name(decoded_name)] = decoded

    def has(self, name: str) -> bool:
        return norm_name(name) in self._by_norm

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._by_norm.get(norm_name(name), default)
        return default if value is None else value

    def text(self, name: str) -> str:
        return self.get(name) or ""

    def int(self, name: str, default: int | None = None) -> int | None:
        """A count, size or offset: plain digits in 0..2^63-1 (no sign, no "_")."""
        value = self.get(name)
        if value is None or value == "":
            return default
        number = parse_uint(value)
        if number is None:
            raise bad_request(f"query parameter {name} must be an integer from 0 to 2^63-1, "
                              f"got {value[:40]!r}")
        return number

    def flag(self, name: str) -> bool:
        """True for ``?name``, ``?name=True`` (any case); False when absent or false."""
        key = norm_name(name)
        if key not in self._by_norm:
            return False
        return (self._by_norm[key] or "").strip().lower() in _TRUE

    def enum(self, name: str, default: str) -> str:
        """Enum values arrive upper- or lower-case (C vs P): compared upper-cased."""
        return (self.get(name) or default).upper()


class Body(Protocol):
    """The request body as the server exposes it: read once, in blocks or whole."""

    @property
    def length(self) -> int | None: ...
    def readinto(self, buffer: memoryview) -> int: ...
    def read_all(self, limit: int = MAX_XML_BODY_BYTES) -> bytes: ...


@dataclass
class Request:
    method: str
    raw_path: str  # as on the request line (percent-encoded, no query): what SigV2 signs
    query: Query
    headers: list[tuple[str, str]]  # in arrival order, names as sent
    body: Body
    host: str  # the host part clients used (for <Node EndPoint>)
    port: int
    request_id: str
    user: User | None = None
    _lower: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name, value in self.headers:
            key = name.lower()
            self._lower[key] = f"{self._lower[key]},{value}" if key in self._lower else value

    def header(self, name: str, default: str | None = None) -> str | None:
        return self._lower.get(name.lower(), default)

    def set_header(self, name: str, value: str | None) -> None:
        """Replaces every ``name`` header with one ``value``; None removes them (what an
        aws-chunked upload looks like once decoded)."""
        key = name.lower()
        self.headers = [(n, v) for n, v in self.headers if n.lower() != key]
        self._lower.pop(key, None)
        if value is not None:
            self.headers.append((name, value))
            self._lower[key] = value

    def headers_with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        prefix = prefix.lower()
        return [(n, v) for n, v in self.headers if n.lower().startswith(prefix)]


@dataclass
class FileBody:
    """Byte ranges of an open file, sent with sendfile; the server closes the file."""

    file: BinaryIO
    ranges: list[tuple[int, int]]  # (offset, length)

    @property
    def length(self) -> int:
        return sum(n for _, n in self.ranges)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    file: FileBody | None = None
    # Content-Length to announce without sending a body (HEAD).
    head_length: int | None = None
    # Runs after the whole body went out (e.g. marks a GET job's blob as sent).
    on_sent: Callable[[], None] | None = None


def xml_response(
    body: bytes, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    hdrs = [("Content-Type", "text/xml;charset=UTF-8"), *(headers or [])]
    return Response(status, body, hdrs)


# --- time formats -------------------------------------------------------------------------


def iso_time(epoch: float | None = None) -> str:
    """ISO-8601 UTC with milliseconds: ``2015-01-20T17:54:34.000Z``."""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date(epoch: float | None = None) -> str:
    return email.utils.formatdate(time.time() if epoch is None else epoch, usegmt=True)
