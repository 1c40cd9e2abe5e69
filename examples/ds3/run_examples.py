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

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bulk_put.py", "bulk_get.py", "listing.py")
VARIABLES = ("DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
START_TIMEOUT_S = 30.0
SCRIPT_TIMEOUT_S = 120.0


def _serve_command() -> list[str]:
    """The ``storewire`` console script of this interpreter's environment, falling back to
    ``python -m storewire.cli`` when it is not installed next to ``sys.executable``."""
    script = Path(sys.executable).with_name("storewire")
    if script.exists():
        return [str(script)]
    found = shutil.which("storewire", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "storewire.cli"]


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python keeps an ignored
    # SIGINT ignored: give the server the default so that Ctrl-C (our SIGINT) stops it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


class ServerError(RuntimeError):
    pass


@contextlib.contextmanager
def storewire_serve(workdir: Path) -> Iterator[dict[str, str]]:
    """Runs ``storewire serve --only ds3`` for the block; yields the env file's variables."""
    env_file = workdir / "ds3.env"
    command = [*_serve_command(), "serve", "--only", "ds3", "--ds3", "127.0.0.1:0",
               "--env-file", str(env_file)]
    print(f"  $ storewire {' '.join(command[-7:])}")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=_clean_env(), preexec_fn=_default_sigint)
    output: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith("serving"):
                ready.set()
        ready.set()  # EOF: the server exited

    reader = threading.Thread(target=pump, name="storewire-serve-output", daemon=True)
    reader.start()
    try:
        if not ready.wait(START_TIMEOUT_S) or proc.poll() is not None or not env_file.exists():
            raise ServerError("storewire serve did not start:\n    " + "\n    ".join(output))
        variables = _read_env_file(env_file)
        missing = [name for name in VARIABLES if not variables.get(name)]
        if missing:
            raise ServerError(f"{env_file} lacks {', '.join(missing)}")
        print(f"  storewire serve (pid {proc.pid}) at {variables['DS3_ENDPOINT']}")
        yield variables
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        reader.join(5)
        if proc.stdout is not None:
            proc.stdout.close()
    if proc.returncode != 0:
        raise ServerError(f"storewire serve exited with status {proc.returncode}:\n    "
                          + "\n    ".join(output))
    print(f"  storewire serve stopped by SIGINT (exit {proc.returncode})")


def _clean_env() -> dict[str, str]:
    # Loopback only: no proxy, and no DS3_* of the caller leaking into the run.
    return {k: v for k, v in os.environ.items()
            if k.lower() not in PROXY_VARIABLES and not k.startswith("DS3_")}


def run(workdir: Path) -> list[tuple[str, bool, float]]:
    """Runs every example against a fresh ``storewire serve``; returns (script, ok, s)."""
    sys.path.insert(0, str(HERE))
    from make_sample_files import make

    samples = workdir / "samples"
    make(samples)
    results: list[tuple[str, bool, float]] = []
    with storewire_serve(workdir) as variables:
        env = dict(_clean_env(), **variables)
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
    return results


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="storewire-ds3-examples-") as tmp:
        try:
            results = run(Path(tmp))
        except ServerError as exc:
            print(f"  FAILED: {exc}")
            return 1
    passed = sum(ok for _, ok, _ in results)
    total = sum(elapsed for _, _, elapsed in results)
    print(f"  {passed}/{len(SCRIPTS)} DS3 examples passed against storewire serve "
          f"({total:.1f} s)")
    return 0 if passed == len(SCRIPTS) else 1


if __name__ == "__main__":
    sys.exit(main())
