"""The whole-object CRC32C that ``upload_file`` records in the object's user metadata.

S3's own ETag is an MD5 (or an MD5 of part MD5s), which costs a download about 2 s of CPU
per GiB to check; CRC32C runs on the CPU's crc32 instruction at several GB/s. The value
is the 4-byte big-endian CRC32C of the whole object in base64 (the encoding S3 uses for
``x-amz-checksum-crc32c``), stored as ``x-amz-meta-storewire-crc32c`` because the servers
we meet (radosgw 16, the DS3 emulator) do not implement the standard checksum headers.
"""

from __future__ import annotations

import binascii
import functools
import os
from concurrent.futures import ThreadPoolExecutor

from storewire._native import auth
from storewire.log import get_logger

from ._signing import Headers
from .types import CRC32C_HEADER

_log = get_logger("s3.transfer")

HEADER = CRC32C_HEADER  # not in ObjectHead.metadata (the caller's own), only in .headers


def encode(crc: bytes) -> str:
    """The metadata value of a 4-byte big-endian CRC32C."""
    return auth.base64_encode(crc)


_SPLIT_BYTES = 64 * 1024 * 1024  # below this one pass is quicker than starting threads


def of_file(path: str, size: int) -> bytes:
    """CRC32C of the file's first ``size`` bytes (4 bytes, big-endian): natively, without
    the GIL, one slice per CPU for a large file (it is read before a multipart upload
    can start, so its wall time counts), the slices' CRCs then combined."""
    slices = min(os.cpu_count() or 1, max(1, size // _SPLIT_BYTES))
    if slices == 1:
        return auth.hash_file(path, "crc32c", 0, size)
    step = -(-size // slices)
    bounds = [(off, min(step, size - off)) for off in range(0, size, step)]
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        crcs = list(pool.map(lambda b: auth.hash_file(path, "crc32c", b[0], b[1]), bounds))
    whole = 0
    for (_, length), crc in zip(bounds, crcs, strict=True):
        whole = combine(whole, int.from_bytes(crc, "big"), length)
    return whole.to_bytes(4, "big")


# ---- combining the CRCs of consecutive ranges ---------------------------------------------
# crc(A + B) = crc(A) * x^(8 len(B)) + crc(B) over GF(2) modulo the Castagnoli polynomial,
# in the reflected bit order the CRC uses (bit 31 is x^0). Ranges are checked as soon as
# each lands, in parallel, and joined here in order: a few multiplications per range.

_POLY = 0x82F63B78  # Castagnoli, reflected


def _multiply(a: int, b: int) -> int:
    """a * b modulo the polynomial (a is never zero here: a power of x)."""
    product = 0
    bit = 1 << 31
    while True:
        if a & bit:
            product ^= b
            if not a & (bit - 1):
                return product
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x_powers() -> list[int]:
    """x^(2^k) modulo the polynomial for k = 0..66 (enough for any 64-bit length)."""
    powers = [1 << 30]  # x^1
    for _ in range(66):
        powers.append(_multiply(powers[-1], powers[-1]))
    return powers


_X_POW2 = _x_powers()


@functools.lru_cache(maxsize=64)  # a download has two lengths: its range size and the tail
def _shift(length: int) -> int:
    """x^(8 * length) modulo the polynomial: moving a CRC past ``length`` bytes."""
    result, k = 1 << 31, 3  # x^0; 8 * length = length << 3
    while length:
        if length & 1:
            result = _multiply(_X_POW2[k], result)
        length >>= 1
        k += 1
    return result


def combine(first: int, second: int, second_length: int) -> int:
    """CRC32C of A + B from crc32c(A), crc32c(B) and len(B) (zlib's crc32_combine)."""
    if second_length == 0:
        return first
    return _multiply(_shift(second_length), first) ^ second


def with_header(headers: Headers, crc: bytes) -> Headers:
    """``headers`` with ours last; a caller's value of the same name is dropped, since a
    stale one would make every later download fail its check."""
    kept = [(k, v) for k, v in headers if k.lower() != HEADER]
    return [*kept, (HEADER, encode(crc))]


def recorded(headers: dict[str, str], resource: str) -> bytes | None:
    """The CRC32C an object's HEAD headers (lower-cased names) record, or None when there
    is none (an object written by another tool) or an unreadable one, which then gets the
    ETag's check."""
    raw = headers.get(HEADER)
    if raw is None:
        return None
    try:
        crc = binascii.a2b_base64(raw.strip().encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        crc = b""
    if len(crc) != 4:
        _log.warning("%s: ignoring malformed %s %r; checking the ETag", resource, HEADER, raw)
        return None
    return crc
