"""Every verb of docs/verbs.md, the same assertions on every backend (see conftest.py).

In the style of fsspec's abstract tests reused by s3fs: the tests know nothing of the
backend but its name, used only for the cp/mv rows a backend cannot support (NO_COPY),
where the typed error is asserted instead.
"""

from __future__ import annotations

import array
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conformance_backends import NO_COPY, Backend

from storewire import errors
from storewire.verbs import ByteRange, ObjectMeta, UnsupportedOperationError


def _payload(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


# ---- put / get / head ------------------------------------------------------------------


def test_put_get_head_round_trip(backend: Backend, rng: random.Random) -> None:
    data = _payload(rng, 70_001)
    key = backend.key("obj.bin")
    assert backend.client.put(backend.bucket, key, data) is None
    got = backend.client.get(backend.bucket, key)
    assert type(got) is bytes and got == data
    meta = backend.client.head(backend.bucket, key)
    assert isinstance(meta, ObjectMeta)
    assert (meta.key, meta.size) == (key, len(data))
    assert meta.etag is None or (isinstance(meta.etag, str) and meta.etag
                                 and not meta.etag.startswith('"'))
    assert meta.mtime is None or (meta.mtime.tzinfo is not None
                                  and abs(meta.mtime - datetime.now(timezone.utc)).total_seconds()
                                  < 3600)


@pytest.mark.parametrize("kind", ["bytearray", "memoryview", "array"])
def test_put_accepts_any_buffer(backend: Backend, rng: random.Random, kind: str) -> None:
    data = _payload(rng, 4096)
    source = {"bytearray": bytearray(data), "memoryview": memoryview(data)[0:],
              "array": array.array("I", data)}[kind]
    backend.client.put(backend.bucket, backend.key(kind), source)
    assert backend.client.get(backend.bucket, backend.key(kind)) == data


def test_empty_object(backend: Backend, tmp_path: Path) -> None:
    key = backend.key("empty")
    backend.client.put(backend.bucket, key, b"")
    assert backend.client.get(backend.bucket, key) == b""
    assert backend.client.head(backend.bucket, key).size == 0
    assert backend.client.get(backend.bucket, key, range=(0, None)) == b""
    assert backend.client.get(backend.bucket, key, range=(0, 10)) == b""
    assert backend.client.get_into(backend.bucket, key, bytearray(4)) == 0
    assert backend.client.get_file(backend.bucket, key, tmp_path / "empty") == 0
    assert (tmp_path / "empty").read_bytes() == b""
    assert [(m.key, m.size) for m in backend.client.ls(backend.bucket, backend.prefix)] == [
        (key, 0)]


def test_overwrite(backend: Backend, rng: random.Random) -> None:
    key = backend.key("again")
    backend.client.put(backend.bucket, key, _payload(rng, 5000))
    second = _payload(rng, 17)
    backend.client.put(backend.bucket, key, second)
    assert backend.client.get(backend.bucket, key) == second
    assert backend.client.head(backend.bucket, key).size == 17


# ---- ranges ----------------------------------------------------------------------------

RANGES = [
    ((0, 3), slice(0, 3)),
    ((10, None), slice(10, None)),
    ((997, 1000), slice(997, 1000)),  # the last bytes
    ((997, None), slice(997, None)),
    ((999, 1000), slice(999, 1000)),  # the very last byte
    ((990, 5000), slice(990, 5000)),  # an end past the object is clipped
    ((1000, None), slice(1000, None)),  # at the end: no bytes
    ((1000, 1001), slice(1000, 1001)),
    ((1500, 2000), slice(1500, 2000)),  # past the end: no bytes
    ((5, 5), slice(5, 5)),  # empty
    ((0, None), slice(0, None)),
]


@pytest.mark.parametrize(("rng_arg", "expected"), RANGES, ids=[str(r) for r, _ in RANGES])
def test_get_range_is_slicing(backend: Backend, rng: random.Random,
                              rng_arg: tuple[int, int | None], expected: slice) -> None:
    data = _payload(rng, 1000)
    key = backend.key("ranged")
    backend.client.put(backend.bucket, key, data)
    assert backend.client.get(backend.bucket, key, range=rng_arg) == data[expected]
    assert backend.client.get(backend.bucket, key, range=ByteRange(*rng_arg)) == data[expected]
    buffer = bytearray(1000)
    count = backend.client.get_into(backend.bucket, key, buffer, range=rng_arg)
    assert bytes(buffer[:count]) == data[expected]


@pytest.mark.parametrize("bad", [(-1, 3), (5, 2), (1.0, 2), "bytes=0-1", (0,), (True, 3)])
def test_bad_range_is_a_user_error(backend: Backend, bad: object) -> None:
    key = backend.key("never-written")
    with pytest.raises(errors.InvalidRequestError):
        backend.client.get(backend.bucket, key, range=bad)
    with pytest.raises(errors.InvalidRequestError):
        backend.client.get_into(backend.bucket, key, bytearray(8), range=bad)


# ---- into a buffer, into a file --------------------------------------------------------


def test_get_into(backend: Backend, rng: random.Random) -> None:
    data = _payload(rng, 3000)
    key = backend.key("into")
    backend.client.put(backend.bucket, key, data)
    buffer = bytearray(4000)
    assert backend.client.get_into(backend.bucket, key, buffer) == 3000
    assert bytes(buffer[:3000]) == data and bytes(buffer[3000:]) == bytes(1000)
    view = memoryview(bytearray(3000))
    assert backend.client.get_into(backend.bucket, key, view) == 3000
    assert view.tobytes() == data
    with pytest.raises(errors.BufferTooSmallError):
        backend.client.get_into(backend.bucket, key, bytearray(2999))
    with pytest.raises(errors.InvalidRequestError):
        backend.client.get_into(backend.bucket, key, bytes(4000))  # not writable


def test_put_file_get_file(backend: Backend, rng: random.Random, tmp_path: Path) -> None:
    data = _payload(rng, 300_000)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = backend.key("dir/file.bin")
    assert backend.client.put_file(backend.bucket, key, src) is None
    assert backend.client.head(backend.bucket, key).size == len(data)
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"old content, longer than nothing")
    assert backend.client.get_file(backend.bucket, key, str(dest)) == len(data)
    assert dest.read_bytes() == data


