"""Run the DS3 examples end to end (``make demo`` calls this).

With DS3_ENDPOINT, DS3_ACCESS_KEY and DS3_SECRET_KEY set (e.g. from ``storewire serve
--env-file``) that server is used; otherwise a DS3 emulator is started on a free loopback
port for the run. The README's four text files are generated in a temporary directory and
each script runs there: the README bulk put (as written), a bulk get, a listing.
Exits non-zero on any failure.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bulk_put.py", "bulk_get.py", "listing.py")
VARIABLES = ("DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY")


@contextlib.contextmanager
def _server() -> Iterator[dict[str, str]]:
    if all(os.environ.get(name) for name in VARIABLES):
        print(f"  using {os.environ['DS3_ENDPOINT']} from the environment")
        yield {name: os.environ[name] for name in VARIABLES}
        return
    from storewire.emulators.ds3 import DS3Emulator

    with DS3Emulator() as emu:
        print(f"  DS3 emulator at {emu.endpoint}")
        yield emu.env()


def main() -> int:
    sys.path.insert(0, str(HERE))
    from make_sample_files import make

    with tempfile.TemporaryDirectory(prefix="storewire-ds3-examples-") as tmp, \
            _server() as variables:
        workdir = Path(tmp)
        make(workdir)
        env = dict(os.environ, **variables)
        for name in SCRIPTS:
            started = time.perf_counter()
            result = subprocess.run([sys.executable, str(HERE / name)], cwd=workdir, env=env,
                                    capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - started
            status = "ok" if result.returncode == 0 else "FAILED"
            print(f"  {name}: {status} ({elapsed:.1f} s)")
            for line in result.stdout.splitlines():
                print(f"    {line}")
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
