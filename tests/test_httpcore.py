"""The shared loopback HTTP/1.1 core (storewire.httpcore), over real sockets.

A tiny server built on the core answers every request with what it parsed, so each test
speaks raw bytes to a real listening socket and checks what came back on the wire.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storewire import httpcore
from storewire.httpcore import BadRequest, BodyTooLarge, BodyTruncated

TIMEOUT_S = 5.0
LIMIT = 1 << 20


class _Echo:
    """Answers ``/refuse`` with 403 without reading the body, ``/file/<a>/<n>`` with
    bytes a..a+n of ``data.bin`` (sendfile), anything else with JSON about the request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server = httpcore.ThreadedServer(("127.0.0.1", 0), self.serve, name="core-test",
                                              idle_timeout_s=30.0)

    def serve(self, conn: httpcore.Connection) -> None:
        while conn.keep_open:
            try:
                head = conn.next_request()
            except BadRequest as exc:
                self._reply(conn, 400, str(exc).encode(), keep_alive=False)
                return
            if head is None:
                return
            keep = head.keep_alive and not head.framing_error
            if head.framing_error:
                self._reply(conn, 400, head.framing_error.encode(), keep_alive=False)
                return
            body = conn.body(head)
            if head.target == "/refuse":
                keep = keep and body.drain(LIMIT)
                self._reply(conn, 403, b"no", keep_alive=keep)
            elif head.target.startswith("/file/"):
                _, _, start, count = head.target.split("/")
                answer = httpcore.render_head(200, [], length=int(count), keep_alive=keep)
                with open(self.root / "data.bin", "rb") as file:
                    if head.method == "HEAD":
                        conn.sock.sendall(answer)
                    else:
                        httpcore.send_file(conn.sock, answer, file, [(int(start), int(count))])
            else:
                try:
                    data = body.read_all(LIMIT)
                except BodyTooLarge:
                    self._reply(conn, 413, b"too large", keep_alive=False)
                    return
                except (BadRequest, BodyTruncated) as exc:
                    self._reply(conn, 400, str(exc).encode(), keep_alive=False)
                    return
                info = {"method": head.method, "target": head.target, "fields": head.fields,
                        "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                payload = json.dumps(info).encode()
                self._reply(conn, 200, payload, keep_alive=keep, head_only=head.method == "HEAD")
            if not keep:
                return

    @staticmethod
    def _reply(conn: httpcore.Connection, status: int, payload: bytes, *, keep_alive: bool,
               head_only: bool = False) -> None:
        head = httpcore.render_head(status, [("Date", httpcore.http_date())],
                                    length=len(payload), keep_alive=keep_alive)
        conn.sock.sendall(head if head_only else head + payload)


@pytest.fixture
def echo(tmp_path: Path) -> Iterator[_Echo]:
    server = _Echo(tmp_path)
    server.server.start()
    try:
        yield server
    finally:
        server.server.stop()


def _connect(echo: _Echo) -> socket.socket:
    return socket.create_connection(echo.server.address, timeout=TIMEOUT_S)


def _read_answer(sock: socket.socket, buf: bytearray, head_only: bool = False
                 ) -> tuple[int, dict[str, str], bytes]:
    """One answer from ``sock`` (``buf`` keeps what belongs to the next one)."""
    while b"\r\n\r\n" not in buf:
        piece = sock.recv(65536)
        assert piece, f"closed without an answer: {bytes(buf)!r}"
        buf += piece
    end = buf.index(b"\r\n\r\n") + 4
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[:end]
    status = int(lines[0].split(" ")[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    length = 0 if head_only else int(headers.get("content-length", "0"))
    while len(buf) < length:
        piece = sock.recv(65536)
        assert piece, "closed mid-body"
        buf += piece
    body = bytes(buf[:length])
    del buf[:length]
    return status, headers, body


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.5)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_pipelined_requests_share_one_connection(echo: _Echo) -> None:
    requests = (b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                b"GET /b?q=1 HTTP/1.1\r\nHost: x\r\nX-Twice: 1\r\nX-Twice: 2\r\n\r\n"
                b"HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n"
                b"POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    with _connect(echo) as sock:
        sock.sendall(requests)
        buf = bytearray()
        status, _, body = _read_answer(sock, buf)
        first = json.loads(body)
        assert status == 200 and first["size"] == 3
        assert first["sha256"] == hashlib.sha256(b"abc").hexdigest()
        second = json.loads(_read_answer(sock, buf)[2])
        assert second["target"] == "/b?q=1"
        assert [f for f in second["fields"] if f[0] == "X-Twice"] == [["X-Twice", "1"],
                                                                      ["X-Twice", "2"]]
        status, headers, body = _read_answer(sock, buf, head_only=True)
        assert status == 200 and int(headers["content-length"]) > 0 and body == b""
        # HEAD sent no body: the next answer starts right after its head
        assert json.loads(_read_answer(sock, buf)[2])["method"] == "POST"
        assert not buf and not _closed(sock)


def test_chunked_bodies_with_extensions_and_trailers(echo: _Echo) -> None:
    data = os.urandom(70_000)
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in (data[:1], data[1:]))
    request = (b"PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
               + b"0\r\nX-Trailer: t\r\n\r\n")
    with _connect(echo) as sock:
        sock.sendall(request + b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        buf = bytearray()
        info = json.loads(_read_answer(sock, buf)[2])
        assert info["size"] == len(data) and info["sha256"] == hashlib.sha256(data).hexdigest()
        assert json.loads(_read_answer(sock, buf)[2])["target"] == "/next"


@pytest.mark.parametrize("size_line", [b"0x5", b"+5", b"5_0", b"", b"-5", b"\xd9\xa5"])
def test_a_malformed_chunk_size_is_refused(echo: _Echo, size_line: bytes) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + size_line + b"\r\nhello\r\n0\r\n\r\n")
        status, _, body = _read_answer(sock, bytearray())
        assert status == 400 and b"chunk" in body
        assert _closed(sock)


@pytest.mark.parametrize(
    "lengths",
    [["-5"], ["+3"], ["1_0"], ["0x3"], ["3.0"], ["\u0663"], ["3 4"], ["3", "4"], ["3,4"],
     [""], ["9223372036854775808"]],
    ids=repr,
)
def test_a_content_length_that_is_not_plain_digits_is_refused(
    echo: _Echo, lengths: list[str]
) -> None:
    fields = "".join(f"Content-Length: {v}\r\n" for v in lengths).encode("utf-8")
    with _connect(echo) as sock:
        sock.sendall(b"PUT /k HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\nabc")
        status, _, body = _read_answer(sock, bytearray())
        assert status == 400 and b"Content-Length" in body
        assert _closed(sock)


def test_equal_repeated_content_lengths_are_one(echo: _Echo) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                     b"Content-Length: 3, 3\r\n\r\nabc")
        status, _, body = _read_answer(sock, bytearray())
        assert status == 200 and json.loads(body)["size"] == 3


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(201)) + b"\r\n",
        b"GET / HTTP/1.1\r\nX-Big: " + b"v" * (64 * 1024) + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 30_000)
                                         for i in range(10)) + b"\r\n",
        b"GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
        b"GET / HTTP/1.1\r\nX-A : 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET /" + b"a" * (64 * 1024) + b" HTTP/1.1\r\n\r\n",
    ],
    ids=["201-headers", "64KiB-line", "300KB-head", "obs-fold", "space-before-colon",
         "no-colon", "http2", "http0.9", "four-words", "long-target"],
)
def test_heads_beyond_the_limits_or_the_grammar_are_refused(echo: _Echo, head: bytes) -> None:
    with _connect(echo) as sock:
        sock.sendall(head)
        status, _, _ = _read_answer(sock, bytearray())
        assert status == 400
        assert _closed(sock)


