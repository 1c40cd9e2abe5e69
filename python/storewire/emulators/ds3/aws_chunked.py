"""``aws-chunked`` request bodies (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``), decoded as
they stream, each chunk's signature checked against the chain that starts at the
request's (seed) signature::

    <hex size>;chunk-signature=<64 hex>\\r\\n<data>\\r\\n ... 0;chunk-signature=<64 hex>\\r\\n\\r\\n

The check of a chunk happens when its last byte has been read and before that byte is
handed on; once the decoded length has arrived, the final empty chunk is read and checked
in the same call, so the reader (which stops at the decoded length) cannot take a body
whose end was never signed. A failure raises, and the caller drops what it stored.
Everything is bounded: chunk-header lines, chunk sizes (never past the decoded length)
and the raw bytes read (never past Content-Length).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from .auth_v4 import Signer
from .wire import MAX_XML_BODY_BYTES, Body, DS3Error

MAX_HEADER_LINE = 4096  # "<hex>;chunk-signature=<64 hex>\r\n" is under 100 bytes
_READ_BYTES = 64 * 1024
_HEADER = re.compile(rb"([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})\r\n")


def _bad(message: str, code: str = "InvalidRequest") -> DS3Error:
    return DS3Error(400, code, f"aws-chunked body: {message}")


class AwsChunkedBody:
    """The decoded body of an aws-chunked upload (the :class:`~.wire.Body` protocol)."""

    def __init__(self, raw: Body, signer: Signer, decoded_length: int) -> None:
        self._raw = raw
        self._signer = signer
        self._previous = signer.seed_signature
        self._decoded_length = decoded_length
        self._delivered = 0
        self._chunk_left = 0
        self._chunk_signature = ""
        self._hasher = hashlib.sha256()
        self._buffer = bytearray()  # raw bytes read ahead of the decoder
        self.done = False

    @property
    def length(self) -> int:
        return self._decoded_length

    # --- raw input -------------------------------------------------------------------------

    def _fill(self) -> None:
        block = memoryview(bytearray(_READ_BYTES))
        n = self._raw.readinto(block)
        if n <= 0:
            raise _bad("the body ended before the final (empty) chunk", "IncompleteBody")
        self._buffer += block[:n]

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end + 1])
                del self._buffer[:end + 1]
                return line
            if len(self._buffer) > MAX_HEADER_LINE:
                raise _bad(f"a chunk header is longer than {MAX_HEADER_LINE} bytes")
            self._fill()

    def _exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        out = bytes(self._buffer[:count])
        del self._buffer[:count]
        return out

    # --- chunk structure -------------------------------------------------------------------

    def _next_header(self) -> None:
        line = self._line()
        match = _HEADER.fullmatch(line)
        if match is None:
            raise _bad("a chunk header is not '<hex size>;chunk-signature=<64 hex>'")
        size = int(match.group(1), 16)
        if size > self._decoded_length - self._delivered:
            raise _bad("a chunk goes past x-amz-decoded-content-length")
        self._chunk_left = size
        self._chunk_signature = match.group(2).decode("ascii")
        self._hasher = hashlib.sha256()
        if size == 0:
            if self._delivered != self._decoded_length:
                raise _bad("the final chunk came before x-amz-decoded-content-length bytes")
            self._check_signature()
            if self._exact(2) != b"\r\n":
                raise _bad("the final chunk is not followed by CRLF")
            if self._buffer:  # trailers (the *-TRAILER payloads) are not taken
                raise _bad("data after the final chunk")
            self.done = True

    def _check_signature(self) -> None:
        expected = self._signer.chunk_signature(self._previous, self._hasher.hexdigest())
        if not hmac.compare_digest(expected.encode("ascii"),
                                   self._chunk_signature.encode("ascii")):
            raise DS3Error(403, "SignatureDoesNotMatch",
                           "an aws-chunked chunk signature does not match (the data or its "
                           "signature was altered)")
        self._previous = self._chunk_signature

    def _end_of_chunk(self) -> None:
        if self._exact(2) != b"\r\n":
            raise _bad("chunk data is not followed by CRLF")
        self._check_signature()
        if self._delivered == self._decoded_length:
            self._next_header()  # the final chunk, checked before the last bytes go out
            if not self.done:
                raise _bad("data past x-amz-decoded-content-length")

    # --- the Body protocol -----------------------------------------------------------------

    def readinto(self, buffer: memoryview) -> int:
        if self.done or not len(buffer):
            return 0
        if self._chunk_left == 0:
            self._next_header()
            if self.done:
                return 0
        want = min(len(buffer), self._chunk_left)
        if self._buffer:
            n = min(want, len(self._buffer))
            buffer[:n] = self._buffer[:n]
            del self._buffer[:n]
        else:
            n = self._raw.readinto(buffer[:want])
            if n <= 0:
                raise _bad("the body ended inside a chunk", "IncompleteBody")
        self._hasher.update(buffer[:n])
        self._chunk_left -= n
        self._delivered += n
        if self._chunk_left == 0:
            self._end_of_chunk()
        return n

    def read_all(self, limit: int = MAX_XML_BODY_BYTES) -> bytes:
        if self._decoded_length > limit:
            raise DS3Error(413, "EntityTooLarge", f"request bodies are limited to {limit} bytes")
        out = bytearray()
        block = memoryview(bytearray(_READ_BYTES))
        while not self.done:
            n = self.readinto(block)
            if n == 0:
                break
            out += block[:n]
        return bytes(out)
