"""A real, threaded HTTP/1.1 server on loopback for tests, the demo self-check and benchmarks.

One thread per connection, keep-alive, bodies streamed in 1 MiB blocks both ways (memory
stays flat for multi-GiB transfers), optional TLS. Endpoints:

- ``GET|HEAD /bytes/<n>?seed=<s>[&chunked=1]``: ``n`` deterministic pseudo-random bytes
  (:mod:`storewire.testing.payload`), with Content-Length or chunked.
- ``PUT /files/<name>``: body (Content-Length or chunked) to ``root/<name>``; 201 with JSON
  ``{"size", "sha256"}``. ``GET|HEAD /files/<name>`` (single ``Range: bytes=a-b``, ``a-``,
  ``-n``), ``DELETE /files/<name>`` (204). Names never leave ``root``.
- ``ANY /echo``: JSON ``{method, path, query, raw_query, headers, body_length, body_sha256}``;
  ``headers`` is a list of ``[name, value]`` pairs in arrival order.
- ``GET /delay/<seconds>``: replies after the sleep (cut short when the server stops).
- ``ANY /status/<code>[?retry_after=N]``: that status, with ``Retry-After`` when asked.
- ``ANY /flaky/<key>?fail=N&status=503[&retry_after=S]``: the first ``N`` calls for ``key``
  get ``status``, later calls 200; replies carry ``{key, calls, body_length, body_sha256}``.
  :meth:`LocalHTTPServer.flaky_calls` reads the counter.
- ``GET /response-headers?Name=value&Name=value2``: those headers (repeats allowed) in the
  response, for multi-valued header tests.

Statistics (``requests_seen``, ``max_concurrent``, ``connections_accepted``) let tests
prove concurrency and keep-alive reuse from the server's side.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

from .. import httpcore
from ..httpcore import BadRequest, BodyTruncated, RequestHead
from ..httpcore.body import CONTINUE
from .payload import BLOCK_SIZE, iter_pattern

__all__ = ["LocalHTTPServer"]

_MAX_DELAY_S = 120.0
_NO_BODY_STATUSES = frozenset({204, 304})


class _HttpError(Exception):
    """Raised by a route to answer with an error status before any reply was sent."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _ClientGone(ConnectionError):
    """The peer closed the connection before the whole request body arrived."""


class _Stats:
    """Counters shared by the connection threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests_seen = 0
        self.in_flight = 0
        self.max_concurrent = 0
        self.connections_accepted = 0
        self.flaky: dict[str, int] = {}


_SERVER = "storewire-testing/1"
# Idle keep-alive connections end on their own instead of pinning a thread forever.
_IDLE_TIMEOUT_S = 60.0


class _Headers:
    """The request's header fields, in arrival order, looked up without regard to case."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower()
        for field_name, value in self._fields:
            if field_name.lower() == key:
                return value
        return default

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


def _serve_connection(owner: LocalHTTPServer, conn: httpcore.Connection) -> None:
    while conn.keep_open:
        try:
            head = conn.next_request()
        except BadRequest as exc:
            data = json.dumps({"error": f"malformed request: {exc}"}).encode()
            headers = [("Server", _SERVER), ("Content-Type", "application/json")]
            conn.sock.sendall(httpcore.render_head(400, headers, length=len(data),
                                                   keep_alive=False) + data)
            return
        if head is None:
            return
        if head.expect_continue:
            conn.sock.sendall(CONTINUE)  # at once, as http.server does: routes read later
        _Exchange(owner, conn, head).dispatch()


