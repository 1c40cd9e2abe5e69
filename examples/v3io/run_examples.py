"""Run the V3IO README examples end to end against ``storewire serve`` (``make demo``).

Starts ``storewire serve --only v3io --v3io 127.0.0.1:0 --env-file <tmp>`` (the console
script next to this Python) as a subprocess, reads V3IO_API and V3IO_ACCESS_KEY from the
env file it writes, runs each example script with that environment and checks the lines
the README says it prints. Stops the server with SIGINT (Ctrl-C) and exits non-zero on any
failure.

    python examples/v3io/run_examples.py
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
VARIABLES = ("V3IO_API", "V3IO_ACCESS_KEY")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
START_TIMEOUT_S = 30.0
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


class ServerError(RuntimeError):
    pass


def _serve_command() -> list[str]:
    """The ``storewire`` console script next to ``sys.executable`` (``python -m
    storewire.cli`` when it is not installed there)."""
    script = Path(sys.executable).with_name("storewire")
    if script.exists():
        return [str(script)]
    found = shutil.which("storewire", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "storewire.cli"]


def _clean_env() -> dict[str, str]:
    # loopback only: no proxy, and no V3IO_* of the caller leaking into the run
    return {k: v for k, v in os.environ.items()
            if k.lower() not in PROXY_VARIABLES and not k.startswith("V3IO_")}


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().removeprefix("export ")] = value.strip().strip("'\"")
    return values


@contextlib.contextmanager
def storewire_serve(workdir: Path, extra: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Runs ``storewire serve --only v3io`` for the block; yields the env file's variables
    (V3IO_API, V3IO_ACCESS_KEY)."""
    env_file = workdir / "v3io.env"
    command = [*_serve_command(), "serve", "--only", "v3io", "--v3io", "127.0.0.1:0",
               "--env-file", str(env_file), *extra]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=_clean_env())
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
        yield {name: variables[name] for name in VARIABLES}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        reader.join(5)
    if proc.returncode != 0:
        raise ServerError(f"storewire serve exited with status {proc.returncode}:\n    "
                          + "\n    ".join(output))


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
            with storewire_serve(Path(tmp)) as variables:
                print(f"  storewire serve --only v3io at {variables['V3IO_API']}")
                env = dict(_clean_env(), **variables)
                results = [run_one(s, lines, env) for s, lines in EXAMPLES.items()]
            print("  storewire serve stopped by SIGINT")
        except ServerError as exc:
            print(f"  {exc}")
            return 1
    failed = results.count(False)
    print(f"  {len(results) - failed}/{len(results)} V3IO examples passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
