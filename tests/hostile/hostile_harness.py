"""Runs one client call in a child process and classifies how it ended.

The hostile suite's rule (issue 19): whatever a server answers, a client call ends within
a bound with a correct result or a typed ``storewire.errors`` exception. Never a signal,
a hang, or an untyped exception. The scripted server runs in the test process; the call
runs in a process of its own so that a crash or a hang is observed, not suffered: a fork
of a zygote that has imported the clients once (hostile_zygote.py), or with
HOSTILE_FRESH_INTERPRETER=1 a fresh interpreter per case.

A case is a plain function in a module of this folder, ``def call(url: str, *args) ->
JSON-able``. :func:`run_case` imports it in the child, calls it, and reports back.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_MARK = "@@hostile-outcome@@"
DEFAULT_BOUND_S = 30.0


@dataclass
class Outcome:
    kind: str  # "ok" | "typed" | "untyped" | "signal" | "hang" | "crash"
    value: Any = None  # the call's JSON-able return value ("ok")
    error_class: str = ""  # class name of the exception raised ("typed"/"untyped")
    error_mro: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    returncode: int | None = None
    stderr: str = ""

    def describe(self) -> str:
        return (
            f"{self.kind} after {self.seconds:.1f}s: {self.error_class} {self.message!r} "
            f"value={self.value!r} rc={self.returncode} stderr={self.stderr[-2000:]}"
        )


class _Zygote:
    """The fork server (hostile_zygote.py), one per test process, started on first use."""

    def __init__(self) -> None:
        env = _child_env({})
        self._proc = subprocess.Popen(
            [sys.executable, str(HERE / "hostile_zygote.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lock = threading.Lock()
        self._events: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._next = 0
        self._dir = tempfile.mkdtemp(prefix="hostile-")
        threading.Thread(target=self._read, daemon=True).start()
        atexit.register(self.close)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            message = json.loads(line)
            with self._lock:
                events = self._events.get(message["id"])
            if events is not None:
                events.put(message)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def start(self, spec: dict[str, Any], env: dict[str, str]) -> ForkedCase:
        with self._lock:
            case_id = self._next
            self._next += 1
            events: queue.Queue[dict[str, Any]] = queue.Queue()
            self._events[case_id] = events
            out = os.path.join(self._dir, f"{case_id}.out")
            err = os.path.join(self._dir, f"{case_id}.err")
            request = {"id": case_id, "spec": spec, "out": out, "err": err, "env": env}
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
        pid = events.get(timeout=60)["pid"]
        return ForkedCase(pid, events, out, err)


@dataclass
class ForkedCase:
    pid: int
    events: queue.Queue[dict[str, Any]]
    out: str
    err: str

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)


_zygote: _Zygote | None = None
_zygote_lock = threading.Lock()


def _child_env(env: dict[str, str]) -> dict[str, str]:
    child_env = dict(os.environ)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        child_env.pop(name, None)
    child_env.update(env)
    child_env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), str(HERE.parent), child_env.get("PYTHONPATH", "")]
    )
    return child_env


def spawn_case(
    target: str, *args: Any, env: dict[str, str] | None = None
) -> ForkedCase | subprocess.Popen[str]:
    """Start ``module:function(*args)`` (a module of tests/hostile) in a process of its own
    (a fork of the zygote, or a fresh interpreter with HOSTILE_FRESH_INTERPRETER=1), in its
    own process group; :func:`finish_case` collects the outcome."""
    spec = {"target": target, "args": list(args)}
    if os.environ.get("HOSTILE_FRESH_INTERPRETER") != "1":
        global _zygote
        with _zygote_lock:
            if _zygote is None:
                _zygote = _Zygote()
        return _zygote.start(spec, env or {})
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", str(HERE / "hostile_child.py"), json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(env or {}),
        start_new_session=True,
    )


def _wait_forked(case: ForkedCase, timeout: float) -> tuple[int | None, str, str]:
    try:
        status = case.events.get(timeout=timeout)["status"]
    except queue.Empty:
        return None, "", ""
    with open(case.out, errors="replace") as out, open(case.err, errors="replace") as err:
        return os.waitstatus_to_exitcode(status), out.read(), err.read()


def finish_case(
    proc: ForkedCase | subprocess.Popen[str],
    bound_s: float = DEFAULT_BOUND_S,
    started: float | None = None,
) -> Outcome:
    started = time.monotonic() if started is None else started
    left = max(0.1, bound_s - (time.monotonic() - started))
    if isinstance(proc, ForkedCase):
        returncode, out, err = _wait_forked(proc, left)
        if returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the case's own process group only
            _, _, err = _wait_forked(proc, 30)
            return Outcome("hang", seconds=time.monotonic() - started, stderr=err)
    else:
        try:
            out, err = proc.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own process group only
            out, err = proc.communicate()
            return Outcome("hang", seconds=time.monotonic() - started, stderr=err)
        returncode = proc.returncode
    seconds = time.monotonic() - started
    if returncode < 0:
        return Outcome("signal", seconds=seconds, returncode=returncode, stderr=err)
    for line in out.splitlines():
        if line.startswith(_MARK):
            report = json.loads(line[len(_MARK):])
            return Outcome(
                report["kind"],
                value=report.get("value"),
                error_class=report.get("error_class", ""),
                error_mro=report.get("error_mro", []),
                message=report.get("message", ""),
                seconds=seconds,
                returncode=returncode,
                stderr=err,
            )
    return Outcome("crash", seconds=seconds, returncode=returncode, stderr=err)


def run_case(
    target: str, *args: Any, bound_s: float = DEFAULT_BOUND_S, env: dict[str, str] | None = None
) -> Outcome:
    """Run ``module:function(*args)`` (a module of tests/hostile) in a child interpreter."""
    started = time.monotonic()
    return finish_case(spawn_case(target, *args, env=env), bound_s, started)


def expect_typed(outcome: Outcome, *classes: str) -> Outcome:
    """Assert that the call raised a ``storewire.errors.StorageError`` (one of ``classes``,
    by class name anywhere in its MRO, when given)."""
    assert outcome.kind == "typed", outcome.describe()
    if classes:
        assert set(classes) & set(outcome.error_mro), outcome.describe()
    return outcome


def expect_ok(outcome: Outcome) -> Any:
    assert outcome.kind == "ok", outcome.describe()
    return outcome.value


def expect_safe(outcome: Outcome) -> Outcome:
    """Either a result or a typed error: what a case must show when both are right."""
    assert outcome.kind in ("ok", "typed"), outcome.describe()
    return outcome
