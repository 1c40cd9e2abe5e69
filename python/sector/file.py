"""``SectorFile``: a binary file-like object over a Sector file (``Client.open``)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from storewire import errors

__all__ = ["MODES", "SectorFile", "mode_bits"]

READ, WRITE, TRUNC, APPEND = 1, 2, 4, 8

#: Python mode strings and the Sector open-mode bits they mean.
MODES = {
    "r": READ,
    "w": WRITE | TRUNC,
    "a": WRITE | APPEND,
    "r+": READ | WRITE,
    "w+": READ | WRITE | TRUNC,
    "a+": READ | WRITE | APPEND,
}

_LINE_CHUNK = 64 * 1024


def mode_bits(mode: str | int) -> int:
    """``"r"``/``"w"``/``"a"``/``"r+"``/``"w+"``/``"a+"`` (``b`` allowed) or Sector's bits."""
    if isinstance(mode, int):
        return mode
    key = mode.replace("b", "")
    if key not in MODES:
        raise ValueError(f"unsupported mode {mode!r}; use one of {sorted(MODES)} (binary)")
    return MODES[key]


class SectorFile(io.IOBase):
    """Binary, seekable; ``read()`` with no size reads to the end; iterating yields lines."""

    def __init__(self, native_file: Any, mode: int) -> None:
        super().__init__()
        self._f = native_file
        self.mode_bits = mode
        self._pending = b""  # read ahead by readline, not yet consumed

    @property
    def name(self) -> str:
        return str(self._f.path)

    @property
    def size(self) -> int:
        return int(self._f.size)

    def readable(self) -> bool:
        return bool(self.mode_bits & READ)

    def writable(self) -> bool:
        return bool(self.mode_bits & WRITE)

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self._check_open()
        if size is None or size < 0:
            size = max(0, self.size - self._f.tell()) + len(self._pending)
        out = self._pending[:size]
        self._pending = self._pending[size:]
        if len(out) < size:
            out += self._f.read(size - len(out))
        return bytes(out)

    def readline(self, size: int | None = -1) -> bytes:
        self._check_open()
        limit = size if size is not None and size >= 0 else None
        buf = self._pending
        while b"\n" not in buf and (limit is None or len(buf) < limit):
            chunk = self._f.read(_LINE_CHUNK)
            if not chunk:
                break
            buf += chunk
        end = buf.find(b"\n") + 1 or len(buf)
        if limit is not None:
            end = min(end, limit)
        line, self._pending = buf[:end], buf[end:]
        return bytes(line)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data: Any) -> int:
        self._check_open()
        self._drop_read_ahead()
        view = memoryview(data)
        self._f.write(view)
        return view.nbytes

    def tell(self) -> int:
        self._check_open()
        return int(self._f.tell()) - len(self._pending)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._check_open()
        if whence == os.SEEK_CUR:
            offset += self.tell()
        elif whence == os.SEEK_END:
            offset += self.size
        elif whence != os.SEEK_SET:
            raise ValueError(f"invalid whence {whence}")
        if offset < 0:
            raise ValueError("negative seek position")
        self._pending = b""
        self._f.seek(offset)
        return offset

    def flush(self) -> None:
        if not self.closed and self.writable():
            self._f.flush()

    def close(self) -> None:
        if not self.closed:
            try:
                super().close()  # flushes first
            finally:
                self._f.close()

    def _drop_read_ahead(self) -> None:
        if self._pending:
            self._f.seek(self.tell())
            self._pending = b""

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def __enter__(self) -> SectorFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self.close()
            return
        try:
            self.close()
        except errors.StorageError:
            pass  # the error that ended the block is the one to see, not close's echo of it
