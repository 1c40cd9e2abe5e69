"""Scripted raw-socket servers that misbehave on purpose, and a small forward proxy.

Each server listens on 127.0.0.1:0, runs one script per accepted connection in a daemon
thread, and stops itself when its ``with`` block ends (all sockets closed, threads
joined). Scripts get the connection and the server, whose ``stopping`` event ends any
wait, so nothing outlives a test.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

_HEAD_LIMIT = 64 * 1024
_IO_TIMEOUT_S = 10.0

Script = Callable[[socket.socket, "ScriptedServer"], None]


class ScriptedServer:
    """Runs ``script(conn, server)`` for every connection accepted."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._accept_thread: threading.Thread | None = None
        self.connections = 0

    def start(self) -> ScriptedServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.settimeout(0.05)  # the accept loop re-checks `stopping` this often
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5.0)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout=5.0)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._listener is not None, "server not started"
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(_IO_TIMEOUT_S)
            with self._lock:
                self.connections += 1
                self._conns.add(conn)
                thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self._script(conn, self)
        except OSError:
            pass  # the client going away is part of most scenarios
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_head(conn: socket.socket) -> bytes:
    """Read up to the end of the request head (empty if the peer closed first)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < _HEAD_LIMIT:
        piece = conn.recv(4096)
        if not piece:
            return b""
        data += piece
    return data


def _reset(conn: socket.socket) -> None:
    # Linger on with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


# -- scripts ----------------------------------------------------------------------------


def reset_mid_body(conn: socket.socket, server: ScriptedServer) -> None:
    """Promise 1 MiB, send 64 KiB, then reset the connection."""
    if not read_head(conn):
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + b"r" * 65536)
    server.stopping.wait(0.05)  # let the client start reading the body
    _reset(conn)


def truncated(conn: socket.socket, server: ScriptedServer) -> None:
    """Promise 100000 bytes, send 1000, then close cleanly (FIN)."""
    if not read_head(conn):
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"t" * 1000)
    conn.shutdown(socket.SHUT_WR)


def stall(conn: socket.socket, server: ScriptedServer) -> None:
    """Read the request, never answer."""
    read_head(conn)
    server.stopping.wait()


def stall_after_headers(conn: socket.socket, server: ScriptedServer) -> None:
    """Answer the head and 10 of 1000 body bytes, then go silent."""
    if not read_head(conn):
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
    server.stopping.wait()


def garbage(conn: socket.socket, server: ScriptedServer) -> None:
    """Answer with bytes that are not HTTP at all."""
    if not read_head(conn):
        return
    conn.sendall(b"\x00\xff\xfeSSH-2.0-definitely-not-http\r\n\x07\x08" * 20)
    conn.shutdown(socket.SHUT_WR)


def bad_status_line(conn: socket.socket, server: ScriptedServer) -> None:
    """An HTTP-looking status line with a non-numeric status."""
    if not read_head(conn):
        return
    conn.sendall(b"HTTP/1.1 2x0 Fine\r\nContent-Length: 0\r\n\r\n")
    conn.shutdown(socket.SHUT_WR)


def one_response_per_connection(conn: socket.socket, server: ScriptedServer) -> None:
    """Answer one request (keep-alive implied), then close without warning, as a server
    whose idle timeout fired would."""
    head = read_head(conn)
    if not head:
        return
    head, _, body = head.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            remaining = int(value) - len(body)
            while remaining > 0:
                piece = conn.recv(min(remaining, 65536))
                if not piece:
                    return
                remaining -= len(piece)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    conn.shutdown(socket.SHUT_WR)


class FullBacklog:
    """A port that accepts no connection: a listener with a full accept queue that is
    never drained, so new SYNs are dropped and connecting times out."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._fillers: list[socket.socket] = []

    def __enter__(self) -> FullBacklog:
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        for _ in range(3):  # more than the queue holds
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self._fillers.append(filler)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sock in [*self._fillers, self._listener]:
            sock.close()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def latin1_header(conn: socket.socket, server: ScriptedServer) -> None:
    """A valid reply whose reason phrase and one header value carry a non-ASCII byte
    (obs-text, ISO-8859-1 by tradition)."""
    if not read_head(conn):
        return
    conn.sendall(
        b"HTTP/1.1 200 Caf\xe9 OK\r\nX-Latin: caf\xe9\r\nX-Plain: fine\r\n"
        b"Content-Length: 2\r\n\r\nok"
    )


