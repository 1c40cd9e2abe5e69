"""``sector.Client.put_many`` / ``get_many`` move several files at once (one data-channel
session each, up to ``workers`` in flight), over two slaves so that the files really go
through separate data channels, and store every byte where it belongs."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import sector
from storewire import errors
from storewire.emulators.sector import SectorEmulator
from storewire.emulators.sector.transactions import Transactions


@pytest.fixture
def peak_open(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The most files the emulated master had open at once (recorded, not changed)."""
    peak = [0]
    lock = threading.Lock()
    begin = Transactions.begin

    def counting_begin(self: Transactions, *args: Any, **kwargs: Any) -> Any:
        t = begin(self, *args, **kwargs)
        with lock:
            peak[0] = max(peak[0], len(self._open))
        return t

    monkeypatch.setattr(Transactions, "begin", counting_begin)
    return peak


@pytest.fixture
def client(start_cluster: Callable[..., SectorEmulator]) -> Iterator[sector.Client]:
    cluster = start_cluster(slaves=2)
    with sector.Client(cluster.host, cluster.port, user=cluster.user,
                       password=cluster.password, cert=cluster.cert_path,
                       timeout_s=20.0) as c:
        yield c


def test_put_many_and_get_many_in_parallel(client: sector.Client, tmp_path: Path,
                                           peak_open: list[int]) -> None:
    data = {f"d{i % 3}/f{i}.bin": os.urandom(256 * 1024 + i) for i in range(12)}
    local = tmp_path / "big.bin"
    local.write_bytes(os.urandom(3 << 20))
    items: dict[str, Any] = dict(data)
    items["from-disk.bin"] = local
    client.put_many("par", items, workers=4)
    assert peak_open[0] >= 2, "put_many never had two files open at once"
    assert {f.name for f in client.list("/par")} == {"d0", "d1", "d2", "from-disk.bin"}
    used = {loc for f in client.list("/par/d0") for loc in f.locations}
    used |= {loc for f in client.list("/par/d1") for loc in f.locations}
    assert len(used) == 2, "the files did not spread over both slaves' data channels"

    peak_open[0] = 0
    keys = [*reversed(data), "from-disk.bin"]
    got = client.get_many("par", keys, workers=3)
    assert list(got) == keys  # in the order asked
    assert all(got[k] == data[k] for k in data)
    assert got["from-disk.bin"] == local.read_bytes()
    assert peak_open[0] >= 2, "get_many never had two files open at once"


def test_one_worker_is_one_at_a_time(client: sector.Client, peak_open: list[int]) -> None:
    client.put_many("serial", {f"f{i}": bytes([i]) * 1000 for i in range(4)}, workers=1)
    assert peak_open[0] == 1
    assert client.get("serial", "f3") == bytes([3]) * 1000


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_int(client: sector.Client, workers: Any) -> None:
    with pytest.raises(errors.InvalidRequestError):
        client.put_many("bad", {"a": b"x", "b": b"y"}, workers=workers)
    with pytest.raises(errors.InvalidRequestError):
        client.get_many("bad", ["a", "b"], workers=workers)


def test_a_failure_is_raised_after_the_others_finish(client: sector.Client,
                                                     tmp_path: Path) -> None:
    items: dict[str, Any] = {f"ok{i}": b"fine" for i in range(5)}
    items["missing"] = tmp_path / "no-such-file"
    with pytest.raises(errors.StorageError):
        client.put_many("partial", items, workers=3)
    assert all(client.get("partial", f"ok{i}") == b"fine" for i in range(5))