def test_200_headers_of_a_kilobyte_are_fine(echo: _Echo) -> None:
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(200))
    with _connect(echo) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\n" + fields + b"\r\n")
        status, _, body = _read_answer(sock, bytearray())
        assert status == 200 and len(json.loads(body)["fields"]) == 200


def test_expect_continue_is_sent_when_the_body_is_read(echo: _Echo) -> None:
    head = b"PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
    with _connect(echo) as sock:
        sock.sendall(head)
        interim = sock.recv(100)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hello")
        status, _, body = _read_answer(sock, bytearray())
        assert status == 200 and json.loads(body)["size"] == 5


def test_a_refused_upload_gets_no_continue_and_the_connection_closes(echo: _Echo) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        status, headers, body = _read_answer(sock, bytearray())
        assert (status, body) == (403, b"no")
        assert headers["connection"] == "close"  # the body never came: it cannot be skipped
        assert _closed(sock)


def test_a_refused_small_body_is_skipped_and_the_connection_kept(echo: _Echo) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                     b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        buf = bytearray()
        assert _read_answer(sock, buf)[0] == 403
        assert json.loads(_read_answer(sock, buf)[2])["target"] == "/after"


def test_a_body_over_the_limit_is_refused_before_it_is_read(echo: _Echo) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (LIMIT + 1))
        assert _read_answer(sock, bytearray())[0] == 413


def test_http_1_0_closes_unless_asked_to_keep_alive(echo: _Echo) -> None:
    with _connect(echo) as sock:
        sock.sendall(b"GET /a HTTP/1.0\r\n\r\n")
        status, headers, _ = _read_answer(sock, bytearray())
        assert status == 200 and headers["connection"] == "close" and _closed(sock)
    with _connect(echo) as sock:
        sock.sendall(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert _read_answer(sock, bytearray())[0] == 200 and not _closed(sock)


@pytest.mark.parametrize("start,count", [(0, 1000), (5, 300_000), (1 << 20, 3 << 20)])
def test_file_bodies_small_and_sendfile(echo: _Echo, start: int, count: int) -> None:
    data = os.urandom(4 << 20)
    (echo.root / "data.bin").write_bytes(data)
    with _connect(echo) as sock:
        sock.sendall(b"GET /file/%d/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (start, count))
        status, _, body = _read_answer(sock, bytearray())
        assert status == 200 and body == data[start:start + count]


def test_stop_ends_idle_connections_and_joins_their_threads(tmp_path: Path) -> None:
    server = _Echo(tmp_path)
    server.server.start()
    address = server.server.address
    socks = [socket.create_connection(address, timeout=TIMEOUT_S) for _ in range(4)]
    try:
        for sock in socks:
            sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_answer(sock, bytearray())[0] == 200
        started = time.monotonic()
        server.server.stop()
        assert time.monotonic() - started < 2.0
        assert all(_closed(sock) for sock in socks)
        assert not [t for t in threading.enumerate() if t.name.startswith("core-test")]
        with pytest.raises(OSError):
            socket.create_connection(address, timeout=1.0).close()
    finally:
        for sock in socks:
            sock.close()
