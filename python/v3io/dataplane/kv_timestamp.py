"""KV timestamps (``TS`` attributes, ``"<seconds>:<nanoseconds>"``), as the official SDK's
``v3io.dataplane.kv_timestamp``. A naive datetime is taken as UTC (the official SDK takes
it as local time, so the same value is stored differently on differently set machines)."""

from __future__ import annotations

import datetime

from .typed import _encode_timestamp

__all__ = ["BASE_DATETIME", "decode", "encode"]

BASE_DATETIME = datetime.datetime(1970, 1, 1)


def encode(dt: datetime.datetime) -> str:
    return _encode_timestamp(dt)


def decode(encoded_dt: str) -> datetime.datetime:
    """An aware UTC datetime; ``ValueError`` for text that is not ``<int>:<int>``."""
    seconds, nanoseconds = encoded_dt.split(":")
    timestamp = int(seconds) + int(nanoseconds) / 1e9
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
