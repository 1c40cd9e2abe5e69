"""Digests, checksums and encodings of storewire._native.auth against hashlib/zlib/base64."""

from __future__ import annotations

import _thread
import base64
import hashlib
import hmac
import threading
import time
import zlib

import pytest

from storewire._native import auth
from storewire.errors import InvalidRequestError, LocalIOError

ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
SIZES = (0, 1, 7, 8, 9, 63, 64, 65, 1000, 65535, 65536, 65537, 1 << 20)


def crc32c_reference(data: bytes, crc: int = 0) -> int:
    """Bitwise CRC32C (reflected polynomial 0x82F63B78): slow, obviously right."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_crc_check_values():
    # The "123456789" check values of the CRC catalogue.
    assert auth.crc32c(b"123456789") == 0xE3069283
    assert auth.crc32(b"123456789") == 0xCBF43926
    assert auth.crc32c(b"") == 0
    assert auth.crc32(b"") == 0


@pytest.mark.parametrize("size", SIZES)
def test_checksums_match_references(make_payload, size):
    data = make_payload(size)
    assert auth.crc32(data) == zlib.crc32(data)
    if size <= 65537:  # the bitwise reference is slow
        assert auth.crc32c(data) == crc32c_reference(data)


def test_checksums_chain_like_zlib(make_payload, rng):
    data = make_payload(100_003)
    for _ in range(20):
        cut = rng.randrange(len(data) + 1)
        assert auth.crc32(data[cut:], auth.crc32(data[:cut])) == zlib.crc32(data)
        assert auth.crc32c(data[cut:], auth.crc32c(data[:cut])) == auth.crc32c(data)


def test_checksums_of_unaligned_views(make_payload):
    data = make_payload(4096)
    view = memoryview(data)
    for start in range(9):
        assert auth.crc32c(view[start:]) == crc32c_reference(data[start:])
        assert auth.crc32(view[start:]) == zlib.crc32(data[start:])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("size", SIZES)
def test_digests_match_hashlib(make_payload, algorithm, size):
    data = make_payload(size)
    assert auth.digest(algorithm, data) == hashlib.new(algorithm, data).digest()


def test_crc_digests_are_big_endian(make_payload):
    data = make_payload(1000)
    assert auth.digest("crc32", data) == zlib.crc32(data).to_bytes(4, "big")
    assert auth.digest("crc32c", data) == auth.crc32c(data).to_bytes(4, "big")


def test_convenience_digests(make_payload):
    data = make_payload(70_000)
    assert auth.sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert auth.md5_hex(data) == hashlib.md5(data).hexdigest()
    assert auth.md5_base64(data) == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert auth.EMPTY_SHA256 == hashlib.sha256(b"").hexdigest()
    assert auth.UNSIGNED_PAYLOAD == "UNSIGNED-PAYLOAD"


def test_any_contiguous_buffer_is_accepted(make_payload):
    data = make_payload(1000)
    expected = hashlib.sha256(data).hexdigest()
    for buf in (data, bytearray(data), memoryview(data)):
        assert auth.sha256_hex(buf) == expected
    # A non-byte item format is hashed as its raw bytes.
    as_ints = memoryview(data).cast("I")
    assert auth.sha256_hex(as_ints) == expected


def test_non_buffers_and_strided_views_are_refused():
    with pytest.raises(TypeError):
        auth.sha256_hex("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        auth.crc32c(memoryview(b"abcdef")[::2])


def test_unknown_algorithm_is_an_invalid_request():
    with pytest.raises(InvalidRequestError, match="unknown hash algorithm"):
        auth.digest("sha3", b"")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        auth.Hasher("whirlpool")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "msg"),
    [(b"", b""), (b"key", b"The quick brown fox"), ("clé", "message"), (b"k" * 200, b"x" * 5000)],
)
def test_hmac_matches_python(key, msg):
    k = key.encode() if isinstance(key, str) else key
    m = msg.encode() if isinstance(msg, str) else msg
    assert auth.hmac_sha256(key, msg) == hmac.new(k, m, hashlib.sha256).digest()
    assert auth.hmac_sha1(key, msg) == hmac.new(k, m, hashlib.sha1).digest()


@pytest.mark.parametrize("algorithm", (*ALGORITHMS, "crc32", "crc32c"))
def test_incremental_hasher(make_payload, rng, algorithm):
    data = make_payload(300_000)
    h = auth.Hasher(algorithm)
    pos = 0
    while pos < len(data):
        step = rng.randrange(1, 70_000)
        h.update(memoryview(data)[pos : pos + step])
        pos += step
    assert h.name == algorithm
    assert h.digest() == auth.digest(algorithm, data)
    assert h.digest() == h.digest()  # digest() does not finalise
    assert h.hexdigest() == h.digest().hex()
    assert h.digest_size == len(h.digest())
    forked = h.copy()
    forked.update(b"more")
    assert forked.digest() == auth.digest(algorithm, data + b"more")
    assert h.digest() == auth.digest(algorithm, data)


@pytest.mark.parametrize("algorithm", ("md5", "sha256", "crc32c", "crc32"))
def test_hash_file_ranges(make_data_file, algorithm):
    size = 3 * (1 << 20) + 12345  # several 1 MiB blocks plus a tail
    path, _ = make_data_file(size)
    data = path.read_bytes()
    assert auth.hash_file(path, algorithm) == auth.digest(algorithm, data)
    assert auth.hash_file(str(path), algorithm, 0, 0) == auth.digest(algorithm, b"")
    for offset, length in ((1, 10), (1 << 20, 1 << 20), (777, 2 * (1 << 20) + 3), (size - 5, 5)):
        expected = auth.digest(algorithm, data[offset : offset + length])
        assert auth.hash_file(path, algorithm, offset, length) == expected
    assert auth.hash_file(path, algorithm, offset=size - 100) == auth.digest(algorithm, data[-100:])
    assert auth.hash_file(path, algorithm, offset=size + 10) == auth.digest(algorithm, b"")


def test_hasher_update_file_in_chunks(make_data_file):
    path, sha = make_data_file(5 * (1 << 20) + 17)
    h = auth.Hasher("sha256")
    size = path.stat().st_size
    chunk = 2 * (1 << 20)
    fed = sum(h.update_file(path, off, min(chunk, size - off)) for off in range(0, size, chunk))
    assert fed == size
    assert h.hexdigest() == sha
    h2 = auth.Hasher("sha256")
    assert h2.update_file(path) == size
    assert h2.hexdigest() == sha


def test_hash_file_errors(tmp_path, make_data_file):
    with pytest.raises(LocalIOError, match="cannot open") as info:
        auth.hash_file(tmp_path / "missing", "md5")
    assert isinstance(info.value, OSError)
    assert info.value.code == "ENOENT"
    path, _ = make_data_file(1000)
    with pytest.raises(LocalIOError, match="ends at byte 1000"):
        auth.hash_file(path, "md5", 900, 200)
    with pytest.raises(LocalIOError):
        auth.hash_file(tmp_path, "md5")  # a directory


@pytest.mark.slow
def test_hashing_a_large_buffer_releases_the_gil():
    data = bytes(512 * (1 << 20))
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        time.sleep(0.02)
        before = ticks
        start = time.perf_counter()
        digest = auth.sha256_hex(data)
        elapsed = time.perf_counter() - start
        during = ticks - before
    finally:
        done.set()
        t.join()
    assert digest == hashlib.sha256(data).hexdigest()
    # With the GIL held the counter would stay still for the whole hash (>= 0.2 s here).
    assert elapsed > 0.05
    assert during >= max(3, int(elapsed * 1000 * 0.2)), (during, elapsed)


def test_hasher_shared_between_threads(make_payload):
    # Identical chunks make the result independent of the order the threads ran in.
    chunk = make_payload(1 << 20)
    h = auth.Hasher("sha256")

    def feed() -> None:
        for _ in range(4):
            h.update(chunk)

    threads = [threading.Thread(target=feed) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert h.hexdigest() == hashlib.sha256(chunk * 32).hexdigest()


@pytest.mark.slow
def test_ctrl_c_interrupts_file_hashing(tmp_path):
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(8 << 30)  # sparse: reads cost no disk, hashing takes seconds
    timer = threading.Timer(0.2, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            auth.hash_file(path, "md5")
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 3


@pytest.mark.slow
def test_crc32c_is_fast():
    data = bytes(64 * (1 << 20))
    auth.crc32c(data)  # warm up
    start = time.perf_counter()
    for _ in range(4):
        auth.crc32c(data)
    rate = 4 * len(data) / (time.perf_counter() - start)
    assert rate > 500e6, f"{rate / 1e9:.2f} GB/s"


# ---- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(0, 20))
def test_base64_round_trip(make_payload, size):
    data = make_payload(size)
    text = auth.base64_encode(data)
    assert text == base64.b64encode(data).decode()
    assert auth.base64_decode(text) == data
    assert auth.base64_decode(text.rstrip("=")) == data


def test_base64_of_str_and_bad_input():
    assert auth.base64_encode("ü") == base64.b64encode("ü".encode()).decode()
    for bad in ("a", "ab!c", "abc=d", "ab===", "a==="):
        with pytest.raises(InvalidRequestError):
            auth.base64_decode(bad)


def test_uri_encode():
    unreserved = "AZaz09-._~"
    assert auth.uri_encode(unreserved) == unreserved
    assert auth.uri_encode("/a b/ü+&=%", keep_slash=True) == "/a%20b/%C3%BC%2B%26%3D%25"
    assert auth.uri_encode("/a b", keep_slash=False) == "%2Fa%20b"
    assert auth.uri_encode("ሴ") == "%E1%88%B4"


def test_percent_decode_and_parse_query():
    assert auth.percent_decode("a%20b+c%2f%C3%BC%zz%4") == "a b+c/ü%zz%4"
    assert auth.parse_query("b=2&a&c=x%20y&&d=") == [
        ("b", "2"),
        ("a", None),
        ("c", "x y"),
        ("d", ""),
    ]
    assert auth.parse_query("") == []
