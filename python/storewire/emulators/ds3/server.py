"""The HTTP/1.1 server: parsing, authentication, fault injection, routing, and writing
answers (sendfile for file bodies).

Threaded, keep-alive, with a deep listen backlog: the stdlib default of 5 drops SYNs when
64 clients connect at once. ``Expect: 100-continue`` is answered when the handler starts
reading the body, i.e. right after the request was authenticated and checked, so a
rejected upload is refused before its bytes travel.
"""

from __future__ import annotations

import http
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import unquote

from ...log import get_logger
from . import auth, clock, rest_api, s3_api
from .context import Context
from .wire import (
    MAX_XML_BODY_BYTES,
    DS3Error,
    Query,
    Request,
    Response,
    http_date,
    parse_content_length,
)
from .xml_out import document, leaf, node

log = get_logger("storewire.emulators.ds3")  # with the redacting filter

# An unread request body (the request was refused) up to this size is read and discarded,
# so a client that sends without Expect (http.client, the Python SDK) gets the answer
# instead of a broken pipe; larger ones close the connection.
_DRAIN_LIMIT = 256 * 1024 * 1024
_REST = "_rest_"


class _Body:
    """The request body, limited to Content-Length; sends ``100 Continue`` on first read."""

    def __init__(self, handler: BaseHTTPRequestHandler, length: int | None, expect: bool) -> None:
        self._handler = handler
        self._length = length
        self.remaining = length or 0
        self.expect_pending = expect
        self.chunked = length is None

    @property
    def length(self) -> int | None:
        return self._length

    def _continue(self) -> None:
        if self.expect_pending:
            self.expect_pending = False
            self._handler.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def readinto(self, buffer: memoryview) -> int:
        if self.remaining <= 0:
            return 0
        self._continue()
        n = self._handler.rfile.readinto(buffer[: min(len(buffer), self.remaining)]) or 0
        self.remaining -= n
        if n == 0:
            self.remaining = 0
            self._handler.close_connection = True
        return n

    def read_all(self, limit: int = MAX_XML_BODY_BYTES) -> bytes:
        if self.chunked:
            raise DS3Error(411, "MissingContentLength", "send the body with a Content-Length")
        if self.remaining > limit:
            raise DS3Error(413, "EntityTooLarge", f"request bodies are limited to {limit} bytes")
        self._continue()
        data = self._handler.rfile.read(self.remaining) if self.remaining else b""
        self.remaining -= len(data)
        if self.remaining:
            self.remaining = 0
            raise DS3Error(400, "IncompleteBody", "the connection ended before the whole body")
        return data

    def drain(self) -> bool:
        """Reads and discards what is left if that is cheap; False means: close."""
        if self.chunked or self.expect_pending or self.remaining > _DRAIN_LIMIT:
            return self.remaining == 0 and not self.chunked
        while self.remaining > 0:
            chunk = self._handler.rfile.read(min(self.remaining, 65536))
            if not chunk:
                return False
            self.remaining -= len(chunk)
        return True


def error_body(exc: DS3Error, req: Request | None, path: str) -> bytes:
    """The §3 error document (``HttpErrorCode`` is what the Python 3 SDK needs)."""
    return document(node("Error", [
        leaf("Code", exc.code), leaf("HttpErrorCode", exc.status), leaf("Message", exc.message),
        leaf("Resource", exc.resource or path),
        leaf("ResourceId", req.request_id if req else "0"),
        *(leaf(name, value) for name, value in exc.details),
    ]))


def _decode(segment: str) -> str:
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError as exc:
        raise DS3Error(400, "InvalidURI", "the path is not valid UTF-8 once decoded") from exc


