"""Deterministic pseudo-random payloads, generated block by block.

The stream for a seed is a sequence of 1 MiB blocks: one random base block per seed with
the block index XOR-ed into its first 8 bytes, so every block differs (misordered or
repeated blocks change the hash) while producing data costs one memcpy per block. Any
slice of the stream can be produced without generating what precedes it, and nothing
ever allocates more than one block.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
from collections.abc import Iterator

__all__ = [
    "BLOCK_SIZE",
    "iter_pattern",
    "pattern_bytes",
    "pattern_sha256",
    "write_pattern_file",
]

BLOCK_SIZE = 1 << 20


@functools.lru_cache(maxsize=8)
def _base_block(seed: int) -> bytes:
    return random.Random(seed).randbytes(BLOCK_SIZE)


def _base_prefix(seed: int, length: int) -> bytes:
    """At least the first ``length`` bytes of the base block. Small requests with many
    different seeds must not pay for a whole random MiB each: ``randbytes(k)`` is a
    prefix of ``randbytes(BLOCK_SIZE)`` whenever ``k`` is a multiple of 4."""
    if length > BLOCK_SIZE // 8:
        return _base_block(seed)
    return random.Random(seed).randbytes(max(8, -(-length // 4) * 4))


def _block(seed: int, index: int, stop: int = BLOCK_SIZE) -> bytes:
    """Block ``index`` of the stream, or at least its first ``stop`` bytes."""
    base = _base_prefix(seed, stop)
    head = int.from_bytes(base[:8], "little") ^ (index & 0xFFFF_FFFF_FFFF_FFFF)
    return head.to_bytes(8, "little") + base[8:]


def iter_pattern(size: int, seed: int = 0, *, offset: int = 0) -> Iterator[bytes]:
    """Yield bytes ``[offset, offset + size)`` of the stream for ``seed``, at most one
    block at a time."""
    if size < 0 or offset < 0:
        raise ValueError("size and offset must be >= 0")
    pos, end = offset, offset + size
    while pos < end:
        index, start = divmod(pos, BLOCK_SIZE)
        stop = min(BLOCK_SIZE, start + (end - pos))
        block = _block(seed, index, stop)
        yield block if start == 0 and stop == BLOCK_SIZE else block[start:stop]
        pos += stop - start


def pattern_bytes(size: int, seed: int = 0, *, offset: int = 0) -> bytes:
    """The slice as one ``bytes``: for small payloads only."""
    return b"".join(iter_pattern(size, seed, offset=offset))


def pattern_sha256(size: int, seed: int = 0, *, offset: int = 0) -> str:
    """Hex SHA-256 of the slice, computed without holding it in memory."""
    digest = hashlib.sha256()
    for piece in iter_pattern(size, seed, offset=offset):
        digest.update(piece)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in 16 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(16 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_pattern_file(path: str | os.PathLike[str], size: int, seed: int = 0) -> str:
    """Write ``size`` pattern bytes to ``path`` (real blocks, not sparse); return the hex
    SHA-256 of what was written."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for piece in iter_pattern(size, seed):
            out.write(piece)
            digest.update(piece)
    return digest.hexdigest()
