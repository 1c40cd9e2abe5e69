"""Run the V3IO README examples end to end against ``storewire serve`` (``make demo``).

Starts ``storewire serve --only v3io --v3io 127.0.0.1:0 --env-file <tmp>`` (the console
script next to this Python) as a subprocess, reads V3IO_API and V3IO_ACCESS_KEY from the
env file it writes, runs each example script with that environment and checks the lines
the README says it prints. Stops the server with SIGINT (Ctrl-C) and exits non-zero on any
failure.

    python examples/v3io/run_examples.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storewire.testing.serve_process import ServeError, ServeProcess, clean_env

HERE = Path(__file__).resolve().parent
SCRIPT_TIMEOUT_S = 120.0

# script -> lines its output must contain (what the README says it prints)
EXAMPLES: dict[str, tuple[str, ...]] = {
    "containers.py": ("Status code: 200", "#0: users", "#1: bigdata"),
    "raise_for_status.py": (
        "never: 200",
        "[200, 204]: 200",
        "missing object with never: 404",
        "missing object raised NotFoundError (status 404)",
    ),
    "batching.py": ("batch statuses: [200] x 16", "read back: object-0 ... object-15"),
    "objects.py": ("hello, there",),
    "key_value.py": (
        "{'__size': 0, 'age': 9, 'quip': 'i can smell fear on you', 'height': 130}",
        "{'age': 42, 'feature': 'mustache'}",
        "{'age': 41, 'feature': 'singing'}",
    ),
    "streams.py": ("first shard record #1", "first shard record #2"),
}


def run_one(script: str, expected: tuple[str, ...], env: dict[str, str]) -> bool:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(HERE / script)], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        print(f"  {script}: FAILED (no answer in {SCRIPT_TIMEOUT_S:.0f} s)")
        return False
    lines = done.stdout.splitlines()
    missing = [line for line in expected if line not in lines]
    ok = done.returncode == 0 and not missing
    elapsed = time.perf_counter() - started
    print(f"  {script}: {'ok' if ok else 'FAILED'} ({elapsed:.1f} s)")
    for line in lines:
        if line in expected:
            print(f"    | {line}")
    if not ok:
        for line in missing:
            print(f"    missing output: {line}")
        print("    " + "\n    ".join((done.stdout + done.stderr).splitlines()[-30:]))
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="storewire-v3io-examples-") as tmp:
        try:
            with ServeProcess("v3io", Path(tmp)) as server:
                print(f"  storewire serve --only v3io at {server.variables['V3IO_API']}")
                env = dict(clean_env("v3io"), **server.variables)
                results = [run_one(s, lines, env) for s, lines in EXAMPLES.items()]
            print("  storewire serve stopped by SIGINT")
        except ServeError as exc:
            print(f"  {exc}")
            return 1
    failed = results.count(False)
    print(f"  {len(results) - failed}/{len(results)} V3IO examples passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
