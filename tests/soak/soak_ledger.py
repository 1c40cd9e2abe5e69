"""The soak's bookkeeping: every operation runs under a time bound, its outcome is
classified, and whatever breaks the issue-19 rules is recorded with the operation, the key,
the faults the proxy injected while it ran, and what the client returned.

Failure classes (each must stay at 0):
- ``lost``: an object the client reported written is missing when read back directly;
- ``corrupted``: a stored object differs from what was written;
- ``silent``: a call returned success with a wrong result (empty data, a short or wrong
  body, a listing that misses or invents keys, a delete that did not happen);
- ``misreported``: the call raised a definitive error (409 already exists, 404 not found)
  although the server had done exactly what was asked: an ambiguous retry passed on;
- ``hang``: an operation ran past its bound (the run stops there);
- ``untyped``: an exception that is not a ``storewire.errors.StorageError``.
"""

from __future__ import annotations

import faulthandler
import hashlib
import json
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fault_proxy import FaultProxy

from storewire.errors import StorageError

FAILURE_CLASSES = ("lost", "corrupted", "silent", "misreported", "hang", "untyped")
T = TypeVar("T")


def describe_bytes(data: bytes | bytearray | memoryview | None) -> str:
    """A short, comparable description: length and a hash prefix."""
    if data is None:
        return "None"
    raw = bytes(data)
    return f"{len(raw)} bytes sha256:{hashlib.sha256(raw).hexdigest()[:12]}"


class WrongShape(Exception):
    """Raised by a workload's own unpacking of a result that came back as success but
    lacks a part it must have (a body, an ``output``): a silent wrong result."""


def require(value: T | None, what: str) -> T:
    """``value``, or WrongShape naming ``what`` is missing."""
    if value is None:
        raise WrongShape(f"{what} is None")
    return value


@dataclass
class Failure:
    kind: str
    op: str
    key: str
    detail: str
    error: str = ""  # the exception, when the call raised
    returned: str = ""  # what the call returned, when it returned
    faults: list[str] = field(default_factory=list)  # injected while the call ran
    index: int = 0  # the operation's number in the run
    tag: str = ""  # how the client was set up for it (e.g. "no retries")

    def describe(self) -> str:
        tag = f" ({self.tag})" if self.tag else ""
        text = f"[{self.kind}] op #{self.index} {self.op}{tag} {self.key!r}: {self.detail}"
        if self.error:
            text += f"; raised {self.error}"
        if self.returned:
            text += f"; returned {self.returned}"
        text += "; faults: " + ("; ".join(self.faults) if self.faults else "none")
        return text


@dataclass
class Result(Generic[T]):
    """How one call ended: ``value`` when ``ok``, else ``error`` (a StorageError)."""

    ok: bool
    value: T | None
    error: StorageError | None
    faults: list[str]
    index: int
    tag: str = ""

    @property
    def error_text(self) -> str:
        if self.error is None:
            return ""
        return f"{type(self.error).__name__}: {str(self.error)[:300]}"


@dataclass
class _Current:
    op: str
    key: str
    index: int
    deadline: float
    mark: int


