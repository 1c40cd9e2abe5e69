"""The main job, run by ``make demo`` (``python -m storewire.demo``).

For now: a self-check of the native HTTP engine against a local server, printed as a
short report with timings and rates. Each system's issue (DS3, S3, V3IO, Sector) extends
this to start its emulator and run that system's examples end to end. Exits non-zero
when any step fails.
"""

from __future__ import annotations

import sys
import time

from . import __version__, selfcheck

# What the demo does not cover yet, and which issue brings it.
_PENDING = (
    ("DS3 (BlackPearl)", "client + emulator arrive with the DS3 issue"),
    ("S3", "client arrives with the S3 issue (served by the DS3 emulator)"),
    ("V3IO", "client + emulator arrive with the V3IO issue"),
    ("Sector", "client + emulator arrive with the Sector issue"),
)


def main() -> int:
    started = time.perf_counter()
    print(f"storewire {__version__} demo")
    print(f"  {selfcheck.build_summary()}")
    print()
    print("HTTP engine self-check against a local server (loopback, temp dir):")
    steps = selfcheck.run()
    print(selfcheck.format_report(steps))
    print()
    print("Systems:")
    for name, status in _PENDING:
        print(f"  {name:<17} {status}")
    failed = [s.title for s in steps if not s.ok]
    print()
    elapsed = time.perf_counter() - started
    if failed:
        print(f"demo FAILED after {elapsed:.1f} s: {', '.join(failed)}")
        return 1
    print(f"demo finished in {elapsed:.1f} s: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
