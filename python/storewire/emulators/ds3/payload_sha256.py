"""A request body checked against the SHA-256 its SigV4 signature declared
(``x-amz-content-sha256`` as hex), as it streams.

The digest is compared when the last byte has been read and before that byte is handed
on, so a reader that stops at Content-Length still sees the refusal; the caller then drops
what it stored (S3 answers 400 ``XAmzContentSHA256Mismatch``).
"""

from __future__ import annotations

import hashlib
import hmac

from .wire import MAX_XML_BODY_BYTES, Body, DS3Error


def mismatch() -> DS3Error:
    return DS3Error(400, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was "
                    "computed.")


def check(data: bytes, expected_hex: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if not hmac.compare_digest(digest.encode("ascii"), expected_hex.encode("ascii")):
        raise mismatch()


class Sha256CheckedBody:
    """``raw`` (a body of known length) that raises on its last byte if the hash differs."""

    def __init__(self, raw: Body, length: int, expected_hex: str) -> None:
        self._raw = raw
        self._left = length
        self._length = length
        self._expected = expected_hex
        self._hasher = hashlib.sha256()

    @property
    def length(self) -> int:
        return self._length

    def readinto(self, buffer: memoryview) -> int:
        if self._left <= 0:
            return 0
        n = self._raw.readinto(buffer[:min(len(buffer), self._left)])
        if n <= 0:
            return n  # truncated: the reader answers IncompleteBody
        self._hasher.update(buffer[:n])
        self._left -= n
        if self._left == 0:
            digest = self._hasher.hexdigest()
            if not hmac.compare_digest(digest.encode("ascii"), self._expected.encode("ascii")):
                raise mismatch()
        return n

    def read_all(self, limit: int = MAX_XML_BODY_BYTES) -> bytes:
        data = self._raw.read_all(limit)
        self._left = 0
        check(data, self._expected)
        return data
