"""V3IO client benchmark: storewire's ``v3io`` vs the official ``v3io`` 0.7.2 SDK.

One run, one emulator: ``storewire serve --only v3io`` in its own process (so that neither
client shares a GIL with the server). Each client runs ``v3io_workload.py`` in its own
process (the official SDK from ``build/official-v3io-venv``, installed from PyPI on first
use, since both packages are imported as ``v3io``), with its default settings:

- 10,000 ``put_item`` through a batch, then 10,000 ``get_item`` through a batch;
- a scan of a 100,000-item table with an items cursor (``kv.new_cursor().all()``);
- 1,000 x 4 KiB objects ``put_object`` through a batch, then ``get_object``.

    .venv/bin/python benchmarks/v3io.py [--scan-items 100000] [--repeat 2]

Each client runs the workload ``--repeat`` times (ABBA order, so neither always goes
first); the best run per row is kept.

Prints one table: operations per second, the speed-up, and each client process's CPU time
per operation (user + system, all threads; the emulator is not counted). On a small
machine the emulator, not the client, bounds most rows: the CPU column shows how much of
the client's own cost is left.
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

from storewire.testing.serve_process import ServeProcess

REPO = Path(__file__).resolve().parents[1]
WORKLOAD = Path(__file__).resolve().with_name("v3io_workload.py")
sys.path.insert(0, str(REPO / "tests" / "emulators"))

import _v3io_support  # noqa: E402  (installs the official SDK into its venv)

CONTAINER = "bigdata"
SCAN_TABLE = "bench-scan"
ROWS = (
    ("put_item", "10,000 put_item (batch)", 10_000),
    ("get_item", "10,000 get_item (batch)", 10_000),
    ("scan", "get_items scan (cursor)", 0),  # count filled in from --scan-items
    ("put_object", "1,000 x 4 KiB put_object (batch)", 1_000),
    ("get_object", "1,000 x 4 KiB get_object (batch)", 1_000),
)


def _workload(python: Path | str, env: dict[str, str], *args: str, isolated: bool) -> str:
    command = [str(python), *(["-I"] if isolated else []), str(WORKLOAD), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _best(results: list[dict[str, float]]) -> dict[str, float]:
    """Per row, the fastest run (and that run's CPU time)."""
    best: dict[str, float] = {}
    for key, _, _ in ROWS:
        fastest = min(results, key=lambda r: r[key])
        best[key], best[key + "_cpu"] = fastest[key], fastest[key + "_cpu"]
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan-items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs per client (best kept)")
    args = parser.parse_args()
    official = _v3io_support.official_python()
    with tempfile.TemporaryDirectory(prefix="storewire-v3io-bench-") as tmp:
        with ServeProcess("v3io", Path(tmp)) as server:
            variables = server.variables
            env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
            env.update(variables)
            print(f"emulator: storewire serve --only v3io at {variables['V3IO_API']}")
            started = time.perf_counter()
            _workload(sys.executable, env, "load", CONTAINER, SCAN_TABLE,
                      str(args.scan_items), isolated=False)
            print(f"loaded {args.scan_items:,} items in {time.perf_counter() - started:.1f} s")
            runs: dict[str, list[dict[str, float]]] = {"ours": [], "official": []}
            # ABBA order over the repeats: neither client always goes first
            order = ["ours", "official", "official", "ours"] * args.repeat
            for who in order[: 2 * args.repeat]:
                python = sys.executable if who == "ours" else official
                out = _workload(python, env, "run", CONTAINER, who, SCAN_TABLE,
                                str(args.scan_items), isolated=who == "official")
                runs[who].append(json.loads(out))
    ours, theirs = _best(runs["ours"]), _best(runs["official"])
    print()
    print(f"{'operation':<38}{'storewire v3io':>16}{'official 0.7.2':>16}{'speed-up':>10}"
          f"{'client CPU/op (ours / official)':>34}")
    for key, title, count in ROWS:
        count = count or args.scan_items
        if key == "scan":
            title = f"{count:,}-item get_items scan (cursor)"
        mine, other = count / ours[key], count / theirs[key]
        cpu = (f"{ours[key + '_cpu'] / count * 1e6:.1f} us / "
               f"{theirs[key + '_cpu'] / count * 1e6:.1f} us")
        print(f"{title:<38}{mine:>11,.0f} op/s{other:>11,.0f} op/s{mine / other:>9.1f}x"
              f"{cpu:>34}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
