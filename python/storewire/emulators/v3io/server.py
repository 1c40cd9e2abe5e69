"""The threaded HTTP/1.1 server: one thread per connection, keep-alive, a deep backlog.

The stdlib default backlog of 5 drops SYNs when a benchmark opens dozens of connections at
once, so the listen queue is 1024. Every live connection is tracked so that ``stop()`` can
shut them down and join their threads (no thread or socket outlives the emulator).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading

from . import routing
from .errors import V3ioError
from .faults import DROP, FaultInjector
from .httpio import (
    BadRequest,
    Response,
    error_response,
    read_request,
    write_response,
)
from .store import Store

log = logging.getLogger("storewire.emulators.v3io")

IDLE_TIMEOUT_S = 300.0
# Unread body left after an error: drained (so the client reads our answer instead of a
# broken pipe) up to this size, else the connection is closed.
MAX_DRAIN_BYTES = 64 * 1024 * 1024


class _Server(socketserver.ThreadingTCPServer):
    request_queue_size = 1024
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False  # threads are joined by V3IOServer.stop with a timeout

    def __init__(self, address: tuple[str, int], owner: V3IOServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class V3IOServer:
    """Serves requests for one :class:`Store`; ``access_key`` guards every request."""

    def __init__(
        self, host: str, port: int, store: Store, access_key: str, faults: FaultInjector
    ) -> None:
        self.store = store
        self.access_key = access_key
        self.faults = faults
        self.stopping = threading.Event()
        self.requests_served = 0
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="v3io-emulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout_s)
        self._server.server_close()
        with self._lock:
            live = list(self._connections.items())
        for sock, _ in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in recv
            except OSError:
                pass
        for _, thread in live:
            thread.join(timeout_s)

    def track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections[sock] = threading.current_thread()
            else:
                self._connections.pop(sock, None)

    def count(self) -> None:
        with self._lock:
            self.requests_served += 1


class _Handler(socketserver.StreamRequestHandler):
    rbufsize = 64 * 1024
    wbufsize = 0
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        sock: socket.socket = self.connection
        owner.track(sock, True)
        try:
            while not owner.stopping.is_set():
                if not self._serve_one(owner, sock):
                    break
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client went away or idled out: nothing left to answer
        finally:
            owner.track(sock, False)

    def _serve_one(self, owner: V3IOServer, sock: socket.socket) -> bool:
        """Serve one request; False when the connection must close."""
        try:
            request = read_request(self.rfile, sock)
        except BadRequest as exc:
            error = V3ioError(400, -22, f"malformed HTTP request: {exc}")
            write_response(sock, error_response(error), head_only=False, keep_alive=False)
            return False
        except V3ioError as exc:
            write_response(sock, error_response(exc), head_only=False, keep_alive=False)
            return False
        if request is None:
            return False
        owner.count()
        keep_alive = request.keep_alive
        response: Response
        try:
            if owner.faults.apply(routing.function_name(request), owner.stopping) == DROP:
                request.body.drain(MAX_DRAIN_BYTES)
                return False
            response = routing.dispatch(owner.store, owner.access_key, request)
        except V3ioError as exc:
            response = error_response(exc)
        except BadRequest as exc:  # a malformed chunked body
            error = V3ioError(400, -22, f"malformed HTTP request: {exc}")
            write_response(sock, error_response(error), head_only=False, keep_alive=False)
            return False
        except (ConnectionError, TimeoutError):
            return False  # the client vanished mid-body: nobody to answer
        except Exception as exc:  # a bug must cost one request, not the server
            log.exception("internal error on %s %s", request.method, request.target)
            response = error_response(V3ioError(500, -5, f"internal error: {exc!r}"))
        try:
            if not request.body.drain(MAX_DRAIN_BYTES):
                keep_alive = False
            write_response(
                sock, response, head_only=request.method == "HEAD", keep_alive=keep_alive
            )
        finally:
            if response.file is not None:
                response.file.close()
        return keep_alive
