"""Minimal HTTP/1.1 message handling for the emulator: request heads, bodies, responses.

Hand-written instead of ``http.server`` because the stdlib handler parses headers with the
``email`` package, which costs more than the whole KV operation it carries. Supports
keep-alive, ``Content-Length`` and chunked bodies, ``Expect: 100-continue`` (libcurl sends
it for large uploads) and responses streamed from files with ``sendfile``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from io import BufferedIOBase
from typing import BinaryIO
from urllib.parse import unquote, unquote_to_bytes

from .errors import E2BIG, EINVAL, V3ioError

MAX_LINE = 64 * 1024
MAX_HEADERS = 200
BLOCK = 1024 * 1024
SMALL_FILE = 256 * 1024  # file bodies up to this size are read and sent with the head


_dates: dict[int, str] = {}


def http_date(ns: int) -> str:
    """``formatdate(ns / 1e9, usegmt=True)``, cached per second (it costs more than a GetItem)."""
    ts = ns / 1e9
    second = int(ts)
    if ts - second >= 0.9999995:  # formatdate rounds to microseconds: may be the next second
        return formatdate(ts, usegmt=True)
    text = _dates.get(second)
    if text is None:
        if len(_dates) > 4096:
            _dates.clear()
        text = _dates[second] = formatdate(second, usegmt=True)
    return text


class BadRequest(Exception):
    """The bytes on the connection are not a valid HTTP request: answer 400 and close."""


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    # an open file region sent instead of ``body`` (GET object); the server closes it
    file: BinaryIO | None = None
    offset: int = 0
    length: int = 0
    # Content-Length announced without a body (HEAD: the size a GET would return)
    declared_length: int | None = None


def json_response(
    body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(status, data, headers or {}, "application/json")


def error_response(error: V3ioError) -> Response:
    return Response(error.status, error.body(), dict(error.headers), "application/json")


_REASONS = {status.value: status.phrase for status in HTTPStatus}


class Body:
    """The request body, read on demand; sends ``100 Continue`` before the first read."""

    def __init__(
        self,
        rfile: BufferedIOBase,
        sock: socket.socket,
        length: int | None,
        chunked: bool,
        expect: bool,
    ) -> None:
        self._rfile = rfile
        self._sock = sock
        self.length = length  # declared Content-Length (None when chunked)
        self._chunked = chunked
        self._remaining = length or 0
        self._expect = expect
        self._chunk_left = 0
        self._done = not chunked and not length
        self.started = False

    @property
    def consumed(self) -> bool:
        return self._done

    def _start(self) -> None:
        if not self.started:
            self.started = True
            if self._expect and not self._done:
                self._sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def chunks(self, size: int = BLOCK) -> Iterator[bytes]:
        """The body in blocks of at most ``size`` bytes."""
        self._start()
        while not self._done:
            if self._chunked:
                data = self._read_chunked(size)
            else:
                data = self._rfile.read(min(size, self._remaining))
                if not data:
                    raise ConnectionError("client closed the connection mid-body")
                self._remaining -= len(data)
                self._done = self._remaining == 0
            if data:
                yield data

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_left == 0:
            line = self._rfile.readline(MAX_LINE)
            if not line.endswith(b"\n"):
                raise BadRequest("truncated chunk header")
            try:
                self._chunk_left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest("bad chunk size") from None
            if self._chunk_left == 0:
                while self._rfile.readline(MAX_LINE).strip():  # trailers
                    pass
                self._done = True
                return b""
        data = self._rfile.read(min(size, self._chunk_left))
        if not data:
            raise ConnectionError("client closed the connection mid-body")
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and self._rfile.read(2) != b"\r\n":
            raise BadRequest("chunk not followed by CRLF")
        return data

    def read_all(self, limit: int) -> bytes:
        """The whole body; 413 (without reading it) when it is declared larger than ``limit``."""
        if self.length is not None and self.length > limit:
            raise too_large(self.length, limit)
        parts = []
        total = 0
        for part in self.chunks():
            total += len(part)
            if total > limit:
                raise too_large(total, limit)
            parts.append(part)
        return b"".join(parts)

    def drain(self, max_bytes: int) -> bool:
        """Discard what is left so the connection can serve the next request; False when
        that would mean reading more than ``max_bytes`` (the caller closes instead)."""
        if self._done:
            return True
        if self._expect and not self.started:
            return False  # the client waits for our word: it may never send the body
        if self.length is not None and self._remaining > max_bytes:
            return False
        total = 0
        for part in self.chunks():
            total += len(part)
            if total > max_bytes:
                return False
        return True


def too_large(size: int, limit: int) -> V3ioError:
    return V3ioError(413, E2BIG, f"request body of {size} bytes exceeds the {limit}-byte limit")


@dataclass(slots=True)
class Request:
    method: str
    target: str
    path: str  # percent-decoded, "/" separated, leading "//" collapsed
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    version: str
    body: Body

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def read_request(rfile: BufferedIOBase, sock: socket.socket) -> Request | None:
    """The next request head on the connection; None on a clean end of stream."""
    line = rfile.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate stray CRLFs between requests
        line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise BadRequest("request line too long or truncated")
    try:
        method, target, version = line.decode("latin-1").split()
    except ValueError:
        raise BadRequest(f"malformed request line {line[:100]!r}") from None
    if not version.startswith("HTTP/1."):
        raise BadRequest(f"unsupported protocol {version}")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        raw = rfile.readline(MAX_LINE + 1)
        if raw in (b"\r\n", b"\n"):
            break
        if not raw.endswith(b"\n"):
            raise BadRequest("truncated or oversized header")
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"malformed header line {raw[:100]!r}")
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    else:
        raise BadRequest("too many headers")
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length: int | None = None
    if not chunked and "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        if length < 0:
            raise BadRequest("negative Content-Length")
    expect = headers.get("expect", "").lower() == "100-continue"
    body = Body(rfile, sock, length, chunked, expect)
    path, query = split_target(target)
    return Request(method.upper(), target, path, query, headers, version, body)


def parse_head(head: bytes) -> Request | None:
    """The event loop's parser for a complete head (request line to the empty line, CRLF
    line ends): a Request whose body is still to be attached, or None when the head is
    anything but plain (bare LFs, oversized, malformed, too many headers), for
    :func:`read_request` on a blocking connection to answer exactly as it always does."""
    if len(head) > MAX_LINE:
        return None
    text = head.decode("latin-1")
    if text.count("\n") != text.count("\r\n"):
        return None
    lines = text.split("\r\n")  # [request line, headers..., "", ""]
    if len(lines) > MAX_HEADERS + 3:
        return None
    request_line = lines[0].split()
    if len(request_line) != 3:
        return None
    method, target, version = request_line
    if not version.startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for index in range(1, len(lines) - 2):
        name, sep, value = lines[index].partition(":")
        if not sep or not name or name != name.strip():
            return None
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length: int | None = None
    if not chunked and "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            return None
        if length < 0:
            return None
    expect = headers.get("expect", "").lower() == "100-continue"
    try:
        path, query = split_target(target)
    except (V3ioError, ValueError):  # e.g. a query that is not UTF-8 after decoding
        return None
    body = Body(None, None, length, chunked, expect)  # type: ignore[arg-type]
    return Request(method.upper(), target, path, query, headers, version, body)


def split_target(target: str) -> tuple[str, dict[str, str]]:
    """Decode the path and query of a request target (origin or absolute form)."""
    if "://" in target.split("?", 1)[0]:  # absolute form, as sent to proxies
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    raw_path, _, raw_query = target.partition("?")
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise V3ioError(400, EINVAL, "path is not valid UTF-8 after percent-decoding") from None
    while path.startswith("//"):  # the aio SDK builds endpoint + "/" + "/container/..."
        path = path[1:]
    query: dict[str, str] = {}
    if raw_query:
        for pair in raw_query.split("&"):
            if pair:
                name, _, value = pair.partition("=")
                # "+" is not a space here: the SDKs encode spaces as %20
                try:
                    query[unquote(name)] = unquote(value, errors="strict")
                except UnicodeDecodeError:
                    raise V3ioError(
                        400, EINVAL, "query is not valid UTF-8 after percent-decoding"
                    ) from None
    return path, query


def render_head(response: Response, *, keep_alive: bool) -> tuple[bytes, int]:
    """The status line and headers of ``response``, and the body length they announce."""
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"]
    if response.content_type:
        lines.append(f"Content-Type: {response.content_type}\r\n")
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}\r\n")
    if response.declared_length is not None:
        length = response.declared_length
    elif response.file is not None:
        length = response.length
    else:
        length = len(response.body)
    if status not in (204, 304) and not 100 <= status < 200:
        # always a length, so that keep-alive works (exactly "Content-Length")
        lines.append(f"Content-Length: {length}\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1"), length


def write_response(
    sock: socket.socket, response: Response, *, head_only: bool, keep_alive: bool
) -> None:
    head, length = render_head(response, keep_alive=keep_alive)
    status = response.status
    if head_only or status in (204, 304):
        sock.sendall(head)
        return
    if response.file is None:
        if len(response.body) < BLOCK:
            sock.sendall(head + response.body)  # one segment for the usual small answer
        else:
            sock.sendall(head)
            sock.sendall(response.body)
        return
    if length <= SMALL_FILE:
        # a small object goes out with its head in one segment (no sendfile round trip)
        sock.sendall(head + os.pread(response.file.fileno(), length, response.offset))
        return
    sock.sendall(head)
    if length:
        sock.sendfile(response.file, response.offset, length)
