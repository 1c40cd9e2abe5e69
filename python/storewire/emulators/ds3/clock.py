"""The request-time check of S3 and BlackPearl: a signed request is good for 15 minutes.

SigV2 signs the ``Date`` header (or ``x-amz-date``, which then wins), SigV4 signs
``x-amz-date``, so without this check a captured request could be replayed for ever. A
request whose time is more than :data:`MAX_SKEW_S` from the server's clock is refused with
403 ``RequestTimeTooSkewed``; one without a readable time with 403 ``AccessDenied``, as S3
answers. The server's clock is a :class:`Clock`: the system time plus an offset, so tests
can move the emulator in time instead of faking the client's.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Sequence
from datetime import datetime, timezone

from .wire import DS3Error, iso_time

MAX_SKEW_S = 15 * 60

Headers = Sequence[tuple[str, str]]


class Clock:
    """The emulator's idea of now (epoch seconds): the system clock plus ``offset_s``."""

    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset_s = offset_s

    def now(self) -> float:
        return time.time() + self.offset_s


def _header(headers: Headers, name: str) -> str | None:
    for n, v in headers:
        if n.lower() == name:
            return v.strip()
    return None


def parse_time(text: str) -> float | None:
    """Seconds since the epoch of an RFC 1123/850/asctime date (``+0000``, ``-0000`` or
    ``GMT``) or an ISO 8601 basic UTC stamp (``20261207T063102Z``); None if unreadable."""
    try:
        if len(text) == 16 and text[8] == "T":  # ISO 8601 basic, else an RFC date
            moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        else:
            moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC with no claim about the local zone
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def check_request_time(headers: Headers, now: float | None = None) -> None:
    """Raises the S3 403 answer unless the request's signed time is within the window."""
    text = _header(headers, "x-amz-date") or _header(headers, "date")
    if not text:
        raise DS3Error(403, "AccessDenied",
                       "AWS authentication requires a valid Date or x-amz-date header")
    sent = parse_time(text)
    if sent is None:
        raise DS3Error(403, "AccessDenied", f"the request time {text!r} is not a valid date")
    check_time(text, sent, time.time() if now is None else now)


def check_time(text: str, sent: float, current: float) -> None:
    """Raises 403 ``RequestTimeTooSkewed`` unless ``sent`` is within the window of
    ``current`` (``text`` is the time as the client wrote it, for the error document)."""
    if abs(current - sent) > MAX_SKEW_S:
        raise DS3Error(
            403, "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            details=[
                ("RequestTime", text),
                ("ServerTime", iso_time(current)),
                ("MaxAllowedSkewMilliseconds", str(MAX_SKEW_S * 1000)),
            ],
        )
