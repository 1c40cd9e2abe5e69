"""The soak's fault proxy does what it claims: each fault breaks the exchange at its point
(seen from both ends, over raw sockets), no fault leaves the bytes untouched, and one seed
gives one sequence of faults. Without this, a clean soak could mean a toothless proxy."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fault_proxy import ALL_FAULTS, FaultProxy

from fault_servers import ScriptedServer

BODY = bytes(range(256)) * 40  # 10240 bytes
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 10240\r\nX-One: 1\r\nX-Two: 2\r\n\r\n" + BODY
)
UPLOAD = b"u" * 5000
REQUEST = (
    b"PUT /bucket/key HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 40
    + b"\r\nContent-Length: 5000\r\n\r\n" + UPLOAD
)


class Backend(ScriptedServer):
    """Answers every complete request with ANSWER (keep-alive) and records what it read,
    complete or not."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.finished = 0  # connections over (whatever way they ended)
        super().__init__(self._serve)

    def _serve(self, conn: socket.socket, server: ScriptedServer) -> None:
        try:
            self._exchanges(conn)
        finally:
            self.finished += 1

    def _exchanges(self, conn: socket.socket) -> None:
        buf = b""
        while True:
            piece = conn.recv(65536)
            if not piece:
                if buf:
                    self.received.append(buf)
                return
            buf += piece
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                continue
            length = 0
            for line in buf[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(buf) < end + 4 + length:
                continue
            self.received.append(buf[: end + 4 + length])
            buf = buf[end + 4 + length :]
            conn.sendall(ANSWER)


@pytest.fixture
def backend() -> Iterator[Backend]:
    with Backend() as server:
        yield server  # type: ignore[misc]


def exchange(port: int, request: bytes = REQUEST, count: int = 1) -> tuple[bytes, str]:
    """Send ``request`` ``count`` times on one connection; everything received, and how
    the connection ended ("eof", "reset" or "open")."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        got = b""
        for _ in range(count):
            try:
                sock.sendall(request)
            except OSError:
                return got, "reset"
            deadline = time.monotonic() + 10
            want = len(got) + len(ANSWER)
            while len(got) < want and time.monotonic() < deadline:
                try:
                    piece = sock.recv(65536)
                except ConnectionResetError:
                    return got, "reset"
                if not piece:
                    return got, "eof"
                got += piece
        return got, "open"


def proxy_for(backend: Backend, fault: str, **kw: object) -> FaultProxy:
    return FaultProxy(("127.0.0.1", backend.port), rate=1.0, seed=7, faults=(fault,), **kw)  # type: ignore[arg-type]


def test_rate_zero_is_transparent_with_keep_alive(backend: Backend) -> None:
    with FaultProxy(("127.0.0.1", backend.port), rate=0.0) as proxy:
        got, end = exchange(proxy.port, count=3)
    assert (got, end) == (ANSWER * 3, "open")
    assert backend.received == [REQUEST] * 3 and proxy.events == []


@pytest.mark.parametrize("mode", ["truncate", "reset"])
@pytest.mark.parametrize("point", ["line", "headers", "after-head", "body"])
def test_response_cuts(backend: Backend, mode: str, point: str) -> None:
    with proxy_for(backend, f"{mode}@response.{point}") as proxy:
        got, end = exchange(proxy.port)
    assert backend.received == [REQUEST]  # the server saw and applied the whole request
    assert end == ("eof" if mode == "truncate" else "reset") or (mode == "reset" and not got)
    head_end = ANSWER.index(b"\r\n\r\n") + 4
    line_end = ANSWER.index(b"\r\n")
    if mode == "truncate":  # with a reset, part of what was sent may be discarded
        assert ANSWER.startswith(got)
        if point == "line":
            assert 0 < len(got) < line_end
        elif point == "headers":
            assert line_end + 2 <= len(got) < head_end - 4
        elif point == "after-head":
            assert len(got) == head_end
        else:
            assert head_end < len(got) < len(ANSWER)
    [event] = proxy.events
    assert event.fault == f"{mode}@response.{point}" and event.method == "PUT"


@pytest.mark.parametrize("mode", ["truncate", "reset"])
@pytest.mark.parametrize("point", ["line", "headers", "after-head", "body"])
def test_request_cuts(backend: Backend, mode: str, point: str) -> None:
    with proxy_for(backend, f"{mode}@request.{point}") as proxy:
        got, end = exchange(proxy.port)
        deadline = time.monotonic() + 5
        while not backend.finished and time.monotonic() < deadline:
            time.sleep(0.02)
    assert got == b"" and end in ("eof", "reset")  # no answer to a request cut short
    seen = b"".join(backend.received)
    assert REQUEST.startswith(seen)
    head_end = REQUEST.index(b"\r\n\r\n") + 4
    line_end = REQUEST.index(b"\r\n")
    # with a reset, the server may lose what it had not read yet: only an upper bound
    low = {"line": 1, "headers": line_end + 2, "after-head": head_end, "body": head_end + 1}
    high = {"line": line_end, "headers": head_end - 4, "after-head": head_end,
            "body": len(REQUEST) - 1}
    assert len(seen) <= high[point]
    if mode == "truncate":
        assert low[point] <= len(seen)


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [("answer-500", b"500", False), ("answer-503", b"503", False),
     ("answer-503-retry-after", b"503", True), ("replace-503", b"503", False)],
)
def test_synthetic_answers(backend: Backend, fault: str, status: bytes, retry_after: bool
                           ) -> None:
    with proxy_for(backend, fault, retry_after_s=2) as proxy:
        got, end = exchange(proxy.port)
    assert got.startswith(b"HTTP/1.1 " + status) and end == "eof"
    assert (b"Retry-After: 2\r\n" in got) == retry_after
    # a synthetic answer never reaches the server; a replaced one was applied first
    assert backend.received == ([REQUEST] if fault == "replace-503" else [])


@pytest.mark.parametrize("fault", ["delay@request", "delay@response"])
def test_delays(backend: Backend, fault: str) -> None:
    with proxy_for(backend, fault, delay_s=(0.4, 0.5)) as proxy:
        started = time.monotonic()
        got, end = exchange(proxy.port)
    assert time.monotonic() - started >= 0.4
    assert (got, end) == (ANSWER, "open")


def test_one_seed_one_sequence(backend: Backend) -> None:
    def run(seed: int) -> list[str]:
        with FaultProxy(("127.0.0.1", backend.port), rate=0.5, seed=seed,
                        faults=("delay@request", "answer-500", "truncate@response.body"),
                        delay_s=(0.0, 0.01)) as proxy:
            for _ in range(12):
                exchange(proxy.port)
            return [f"{e.exchange}:{e.fault}" for e in proxy.events]

    first = run(3)
    assert first == run(3) and first != run(4) and first


def test_every_fault_is_known() -> None:
    assert len(ALL_FAULTS) == len(set(ALL_FAULTS)) == 22
    with pytest.raises(ValueError, match="unknown faults"):
        FaultProxy(("127.0.0.1", 1), faults=("explode",))


def test_armed_fault_meets_the_matching_request_once(backend: Backend) -> None:
    with FaultProxy(("127.0.0.1", backend.port), rate=0.0) as proxy:
        proxy.arm("answer-500", method="PUT", target_contains="/other/")
        assert exchange(proxy.port) == (ANSWER, "open") and proxy.armed  # no match: relayed
        proxy.arm("answer-500", method="PUT", target_contains="/bucket/")
        got, _ = exchange(proxy.port)
        assert got.startswith(b"HTTP/1.1 500") and not proxy.armed
        assert exchange(proxy.port) == (ANSWER, "open")  # once only
    assert [e.fault for e in proxy.events] == ["answer-500"]
