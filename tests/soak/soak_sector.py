"""Sector workload: no HTTP to proxy, so the faults are the emulator's own knobs
(``--sector-drop-rate`` drops that share of GMP datagrams both ways, ``--sector-delay``
delays every request) and, half-way through, a slave killed (SIGUSR1) while a large write
is in flight. Writes, uploads, reads, ranged reads, downloads, stats, listings and removes
run against a 3-slave cluster with 2 replicas per file.

The truth is read DIRECTLY from the slaves' files on disk (``--data``): every replica the
master lists on a live slave must hold exactly the bytes the client reported written."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

from soak_context import Soak
from soak_ledger import Result, describe_bytes
from soak_objects import SETTLE_S

import sector
from storewire import errors

ROOT = "/soak"
MiB = 1 << 20
WEIGHTS = {
    "write": 18, "upload": 8, "read": 16, "range": 10, "download": 8, "stat": 8,
    "list": 5, "remove": 8, "read_missing": 3,
}  # fmt: skip
_SLAVE_LINE = re.compile(r"slave (\d+): ([\d.]+):(\d+), files in (.+)$")
_KILLED_LINE = re.compile(r"sector: slave (\d+) .*killed")


class Workload:
    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.ledger = soak.ledger
        self.rng = soak.rng
        data = soak.workdir / "data"
        self.server = soak.serve(
            "sector", "--data", str(data), "--sector-slaves", "3", "--sector-replicas", "2",
            "--sector-drop-rate", str(soak.rate),
            "--sector-delay", str(soak.options.get("delay_s", 0.02)))
        self.slaves: dict[tuple[str, int], tuple[int, Path]] = {}
        for line in self.server.output:
            m = _SLAVE_LINE.search(line)
            if m:
                self.slaves[(m[2], int(m[3]))] = (int(m[1]), Path(m[4]))
        assert self.slaves, self.server.output
        v = self.server.variables
        self.client = sector.Client(
            v["SECTOR_HOST"], int(v["SECTOR_PORT"]), user=v["SECTOR_USER"],
            password=v["SECTOR_PASSWORD"], cert=v["SECTOR_CERT"], timeout_s=20.0,
            retransmit_s=0.2)
        soak.stack.callback(self.client.close)
        self.ledger.extra["gmp_faults"] = (f"drop rate {soak.rate}, delay "
                                          f"{soak.options.get('delay_s', 0.02)} s")
        self.local = soak.workdir / "local"
        self.local.mkdir(parents=True, exist_ok=True)
        self.stored: dict[str, bytes] = {}
        self.deleted: set[str] = set()
        self.limbo: set[str] = set()  # a failed write left it in an unknown state
        self.serial = 0
        self.kill_at = soak.ops // 2
        self.killed: set[int] = set()
        r = self.ledger.call("mkdir", ROOT, lambda: self.client.mkdir(ROOT))
        if not r.ok and not self.client.exists(ROOT):
            raise RuntimeError(f"cannot create {ROOT}: {r.error_text}")

    # ---- direct truth: the slaves' files ----------------------------------------------------

    def killed_slaves(self) -> set[int]:
        return {int(m[1]) for line in self.server.output if (m := _KILLED_LINE.search(line))}

    def copies(self, path: str) -> dict[int, bytes | None]:
        """Each live slave's copy of ``path`` (None where it has none)."""
        dead = self.killed_slaves()
        out: dict[int, bytes | None] = {}
        for index, root in self.slaves.values():
            if index in dead:
                continue
            file = root / path.lstrip("/")
            out[index] = file.read_bytes() if file.is_file() else None
        return out

    def located_copies(self, path: str) -> tuple[list[int], dict[int, bytes | None]]:
        """The live slaves the master lists for ``path`` and their copies on disk."""
        info = self.client.stat(path)  # metadata only: retried over the faulty GMP
        dead = self.killed_slaves()
        indexes = [self.slaves[(ip, port)][0] for ip, port in info.locations
                   if (ip, port) in self.slaves and self.slaves[(ip, port)][0] not in dead]
        copies = self.copies(path)
        return indexes, {i: copies.get(i) for i in indexes}

    def run(self) -> None:
        for i in range(self.soak.ops):
            if i == self.kill_at:
                self.op_write_with_kill()
                continue
            op = self.soak.choose(WEIGHTS, live=len(self.stored),
                                  growing=("write", "upload"), shrink="remove")
            if op in ("read", "range", "download", "stat", "remove") and not self.stored:
                op = "write"
            getattr(self, f"op_{op}")()
        self.verify_all()

    def new_path(self) -> str:
        self.serial += 1
        return f"{ROOT}/f{self.serial:06d}"

    def pick(self) -> str:
        return self.rng.choice(sorted(self.stored))

    # ---- operations -----------------------------------------------------------------------

    def _write(self, path: str, data: bytes) -> None:
        with self.client.open(path, "w") as f:
            view = memoryview(data)
            step = max(1, len(data) // self.rng.randrange(1, 4))
            for start in range(0, len(data), step):
                f.write(view[start : start + step])

    def written(self, op: str, path: str, data: bytes, r: Result[Any]) -> None:
        if r.ok:
            self.stored[path] = data
            return
        # a failed write: the file may be absent, partial or complete; try to remove it so
        # the namespace stays known, else keep it out of the listing checks
        gone = self.ledger.call("remove(cleanup)", path, lambda: self._remove_quiet(path))
        if not (gone.ok and gone.value):
            self.limbo.add(path)

    def _remove_quiet(self, path: str) -> bool:
        try:
            self.client.remove(path)
        except errors.NotFoundError:
            pass
        return not self.client.exists(path)

    def op_write(self) -> None:
        path, data = self.new_path(), self.soak.payload(large=4 * MiB)
        r = self.ledger.call("write", path, lambda: self._write(path, data))
        self.written("write", path, data, r)

    def op_upload(self) -> None:
        path, data = self.new_path(), self.soak.payload(large=4 * MiB)
        local = self.local / "upload.bin"
        local.write_bytes(data)
        r = self.ledger.call("upload", path, lambda: self.client.upload(local, path))
        if r.ok and r.value != len(data):
            self.ledger.fail("silent", "upload", path,
                             f"reported {r.value} bytes uploaded, the file has {len(data)}",
                             result=r)
        self.written("upload", path, data, r)

    def check_read(self, op: str, path: str, got: bytes | None, want: bytes,
                   r: Result[Any]) -> None:
        if got == want:
            return
        what = "empty data" if not got and want else "wrong bytes"
        self.ledger.fail("silent", op, path,
                         f"{what} returned as success; stored {describe_bytes(want)}",
                         returned=describe_bytes(got), result=r)

    def failed_read(self, op: str, path: str, r: Result[Any]) -> None:
        if isinstance(r.error, errors.NotFoundError) and any(
            c is not None for c in self.copies(path).values()
        ):
            if self.client.exists(path):
                self.ledger.fail("misreported", op, path, "not found, but the file exists",
                                 result=r)

    def op_read(self) -> None:
        path = self.pick()

        def read() -> bytes:
            with self.client.open(path, "r") as f:
                return f.read()

        r = self.ledger.call("read", path, read)
        if r.ok:
            self.check_read("read", path, r.value, self.stored[path], r)
        else:
            self.failed_read("read", path, r)

    def op_range(self) -> None:
        path = self.pick()
        data = self.stored[path]
        if not data:
            return
        offset = self.rng.randrange(len(data))
        count = self.rng.randrange(1, len(data) - offset + 1)

        def read() -> bytes:
            with self.client.open(path, "r") as f:
                f.seek(offset)
                return f.read(count)

        r = self.ledger.call("read(range)", f"{path} [{offset}:+{count}]", read)
        if r.ok:
            self.check_read("read(range)", path, r.value, data[offset : offset + count], r)
        else:
            self.failed_read("read(range)", path, r)

    def op_download(self) -> None:
        path = self.pick()
        local = self.local / f"download-{self.rng.randrange(1 << 30)}.bin"
        r = self.ledger.call("download", path, lambda: self.client.download(path, local))
        got = local.read_bytes() if local.exists() else None
        if r.ok:
            self.check_read("download", path, got, self.stored[path], r)
        else:
            if got is not None and got != self.stored[path]:
                self.ledger.fail("silent", "download", path,
                                 f"the download failed but left {describe_bytes(got)} at the "
                                 "destination", result=r)
            self.failed_read("download", path, r)
        if local.exists():
            local.unlink()

    def op_stat(self) -> None:
        path = self.pick()
        r = self.ledger.call("stat", path, lambda: self.client.stat(path).size)
        if r.ok and r.value != len(self.stored[path]):
            self.ledger.fail("silent", "stat", path,
                             f"size {r.value}, written {len(self.stored[path])}", result=r)
        elif not r.ok:
            self.failed_read("stat", path, r)

    def op_list(self) -> None:
        r = self.ledger.call("list", ROOT, lambda: [i.name for i in self.client.list(ROOT)])
        if not r.ok:
            return
        assert r.value is not None
        have = {f"{ROOT}/{n}" for n in r.value} - self.limbo
        want = set(self.stored)
        if have != want:
            self.ledger.fail("silent", "list", ROOT,
                             f"listing differs: missing {sorted(want - have)[:3]}, "
                             f"unexpected {sorted(have - want)[:3]}",
                             returned=f"{len(have)} names", result=r)

    def op_remove(self) -> None:
        path = self.pick()
        r = self.ledger.call("remove", path, lambda: self.client.remove(path))
        if r.ok:
            del self.stored[path]
            self.deleted.add(path)
            return
        if self.client.exists(path):
            time.sleep(SETTLE_S)  # a retransmitted request may still be on its way
        if not self.client.exists(path):
            del self.stored[path]
            self.deleted.add(path)
            if isinstance(r.error, errors.NotFoundError):
                self.ledger.fail("misreported", "remove", path,
                                 "the remove was applied but the call reported not found",
                                 result=r)

    def op_read_missing(self) -> None:
        path = f"{ROOT}/missing-{self.rng.randrange(1 << 30)}"

        def read() -> bytes:
            with self.client.open(path, "r") as f:
                return f.read()

        r = self.ledger.call("read(missing)", path, read)
        if r.ok:
            self.ledger.fail("silent", "read(missing)", path,
                             "data returned for a file that does not exist",
                             returned=describe_bytes(r.value), result=r)

    def op_write_with_kill(self) -> None:
        """A large write with a slave killed (SIGUSR1 to ``storewire serve``, which kills the
        first live slave) after its first 4 MiB: the file is opened until one lands on that
        slave (placement goes round the slaves). Every file written before has its second
        replica first, so none depends on the killed slave alone."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(len(self.located_copies(p)[0]) >= 2 for p in self.stored):
                break
            time.sleep(0.5)
        victim = min(set(i for i, _ in self.slaves.values()) - self.killed_slaves())
        address = next(a for a, (i, _) in self.slaves.items() if i == victim)
        fillers: list[str] = []
        path, data = self.new_path(), self.rng.randbytes(24 * MiB)

        def write() -> None:
            nonlocal path
            f = self.client.open(path, "w")
            # the native file's slaves (no public accessor on SectorFile)
            while address not in f._f.slaves and len(fillers) < 4:
                f.close()  # an empty file: kept, and checked like the others
                fillers.append(path)
                path = self.new_path()
                f = self.client.open(path, "w")
            with f:
                f.write(data[: 4 * MiB])
                os.kill(self.server.pid, signal.SIGUSR1)
                until = time.monotonic() + 10
                while victim not in self.killed_slaves() and time.monotonic() < until:
                    time.sleep(0.05)
                for start in range(4 * MiB, len(data), 4 * MiB):
                    f.write(data[start : start + 4 * MiB])

        r = self.ledger.call("write(slave killed)", path, write)
        self.ledger.extra["killed_slaves"] = sorted(self.killed_slaves())
        self.ledger.note(f"write with slave {victim} killed mid-write: "
                         + ("ok" if r.ok else r.error_text[:100]))
        for filler in fillers:
            self.stored[filler] = b""
        self.written("write(slave killed)", path, data, r)

    # ---- at the end -------------------------------------------------------------------

    def verify_all(self) -> None:
        for path, data in sorted(self.stored.items()):
            self.ledger.verified += 1
            try:
                indexes, copies = self.located_copies(path)
            except errors.NotFoundError:
                self.ledger.fail("lost", "verify", path,
                                 f"reported written ({describe_bytes(data)}), not on the master")
                continue
            if not indexes:
                self.ledger.fail("lost", "verify", path,
                                 f"reported written ({describe_bytes(data)}), no live replica")
            for index, copy in copies.items():
                if copy != data:
                    self.ledger.fail("corrupted", "verify", path,
                                     f"slave {index}'s replica holds {describe_bytes(copy)}, "
                                     f"written {describe_bytes(data)}")
        for path in sorted(self.deleted):
            left = [i for i, c in self.copies(path).items() if c is not None]
            if self.client.exists(path) or left:
                self.ledger.fail("silent", "verify", path,
                                 f"reported removed, still there (slaves {left})")


def run(soak: Soak) -> None:
    Workload(soak).run()
