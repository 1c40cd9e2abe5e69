"""Hostile Sector peers for the hostile suite (issue 19), run in the test process.

- :class:`HostileLoginServer`: a TLS server that answers the login exchange with
  scripted bytes (``login_script``, ``login_tail``).
- :class:`TamperedCluster`: a real :class:`SectorEmulator` in which one kind of GMP reply
  (``tamper_gmp``) or one data-channel command of the slave (``tamper_slave``) is replaced
  by a hostile answer; everything else stays the emulator's own, correct behaviour. The
  replacement patches the running master's GMP endpoint or slave instance in place.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from fault_servers import ScriptedServer
from storewire.emulators.sector import SectorEmulator

I32 = struct.Struct("<i")
MSG = struct.Struct("<ii")
GMP = struct.Struct("<iiii")
HELLO = 4 + 4 + 64 + 128 + 4  # login steps 1-5: version, cmd, user, password, previous key
CLIENT_PARAMS = 4 + 4 + 16 + 8  # steps 7-10: GMP port, data port, key, IV
FILE_PATH = "/f"
FILE_DATA = bytes(range(256)) * 40  # what /f holds in every TamperedCluster

# ---- login ------------------------------------------------------------------------------


def recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        piece = conn.recv(n - len(buf))
        if not piece:
            raise ConnectionError("client closed")
        buf += piece
    return buf


def login_tail(topology: bytes = I32.pack(8) + bytes(8), router_key: int = 7,
               masters: bytes = I32.pack(0), sync: int = 1234) -> bytes:
    """Steps 11-14 of a first login, each replaceable by hostile bytes."""
    return topology + I32.pack(router_key) + masters + I32.pack(sync)


def master_entry(key: int, ip: bytes, port: int, length: int | None = None) -> bytes:
    raw = ip + b"\0"
    return (I32.pack(key) + I32.pack(len(raw) if length is None else length) + raw +
            struct.pack("<I", port & 0xFFFFFFFF))


LoginScript = Callable[[socket.socket, threading.Event], None]


def login_script(key: bytes, tail: bytes | None = None, *, drip_s: float = 0.0,
                 stall: bool = False) -> LoginScript:
    """Reads steps 1-5, sends ``key`` (step 6), then (``tail``) reads steps 7-10 and sends
    ``tail``; ``drip_s``: one byte at a time, this far apart; ``stall``: then waits."""

    def run(conn: socket.socket, stopping: threading.Event) -> None:
        recv_exact(conn, HELLO)
        send(conn, key, drip_s, stopping)
        if tail is not None:
            recv_exact(conn, CLIENT_PARAMS)
            send(conn, tail, drip_s, stopping)
        if stall:
            stopping.wait()

    return run


def send(conn: socket.socket, data: bytes, drip_s: float, stopping: threading.Event) -> None:
    if not drip_s:
        conn.sendall(data)
        return
    for i in range(len(data)):
        conn.sendall(data[i:i + 1])
        if stopping.wait(drip_s):
            return


class HostileLoginServer(ScriptedServer):
    """``script(conn, stopping)`` runs inside TLS (certificate ``cert``/``key``), or on the
    raw TCP connection with ``tls=False`` (a server that does not speak TLS at all)."""

    def __init__(self, cert: Path, key: Path, script: LoginScript, *, tls: bool = True) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(key))

        def serve(conn: socket.socket, server: ScriptedServer) -> None:
            if not tls:
                script(conn, server.stopping)
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls_conn:
                    script(tls_conn, server.stopping)
            except (ssl.SSLError, ConnectionError):
                pass

        super().__init__(serve)


# ---- GMP replies ------------------------------------------------------------------------


@dataclass
class GmpRequest:
    """One request a tampered master got; the hostile answer is built from it."""

    gmp: Any  # the master's GmpServer
    addr: tuple[str, int]
    msg_id: int
    payload: bytes

    @property
    def mtype(self) -> int:
        return int(MSG.unpack_from(self.payload)[0])

    @property
    def key(self) -> int:
        return int(MSG.unpack_from(self.payload)[1])

    def real(self) -> bytes:
        """The reply the emulator would have sent (header included)."""
        return bytes(self.gmp._handler(self.addr[0], self.addr[1], self.payload))

    def reply(self, data: bytes, mtype: int | None = None) -> bytes:
        """A success reply (this request's type unless ``mtype``) carrying ``data``."""
        return MSG.pack(self.mtype if mtype is None else mtype, self.key) + data

    def datagram(self, kind: int, msg_id: int, info: int, payload: bytes = b"") -> None:
        """A raw GMP datagram to the client, from the master's own port."""
        self.gmp._sock.sendto(GMP.pack(kind, self.gmp._session, msg_id, info) + payload,
                              self.addr)


# answer(request) -> the reply payload to send (header included), or None for silence
GmpAnswer = Callable[[GmpRequest], "bytes | None"]


def error_reply(code: int) -> bytes:
    return MSG.pack(-1, 0x5A5A5A5A) + I32.pack(code)


# ---- slave commands ---------------------------------------------------------------------


@dataclass
class SlaveCommand:
    """One data-channel command a tampered slave got."""

    slave: Any
    session: Any  # the slave's _FileSession

    @property
    def transid(self) -> int:
        return int(self.session.transid)

    def next(self) -> bytes:
        """The client's next frame of this session (a parameter)."""
        return bytes(self.slave._next(self.session))

    def frame(self, data: bytes, session: int | None = None) -> None:
        sid = self.transid if session is None else session
        self.slave._dc.send_frame(self.session.peer[0], self.session.peer[1], sid, data)

    def raw(self, data: bytes) -> None:
        """Bytes on the stream as they are (headers that lie, frames cut short)."""
        self.slave._dc.send_raw(self.session.peer[0], self.session.peer[1], data)

    def head(self, size: int, session: int | None = None) -> bytes:
        return struct.pack("<ii", self.transid if session is None else session, size)


SlaveAnswer = Callable[[SlaveCommand], None]


# ---- the cluster ------------------------------------------------------------------------


class TamperedCluster:
    """An emulated cluster (``masters``) with /f holding FILE_DATA, whose GMP replies and
    slave commands tests can replace one kind at a time (:meth:`reset` undoes it)."""

    def __init__(self, data_dir: Path, cert_dir: Path, *, masters: int = 1) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("master_node.cert", "master_node.key"):
            shutil.copy(cert_dir / name, data_dir / name)
        self.emulator = SectorEmulator(data_dir=data_dir, masters=masters, retransmit_s=0.2)
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> TamperedCluster:
        self.emulator.start()
        self.emulator.add_file(FILE_PATH, 0, data=FILE_DATA)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.reset()
        self.emulator.stop()

    def peer(self) -> dict[str, Any]:
        e = self.emulator
        return {"host": e.host, "port": e.port, "user": e.user, "password": e.password,
                "cert": str(e.cert_path)}

    def reset(self) -> None:
        while self._undo:
            self._undo.pop()()

    def tamper_gmp(self, mtype: int, answer: GmpAnswer) -> None:
        """Every request of ``mtype`` (at every master) gets ``answer`` instead."""
        for endpoint in self.emulator.masters:
            gmp = endpoint.gmp
            original = gmp._on_message
            seen: set[tuple[tuple[str, int], int, int]] = set()

            def on_message(addr: tuple[str, int], session: int, msg_id: int, info: int,
                           payload: bytes, *, gmp: Any = gmp, original: Any = original,
                           seen: set[tuple[tuple[str, int], int, int]] = seen) -> None:
                if info != 0 or len(payload) < MSG.size or MSG.unpack_from(payload)[0] != mtype:
                    original(addr, session, msg_id, info, payload)
                    return
                if (addr, session, msg_id) in seen:
                    return  # a resent request: answered (or ignored) once already
                seen.add((addr, session, msg_id))
                reply = answer(GmpRequest(gmp, addr, msg_id, payload))
                if reply is not None:
                    gmp.send_reply(addr, msg_id, reply)

            gmp._on_message = on_message
            self._undo.append(lambda gmp=gmp, original=original: setattr(
                gmp, "_on_message", original))

    def tamper_slave(self, cmd: int, answer: SlaveAnswer) -> None:
        """Data-channel command ``cmd`` (5 = close) of every slave runs ``answer``."""
        for slave in self.emulator.slaves:
            if cmd == 5:
                original = slave._close
                slave._close = lambda s, slave=slave: answer(SlaveCommand(slave, s))
                self._undo.append(lambda slave=slave, original=original: setattr(
                    slave, "_close", original))
                continue
            original = slave._command

            def command(s: Any, c: int, *, slave: Any = slave, original: Any = original) -> None:
                if c == cmd:
                    answer(SlaveCommand(slave, s))
                else:
                    original(s, c)

            slave._command = command
            self._undo.append(lambda slave=slave, original=original: setattr(
                slave, "_command", original))

    def spoof_master_ports(self, high_bits: int) -> None:
        """Every other master's port, at login (steps 12-13) and in type 5 replies, carries
        ``high_bits`` in its upper 16 bits, as a real 2.7 master can send it."""
        e = self.emulator
        original = e.other_masters

        def spoofed(me: Any) -> list[tuple[int, str, int]]:
            return [(k, ip, struct.unpack("<i", struct.pack("<I", (high_bits << 16) | port))[0])
                    for k, ip, port in original(me)]

        e.other_masters = spoofed  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(e, "other_masters", original))
