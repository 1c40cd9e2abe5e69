"""The HTTP/1.1 server: one event-loop thread for the usual small requests, a thread per
connection for the rest.

The event loop (``selectors``, non-blocking sockets) reads whole requests, runs them, and
answers with one ``send`` per batch of pipelined requests: no thread switch and no GIL
hand-over per request, which is what bounded the thread-per-connection design. A
connection whose request needs blocking I/O is handed over to a thread of its own for the
rest of its life, which serves it with the original blocking code (same bytes on the
wire): chunked or ``Expect: 100-continue`` bodies, bodies over ``INLINE_BODY_MAX``,
active fault injection (delays, drops), requests the loop cannot parse (the thread answers
the 400), and file answers over ``SMALL_FILE`` (sent with ``sendfile``).

The listen queue is 1024 deep (the stdlib default of 5 drops SYNs when a benchmark opens
dozens of connections at once). Every connection is tracked so that ``stop()`` can shut
them down and join their threads (no thread or socket outlives the emulator).
"""

from __future__ import annotations

import io
import logging
import os
import selectors
import socket
import threading
from typing import BinaryIO

from ...httpcore.server import ConnectionThreads, listen
from . import routing
from .errors import V3ioError
from .faults import DROP, FaultInjector
from .httpio import (
    SMALL_FILE,
    BadRequest,
    Request,
    Response,
    error_response,
    parse_head,
    read_request,
    render_head,
    with_body,
    write_response,
)
from .store import Store

log = logging.getLogger("storewire.emulators.v3io")

IDLE_TIMEOUT_S = 300.0
# Unread body left after an error: drained (so the client reads our answer instead of a
# broken pipe) up to this size, else the connection is closed.
MAX_DRAIN_BYTES = 64 * 1024 * 1024
# Bodies up to this size are buffered and served by the event loop.
INLINE_BODY_MAX = 1024 * 1024
# A request head that has not ended within this many bytes goes to a thread (which
# answers 400 for an oversized line or too many headers).
MAX_INLINE_HEAD = 64 * 1024
RECV_SIZE = 256 * 1024
# stop reading a connection while this much of its output waits for the client
MAX_PENDING_OUTPUT = 4 * 1024 * 1024


class _Connection:
    __slots__ = ("close_after", "inbuf", "outbuf", "sock", "writing")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.close_after = False  # close once outbuf is sent
        self.writing = False  # registered for EVENT_WRITE


class _PrefixedReader(io.RawIOBase):
    """A blocking socket reader that first returns bytes the event loop already read."""

    def __init__(self, prefix: bytes, sock: socket.socket) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        return self._sock.recv_into(buffer)


