"""Runs one client call in a child process and classifies how it ended.

The hostile suite's rule (issue 19): whatever a server answers, a client call ends within
a bound with a correct result or a typed ``storewire.errors`` exception. Never a signal,
a hang, or an untyped exception. The scripted server runs in the test process; the call
runs in a fresh interpreter so that a crash or a hang is observed, not suffered.

A case is a plain function in a module of this folder, ``def call(url: str, *args) ->
JSON-able``. :func:`run_case` imports it in the child, calls it, and reports back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
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


def spawn_case(
    target: str, *args: Any, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start ``module:function(*args)`` (a module of tests/hostile) in a child interpreter,
    in its own process group; :func:`finish_case` collects the outcome."""
    child_env = dict(os.environ)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        child_env.pop(name, None)
    child_env.update(env or {})
    child_env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), str(HERE.parent), child_env.get("PYTHONPATH", "")]
    )
    spec = json.dumps({"target": target, "args": list(args)})
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", str(HERE / "hostile_child.py"), spec],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
        start_new_session=True,
    )


def finish_case(
    proc: subprocess.Popen[str], bound_s: float = DEFAULT_BOUND_S, started: float | None = None
) -> Outcome:
    started = time.monotonic() if started is None else started
    try:
        out, err = proc.communicate(timeout=max(0.1, bound_s - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own process group only
        out, err = proc.communicate()
        return Outcome("hang", seconds=time.monotonic() - started, stderr=err)
    seconds = time.monotonic() - started
    if proc.returncode < 0:
        return Outcome("signal", seconds=seconds, returncode=proc.returncode, stderr=err)
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
                returncode=proc.returncode,
                stderr=err,
            )
    return Outcome("crash", seconds=seconds, returncode=proc.returncode, stderr=err)


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
