"""The DS3 (and plain S3) HTTP/1.1 server: authentication, fault injection, routing, and
writing answers (``sendfile`` for file bodies), on the shared :mod:`storewire.httpcore`.

Threaded, keep-alive, with a deep listen backlog (the core's). ``Expect: 100-continue`` is
answered when the handler starts reading the body, i.e. right after the request was
authenticated and checked, so a rejected upload is refused before its bytes travel.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import unquote

from ... import httpcore
from ...httpcore import BadRequest, BodyTooLarge, BodyTruncated, RequestHead
from ...log import get_logger
from . import access, request_auth, rest_api, s3_api
from .context import Context
from .wire import MAX_XML_BODY_BYTES, DS3Error, Query, Request, Response
from .xml_out import document, leaf, node

log = get_logger("storewire.emulators.ds3")  # with the redacting filter

# An unread request body (the request was refused) up to this size is read and discarded,
# so a client that sends without Expect (http.client, the Python SDK) gets the answer
# instead of a broken pipe; larger ones close the connection.
_DRAIN_LIMIT = 256 * 1024 * 1024
_REST = "_rest_"


class _Body(httpcore.Body):
    """The core body, with its failures answered as DS3 errors."""

    __slots__ = ()

    def readinto(self, buffer: memoryview) -> int:
        try:
            return super().readinto(buffer)
        except BodyTruncated:
            return 0  # the caller answers IncompleteBody (and the connection is gone)
        except BadRequest as exc:
            raise DS3Error(400, "InvalidRequest", f"malformed chunked body: {exc}") from exc

    def read_all(self, limit: int = MAX_XML_BODY_BYTES) -> bytes:
        if self.chunked:
            raise DS3Error(411, "MissingContentLength", "send the body with a Content-Length")
        if self.remaining > limit:
            raise DS3Error(413, "EntityTooLarge", f"request bodies are limited to {limit} bytes")
        try:
            return super().read_all(limit)
        except BodyTooLarge as exc:
            raise DS3Error(413, "EntityTooLarge",
                           f"request bodies are limited to {limit} bytes") from exc
        except BodyTruncated as exc:
            raise DS3Error(400, "IncompleteBody",
                           "the connection ended before the whole body") from exc


def error_body(exc: DS3Error, req: Request | None, path: str) -> bytes:
    """The DS3 error document (``HttpErrorCode`` is what the Python 3 SDK needs)."""
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
            rest = rest[:-1]  # one optional trailing slash
        resource = _decode(rest[0]).lower() if rest else ""
        ident = "/".join(_decode(s) for s in rest[1:])
        return rest_api.handle(ctx, req, resource, ident)
    key = _decode("/".join(segments[1:]))
    access.check_s3_request(ctx.store, req.user, req.method, first, key, req.query)
    return s3_api.handle(ctx, req, first, key)


_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD"})
_SERVER = "storewire-ds3"
IDLE_TIMEOUT_S = 300.0  # idle keep-alive connections end after 5 minutes


class _Exchange:
    """One request on a connection, from its head to the last byte of its answer."""

    def __init__(self, server: DS3HTTPServer, conn: httpcore.Connection,
                 head: RequestHead) -> None:
        self.server = server
        self.conn = conn
        self.head = head
        self.close_connection = not head.keep_alive

    def _request(self) -> Request:
        ctx = self.server.ctx
        head = self.head
        target = head.target
        if "://" in target.split("?", 1)[0]:  # absolute form from a forwarding proxy
            after = target.split("://", 1)[1]
            target = after[after.find("/"):] if "/" in after else "/"
        raw_path, _, raw_query = target.partition("?")
        if head.framing_error:
            # Where this body ends is unknown: answer 400 and close (RFC 9112 §6.3).
            self.close_connection = True
        body = _Body(self.conn.rfile, head.length, chunked=head.chunked,
                     expect=head.expect_continue, send_continue=self.conn.sock.sendall)
        address = self.server.server_address
        host_header = head.headers.get("host") or address[0]
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return Request(
            method=head.method, raw_path=raw_path, query=Query(raw_query),
            headers=head.fields, body=body, host=host.strip("[]"),
            port=address[1], request_id=ctx.next_request_id(),
        )

    def _check_request_line(self, req: Request) -> None:
        """What must hold before a request is even authenticated."""
        if self.head.framing_error:
            raise DS3Error(400, "InvalidRequest", self.head.framing_error)
        if req.method not in _METHODS:
            raise DS3Error(501, "NotImplemented", f"method {req.method[:20]!r} is not supported")
        # A request target is visible ASCII (RFC 3986); raw bytes arrive here as Latin-1
        # characters and would name some other key than the client meant.
        if any(not "\x21" <= c <= "\x7e" for c in self.head.target):
            raise DS3Error(400, "InvalidURI", "the request target has a character that must "
                           "be percent-encoded")

    def run(self) -> None:
        ctx = self.server.ctx
        req = self._request()
        raw_body = req.body  # SigV4 may wrap req.body; what is left of this one is drained
        assert isinstance(raw_body, _Body)
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
            request_auth.authenticate(ctx, req)
            resp = route(ctx, req)
        except DS3Error as exc:
            resp = _error(exc, req)
        except Exception:
            log.exception("DS3 emulator: %s %s failed", req.method, req.raw_path)
            resp = _error(DS3Error(500, "InternalError", "internal error"), req)
        self._send(resp, req, raw_body, drop=bool(decision and decision.drop))
        if self.close_connection:
            self.conn.keep_open = False

    def _send(self, resp: Response, req: Request, body: httpcore.Body, drop: bool) -> None:
        try:
            if not body.drain(_DRAIN_LIMIT):
                self.close_connection = True
            if resp.file is not None:
                length = resp.file.length
            elif req.method == "HEAD":
                length = resp.head_length if resp.head_length is not None else 0
            else:
                length = len(resp.body)
            headers = [("Date", httpcore.http_date()), ("Server", _SERVER),
                       ("x-amz-request-id", req.request_id), *resp.headers]
            head = httpcore.render_head(resp.status, headers, length=length,
                                        keep_alive=not self.close_connection)
            payload = b"" if req.method == "HEAD" else resp.body
            if drop:
                self._drop(head, resp, payload, req.method == "HEAD")
                return
            if resp.file is not None and req.method != "HEAD":
                httpcore.send_file(self.conn.sock, head, resp.file.file, resp.file.ranges)
            else:
                self.conn.sock.sendall(head + payload)
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
        sock = self.conn.sock
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


def _error(exc: DS3Error, req: Request) -> Response:
    headers = list(exc.headers)
    if req.method == "HEAD" or not exc.body:
        return Response(exc.status, headers=headers)
    headers.append(("Content-Type", error_content_type(req.raw_path)))
    return Response(exc.status, error_body(exc, req, req.raw_path), headers)


def error_content_type(raw_path: str) -> str:
    """S3 answers errors as ``application/xml`` (minio-py drops the error code of any
    other type); the DS3 ``/_rest_/`` API keeps the ``text/xml`` it has always sent."""
    if raw_path.lower().startswith(f"/{_REST}/") or raw_path.lower() == f"/{_REST}":
        return "text/xml;charset=UTF-8"
    return "application/xml"


def _bad_request(conn: httpcore.Connection, exc: BadRequest) -> None:
    """A head that is not HTTP: a 400 error document, then close."""
    error = DS3Error(400, "InvalidRequest", f"malformed HTTP request: {exc}")
    body = error_body(error, None, "/")
    headers = [("Date", httpcore.http_date()), ("Server", _SERVER),
               ("Content-Type", "application/xml")]
    conn.sock.sendall(httpcore.render_head(400, headers, length=len(body), keep_alive=False)
                      + body)


class DS3HTTPServer:
    """Serves one emulator :class:`Context` on ``address`` until :meth:`stop`."""

    def __init__(self, address: tuple[str, int], ctx: Context) -> None:
        self.ctx = ctx
        self._core = httpcore.ThreadedServer(address, self._serve, name="ds3-emulator",
                                             idle_timeout_s=IDLE_TIMEOUT_S)

    @property
    def server_address(self) -> tuple[str, int]:
        return self._core.address

    def start(self) -> None:
        self._core.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stops accepting, ends keep-alive connections and joins their threads."""
        self._core.stop(timeout_s)

    def _serve(self, conn: httpcore.Connection) -> None:
        while conn.keep_open:
            try:
                head = conn.next_request()
            except BadRequest as exc:
                _bad_request(conn, exc)
                return
            if head is None:
                return
            _Exchange(self, conn, head).run()
