"""The fsspec benchmark's rows, written against the fsspec API only, so the same code times
storewire's filesystems, s3fs (in the benchmark's process) and v3iofs (in its own venv,
since it needs the official ``v3io`` package, whose name ours shares): see fsspec.py.

Every row checks what it moved (sizes and bytes), so a failure cannot look fast.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

ROWS = ("small_put", "small_get", "large_write", "large_read", "cat_ranges")
RANGE_BYTES = 4096


def make_inputs(workdir: Path, small_count: int, small_bytes: int, large_mib: int) -> None:
    """``workdir/small/f00000 ...`` and ``workdir/large.bin`` (seeded random bytes)."""
    rnd = random.Random(14)
    small = workdir / "small"
    small.mkdir(parents=True, exist_ok=True)
    for i in range(small_count):
        (small / f"f{i:05d}").write_bytes(rnd.randbytes(small_bytes))
    block = rnd.randbytes(1 << 20)
    with open(workdir / "large.bin", "wb") as f:
        for i in range(large_mib):
            f.write(block[i % 7:] + block[: i % 7])  # each MiB differs


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def run(fs: Any, root: str, workdir: Path, ranges: int) -> dict[str, float]:
    """Seconds per row for one filesystem under the remote directory ``root``."""
    out: dict[str, float] = {}
    small = workdir / "small"
    names = sorted(os.listdir(small))
    back = workdir / f"back-{os.getpid()}-{time.time_ns()}"

    started = time.perf_counter()
    fs.put(str(small) + "/", f"{root}/small", recursive=True)
    out["small_put"] = time.perf_counter() - started
    started = time.perf_counter()
    fs.get(f"{root}/small", str(back / "small"), recursive=True)
    out["small_get"] = time.perf_counter() - started
    got = sorted(os.listdir(back / "small"))
    assert got == names, f"small_get: {len(got)} of {len(names)} files"
    for name in names[:: max(1, len(names) // 20)]:
        assert (back / "small" / name).read_bytes() == (small / name).read_bytes(), name

    large = workdir / "large.bin"
    started = time.perf_counter()
    fs.put_file(str(large), f"{root}/large.bin")
    out["large_write"] = time.perf_counter() - started
    fs.invalidate_cache()
    assert fs.size(f"{root}/large.bin") == large.stat().st_size, "large_write: size"
    started = time.perf_counter()
    fs.get_file(f"{root}/large.bin", str(back / "large.bin"))
    out["large_read"] = time.perf_counter() - started
    assert _digest(back / "large.bin") == _digest(large), "large_read: bytes differ"

    size = large.stat().st_size
    rnd = random.Random(3)
    starts = [rnd.randrange(0, size - RANGE_BYTES) for _ in range(ranges)]
    started = time.perf_counter()
    parts = fs.cat_ranges([f"{root}/large.bin"] * ranges, starts,
                          [s + RANGE_BYTES for s in starts])
    out["cat_ranges"] = time.perf_counter() - started
    with open(large, "rb") as f:
        for s, part in list(zip(starts, parts, strict=True))[:: max(1, ranges // 50)]:
            f.seek(s)
            assert part == f.read(RANGE_BYTES), "cat_ranges: bytes differ"
    shutil.rmtree(back)
    return out


def warm_up(fs: Any, root: str) -> None:
    """A first write and read under ``root``, untimed (a fresh bucket or pool is slow)."""
    fs.pipe_file(f"{root}/warm-up", b"x" * 1024)
    assert fs.cat_file(f"{root}/warm-up") == b"x" * 1024
