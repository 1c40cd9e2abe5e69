"""A fault-injecting HTTP/1.1 TCP proxy for the soak (issue 19, part 12).

It sits in front of one server on 127.0.0.1:0 and relays every connection byte for byte,
but it follows the HTTP framing of both directions, so that for a configurable share of
the exchanges (``rate``) it can break the exchange at a precise point:

- ``truncate`` (FIN) or ``reset`` (RST) inside the request line, inside the request header
  block, right after the request head, or mid-body; the same four points of the response
  (status line, header block, right after the head, mid-body);
- a delay before the request reaches the server, or before the answer comes back;
- a synthetic ``500``, ``503`` or ``503`` + ``Retry-After`` answered by the proxy itself (the
  server never sees the request), or ``replace-503``: the server applies the request and
  the client gets a 503 instead of its answer.

One seeded RNG draws every decision, in the order the request heads arrive, so a serial
workload sees the same faults on every run. Every injected fault is recorded
(:attr:`FaultProxy.events`) with the request it hit, so a failed operation can be
explained. Each connection is one thread with a selector over both sockets: resets and
closes happen in the thread that owns the sockets, never under another thread's recv.
"""

from __future__ import annotations

import random
import selectors
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType

CUT_POINTS = (
    "request.line",
    "request.headers",
    "request.after-head",
    "request.body",
    "response.line",
    "response.headers",
    "response.after-head",
    "response.body",
)
CUTS = tuple(f"{mode}@{point}" for point in CUT_POINTS for mode in ("truncate", "reset"))
ANSWERS = ("answer-500", "answer-503", "answer-503-retry-after", "replace-503")
DELAYS = ("delay@request", "delay@response")
ALL_FAULTS = CUTS + ANSWERS + DELAYS
# Not faults of a network but of a server, for testing the soak itself: a GET answered
# "200, empty" (a lie no client can detect, which the bookkeeping must), and an answer that
# never comes (which the per-operation bound must catch).
LIES = ("lie-empty-200", "stall@response")

_HEAD_LIMIT = 1 << 20
_IDLE_TIMEOUT_S = 120.0  # a connection with no traffic at all for this long is dropped
_DRAIN_S = 2.0  # after a synthetic answer, read what the client still sends for this long


