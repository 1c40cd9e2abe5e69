"""Request bodies, read on demand: ``Content-Length`` or chunked, ``100 Continue`` first.

``Expect: 100-continue`` is answered on the first read, i.e. once the server has checked
the request and chosen to take its body, so that a refused upload never travels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from .head import MAX_LINE, BadRequest

BLOCK = 1024 * 1024
_MAX_TRAILERS = 100
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class BodyReader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def readinto(self, buffer: memoryview, /) -> int: ...
    def readline(self, size: int = -1, /) -> bytes: ...


class BodyTooLarge(Exception):
    """The body is larger than the caller accepts (declared, or counted while reading)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"request body of {size} bytes exceeds the {limit}-byte limit")
        self.size = size
        self.limit = limit


class BodyTruncated(ConnectionError):
    """The client closed the connection before the whole body arrived."""


class Body:
    """One request's body. ``send_continue`` writes the interim answer (None: never)."""

    __slots__ = ("_chunk_left", "_rfile", "_send_continue", "chunked", "done", "expect",
                 "length", "remaining", "started")

    def __init__(
        self,
        rfile: BodyReader,
        length: int | None,
        *,
        chunked: bool = False,
        expect: bool = False,
        send_continue: Callable[[bytes], object] | None = None,
    ) -> None:
        self._rfile = rfile
        self.length = length  # the declared Content-Length (None when chunked)
        self.chunked = chunked
        self.expect = expect
        self._send_continue = send_continue
        self.remaining = 0 if chunked else length or 0
        self._chunk_left = 0
        self.done = not chunked and not length
        self.started = False

    @property
    def expect_pending(self) -> bool:
        """The client waits for our word before it sends the body."""
        return self.expect and not self.started and not self.done

    def _start(self) -> None:
        if not self.started:
            self.started = True
            if self.expect and not self.done and self._send_continue is not None:
                self._send_continue(CONTINUE)

    def readinto(self, buffer: memoryview) -> int:
        """Up to ``len(buffer)`` body bytes into ``buffer``; 0 at the end of the body.
        Raises :class:`BodyTruncated` when the connection ends first."""
        if self.done or not len(buffer):
            return 0
        self._start()
        if self.chunked:
            if not self._next_chunk():
                return 0
            want = min(len(buffer), self._chunk_left)
        else:
            want = min(len(buffer), self.remaining)
        count = self._rfile.readinto(buffer[:want]) or 0
        self._consumed(count)
        return count

    def _consumed(self, count: int) -> None:
        if not count:
            self.done = True
            raise BodyTruncated("the client closed the connection mid-body")
        if self.chunked:
            self._chunk_left -= count
            if self._chunk_left == 0 and self._rfile.read(2) != b"\r\n":
                raise BadRequest("chunk not followed by CRLF")
        else:
            self.remaining -= count
            self.done = self.remaining == 0

    def _next_chunk(self) -> bool:
        """Reads the next chunk's size line when needed; False at the last chunk."""
        if self._chunk_left:
            return True
        line = self._rfile.readline(MAX_LINE)
        if not line.endswith(b"\n"):
            raise BadRequest("truncated chunk header")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            raise BadRequest("bad chunk size")
        self._chunk_left = int(size_text, 16)
        if self._chunk_left:
            return True
        for _ in range(_MAX_TRAILERS):
            trailer = self._rfile.readline(MAX_LINE)
            if not trailer.endswith(b"\n"):
                raise BadRequest("truncated trailer")
            if not trailer.strip():
                self.done = True
                return False
        raise BadRequest("too many trailers")

    def chunks(self, size: int = BLOCK) -> Iterator[bytes]:
        """The (rest of the) body in blocks of at most ``size`` bytes."""
        self._start()
        while not self.done:
            if self.chunked:
                if not self._next_chunk():
                    return
                data = self._rfile.read(min(size, self._chunk_left))
            else:
                data = self._rfile.read(min(size, self.remaining))
            self._consumed(len(data))
            yield data

    def read_all(self, limit: int) -> bytes:
        """The whole body; :class:`BodyTooLarge` (before reading when the declared length
        says so) past ``limit`` bytes."""
        if self.length is not None and self.length > limit:
            raise BodyTooLarge(self.length, limit)
        if not self.chunked:  # one read (it blocks until all or the end of the stream)
            if self.done:
                return b""
            self._start()
            data = self._rfile.read(self.remaining)
            if len(data) != self.remaining:
                self.done = True
                raise BodyTruncated("the client closed the connection mid-body")
            self.remaining = 0
            self.done = True
            return data
        parts = []
        total = 0
        for part in self.chunks():
            total += len(part)
            if total > limit:
                raise BodyTooLarge(total, limit)
            parts.append(part)
        return b"".join(parts)

    def drain(self, max_bytes: int) -> bool:
        """Discards what is left so the connection can carry the next request; False when
        that is impossible or costs more than ``max_bytes`` (the caller closes instead)."""
        if self.done:
            return True
        if self.expect_pending:
            return False  # the client waits for our word: it may never send the body
        if not self.chunked and self.remaining > max_bytes:
            return False
        total = 0
        try:
            for part in self.chunks(min(BLOCK, max(1, max_bytes))):
                total += len(part)
                if total > max_bytes:
                    return False
        except (BadRequest, OSError):
            return False
        return True