# ---- missing keys: one typed error everywhere ------------------------------------------


def test_missing_key_is_not_found(backend: Backend, tmp_path: Path) -> None:
    key = backend.key("missing")
    calls = {
        "head": lambda: backend.client.head(backend.bucket, key),
        "get": lambda: backend.client.get(backend.bucket, key),
        "get range": lambda: backend.client.get(backend.bucket, key, range=(2, 4)),
        "get empty range": lambda: backend.client.get(backend.bucket, key, range=(2, 2)),
        "get open range": lambda: backend.client.get(backend.bucket, key, range=(2, None)),
        "get_into": lambda: backend.client.get_into(backend.bucket, key, bytearray(8)),
        "get_file": lambda: backend.client.get_file(backend.bucket, key, tmp_path / "x"),
        "get_many": lambda: backend.client.get_many(backend.bucket, [key]),
    }
    if backend.copies:
        calls["cp"] = lambda: backend.client.cp(backend.bucket, key, backend.key("c"))
        calls["mv"] = lambda: backend.client.mv(backend.bucket, key, backend.key("m"))
    for name, call in calls.items():
        with pytest.raises(errors.NotFoundError) as info:
            call()
        assert isinstance(info.value, FileNotFoundError), name
    assert not (tmp_path / "x").exists()
    assert backend.client.ls(backend.bucket, backend.prefix) == []


def test_missing_bucket_is_not_found(backend: Backend) -> None:
    with pytest.raises(errors.NotFoundError):
        backend.client.ls("nosuchbucket", "")
    with pytest.raises(errors.NotFoundError):
        backend.client.delete("nosuchbucket", "k")


# ---- listing ---------------------------------------------------------------------------


def test_ls_prefix_and_order(backend: Backend) -> None:
    names = ["b", "a/2", "a/1", "a/deep/x", "ab", "c/1"]
    for i, name in enumerate(names):
        backend.client.put(backend.bucket, backend.key(name), bytes(i))
    listed = backend.client.ls(backend.bucket, backend.prefix + "/")
    assert [m.key for m in listed] == [backend.key(n) for n in sorted(names)]
    assert [m.size for m in listed] == [names.index(m.key.split("/", 1)[1]) for m in listed]
    assert all(isinstance(m, ObjectMeta) for m in listed)
    assert [m.key for m in backend.client.ls(backend.bucket, backend.key("a"))] == [
        backend.key(n) for n in ("a/1", "a/2", "a/deep/x", "ab")]
    assert [m.key for m in backend.client.ls(backend.bucket, backend.key("a/"))] == [
        backend.key(n) for n in ("a/1", "a/2", "a/deep/x")]
    assert backend.client.ls(backend.bucket, backend.key("zzz")) == []
    assert backend.client.ls(backend.bucket, backend.key("nodir/")) == []


# ---- many at once ----------------------------------------------------------------------


def test_put_many_get_many(backend: Backend, rng: random.Random, tmp_path: Path) -> None:
    items: dict[str, object] = {}
    expected: dict[str, bytes] = {}
    for i in range(40):
        data = _payload(rng, rng.randrange(0, 3000))
        key = backend.key(f"many/{i:03d}")
        if i % 4 == 0:  # files among the buffers
            path = tmp_path / f"f{i}"
            path.write_bytes(data)
            items[key] = path
        else:
            items[key] = data
        expected[key] = data
    assert backend.client.put_many(backend.bucket, items) is None
    keys = list(reversed(list(expected)))
    got = backend.client.get_many(backend.bucket, keys)
    assert list(got) == keys
    assert got == {k: expected[k] for k in keys}
    assert all(type(v) is bytes for v in got.values())
    assert backend.client.get_many(backend.bucket, []) == {}
    assert [m.key for m in backend.client.ls(backend.bucket, backend.key("many/"))] == sorted(
        expected)