@dataclass
class FaultEvent:
    """One injected fault: which exchange of which connection, and what it hit."""

    exchange: int
    connection: int
    method: str
    target: str
    fault: str
    at: float  # time.monotonic()
    detail: str = ""

    def describe(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"#{self.exchange} {self.fault}{extra} on {self.method} {self.target[:120]}"


@dataclass
class _Head:
    raw: bytes
    first_line: str
    headers: dict[str, str]

    @property
    def line_length(self) -> int:
        return self.raw.index(b"\r\n")


def _parse_head(raw: bytes) -> _Head:
    lines = raw[:-4].decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return _Head(raw, lines[0], headers)


class _Chunked:
    """Finds the end of a chunked body; ``feed`` returns how many bytes belong to it, and
    ``done`` turns true once its last byte has been fed."""

    def __init__(self) -> None:
        self.done = False
        self._line = b""
        self._state = "size"  # size | data | data-crlf | trailer
        self._left = 0

    def feed(self, data: bytes) -> int:
        i = 0
        while i < len(data) and not self.done:
            if self._state == "data":
                take = min(self._left, len(data) - i)
                i += take
                self._left -= take
                if self._left == 0:
                    self._state = "data-crlf"
                continue
            # line-oriented states: size line, the CRLF after data, trailer lines
            end = data.find(b"\n", i)
            if end < 0:
                self._line += data[i:]
                return len(data)
            line = (self._line + data[i:end]).rstrip(b"\r")
            self._line = b""
            i = end + 1
            if self._state == "size":
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self._state = "trailer"
                else:
                    self._left = size
                    self._state = "data"
            elif self._state == "data-crlf":
                self._state = "size"
            elif self._state == "trailer" and line == b"":
                self.done = True
        return i


class _Body:
    """How much of one message's body is still to come."""

    def __init__(self, head: _Head, *, no_body: bool) -> None:
        self.length: int | None = None  # None: chunked or until close
        self.chunked: _Chunked | None = None
        self.until_close = False
        te = head.headers.get("transfer-encoding", "").lower()
        if no_body:
            self.length = 0
        elif "chunked" in te:
            self.chunked = _Chunked()
        elif "content-length" in head.headers:
            try:
                self.length = max(0, int(head.headers["content-length"]))
            except ValueError:
                self.length = 0
        elif head.first_line.startswith("HTTP/"):
            self.until_close = True
        else:
            self.length = 0
        self.sent = 0

    @property
    def done(self) -> bool:
        if self.chunked is not None:
            return self.chunked.done
        return self.length is not None and self.sent >= self.length

    def take(self, data: bytes) -> int:
        """How many bytes of ``data`` belong to this body."""
        if self.chunked is not None:
            n = self.chunked.feed(data)
        elif self.until_close:
            n = len(data)
        else:
            assert self.length is not None
            n = min(len(data), self.length - self.sent)
        self.sent += n
        return n


@dataclass
class _Exchange:
    index: int
    method: str
    target: str
    fault: str | None
    cut_at: int = 0  # for cuts: the byte offset inside the section named by the fault
    delay_s: float = 0.0
    response_seed: float = 0.0  # seeds the response-side cut, drawn with the rest
    event: FaultEvent | None = None


@dataclass
class _Plan:
    """What the proxy does to the exchanges; changeable while it runs."""

    rate: float
    faults: tuple[str, ...]
    delay_s: tuple[float, float]
    retry_after_s: int


class _Closed(Exception):
    """The connection is finished (by a fault or by a peer)."""


class FaultProxy:
    """``with FaultProxy(("127.0.0.1", port), rate=0.1, seed=1) as proxy: proxy.port``."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        rate: float = 0.1,
        seed: int = 0,
        faults: tuple[str, ...] = ALL_FAULTS,
        delay_s: tuple[float, float] = (0.05, 1.0),
        retry_after_s: int = 1,
    ) -> None:
        unknown = set(faults) - set(ALL_FAULTS) - set(LIES)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        self.upstream = upstream
        self.plan = _Plan(rate, tuple(faults), delay_s, retry_after_s)
        self.events: list[FaultEvent] = []
        self.exchanges = 0
        self.connections = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._accept_thread: threading.Thread | None = None
        self._armed: tuple[str, str, str] | None = None  # (fault, method, target part)

    # ---- life cycle ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        listener.settimeout(0.1)  # the accept loop re-checks `_stopping` this often
        self._listener = listener
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="fault-proxy", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(5.0)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(5.0)

    def __enter__(self) -> FaultProxy:
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
        assert self._listener is not None, "proxy not started"
        return int(self._listener.getsockname()[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_rate(self, rate: float) -> None:
        """Change the share of exchanges that get a fault (0 turns the proxy transparent)."""
        self.plan.rate = rate

    def arm(self, fault: str, *, method: str = "", target_contains: str = "") -> None:
        """Give ``fault`` to the next exchange whose method starts with ``method`` and whose
        target contains ``target_contains``, whatever the rate; once."""
        if fault not in ALL_FAULTS:
            raise ValueError(f"unknown fault: {fault}")
        with self._lock:
            self._armed = (fault, method, target_contains)

    @property
    def armed(self) -> bool:
        """True while an armed fault has not met its exchange yet."""
        with self._lock:
            return self._armed is not None

    def disarm(self) -> None:
        with self._lock:
            self._armed = None

    def events_since(self, mark: int) -> list[FaultEvent]:
        with self._lock:
            return self.events[mark:]

    def event_count(self) -> int:
        with self._lock:
            return len(self.events)

    def fault_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for event in self.events:
                counts[event.fault] = counts.get(event.fault, 0) + 1
        return counts

    # ---- decisions ----------------------------------------------------------------------

    def _new_exchange(self, conn_id: int, head: _Head, body: _Body) -> _Exchange:
        method, _, rest = head.first_line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        with self._lock:
            index = self.exchanges
            self.exchanges += 1
            plan = self.plan
            fault: str | None = None
            armed = self._armed
            if armed is not None and method.startswith(armed[1]) and armed[2] in target:
                fault, self._armed = armed[0], None
            elif plan.faults and self._rng.random() < plan.rate:
                fault = self._rng.choice(plan.faults)
            if fault == "lie-empty-200" and method != "GET":
                fault = None  # only a read can be answered with nothing
            exchange = _Exchange(index, method, target, fault)
            if fault is None:
                return exchange
            if fault == "truncate@request.body" or fault == "reset@request.body":
                if body.length == 0:  # no body to cut into: cut right after the head
                    fault = fault.replace("request.body", "request.after-head")
            exchange.fault = fault
            point = fault.partition("@")[2]
            if point == "request.line":
                exchange.cut_at = self._rng.randrange(1, max(2, head.line_length))
            elif point == "request.headers":
                exchange.cut_at = self._header_cut(head)
            elif point == "request.after-head":
                exchange.cut_at = len(head.raw)
            elif point == "request.body":
                exchange.cut_at = self._body_cut(body.length)
            elif point.startswith("response."):
                exchange.cut_at = -1  # drawn when the response head is known
            if fault.startswith("delay@"):
                low, high = plan.delay_s
                exchange.delay_s = self._rng.uniform(low, high)
            # drawn now, in request order, so that the whole sequence stays reproducible
            exchange.response_seed = self._rng.random()
            exchange.event = FaultEvent(index, conn_id, method, target, fault, time.monotonic())
            self.events.append(exchange.event)
        return exchange

    def _header_cut(self, head: _Head) -> int:
        start = head.line_length + 2
        end = len(head.raw) - 4
        return self._rng.randrange(start, end) if end > start else start

    def _body_cut(self, length: int | None) -> int:
        if length is None:  # chunked / until close: somewhere in the first 64 KiB
            return self._rng.randrange(1, 65536)
        return self._rng.randrange(1, length) if length > 1 else 1

    # ---- connections --------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                conn_id = self.connections
            thread = threading.Thread(
                target=self._serve, args=(client, conn_id), name=f"fault-proxy-{conn_id}",
                daemon=True,
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket, conn_id: int) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10.0)
        except OSError:
            _reset(client)
            return
        _Connection(self, conn_id, client, upstream).run()


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), the way a crashed peer or a firewall ends it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _send(sock: socket.socket, data: bytes) -> None:
    if data:
        sock.sendall(data)


def _synthetic(status: int, retry_after_s: int | None) -> bytes:
    reason = {500: "Internal Server Error", 503: "Service Unavailable"}[status]
    body = (f"<html><body><h1>{status} {reason}</h1>fault proxy</body></html>\n").encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: text/html",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if retry_after_s is not None:
        lines.append(f"Retry-After: {retry_after_s}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection:
    """One client connection and its upstream connection, in one thread."""

    def __init__(
        self, proxy: FaultProxy, conn_id: int, client: socket.socket, upstream: socket.socket
    ) -> None:
        self.proxy = proxy
        self.conn_id = conn_id
        self.client = client
        self.upstream = upstream
        self.pending: deque[_Exchange] = deque()  # requests whose answer has not begun
        self.req_buf = b""
        self.req_body: _Body | None = None
        self.req_exchange: _Exchange | None = None
        self.resp_buf = b""
        self.resp_body: _Body | None = None
        self.resp_exchange: _Exchange | None = None

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        for sock in (self.client, self.upstream):
            sock.setblocking(True)
            sock.settimeout(30.0)
        sel.register(self.client, selectors.EVENT_READ, "client")
        sel.register(self.upstream, selectors.EVENT_READ, "upstream")
        last = time.monotonic()
        try:
            while not self.proxy._stopping.is_set():
                ready = sel.select(0.2)
                if not ready:
                    if time.monotonic() - last > _IDLE_TIMEOUT_S:
                        raise _Closed
                    continue
                last = time.monotonic()
                for key, _ in ready:
                    sock = self.client if key.data == "client" else self.upstream
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if key.data == "client":
                        if not data:
                            sel.unregister(self.client)  # EOF stays readable: stop polling
                        self._from_client(data)
                    else:
                        self._from_upstream(data)
        except _Closed:
            pass
        except OSError:
            pass
        finally:
            sel.close()
            for sock in (self.client, self.upstream):
                try:
                    sock.close()
                except OSError:
                    pass

    # ---- client -> server -----------------------------------------------------------------

    def _from_client(self, data: bytes) -> None:
        if not data:
            # client done: pass the FIN on and let the answer (if any) finish
            try:
                self.upstream.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            if not self.pending and self.resp_exchange is None:
                raise _Closed
            return
        self.req_buf += data
        while self.req_buf:
            if self.req_body is None:
                end = self.req_buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.req_buf) > _HEAD_LIMIT:
                        raise _Closed
                    return
                raw, self.req_buf = self.req_buf[: end + 4], self.req_buf[end + 4 :]
                head = _parse_head(raw)
                body = _Body(head, no_body=False)
                exchange = self.proxy._new_exchange(self.conn_id, head, body)
                self.req_exchange = exchange
                self.req_body = body
                self._request_head(exchange, head)
            else:
                n = self.req_body.take(self.req_buf)
                piece, self.req_buf = self.req_buf[:n], self.req_buf[n:]
                self._request_body(piece)
            if self.req_body is not None and self.req_body.done:
                self.req_body = None
                self.req_exchange = None

    def _request_head(self, exchange: _Exchange, head: _Head) -> None:
        fault = exchange.fault or ""
        if fault == "lie-empty-200":
            self._answer_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        if fault in ("answer-500", "answer-503", "answer-503-retry-after"):
            status = 500 if fault == "answer-500" else 503
            retry = self.proxy.plan.retry_after_s if fault.endswith("retry-after") else None
            self._answer_and_close(_synthetic(status, retry))
        if fault == "delay@request":
            time.sleep(exchange.delay_s)
        mode, _, point = fault.partition("@")
        if point in ("request.line", "request.headers", "request.after-head"):
            self._cut_request(head.raw[: exchange.cut_at], mode)
        self.pending.append(exchange)
        _send(self.upstream, head.raw)

    def _request_body(self, piece: bytes) -> None:
        exchange = self.req_exchange
        assert exchange is not None and self.req_body is not None
        fault = exchange.fault or ""
        if fault.endswith("@request.body"):
            sent_before = self.req_body.sent - len(piece)
            if self.req_body.sent >= exchange.cut_at or self.req_body.done:
                keep = max(0, min(exchange.cut_at - sent_before, len(piece) - 1))
                self._cut_request(piece[:keep], fault.partition("@")[0])
        _send(self.upstream, piece)

    def _cut_request(self, prefix: bytes, mode: str) -> None:
        """The server sees ``prefix`` of the request, then the connection ends (FIN or
        RST); so does the client, without an answer."""
        _send(self.upstream, prefix)
        if mode == "reset":
            _reset(self.upstream)
            _reset(self.client)
        else:
            for sock in (self.upstream, self.client):
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        raise _Closed

    def _answer_and_close(self, answer: bytes) -> None:
        """Answer the client ourselves, close gracefully (the answer must not be lost to
        an RST caused by unread request bytes), and never tell the server."""
        _reset(self.upstream)
        try:
            _send(self.client, answer)
            self.client.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + _DRAIN_S
            self.client.settimeout(0.2)
            while time.monotonic() < deadline:
                try:
                    if not self.client.recv(65536):
                        break
                except TimeoutError:
                    continue
        except OSError:
            pass
        raise _Closed

    # ---- server -> client -----------------------------------------------------------------

    def _from_upstream(self, data: bytes) -> None:
        if not data:
            try:
                self.client.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            raise _Closed
        self.resp_buf += data
        while self.resp_buf:
            if self.resp_body is None:
                end = self.resp_buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.resp_buf) > _HEAD_LIMIT:
                        raise _Closed
                    return
                raw, self.resp_buf = self.resp_buf[: end + 4], self.resp_buf[end + 4 :]
                head = _parse_head(raw)
                status = _status(head)
                interim = 100 <= status < 200
                if interim:
                    _send(self.client, raw)  # 100 Continue: not the answer yet
                    continue
                exchange = self.pending.popleft() if self.pending else None
                no_body = (
                    exchange is not None and exchange.method == "HEAD"
                ) or status in (204, 304)
                self.resp_body = _Body(head, no_body=no_body)
                self.resp_exchange = exchange
                self._response_head(exchange, head, self.resp_body)
            else:
                n = self.resp_body.take(self.resp_buf)
                piece, self.resp_buf = self.resp_buf[:n], self.resp_buf[n:]
                self._response_body(piece)
            if self.resp_body is not None and self.resp_body.done:
                self.resp_body = None
                self.resp_exchange = None

    def _response_head(self, exchange: _Exchange | None, head: _Head, body: _Body) -> None:
        fault = exchange.fault if exchange is not None else None
        if exchange is None or not fault:
            _send(self.client, head.raw)
            return
        if fault == "replace-503":
            self._answer_and_close(_synthetic(503, None))
        if fault == "stall@response":
            self.proxy._stopping.wait()  # hold the answer for as long as the proxy runs
            raise _Closed
        if fault == "delay@response":
            time.sleep(exchange.delay_s)
        mode, _, point = fault.partition("@")
        if point == "response.body" and body.length == 0:
            point = "response.after-head"  # nothing to cut into
            _note(exchange, "empty body: cut after the head")
        rng = random.Random(exchange.response_seed)
        if point == "response.line":
            self._cut_response(head.raw[: rng.randrange(1, max(2, head.line_length))], mode)
        elif point == "response.headers":
            start, end = head.line_length + 2, len(head.raw) - 4
            at = rng.randrange(start, end) if end > start else start
            _note(exchange, f"after {at} of {len(head.raw)} head bytes")
            self._cut_response(head.raw[:at], mode)
        elif point == "response.after-head":
            self._cut_response(head.raw, mode)
        elif point == "response.body":
            length = body.length
            exchange.cut_at = (
                rng.randrange(1, length) if length and length > 1 else rng.randrange(1, 65536)
            )
            _note(exchange, f"after {exchange.cut_at} body bytes of {length}")
        _send(self.client, head.raw)

    def _response_body(self, piece: bytes) -> None:
        exchange = self.resp_exchange
        assert self.resp_body is not None
        fault = exchange.fault if exchange is not None else None
        if exchange is not None and fault and fault.endswith("@response.body"):
            sent_before = self.resp_body.sent - len(piece)
            if self.resp_body.sent >= exchange.cut_at or self.resp_body.done:
                keep = max(0, min(exchange.cut_at - sent_before, len(piece) - 1))
                self._cut_response(piece[:keep], fault.partition("@")[0])
        _send(self.client, piece)

    def _cut_response(self, prefix: bytes, mode: str) -> None:
        _send(self.client, prefix)
        _reset(self.upstream)
        if mode == "reset":
            _reset(self.client)
        else:
            try:
                self.client.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        raise _Closed


def _status(head: _Head) -> int:
    parts = head.first_line.split(" ", 2)
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return 0


def _note(exchange: _Exchange, detail: str) -> None:
    if exchange.event is not None:
        exchange.event.detail = detail


__all__ = ["ALL_FAULTS", "ANSWERS", "CUTS", "DELAYS", "LIES", "FaultEvent", "FaultProxy"]
