"""Run the PySector README examples end to end against ``storewire serve`` (``make demo``).

Starts ``storewire serve --only sector --sector 127.0.0.1:0 --env-file <tmp>`` with a small
cluster (2 masters, 2 slaves, 2 replicas per file: the examples do not notice) from the console
script next to this Python as a subprocess, reads SECTOR_HOST, SECTOR_PORT, SECTOR_USER,
SECTOR_PASSWORD and SECTOR_CERT from the env file it writes, then runs the README's five
interactive examples (mkdir, rm, upload, download, read) and the ``read.py`` /
``sectorgrep.py`` scripts with that environment, checking their output and the files they
write. Stops the server with SIGINT (Ctrl-C) and exits non-zero on any failure.

    python examples/sector/run_examples.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from storewire.testing.serve_process import ServeError, ServeProcess, clean_env

HERE = Path(__file__).resolve().parent
SCRIPT_TIMEOUT_S = 120.0

# The local file the upload example copies into Sector (the README uploads PySector's own
# SectorModule.cpp): a few hundred lines, so reads cross several 4096-byte blocks.
COMMANDS = ("mkdir", "remove", "move", "open", "close", "read", "write", "upload",
            "download", "copy", "stat", "list")
GREP_PATTERN = r"sector_(up|down)load\("


def sample_source() -> str:
    lines = ['#include "sector.h"', ""]
    for number, command in enumerate(COMMANDS * 6):
        lines += [f"// {number:03d}: the Sector {command} command",
                  f"static PyObject* sector_{command}(PyObject* self, PyObject* args)",
                  "{", f"    return call_{command}(self, args);", "}", ""]
    return "\n".join(lines) + "\n"


def run_one(script: str, args: list[str], expected: tuple[str, ...], env: dict[str, str],
            check: Callable[[str], str | None] | None = None) -> bool:
    """Runs one script; it passes when it exits 0, prints every ``expected`` line and
    ``check`` (if any, given the output) returns no complaint."""
    started = time.perf_counter()
    shown = " ".join([script, *(Path(a).name if os.sep in a else a for a in args)])
    try:
        done = subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        print(f"  {shown}: FAILED (no answer in {SCRIPT_TIMEOUT_S:.0f} s)")
        return False
    lines = done.stdout.splitlines()
    missing = [line for line in expected if line not in lines]
    complaint = check(done.stdout) if done.returncode == 0 and check is not None else None
    ok = done.returncode == 0 and not missing and complaint is None
    elapsed = time.perf_counter() - started
    print(f"  {shown}: {'ok' if ok else 'FAILED'} ({elapsed:.1f} s)")
    for line in lines:
        if line in expected:
            print(f"    | {line}")
    if not ok:
        for line in missing:
            print(f"    missing output: {line}")
        if complaint:
            print(f"    {complaint}")
        print("    " + "\n    ".join((done.stdout + done.stderr).splitlines()[-30:]))
    return ok


def _same_file(path: Path, expected: bytes) -> Callable[[str], str | None]:
    def check(_output: str) -> str | None:
        if not path.exists():
            return f"{path.name} was not written"
        got = path.read_bytes()
        if got != expected:
            return f"{path.name}: {len(got)} bytes differ from the {len(expected)} uploaded"
        return None
    return check


def _only_lines(expected: tuple[str, ...]) -> Callable[[str], str | None]:
    def check(output: str) -> str | None:
        extra = [line for line in output.splitlines() if line not in expected]
        return f"unexpected output lines: {extra[:5]}" if extra else None
    return check


def run_all(env: dict[str, str], tmp: Path) -> list[bool]:
    source = sample_source().encode()
    local = tmp / "SectorModule.cpp"
    local.write_bytes(source)
    downloaded = tmp / "downloaded" / "SectorModule.cpp"
    downloaded.parent.mkdir()
    copied = tmp / "read-copy.cpp"
    grep_hits = tuple(line for line in sample_source().splitlines()
                      if "sector_upload(" in line or "sector_download(" in line)
    return [
        run_one("example_1_mkdir.py", [], ("mkdir /mydir: 0",), env),
        run_one("example_2_rm.py", [], ("rm /mydir: 0",), env),
        run_one("example_3_upload.py", [str(local)],
                (f"upload {local} -> /SectorModule.cpp: 0",), env),
        run_one("example_4_download.py", [str(downloaded)],
                (f"download /SectorModule.cpp -> {downloaded}: 0",), env,
                _same_file(downloaded, source)),
        run_one("example_5_read.py", [], (f"read /SectorModule.cpp: {len(source)} bytes",),
                env),
        run_one("read.py", ["/SectorModule.cpp", str(copied)],
                (f"/SectorModule.cpp -> {copied}: {len(source)} bytes",), env,
                _same_file(copied, source)),
        run_one("sectorgrep.py", [GREP_PATTERN, "/SectorModule.cpp"], grep_hits, env,
                _only_lines(grep_hits)),
    ]


CLUSTER = ("--sector-masters", "2", "--sector-slaves", "2", "--sector-replicas", "2")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="storewire-sector-examples-") as tmp:
        try:
            with ServeProcess("sector", Path(tmp), *CLUSTER) as server:
                variables = server.variables
                print("  storewire serve --only sector at "
                      f"{variables['SECTOR_HOST']}:{variables['SECTOR_PORT']} "
                      "(2 masters, 2 slaves, 2 replicas per file)")
                env = dict(clean_env("sector"), **variables)
                results = run_all(env, Path(tmp))
            print("  storewire serve stopped by SIGINT")
        except ServeError as exc:
            print(f"  {exc}")
            return 1
    failed = results.count(False)
    print(f"  {len(results) - failed}/{len(results)} Sector examples passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
