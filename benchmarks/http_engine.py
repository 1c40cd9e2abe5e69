"""Benchmark storewire's native HTTP engine against urllib3 and pycurl.

One local nginx serves every client in the same run: a ~1 KiB static file for the
small-GET rows, a large file for the large-GET row and WebDAV PUT for the large-PUT row.
Each cell is the best of ``--repeat`` timed runs after a warm-up; the runs of the
different clients are interleaved so slow drifts of the machine hit all of them alike.

    .venv/bin/python benchmarks/http_engine.py            # or: make bench
    .venv/bin/python benchmarks/http_engine.py --quick    # a fast smoke run
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
from dataclasses import dataclass, field
from pathlib import Path

from http_clients import RUNNERS, Runner
from nginx_server import NginxServer, find_nginx, nginx_version

_MIB = 1 << 20
_SMALL_BYTES = 1024


@dataclass
class Row:
    title: str
    unit: str  # "req/s" or "MB/s"
    amount: float  # requests or bytes per run, to turn a duration into a rate
    best_s: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # client CPU of the best run
    errors: dict[str, str] = field(default_factory=dict)

    def rate(self, client: str) -> float:
        scale = 1e6 if self.unit == "MB/s" else 1.0
        return self.amount / self.best_s[client] / scale


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--large-mib", type=int, default=512, help="large body size (MiB)")
    p.add_argument("--serial", type=int, default=3000, help="small GETs, 1 in flight")
    p.add_argument("--concurrent", type=int, default=20000, help="small GETs, N in flight")
    p.add_argument("--width", type=int, default=64, help="requests in flight (N)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per cell (best kept)")
    p.add_argument("--clients", default=",".join(RUNNERS), help=f"subset of {','.join(RUNNERS)}")
    p.add_argument("--workers", type=int, default=0, help="nginx workers (0: 1 or 2 by cores)")
    p.add_argument("--dir", default="", help="scratch dir (default: /dev/shm if it fits)")
    p.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test")
    args = p.parse_args(argv)
    if args.quick:
        args.large_mib, args.serial, args.concurrent, args.repeat = 32, 300, 2000, 1
    return args


def _scratch_parent(explicit: str, need_bytes: int) -> Path:
    # tmpfs keeps the disk out of the large rows; fall back when it is too small
    # (containers often give /dev/shm only 64 MiB).
    if explicit:
        return Path(explicit)
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > need_bytes:
        return shm
    return Path(tempfile.gettempdir())


def _write_random(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 * _MIB)
            f.write(os.urandom(n))
            left -= n


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return 0.0


def _library_versions() -> list[str]:
    out = []
    try:
        from storewire.selfcheck import build_summary

        out.append(f"storewire: {build_summary()}")
    except ImportError as exc:
        out.append(f"storewire: not importable ({exc})")
    try:
        import urllib3

        out.append(f"urllib3: {urllib3.__version__}")
    except ImportError:
        out.append("urllib3: not installed")
    try:
        import pycurl

        out.append(f"pycurl: {pycurl.version}")
    except ImportError:
        out.append("pycurl: not installed")
    return out


def _print_machine(args: argparse.Namespace, scratch: Path, workers: int) -> None:
    print("storewire HTTP engine benchmark")
    print(
        f"  machine : {_cpu_model()}, {os.cpu_count()} logical CPUs, {_mem_total_gib():.1f} GiB RAM"
    )
    print(f"  system  : {platform.platform()}, Python {platform.python_version()}")
    print(
        f"  server  : {nginx_version(find_nginx())} on 127.0.0.1, "
        f"{workers} worker(s), files in {scratch}"
    )
    for line in _library_versions():
        print(f"  {line}")
    print(
        f"  payloads: small {_SMALL_BYTES} B x {args.serial} (1 in flight) and "
        f"x {args.concurrent} ({args.width} in flight); large {args.large_mib} MiB; "
        f"best of {args.repeat} after a warm-up"
    )
    print()


def _make_runners(names: list[str], width: int) -> tuple[list[Runner], list[str]]:
    runners: list[Runner] = []
    skipped = []
    for name in names:
        try:
            runners.append(RUNNERS[name](width))
        except ImportError as exc:
            skipped.append(f"{name}: not available ({exc})")
    return runners, skipped


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads of this process
    return usage.ru_utime + usage.ru_stime


def _time(fn: Callable[[], None]) -> tuple[float, float]:
    """Wall-clock and client CPU seconds of one call (nginx runs in its own process)."""
    cpu, start = _cpu_s(), time.perf_counter()
    fn()
    return time.perf_counter() - start, _cpu_s() - cpu


def _measure(
    row: Row,
    runners: list[Runner],
    repeat: int,
    op: Callable[[Runner], Callable[[], None]],
    after: Callable[[Runner], None] | None = None,
) -> None:
    for _ in range(repeat):
        for r in runners:
            if r.name in row.errors:
                continue
            try:
                took, cpu = _time(op(r))
                if after:
                    after(r)
            except Exception as exc:  # report, keep measuring the others
                row.errors[r.name] = f"{type(exc).__name__}: {exc}"
                continue
            if took < row.best_s.get(r.name, float("inf")):
                row.best_s[r.name], row.cpu_s[r.name] = took, cpu
        print(".", end="", flush=True)


def _cell(row: Row, client: str) -> str:
    if client in row.errors:
        return "FAILED"
    if client not in row.best_s:
        return "n/a"
    return f"{row.rate(client):,.0f} {row.unit} ({row.best_s[client]:.2f} s)"


def _print_table(rows: list[Row], clients: list[str]) -> None:
    ours = RUNNERS["storewire"].name
    header = ["", *clients, "storewire vs best other"]
    body = []
    for row in rows:
        cells = [row.title, *(_cell(row, c) for c in clients)]
        others = [row.rate(c) for c in clients if c != ours and c in row.best_s]
        if ours in row.best_s and others:
            cells.append(f"{row.rate(ours) / max(others):.2f}x")
        else:
            cells.append("-")
        body.append(cells)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return " | ".join([first, *rest])

    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for cells in body:
        print(line(cells))
    print()
    print("client CPU seconds (user + system, all threads) of each best run:")
    for row in rows:
        shown = (f"{c} {row.cpu_s[c]:.2f}" for c in clients if c in row.cpu_s)
        print(f"  {row.title:<{widths[0]}}  " + ", ".join(shown))
    for row in rows:
        for client, err in row.errors.items():
            print(f"  {row.title} / {client}: {err}")


def run(args: argparse.Namespace) -> int:
    large = args.large_mib * _MIB
    names = [n.strip() for n in args.clients.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNNERS]
    if unknown:
        print(f"unknown clients: {unknown}; choose from {list(RUNNERS)}", file=sys.stderr)
        return 2
    workers = args.workers or (1 if (os.cpu_count() or 1) <= 2 else 2)
    parent = _scratch_parent(args.dir, 4 * large + 64 * _MIB)
    with tempfile.TemporaryDirectory(prefix="storewire-bench-", dir=parent) as tmp:
        scratch = Path(tmp)
        root = scratch / "www"
        (root / "put").mkdir(parents=True)
        _write_random(root / "small.bin", _SMALL_BYTES)
        _write_random(root / "large.bin", large)
        get_out = scratch / "get.out"
        _print_machine(args, scratch, workers)
        with NginxServer(root, scratch / "nginx", workers=workers) as server:
            runners, skipped = _make_runners(names, args.width)
            for note in skipped:
                print(f"  skipped {note}")
            try:
                rows = _benchmark(server.url, root, get_out, large, runners, args)
            finally:
                for r in runners:
                    r.close()
    print()
    _print_table(rows, [r.name for r in runners])
    return 1 if any(row.errors for row in rows) or not runners else 0


def _benchmark(
    base: str,
    root: Path,
    get_out: Path,
    large: int,
    runners: list[Runner],
    args: argparse.Namespace,
) -> list[Row]:
    small_url, large_url = f"{base}/small.bin", f"{base}/large.bin"
    src = str(root / "large.bin")

    def put_url(r: Runner) -> str:
        return f"{base}/put/{r.name}.bin"

    def check_put(r: Runner) -> None:
        # The server's copy must be complete; remove it to keep tmpfs small.
        stored = root / "put" / f"{r.name}.bin"
        if stored.stat().st_size != large:
            raise RuntimeError(f"server stored {stored.stat().st_size} bytes, not {large}")
        stored.unlink()

    print("warming up", end="", flush=True)
    warm = Row("warm-up", "req/s", 1)
    _measure(warm, runners, 1, lambda r: lambda: r.small_serial(small_url, 50, _SMALL_BYTES))
    _measure(
        warm,
        runners,
        1,
        lambda r: lambda: r.small_concurrent(small_url, 4 * args.width, _SMALL_BYTES),
    )
    print("\nmeasuring", end="", flush=True)

    rows = [
        Row("small GET, 1 in flight", "req/s", args.serial),
        Row(f"small GET, {args.width} in flight", "req/s", args.concurrent),
        Row(f"large PUT ({args.large_mib} MiB from file)", "MB/s", large),
        Row(f"large GET ({args.large_mib} MiB to file)", "MB/s", large),
    ]
    rows[0].errors.update(warm.errors)
    rows[1].errors.update(warm.errors)
    _measure(
        rows[0],
        runners,
        args.repeat,
        lambda r: lambda: r.small_serial(small_url, args.serial, _SMALL_BYTES),
    )
    _measure(
        rows[1],
        runners,
        args.repeat,
        lambda r: lambda: r.small_concurrent(small_url, args.concurrent, _SMALL_BYTES),
    )
    _measure(
        rows[2],
        runners,
        args.repeat,
        lambda r: lambda: r.put_file(put_url(r), src, large),
        after=check_put,
    )
    _measure(
        rows[3], runners, args.repeat, lambda r: lambda: r.get_file(large_url, str(get_out), large)
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    return run(_parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
