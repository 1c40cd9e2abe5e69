"""V3IO client benchmark: storewire's ``v3io`` vs the official ``v3io`` 0.7.2 SDK.

One run, one emulator: ``storewire serve --only v3io`` in its own process (so that neither
client shares a GIL with the server). Each client runs ``v3io_workload.py`` in its own
process (the official SDK from ``build/official-v3io-venv``, installed from PyPI on first
use, since both packages are imported as ``v3io``), with its default settings:

- 10,000 ``put_item`` through a batch, then 10,000 ``get_item`` through a batch;
- a scan of a 100,000-item table with an items cursor (``kv.new_cursor().all()``);
- 1,000 x 4 KiB objects ``put_object`` through a batch, then ``get_object``;
- 100,000 small records into a one-shard stream with ``put_records`` (1,000 per call),
  then read back with ``seek`` + ``get_records`` (1,000 per call);
- with ``v3io.aio`` (``v3io_aio_workload.py``): 10,000 ``kv.put`` awaited together with
  ``asyncio.gather``, then 10,000 ``kv.get``.

    .venv/bin/python benchmarks/v3io.py [--scan-items 100000] [--repeat 2]

Each client runs the workload ``--repeat`` times (ABBA order, so neither always goes
first); the best run per row is kept.

Prints one markdown table: per row, each client's CPU per operation (user + system, all
threads; the emulator is not counted) beside its wall time, the CPU ratio (ours / official)
and the wall-clock speed-up. On a small machine the emulator, not the client, bounds most
rows: the CPU columns show how much of the client's own cost is left.
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
AIO_WORKLOAD = Path(__file__).resolve().with_name("v3io_aio_workload.py")
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
    ("put_records", "100,000 records put_records (1,000/call)", 100_000),
    ("get_records", "100,000 records get_records (1,000/call)", 100_000),
    # v3io_aio_workload.py: v3io.aio (ours: native engine; official: aiohttp)
    ("aio_put_item", "10,000 put_item (v3io.aio, gather)", 10_000),
    ("aio_get_item", "10,000 get_item (v3io.aio, gather)", 10_000),
)


def _workload(python: Path | str, env: dict[str, str], *args: str, isolated: bool,
              script: Path = WORKLOAD) -> str:
    command = [str(python), *(["-I"] if isolated else []), str(script), *args]
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


def _table(ours: dict[str, float], theirs: dict[str, float], scan_items: int) -> str:
    """The result table (markdown): client CPU us/op and wall seconds for both clients."""
    lines = ["| operation | storewire CPU/op | official CPU/op | CPU ratio | storewire wall "
             "| official wall | speed-up |", "|---|---|---|---|---|---|---|"]
    for key, title, count in ROWS:
        count = count or scan_items
        if key == "scan":
            title = f"{count:,}-item get_items scan (cursor)"
        mine_cpu, their_cpu = ours[key + "_cpu"] / count * 1e6, theirs[key + "_cpu"] / count * 1e6
        lines.append(f"| {title} | {mine_cpu:.1f} us | {their_cpu:.1f} us "
                     f"| {mine_cpu / their_cpu:.2f} | {ours[key]:.2f} s | {theirs[key]:.2f} s "
                     f"| {theirs[key] / ours[key]:.1f}x |")
    return "\n".join(lines)


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
                result = json.loads(out)
                aio = _workload(python, env, CONTAINER, who, isolated=who == "official",
                                script=AIO_WORKLOAD)
                result.update(json.loads(aio))
                runs[who].append(result)
    ours, theirs = _best(runs["ours"]), _best(runs["official"])
    print()
    print(_table(ours, theirs, args.scan_items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
