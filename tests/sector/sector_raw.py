"""A bare Sector client in Python (login, GMP) for tests that must send what the
native client refuses to send (it checks names before sending), to see the emulated
master's own answer."""

from __future__ import annotations

import os
import socket
import ssl
import struct
import time
from types import TracebackType

from storewire.emulators.sector import SectorEmulator

I32 = struct.Struct("<i")
GMP = struct.Struct("<iiii")
MSG = struct.Struct("<ii")


def _recv_exact(conn: ssl.SSLSocket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        piece = conn.recv(n - len(buf))
        if not piece:
            raise ConnectionError("master closed the login connection")
        buf += piece
    return buf


class RawSectorClient:
    """Logged in to ``emulator`` from a UDP socket of its own; :meth:`request` sends one
    SectorMsg and returns the reply's (type, data)."""

    def __init__(self, emulator: SectorEmulator) -> None:
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        self._session = 4711
        self._next_id = 0
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # our own emulator; the native tests check pinning
        with socket.create_connection((emulator.host, emulator.port), timeout=10) as raw, \
                ctx.wrap_socket(raw) as conn:
            conn.sendall(I32.pack(2006031) + I32.pack(2) + emulator.user.encode().ljust(64, b"\0")
                         + emulator.password.encode().ljust(128, b"\0") + I32.pack(0))
            (self.key,) = I32.unpack(_recv_exact(conn, 4))
            assert self.key > 0, self.key
            conn.sendall(I32.pack(self._udp.getsockname()[1]) + I32.pack(1) + os.urandom(24))
            (topo,) = I32.unpack(_recv_exact(conn, 4))
            _recv_exact(conn, topo + 4)  # topology, router key
            (others,) = I32.unpack(_recv_exact(conn, 4))
            for _ in range(others):
                _recv_exact(conn, 4)
                (n,) = I32.unpack(_recv_exact(conn, 4))
                _recv_exact(conn, n + 4)
            _recv_exact(conn, 4)  # sync word
        self._master = (emulator.host, emulator.port)

    def request(self, mtype: int, data: bytes, timeout_s: float = 5.0) -> tuple[int, bytes]:
        """Sends once (small messages only) and waits for the matching reply."""
        self._next_id += 1
        msg_id = self._next_id
        self._udp.sendto(GMP.pack(0, self._session, msg_id, 0) + MSG.pack(mtype, self.key) +
                         data, self._master)
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            self._udp.settimeout(left)
            try:
                datagram, addr = self._udp.recvfrom(2048)
            except TimeoutError:
                break
            kind, _, their_id, info = GMP.unpack_from(datagram)
            if kind == 0:
                self._udp.sendto(GMP.pack(1, self._session, their_id, 0), addr)  # ACK
                if info == msg_id:
                    rtype, _ = MSG.unpack_from(datagram, GMP.size)
                    return rtype, datagram[GMP.size + MSG.size:]
        raise TimeoutError(f"no reply to GMP type {mtype} in {timeout_s} s")

    def close(self) -> None:
        self._udp.close()

    def __enter__(self) -> RawSectorClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def open_request(path: str, mode: int, data_port: int = 1) -> bytes:
    name = cstr(path)
    return struct.pack("<iii", mode, data_port, len(name)) + name + I32.pack(0)


def two_paths(src: str, dst: str) -> bytes:
    a, b = cstr(src), cstr(dst)
    return I32.pack(len(a)) + a + I32.pack(len(b)) + b
