"""``V3IOEmulator``: the public face of the emulator (lifecycle, endpoint, credentials)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from .faults import FaultInjector, Faults
from .server import V3IOServer
from .store import Clock, Store

DEFAULT_CONTAINERS = ("users", "bigdata")


class V3IOEmulator:
    """A V3IO web-API server on loopback that the official ``v3io`` SDK works against.

    ``port=0`` picks a free port. ``data_dir`` persists containers, objects, items and
    streams across restarts; without it a temporary directory is used and removed on
    ``stop()``. ``access_key`` is the only key accepted; when None a random one is made (and
    kept in ``data_dir/access-key``, so a restart on the same data keeps the same key).
    ``containers`` are created if missing. ``faults`` (a :class:`Faults` or its keyword
    arguments as a dict) injects errors, delays and dropped connections; change it later
    with :meth:`set_faults`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        access_key: str | None = None,
        containers: tuple[str, ...] | list[str] = DEFAULT_CONTAINERS,
        faults: Faults | dict[str, Any] | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._temp_dir: str | None = None
        self.access_key = access_key or self._load_or_make_key()
        self.containers = tuple(containers)
        self.clock = Clock()
        self._injector = FaultInjector()
        self._injector.configure(faults)
        self._server: V3IOServer | None = None
        self._store: Store | None = None

    def _load_or_make_key(self) -> str:
        if self._data_dir is None:
            return secrets.token_hex(16)
        path = self._data_dir / "access-key"
        try:
            key = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            key = ""
        if not key:
            key = secrets.token_hex(16)
            self._data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(key + "\n", encoding="utf-8")
            path.chmod(0o600)
        return key

    # lifecycle

    def start(self) -> V3IOEmulator:
        if self._server is not None:
            return self
        if self._data_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="storewire-v3io-")
            root = Path(self._temp_dir)
        else:
            root = self._data_dir
        store = Store(root, self.clock)
        try:
            for name in self.containers:
                store.ensure_container(name)
            server = V3IOServer(
                self.host, self._requested_port, store, self.access_key, self._injector
            )
        except BaseException:
            store.close()
            self._remove_temp()
            raise
        server.start()
        self._store, self._server = store, server
        return self

    def stop(self) -> None:
        server, store = self._server, self._store
        self._server = self._store = None
        if server is not None:
            server.stop()
        if store is not None:
            store.close()
        self._remove_temp()

    def _remove_temp(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> V3IOEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # what clients need

    @property
    def port(self) -> int:
        return self._running().address[1]

    @property
    def endpoint(self) -> str:
        host, port = self._running().address
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def data_dir(self) -> Path:
        """Where the data lives (the temporary directory when none was given)."""
        if self._data_dir is not None:
            return self._data_dir
        if self._temp_dir is None:
            raise RuntimeError("the emulator is not running")
        return Path(self._temp_dir)

    def env(self) -> dict[str, str]:
        """The variables the official SDK (and ours) read: ``V3IO_API``, ``V3IO_ACCESS_KEY``."""
        return {"V3IO_API": self.endpoint, "V3IO_ACCESS_KEY": self.access_key}

    # test knobs

    def set_faults(self, faults: Faults | dict[str, Any] | None) -> None:
        """Replace the fault configuration (None turns faults off)."""
        self._injector.configure(faults)

    @property
    def fault_stats(self) -> dict[str, int]:
        return {
            "injected_errors": self._injector.injected_errors,
            "dropped_connections": self._injector.dropped_connections,
        }

    @property
    def requests_served(self) -> int:
        return self._running().requests_served

    def advance_clock(self, seconds: float) -> None:
        """Move the server clock forward (expires stream records without waiting hours)."""
        self.clock.offset_ns += int(seconds * 1e9)

    def _running(self) -> V3IOServer:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server

    def __repr__(self) -> str:
        state = self.endpoint if self._server is not None else "stopped"
        return f"V3IOEmulator({state})"
