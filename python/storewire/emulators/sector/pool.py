"""The emulated slaves of a cluster: where they listen, which
are alive, where new files and reads go, background replication and namespace rebuild.

Slaves on a loopback master get addresses of their own (127.0.0.1, 127.0.0.2, ...), so
replicas can obey the real master's rule of never sharing an IP address.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .slave import SessionReport, Slave

log = logging.getLogger("storewire.emulators.sector")

Address = tuple[str, int]  # (slave ip, data port)


def slave_host(master_host: str, index: int) -> str:
    """Slave ``index``'s IP: consecutive loopback addresses, else the master's own."""
    try:
        ip = ipaddress.IPv4Address(master_host)
    except ValueError:
        return master_host
    if not ip.is_loopback:
        return master_host
    last = (int(ip) & 0xFF) + index
    if last > 254:
        return master_host
    return str(ipaddress.IPv4Address((int(ip) & ~0xFF) | last))


class SlavePool:
    """``count`` slaves under ``root/slave<i>``; ``on_close(index, report)`` gets every
    close report (before the slave answers the client)."""

    def __init__(self, host: str, root: Path, count: int,
                 on_close: Callable[[int, SessionReport], None]) -> None:
        if count < 1:
            raise ValueError("a Sector cluster needs at least one slave")
        self.slaves: list[Slave] = []
        self.alive: list[bool] = []
        self._lock = threading.Lock()
        self._turn = 0
        try:
            for i in range(count):
                self.slaves.append(Slave(slave_host(host, i), root / f"slave{i}",
                                         functools.partial(on_close, i), self._live_slave))
                self.alive.append(True)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for s in self.slaves:
            s.close()

    # --- addresses and liveness ---------------------------------------------------------------

    def address(self, i: int) -> Address:
        return self.slaves[i].host, self.slaves[i].data_port

    def index_of(self, address: Address) -> int | None:
        for i in range(len(self.slaves)):
            if self.address(i) == tuple(address):
                return i
        return None

    def _live_slave(self, address: Address) -> Slave | None:
        """A write chain's neighbour, found by its data address."""
        i = self.index_of(address)
        return self.slaves[i] if i is not None and self.is_live(i) else None

    def live(self) -> list[int]:
        with self._lock:
            return [i for i, up in enumerate(self.alive) if up]

    def is_live(self, i: int) -> bool:
        with self._lock:
            return self.alive[i]

    def kill(self, i: int) -> bool:
        """Stops slave ``i`` at once: its data connections close mid-transfer. False if it
        was already down."""
        with self._lock:
            if not self.alive[i]:
                return False
            self.alive[i] = False
        self.slaves[i].close()
        log.info("slave %d (%s:%d) killed", i, *self.address(i))
        return True

    # --- placement ----------------------------------------------------------------------------

    def pick_new(self, avoid_ips: set[str]) -> int | None:
        """A live slave for new data, not on an avoided IP: the next in turn, so that new
        files spread evenly without walking the namespace on every open."""
        live = [i for i in self.live() if self.slaves[i].host not in avoid_ips]
        if not live:
            return None
        with self._lock:
            turn = self._turn
            self._turn += 1
        return live[turn % len(live)]

    def nearest_first(self, locations: list[Address], client_ip: str,
                      exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """The live replicas, the one on the client's own IP first."""
        found = [i for a in locations if (i := self.index_of(a)) is not None
                 and i not in exclude and self.is_live(i)]
        return sorted(found, key=lambda i: self.slaves[i].host != client_ip)

    def nearest(self, locations: list[Address], client_ip: str,
                exclude: set[int] | frozenset[int] = frozenset()) -> int | None:
        """The live replica to serve a client read."""
        found = self.nearest_first(locations, client_ip, exclude)
        return found[0] if found else None

    # --- data ---------------------------------------------------------------------------------

    def copy_file(self, src: int, dst: int, path: str) -> bool:
        """Copies one file slave to slave (atomically on the target)."""
        source, target = self.slaves[src].local(path), self.slaves[dst].local(path)
        if not source.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".replica-partial")
        shutil.copy2(source, partial)
        os.replace(partial, target)
        return True

    def scan(self, i: int) -> Iterator[tuple[str, bool, int, int]]:
        """(path, is_dir, size, mtime) of everything slave ``i`` holds on disk."""
        root = self.slaves[i].root
        for dirpath, dirnames, filenames in os.walk(root):
            base = Path(dirpath)
            for name in sorted(dirnames):
                st = (base / name).stat()
                yield "/" + (base / name).relative_to(root).as_posix(), True, 0, int(st.st_mtime)
            for name in sorted(filenames):
                if name.endswith(".replica-partial"):
                    continue
                st = (base / name).stat()
                yield ("/" + (base / name).relative_to(root).as_posix(), False, st.st_size,
                       int(st.st_mtime))
