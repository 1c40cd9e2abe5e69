"""SectorEmulator: a Sector 2.x master on loopback (protocol notes §1-§6).

Ports, as a real master uses them: TLS login on TCP ``port``, the plain-text certificate
download on TCP ``port - 1``, GMP on UDP ``port`` and large GMP messages over UDT on UDP
``port - 1``. The namespace lives in memory (no slaves yet: files exist only as metadata,
added with :meth:`SectorEmulator.add_file`).
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from .codes import (
    E_BUSY,
    E_EXPIRED,
    E_NOEXIST,
    E_NOTFILE,
    E_PERMISSION,
    E_SECURITY,
    E_UNKNOWN,
    E_VERSION,
    SectorFault,
)
from .gmp import GmpServer
from .metadata import Namespace, normalize
from .slave import SessionReport, Slave

log = logging.getLogger("storewire.emulators.sector")

SECTOR_VERSION = 2006031
DEFAULT_USER = "test"
I32 = struct.Struct("<i")
I64 = struct.Struct("<q")
_MSG = struct.Struct("<ii")


@dataclass
class UserAccount:
    """A user: password, read/write path prefixes (``/`` = everything), root flag."""

    name: str
    password: str
    read: tuple[str, ...] = ("/",)
    write: tuple[str, ...] = ("/",)
    root: bool = False

    def may(self, path: str, *, write: bool) -> bool:
        for prefix in self.write if write else self.read:
            p = normalize(prefix)
            if p == "/" or path == p or path.startswith(p + "/"):
                return True
        return False


@dataclass
class Session:
    key: int
    user: UserAccount
    ip: str
    gmp_port: int
    data_port: int
    crypto_key: bytes
    crypto_iv: bytes
    last_seen: float = field(default_factory=time.monotonic)


def _cstr(data: bytes, offset: int = 0) -> tuple[str, int]:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("utf-8", "surrogateescape"), end + 1


def _recv_exact(conn: ssl.SSLSocket | socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return bytes(buf)


class SectorEmulator:
    """A Sector master. ``users``: name → password (or :class:`UserAccount`s); without
    users, one user ``test`` with a random password. ``data_dir`` keeps the certificate
    (``master_node.cert`` + key) across runs; None uses a temporary directory.

    Fault knobs (attributes, changeable while running): ``drop_rate`` (fraction of GMP
    datagrams dropped in each direction), ``delay_s`` (before each GMP reply);
    :meth:`restart` forgets every session, as a master restart does. ``tls10_only``
    refuses every TLS version but 1.0, as the real master does.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 data_dir: str | os.PathLike[str] | None = None,
                 users: dict[str, str] | list[UserAccount] | None = None, *,
                 drop_rate: float = 0.0, delay_s: float = 0.0, retransmit_s: float = 0.5,
                 disk_bytes: int | None = None, seed: int | None = None,
                 tls10_only: bool = False) -> None:
        self.host = host
        self._requested_port = port
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._configured_users = users is not None
        if users is None:
            accounts = [UserAccount(DEFAULT_USER, secrets.token_urlsafe(12), root=True)]
        elif isinstance(users, dict):
            accounts = [UserAccount(n, p) for n, p in users.items()]
        else:
            accounts = list(users)
        if not accounts:
            raise ValueError("at least one user is needed")
        self.users = {a.name: a for a in accounts}
        self.user = accounts[0].name
        self.password = accounts[0].password
        self._drop_rate = drop_rate
        self._delay_s = delay_s
        self._retransmit_s = retransmit_s
        self._seed = seed
        self.disk_bytes = disk_bytes
        self.tls10_only = tls10_only
        self.namespace = Namespace()
        self.router_key = secrets.randbelow(0x7FFFFFFE) + 1
        self.start_time = int(time.time())
        self._keys = itertools.count(int(time.time()))
        self._sessions: dict[int, Session] = {}
        self._lock = threading.Lock()
        self._temp_dir: str | None = None
        self._tls_sock: socket.socket | None = None
        self._cert_sock: socket.socket | None = None
        self._gmp: GmpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.cert_path: Path | None = None
        self._ssl: ssl.SSLContext | None = None
        self.slave: Slave | None = None
        self._transids = itertools.count(1)
        # path -> (writer transid or 0, reader transids)
        self._locks: dict[str, tuple[int, set[int]]] = {}
        self._open: dict[int, tuple[str, bool]] = {}

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> SectorEmulator:
        if self._gmp is not None:
            return self
        from storewire._native import sector as native

        if self._data_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="storewire-sector-")
            data_dir = Path(self._temp_dir)
        else:
            data_dir = self._data_dir
            data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._persist_default_password(data_dir)
            self.cert_path = data_dir / "master_node.cert"
            key_path = data_dir / "master_node.key"
            if not (self.cert_path.is_file() and key_path.is_file()):
                native.make_self_signed_cert(self.cert_path, key_path)
            self._ssl = self._ssl_context(self.cert_path, key_path, self.tls10_only)
            self._bind_ports(native)
            self.slave = Slave(self.host, data_dir / "slave0", self._slave_report)
        except BaseException:
            self.stop()
            raise
        assert self._gmp is not None
        self._gmp.start()
        for target, name in ((self._tls_loop, "sector-login"), (self._cert_loop, "sector-cert")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        log.info("Sector master emulator on %s:%d", self.host, self.port)
        return self

    def _persist_default_password(self, data_dir: Path) -> None:
        """With a data dir and no configured users, the random password survives restarts."""
        if self._configured_users or self._temp_dir is not None:
            return
        path = data_dir / "password"
        if path.is_file():
            self.password = path.read_text(encoding="utf-8").strip()
            self.users[self.user].password = self.password
        else:
            path.touch(mode=0o600)
            path.write_text(self.password + "\n", encoding="utf-8")

    @staticmethod
    def _ssl_context(cert: Path, key: Path, tls10_only: bool) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            # The real master speaks TLS 1.0 only: allow it here, for Sector alone.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            if tls10_only:
                ctx.maximum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.load_cert_chain(str(cert), str(key))
        return ctx

    def _bind_ports(self, native: object) -> None:
        """TCP N (login), TCP N-1 (certificate), UDP N (GMP), UDT N-1 (large GMP)."""
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
                udt = native.UdtMessageListener(self.host, port - 1)  # type: ignore[attr-defined]
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
            self._gmp = GmpServer(udp, udt, self._handle, retransmit_s=self._retransmit_s,
                                  drop_rate=self._drop_rate, delay_s=self._delay_s,
                                  seed=self._seed)
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
        if self.slave is not None:
            self.slave.close()
            self.slave = None
        for s in (self._tls_sock, self._cert_sock):
            if s is not None:
                s.close()
        self._tls_sock = self._cert_sock = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def restart(self) -> None:
        """Forgets every session, as a master restart does (clients must re-login)."""
        with self._lock:
            self._sessions.clear()

    def __enter__(self) -> SectorEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- public properties -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._tls_sock is None:
            raise RuntimeError("the emulator is not running; call start()")
        return int(self._tls_sock.getsockname()[1])

    @property
    def endpoint(self) -> str:
        return f"sector://{self.host}:{self.port}"

    @property
    def gmp(self) -> GmpServer:
        if self._gmp is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self._gmp

    @property
    def drop_rate(self) -> float:
        return self._gmp.drop_rate if self._gmp else self._drop_rate

    @drop_rate.setter
    def drop_rate(self, value: float) -> None:
        self._drop_rate = value
        if self._gmp is not None:
            self._gmp.drop_rate = value

    @property
    def delay_s(self) -> float:
        return self._gmp.delay_s if self._gmp else self._delay_s

    @delay_s.setter
    def delay_s(self, value: float) -> None:
        self._delay_s = value
        if self._gmp is not None:
            self._gmp.delay_s = value

    def env(self) -> dict[str, str]:
        return {
            "SECTOR_HOST": self.host,
            "SECTOR_PORT": str(self.port),
            "SECTOR_USER": self.user,
            "SECTOR_PASSWORD": self.password,
            "SECTOR_CERT": str(self.cert_path),
        }

    def add_file(self, path: str, size: int, mtime: int | None = None,
                 data: bytes | None = None) -> None:
        """Adds a file: ``data`` (or ``size`` zero bytes) on the slave, and its entry."""
        path = normalize(path)
        if data is not None:
            size = len(data)
        slave = self._slave()
        local = slave.local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        with open(local, "wb") as f:
            if data is not None:
                f.write(data)
            f.truncate(size)
        if mtime is not None:
            os.utime(local, (mtime, mtime))
        self.namespace.add_file(path, size, mtime, [(self.host, slave.data_port)])

    def _slave(self) -> Slave:
        if self.slave is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self.slave

    def sessions(self) -> list[Session]:
        with self._lock:
            return list(self._sessions.values())

    # --- TLS login (§3.1) ---------------------------------------------------------------------

    def _tls_loop(self) -> None:
        assert self._tls_sock is not None
        while not self._stop.is_set():
            try:
                conn, addr = self._tls_sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._login, args=(conn, addr), daemon=True).start()

    def _login(self, raw: socket.socket, addr: tuple[str, int]) -> None:
        assert self._ssl is not None
        raw.settimeout(10)
        try:
            with self._ssl.wrap_socket(raw, server_side=True) as conn:
                self._login_exchange(conn, addr[0])
        except (OSError, ssl.SSLError, ConnectionError, struct.error) as exc:
            log.debug("login from %s ended: %s", addr, exc)
        finally:
            raw.close()

    def _login_exchange(self, conn: ssl.SSLSocket, client_ip: str) -> None:
        (version,) = I32.unpack(_recv_exact(conn, 4))
        if version != SECTOR_VERSION:
            conn.sendall(I32.pack(E_VERSION))
            return
        (cmd,) = I32.unpack(_recv_exact(conn, 4))
        if cmd != 2:
            return  # slave and master joins are not emulated yet
        user = _recv_exact(conn, 64).split(b"\0", 1)[0].decode("utf-8", "replace")
        password = _recv_exact(conn, 128).split(b"\0", 1)[0].decode("utf-8", "replace")
        (previous,) = I32.unpack(_recv_exact(conn, 4))
        account = self.users.get(user)
        if account is None or not secrets.compare_digest(account.password, password):
            conn.sendall(I32.pack(E_SECURITY))
            return
        key = previous if previous > 0 else next(self._keys)
        conn.sendall(I32.pack(key))
        gmp_port, data_port = struct.unpack("<ii", _recv_exact(conn, 8))
        crypto_key = _recv_exact(conn, 16)
        crypto_iv = _recv_exact(conn, 8)
        with self._lock:
            self._sessions[key] = Session(key, account, client_ip, gmp_port, data_port,
                                          crypto_key, crypto_iv)
        topology = struct.pack("<ii", 0, 0)  # no topology entries
        out = I32.pack(len(topology)) + topology
        if previous <= 0:
            out += I32.pack(self.router_key) + I32.pack(0)  # no other masters
        out += I32.pack(key)  # sync word
        conn.sendall(out)

    def _cert_loop(self) -> None:
        assert self._cert_sock is not None and self.cert_path is not None
        pem = self.cert_path.read_bytes()
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

    # --- GMP dispatch (§5.5, §6) --------------------------------------------------------------

    def _handle(self, ip: str, port: int, payload: bytes) -> bytes | None:
        if len(payload) < _MSG.size:
            return None
        mtype, key = _MSG.unpack_from(payload)
        data = payload[_MSG.size:]
        try:
            session = self._session_for(key, ip, port)
            reply = self._dispatch(mtype, session, data)
        except SectorFault as fault:
            return _MSG.pack(-1, 0) + I32.pack(fault.code)
        except (ValueError, IndexError, struct.error):
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

    def _check(self, session: Session, path: str, *, write: bool) -> None:
        if not session.user.may(path, write=write):
            raise SectorFault(E_PERMISSION)

    def _dispatch(self, mtype: int, s: Session, data: bytes) -> bytes:
        ns = self.namespace
        if mtype == 2:  # logout
            with self._lock:
                self._sessions.pop(s.key, None)
            return b""
        if mtype == 3:
            return self._sysinfo()
        if mtype == 5:
            return I32.pack(0)
        if mtype == 6:
            return data
        if mtype == 12:
            used, _ = ns.totals()
            return I64.pack(self._free_disk()) + I64.pack(used)
        if mtype in (101, 114):
            path = normalize(_cstr(data)[0])
            self._check(s, path, write=False)
            return ns.list(path, locations=mtype == 101).encode() + b"\0"
        if mtype == 102:
            path = normalize(_cstr(data)[0])
            self._check(s, path, write=False)
            return ns.stat(path).encode() + b"\0"
        if mtype == 103:
            path = normalize(_cstr(data)[0])
            self._check(s, path, write=True)
            ns.mkdir(path)
            self._slave().fs_mkdir(path)
            return data
        if mtype == 110:
            return self._open_file(s, data)
        if mtype in (104, 106):
            src, dst = self._two_paths(data)
            self._check(s, dst, write=True)
            if mtype == 104:
                self._check(s, src, write=True)
                self._check(s, src, write=False)
                self._not_open(src)
                moved = ns.move(src, dst)
                self._slave().fs_move(src, normalize(f"{moved[1]}/{moved[2]}"))
                return b"".join(x.encode() + b"\0" for x in moved)
            self._check(s, src, write=False)
            target = normalize(f"{dst}/{src.rpartition('/')[2]}") if ns.exists(dst) else dst
            ns.copy(src, dst)
            if src != dst:
                self._slave().fs_copy(src, target)
            return data
        if mtype == 105:
            path = normalize(_cstr(data)[0])
            self._check(s, path, write=True)
            self._not_open(path)
            ns.remove(path)
            self._slave().fs_remove(path)
            return b""
        if mtype == 107:
            text, end = _cstr(data)
            path = normalize(text)
            self._check(s, path, write=True)
            (mtime,) = I64.unpack_from(data, end)
            ns.utime(path, mtime)
            self._slave().fs_utime(path, mtime)
            return b""
        raise SectorFault(E_UNKNOWN)

    def _not_open(self, path: str) -> None:
        with self._lock:
            if path in self._locks:
                raise SectorFault(E_BUSY)

    def _open_file(self, s: Session, data: bytes) -> bytes:
        mode, data_port, name_len = struct.unpack_from("<iii", data)
        path = normalize(data[12:12 + name_len].split(b"\0", 1)[0].decode("utf-8",
                                                                            "surrogateescape"))
        write = bool(mode & 2)
        if mode & 1:
            self._check(s, path, write=False)
        if write:
            self._check(s, path, write=True)
        ns = self.namespace
        info = ns.lookup(path)
        if info is None:
            if not write:
                raise SectorFault(E_NOEXIST)
        elif info[0]:
            raise SectorFault(E_NOTFILE)
        transid = next(self._transids)
        with self._lock:
            writer, readers = self._locks.get(path, (0, set()))
            if writer or (write and readers):
                raise SectorFault(E_BUSY)
            if write:
                writer = transid
            else:
                readers = readers | {transid}
            self._locks[path] = (writer, readers)
            self._open[transid] = (path, write)
        slave = self._slave()
        try:
            if info is None:
                ns.add_file(path, 0, None, [(self.host, slave.data_port)])
            slave.expect(s.ip, data_port, transid, path, mode, s.crypto_key, s.crypto_iv)
        except BaseException:
            self._unlock(transid)
            raise
        size, mtime = (0, int(time.time())) if info is None else (info[1], info[2])
        if mode & 4:
            size = 0
        return (struct.pack("<iqqi", transid, size, mtime, 1)
                + self.host.encode().ljust(64, b"\0") + I32.pack(slave.data_port))

    def _unlock(self, transid: int) -> None:
        with self._lock:
            path, write = self._open.pop(transid, ("", False))
            if not path:
                return
            writer, readers = self._locks.get(path, (0, set()))
            if write:
                writer = 0
            readers = readers - {transid}
            if writer or readers:
                self._locks[path] = (writer, readers)
            else:
                self._locks.pop(path, None)

    def _slave_report(self, report: SessionReport) -> None:
        """The slave's close report (§10.3): new size and mtime, then the lock goes."""
        try:
            if report.wrote:
                self.namespace.set_file(report.path, report.size, report.mtime)
        finally:
            self._unlock(report.transid)

    @staticmethod
    def _two_paths(data: bytes) -> tuple[str, str]:
        (n1,) = I32.unpack_from(data, 0)
        src = data[4:4 + n1].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        (n2,) = I32.unpack_from(data, 4 + n1)
        dst = data[8 + n1:8 + n1 + n2].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        return normalize(src), normalize(dst)

    def _free_disk(self) -> int:
        if self.disk_bytes is not None:
            used, _ = self.namespace.totals()
            return max(0, self.disk_bytes - used)
        where = self._temp_dir or self._data_dir or tempfile.gettempdir()
        return shutil.disk_usage(where).free

    def _sysinfo(self) -> bytes:
        total_bytes, total_files = self.namespace.totals()
        free = self._free_disk()
        out = struct.pack("<qqqqq", self.start_time, free, total_bytes, total_files, 0)
        out += I32.pack(1) + struct.pack("<iiqqqq", 0, 0, free, total_bytes, 0, 0)
        out += I32.pack(1) + struct.pack("<i16si", self.router_key, b"", self.port)
        out += I32.pack(0)  # no slaves yet
        return out
