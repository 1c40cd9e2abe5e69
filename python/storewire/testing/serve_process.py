"""``storewire serve`` as a child process, for example runners, tests and benchmarks.

Starts the console script next to this interpreter (falling back to ``python -m
storewire.cli``) for one emulator on a free loopback port, waits until it serves, reads
the client variables from its ``--env-file``, keeps draining its output so it never blocks
on a full pipe, and stops it with SIGINT (Ctrl-C) as a user would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
# The variables each emulator writes to the env file.
VARIABLES = {
    "ds3": ("DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"),
    "v3io": ("V3IO_API", "V3IO_ACCESS_KEY"),
    "sector": ("SECTOR_HOST", "SECTOR_PORT", "SECTOR_USER", "SECTOR_PASSWORD", "SECTOR_CERT"),
}


class ServeError(RuntimeError):
    """storewire serve did not start, or did not stop cleanly."""


def serve_command() -> list[str]:
    """The ``storewire`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("storewire")
    if script.exists():
        return [str(script)]
    found = shutil.which("storewire", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "storewire.cli"]


def clean_env(name: str) -> dict[str, str]:
    """This process's environment for loopback work: no proxies, and none of the
    emulator's own variables left over from the caller."""
    own = VARIABLES.get(name, ())
    return {
        k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES and k not in own
    }


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


_PR_SET_PDEATHSIG = 1


# What a child needs before it runs, done by a tiny interpreter that then execs the command:
# no preexec_fn, whose Python code runs between fork and exec in a copy of a threaded test
# process (fork handlers of imported libraries there have crashed the child). A shell starts
# background jobs with SIGINT ignored, and an ignored SIGINT stays ignored across exec: give
# the command the default, so that our SIGINT stops it. And the command stops itself (SIGTERM)
# if the thread that started it dies without stopping it.
_LAUNCHER = (
    "import ctypes, os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    f"ctypes.CDLL(None, use_errno=True).prctl({_PR_SET_PDEATHSIG}, signal.SIGTERM)\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def child_command(command: list[str]) -> list[str]:
    """``command`` run with SIGINT at its default and a parent-death SIGTERM (see above)."""
    return [sys.executable, "-c", _LAUNCHER, *command]


class ServeProcess:
    """``storewire serve --only NAME --NAME 127.0.0.1:0 --env-file WORKDIR/NAME.env``."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        *extra_args: str,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 15.0,
    ) -> None:
        self.name = name
        self.env_file = Path(workdir) / f"{name}.env"
        self.command = [
            *serve_command(), "serve", "--only", name, f"--{name}", "127.0.0.1:0",
            "--env-file", str(self.env_file), *extra_args,
        ]  # fmt: skip
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.output: list[str] = []
        self.variables: dict[str, str] = {}
        self.proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> ServeProcess:
        self.proc = subprocess.Popen(
            child_command(self.command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=clean_env(self.name),
        )
        self._reader = threading.Thread(target=self._pump, name="storewire-serve", daemon=True)
        self._reader.start()
        started = self._ready.wait(self.start_timeout_s)
        if not started or self.proc.poll() is not None or not self.env_file.exists():
            self.stop(check=False)
            raise ServeError("storewire serve did not start:\n    " + "\n    ".join(self.output))
        self.variables = read_env_file(self.env_file)
        missing = [v for v in VARIABLES.get(self.name, ()) if not self.variables.get(v)]
        if missing:
            self.stop(check=False)
            raise ServeError(f"{self.env_file} lacks {', '.join(missing)}")
        return self

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip("\n"))
            if line.startswith("serving"):
                self._ready.set()
        self._ready.set()  # EOF: the server exited

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, *, check: bool = True) -> int:
        """SIGINT, then wait; returns the exit status (ServeError if not 0 and ``check``)."""
        proc = self.proc
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        if proc.stdout is not None:
            proc.stdout.close()
        if check and proc.returncode != 0:
            raise ServeError(
                f"storewire serve exited with status {proc.returncode}:\n    "
                + "\n    ".join(self.output)
            )
        return proc.returncode

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A failure inside the block wins over a failure to stop.
        self.stop(check=exc_type is None)
