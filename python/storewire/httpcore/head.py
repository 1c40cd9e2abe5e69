"""Request heads: the request line and header fields, parsed with strict limits.

Hand-written rather than ``http.server``'s, which parses headers with the ``email``
package: that costs more than a whole small emulator operation, and it folds obsolete
continuation lines and lenient lengths that a strict server must refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

MAX_LINE = 64 * 1024  # one request line or header line
MAX_HEADERS = 200
MAX_HEAD_BYTES = 256 * 1024  # the whole head: 200 lines of 64 KiB would be 12.5 MiB
MAX_CONTENT_LENGTH = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class BadRequest(Exception):
    """The bytes on the connection are not a valid HTTP/1.1 request: answer 400, close."""


class LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass(slots=True)
class RequestHead:
    method: str  # as sent (methods are case-sensitive)
    target: str  # the request target, decoded as Latin-1 (raw bytes stay visible)
    version: str  # "HTTP/1.0" or "HTTP/1.1"
    fields: list[tuple[str, str]]  # in arrival order, names as sent
    headers: dict[str, str]  # lower-case names, repeated fields joined with ", "
    length: int | None  # the body's Content-Length; None when chunked
    chunked: bool
    expect_continue: bool
    # why the body's end cannot be known ("" when it can): answer 400 and close
    framing_error: str = ""

    @property
    def keep_alive(self) -> bool:
        return keep_alive(self.version, self.headers)


def keep_alive(version: str, headers: dict[str, str]) -> bool:
    """Whether the connection stays open after this request (``headers``: lower-case)."""
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def parse_content_length(values: list[str]) -> int | None:
    """The length stated by every ``Content-Length`` field (repeats, and lists inside one
    field, must all agree), in plain ASCII digits within 0..2^63-1; else None."""
    if len(values) == 1 and values[0].isascii() and values[0].isdigit():
        text = values[0]  # the usual case, without the set and the regex
    else:
        stated = {part.strip(" \t") for value in values for part in value.split(",")}
        if len(stated) != 1:
            return None
        text = stated.pop()
        if not _DIGITS.fullmatch(text):
            return None
    length = int(text)
    return length if length <= MAX_CONTENT_LENGTH else None


def _request_line(line: str) -> tuple[str, str, str]:
    parts = line.split()
    if len(parts) != 3:
        raise BadRequest(f"malformed request line {line[:100]!r}")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest(f"unsupported protocol {version[:20]!r}")
    return method, target, version


def _head(method: str, target: str, version: str, lines: list[str]) -> RequestHead:
    """The head from its request line's parts and its header lines (without line ends)."""
    fields: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    lengths: list[str] = []
    for line in lines:
        name, sep, value = line.partition(":")
        # no whitespace in or around the name: that is how obsolete folding and smuggling
        # start
        if not sep or not name or " " in name or "\t" in name:
            raise BadRequest(f"malformed header line {line[:100]!r}")
        value = value.strip(" \t")
        fields.append((name, value))
        key = name.lower()
        if key in headers:
            headers[key] = f"{headers[key]}, {value}"
        else:
            headers[key] = value
        if key == "content-length":
            lengths.append(value)
    chunked = "transfer-encoding" in headers and \
        "chunked" in headers["transfer-encoding"].lower()
    length: int | None = None
    framing_error = ""
    if not chunked:
        length = parse_content_length(lengths) if lengths else 0
        if length is None:
            framing_error = f"bad Content-Length {', '.join(lengths)[:100]!r}"
            length = 0
    expect = "expect" in headers and headers["expect"].lower() == "100-continue"
    return RequestHead(method, target, version, fields, headers, length, chunked, expect,
                       framing_error)


def read_head(rfile: LineReader) -> RequestHead | None:
    """The next request head from a blocking reader; None on a clean end of stream."""
    line = rfile.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate stray CRLFs between requests
        line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise BadRequest("request line too long or truncated")
    total = len(line)
    method, target, version = _request_line(line.decode("latin-1"))
    lines: list[str] = []
    while True:
        raw = rfile.readline(MAX_LINE + 1)
        if raw in (b"\r\n", b"\n"):
            break
        if not raw.endswith(b"\n"):
            raise BadRequest("truncated or oversized header")
        total += len(raw)
        if len(lines) >= MAX_HEADERS or total > MAX_HEAD_BYTES:
            raise BadRequest("too many or too large headers")
        lines.append(raw.decode("latin-1").rstrip("\r\n"))
    return _head(method, target, version, lines)


def parse_head(head: bytes) -> RequestHead | None:
    """An event loop's parser for a complete head (request line to the empty line, CRLF
    line ends). None when the head is anything but plain (bare LFs, oversized, malformed,
    too many headers): :func:`read_head` on a blocking connection then answers exactly as
    it always does."""
    if len(head) > MAX_LINE:
        return None
    text = head.decode("latin-1")
    if text.count("\n") != text.count("\r\n"):
        return None
    lines = text.split("\r\n")  # [request line, headers..., "", ""]
    if len(lines) > MAX_HEADERS + 3:
        return None
    try:
        method, target, version = _request_line(lines[0])
        return _head(method, target, version, lines[1:-2])
    except BadRequest:
        return None
