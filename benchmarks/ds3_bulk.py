"""DS3 bulk transfers: storewire's ``ds3`` bulk engine vs boto3, threads + libcurl and a
raw-socket ceiling on the DS3 emulator.

One DS3 emulator runs in its own process (``storewire serve --only ds3``, data on tmpfs), so
client and server do not share a GIL. In the same run, against that server:

- bulk PUT then bulk GET of ``--large-count`` x ``--large-mib`` (256 x 8 MiB = 2 GiB),
  from files and into files;
- bulk PUT then bulk GET of ``--small-count`` x ``--small-kib`` (20,000 x 4 KiB), from and
  into memory.

storewire: one ``ds3.Client``; ``put_files`` / ``get_files`` run each as one DS3 bulk job
in the native engine (``--workers`` blobs in flight, CRC32C sent on PUT and verified on GET).
boto3: the emulator's plain S3 subset (SigV2 ``signature_version="s3"``, path-style), a
``ThreadPoolExecutor`` of ``--threads`` over one client (``max_pool_connections`` to match):
``put_object`` with the open file / the bytes as body, ``get_object`` streamed into the file
(1 MiB copies) / read into memory. Each client writes into its own fresh bucket (the
emulator's default data policy forbids overwrites), deleted after each size.
threads + libcurl (``curl``) and the raw-socket ceiling (``raw``): see ds3_baselines.py
(``--baseline-threads`` threads for the large objects, ``--small-threads`` for the small).

Every client PUTs first (into its own bucket), then the GETs run in ``--rounds`` interleaved
rounds (default 1). Rates are MB/s (10^6 bytes/s) and objects/s of the one timed PUT and of
the median GET round; CPU seconds (of that same run) are user + system of all threads, for the
client (this process) and the server process separately.

    .venv/bin/python benchmarks/ds3_bulk.py            # 2 GiB + 20k x 4 KiB
    .venv/bin/python benchmarks/ds3_bulk.py --quick    # 128 MiB + 2,000 x 4 KiB smoke run
    .venv/bin/python benchmarks/ds3_bulk.py --rounds 3 # GETs: median of 3 interleaved rounds
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ds3_baselines import CurlThreadsRunner, RawSocketRunner
from storewire.testing.serve_process import ServeProcess

_MIB = 1 << 20
_KIB = 1 << 10
_MB = 1_000_000
CLIENTS = ("storewire", "boto3", "curl", "raw")
PEERS = ("boto3", "curl")  # the other clients; "raw" is the ceiling, not a client


# ---- the server ---------------------------------------------------------------------------


def start_server(root: Path) -> ServeProcess:
    """``storewire serve --only ds3`` in a child process, its data under ``root``."""
    return ServeProcess("ds3", root, "--data", str(root / "server")).start()


# ---- the workloads ------------------------------------------------------------------------


@dataclass
class Workload:
    title: str
    names: list[str]
    sizes: list[int]
    sources: dict[str, Any]  # name -> Path (large) or bytes (small)
    into_files: bool
    out_dir: Path

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)


def _pool(data_dir: Path, size: int) -> bytes:
    # One random pool; objects are slices at different offsets (all distinct).
    return os.urandom(size)


def make_large(root: Path, count: int, size: int, pool: bytes) -> Workload:
    src = root / "large-src"
    src.mkdir(parents=True, exist_ok=True)
    names, sources = [], {}
    step = max(1, (len(pool) - size) // max(1, count))
    for i in range(count):
        name = f"large/obj{i:05d}.bin"
        path = src / f"obj{i:05d}.bin"
        start = (i * step) % max(1, len(pool) - size + 1)
        data = pool[start:start + size]
        if len(data) < size:
            data = (data * (size // max(1, len(data)) + 1))[:size]
        path.write_bytes(data)
        names.append(name)
        sources[name] = path
    return Workload(f"{count}x{size // _MIB} MiB", names, [size] * count, sources, True,
                    root / "large-out")


def make_small(root: Path, count: int, size: int, pool: bytes) -> Workload:
    names, sources = [], {}
    for i in range(count):
        name = f"small/obj{i:06d}"
        start = (i * 4099) % (len(pool) - size)
        sources[name] = pool[start:start + size]
        names.append(name)
    return Workload(f"{count:,}x{size // _KIB} KiB", names, [size] * count, sources, False,
                    root / "small-out")


# ---- the clients --------------------------------------------------------------------------


class StorewireRunner:
    name = "storewire"

    def __init__(self, srv: ServeProcess, workers: int, verify: bool = True,
                 checksum: str = "crc32c") -> None:
        import ds3

        self.workers = workers
        self.verify = verify
        env = srv.variables
        self.client = ds3.Client(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"],
                                 proxy="", workers=workers, checksum=checksum)

    def put(self, bucket: str, w: Workload) -> None:
        self.client.put_bucket(bucket)
        self.client.put_files(bucket, {n: w.sources[n] for n in w.names})

    def get(self, bucket: str, w: Workload) -> dict[str, Any]:
        if w.into_files:
            dest = w.out_dir / self.name
            shutil.rmtree(dest, ignore_errors=True)
            self.client.get_files(bucket, w.names, dest_dir=dest, verify=self.verify)
            return {n: dest / n for n in w.names}
        buffers = {n: bytearray(size) for n, size in zip(w.names, w.sizes, strict=True)}
        self.client.get_files(bucket, buffers, verify=self.verify)
        return buffers

    def delete(self, bucket: str) -> None:
        self.client.delete_bucket(bucket, force=True)

    def close(self) -> None:
        self.client.close()


class Boto3Runner:
    name = "boto3"

    def __init__(self, srv: ServeProcess, threads: int) -> None:
        import boto3
        from botocore.config import Config

        self.threads = threads
        self.client = boto3.client(
            "s3", endpoint_url=srv.variables["DS3_ENDPOINT"], region_name="us-east-1",
            aws_access_key_id=srv.variables["DS3_ACCESS_KEY"],
            aws_secret_access_key=srv.variables["DS3_SECRET_KEY"],
            config=Config(signature_version="s3", s3={"addressing_style": "path"},
                          max_pool_connections=threads, retries={"max_attempts": 3},
                          proxies={}))

    def _map(self, fn: Callable[[str], Any], names: list[str]) -> list[Any]:
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(fn, names))

    def put(self, bucket: str, w: Workload) -> None:
        self.client.create_bucket(Bucket=bucket)

        def put_one(name: str) -> None:
            src = w.sources[name]
            if isinstance(src, Path):
                with src.open("rb") as body:
                    self.client.put_object(Bucket=bucket, Key=name, Body=body)
            else:
                self.client.put_object(Bucket=bucket, Key=name, Body=src)

        self._map(put_one, w.names)

    def get(self, bucket: str, w: Workload) -> dict[str, Any]:
        dest = w.out_dir / self.name
        if w.into_files:
            shutil.rmtree(dest, ignore_errors=True)

        def get_one(name: str) -> Any:
            body = self.client.get_object(Bucket=bucket, Key=name)["Body"]
            if not w.into_files:
                return body.read()
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                shutil.copyfileobj(body, f, _MIB)
            return path

        return dict(zip(w.names, self._map(get_one, w.names), strict=True))

    def delete(self, bucket: str) -> None:
        names = [o["Key"] for page in self.client.get_paginator("list_objects").paginate(
            Bucket=bucket) for o in page.get("Contents", [])]
        for i in range(0, len(names), 1000):
            self.client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in names[i:i + 1000]], "Quiet": True})
        self.client.delete_bucket(Bucket=bucket)

    def close(self) -> None:
        self.client.close()


# ---- measuring ----------------------------------------------------------------------------


@dataclass
class Cell:
    seconds: float
    client_cpu_s: float
    server_cpu_s: float


@dataclass
class Row:
    title: str
    workload: Workload
    cells: dict[str, Cell] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def rates(self, client: str) -> tuple[float, float]:
        cell = self.cells[client]
        return (self.workload.total_bytes / cell.seconds / _MB,
                len(self.workload.names) / cell.seconds)


def _client_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _measure(srv: ServeProcess, fn: Callable[[], Any]) -> tuple[Cell, Any]:
    cpu0, scpu0, t0 = _client_cpu(), srv.cpu_seconds(), time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    return Cell(elapsed, _client_cpu() - cpu0, srv.cpu_seconds() - scpu0), result


def _check(w: Workload, got: dict[str, Any]) -> None:
    """Every object came back whole: sizes for files (the engine verified CRC32C; boto3 files
    are compared on a sample), bytes for memory."""
    for i, (name, size) in enumerate(zip(w.names, w.sizes, strict=True)):
        value = got[name]
        if isinstance(value, Path):
            actual = value.stat().st_size
            if actual != size:
                raise AssertionError(f"{name}: {actual} bytes, expected {size}")
            if i % 32 == 0 and value.read_bytes() != w.sources[name].read_bytes():
                raise AssertionError(f"{name}: content differs")
        elif bytes(value) != w.sources[name]:
            raise AssertionError(f"{name}: content differs")


def _median(cells: list[Cell]) -> Cell:
    """The run with the median duration (the lower middle one of an even count), CPU
    figures from that same run."""
    return sorted(cells, key=lambda c: c.seconds)[(len(cells) - 1) // 2]


def run_workload(srv: ServeProcess, runners: list[Any], w: Workload, rows: list[Row],
                 tag: str, rounds: int = 1) -> None:
    """Every client PUTs into its own bucket (one timed run each), then the clients GET in
    ``rounds`` interleaved rounds (storewire, boto3, ..., storewire, boto3, ...), so a burst
    of the machine's other load hits them alike; the GET cell is the median round."""
    put_row = Row(f"{w.title} put", w)
    get_row = Row(f"{w.title} get", w)
    rows += [put_row, get_row]
    buckets: dict[str, str] = {}
    samples: dict[str, list[Cell]] = {}

    def failed(runner: Any, exc: Exception, what: str) -> None:
        print(f"  {runner.name} {w.title} {what}: FAILED {type(exc).__name__}: {exc}", flush=True)
        for row in (put_row, get_row):
            if runner.name not in row.cells:
                row.errors[runner.name] = type(exc).__name__

    try:
        for runner in runners:
            bucket = buckets[runner.name] = f"bench-{tag}-{runner.name}"
            try:
                if hasattr(runner, "prepare"):
                    runner.prepare(w)  # untimed set-up (the raw ceiling's checksums)
                cell, _ = _measure(srv, lambda r=runner, b=bucket: r.put(b, w))
                put_row.cells[runner.name] = cell
                print(f"  {runner.name:>9} {w.title} put: {cell.seconds:.2f} s", flush=True)
            except Exception as exc:  # reported in the table
                failed(runner, exc, "put")
        for round_no in range(rounds):
            for runner in runners:
                if runner.name in get_row.errors:
                    continue
                try:
                    cell, got = _measure(srv, lambda r=runner, b=buckets[runner.name]: r.get(b, w))
                    _check(w, got)
                    del got
                    samples.setdefault(runner.name, []).append(cell)
                    print(f"  {runner.name:>9} {w.title} get ({round_no + 1}/{rounds}): "
                          f"{cell.seconds:.2f} s, client CPU {cell.client_cpu_s:.2f} s",
                          flush=True)
                except Exception as exc:  # reported in the table
                    failed(runner, exc, "get")
                finally:
                    shutil.rmtree(w.out_dir / runner.name, ignore_errors=True)
        for name, cells in samples.items():
            if name not in get_row.errors:
                get_row.cells[name] = _median(cells)
    finally:
        for runner in runners:
            if runner.name not in buckets:
                continue
            try:
                runner.delete(buckets[runner.name])
            except Exception as exc:
                print(f"  (could not delete {buckets[runner.name]}: {exc})")


