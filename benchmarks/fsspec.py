"""fsspec benchmark: storewire's filesystems against s3fs and v3iofs (docs/fsspec.md).

One run, side by side, the same rows for every filesystem (fsspec_workload.py):

- 1,000 small files (4 KiB): ``put`` of a local directory, then ``get`` of it;
- one large file (1 GiB): ``put_file``, then ``get_file``;
- ``cat_ranges`` of 1,000 ranges of 4 KiB in the large file.

Servers, each in its own process (no GIL shared with a client): a Ceph radosgw for
storewire's ``sws3`` and s3fs; ``storewire serve`` for the V3IO emulator (storewire's ``v3io``
and v3iofs), the DS3 emulator and the Sector emulator. v3iofs runs in build/v3iofs-venv
(installed from PyPI on first use: it needs the official ``v3io`` package, whose import name
ours shares).

    .venv/bin/python benchmarks/fsspec.py [--small-count 1000] [--large-mib 1024]
        [--ranges 1000] [--only sws3,s3fs,v3io,v3iofs,ds3,sector]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# This folder holds s3.py and v3io.py (benchmarks): they must not shadow the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from storewire.testing.serve_process import ServeProcess  # noqa: E402


def _load_workload() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fsspec_workload",
                                                  HERE / "fsspec_workload.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workload = _load_workload()

REPO = HERE.parent
V3IOFS_VENV = REPO / "build" / "v3iofs-venv"
DRIVER = HERE / "fsspec_v3iofs_driver.py"
TITLES = {
    "small_put": "put {n:,} x {kib} KiB files",
    "small_get": "get {n:,} x {kib} KiB files",
    "large_write": "put_file {mib:,} MiB",
    "large_read": "get_file {mib:,} MiB",
    "cat_ranges": "cat_ranges {r:,} x 4 KiB",
}
ALL = ("sws3", "s3fs", "v3io", "v3iofs", "ds3", "sector")


def _v3iofs_python() -> Path:
    python = V3IOFS_VENV / "bin" / "python"
    stamp = V3IOFS_VENV / ".installed-v3iofs"
    if not stamp.exists():
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(V3IOFS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "v3iofs"], check=True, timeout=900)
        stamp.touch()
    return python


def _no_proxy_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and not k.startswith("PYTHON")}
    env.update(extra)
    return env


def _rates(seconds: dict[str, float], args: argparse.Namespace) -> dict[str, str]:
    large_mb = args.large_mib * 2**20 / 1e6
    out = {}
    for row, s in seconds.items():
        if row in ("small_put", "small_get"):
            out[row] = f"{args.small_count / s:,.0f} files/s"
        elif row == "cat_ranges":
            out[row] = f"{args.ranges / s:,.0f} ranges/s"
        else:
            out[row] = f"{large_mb / s:,.0f} MB/s"
    return out


def _print_table(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    names = list(results)
    fmt = {"n": args.small_count, "kib": args.small_bytes // 1024, "mib": args.large_mib,
           "r": args.ranges}
    print()
    print("| row | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    rates = {name: _rates(results[name], args) for name in names}
    for row in workload.ROWS:
        cells = [f"{rates[n][row]} ({results[n][row]:.2f} s)" for n in names]
        print(f"| {TITLES[row].format(**fmt)} | " + " | ".join(cells) + " |")
    for ours, peer in (("sws3", "s3fs"), ("v3io", "v3iofs")):
        if ours in results and peer in results:
            ratios = ", ".join(f"{row} {results[peer][row] / results[ours][row]:.1f}x"
                               for row in workload.ROWS)
            print(f"\n{ours} vs {peer} (speed-up): {ratios}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-count", type=int, default=1000)
    parser.add_argument("--small-bytes", type=int, default=4096)
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--ranges", type=int, default=1000)
    parser.add_argument("--only", default=",".join(ALL))
    args = parser.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="storewire-fsspec-bench-",
                                     dir="/dev/shm" if _shm_room(args) else None) as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        workload.make_inputs(work, args.small_count, args.small_bytes, args.large_mib)
        print(f"inputs ready in {time.perf_counter() - started:.1f} s in {work}")
        if {"sws3", "s3fs"} & set(wanted):
            results.update(_s3_rows(wanted, work, args))
        if {"v3io", "v3iofs"} & set(wanted):
            results.update(_v3io_rows(wanted, work, args))
        for name in ("ds3", "sector"):
            if name in wanted:
                try:
                    results[name] = _emulator_rows(name, work, args)
                except Exception as exc:  # the other columns still print
                    print(f"{name} failed: {exc}")
    _print_table(results, args)
    return 0


def _shm_room(args: argparse.Namespace) -> bool:
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize > 4 * args.large_mib * 2**20


def _s3_rows(wanted: list[str], work: Path, args: argparse.Namespace
             ) -> dict[str, dict[str, float]]:
    from storewire.testing import radosgw

    out: dict[str, dict[str, float]] = {}
    gateway = radosgw.RadosGateway(block_size_bytes=max(6, 4 * args.large_mib // 1024) * 2**30)
    gateway.start()
    try:
        url = f"http://{gateway.host}"
        import s3

        with s3.Client(url, access_key=gateway.access_key, secret_key=gateway.secret_key,
                       region=gateway.region) as admin:
            admin.create_bucket("bench")
        for name in ("sws3", "s3fs"):
            if name not in wanted:
                continue
            fs: Any
            if name == "sws3":
                from storewire.fs import S3FileSystem

                fs = S3FileSystem(endpoint=url, access_key=gateway.access_key,
                                  secret_key=gateway.secret_key, region=gateway.region)
            else:
                import s3fs

                fs = s3fs.S3FileSystem(key=gateway.access_key, secret=gateway.secret_key,
                                       client_kwargs={"endpoint_url": url,
                                                      "region_name": gateway.region})
            workload.warm_up(fs, f"bench/{name}")
            out[name] = workload.run(fs, f"bench/{name}", work, args.ranges)
            print(f"{name}: {out[name]}")
    finally:
        gateway.stop()
    return out


def _v3io_rows(wanted: list[str], work: Path, args: argparse.Namespace
               ) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="storewire-fsspec-v3io-") as tmp, \
            ServeProcess("v3io", Path(tmp)) as server:
        variables = server.variables
        if "v3io" in wanted:
            from storewire.fs import V3ioFileSystem

            fs = V3ioFileSystem(endpoint=variables["V3IO_API"],
                                access_key=variables["V3IO_ACCESS_KEY"], use_env_proxy=False)
            workload.warm_up(fs, "bigdata/bench-storewire")
            out["v3io"] = workload.run(fs, "bigdata/bench-storewire", work, args.ranges)
            print(f"v3io: {out['v3io']}")
        if "v3iofs" in wanted:
            python = _v3iofs_python()
            done = subprocess.run(
                [str(python), "-I", str(DRIVER), str(work), "/bigdata/bench-v3iofs",
                 str(args.ranges)],
                env=_no_proxy_env(variables), capture_output=True, text=True, timeout=3600)
            if done.returncode != 0:
                print(f"v3iofs failed ({done.returncode}):\n{done.stderr[-3000:]}")
            else:
                out["v3iofs"] = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"v3iofs: {out['v3iofs']}")
    return out


def _emulator_rows(name: str, work: Path, args: argparse.Namespace) -> dict[str, float]:
    from storewire.fs import Ds3FileSystem, SectorFileSystem

    with tempfile.TemporaryDirectory(prefix=f"storewire-fsspec-{name}-") as tmp, \
            ServeProcess(name, Path(tmp)) as server:
        v = server.variables
        fs: Any
        if name == "ds3":
            fs = Ds3FileSystem(endpoint=v["DS3_ENDPOINT"], access_key=v["DS3_ACCESS_KEY"],
                               secret_key=v["DS3_SECRET_KEY"], proxy="")
        else:
            fs = SectorFileSystem(host=v["SECTOR_HOST"], port=int(v["SECTOR_PORT"]),
                                  user=v["SECTOR_USER"], password=v["SECTOR_PASSWORD"],
                                  cert=v.get("SECTOR_CERT"))
        fs.makedirs("bench", exist_ok=True)
        workload.warm_up(fs, "bench/storewire")
        result = workload.run(fs, "bench/storewire", work, args.ranges)
        print(f"{name}: {result}")
        return result


if __name__ == "__main__":
    sys.exit(main())
