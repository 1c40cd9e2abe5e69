"""The V3IO emulator's view of HTTP: requests, responses and bodies, on the shared core.

Parsing, body framing and header blocks come from :mod:`storewire.httpcore`; what is
V3IO's own lives here: percent-decoded paths and queries, JSON answers, error bodies,
and the errors a body that is too large or malformed turns into.
"""

from __future__ import annotations

import io
import socket
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import unquote, unquote_to_bytes

from ... import httpcore
from ...httpcore import BadRequest, BodyTooLarge, RequestHead
from ...httpcore.body import BLOCK, BodyReader
from ...httpcore.head import keep_alive
from ...httpcore.reply import SMALL_FILE
from .errors import E2BIG, EINVAL, V3ioError

__all__ = [
    "BLOCK",
    "SMALL_FILE",
    "BadRequest",
    "Body",
    "Request",
    "Response",
    "error_response",
    "http_date",
    "json_response",
    "parse_head",
    "read_request",
    "render_head",
    "split_target",
    "with_body",
    "write_response",
]


def http_date(ns: int) -> str:
    """The ``Date`` form of a nanosecond timestamp."""
    return httpcore.http_date(ns / 1e9)


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


def too_large(size: int, limit: int) -> V3ioError:
    return V3ioError(413, E2BIG, f"request body of {size} bytes exceeds the {limit}-byte limit")


class Body(httpcore.Body):
    """The core body, with a too-large body answered as V3IO does (413, ``E2BIG``)."""

    __slots__ = ()

    def read_all(self, limit: int) -> bytes:
        try:
            return super().read_all(limit)
        except BodyTooLarge as exc:
            raise too_large(exc.size, exc.limit) from exc


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
        return keep_alive(self.version, self.headers)


def _request(head: RequestHead, body: Body) -> Request:
    path, query = split_target(head.target)
    return Request(head.method.upper(), head.target, path, query, head.headers, head.version,
                   body)


def body_for(head: RequestHead, rfile: BodyReader, sock: socket.socket | None) -> Body:
    send = sock.sendall if sock is not None else None
    return Body(rfile, head.length, chunked=head.chunked, expect=head.expect_continue,
                send_continue=send)


def read_request(rfile: BodyReader, sock: socket.socket) -> Request | None:
    """The next request on a blocking connection; None on a clean end of stream."""
    head = httpcore.read_head(rfile)
    if head is None:
        return None
    if head.framing_error:
        raise BadRequest(head.framing_error)
    return _request(head, body_for(head, rfile, sock))


def parse_head(head_bytes: bytes) -> Request | None:
    """The event loop's parser (see :func:`storewire.httpcore.parse_head`): a Request whose
    body is still to be attached (:func:`with_body`), or None for anything but a plain
    head (also a body length that cannot be trusted, or a target that does not decode),
    for :func:`read_request` on a blocking connection to answer."""
    head = httpcore.parse_head(head_bytes)
    if head is None or head.framing_error:
        return None
    try:
        path, query = split_target(head.target)
    except (V3ioError, ValueError):  # e.g. a query that is not UTF-8 after decoding
        return None
    body = Body(_NO_BYTES, head.length, chunked=head.chunked, expect=head.expect_continue)
    return Request(head.method.upper(), head.target, path, query, head.headers, head.version,
                   body)


def with_body(request: Request, data: bytes) -> Request:
    """``request`` with the whole body the event loop read for it."""
    request.body = Body(io.BytesIO(data), request.body.length)
    return request


_NO_BYTES = io.BytesIO(b"")


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
    headers = list(response.headers.items())
    if response.content_type:
        headers.insert(0, ("Content-Type", response.content_type))
    if response.declared_length is not None:
        length = response.declared_length
    elif response.file is not None:
        length = response.length
    else:
        length = len(response.body)
    # always a length, so that keep-alive works (exactly "Content-Length")
    head = httpcore.render_head(response.status, headers, length=length, keep_alive=keep_alive)
    return head, length


def write_response(
    sock: socket.socket, response: Response, *, head_only: bool, keep_alive: bool
) -> None:
    head, length = render_head(response, keep_alive=keep_alive)
    if head_only or response.status in (204, 304):
        sock.sendall(head)
    elif response.file is not None:
        httpcore.send_file(sock, head, response.file, [(response.offset, length)])
    elif len(response.body) < BLOCK:
        sock.sendall(head + response.body)  # one segment for the usual small answer
    else:
        sock.sendall(head)
        sock.sendall(response.body)
