"""The modern names the verb table changed keep working for one release, with a
DeprecationWarning (docs/verbs.md, "Renamed")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import ds3
import s3
from storewire.emulators.ds3 import DS3Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emu:
        yield emu


def test_ds3_get_objects_is_the_search(emulator: DS3Emulator) -> None:
    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key,
                    proxy="") as client:
        client.put_bucket("old-search")
        client.put("old-search", "found.txt", b"abc")
        new = [(o.name, o.size) for o in client.search_objects(bucket="old-search")]
        assert new == [("found.txt", 3)]
        with pytest.warns(DeprecationWarning, match="search_objects"):
            old = client.get_objects(bucket="old-search")
        assert [(o.name, o.size) for o in old] == new


def test_s3_get_objects_is_the_batch_get(emulator: DS3Emulator) -> None:
    with s3.Client(emulator.endpoint.split("//", 1)[1], access_key=emulator.access_key,
                   secret_key=emulator.secret_key, tls=False,
                   signature_version="v2") as client:
        client.create_bucket("old-batch")
        client.put_many("old-batch", {"a": b"1", "b": b"22"})
        with pytest.warns(DeprecationWarning, match="get_many"):
            old = client.get_objects("old-batch", ["b", "a"])
        assert old == [b"22", b"1"]  # a list in order, as before
        assert client.get_many("old-batch", ["b", "a"]) == {"b": b"22", "a": b"1"}
