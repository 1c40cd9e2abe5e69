"""A threaded loopback server: one thread per connection, clean shutdown.

The listen backlog is 1024 deep (the stdlib default of 5 drops SYNs when 64 clients
connect at once). Accepting waits on a selector with a wake-up socket, so ``stop()`` is
immediate; it then shuts every connection down (waking threads blocked in ``recv``) and
joins every thread: no thread or socket outlives the server.
"""

from __future__ import annotations

import io
import logging
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from .body import Body
from .head import RequestHead, read_head

log = logging.getLogger("storewire.httpcore")

BACKLOG = 1024
READ_BUFFER = 64 * 1024
TLS_HANDSHAKE_TIMEOUT_S = 10.0
# After our last answer, what the client still sends is read and dropped for a moment
# (a "lingering close"): closing with unread bytes makes the kernel send a reset, which
# can destroy the answer (a 400, a 413) before the client has read it.
LINGER_S = 0.5
LINGER_BYTES = 1 << 20


class Connection:
    """One accepted connection, as the server's handler sees it."""

    def __init__(self, sock: socket.socket, peer: Any, server: ThreadedServer) -> None:
        self.sock = sock
        self.peer = peer
        self.server = server
        # makefile("rb", n) is a BufferedReader; typeshed only promises IOBase
        self.rfile = cast(io.BufferedReader, sock.makefile("rb", READ_BUFFER))
        self.keep_open = True  # False: close after the current answer

    def next_request(self) -> RequestHead | None:
        """The next request head; None when the client is done or the server stops.
        Raises :class:`~storewire.httpcore.head.BadRequest`."""
        if self.server.stopping.is_set():
            return None
        return read_head(self.rfile)

    def body(self, head: RequestHead) -> Body:
        return Body(self.rfile, head.length, chunked=head.chunked,
                    expect=head.expect_continue, send_continue=self.sock.sendall)


Handler = Callable[[Connection], None]


def listen(address: tuple[str, int]) -> socket.socket:
    """A non-blocking listening socket on ``address`` (IPv6 when the host has a colon)."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(BACKLOG)
        listener.setblocking(False)
    except BaseException:
        listener.close()
        raise
    return listener


class ConnectionThreads:
    """The live connections and the threads serving them, so that a server's stop can
    wake every thread (shutting its socket down) and join it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[socket.socket, threading.Thread] = {}

    def add(self, sock: socket.socket, thread: threading.Thread) -> None:
        with self._lock:
            self._live[sock] = thread

    def replace(self, old: socket.socket, new: socket.socket) -> None:
        """``new`` wraps ``old`` (TLS): shutting ``old`` down no longer reaches the peer."""
        with self._lock:
            thread = self._live.pop(old, None)
            if thread is not None:
                self._live[new] = thread

    def discard(self, *socks: socket.socket) -> None:
        with self._lock:
            for sock in socks:
                self._live.pop(sock, None)

    def end_all(self, timeout_s: float) -> None:
        with self._lock:
            live = list(self._live.items())
        for sock, _ in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv
            except OSError:
                pass
        # One deadline for all: stopping is bounded by timeout_s, however many are live.
        deadline = time.monotonic() + timeout_s
        for _, thread in live:
            thread.join(max(0.0, deadline - time.monotonic()))


class ThreadedServer:
    """Calls ``handler(connection)`` in a thread of its own for each connection; the
    connection is closed when the handler returns. ``ssl_context`` serves TLS (the
    handshake runs in the connection's thread, never blocking the accept loop)."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: Handler,
        *,
        name: str = "storewire-http",
        idle_timeout_s: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        on_accept: Callable[[], None] | None = None,
    ) -> None:
        self.handler = handler
        self.name = name
        self.idle_timeout_s = idle_timeout_s
        self.ssl_context = ssl_context
        self.on_accept = on_accept
        self.stopping = threading.Event()
        self._live = ConnectionThreads()
        self._listener = listen(address)
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> ThreadedServer:
        self._thread = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self.stopping.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout_s)
        else:
            self._close_listener()
        self._live.end_all(timeout_s)
        self._wake_w.close()

    def _close_listener(self) -> None:
        self._listener.close()
        self._wake_r.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            try:
                while not self.stopping.is_set():
                    selector.select()
                    self._accept_ready()
            finally:
                self._close_listener()

    def _accept_ready(self) -> None:
        for _ in range(256):
            if self.stopping.is_set():
                return
            try:
                sock, peer = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. EMFILE, or a connection reset before accept
                time.sleep(0.01)  # the listener stays readable: do not spin on it
                return
            sock.setblocking(True)
            thread = threading.Thread(target=self._serve, args=(sock, peer),
                                      name=f"{self.name}-{peer[1]}", daemon=True)
            self._live.add(sock, thread)
            if self.on_accept is not None:
                self.on_accept()
            thread.start()

    def _serve(self, sock: socket.socket, peer: Any) -> None:
        conn = sock
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                sock.settimeout(TLS_HANDSHAKE_TIMEOUT_S)
                conn = self.ssl_context.wrap_socket(sock, server_side=True)
                self._live.replace(sock, conn)
            conn.settimeout(self.idle_timeout_s)
            if self.stopping.is_set():
                return
            self.handler(Connection(conn, peer, self))
        except (OSError, ValueError):
            pass  # clients vanishing or failing TLS is normal on loopback servers
        except Exception:  # a handler's bug must cost one connection, not the server
            log.exception("%s: a connection failed", self.name)
        finally:
            try:
                conn.shutdown(socket.SHUT_WR)  # as socketserver does on a finished connection
            except OSError:
                pass
            else:
                _linger(conn)  # still tracked: stop() wakes it and waits for it
            conn.close()
            sock.close()
            self._live.discard(sock, conn)


def _linger(conn: socket.socket) -> None:
    deadline = time.monotonic() + LINGER_S
    left = LINGER_BYTES
    try:
        while left > 0:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return
            conn.settimeout(wait)
            data = conn.recv(min(left, 65536))
            if not data:
                return
            left -= len(data)
    except (OSError, ValueError):
        pass
