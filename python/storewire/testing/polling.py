"""Waiting for a condition with a deadline: tests poll instead of sleeping a guessed time."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(check: Callable[[], bool], timeout_s: float = 30.0, interval_s: float = 0.02,
             what: str = "condition") -> None:
    """Returns once ``check()`` is true; AssertionError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s} s")
        time.sleep(interval_s)
