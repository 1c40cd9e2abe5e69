"""The main job, run by ``make demo`` (``python -m storewire.demo``).

A self-check of the native HTTP engine against a local server, then each system's
examples end to end (each ``examples/<system>/run_examples.py`` starts what it needs: an
emulator, or a throw-away radosgw for S3, the DS3 emulator where radosgw is missing).
Exits non-zero when any step fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from . import __version__, selfcheck

# The systems whose examples run, and where they live (relative to the repository).
_EXAMPLES = (
    ("DS3 (BlackPearl)", Path("examples/ds3/run_examples.py")),
    ("S3 (radosgw, else the DS3 emulator)", Path("examples/s3/run_examples.py")),
    ("V3IO", Path("examples/v3io/run_examples.py")),
    ("Sector", Path("examples/sector/run_examples.py")),
)


def run_examples() -> list[str]:
    """Runs each system's examples; returns the names of the systems that failed."""
    failed = []
    for name, script in _EXAMPLES:
        print(f"{name} examples ({script}):")
        if not script.exists():
            print("  not found: run `make demo` from the repository root")
            failed.append(name)
            continue
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name}: {status} in {time.perf_counter() - started:.1f} s")
        print()
        if code != 0:
            failed.append(name)
    return failed


def main() -> int:
    started = time.perf_counter()
    print(f"storewire {__version__} demo")
    print(f"  {selfcheck.build_summary()}")
    print()
    print("HTTP engine self-check against a local server (loopback, temp dir):")
    steps = selfcheck.run()
    print(selfcheck.format_report(steps))
    print()
    failed = [s.title for s in steps if not s.ok]
    failed += run_examples()
    print()
    elapsed = time.perf_counter() - started
    if failed:
        print(f"demo FAILED after {elapsed:.1f} s: {', '.join(failed)}")
        return 1
    print(f"demo finished in {elapsed:.1f} s: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