class _Exchange:
    """One request and its answer."""

    def __init__(self, owner: LocalHTTPServer, conn: httpcore.Connection,
                 head: RequestHead) -> None:
        self.owner = owner
        self.conn = conn
        self.connection = conn.sock
        self.head = head
        self.command = head.method
        self.path = head.target
        self.headers = _Headers(head.fields)
        self.body = httpcore.Body(conn.rfile, head.length, chunked=head.chunked)
        self.close_connection = not head.keep_alive

    # -- request plumbing ------------------------------------------------------------

    def dispatch(self) -> None:
        stats = self.owner._stats
        with stats.lock:
            stats.requests_seen += 1
            stats.in_flight += 1
            stats.max_concurrent = max(stats.max_concurrent, stats.in_flight)
        self._replied = False
        self._body_consumed = False
        try:
            self._route()
        except _HttpError as err:
            if self._replied:
                raise
            self._drain_small_body()
            self._send_json(err.status, {"error": err.message})
        except _ClientGone:
            self.close_connection = True
        finally:
            with stats.lock:
                stats.in_flight -= 1
            if not self._body_consumed:
                # Unread body bytes would be parsed as the next request.
                self.close_connection = True
            if self.close_connection:
                self.conn.keep_open = False

    def _body_chunks(self) -> Iterator[memoryview]:
        """Yield the request body in blocks of at most 1 MiB; each view is only valid
        until the next one is requested."""
        self._body_consumed = True
        if self.head.framing_error:
            self._body_consumed = False
            raise _HttpError(400, "bad Content-Length")
        body = self.body
        if body.done:
            return
        # Sized to the body: most requests are small, and each has its own buffer.
        size = BLOCK_SIZE if body.chunked else min(body.remaining, BLOCK_SIZE)
        view = memoryview(bytearray(size))
        while True:
            try:
                n = body.readinto(view)
            except (BodyTruncated, BadRequest) as exc:
                raise _ClientGone(str(exc)) from exc
            if not n:
                return
            yield view[:n]

    def _drain_body(self) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        for chunk in self._body_chunks():
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def _drain_small_body(self) -> None:
        # Only for error replies: a big body we refuse is cut off by closing instead.
        if self._body_consumed:
            return
        length = self.headers.get("Content-Length") or ""
        if length.isdigit() and int(length) <= BLOCK_SIZE:
            try:
                self._drain_body()
            except (_HttpError, _ClientGone, OSError):
                self._body_consumed = False

    def _send_head(
        self, status: int, headers: list[tuple[str, str]], payload: bytes = b""
    ) -> None:
        """The head (the caller frames the body), and ``payload`` in the same segment."""
        self._replied = True
        lines = [("Server", _SERVER), ("Date", httpcore.http_date()), *headers]
        head = httpcore.render_head(status, lines, length=None,
                                    keep_alive=not self.close_connection)
        self.connection.sendall(head + payload)

    def _send_json(
        self, status: int, obj: object, headers: list[tuple[str, str]] | None = None
    ) -> None:
        extra = list(headers or [])
        if status in _NO_BODY_STATUSES:
            self._send_head(status, extra)
            return
        data = json.dumps(obj).encode()
        head = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        self._send_head(status, head + extra, data if self.command != "HEAD" else b"")

    # -- routes ------------------------------------------------------------------------

    def _route(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        method = self.command
        if path == "/echo" or path.startswith("/echo/"):
            self._echo(path, url.query, query)
        elif path.startswith("/bytes/"):
            self._require(method, ("GET", "HEAD"))
            self._drain_body()
            self._bytes(path[len("/bytes/") :], query)
        elif path.startswith("/files/"):
            self._files(path[len("/files/") :])
        elif path.startswith("/delay/"):
            self._drain_body()
            self._delay(path[len("/delay/") :], query)
        elif path.startswith("/status/"):
            self._drain_body()
            self._status(path[len("/status/") :], query)
        elif path.startswith("/flaky/"):
            self._flaky(unquote(path[len("/flaky/") :]), query)
        elif path == "/response-headers":
            self._drain_body()
            pairs = parse_qsl(url.query, keep_blank_values=True)
            self._send_json(200, [list(p) for p in pairs], pairs)
        else:
            raise _HttpError(404, f"no route for {path}")

    @staticmethod
    def _require(method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            raise _HttpError(405, f"{method} not allowed here")

    @staticmethod
    def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
        try:
            return int(query.get(name, [str(default)])[-1])
        except ValueError:
            raise _HttpError(400, f"{name} must be an integer") from None

    def _echo(self, path: str, raw_query: str, query: dict[str, list[str]]) -> None:
        size, sha = self._drain_body()
        reply = {
            "method": self.command,
            "path": path,
            "query": query,
            "raw_query": raw_query,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_length": size,
            "body_sha256": sha,
        }
        self._send_json(200, reply)

    def _bytes(self, raw_size: str, query: dict[str, list[str]]) -> None:
        if not raw_size.isdigit():
            raise _HttpError(400, "size must be a non-negative integer")
        size = int(raw_size)
        seed = self._int_param(query, "seed", 0)
        chunked = query.get("chunked", ["0"])[-1] in ("1", "true", "yes")
        length_header = (
            ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(size))
        )
        self._send_head(200, [("Content-Type", "application/octet-stream"), length_header])
        if self.command == "HEAD":
            return
        for piece in iter_pattern(size, seed):
            if chunked:
                self.connection.sendall(b"%x\r\n" % len(piece))
                self.connection.sendall(piece)
                self.connection.sendall(b"\r\n")
            else:
                self.connection.sendall(piece)
        if chunked:
            self.connection.sendall(b"0\r\n\r\n")

    def _delay(self, raw_seconds: str, query: dict[str, list[str]]) -> None:
        try:
            seconds = float(raw_seconds)
        except ValueError:
            raise _HttpError(400, "delay must be a number of seconds") from None
        if not 0 <= seconds <= _MAX_DELAY_S:
            raise _HttpError(400, f"delay must be within 0..{_MAX_DELAY_S:g} s")
        self.owner._stopping.wait(seconds)
        self._send_json(200, {"delay": seconds, "query": query})

    def _status(self, raw_code: str, query: dict[str, list[str]]) -> None:
        code = int(raw_code) if raw_code.isdigit() else 0
        if not 200 <= code <= 599:
            raise _HttpError(400, "status must be within 200..599")
        headers = []
        if "retry_after" in query:
            headers.append(("Retry-After", query["retry_after"][-1]))
        self._send_json(code, {"status": code}, headers)

    def _flaky(self, key: str, query: dict[str, list[str]]) -> None:
        # The body's length and hash in every reply show what each attempt carried.
        size, sha = self._drain_body()
        fail = self._int_param(query, "fail", 1)
        status = self._int_param(query, "status", 503)
        if not 200 <= status <= 599:
            raise _HttpError(400, "status must be within 200..599")
        stats = self.owner._stats
        with stats.lock:
            calls = stats.flaky.get(key, 0) + 1
            stats.flaky[key] = calls
        reply = {"key": key, "calls": calls, "body_length": size, "body_sha256": sha}
        if calls > fail:
            self._send_json(200, reply)
            return
        headers = []
        if "retry_after" in query:
            headers.append(("Retry-After", query["retry_after"][-1]))
        self._send_json(status, {**reply, "failing": True}, headers)

    # -- files ---------------------------------------------------------------------------

    def _files(self, raw_name: str) -> None:
        target = self.owner._resolve(unquote(raw_name))
        method = self.command
        if method == "PUT":
            self._put_file(target)
            return
        self._require(method, ("GET", "HEAD", "DELETE"))
        self._drain_body()
        if method == "DELETE":
            try:
                target.unlink()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise _HttpError(404, "no such file") from None
            self._send_json(204, None)
            return
        self._get_file(target)

    def _put_file(self, target: Path) -> None:
        if target.is_dir():
            raise _HttpError(409, "a directory has that name")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise _HttpError(409, "a parent of that name is a file") from None
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        digest = hashlib.sha256()
        size = 0
        try:
            # Write beside the target and rename: readers never see a partial file.
            with open(fd, "wb") as out:
                for chunk in self._body_chunks():
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._send_json(201, {"size": size, "sha256": digest.hexdigest()})

    def _get_file(self, target: Path) -> None:
        try:
            handle = open(target, "rb")  # closed below, after streaming
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise _HttpError(404, "no such file") from None
        with handle:
            size = os.fstat(handle.fileno()).st_size
            span = _parse_range(self.headers.get("Range"), size)
            headers = [("Content-Type", "application/octet-stream"), ("Accept-Ranges", "bytes")]
            if isinstance(span, str):  # "unsatisfiable"
                unsatisfied = [("Content-Range", f"bytes */{size}")]
                self._send_json(416, {"error": "range not satisfiable"}, unsatisfied)
                return
            if span is None:
                start, count, status = 0, size, 200
            else:
                start, end = span
                count, status = end - start + 1, 206
                headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
            headers.append(("Content-Length", str(count)))
            self._send_head(status, headers)
            if self.command != "HEAD" and count:
                self.connection.sendfile(handle, start, count)


def _parse_range(value: str | None, size: int) -> tuple[int, int] | str | None:
    """One ``bytes=`` range as inclusive ``(start, end)``; None to serve the whole file
    (no header, several ranges or bad syntax, which RFC 9110 lets a server ignore);
    "unsatisfiable" for a range wholly past the end."""
    if not value or not value.startswith("bytes=") or "," in value:
        return None
    first, sep, last = value[len("bytes=") :].strip().partition("-")
    if not sep or not (first.isdigit() or last.isdigit()):
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end


class LocalHTTPServer:
    """The server as a context manager: ``with LocalHTTPServer(tmp) as srv: srv.url``.

    ``root`` holds ``/files/``; without one a temporary directory is created and removed
    on stop. ``tls_cert``/``tls_key`` (PEM paths) serve HTTPS instead of HTTP.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        tls_cert: str | None = None,
        tls_key: str | None = None,
    ) -> None:
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        self._root_arg = root
        self._tls_cert = tls_cert
        self._tls_key = tls_key
        self._root: Path | None = None
        self._root_real = ""
        self._own_root = False
        self._server: httpcore.ThreadedServer | None = None
        self._stopping = threading.Event()
        self._stats = _Stats()

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> LocalHTTPServer:
        if self._server is not None:
            return self
        if self._root_arg is None:
            self._root = Path(tempfile.mkdtemp(prefix="storewire-http-"))
            self._own_root = True
        else:
            self._root = Path(self._root_arg)
            self._root.mkdir(parents=True, exist_ok=True)
        self._root_real = os.path.realpath(self._root)
        context = None
        if self._tls_cert is not None and self._tls_key is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._tls_cert, self._tls_key)
        self._stopping.clear()
        self._server = httpcore.ThreadedServer(
            ("127.0.0.1", 0), lambda conn: _serve_connection(self, conn),
            name="storewire-http", idle_timeout_s=_IDLE_TIMEOUT_S, ssl_context=context,
            on_accept=self._accepted,
        ).start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes /delay sleepers
        server.stop()  # ends keep-alive connections, joins their threads
        if self._own_root and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server is not running")
        return self._server.address[1]

    @property
    def scheme(self) -> str:
        return "https" if self._tls_cert else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_for(self, path: str) -> str:
        """``url`` + ``path`` (which starts with ``/``)."""
        return self.url + path

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("server is not running")
        return self._root

    # -- statistics ----------------------------------------------------------------------

    @property
    def requests_seen(self) -> int:
        return self._stats.requests_seen

    @property
    def max_concurrent(self) -> int:
        """Highest number of requests handled at the same moment."""
        return self._stats.max_concurrent

    @property
    def in_flight(self) -> int:
        return self._stats.in_flight

    @property
    def connections_accepted(self) -> int:
        return self._stats.connections_accepted

    def flaky_calls(self, key: str) -> int:
        """How many requests ``/flaky/<key>`` has seen."""
        with self._stats.lock:
            return self._stats.flaky.get(key, 0)

    def reset_stats(self) -> None:
        """Zero the counters (e.g. after a warm-up request)."""
        with self._stats.lock:
            stats = self._stats
            stats.requests_seen = 0
            stats.max_concurrent = stats.in_flight
            stats.connections_accepted = 0
            stats.flaky.clear()

    # -- internals used by the handler -----------------------------------------------------

    def _resolve(self, name: str) -> Path:
        """``root/name``, refusing anything that could escape root."""
        parts = name.split("/")
        if (
            not name
            or "\x00" in name
            or "\\" in name
            or any(part in ("", ".", "..") for part in parts)
        ):
            raise _HttpError(400, "invalid file name")
        target = Path(self._root_real, *parts)
        # Symlinks inside root must not lead outside it either.
        real = os.path.realpath(target)
        if os.path.commonpath([real, self._root_real]) != self._root_real:
            raise _HttpError(403, "file name escapes the root")
        return target

    def _accepted(self) -> None:
        with self._stats.lock:
            self._stats.connections_accepted += 1
