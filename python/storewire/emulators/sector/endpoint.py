"""One emulated master's network side: TLS login on TCP
``port``, the plain-text certificate on TCP ``port - 1``, GMP on UDP ``port`` and large GMP
messages over UDT on UDP ``port - 1``. Each master has its own router key and session
table; the file-system work is the cluster's: whatever implements :class:`Cluster`
(:class:`~.master.SectorEmulator`).
"""

from __future__ import annotations

import logging
import secrets
import socket
import ssl
import struct
import threading
import time
from typing import Protocol

from .accounts import Session, UserAccount
from .codes import E_EXPIRED, E_ROUTING, E_SECURITY, E_UNKNOWN, E_VERSION, SectorFault
from .gmp import GmpServer
from .metadata import normalize
from .routing import KEY_ROUTED, PATH_ROUTED, key_index, path_index

log = logging.getLogger("storewire.emulators.sector")

SECTOR_VERSION = 2006031
I32 = struct.Struct("<i")
_MSG = struct.Struct("<ii")


def recv_exact(conn: ssl.SSLSocket | socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return bytes(buf)


def first_path(mtype: int, data: bytes) -> str:
    """The path a request is routed by: the cstr, or the source of move/copy."""
    if mtype in (104, 106):
        (n,) = I32.unpack_from(data, 0)
        raw = data[4:4 + n]
    elif mtype == 110:
        (n,) = I32.unpack_from(data, 8)
        raw = data[12:12 + n]
    else:
        raw = data
    return normalize(raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape"))


class Cluster(Protocol):
    """What a master's network side asks of the cluster it belongs to (declared here, so
    that this module needs nothing from the cluster's)."""

    retransmit_s: float
    seed: int | None

    @property
    def drop_rate(self) -> float: ...

    @property
    def delay_s(self) -> float: ...

    @property
    def ssl_context(self) -> ssl.SSLContext: ...

    def certificate_pem(self) -> bytes: ...

    def authenticate(self, user: str, password: str) -> UserAccount | None: ...

    def new_key(self) -> int: ...

    def routing_order(self) -> list[MasterEndpoint]: ...

    def other_masters(self, me: MasterEndpoint) -> list[tuple[int, str, int]]: ...

    def dispatch(self, me: MasterEndpoint, mtype: int, s: Session, data: bytes) -> bytes: ...


class MasterEndpoint:
    """Master number ``index`` of ``cluster``, listening on ``host:port`` (0 = any)."""

    def __init__(self, cluster: Cluster, index: int, host: str, port: int) -> None:
        self.cluster = cluster
        self.index = index
        self.host = host
        self.router_key = secrets.randbelow(0x7FFFFFFE) + 1
        self._requested_port = port
        self._sessions: dict[int, Session] = {}
        self._lock = threading.Lock()
        self._tls_sock: socket.socket | None = None
        self._cert_sock: socket.socket | None = None
        self._gmp: GmpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._bind_ports()
        assert self._gmp is not None
        self._gmp.start()
        for target, name in ((self._tls_loop, "sector-login"), (self._cert_loop, "sector-cert")):
            t = threading.Thread(target=target, name=f"{name}-{self.index}", daemon=True)
            t.start()
            self._threads.append(t)

    def _bind_ports(self) -> None:
        """TCP N (login), TCP N-1 (certificate), UDP N (GMP), UDT N-1 (large GMP)."""
        from storewire._native import sector as native

        attempts = 1 if self._requested_port else 50
        last: Exception | None = None
        for _ in range(attempts):
            socks: list[socket.socket] = []
            try:
                tls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(tls)
                tls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tls.bind((self.host, self._requested_port))
                port = tls.getsockname()[1]
                if port < 2:
                    raise OSError("port too low")
                cert = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(cert)
                cert.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                cert.bind((self.host, port - 1))
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(udp)
                udp.bind((self.host, port))
                udt = native.UdtMessageListener(self.host, port - 1)
            except Exception as exc:
                last = exc
                for s in socks:
                    s.close()
                continue
            tls.listen(64)
            cert.listen(16)
            tls.settimeout(0.1)
            cert.settimeout(0.1)
            self._tls_sock, self._cert_sock = tls, cert
            c = self.cluster
            self._gmp = GmpServer(udp, udt, self._handle, retransmit_s=c.retransmit_s,
                                  drop_rate=c.drop_rate, delay_s=c.delay_s, seed=c.seed)
            return
        raise OSError(f"could not bind the Sector master ports: {last}")

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self._threads = []
        if self._gmp is not None:
            self._gmp.stop()
            self._gmp = None
        for s in (self._tls_sock, self._cert_sock):
            if s is not None:
                s.close()
        self._tls_sock = self._cert_sock = None

    def restart(self) -> None:
        """Forgets every session, as a master restart does (clients must re-login)."""
        with self._lock:
            self._sessions.clear()

    # --- state -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._tls_sock is None:
            raise RuntimeError("the emulator is not running; call start()")
        return int(self._tls_sock.getsockname()[1])

    @property
    def gmp(self) -> GmpServer:
        if self._gmp is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self._gmp

    def sessions(self) -> list[Session]:
        with self._lock:
            return list(self._sessions.values())

    def expire(self, idle_s: float) -> list[Session]:
        """Drops and returns the sessions that made no valid request for ``idle_s``."""
        cutoff = time.monotonic() - idle_s
        with self._lock:
            old = [s for s in self._sessions.values() if s.last_seen < cutoff]
            for s in old:
                del self._sessions[s.key]
        return old

    def drop_session(self, key: int) -> None:
        with self._lock:
            self._sessions.pop(key, None)

    # --- TLS login ---------------------------------------------------------------------

    def _tls_loop(self) -> None:
        assert self._tls_sock is not None
        while not self._stop.is_set():
            try:
                conn, addr = self._tls_sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._login, args=(conn, addr), daemon=True).start()

    def _login(self, raw: socket.socket, addr: tuple[str, int]) -> None:
        raw.settimeout(10)
        try:
            with self.cluster.ssl_context.wrap_socket(raw, server_side=True) as conn:
                self._login_exchange(conn, addr[0])
        except (OSError, ssl.SSLError, ConnectionError, struct.error) as exc:
            log.debug("login from %s ended: %s", addr, exc)
        finally:
            raw.close()

    def _login_exchange(self, conn: ssl.SSLSocket, client_ip: str) -> None:
        (version,) = I32.unpack(recv_exact(conn, 4))
        if version != SECTOR_VERSION:
            conn.sendall(I32.pack(E_VERSION))
            return
        (cmd,) = I32.unpack(recv_exact(conn, 4))
        if cmd != 2:
            return  # slave and master joins: the emulated slaves live in-process
        user = recv_exact(conn, 64).split(b"\0", 1)[0].decode("utf-8", "replace")
        password = recv_exact(conn, 128).split(b"\0", 1)[0].decode("utf-8", "replace")
        (previous,) = I32.unpack(recv_exact(conn, 4))
        account = self.cluster.authenticate(user, password)
        if account is None:
            conn.sendall(I32.pack(E_SECURITY))
            return
        key = previous if previous > 0 else self.cluster.new_key()  # re-login keeps the key
        conn.sendall(I32.pack(key))
        gmp_port, data_port = struct.unpack("<ii", recv_exact(conn, 8))
        crypto_key = recv_exact(conn, 16)
        crypto_iv = recv_exact(conn, 8)
        with self._lock:
            self._sessions[key] = Session(key, account, client_ip, gmp_port, data_port,
                                          crypto_key, crypto_iv, master=self.index)
        topology = struct.pack("<ii", 0, 0)  # no topology entries
        out = I32.pack(len(topology)) + topology
        if previous <= 0:
            out += I32.pack(self.router_key)
            others = self.cluster.other_masters(self)
            out += I32.pack(len(others))
            for key_, ip, port in others:
                raw_ip = ip.encode() + b"\0"
                out += I32.pack(key_) + I32.pack(len(raw_ip)) + raw_ip + I32.pack(port)
        out += I32.pack(key)  # sync word
        conn.sendall(out)

    def _cert_loop(self) -> None:
        assert self._cert_sock is not None
        pem = self.cluster.certificate_pem()
        while not self._stop.is_set():
            try:
                conn, _ = self._cert_sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                try:
                    conn.settimeout(5)
                    conn.sendall(I32.pack(len(pem)) + pem)
                except OSError:
                    pass

    # --- GMP ---------------------------------------------------------------------

    def _handle(self, ip: str, port: int, payload: bytes) -> bytes | None:
        if len(payload) < _MSG.size:
            return None
        mtype, key = _MSG.unpack_from(payload)
        data = payload[_MSG.size:]
        try:
            session = self._session_for(key, ip, port)
            self._check_route(mtype, session, data)
            reply = self.cluster.dispatch(self, mtype, session, data)
        except SectorFault as fault:
            return _MSG.pack(-1, 0) + I32.pack(fault.code)
        except (ValueError, IndexError, struct.error):
            return _MSG.pack(-1, 0) + I32.pack(E_UNKNOWN)
        except Exception:  # e.g. a slave's disk failed: answer, never leave the client waiting
            log.exception("GMP request type %d failed", mtype)
            return _MSG.pack(-1, 0) + I32.pack(E_UNKNOWN)
        return _MSG.pack(mtype, key) + reply

    def _session_for(self, key: int, ip: str, port: int) -> Session:
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                raise SectorFault(E_EXPIRED if key > 0 else E_SECURITY)
            if session.ip != ip or session.gmp_port != port:
                raise SectorFault(E_SECURITY)
            session.last_seen = time.monotonic()
            return session

    def _check_route(self, mtype: int, session: Session, data: bytes) -> None:
        """A master that does not own the path (or key) answers E_ROUTING."""
        order = self.cluster.routing_order()
        if len(order) < 2:
            return
        if mtype in PATH_ROUTED:
            owner = order[path_index(first_path(mtype, data), len(order))]
        elif mtype in KEY_ROUTED:
            owner = order[key_index(session.key, len(order))]
        else:
            return
        if owner is not self:
            raise SectorFault(E_ROUTING)