class Ledger:
    """Runs the operations of one system's soak and keeps the score."""

    def __init__(
        self, system: str, proxy: FaultProxy | None, report_path: Path, bound_s: float
    ) -> None:
        self.system = system
        self.proxy = proxy
        self.report_path = report_path
        self.bound_s = bound_s
        self.started = time.monotonic()
        self.ops: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.failures: list[Failure] = []
        self.verified = 0
        self.extra: dict[str, Any] = {}
        self.tag = ""  # set by the workload per operation, kept with its failures
        # every operation, compactly: to tell the story of a key that went wrong
        self.history: list[tuple[int, str, str, str, str]] = []
        self._index = 0
        self._current: _Current | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="soak-watchdog", daemon=True)
        self._watchdog.start()

    # ---- running calls ------------------------------------------------------------------

    def call(
        self, op: str, key: str, fn: Callable[[], T], *, bound_s: float | None = None
    ) -> Result[T]:
        """Run ``fn()`` as operation ``op`` on ``key``; typed errors are a normal outcome,
        anything else is recorded as ``untyped``."""
        self._index += 1
        mark = self.proxy.event_count() if self.proxy is not None else 0
        with self._lock:
            self._current = _Current(
                op, key, self._index, time.monotonic() + (bound_s or self.bound_s), mark
            )
        self.ops[op] += 1
        try:
            value = fn()
        except StorageError as exc:
            faults = self._faults_since(mark)
            self.outcomes[f"{op}: {type(exc).__name__}"] += 1
            result: Result[T] = Result(False, None, exc, faults, self._index, self.tag)
            self._log(result, op, key, type(exc).__name__)
            return result
        except WrongShape as exc:
            faults = self._faults_since(mark)
            self.fail("silent", op, key, f"success with a malformed result: {exc}",
                      faults=faults)
            result = Result(False, None, None, faults, self._index, self.tag)
            self._log(result, op, key, "malformed success")
            return result
        except Exception as exc:  # the rule under test: nothing but StorageError escapes
            faults = self._faults_since(mark)
            self.fail(
                "untyped", op, key, "an exception outside storewire.errors",
                error=f"{type(exc).__name__}: {str(exc)[:300]}\n"
                + "".join(traceback.format_exception(exc))[-1500:],
                faults=faults,
            )
            result = Result(False, None, None, faults, self._index, self.tag)
            self._log(result, op, key, f"untyped {type(exc).__name__}")
            return result
        finally:
            with self._lock:
                self._current = None
        self.outcomes[f"{op}: ok"] += 1
        result = Result(True, value, None, self._faults_since(mark), self._index, self.tag)
        self._log(result, op, key, "ok")
        return result

    def _log(self, result: Result[Any], op: str, key: str, outcome: str) -> None:
        faults = "; ".join(result.faults)
        tag = f" ({result.tag})" if result.tag else ""
        self.history.append((result.index, f"{op}{tag}", key, outcome, faults))

    def story(self, key: str, limit: int = 8) -> str:
        """The last operations that named ``key``: what they did and what they met."""
        lines = [f"#{i} {op} -> {outcome}" + (f" [faults: {faults}]" if faults else "")
                 for i, op, keys, outcome, faults in self.history
                 if key in keys.split(",") or keys.startswith(f"{key} ")]
        return " | ".join(lines[-limit:]) or "no operation named it"

    def _faults_since(self, mark: int) -> list[str]:
        if self.proxy is None:
            return []
        return [e.describe() for e in self.proxy.events_since(mark)]

    def fail(
        self, kind: str, op: str, key: str, detail: str, *, error: str = "",
        returned: str = "", faults: list[str] | None = None, result: Result[Any] | None = None,
    ) -> None:
        assert kind in FAILURE_CLASSES, kind
        if result is not None:
            error = error or result.error_text
            faults = faults if faults is not None else result.faults
        self.failures.append(
            Failure(kind, op, key, detail, error, returned, faults or [],
                    result.index if result is not None else self._index,
                    result.tag if result is not None else self.tag)
        )

    def note(self, what: str) -> None:
        """Something worth counting that is not a failure (e.g. an ambiguous write that
        raised a transport error although the server applied it)."""
        self.notes[what] += 1

    # ---- the bound ----------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            with self._lock:
                current = self._current
            if current is None or time.monotonic() < current.deadline:
                continue
            faults = self._faults_since(current.mark)
            self.failures.append(
                Failure("hang", current.op, current.key,
                        f"still running after {self.bound_s:.0f} s; the run stops here",
                        faults=faults, index=current.index, tag=self.tag)
            )
            sys.stderr.write(f"soak: hang in {current.op} {current.key!r}; stacks:\n")
            faulthandler.dump_traceback(all_threads=True)
            self.write_report(status="hang")
            os._exit(3)  # the blocked call cannot be interrupted from here

    # ---- the report ---------------------------------------------------------------------

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(FAILURE_CLASSES, 0)
        for failure in self.failures:
            counts[failure.kind] += 1
        return counts

    def write_report(self, status: str = "done") -> None:
        report = {
            "system": self.system,
            "status": status,
            "seconds": round(time.monotonic() - self.started, 1),
            "operations": sum(self.ops.values()),
            "ops": dict(self.ops),
            "outcomes": dict(self.outcomes),
            "notes": dict(self.notes),
            "verified": self.verified,
            "summary": self.summary(),
            "failures": [asdict(f) for f in self.failures],
            "faults": self.proxy.fault_counts() if self.proxy is not None else {},
            "exchanges": self.proxy.exchanges if self.proxy is not None else 0,
            "history": self.history,  # (index, operation, key, outcome, faults)
            **self.extra,
        }
        tmp = self.report_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, indent=1, default=str))
        tmp.replace(self.report_path)

    def close(self) -> None:
        self._done.set()
