"""Sector benchmark: upload and download MB/s of one large file against the emulator.

The emulator runs as ``storewire serve --only sector`` in its own process (so that the
client never shares a GIL with the master and slave); the client is ``sector.Client`` in
this process. The file (random bytes, ``--mib`` MiB, 1024 by default) and the emulator's
data dir live on ``/dev/shm`` when it has room, so the disk is not what is measured.

    .venv/bin/python benchmarks/sector.py [--mib 1024] [--repeat 3] [--encrypt | --plain]

Each run uploads the file (``client.upload``) and downloads it back
(``client.download``), in the clear and then Blowfish-encrypted (``encrypt=True``; only
those rows with ``--encrypt``, only the clear ones with ``--plain``); every download is
checked against the original (SHA-256) so a failure can never look fast. The best of
``--repeat`` runs is kept per row; the median is shown too, with the median CPU seconds
per GB of this client process and of the emulator process (user + system, all threads).
Rates are MB/s (10^6 bytes/s). The reference figures are those of the real Sector 2.7
command-line tools (``upload`` / ``download``: 256 MB, median of runs, loopback, 2-core
machine; the same for encrypted rows, which have no figures of their own); the goal is 3x.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sector
from storewire.testing.serve_process import ServeProcess

MIB = 1 << 20
# Real Sector 2.7 tools over loopback on a 2-core machine (median MB/s).
REFERENCE_MBPS = {"upload": 82.0, "download": 104.0}
GOAL = 3.0


def _scratch(need: int) -> str | None:
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > need:
        return str(shm)
    return None


def _write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left:
            block = os.urandom(min(left, 16 * MIB))
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(16 * MIB):
            digest.update(block)
    return digest.hexdigest()


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; best kept (3)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--encrypt", action="store_true",
                       help="only the Blowfish-CBC (encrypted) rows")
    which.add_argument("--plain", action="store_true", help="only the rows in the clear")
    parser.add_argument("--dir", help="scratch dir (default: /dev/shm when it has room)")
    args = parser.parse_args(argv)
    size = args.mib * MIB

    scratch = args.dir or _scratch(4 * size)
    with tempfile.TemporaryDirectory(prefix="storewire-sector-bench-", dir=scratch) as tmp:
        work = Path(tmp)
        local, back = work / "payload.bin", work / "downloaded.bin"
        print(f"writing {args.mib} MiB of random bytes to {local} ...", flush=True)
        expected = _write_random(local, size)
        modes = [False] if args.plain else [True] if args.encrypt else [False, True]
        rows = [f"{verb}{' (encrypted)' if enc else ''}" for enc in modes
                for verb in ("upload", "download")]
        rates: dict[str, list[float]] = {row: [] for row in rows}
        # CPU seconds per GB (10^9 bytes): (client, server) per run
        cpu: dict[str, list[tuple[float, float]]] = {row: [] for row in rows}
        with ServeProcess("sector", work, "--data", str(work / "data")) as server:
            variables = server.variables
            host, port = variables["SECTOR_HOST"], int(variables["SECTOR_PORT"])
            print(f"storewire serve --only sector at {host}:{port} (separate process)")
            with sector.Client(host, port, user=variables["SECTOR_USER"],
                               password=variables["SECTOR_PASSWORD"],
                               cert=variables["SECTOR_CERT"]) as client:
                for run in range(1, args.repeat + 1):
                    for enc in modes:
                        tag = " (encrypted)" if enc else ""
                        remote = f"/bench/payload-{run}{'-enc' if enc else ''}.bin"
                        c0, s0, started = _cpu_s(), server.cpu_seconds(), time.perf_counter()
                        client.upload(local, remote, encrypt=enc)
                        up_s = time.perf_counter() - started
                        c1, s1, started = _cpu_s(), server.cpu_seconds(), time.perf_counter()
                        client.download(remote, back, encrypt=enc)
                        down_s = time.perf_counter() - started
                        c2, s2 = _cpu_s(), server.cpu_seconds()
                        gb = size / 1e9
                        cpu["upload" + tag].append(((c1 - c0) / gb, (s1 - s0) / gb))
                        cpu["download" + tag].append(((c2 - c1) / gb, (s2 - s1) / gb))
                        if back.stat().st_size != size or _sha256(back) != expected:
                            print(f"run {run}{tag}: downloaded file differs from the upload")
                            return 1
                        back.unlink()
                        client.remove(remote)
                        rates["upload" + tag].append(size / up_s / 1e6)
                        rates["download" + tag].append(size / down_s / 1e6)
                        print(f"run {run}{tag}: upload {up_s:.2f} s "
                              f"({rates['upload' + tag][-1]:.0f} MB/s), download {down_s:.2f} s "
                              f"({rates['download' + tag][-1]:.0f} MB/s), checksum ok",
                              flush=True)

    print()
    print(f"| {args.mib} MiB file | storewire best MB/s | median | Sector 2.7 tools "
          f"| x reference | goal {GOAL:.0f}x | CPU s/GB client | CPU s/GB server |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    met = True
    for row, values in rates.items():
        best, median = max(values), statistics.median(values)
        reference = REFERENCE_MBPS[row.split()[0]]
        ratio = best / reference
        met &= ratio >= GOAL
        client_cpu = statistics.median(c for c, _ in cpu[row])
        server_cpu = statistics.median(s for _, s in cpu[row])
        print(f"| {row} | {best:.0f} | {median:.0f} | {reference:.0f} "
              f"| {ratio:.1f}x | {'met' if ratio >= GOAL else 'not met'} "
              f"| {client_cpu:.2f} | {server_cpu:.2f} |")
    print(f"\n{os.cpu_count()} CPUs; reference: real Sector 2.7 tools, 256 MB, median, "
          "loopback, 2 cores")
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main())
