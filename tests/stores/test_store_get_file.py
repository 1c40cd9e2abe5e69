"""``Store.get_file``: one large file with the system's large-file path (the command line's
downloads of big files), against every system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store_servers import StoreServer
from storewire import errors
from storewire.stores import Store


def test_get_file_whole_and_all_or_nothing(store: Store, server: StoreServer,  # type: ignore[type-arg]
                                           prefix: str, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    store.write(server.bucket, f"{prefix}/big.bin", data)
    target = tmp_path / "big.bin"
    assert store.get_file(server.bucket, f"{prefix}/big.bin", target) == len(data)
    assert target.read_bytes() == data
    # a missing key: NotFoundError, and the file already there is left as it was
    target.write_bytes(b"keep")
    with pytest.raises(errors.NotFoundError):
        store.get_file(server.bucket, f"{prefix}/missing.bin", target)
    assert target.read_bytes() == b"keep"
    assert sorted(os.listdir(tmp_path)) == ["big.bin"]  # no temporary file left
    store.delete(server.bucket, f"{prefix}/big.bin")
