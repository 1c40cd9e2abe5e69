"""Checks an installed storewire wheel on a bare machine (run by packaging/wheel-check.sh).

Runs with the Python of a fresh venv that holds only the wheel (and PyYAML, which the s3
examples read their account with): ``storewire version`` (every native library loaded
from the wheel's own storewire.libs, an optimised build), ``storewire selfcheck``,
``storewire serve`` with all three emulators (each endpoint answers, Ctrl-C stops it), then
every example runner: ds3, v3io and sector against ``storewire serve``, s3 against the DS3
emulator's S3 side. Prints one line per step and exits non-zero if any step failed.

    python packaging/check_installed.py EXAMPLES_DIR
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STEP_TIMEOUT_S = 600.0
# Native libraries the extension needs; each must come from the wheel, never the system.
NATIVE_LIBS = ("libcurl", "libssl", "libcrypto")
STATIC_LIBS = ("pugixml", "udt")


class StepFailed(Exception):
    """A step's command failed or its output was not what was expected."""


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=STEP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise StepFailed(f"{' '.join(argv)}: timed out after {STEP_TIMEOUT_S:.0f} s") from exc
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise StepFailed(f"{' '.join(argv)} exited {done.returncode}:\n{output}")
    return output


def check_version() -> str:
    out = _run([_bin("storewire"), "version"])
    for name in ("libcurl", "OpenSSL", "pugixml", "UDT"):
        if name not in out:
            raise StepFailed(f"`storewire version` does not name {name}:\n{out}")
    if "WARNING" in out:
        raise StepFailed(f"`storewire version` warns:\n{out}")
    # Which files the extension really loaded: the bundled copies, not anything else.
    # Both extensions: _native, and _native_sector (Sector and UDT, loaded on first use).
    code = ("import storewire._native.sector, pathlib; print(pathlib.Path('/proc/self/maps')"
            ".read_text())")
    maps = _run([sys.executable, "-c", code])
    loaded = sorted({line.split()[-1] for line in maps.splitlines()
                     if any(f"/{lib}" in line or f"/{lib}-" in line for lib in NATIVE_LIBS)})
    for lib in NATIVE_LIBS:
        if not any(Path(p).name.startswith(f"{lib}-") and "/storewire.libs/" in p
                   for p in loaded):
            raise StepFailed(f"{lib} is not loaded from the wheel's storewire.libs: {loaded}")
    # Python's own ssl module may load the system's OpenSSL too; a system libcurl, never.
    foreign = [p for p in loaded if "/storewire.libs/" not in p and "/libcurl" in p]
    if foreign:
        raise StepFailed(f"loaded from outside the wheel: {foreign}")
    for lib in STATIC_LIBS:
        if any(f"lib{lib}" in line for line in maps.splitlines()):
            raise StepFailed(f"lib{lib} is loaded as a shared library (expected linked in)")
    return out + "loaded: " + ", ".join(Path(p).name for p in loaded) + "\n"


def check_selfcheck() -> str:
    return _run([_bin("storewire"), "selfcheck"])


def _wait_for_env_file(path: Path, proc: subprocess.Popen[str], timeout_s: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StepFailed(f"storewire serve exited {proc.returncode} before serving")
        if path.exists():
            pairs = (ln.partition("=") for ln in path.read_text().splitlines())
            return {k.strip(): v.strip() for k, sep, v in pairs if sep}
        time.sleep(0.1)
    raise StepFailed(f"storewire serve wrote no {path.name} within {timeout_s:.0f} s")


def _connects(host: str, port: int) -> None:
    with socket.create_connection((host, port), timeout=5.0):
        pass


def check_serve() -> str:
    with tempfile.TemporaryDirectory(prefix="serve-") as tmp:
        env_file = Path(tmp) / "storewire.env"
        argv = [_bin("storewire"), "serve", "--ds3", "127.0.0.1:0", "--v3io", "127.0.0.1:0",
                "--sector", "127.0.0.1:0", "--env-file", str(env_file)]
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as proc:
            try:
                variables = _wait_for_env_file(env_file, proc, 60.0)
                for url in (variables["DS3_ENDPOINT"], variables["V3IO_API"]):
                    host, _, port = url.split("//", 1)[-1].rstrip("/").rpartition(":")
                    _connects(host, int(port))
                _connects(variables["SECTOR_HOST"], int(variables["SECTOR_PORT"]))
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    out, _ = proc.communicate(timeout=30.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    out, _ = proc.communicate()
            if proc.returncode != 0:
                raise StepFailed(f"storewire serve exited {proc.returncode} on SIGINT:\n{out}")
    shown = {k: v for k, v in variables.items() if "KEY" not in k and "PASSWORD" not in k}
    return f"served and answered: {shown}\n"


def runner(examples: Path, name: str) -> Callable[[], str]:
    def run() -> str:
        return _run([sys.executable, str(examples / name / "run_examples.py")], cwd=examples)

    return run


def check_s3_on_ds3_emulator(examples: Path) -> str:
    """The s3 examples against ``storewire serve``'s DS3 emulator, as an S3 account."""
    import s3
    from storewire.testing.serve_process import ServeProcess

    with tempfile.TemporaryDirectory(prefix="s3-examples-") as tmp, \
            ServeProcess("ds3", Path(tmp)) as server:
        v = server.variables
        host = v["DS3_ENDPOINT"].split("//", 1)[-1].rstrip("/")
        with s3.Client(host, access_key=v["DS3_ACCESS_KEY"], secret_key=v["DS3_SECRET_KEY"],
                       tls=False) as client:
            client.create_bucket("examples")
        account = Path(tmp) / "s3.yaml"
        account.write_text(
            "---\ns3:\n"
            f'    access_key_id: "{v["DS3_ACCESS_KEY"]}"\n'
            f'    secret_access_key: "{v["DS3_SECRET_KEY"]}"\n'
            '    default_bucket: "examples"\n'
            f'    endpoint: "{host}"\n'
            "    tls: false\n"
        )
        env = {k: val for k, val in os.environ.items() if "proxy" not in k.lower()}
        return _run([sys.executable, str(examples / "s3" / "run_examples.py"), str(account)],
                    env=env, cwd=Path(tmp))


def main() -> int:
    examples = Path(sys.argv[1]).resolve()
    steps: list[tuple[str, Callable[[], str]]] = [
        ("storewire version", check_version),
        ("storewire selfcheck", check_selfcheck),
        ("storewire serve (ds3, v3io, sector)", check_serve),
        ("ds3 examples against storewire serve", runner(examples, "ds3")),
        ("v3io examples against storewire serve", runner(examples, "v3io")),
        ("sector examples against storewire serve", runner(examples, "sector")),
        ("s3 examples against the DS3 emulator's S3 side",
         lambda: check_s3_on_ds3_emulator(examples)),
    ]
    failed = []
    for title, step in steps:
        started = time.perf_counter()
        try:
            out, ok = step(), True
        except Exception as exc:
            out, ok = f"{type(exc).__name__}: {exc}\n", False
        print(f"[{'ok' if ok else 'FAIL'}] {title} ({time.perf_counter() - started:.1f} s)")
        print("".join(f"    {line}\n" for line in out.splitlines()), end="", flush=True)
        if not ok:
            failed.append(title)
    print(f"{len(steps) - len(failed)}/{len(steps)} wheel checks passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
