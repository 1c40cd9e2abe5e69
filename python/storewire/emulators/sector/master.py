"""SectorEmulator: a Sector 2.x cluster on loopback (protocol notes §1-§8).

One or more masters (:class:`~.endpoint.MasterEndpoint`: TLS login, certificate download,
GMP over UDP and UDT), each with its own router key and sessions, sharing one namespace,
one set of path locks and one or more slaves (:class:`~.pool.SlavePool`) that store the
files under ``data_dir`` and serve them over the UDT data channel. With several masters
each answers E_ROUTING for paths and keys it does not own (§5.8).
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import shutil
import ssl
import struct
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from .accounts import Session, UserAccount
from .codes import (
    E_AUTHORITY,
    E_BUSY,
    E_NOEXIST,
    E_NOREPLICA,
    E_NOTFILE,
    E_PERMISSION,
    E_RESOURCE,
    E_SECURITY,
    E_UNKNOWN,
    SectorFault,
)
from .endpoint import MasterEndpoint
from .gmp import GmpServer
from .metadata import Namespace, check_new_name, normalize
from .pool import SlavePool
from .routing import ordered
from .slave import SessionReport, Slave
from .transactions import Transactions

log = logging.getLogger("storewire.emulators.sector")

DEFAULT_USER = "test"
I32 = struct.Struct("<i")
I64 = struct.Struct("<q")

__all__ = ["SectorEmulator", "Session", "UserAccount"]


def _cstr(data: bytes, offset: int = 0) -> tuple[str, int]:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("utf-8", "surrogateescape"), end + 1


class SectorEmulator:
    """A Sector cluster. ``users``: name → password (or :class:`UserAccount`s); without
    users, one root user ``test`` with a random password. ``data_dir`` keeps the
    certificate (``master_node.cert`` + key) and the slaves' files across runs, and the
    namespace is rebuilt from the slaves' disks at start, as a real master does; None uses
    a temporary directory.

    ``masters``: how many masters (the first listens on ``port``, the others on free
    ports); ``slaves``: how many slaves; ``replicas``: the replica count of every file
    (REPLICA_NUM): a written file gets its extra copies in the background after its close.

    Fault knobs, changeable while running: ``drop_rate`` (fraction of GMP datagrams dropped
    in each direction), ``delay_s`` (before each GMP reply), :meth:`restart` (a master
    forgets its sessions and rebuilds the namespace from the slaves), :meth:`kill_slave`.
    ``tls10_only`` refuses every TLS version but 1.0, as the real master does.
    ``client_timeout_s`` (CLIENT_TIMEOUT): a session with no valid request for that long is
    dropped and its open files are released.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 data_dir: str | os.PathLike[str] | None = None,
                 users: dict[str, str] | list[UserAccount] | None = None, *,
                 masters: int = 1, slaves: int = 1, replicas: int = 1,
                 drop_rate: float = 0.0, delay_s: float = 0.0, retransmit_s: float = 0.5,
                 disk_bytes: int | None = None, seed: int | None = None,
                 tls10_only: bool = False, client_timeout_s: float = 600.0) -> None:
        if masters < 1 or slaves < 1 or replicas < 1:
            raise ValueError("masters, slaves and replicas must each be at least 1")
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
        self._master_count = masters
        self._slave_count = slaves
        self.replicas = replicas
        self._drop_rate = drop_rate
        self._delay_s = delay_s
        self.retransmit_s = retransmit_s
        self.seed = seed
        self.disk_bytes = disk_bytes
        self.tls10_only = tls10_only
        self.client_timeout_s = client_timeout_s
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.namespace = Namespace(replicas)
        self.start_time = int(time.time())
        self._keys = itertools.count(int(time.time()))
        self._keys_lock = threading.Lock()
        self.transactions = Transactions()
        self._reports_lock = threading.Lock()
        self.masters: list[MasterEndpoint] = []
        self.pool: SlavePool | None = None
        self._temp_dir: str | None = None
        self.cert_path: Path | None = None
        self._ssl: ssl.SSLContext | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> SectorEmulator:
        if self.masters:
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
            self.pool = SlavePool(self.host, data_dir, self._slave_count, self._slave_report)
            self._rebuild_namespace()
            for i in range(self._master_count):
                endpoint = MasterEndpoint(self, i, self.host, self._requested_port if i == 0
                                          else 0)
                self.masters.append(endpoint)
                endpoint.start()
        except BaseException:
            self.stop()
            raise
        self._stopping.clear()
        self._sweeper = threading.Thread(target=self._expire_sessions, daemon=True,
                                         name="sector-session-timeout")
        self._sweeper.start()
        log.info("Sector emulator on %s:%d (%d masters, %d slaves)", self.host, self.port,
                 len(self.masters), self._slave_count)
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

    def stop(self) -> None:
        self._stopping.set()
        if self._sweeper is not None:
            self._sweeper.join(5)
            self._sweeper = None
        for endpoint in self.masters:
            endpoint.stop()
        self.masters = []
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def _expire_sessions(self) -> None:
        """CLIENT_TIMEOUT (§3.2): idle sessions go, and with them their open files."""
        while not self._stopping.wait(min(1.0, self.client_timeout_s / 4)):
            for endpoint in list(self.masters):
                for session in endpoint.expire(self.client_timeout_s):
                    self.transactions.end_session(session.key, endpoint.index)
                    log.info("session %d at master %d timed out", session.key,
                             endpoint.index)

    def restart(self, master: int | None = None) -> None:
        """A master restart (``None``: every master): its sessions are forgotten, so
        clients must re-login, and the namespace comes back from the slaves' disks."""
        for endpoint in self.masters if master is None else [self.masters[master]]:
            endpoint.restart()
        self._rebuild_namespace()

    def kill_slave(self, index: int) -> None:
        """Stops slave ``index`` at once (its transfers break); its replicas are forgotten
        and nothing new goes to it."""
        pool = self._pool()
        if pool.kill(index):
            self.namespace.drop_location(pool.address(index))

    def details(self) -> list[str]:
        """What ``storewire serve`` prints about the cluster besides the client settings."""
        lines = [f"master {m.index}: {m.host}:{m.port} (router key {m.router_key})"
                 for m in self.masters] if len(self.masters) > 1 else []
        pool = self._pool()
        for i, slave in enumerate(pool.slaves):
            lines.append(f"slave {i}: {slave.host}:{slave.data_port}, files in {slave.root}")
        if self.replicas > 1:
            lines.append(f"replicas per file: {self.replicas}")
        return lines

    def on_signal(self, name: str) -> None:
        """``storewire serve``'s runtime knobs: SIGHUP restarts every master, SIGUSR1
        kills the next live slave."""
        if name == "SIGHUP":
            self.restart()
            print("sector: masters restarted (sessions forgotten)", flush=True)
        elif name == "SIGUSR1":
            live = self._pool().live()
            if not live:
                print("sector: no live slave left to kill", flush=True)
                return
            self.kill_slave(live[0])
            ip, port = self._pool().address(live[0])
            print(f"sector: slave {live[0]} ({ip}:{port}) killed", flush=True)

    def __enter__(self) -> SectorEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- public properties -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The first master's port (the one clients are pointed at)."""
        return self._master(0).port

    @property
    def endpoint(self) -> str:
        return f"sector://{self.host}:{self.port}"

    @property
    def router_key(self) -> int:
        return self._master(0).router_key

    @property
    def gmp(self) -> GmpServer:
        return self._master(0).gmp

    @property
    def slave(self) -> Slave:
        """The first slave."""
        return self._pool().slaves[0]

    @property
    def slaves(self) -> list[Slave]:
        return list(self._pool().slaves)

    @property
    def drop_rate(self) -> float:
        return self._drop_rate

    @drop_rate.setter
    def drop_rate(self, value: float) -> None:
        self._drop_rate = value
        for endpoint in self.masters:
            endpoint.gmp.drop_rate = value

    @property
    def delay_s(self) -> float:
        return self._delay_s

    @delay_s.setter
    def delay_s(self, value: float) -> None:
        self._delay_s = value
        for endpoint in self.masters:
            endpoint.gmp.delay_s = value

    def env(self) -> dict[str, str]:
        return {
            "SECTOR_HOST": self.host,
            "SECTOR_PORT": str(self.port),
            "SECTOR_USER": self.user,
            "SECTOR_PASSWORD": self.password,
            "SECTOR_CERT": str(self.cert_path),
        }

    def sessions(self, master: int | None = None) -> list[Session]:
        """Logged-in sessions at one master, or at all of them."""
        chosen = self.masters if master is None else [self._master(master)]
        return [s for endpoint in chosen for s in endpoint.sessions()]

    def replica_slaves(self, path: str) -> list[int]:
        """Indexes of the live slaves holding ``path``."""
        pool = self._pool()
        found = (pool.index_of(a) for a in self.namespace.locations(normalize(path)))
        return [i for i in found if i is not None]

    def add_file(self, path: str, size: int, mtime: int | None = None,
                 data: bytes | None = None) -> None:
        """Adds a file (``data``, or ``size`` zero bytes) on ``replicas`` slaves at once."""
        path = normalize(path)
        if data is not None:
            size = len(data)
        pool = self._pool()
        placed: list[int] = []
        for _ in range(self.replicas):
            i = pool.pick_new({pool.slaves[j].host for j in placed})
            if i is None:
                break
            placed.append(i)
            local = pool.slaves[i].local(path)
            local.parent.mkdir(parents=True, exist_ok=True)
            with open(local, "wb") as f:
                if data is not None:
                    f.write(data)
                f.truncate(size)
            if mtime is not None:
                os.utime(local, (mtime, mtime))
        if not placed:
            raise SectorFault(E_RESOURCE)
        self.namespace.add_file(path, size, mtime, [pool.address(i) for i in placed])

    # --- what the endpoints ask of the cluster -------------------------------------------------

    @property
    def ssl_context(self) -> ssl.SSLContext:
        assert self._ssl is not None
        return self._ssl

    def certificate_pem(self) -> bytes:
        assert self.cert_path is not None
        return self.cert_path.read_bytes()

    def authenticate(self, user: str, password: str) -> UserAccount | None:
        account = self.users.get(user)
        if account is None or not secrets.compare_digest(account.password, password):
            return None
        return account

    def new_key(self) -> int:
        """Session keys count up from the start time, as the security server's do."""
        with self._keys_lock:
            return next(self._keys)

    def routing_order(self) -> list[MasterEndpoint]:
        by_key = {m.router_key: m for m in self.masters}
        return [by_key[k] for k in ordered(list(by_key))]

    def other_masters(self, me: MasterEndpoint) -> list[tuple[int, str, int]]:
        return [(m.router_key, m.host, m.port) for m in self.masters if m is not me]

    # --- commands (§6) ------------------------------------------------------------------------

    def dispatch(self, me: MasterEndpoint, mtype: int, s: Session, data: bytes) -> bytes:
        ns = self.namespace
        if mtype == 2:  # logout
            me.drop_session(s.key)
            self.transactions.end_session(s.key, me.index)
            return b""
        if mtype == 3:
            return self._sysinfo(me)
        if mtype == 5:
            others = self.other_masters(me)
            return I32.pack(len(others)) + b"".join(
                I32.pack(k) + ip.encode() + b"\0" + I32.pack(p) for k, ip, p in others)
        if mtype == 6:
            return data
        if mtype == 8:
            return self._shutdown_slaves(s, data)
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
            return self._mkdir(s, data)
        if mtype == 110:
            return self._open_file(me, s, data)
        if mtype == 112:
            return self._reopen(s, data)
        if mtype in (104, 106):
            return self._move_or_copy(mtype, s, data)
        if mtype == 105:
            path = normalize(_cstr(data)[0])
            self._check(s, path, write=True)
            self._not_open(path)
            ns.remove(path)
            self._on_slaves(lambda slave: slave.fs_remove(path))
            return b""
        if mtype == 107:
            text, end = _cstr(data)
            path = normalize(text)
            self._check(s, path, write=True)
            (mtime,) = I64.unpack_from(data, end)
            ns.utime(path, mtime)
            self._on_slaves(lambda slave: slave.fs_utime(path, mtime))
            return b""
        raise SectorFault(E_UNKNOWN)

    def _check(self, session: Session, path: str, *, write: bool) -> None:
        if not session.user.may(path, write=write):
            raise SectorFault(E_PERMISSION)

    def _not_open(self, path: str) -> None:
        if self.transactions.busy(path):
            raise SectorFault(E_BUSY)

    def _on_slaves(self, action: Callable[[Slave], None]) -> None:
        """Passes a namespace change on to every live slave (where it has the data)."""
        pool = self._pool()
        for i in pool.live():
            action(pool.slaves[i])

    def _mkdir(self, s: Session, data: bytes) -> bytes:
        path = normalize(_cstr(data)[0])
        self._check(s, path, write=True)
        check_new_name(path)
        pool = self._pool()
        target = pool.pick_new(set())
        if target is None:
            raise SectorFault(E_RESOURCE)
        self.namespace.mkdir(path)
        pool.slaves[target].fs_mkdir(path)  # one slave holds it, as in Sector
        return data

    def _move_or_copy(self, mtype: int, s: Session, data: bytes) -> bytes:
        ns = self.namespace
        src, dst = self._two_paths(data)
        self._check(s, dst, write=True)
        check_new_name(dst)
        if mtype == 104:
            self._check(s, src, write=True)
            self._check(s, src, write=False)
            self._not_open(src)
            moved = ns.move(src, dst)
            target = normalize(f"{moved[1]}/{moved[2]}")
            self._on_slaves(lambda slave: slave.fs_move(src, target))
            return b"".join(x.encode() + b"\0" for x in moved)
        self._check(s, src, write=False)
        if src == dst:  # one more replica of src
            if ns.lookup(src) is None:
                raise SectorFault(E_NOEXIST)
            self._replicate(src, self.replicas + 1)
            return data
        target = normalize(f"{dst}/{src.rpartition('/')[2]}") if ns.exists(dst) else dst
        ns.copy(src, dst)
        self._on_slaves(lambda slave: slave.fs_copy(src, target))
        return data

    @staticmethod
    def _two_paths(data: bytes) -> tuple[str, str]:
        (n1,) = I32.unpack_from(data, 0)
        src = data[4:4 + n1].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        (n2,) = I32.unpack_from(data, 4 + n1)
        dst = data[8 + n1:8 + n1 + n2].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        return normalize(src), normalize(dst)

    def _shutdown_slaves(self, s: Session, data: bytes) -> bytes:
        """Type 8 (root only): 1 = all, 2 = by slave id, 3 = by "ip:port"."""
        if not s.user.root:
            raise SectorFault(E_AUTHORITY)
        kind, length = struct.unpack_from("<ii", data)
        param = data[8:8 + length].split(b"\0", 1)[0].decode("ascii", "replace")
        pool = self._pool()
        for i in range(len(pool.slaves)):
            ip, port = pool.address(i)
            if (kind == 1 or (kind == 2 and param == str(i))
                    or (kind == 3 and param == f"{ip}:{port}")):
                self.kill_slave(i)
        return data

    # --- files (§7.1, §6.2 type 112) ----------------------------------------------------------

    def _open_file(self, me: MasterEndpoint, s: Session, data: bytes) -> bytes:
        mode, data_port, name_len = struct.unpack_from("<iii", data)
        path = normalize(data[12:12 + name_len].split(b"\0", 1)[0].decode("utf-8",
                                                                             "surrogateescape"))
        (opt_len,) = I32.unpack_from(data, 12 + name_len)
        options = data[16 + name_len:16 + name_len + max(opt_len, 0)].split(b"\0", 1)[0]
        write = bool(mode & 2)
        if mode & 1:
            self._check(s, path, write=False)
        if write:
            self._check(s, path, write=True)
        ns, pool = self.namespace, self._pool()
        info = ns.lookup(path)
        if info is None:
            if not write:
                raise SectorFault(E_NOEXIST)
            check_new_name(path)
        elif info[0]:
            raise SectorFault(E_NOTFILE)
        t = self.transactions.begin(path, write, s.key, me.index, mode)
        created = False
        try:
            if info is None:
                chain = self._place_new(self._immediate_replicas(mode, options))
                ns.add_file(path, 0, None, [pool.address(i) for i in chain])
                created = True
            elif write:  # every live replica, nearest first: the client builds the chain
                chain = pool.nearest_first(ns.locations(path), s.ip)
            else:
                chain = pool.nearest_first(ns.locations(path), s.ip)[:1]
            if not chain:
                raise SectorFault(E_NOREPLICA)
            t.slaves.extend(chain)
            for i in chain:
                pool.slaves[i].expect(s.ip, data_port, t.transid, path, mode, s.crypto_key,
                                      s.crypto_iv)
        except BaseException:
            self.transactions.end(t.transid)
            if created:  # a new file whose slaves failed: nothing half-made stays behind
                try:
                    ns.remove(path)
                except SectorFault:
                    pass
            raise
        size, mtime = (0, int(time.time())) if info is None else (info[1], info[2])
        if mode & 4:
            size = 0
        out = struct.pack("<iqqi", t.transid, size, mtime, len(chain))
        for i in chain:
            ip, port = pool.address(i)
            out += ip.encode().ljust(64, b"\0") + I32.pack(port)
        return out

    def _immediate_replicas(self, mode: int, options: bytes) -> int:
        """Replicas a new file gets at once: all with HiRELIABLE (32), else the options'
        replica count (``"<hint> <cluster> <reserve> <replicas> <priority>"``), at most
        the configured number."""
        if mode & 32:
            return self.replicas
        fields = options.split()
        wanted = int(fields[3]) if len(fields) > 3 and fields[3].isdigit() else 1
        return max(1, min(wanted, self.replicas))

    def _place_new(self, count: int) -> list[int]:
        """Slaves for a new file, never two on one IP; E_RESOURCE if none is alive."""
        pool = self._pool()
        chosen: list[int] = []
        while len(chosen) < count:
            i = pool.pick_new({pool.slaves[j].host for j in chosen})
            if i is None:
                break
            chosen.append(i)
        if not chosen:
            raise SectorFault(E_RESOURCE)
        return chosen

    def _reopen(self, s: Session, data: bytes) -> bytes:
        """Type 112: the same transaction on a replica it has not used yet."""
        transid, data_port = struct.unpack_from("<ii", data)
        t = self.transactions.get(transid)
        if t is None or t.key != s.key:
            raise SectorFault(E_SECURITY)
        pool = self._pool()
        chosen = pool.nearest(self.namespace.locations(t.path), s.ip, exclude=set(t.slaves))
        if chosen is None:
            raise SectorFault(E_RESOURCE)
        t.slaves.append(chosen)
        pool.slaves[chosen].expect(s.ip, data_port, transid, t.path, t.mode, s.crypto_key,
                                   s.crypto_iv)
        ip, port = pool.address(chosen)
        return ip.encode().ljust(64, b"\0") + I32.pack(port)

    def _slave_report(self, index: int, report: SessionReport) -> None:
        """A slave's close report (§10.3). A read ends at once; a write ends when every
        live slave of its chain has reported: they become the file's replicas (the
        others are stale) and the lock goes. Missing replicas are copied afterwards."""
        t = self.transactions.get(report.transid)
        if t is None:
            return
        if not report.wrote:
            self.transactions.end(t.transid)
            return
        pool = self._pool()
        with self._reports_lock:  # chain members report from their own threads
            t.reported.append(index)
            self.namespace.set_file(report.path, report.size, report.mtime)
            if any(i not in t.reported and pool.is_live(i) for i in t.slaves):
                return
            self.namespace.set_locations(report.path, [pool.address(i) for i in t.reported])
            if self.transactions.end(t.transid) is None:
                return
        if len(t.reported) < self.replicas:
            self._replicate(report.path, self.replicas)

    # --- replication (§8 item 3) ----------------------------------------------------------------

    def _replicate(self, path: str, target: int) -> None:
        """Copies ``path`` slave to slave, in the background, up to ``target`` replicas on
        distinct IPs; each copy is listed once it is complete."""
        threading.Thread(target=self._replicate_now, args=(path, target), daemon=True,
                         name="sector-replicate").start()

    def _replicate_now(self, path: str, target: int) -> None:
        pool, ns = self._pool(), self.namespace
        try:
            while True:
                holders = self.replica_slaves(path)
                holders = [i for i in holders if pool.is_live(i)]
                if not holders or len(holders) >= target or self.transactions.writing(path):
                    return
                info = ns.lookup(path)
                dst = pool.pick_new({pool.slaves[i].host for i in holders})
                if info is None or dst is None or not pool.copy_file(holders[0], dst, path):
                    return
                now = ns.lookup(path)
                if now != info or self.transactions.writing(path):
                    return  # changed while copying: the next close replicates again
                ns.add_location(path, pool.address(dst))
        except Exception:
            log.exception("replication of %s failed", path)

    # --- namespace rebuild (§8 item 2) ----------------------------------------------------------

    def _rebuild_namespace(self) -> None:
        """The namespace as the live slaves' disks hold it."""
        pool, ns = self._pool(), self.namespace
        ns.clear()
        for i in pool.live():
            for path, is_dir, size, mtime in pool.scan(i):
                info = ns.lookup(path)
                if is_dir:
                    if info is None:
                        ns.mkdir(path)
                        ns.utime(path, mtime)
                elif info is None:
                    ns.add_file(path, size, mtime, [pool.address(i)])
                elif not info[0] and info[1] == size:
                    ns.add_location(path, pool.address(i))

    # --- accounting -----------------------------------------------------------------------------

    def _bytes_on(self, index: int) -> int:
        return self.namespace.bytes_at(self._pool().address(index))

    def _free_disk(self) -> int:
        if self.disk_bytes is not None:
            used, _ = self.namespace.totals()
            return max(0, self.disk_bytes - used)
        where = self._temp_dir or self._data_dir or tempfile.gettempdir()
        return shutil.disk_usage(where).free

    def _sysinfo(self, me: MasterEndpoint) -> bytes:
        """§6.4: totals, one cluster, the masters (own ip empty) and every slave."""
        pool = self._pool()
        total_bytes, total_files = self.namespace.totals()
        free = self._free_disk()
        live = pool.live()
        out = struct.pack("<qqqqq", self.start_time, free, total_bytes, total_files, 0)
        out += I32.pack(1) + struct.pack("<iiqqqq", 0, len(live), free, total_bytes, 0, 0)
        out += I32.pack(len(self.masters))
        for m in self.masters:
            ip = b"" if m is me else m.host.encode()
            out += struct.pack("<i16si", m.router_key, ip, m.port)
        out += I32.pack(len(pool.slaves))
        now_us = int(time.time() * 1_000_000)
        for i, slave in enumerate(pool.slaves):
            up = i in live
            root = str(slave.root).encode() + b"\0"
            out += struct.pack("<i16siqqqqqqqiii", i, slave.host.encode(), slave.data_port,
                               free if up else 0, self._bytes_on(i), 0, 0, 0, 0, now_us,
                               1 if up else 0, 0, len(root)) + root
        return out

    def _master(self, index: int) -> MasterEndpoint:
        if not self.masters:
            raise RuntimeError("the emulator is not running; call start()")
        return self.masters[index]

    def _pool(self) -> SlavePool:
        if self.pool is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self.pool
