"""Replicas: a written file's close reports, background copies slave to slave up to the
replica count, and the namespace rebuilt from the slaves' disks (at start and restart).

:class:`ReplicationMixin` is part of :class:`~.master.SectorEmulator`.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .metadata import Namespace
from .slave import SessionReport
from .transactions import Transactions

if TYPE_CHECKING:
    from .pool import SlavePool

log = logging.getLogger("storewire.emulators.sector")


class ReplicationMixin:
    """Part of :class:`~.master.SectorEmulator`: replicas and the namespace rebuild."""

    namespace: Namespace
    transactions: Transactions
    replicas: int
    _reports_lock: threading.Lock

    if TYPE_CHECKING:  # provided by SectorEmulator
        def replica_slaves(self, path: str) -> list[int]: ...
        def _pool(self) -> SlavePool: ...

    def _slave_report(self, index: int, report: SessionReport) -> None:
        """A slave's close report. A read ends at once; a write ends when every
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

    # --- replication ----------------------------------------------------------------

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

    # --- namespace rebuild ----------------------------------------------------------

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
