"""GMP server side: ACK every data message, answer RTT probes,
suppress duplicates, send replies as new messages (``info`` = request id) and resend them
until ACKed; messages over 1456 bytes travel over one-shot UDT streams (port - 1).

Fault knobs: ``drop_rate`` (fraction of datagrams dropped, in and out) and ``delay_s``.
"""

from __future__ import annotations

import logging
import random
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("storewire.emulators.sector")

HEADER = struct.Struct("<iiii")
MAX_PAYLOAD = 1456
DEDUP_WINDOW_S = 10.0
RETRANSMIT_EXPIRY_S = 120.0

# handler(ip, port, payload) -> reply payload or None
Handler = Callable[[str, int, bytes], "bytes | None"]


@dataclass
class _Pending:
    addr: tuple[str, int]
    datagram: bytes
    sent_at: float
    first_sent: float


class GmpServer:
    """A GMP endpoint on UDP ``port`` plus the UDT listener for large messages on port - 1."""

    def __init__(self, sock: socket.socket, udt_listener: object, handler: Handler, *,
                 retransmit_s: float = 0.5, drop_rate: float = 0.0, delay_s: float = 0.0,
                 seed: int | None = None) -> None:
        self._sock = sock
        self._udt = udt_listener
        self._handler = handler
        self.retransmit_s = retransmit_s
        self.drop_rate = drop_rate
        self.delay_s = delay_s
        self._rng = random.Random(seed)
        self._session = random.randint(1, 0x7FFFFFFF)
        self._next_id = 0
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._seen: dict[tuple[str, int, int, int], float] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._udp_loop, name="sector-gmp", daemon=True),
            threading.Thread(target=self._udt_loop, name="sector-gmp-udt", daemon=True),
        ]
        self.stats = {"received": 0, "dropped": 0, "duplicates": 0, "retransmitted": 0,
                      "garbage": 0, "large_received": 0, "large_sent": 0}

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self._sock.close()
        self._udt.close()  # type: ignore[attr-defined]

    # --- sending ------------------------------------------------------------------------------

    def _new_id(self) -> int:
        with self._lock:
            self._next_id = 1 if self._next_id >= 0x0FFFFFFE else self._next_id + 1
            return self._next_id

    def _sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.drop_rate and self._rng.random() < self.drop_rate:
            self.stats["dropped"] += 1
            return
        try:
            self._sock.sendto(data, addr)
        except OSError as exc:  # e.g. the peer's port is gone
            log.debug("GMP send to %s failed: %s", addr, exc)

    def send_reply(self, addr: tuple[str, int], request_id: int, payload: bytes) -> None:
        msg_id = self._new_id()
        if len(payload) > MAX_PAYLOAD:
            threading.Thread(target=self._send_large, args=(addr, msg_id, request_id, payload),
                             daemon=True).start()
            return
        datagram = HEADER.pack(0, self._session, msg_id, request_id) + payload
        now = time.monotonic()
        with self._lock:
            self._pending[msg_id] = _Pending(addr, datagram, now, now)
        self._sendto(datagram, addr)

    def _send_large(self, addr: tuple[str, int], msg_id: int, request_id: int,
                    payload: bytes) -> None:
        from storewire._native import sector as native

        try:
            native.udt_send_message(addr[0], addr[1] - 1, self.port, self._session, msg_id,
                                    request_id, payload, timeout_s=10.0)
            self.stats["large_sent"] += 1
        except Exception as exc:
            log.warning("large GMP reply to %s failed: %s", addr, exc)

    # --- receiving ----------------------------------------------------------------------------

    def _udp_loop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            self._retransmit()
            if not ready:
                continue
            try:
                data, addr = self._sock.recvfrom(16 + MAX_PAYLOAD)
            except OSError:
                continue
            if self.drop_rate and self._rng.random() < self.drop_rate:
                self.stats["dropped"] += 1
                continue
            try:
                self._on_datagram(data, addr)
            except Exception:
                log.exception("GMP datagram from %s failed", addr)

    def _on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < HEADER.size:
            self.stats["garbage"] += 1
            return
        kind, session, msg_id, info = HEADER.unpack_from(data)
        if kind == 1:  # ACK
            with self._lock:
                self._pending.pop(msg_id, None)
        elif kind == 2:  # RTT probe
            self._sendto(HEADER.pack(1, self._session, msg_id, 0), addr)
        elif kind == 0:
            self._sendto(HEADER.pack(1, self._session, msg_id, 0), addr)
            self._on_message(addr, session, msg_id, info, data[HEADER.size:])
        else:
            self.stats["garbage"] += 1

    def _on_message(self, addr: tuple[str, int], session: int, msg_id: int, info: int,
                    payload: bytes) -> None:
        now = time.monotonic()
        key = (addr[0], addr[1], session, msg_id)
        with self._lock:
            if key in self._seen:
                self.stats["duplicates"] += 1
                return
            self._seen[key] = now
            if len(self._seen) > 1024:
                for k in [k for k, t in self._seen.items() if now - t > DEDUP_WINDOW_S]:
                    del self._seen[k]
        self.stats["received"] += 1
        if info != 0:
            return  # a reply: the master sends no requests to clients
        if self.delay_s:
            time.sleep(self.delay_s)
        reply = self._handler(addr[0], addr[1], payload)
        if reply is not None:
            self.send_reply(addr, msg_id, reply)

    def _udt_loop(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._udt.accept(0.1)  # type: ignore[attr-defined]
            except Exception:
                continue
            if msg is None:
                continue
            ip, port, session, msg_id, info, payload = msg
            self.stats["large_received"] += 1
            try:
                self._on_message((ip, port), session, msg_id, info, payload)
            except Exception:
                log.exception("large GMP message from %s:%s failed", ip, port)

    def _retransmit(self) -> None:
        now = time.monotonic()
        due: list[_Pending] = []
        with self._lock:
            for msg_id, p in list(self._pending.items()):
                if now - p.first_sent > RETRANSMIT_EXPIRY_S:
                    del self._pending[msg_id]
                elif now - p.sent_at >= self.retransmit_s:
                    p.sent_at = now
                    due.append(p)
        for p in due:
            self.stats["retransmitted"] += 1
            self._sendto(p.datagram, p.addr)