def _fmt_cell(row: Row, client: str) -> str:
    if client in row.errors:
        return f"FAILED ({row.errors[client]})"
    if client not in row.cells:
        return "-"
    mbps, ops = row.rates(client)
    return f"{mbps:,.0f} MB/s {ops:,.0f} obj/s ({row.cells[client].seconds:.2f} s)"


def print_table(rows: list[Row], headers: dict[str, str]) -> None:
    first = max(len(r.title) for r in rows)
    table = [[r.title] + [_fmt_cell(r, c) for c in CLIENTS] + _ratios(r) for r in rows]
    head = [""] + [headers[c] for c in CLIENTS] + ["storewire vs best peer", "of ceiling"]
    widths = [max(len(line[i]) for line in [*table, head]) for i in range(len(head))]
    widths[0] = max(widths[0], first)

    def fmt(line: list[str]) -> str:
        return " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True)))

    print(fmt(head))
    print("-+-".join("-" * w for w in widths))
    for line in table:
        print(fmt(line))
    print()
    print("CPU seconds (user + system, all threads) of each run, client / server process:")
    for r in rows:
        parts = [f"{c} {r.cells[c].client_cpu_s:.2f} / {r.cells[c].server_cpu_s:.2f}"
                 for c in CLIENTS if c in r.cells]
        print(f"  {r.title:<{first}}  {', '.join(parts)}")


