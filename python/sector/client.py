"""``sector.Client``: a Pythonic Sector 2.x client on storewire's native core.

    with sector.Client("127.0.0.1", 6000, user="test", password="xxx",
                       cert="master_node.cert") as client:
        client.mkdir("/data")
        for entry in client.list("/"):
            print(entry.name, entry.size)

Errors are ``storewire.errors`` classes (``NotFoundError`` is a ``FileNotFoundError``,
``PermissionDeniedError`` a ``PermissionError`` ...) whose ``code`` is the Sector error
code as text (``"-1003"``); :func:`error_code` reads it back as an int.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from storewire import errors, log
from storewire.config import Secret, load, resolve

from .config import Config
from .file import SectorFile, mode_bits
from .verbs import Verbs

__all__ = ["Client", "DiskUsage", "FileInfo", "SectorError", "SectorFile", "error_code"]

#: Every Sector failure is one of these (the root of storewire's error hierarchy).
SectorError = errors.StorageError


def error_code(exc: BaseException) -> int:
    """The Sector error code of an exception raised by this package (-1 if it has none)."""
    code = getattr(exc, "code", "")
    try:
        value = int(code)
    except (TypeError, ValueError):
        return -1
    return value if value < 0 else -1


@dataclass(frozen=True)
class FileInfo:
    """Attributes of a file or directory (Sector's SNode)."""

    name: str
    is_dir: bool
    mtime: int
    size: int
    replicas: int = 1
    max_replicas: int = 1
    replica_distance: int = 65536
    locations: tuple[tuple[str, int], ...] = field(default=())

    @classmethod
    def _from_native(cls, attr: Any) -> FileInfo:
        return cls(attr.name, attr.is_dir, attr.mtime, attr.size, attr.replicas_target,
                   attr.replicas_max, attr.replica_dist, tuple(attr.locations))


@dataclass(frozen=True)
class DiskUsage:
    available_bytes: int
    used_bytes: int


class Client(Verbs):
    """A session with the Sector master at ``host``:``port``.

    With ``user``, the client logs in at once with ``password`` and ``cert`` (the master's
    ``master_node.cert``, the only certificate trusted; None downloads it from the master,
    unauthenticated, as the stock client does). ``timeout_s`` bounds each request;
    ``retransmit_s`` is the GMP resend interval; ``bind_ip`` the local address of the
    client's UDP ports; None keeps the native defaults. :meth:`from_env` reads
    ``SECTOR_HOST``, ``SECTOR_PORT``, ``SECTOR_USER``, ``SECTOR_PASSWORD`` and
    ``SECTOR_CERT``; ``config`` (a :class:`sector.config.Config`) supplies what the
    arguments leave unset. Without either, the environment is not read, so that
    ``sector.init(host, port)`` never logs in on its own.
    """

    def __init__(self, host: str | None = None, port: int | None = None, *,
                 user: str | None = None, password: str | Secret | None = None,
                 cert: str | os.PathLike[str] | None = None, timeout_s: float | None = None,
                 retransmit_s: float | None = None, bind_ip: str | None = None,
                 config: Config | None = None) -> None:
        from storewire._native import sector as native

        cfg = resolve(
            Config, config if config is not None else load(Config, env={}), host=host,
            port=port, user=user, password=password,
            cert=os.fspath(cert) if cert is not None else None, timeout_s=timeout_s,
            retransmit_s=retransmit_s, bind_ip=bind_ip,
        )
        self.config = cfg
        self._cert_dir: tempfile.TemporaryDirectory[str] | None = None
        self.host = cfg.host
        self.port = cfg.port
        # Only the options given: the native binding holds the defaults.
        given: dict[str, Any] = {"bind_ip": cfg.bind_ip, "timeout_s": cfg.timeout_s,
                                 "retransmit_s": cfg.retransmit_s}
        self._native = native.Client(self.host, self.port,
                                     **{k: v for k, v in given.items() if v is not None})
        if cfg.user is not None:
            try:
                self.login(cfg.user, cfg.password.reveal() if cfg.password else "", cfg.cert)
            except BaseException:
                self.close()
                raise

    @classmethod
    def from_env(cls, **options: Any) -> Client:
        """A logged-in client configured from the ``SECTOR_*`` environment variables."""
        cfg = load(Config)
        # Logs in even when SECTOR_USER is unset (as the empty user), as it always has.
        return cls(config=dataclasses.replace(cfg, user=cfg.user or ""), **options)

    # --- session -------------------------------------------------------------------------

    def login(self, user: str, password: str, cert: str | os.PathLike[str] | None = None) -> None:
        """Logs in over TLS, trusting exactly ``cert`` (fetched from the master if None)."""
        log.register_secret(password)  # masked in every storewire log record
        if cert is not None:
            self._native.login(user, password, cert)
            return
        # A private file for the fetched certificate (a shared path could be raced or
        # pre-planted by another local user), kept until close(): a re-login reads it again.
        pem = self._fetch_certificate()
        if self._cert_dir is None:
            self._cert_dir = tempfile.TemporaryDirectory(prefix="storewire-sector-")
        path = os.path.join(self._cert_dir.name, "master_node.cert")
        with open(path, "w", encoding="ascii") as f:
            f.write(pem)
        self._native.login(user, password, path)

    def _fetch_certificate(self) -> str:
        """The master's certificate (PEM), within the client's request timeout."""
        from storewire._native import sector as native

        timeout = self.config.timeout_s
        if timeout is None:
            return native.fetch_certificate(self.host, self.port)
        return native.fetch_certificate(self.host, self.port, timeout_s=timeout)

    def logout(self) -> None:
        self._native.logout()

    def close(self) -> None:
        """Logs out (if logged in) and releases the ports. Idempotent."""
        try:
            if self._native.logged_in:
                self._native.logout()
        except errors.StorageError:
            pass
        finally:
            self._native.close()
            if self._cert_dir is not None:
                self._cert_dir.cleanup()
                self._cert_dir = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def logged_in(self) -> bool:
        return bool(self._native.logged_in)

    @property
    def session_key(self) -> int:
        return int(self._native.session_key)

    def masters(self) -> list[tuple[int, str, int]]:
        """The routing table: ``(router key, ip, port)`` of every master, largest key
        first, the login master included. Requests go to the master owning their path (or
        the session key); the client logs in to each master when it first needs it."""
        return [(int(k), str(ip), int(port)) for k, ip, port in self._native.masters()]

    # --- namespace -----------------------------------------------------------------------

    def list(self, path: str = "/") -> list[FileInfo]:
        return [FileInfo._from_native(a) for a in self._native.list(path)]

    def stat(self, path: str) -> FileInfo:
        return FileInfo._from_native(self._native.stat(path))

    def exists(self, path: str) -> bool:
        try:
            self._native.stat(path)
        except errors.NotFoundError:
            return False
        return True

    def mkdir(self, path: str) -> None:
        """Creates a directory and its missing parents (E_EXIST if it exists)."""
        self._native.mkdir(path)

    def move(self, src: str, dst: str) -> None:
        self._native.move(src, dst)

    def remove(self, path: str, *, recursive: bool = False) -> None:
        """Removes a file or an empty directory; ``recursive`` removes a whole tree."""
        if recursive:
            self._native.rmr(path)
        else:
            self._native.remove(path)

    def copy(self, src: str, dst: str) -> None:
        """Asks the master to copy (asynchronous on a real master: poll :meth:`exists`)."""
        self._native.copy(src, dst)

    def utime(self, path: str, mtime: int) -> None:
        self._native.utime(path, int(mtime))

    def sysinfo(self) -> dict[str, Any]:
        return dict(self._native.sysinfo())

    def df(self) -> DiskUsage:
        available, used = self._native.df()
        return DiskUsage(available, used)

    def keepalive(self) -> None:
        self._native.keepalive()

    # --- files ---------------------------------------------------------------------------

    def open(self, path: str, mode: str | int = "r", *, options: str = "",
             encrypt: bool = False) -> SectorFile:
        """Opens a Sector file: ``"r"``, ``"w"``, ``"a"``, ``"r+"``, ``"w+"``, ``"a+"``
        (binary; a trailing ``b`` is accepted) or Sector's mode bits. ``options``: the
        open options text (``"<hintIP> <cluster> <reserve> <replicas> <priority>"``);
        ``encrypt``: Blowfish-CBC on the data channel."""
        bits = mode_bits(mode) | (16 if encrypt else 0)
        return SectorFile(self._native.open(path, bits, options), bits)

    def upload(self, local: str | os.PathLike[str], remote: str, *,
               encrypt: bool = False) -> int:
        """Copies a local file into Sector (native file -> socket); returns its size.
        ``encrypt``: Blowfish-CBC on the data channel (files stay plain on the slaves)."""
        return int(self._native.upload(local, remote, encrypt=encrypt))

    def download(self, remote: str, local: str | os.PathLike[str], *,
                 encrypt: bool = False) -> int:
        """Copies a Sector file to a local path; returns its size. All or nothing: the data
        goes to a temporary name beside ``local``, which replaces ``local`` only once the
        copy is complete; after a failure (or Ctrl-C) ``local`` is as it was."""
        return int(self._native.download(remote, local, encrypt=encrypt))
