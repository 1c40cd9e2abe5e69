"""Blob checksums: the DS3 types, their request headers, and incremental hashers.

Hashers are fed block by block while a PUT streams to disk. hashlib and zlib release the
GIL on large blocks, so parallel uploads hash on all cores. CRC32C comes from
storewire's native core (or an accelerated package) when available, checked against a
known vector, else from a pure-Python table (slow, correct).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from typing import Protocol

# DS3 ChecksumType values (data policy) ↔ the request header that carries each one.
HEADER_FOR_TYPE = {
    "MD5": "Content-MD5",
    "CRC_32": "Content-CRC32",
    "CRC_32C": "Content-CRC32C",
    "SHA_256": "Content-SHA256",
    "SHA_512": "Content-SHA512",
}
TYPE_FOR_HEADER = {h.lower(): t for t, h in HEADER_FOR_TYPE.items()}
# S3 flexible checksums (boto3 sends x-amz-checksum-crc32 by default): verified too.
TYPE_FOR_HEADER.update(
    {
        "x-amz-checksum-crc32": "CRC_32",
        "x-amz-checksum-crc32c": "CRC_32C",
        "x-amz-checksum-sha1": "SHA_1",
        "x-amz-checksum-sha256": "SHA_256",
    }
)
TYPES = frozenset({*HEADER_FOR_TYPE, "SHA_1"})


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    def __init__(self, fn: Callable[[bytes | memoryview, int], int]) -> None:
        self._fn = fn
        self._value = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return (self._value & 0xFFFFFFFF).to_bytes(4, "big")


def _make_crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def _crc32c_python(data: bytes | memoryview, value: int = 0) -> int:
    crc = value ^ 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _pick_crc32c() -> Callable[[bytes | memoryview, int], int]:
    candidates: list[Callable[[bytes | memoryview, int], int]] = []
    try:  # the package's own native core (SSE4.2), when built
        from storewire._native import auth as native_auth

        candidates.append(lambda d, v: int(native_auth.crc32c(d, v)))
    except (ImportError, AttributeError):
        pass
    try:
        import google_crc32c  # type: ignore[import-not-found]

        candidates.append(lambda d, v: int(google_crc32c.extend(v, bytes(d))))
    except ImportError:
        pass
    try:
        import crc32c  # type: ignore[import-not-found]

        candidates.append(lambda d, v: int(crc32c.crc32c(d, v)))
    except ImportError:
        pass
    for fn in candidates:
        try:
            if fn(b"123456789", 0) == 0xE3069283 and fn(b"6789", fn(b"12345", 0)) == 0xE3069283:
                return fn
        except Exception:  # a broken optional package must not break the emulator
            continue
    return _crc32c_python


crc32c = _pick_crc32c()


def new_hasher(kind: str) -> Hasher:
    """A hasher for a DS3 checksum type (``MD5``, ``CRC_32``, ``CRC_32C``, ``SHA_256``…)."""
    if kind == "MD5":
        return hashlib.md5(usedforsecurity=False)
    if kind == "SHA_1":
        return hashlib.sha1(usedforsecurity=False)
    if kind == "SHA_256":
        return hashlib.sha256()
    if kind == "SHA_512":
        return hashlib.sha512()
    if kind == "CRC_32":
        return _Crc(zlib.crc32)
    if kind == "CRC_32C":
        return _Crc(crc32c)
    raise ValueError(f"unknown checksum type {kind!r}")


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def decode_b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except ValueError:
        return None
