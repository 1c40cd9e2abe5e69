"""Fault injection for reliability tests: random errors, added delay, dropped connections.

All off by default. Set at construction (``faults=Faults(...)`` or a mapping), from the
``STOREWIRE_DS3_FAULTS`` environment variable (``error_rate=0.1,delay_s=0.05``), at run
time with :meth:`DS3Emulator.set_faults`, or over HTTP with the signed admin call
``PUT /_rest_/emulator_faults/?error_rate=0.1&drop_rate=0.05`` (``GET`` shows them).
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass

ENV_VAR = "STOREWIRE_DS3_FAULTS"


@dataclass(frozen=True)
class Faults:
    """What to inject, per request.

    ``error_rate``: probability of answering 500 or 503 (+ ``Retry-After:
    retry_after_s``) before the request is processed (so nothing changes on the server).
    ``drop_rate``: probability of closing the connection mid-response (after processing:
    a PUT is stored but its answer is lost; a GET body is cut in half).
    ``delay_s``: sleep added before every request. ``data_only``: inject only into object
    GET/PUT (blob transfers), never into job or bucket calls. ``seed``: reproducible runs.
    """

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    retry_after_s: int = 1
    delay_s: float = 0.0
    drop_rate: float = 0.0
    data_only: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.delay_s < 0 or self.retry_after_s < 0:
            raise ValueError("delay_s and retry_after_s must not be negative")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.drop_rate or self.delay_s)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Faults:
        """Build from strings or values (query parameters, env entries, dicts)."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, object] = {}
        for key, raw in values.items():
            name = key.strip().lower().replace("-", "_")
            if name not in fields:
                raise ValueError(f"unknown fault setting {key!r}")
            kwargs[name] = _convert(name, raw)
        return cls(**kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Faults:
        text = (environ if environ is not None else os.environ).get(ENV_VAR, "")
        entries = {}
        for item in text.replace(";", ",").split(","):
            if item.strip():
                key, _, value = item.partition("=")
                entries[key] = value
        return cls.from_mapping(entries)

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def _convert(name: str, raw: object) -> object:
    if not isinstance(raw, str):
        return tuple(raw) if name == "error_statuses" else raw  # type: ignore[arg-type]
    text = raw.strip()
    if name == "error_statuses":
        return tuple(int(s) for s in text.replace("|", " ").replace("/", " ").split())
    if name in ("retry_after_s",):
        return int(text)
    if name == "seed":
        return int(text) if text else None
    if name == "data_only":
        return text.lower() in ("", "1", "true", "yes", "on")
    return float(text)


@dataclass(frozen=True)
class Decision:
    delay_s: float = 0.0
    error_status: int = 0
    retry_after_s: int = 0
    drop: bool = False


class FaultInjector:
    """Draws a :class:`Decision` per request from the current :class:`Faults`."""

    def __init__(self, faults: Faults) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._rng = random.Random(faults.seed)

    @property
    def faults(self) -> Faults:
        return self._faults

    def set(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)

    def decide(self, is_data: bool) -> Decision:
        faults = self._faults
        if not faults.active or (faults.data_only and not is_data):
            return Decision()
        with self._lock:
            error = self._rng.random() < faults.error_rate
            status = self._rng.choice(faults.error_statuses) if error else 0
            drop = not error and self._rng.random() < faults.drop_rate
        return Decision(faults.delay_s, status, faults.retry_after_s, drop)
