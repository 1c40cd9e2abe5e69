"""Run the DS3 examples end to end against ``storewire serve`` (``make demo`` calls this).

Starts ``storewire serve --only ds3 --ds3 127.0.0.1:0 --env-file <tmp>`` (the console
script next to this Python) as a subprocess, reads DS3_ENDPOINT, DS3_ACCESS_KEY and
DS3_SECRET_KEY from the env file it writes, generates the README's four text files in a
temporary directory and runs each example there with that environment, so that
``ds3.createClientFromEnv()`` is exercised exactly as the original README does: the README
bulk put (as written), a bulk get, a listing. Stops the server with SIGINT (Ctrl-C), prints
a short report and exits non-zero on any failure.

    python examples/ds3/run_examples.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storewire.testing.serve_process import ServeError, ServeProcess, clean_env

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bulk_put.py", "bulk_get.py", "listing.py")
SCRIPT_TIMEOUT_S = 120.0


def run(workdir: Path) -> list[tuple[str, bool, float]]:
    """Runs every example against a fresh ``storewire serve``; returns (script, ok, s)."""
    sys.path.insert(0, str(HERE))
    from make_sample_files import make

    samples = workdir / "samples"
    make(samples)
    results: list[tuple[str, bool, float]] = []
    with ServeProcess("ds3", workdir) as server:
        print(f"  $ storewire {' '.join(server.command[-7:])}")
        print(f"  storewire serve (pid {server.pid}) at {server.variables['DS3_ENDPOINT']}")
        env = dict(clean_env("ds3"), **server.variables)
        for name in SCRIPTS:
            started = time.perf_counter()
            try:
                result = subprocess.run([sys.executable, str(HERE / name)], cwd=samples,
                                        env=env, capture_output=True, text=True,
                                        timeout=SCRIPT_TIMEOUT_S, check=False)
                ok, stdout, stderr = result.returncode == 0, result.stdout, result.stderr
            except subprocess.TimeoutExpired as exc:
                ok, stdout = False, str(exc.stdout or "")
                stderr = f"timed out after {SCRIPT_TIMEOUT_S:.0f} s"
            elapsed = time.perf_counter() - started
            results.append((name, ok, elapsed))
            print(f"  {name}: {'ok' if ok else 'FAILED'} ({elapsed:.1f} s)")
            for line in stdout.splitlines():
                print(f"    {line}")
            if not ok:
                for line in stderr.splitlines():
                    print(f"    ! {line}")
    print(f"  storewire serve stopped by SIGINT (exit {server.stop()})")
    return results


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="storewire-ds3-examples-") as tmp:
        try:
            results = run(Path(tmp))
        except ServeError as exc:
            print(f"  FAILED: {exc}")
            return 1
    passed = sum(ok for _, ok, _ in results)
    total = sum(elapsed for _, _, elapsed in results)
    print(f"  {passed}/{len(SCRIPTS)} DS3 examples passed against storewire serve "
          f"({total:.1f} s)")
    return 0 if passed == len(SCRIPTS) else 1


if __name__ == "__main__":
    sys.exit(main())
