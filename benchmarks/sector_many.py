"""Sector many-file benchmark: ``sector.Client.put_many`` / ``get_many`` with one file at a
time against several in flight (``workers``), files per second.

    .venv/bin/python benchmarks/sector_many.py [--files 200] [--kib 256] [--workers 1,4]

The emulator runs as ``storewire serve --only sector --sector-slaves 2`` in its own
process, its data dir on ``/dev/shm`` when it has room. Each row writes the same files
(random bytes) under a fresh directory, then reads them back and compares them, so a
failure can never look fast. One run per row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sector
from storewire.testing.serve_process import ServeProcess


def _scratch() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and shutil.disk_usage(shm).free > 1 << 30 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="files per row (200)")
    parser.add_argument("--kib", type=int, default=256, help="KiB per file (256)")
    parser.add_argument("--workers", default="1,4", help="worker counts, one row each (1,4)")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    data = {f"f{i:05d}.bin": os.urandom(args.kib * 1024) for i in range(args.files)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="storewire-sector-many-", dir=_scratch()) as tmp:
        work = Path(tmp)
        with ServeProcess("sector", work, "--data", str(work / "data"),
                          "--sector-slaves", "2") as server:
            v = server.variables
            with sector.Client(v["SECTOR_HOST"], int(v["SECTOR_PORT"]), user=v["SECTOR_USER"],
                               password=v["SECTOR_PASSWORD"], cert=v["SECTOR_CERT"]) as client:
                client.mkdir("/many")
                for n in workers:
                    bucket = "many"
                    prefix = f"w{n}"
                    items = {f"{prefix}/{k}": b for k, b in data.items()}
                    client.mkdir(f"/many/{prefix}")
                    started = time.perf_counter()
                    client.put_many(bucket, items, workers=n)
                    up_s = time.perf_counter() - started
                    started = time.perf_counter()
                    got = client.get_many(bucket, list(items), workers=n)
                    down_s = time.perf_counter() - started
                    if got != items:
                        print(f"workers={n}: what came back differs from what was stored")
                        return 1
                    rows.append((n, up_s, down_s))
                    print(f"workers={n}: put_many {up_s:.2f} s, get_many {down_s:.2f} s",
                          flush=True)
    print()
    print(f"| {args.files} x {args.kib} KiB | put_many files/s | get_many files/s |")
    print("|---|---:|---:|")
    for n, up_s, down_s in rows:
        print(f"| workers={n} | {args.files / up_s:,.0f} | {args.files / down_s:,.0f} |")
    print(f"\n{os.cpu_count()} CPUs; emulator with 2 slaves in its own process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