# -- forward proxy ------------------------------------------------------------------------


class ForwardProxy(ScriptedServer):
    """An HTTP forward proxy: absolute-form requests are relayed one per connection
    (``Connection: close`` both ways keeps it simple) and CONNECT opens a tunnel.

    ``forwarded`` lists the absolute URLs relayed, ``tunnels`` the ``host:port`` of
    each CONNECT, so tests can prove traffic went through here.
    """

    def __init__(self) -> None:
        super().__init__(self._serve)
        self.forwarded: list[str] = []
        self.tunnels: list[str] = []

    @property
    def relayed(self) -> int:
        return len(self.forwarded) + len(self.tunnels)

    def _serve(self, conn: socket.socket, server: ScriptedServer) -> None:
        head = read_head(conn)
        if not head:
            return
        head, _, rest = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = [line.split(":", 1) for line in lines[1:] if ":" in line]
        if method == "CONNECT":
            self._tunnel(conn, target, rest)
        else:
            self._forward(conn, method, target, headers, rest)

    def _tunnel(self, conn: socket.socket, target: str, early: bytes) -> None:
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=_IO_TIMEOUT_S)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.tunnels.append(target)
        with upstream:
            conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if early:
                upstream.sendall(early)
            self._pipe(conn, upstream)

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        open_reads = {a, b}
        with selectors.DefaultSelector() as sel:
            for sock in open_reads:
                sel.register(sock, selectors.EVENT_READ)
            while open_reads and not self.stopping.is_set():
                for key, _ in sel.select(timeout=0.1):
                    src = key.fileobj
                    assert isinstance(src, socket.socket)
                    data = src.recv(65536)
                    if data:
                        peer[src].sendall(data)
                        continue
                    # EOF one way: pass it on, keep relaying the other way.
                    sel.unregister(src)
                    open_reads.discard(src)
                    try:
                        peer[src].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

    def _forward(
        self,
        conn: socket.socket,
        method: str,
        target: str,
        headers: list[list[str]],
        early: bytes,
    ) -> None:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        self.forwarded.append(target)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        hop_by_hop = {"connection", "proxy-connection", "keep-alive", "proxy-authorization"}
        kept = [f"{k}:{v}" for k, v in headers if k.strip().lower() not in hop_by_hop]
        request_head = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close"])
        length = next((int(v) for k, v in headers if k.strip().lower() == "content-length"), 0)
        with socket.create_connection((url.hostname, url.port or 80), _IO_TIMEOUT_S) as up:
            up.sendall(request_head.encode("latin-1") + b"\r\n\r\n" + early)
            remaining = length - len(early)
            while remaining > 0:
                data = conn.recv(min(remaining, 65536))
                if not data:
                    return
                up.sendall(data)
                remaining -= len(data)
            self._relay_response(up, conn)

    @staticmethod
    def _relay_response(up: socket.socket, conn: socket.socket) -> None:
        head = read_head(up)
        if not head:
            return
        head, _, body_start = head.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        kept = [
            line
            for line in lines[1:]
            if line.split(b":", 1)[0].strip().lower() not in (b"connection", b"keep-alive")
        ]
        conn.sendall(b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n")
        conn.sendall(body_start)
        # Upstream closes after the response (we asked it to), which ends the body.
        while data := up.recv(65536):
            conn.sendall(data)