def test_many_argument_mistakes_are_typed(backend: Backend) -> None:
    key = backend.key("many-args/a")
    bad_calls = [
        lambda: backend.client.get_many(backend.bucket, key),  # one string, not a list
        lambda: backend.client.get_many(backend.bucket, [key, 7]),
        lambda: backend.client.delete_many(backend.bucket, key),
        lambda: backend.client.delete_many(backend.bucket, [b"k"]),
        lambda: backend.client.put_many(backend.bucket, [(key, b"x")]),  # pairs, not a dict
        lambda: backend.client.put_many(backend.bucket, {key: b"x", 3: b"y"}),
    ]
    for call in bad_calls:
        with pytest.raises(errors.InvalidRequestError):
            call()
    # refused before anything was sent: the valid key of the last call was not written
    assert backend.client.ls(backend.bucket, backend.key("many-args/")) == []


# ---- delete ----------------------------------------------------------------------------


def test_delete_and_delete_many(backend: Backend) -> None:
    keys = [backend.key(f"d/{i}") for i in range(25)]
    backend.client.put_many(backend.bucket, {k: b"x" for k in keys})
    assert backend.client.delete(backend.bucket, keys[0]) is None
    with pytest.raises(errors.NotFoundError):
        backend.client.head(backend.bucket, keys[0])
    backend.client.delete(backend.bucket, keys[0])  # already gone: not an error
    assert backend.client.delete_many(backend.bucket,
                                      [*keys, backend.key("d/never")]) is None
    assert backend.client.ls(backend.bucket, backend.key("d/")) == []
    backend.client.delete_many(backend.bucket, [])


# ---- copy and move ---------------------------------------------------------------------


def test_cp_and_mv(backend: Backend, rng: random.Random) -> None:
    data = _payload(rng, 2048)
    src = backend.key("src")
    backend.client.put(backend.bucket, src, data)
    if not backend.copies:
        return _check_unsupported(backend, src, data)
    backend.client.put(backend.bucket, backend.key("copy"), b"to be replaced")
    assert backend.client.cp(backend.bucket, src, backend.key("copy")) is None
    assert backend.client.get(backend.bucket, backend.key("copy")) == data
    assert backend.client.get(backend.bucket, src) == data
    assert backend.client.mv(backend.bucket, backend.key("copy"), backend.key("sub/moved")) is None
    assert backend.client.get(backend.bucket, backend.key("sub/moved")) == data
    with pytest.raises(errors.NotFoundError):
        backend.client.head(backend.bucket, backend.key("copy"))
    assert [m.key for m in backend.client.ls(backend.bucket, backend.prefix + "/")] == [
        src, backend.key("sub/moved")]


def test_cp_and_mv_between_buckets(backend: Backend, rng: random.Random) -> None:
    data = _payload(rng, 999)
    src = backend.key("from")
    backend.client.put(backend.bucket, src, data)
    other = backend.other_bucket
    if not backend.copies:
        with pytest.raises(NO_COPY[backend.name]):
            backend.client.cp(backend.bucket, src, backend.key("to"), dest_bucket=other)
        assert backend.client.get(backend.bucket, src) == data
        return
    backend.client.cp(backend.bucket, src, backend.key("to"), dest_bucket=other)
    assert backend.client.get(other, backend.key("to")) == data
    assert backend.client.get(backend.bucket, src) == data
    backend.client.mv(backend.bucket, src, backend.key("moved"), dest_bucket=other)
    assert backend.client.get(other, backend.key("moved")) == data
    with pytest.raises(errors.NotFoundError):
        backend.client.head(backend.bucket, src)
    assert [m.key for m in backend.client.ls(other, backend.prefix + "/")] == [
        backend.key("moved"), backend.key("to")]
    backend.client.delete_many(other, [backend.key("moved"), backend.key("to")])


def _check_unsupported(backend: Backend, src: str, data: bytes) -> None:
    """Where a backend has no copy (docs/verbs.md), cp and mv raise its typed error and
    leave the source as it was."""
    expected = NO_COPY[backend.name]
    for verb in (backend.client.cp, backend.client.mv):
        with pytest.raises(expected) as info:
            verb(backend.bucket, src, backend.key("dest"))
        if expected is UnsupportedOperationError:
            assert isinstance(info.value, NotImplementedError)
        assert backend.client.get(backend.bucket, src) == data
