"""Keys with "." and ".." segments are legal S3/DS3 keys: they are sent byte for byte as
signed (no 403 "signature does not match") and stored under exactly that name, never
resolved into another key or bucket (issue 19, CURLOPT_PATH_AS_IS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import ds3
import s3
from storewire.emulators.ds3 import DS3Emulator

KEYS = ["a/../b", "./x", "../y", "a/./b/.", "deep/../../escape", "..", "."]


@pytest.fixture(scope="module")
def emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emu:
        yield emu


def test_ds3_stores_dot_segment_keys_as_written(emulator: DS3Emulator) -> None:
    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key) as client:
        client.put_bucket("dots-ds3")
        client.put_bucket("escape")
        for key in KEYS:
            client.put_object("dots-ds3", key, key.encode())
        for key in KEYS:
            assert client.get_object("dots-ds3", key).body == key.encode()
        assert sorted(o.key for o in client.list_objects("dots-ds3")) == sorted(KEYS)
        assert list(client.list_objects("escape")) == []


def test_s3_stores_dot_segment_keys_as_written(emulator: DS3Emulator) -> None:
    host = emulator.endpoint.split("//", 1)[1]
    conn = s3.S3Connection(emulator.access_key, emulator.secret_key, endpoint=host, tls=False,
                           signature_version="v2")
    client = conn.client
    try:
        client.create_bucket("dots-s3")
        for key in KEYS:
            client.put_object("dots-s3", key, key.encode())
        for key in KEYS:
            assert client.get_object("dots-s3", key) == key.encode()
    finally:
        client.close()
