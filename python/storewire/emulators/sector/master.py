"""SectorEmulator: a Sector 2.x cluster on loopback.

One or more masters (:class:`~.endpoint.MasterEndpoint`: TLS login, certificate download,
GMP over UDP and UDT), each with its own router key and sessions, sharing one namespace,
one set of path locks and one or more slaves (:class:`~.pool.SlavePool`) that store the
files under ``data_dir`` and serve them over the UDT data channel. With several masters
each answers E_ROUTING for paths and keys it does not own.

This module holds the cluster's state and lifecycle; the answers to commands are in
:mod:`.commands`, replicas and the namespace rebuild in :mod:`.replication`, the TLS
context in :mod:`.tls` and the signal knobs in :mod:`.signals`.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from .accounts import Session, UserAccount
from .codes import E_RESOURCE, SectorFault
from .commands import CommandsMixin
from .endpoint import MasterEndpoint
from .gmp import GmpServer
from .metadata import Namespace, normalize
from .pool import SlavePool
from .replication import ReplicationMixin
from .routing import ordered
from .signals import SignalsMixin
from .slave import Slave
from .tls import server_context
from .transactions import Transactions

log = logging.getLogger("storewire.emulators.sector")

DEFAULT_USER = "test"

__all__ = ["SectorEmulator", "Session", "UserAccount"]


class SectorEmulator(CommandsMixin, ReplicationMixin, SignalsMixin):
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
            self._ssl = server_context(self.cert_path, key_path, self.tls10_only)
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
        """CLIENT_TIMEOUT: idle sessions go, and with them their open files."""
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

    def _master(self, index: int) -> MasterEndpoint:
        if not self.masters:
            raise RuntimeError("the emulator is not running; call start()")
        return self.masters[index]

    def _pool(self) -> SlavePool:
        if self.pool is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self.pool
