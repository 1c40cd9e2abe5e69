"""Both CRC32C implementations (SSE4.2 3-way interleaved, and the portable tables) against
RFC 3720's vectors, a table-driven reference, and each other, over random lengths and
alignments; and STOREWIRE_CRC32C=portable forcing the fallback for the whole process."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from storewire._native import auth
from storewire.errors import InvalidRequestError


def _cpu_has_sse42() -> bool:
    if platform.machine() not in ("x86_64", "AMD64"):
        return False
    flags = Path("/proc/cpuinfo").read_text()
    return " sse4_2" in flags


HAS_SSE42 = _cpu_has_sse42()
# The hardware path when the CPU has it; otherwise both names must still give right answers
# through the fallback, so the suite checks the portable path twice rather than skipping.
IMPLS = ("sse4.2", "portable") if HAS_SSE42 else ("portable",)


def _table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


_TABLE = _table()


def crc32c_reference(data: bytes | memoryview, crc: int = 0) -> int:
    """Byte-at-a-time CRC32C (reflected 0x82F63B78): slow, independent of the native code."""
    crc ^= 0xFFFFFFFF
    for byte in bytes(data):
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# RFC 3720 (iSCSI), appendix B.4, plus the CRC catalogue's check value.
VECTORS = [
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
    (b"123456789", 0xE3069283),
    (b"", 0),
]

# Around the 8-byte words and the interleaved stream lengths (3 x 256 and 3 x 8192 bytes).
EDGE_SIZES = (1, 7, 8, 9, 15, 16, 17, 767, 768, 769, 775, 1536, 1543, 24575, 24576, 24577,
              24576 + 768 + 7, 2 * 24576 + 3 * 768 + 5)


@pytest.mark.parametrize("impl", IMPLS)
def test_rfc3720_vectors(impl: str) -> None:
    for data, expected in VECTORS:
        assert auth._crc32c_with(impl, data) == expected


@pytest.mark.parametrize("impl", IMPLS)
def test_edge_sizes_match_the_reference(impl: str, make_payload) -> None:
    data = make_payload(max(EDGE_SIZES) + 8)
    view = memoryview(data)
    for size in EDGE_SIZES:
        for offset in (0, 3):
            piece = view[offset : offset + size]
            assert auth._crc32c_with(impl, piece) == crc32c_reference(piece), (size, offset)


def test_implementations_agree_on_random_lengths_alignments_and_seeds(make_payload, rng) -> None:
    data = make_payload(300_000)
    view = memoryview(data)
    for _ in range(300):
        offset = rng.randrange(16)
        size = rng.choice((rng.randrange(64), rng.randrange(4096), rng.randrange(len(data) - 16)))
        seed = rng.randrange(1 << 32)
        piece = view[offset : offset + size]
        expected = auth._crc32c_with("portable", piece, seed)
        for impl in IMPLS:
            assert auth._crc32c_with(impl, piece, seed) == expected, (offset, size, seed)
    # One sample against the independent reference, so agreement is not shared error.
    assert auth._crc32c_with(IMPLS[0], view[5:100_005]) == crc32c_reference(view[5:100_005])


@pytest.mark.parametrize("impl", IMPLS)
def test_chaining_at_random_cuts(impl: str, make_payload, rng) -> None:
    data = make_payload(200_003)
    whole = crc32c_reference(data)
    for _ in range(10):
        cut = rng.randrange(len(data) + 1)
        first = auth._crc32c_with(impl, data[:cut])
        assert auth._crc32c_with(impl, data[cut:], first) == whole


def test_the_default_is_the_hardware_path_when_the_cpu_has_it() -> None:
    assert auth.crc32c_implementation() == ("sse4.2" if HAS_SSE42 else "portable")


def test_unknown_implementation_or_missing_cpu_support_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequestError, match="unknown CRC32C implementation"):
        auth._crc32c_with("avx512", b"x")
    if not HAS_SSE42:
        with pytest.raises(InvalidRequestError, match=r"SSE4\.2"):
            auth._crc32c_with("sse4.2", b"x")


_CHILD = """
from storewire._native import auth
data = bytes(range(256)) * 1000
h = auth.Hasher("crc32c")
h.update(data[:1001])
h.update(data[1001:])
print(auth.crc32c_implementation(), auth.crc32c(data), auth.digest("crc32c", data).hex(),
      h.hexdigest())
"""


@pytest.mark.parametrize("forced", ["portable", ""])
def test_environment_variable_forces_the_portable_path(forced: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STOREWIRE_CRC32C"}
    if forced:
        env["STOREWIRE_CRC32C"] = forced
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    expected_impl = "portable" if forced or not HAS_SSE42 else "sse4.2"
    data = bytes(range(256)) * 1000
    crc = crc32c_reference(data)
    assert out[0] == expected_impl
    assert int(out[1]) == crc
    assert out[2] == out[3] == crc.to_bytes(4, "big").hex()