def route(ctx: Context, req: Request) -> Response:
    path = req.raw_path
    if not path.startswith("/"):
        raise DS3Error(400, "InvalidURI", f"bad request target {path!r}")
    segments = path.split("/")[1:]
    first = _decode(segments[0]) if segments else ""
    if first.lower() == _REST:
        rest = segments[1:]
        if rest and rest[-1] == "":
            rest = rest[:-1]  # one optional trailing slash (§1)
        resource = _decode(rest[0]).lower() if rest else ""
        ident = "/".join(_decode(s) for s in rest[1:])
        return rest_api.handle(ctx, req, resource, ident)
    key = _decode("/".join(segments[1:]))
    return s3_api.handle(ctx, req, first, key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "storewire-ds3"
    sys_version = ""
    timeout = 300  # idle keep-alive connections end after 5 minutes
    server: DS3HTTPServer
    _framing_error = ""  # set by _request when the body's length cannot be known

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def handle_expect_100(self) -> bool:
        return True  # deferred: _Body sends it when the body is first read

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    # ------------------------------------------------------------------------------------

    def _request(self) -> Request:
        ctx = self.server.ctx
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute form from a forwarding proxy (§2.4)
            after = target.split("://", 1)[1]
            target = after[after.find("/"):] if "/" in after else "/"
        raw_path, _, raw_query = target.partition("?")
        headers = list(self.headers.items())
        length_values = self.headers.get_all("Content-Length") or []
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        self._framing_error = ""
        length: int | None = None
        if not chunked:
            length = parse_content_length(",".join(length_values)) if length_values else 0
            if length is None:
                # Where this body ends is unknown: answer 400 and close (RFC 9112 §6.3).
                self._framing_error = f"bad Content-Length {', '.join(length_values)!r}"
                length = 0
                self.close_connection = True
        expect = (self.headers.get("Expect") or "").lower() == "100-continue"
        host_header = str(self.headers.get("Host") or self.server.server_address[0])
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return Request(
            method=self.command, raw_path=raw_path, query=Query(raw_query), headers=headers,
            body=_Body(self, length, expect), host=host.strip("[]"),
            port=self.server.server_address[1], request_id=ctx.next_request_id(),
        )

    def _check_request_line(self, req: Request) -> None:
        """What must hold before a request is even authenticated."""
        if self._framing_error:
            raise DS3Error(400, "InvalidRequest", self._framing_error)
        # A request target is visible ASCII (RFC 3986); raw bytes arrive here as Latin-1
        # characters and would name some other key than the client meant.
        if any(not "\x21" <= c <= "\x7e" for c in self.path):
            raise DS3Error(400, "InvalidURI", "the request target has a character that must "
                           "be percent-encoded")

    def _authenticate(self, req: Request) -> None:
        ctx = self.server.ctx
        parsed = auth.parse_authorization(req.header("authorization"))
        if parsed is None:
            raise DS3Error(403, "AccessDenied",
                           "the request is not signed (Authorization: AWS id:signature)")
        access_id, signature = parsed
        user = ctx.users.by_access_id(access_id)
        if user is None:
            raise DS3Error(403, "InvalidAccessKeyId", "unknown access id")
        if not auth.verify(user.secret_key, signature, req.method, req.raw_path, req.query.pairs,
                           req.headers):
            raise DS3Error(403, "SignatureDoesNotMatch",
                           "the signature does not match (check the secret key)")
        # After the signature: a well-signed old request is a replay, not a typo.
        clock.check_request_time(req.headers)
        req.user = user

    def _dispatch(self) -> None:
        ctx = self.server.ctx
        req = self._request()
        path_lower = req.raw_path.lower()
        is_admin = path_lower.startswith(f"/{_REST}/emulator_faults")
        is_data = not path_lower.startswith(f"/{_REST}") and req.raw_path.count("/") >= 2 \
            and req.method in ("GET", "PUT")
        decision = ctx.faults.decide(is_data) if not is_admin else None
        if decision and decision.delay_s:
            time.sleep(decision.delay_s)
        try:
            if decision and decision.error_status:
                raise DS3Error(
                    decision.error_status, "InternalError" if decision.error_status == 500
                    else "ServiceUnavailable", "injected fault",
                    headers=[("Retry-After", str(decision.retry_after_s))])
            self._check_request_line(req)
            self._authenticate(req)
            resp = route(ctx, req)
        except DS3Error as exc:
            resp = self._error(exc, req)
        except Exception:
            log.exception("DS3 emulator: %s %s failed", req.method, req.raw_path)
            resp = self._error(DS3Error(500, "InternalError", "internal error"), req)
        self._send(resp, req, drop=bool(decision and decision.drop))

    def _error(self, exc: DS3Error, req: Request) -> Response:
        headers = list(exc.headers)
        if req.method == "HEAD" or not exc.body:
            return Response(exc.status, headers=headers)
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
        return Response(exc.status, error_body(exc, req, req.raw_path), headers)

    def _send(self, resp: Response, req: Request, drop: bool) -> None:
        body = req.body
        assert isinstance(body, _Body)
        try:
            if not body.drain():
                self.close_connection = True
            status = resp.status
            try:
                reason = http.HTTPStatus(status).phrase
            except ValueError:
                reason = ""
            lines = [f"HTTP/1.1 {status} {reason}", f"Date: {http_date()}",
                     f"Server: {self.server_version}", f"x-amz-request-id: {req.request_id}"]
            lines += [f"{n}: {v}" for n, v in resp.headers]
            if resp.file is not None:
                length = resp.file.length
            elif req.method == "HEAD":
                length = resp.head_length if resp.head_length is not None else 0
            else:
                length = len(resp.body)
            if status not in (204, 304):
                lines.append(f"Content-Length: {length}")
            if self.close_connection:
                lines.append("Connection: close")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
            payload = b"" if req.method == "HEAD" else resp.body
            if drop:
                self._drop(head, resp, payload, req.method == "HEAD")
                return
            sock = self.connection
            if resp.file is not None and req.method != "HEAD":
                sock.sendall(head)
                for offset, count in resp.file.ranges:
                    sent = sock.sendfile(resp.file.file, offset, count)  # type: ignore[arg-type]
                    if sent != count:
                        raise ConnectionError("the data file ended early")
            else:
                sock.sendall(head + payload)
            if resp.on_sent is not None:
                resp.on_sent()
        except OSError:
            self.close_connection = True
        finally:
            if resp.file is not None:
                resp.file.file.close()

    def _drop(self, head: bytes, resp: Response, payload: bytes, is_head: bool) -> None:
        """Fault injection: cut the answer in the middle of the body (or send nothing)."""
        self.close_connection = True
        sock = self.connection
        if resp.file is not None and not is_head and resp.file.length:
            sock.sendall(head)
            offset, count = resp.file.ranges[0]
            sock.sendfile(resp.file.file, offset, max(1, count // 2))  # type: ignore[arg-type]
        elif payload:
            sock.sendall(head + payload[: max(1, len(payload) // 2)])
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class DS3HTTPServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], ctx: Context) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ctx = ctx
        self._live: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._live_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._live_lock:
            if alive:
                self._live.add(conn)
                self._handler_threads.add(threading.current_thread())
            else:
                self._live.discard(conn)
                self._handler_threads.discard(threading.current_thread())

    def close_connections(self, timeout_s: float = 5.0) -> None:
        """Ends keep-alive connections so their handler threads exit."""
        with self._live_lock:
            live = list(self._live)
            threads = list(self._handler_threads)
        for conn in live:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("DS3 emulator: connection from %s failed", client_address, exc_info=True)
