"""A master's answers to the client's commands: list, stat, mkdir, move, copy, remove,
utime, open and reopen a file, slave shutdown, disk usage, sysinfo and the master list.

:class:`CommandsMixin` is part of :class:`~.master.SectorEmulator`; it works on the
cluster state declared below: the namespace, the open-file transactions and the slaves.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .accounts import Session
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
from .metadata import Namespace, check_new_name, normalize
from .slave import Slave
from .transactions import Transactions

if TYPE_CHECKING:
    from .pool import SlavePool

I32 = struct.Struct("<i")
I64 = struct.Struct("<q")


def _cstr(data: bytes, offset: int = 0) -> tuple[str, int]:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("utf-8", "surrogateescape"), end + 1


class CommandsMixin:
    """Part of :class:`~.master.SectorEmulator`: :meth:`dispatch` answers one command."""

    namespace: Namespace
    transactions: Transactions
    masters: list[MasterEndpoint]
    replicas: int
    start_time: int
    disk_bytes: int | None
    _temp_dir: str | None
    _data_dir: Path | None

    if TYPE_CHECKING:  # provided by SectorEmulator and ReplicationMixin
        def other_masters(self, me: MasterEndpoint) -> list[tuple[int, str, int]]: ...
        def kill_slave(self, index: int) -> None: ...
        def _replicate(self, path: str, target: int) -> None: ...
        def _pool(self) -> SlavePool: ...

    # --- commands ------------------------------------------------------------------------

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

    # --- files ----------------------------------------------------------

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
        """Sysinfo: totals, one cluster, the masters (own ip empty) and every slave."""
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
