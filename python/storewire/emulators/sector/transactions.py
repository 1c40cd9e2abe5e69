"""Open files at the master: transaction ids, path locks
(a writer excludes everyone, readers exclude writers) and which slaves served each one."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from .codes import E_BUSY, SectorFault


@dataclass
class Transaction:
    transid: int
    path: str
    write: bool
    key: int            # the session key that opened it
    master: int         # the master that opened it
    mode: int
    slaves: list[int] = field(default_factory=list)  # every slave used, latest last
    reported: list[int] = field(default_factory=list)  # slaves whose close report came


class Transactions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._open: dict[int, Transaction] = {}
        self._locks: dict[str, tuple[int, set[int]]] = {}  # path -> (writer, readers)

    def begin(self, path: str, write: bool, key: int, master: int, mode: int) -> Transaction:
        """Takes the path's lock (E_BUSY if it conflicts) and opens a transaction."""
        with self._lock:
            writer, readers = self._locks.get(path, (0, set()))
            if writer or (write and readers):
                raise SectorFault(E_BUSY)
            t = Transaction(next(self._ids), path, write, key, master, mode)
            if write:
                writer = t.transid
            else:
                readers = readers | {t.transid}
            self._locks[path] = (writer, readers)
            self._open[t.transid] = t
            return t

    def get(self, transid: int) -> Transaction | None:
        with self._lock:
            return self._open.get(transid)

    def end(self, transid: int) -> Transaction | None:
        """Releases the transaction's lock; None if it was not open."""
        with self._lock:
            t = self._open.pop(transid, None)
            if t is None:
                return None
            writer, readers = self._locks.get(t.path, (0, set()))
            if t.write:
                writer = 0
            readers = readers - {transid}
            if writer or readers:
                self._locks[t.path] = (writer, readers)
            else:
                self._locks.pop(t.path, None)
            return t

    def end_session(self, key: int, master: int) -> None:
        """A logout releases what that session still had open at that master."""
        with self._lock:
            mine = [t.transid for t in self._open.values() if t.key == key and t.master == master]
        for transid in mine:
            self.end(transid)

    def busy(self, path: str) -> bool:
        """True while anything at or below ``path`` is open."""
        with self._lock:
            return any(p == path or p.startswith(path.rstrip("/") + "/") for p in self._locks)

    def writing(self, path: str) -> bool:
        with self._lock:
            return bool(self._locks.get(path, (0, set()))[0])
