"""Answers: status lines, header blocks, ``Date`` values, file bodies with ``sendfile``."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from email.utils import formatdate
from http import HTTPStatus
from typing import BinaryIO

_REASONS = {status.value: status.phrase for status in HTTPStatus}
_dates: dict[int, str] = {}
# a file body up to this size goes out with its head in one segment (no sendfile round trip)
SMALL_FILE = 256 * 1024


def reason(status: int) -> str:
    return _REASONS.get(status, "")


def http_date(epoch: float | None = None) -> str:
    """``formatdate(epoch, usegmt=True)``, cached per second (it costs more than a small
    emulator operation)."""
    ts = time.time() if epoch is None else epoch
    second = int(ts)
    if ts - second >= 0.9999995:  # formatdate rounds to microseconds: may be the next second
        return formatdate(ts, usegmt=True)
    text = _dates.get(second)
    if text is None:
        if len(_dates) > 4096:
            _dates.clear()
        text = _dates[second] = formatdate(second, usegmt=True)
    return text


def render_head(
    status: int,
    headers: Iterable[tuple[str, str]],
    *,
    length: int | None,
    keep_alive: bool,
) -> bytes:
    """The status line and header block. ``Content-Length: length`` is added unless
    ``length`` is None (the caller frames the body itself) or the status has no body;
    ``Connection: close`` when the connection ends after this answer."""
    lines = [f"HTTP/1.1 {status} {reason(status)}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers]
    if length is not None and status not in (204, 304) and not 100 <= status < 200:
        lines.append(f"Content-Length: {length}\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    # "replace": a value that is not Latin-1 must not cost the answer
    return "".join(lines).encode("latin-1", "replace")


def send_file(
    sock: socket.socket, head: bytes, file: BinaryIO, ranges: Iterable[tuple[int, int]]
) -> None:
    """``head`` then the ``(offset, count)`` regions of ``file``: small bodies in one
    segment with the head, large ones with ``sendfile`` (no copy through Python)."""
    spans = list(ranges)
    total = sum(count for _, count in spans)
    if total <= SMALL_FILE:
        parts = [head]
        for offset, count in spans:
            data = os.pread(file.fileno(), count, offset)
            if len(data) != count:
                raise ConnectionError("the data file ended early")
            parts.append(data)
        sock.sendall(b"".join(parts))
        return
    sock.sendall(head)
    for offset, count in spans:
        if count and sock.sendfile(file, offset, count) != count:  # type: ignore[arg-type]
            raise ConnectionError("the data file ended early")