class V3IOServer:
    """Serves requests for one :class:`Store`; ``access_key`` guards every request."""

    def __init__(
        self, host: str, port: int, store: Store, access_key: str, faults: FaultInjector
    ) -> None:
        self.store = store
        self.access_key = access_key
        self.faults = faults
        self.stopping = threading.Event()
        self._served_by_threads = 0
        self._served_by_loop = 0  # only the loop thread writes it
        self._lock = threading.Lock()
        self._connections = ConnectionThreads()
        self._listener = listen((host, port))
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._loop_conns: dict[socket.socket, _Connection] = {}
        self._recv_buffer = bytearray(RECV_SIZE)
        self._recv_view = memoryview(self._recv_buffer)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._selector.register(self._wake_r, selectors.EVENT_READ, self._wake_r)
        self._thread = threading.Thread(target=self._run, name="v3io-emulator", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass
            self._thread.join(timeout_s)
        else:
            self._close_loop()
        self._connections.end_all(timeout_s)

    def track(self, sock: socket.socket, add: bool) -> None:
        if add:
            self._connections.add(sock, threading.current_thread())
        else:
            self._connections.discard(sock)

    @property
    def requests_served(self) -> int:
        return self._served_by_threads + self._served_by_loop

    def count(self) -> None:
        with self._lock:
            self._served_by_threads += 1

    # the event loop

    def _run(self) -> None:
        select = self._selector.select
        try:
            while not self.stopping.is_set():
                for key, mask in select():
                    conn = key.data
                    if conn is None:
                        self._accept()
                    elif conn is self._wake_r:
                        try:
                            self._wake_r.recv(64)
                        except OSError:
                            pass
                    elif conn.sock in self._loop_conns:
                        try:
                            if mask & selectors.EVENT_WRITE:
                                self._flush(conn)
                            if mask & selectors.EVENT_READ and conn.sock in self._loop_conns:
                                self._on_readable(conn)
                        except OSError:
                            self._close(conn)
                        except Exception:  # a bug must cost one connection, not the server
                            log.exception("v3io event loop: error on a connection")
                            self._close(conn)
        except Exception:  # pragma: no cover - a bug: log it rather than die silently
            log.exception("v3io event loop failed")
        finally:
            self._close_loop()

    def _close_loop(self) -> None:
        for conn in list(self._loop_conns.values()):
            self._close(conn)
        for sock in (self._listener, self._wake_r, self._wake_w):
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        self._selector.close()

    def _accept(self) -> None:
        for _ in range(256):
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. EMFILE, or a connection reset before accept
                return
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            conn = _Connection(sock)
            self._loop_conns[sock] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _close(self, conn: _Connection) -> None:
        sock = conn.sock
        if self._loop_conns.pop(sock, None) is None:
            return
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        try:
            sock.shutdown(socket.SHUT_WR)  # as socketserver does on a finished connection
        except OSError:
            pass
        sock.close()

    def _on_readable(self, conn: _Connection) -> None:
        try:
            # into a reused buffer: recv(n) would allocate (and for a large n, mmap) n bytes
            count = conn.sock.recv_into(self._recv_buffer)
        except (BlockingIOError, InterruptedError):
            return
        if not count:
            if conn.inbuf.strip(b"\r\n"):
                # a partial request then EOF: the thread path answers what it would
                self._hand_over(conn)
            else:
                self._close(conn)
            return
        conn.inbuf += self._recv_view[:count]
        self._process(conn)

    def _process(self, conn: _Connection) -> None:
        """Serve every complete request buffered on ``conn``; then send the answers."""
        buf = conn.inbuf
        while not conn.close_after and len(conn.outbuf) < MAX_PENDING_OUTPUT:
            start = 0
            size = len(buf)
            while start < size and buf[start] in (13, 10):  # stray CRLFs between requests
                start += 1
            if start:
                del buf[:start]
                size -= start
            if not size:
                break
            # the head ends at the first empty line ("\r\n" or a bare "\n")
            end = buf.find(b"\n\r\n")
            if end >= 0:
                end += 3
            lf = buf.find(b"\n\n", 0, end if end >= 0 else size)
            if lf >= 0:
                end = lf + 2
            if end < 0:
                if size > MAX_INLINE_HEAD:
                    self._hand_over(conn)
                    return
                break
            request = parse_head(bytes(buf[:end]))
            if request is None:
                self._hand_over(conn)  # the thread answers the malformed request
                return
            body = request.body
            length = body.length or 0
            if (
                body.chunked
                or body.expect
                or length > INLINE_BODY_MAX
                or self.faults.faults.active
            ):
                self._hand_over(conn)
                return
            need = end + length
            if size < need:
                break  # wait for the rest of the body
            with_body(request, bytes(buf[end:need]))
            del buf[:need]
            pending = self._serve_inline(conn, request)
            if pending is not None:
                self._hand_over(conn, pending)
                return
        self._flush(conn)

    def _serve_inline(
        self, conn: _Connection, request: Request
    ) -> tuple[Response, bool, bool] | None:
        """Run one fully buffered request and queue its answer; a large file answer is
        returned (response, head only, keep-alive) for a thread to send."""
        self._served_by_loop += 1
        keep_alive = request.keep_alive
        try:
            response = routing.dispatch(self.store, self.access_key, request)
        except V3ioError as exc:
            response = error_response(exc)
        except Exception as exc:  # a bug must cost one request, not the server
            log.exception("internal error on %s %s", request.method, request.target)
            response = error_response(V3ioError(500, -5, f"internal error: {exc!r}"))
        head_only = request.method == "HEAD"
        file: BinaryIO | None = response.file
        if file is not None and not head_only and response.length > SMALL_FILE:
            return response, head_only, keep_alive
        try:
            head, length = render_head(response, keep_alive=keep_alive)
            out = conn.outbuf
            out += head
            if not head_only and response.status not in (204, 304):
                if file is None:
                    out += response.body
                elif length:
                    out += os.pread(file.fileno(), length, response.offset)
        finally:
            if file is not None:
                file.close()
        if not keep_alive:
            conn.close_after = True
        return None

    def _flush(self, conn: _Connection) -> None:
        out = conn.outbuf
        if out:
            try:
                sent = conn.sock.send(out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            del out[:sent]
        if out:
            if not conn.writing:
                conn.writing = True
                self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)
            return
        if conn.close_after:
            self._close(conn)
            return
        if conn.writing:
            conn.writing = False
            self._selector.modify(conn.sock, selectors.EVENT_READ, conn)
            if conn.inbuf:
                self._process(conn)  # requests that arrived while we could not answer

    def _hand_over(
        self, conn: _Connection, pending: tuple[Response, bool, bool] | None = None
    ) -> None:
        """Move ``conn`` to a thread of its own, with what it has buffered both ways."""
        sock = conn.sock
        self._loop_conns.pop(sock, None)
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.setblocking(True)
        sock.settimeout(IDLE_TIMEOUT_S)
        thread = threading.Thread(
            target=self._serve_thread,
            args=(sock, bytes(conn.inbuf), bytes(conn.outbuf), pending),
            name="v3io-connection",
            daemon=True,
        )
        conn.inbuf.clear()  # the thread owns the connection (and its bytes) from now on
        conn.outbuf.clear()
        self._connections.add(sock, thread)
        thread.start()

    # the thread path

    def _serve_thread(
        self,
        sock: socket.socket,
        inbuf: bytes,
        outbuf: bytes,
        pending: tuple[Response, bool, bool] | None,
    ) -> None:
        rfile = io.BufferedReader(_PrefixedReader(inbuf, sock), 64 * 1024)
        try:
            keep = True
            if outbuf:
                sock.sendall(outbuf)
            if pending is not None:
                response, head_only, keep = pending
                try:
                    write_response(sock, response, head_only=head_only, keep_alive=keep)
                finally:
                    if response.file is not None:
                        response.file.close()
            while keep and not self.stopping.is_set():
                keep = self._serve_one(sock, rfile)
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client went away or idled out: nothing left to answer
        finally:
            self.track(sock, False)
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            sock.close()

    def _serve_one(self, sock: socket.socket, rfile: io.BufferedIOBase) -> bool:
        """Serve one request; False when the connection must close."""
        try:
            request = read_request(rfile, sock)
        except BadRequest as exc:
            error = V3ioError(400, -22, f"malformed HTTP request: {exc}")
            write_response(sock, error_response(error), head_only=False, keep_alive=False)
            return False
        except V3ioError as exc:
            write_response(sock, error_response(exc), head_only=False, keep_alive=False)
            return False
        if request is None:
            return False
        self.count()
        keep_alive = request.keep_alive
        response: Response
        try:
            if self.faults.apply(routing.function_name(request), self.stopping) == DROP:
                request.body.drain(MAX_DRAIN_BYTES)
                return False
            response = routing.dispatch(self.store, self.access_key, request)
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