def _ratios(row: Row) -> list[str]:
    """storewire's speed over the fastest peer's, and as a fraction of the raw ceiling."""
    if "storewire" not in row.cells:
        return ["-", "-"]
    mine = row.cells["storewire"].seconds
    peers = [row.cells[c].seconds for c in PEERS if c in row.cells]
    vs_peer = f"{min(peers) / mine:.2f}x" if peers else "-"
    of_raw = f"{row.cells['raw'].seconds / mine:.0%}" if "raw" in row.cells else "-"
    return [vs_peer, of_raw]


def _scratch(args: argparse.Namespace, need: int) -> Path:
    if args.dir:
        base = Path(args.dir)
    else:
        shm = Path("/dev/shm")
        base = shm if shm.is_dir() and shutil.disk_usage(shm).free > need else Path(
            tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="storewire-ds3-bench-", dir=base))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--large-count", type=int, default=256, help="large objects")
    p.add_argument("--large-mib", type=int, default=8, help="large object size (MiB)")
    p.add_argument("--small-count", type=int, default=20_000, help="small objects")
    p.add_argument("--small-kib", type=int, default=4, help="small object size (KiB)")
    p.add_argument("--workers", type=int, default=8,
                   help="storewire: blobs in flight for the large objects")
    p.add_argument("--small-workers", type=int, default=32,
                   help="storewire: blobs in flight for the small objects")
    p.add_argument("--threads", type=int, default=8, help="boto3: threads, large objects")
    p.add_argument("--small-threads", type=int, default=32,
                   help="boto3: threads, small objects")
    p.add_argument("--baseline-threads", type=int, default=4,
                   help="threads + libcurl and raw sockets: threads, large objects")
    p.add_argument("--checksum", default="crc32c",
                   help="storewire PUT checksum (crc32c, md5, ..., or none)")
    p.add_argument("--no-verify", action="store_true",
                   help="storewire GETs skip the CRC32C check of each blob")
    p.add_argument("--clients", default=",".join(CLIENTS),
                   help="subset of storewire,boto3,curl,raw")
    p.add_argument("--dir", default="", help="scratch dir (default: /dev/shm if it fits)")
    p.add_argument("--rounds", type=int, default=1,
                   help="GET rounds per client, interleaved; the table shows the median")
    p.add_argument("--quick", action="store_true", help="128 MiB + 2,000 x 4 KiB smoke run")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.quick:
        args.large_count, args.small_count = 16, 2000
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    wanted = [c.strip() for c in args.clients.split(",") if c.strip()]
    large_size, small_size = args.large_mib * _MIB, args.small_kib * _KIB
    large_total = args.large_count * large_size
    # sources + one server copy per client (all kept for the GET rounds) + one download
    root = _scratch(args, (len(wanted) + 2) * large_total + 512 * _MIB)
    print(f"storewire ds3 bulk benchmark: {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"scratch {root}")
    srv = start_server(root)
    try:
        print(f"DS3 emulator (storewire serve, pid {srv.pid}) at {srv.variables['DS3_ENDPOINT']}")
        pool = _pool(root, max(64 * _MIB, large_size * 2))
        large = make_large(root, args.large_count, large_size, pool)
        small = make_small(root, args.small_count, small_size, pool)
        del pool
        rows: list[Row] = []
        headers = {"storewire": f"storewire ds3 bulk ({args.workers}/{args.small_workers} "
                                "workers)",
                   "boto3": f"boto3 S3 ({args.threads}/{args.small_threads} threads)",
                   "curl": f"threads + libcurl ({args.baseline_threads}/{args.small_threads})",
                   "raw": f"raw sockets ({args.baseline_threads}/{args.small_threads})"}
        for size_tag, w, workers, threads, baseline in (
                ("large", large, args.workers, args.threads, args.baseline_threads),
                ("small", small, args.small_workers, args.small_threads, args.small_threads)):
            if not w.names:
                continue
            runners: list[Any] = []
            if "storewire" in wanted:
                runners.append(StorewireRunner(srv, workers, verify=not args.no_verify,
                                               checksum=args.checksum))
            if "boto3" in wanted:
                runners.append(Boto3Runner(srv, threads))
            if "curl" in wanted:
                runners.append(CurlThreadsRunner(srv.variables, baseline))
            if "raw" in wanted:
                runners.append(RawSocketRunner(srv.variables, baseline))
            print(f"{w.title} ({w.total_bytes / _MB:,.0f} MB):", flush=True)
            run_workload(srv, runners, w, rows, size_tag, args.rounds)
            for runner in runners:
                runner.close()
        print()
        if args.rounds > 1:
            print(f"GET rows: the median of {args.rounds} interleaved rounds per client; "
                  "PUT rows: one run each")
        print_table(rows, headers)
        failed = any(r.errors for r in rows)
    finally:
        srv.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
