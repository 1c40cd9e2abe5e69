"""SigV2 against the DS3 emulator's plain-S3 side (no radosgw needed): the README's first
example, the basic object calls and a metadata update (a server-side self-copy). The
SigV4 tests of this folder run against the emulator too (``s3server``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import s3
from storewire.testing import pattern_bytes, write_pattern_file

ds3_emulators = pytest.importorskip("storewire.emulators.ds3")


@pytest.fixture
def emulator() -> Iterator[object]:
    with ds3_emulators.DS3Emulator(versioning="KEEP_LATEST") as emu:
        yield emu


@pytest.fixture
def v2_store(emulator) -> Iterator[s3.RemoteStore]:
    host = emulator.endpoint.split("//", 1)[1]
    conn = s3.S3Connection(
        emulator.access_key,
        emulator.secret_key,
        default_bucket="examples",
        endpoint=host,
        tls=False,
        signature_version="v2",
    )
    conn.client.create_bucket("examples")
    yield s3.RemoteStore(conn)
    conn.client.close()


def test_readme_example_1_over_sigv2(v2_store: s3.RemoteStore, tmp_path: Path):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        write_pattern_file("example", 20_000, seed=41)
        store = v2_store
        assert store.write("example", "example-in-s3")
        exists, metadata = store.exists("example-in-s3")
        assert exists
        ok, metadata = store.read("example-in-s3", "example-from-s3")
        assert ok
        assert 0 == subprocess.call(["diff", "example", "example-from-s3"])
        assert store.delete("example-in-s3")
        exists, metadata = store.exists("example-in-s3")
        assert not exists
        assert metadata == {}
    finally:
        os.chdir(old)


def test_client_calls_over_sigv2(v2_store: s3.RemoteStore):
    client = v2_store.client
    data = pattern_bytes(5000, seed=42)
    client.put_object("examples", "dir/a b", data, metadata={"k": "v"})
    assert client.get_object("examples", "dir/a b") == data
    assert client.head_object("examples", "dir/a b").metadata == {"k": "v"}
    assert [o.key for o in client.list_objects("examples", prefix="dir/")] == ["dir/a b"]
    assert v2_store.exists("missing") == (False, {})
    assert v2_store.update_metadata("dir/a b", {"x-amz-meta-k": "new"})
    assert client.head_object("examples", "dir/a b").metadata == {"k": "new"}
    assert client.get_object("examples", "dir/a b") == data
    assert v2_store.copy("dir/a b", "copied")
    assert client.get_object("examples", "copied") == data
    client.delete_object("examples", "dir/a b")
    assert not client.object_exists("examples", "dir/a b")
