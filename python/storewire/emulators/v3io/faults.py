"""Fault injection for reliability tests; everything is off by default.

Per request, after it was read: an optional delay, then with ``drop_rate`` the connection
is closed without an answer, else with ``error_rate`` the request fails with
``error_status`` (and ``Retry-After`` when set) without being executed. ``functions``
limits faults to some data-service functions (``"PutItem"``, ...; ``"object"`` stands for
the Simple-Object calls). A seed makes the sequence of faults reproducible.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .errors import V3ioError

INJECTED_ERROR_CODE = -11  # EAGAIN: "try again"


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0
    error_status: int = 503
    retry_after_s: int | None = None
    delay_s: float = 0.0
    drop_rate: float = 0.0
    functions: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if self.delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, got {self.delay_s}")

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.drop_rate or self.delay_s)


DROP = "drop"


@dataclass
class FaultInjector:
    """Decides, per request, what the current :class:`Faults` do; counts what it did."""

    faults: Faults = field(default_factory=Faults)
    injected_errors: int = 0
    dropped_connections: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, faults: Faults | dict[str, Any] | None) -> None:
        if faults is None:
            faults = Faults()
        elif isinstance(faults, dict):
            faults = Faults(**faults)
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    def apply(self, function: str, stop: threading.Event) -> str | None:
        """Run the configured delay; then DROP, or raise the injected error, or None."""
        faults = self.faults
        if not faults.active or (faults.functions and function not in faults.functions):
            return None
        if faults.delay_s:
            stop.wait(faults.delay_s)  # cut short when the server stops
        with self._lock:
            drop = faults.drop_rate and self._rng.random() < faults.drop_rate
            fail = not drop and faults.error_rate and self._rng.random() < faults.error_rate
            if drop:
                self.dropped_connections += 1
            elif fail:
                self.injected_errors += 1
        if drop:
            return DROP
        if fail:
            headers = {}
            if faults.retry_after_s is not None:
                headers["Retry-After"] = str(faults.retry_after_s)
            raise V3ioError(
                faults.error_status, INJECTED_ERROR_CODE, "Injected fault", headers=headers
            )
        return None
