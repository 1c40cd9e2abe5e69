"""Writes to a file with several replicas go down a chain of slaves (data
channel cmd 8): the client sends data to the first, each slave stores it and passes it on, and
every replica ends up identical when the file closes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from storewire.emulators.sector import SectorEmulator

READ, WRITE, TRUNC, SECURE, HIRELIABLE = 1, 2, 4, 16, 32


@pytest.fixture
def cluster(start_cluster: Callable[..., SectorEmulator]) -> SectorEmulator:
    return start_cluster(slaves=3, replicas=2)


@pytest.fixture
def client(cluster: SectorEmulator, login_to: Callable[[SectorEmulator], Any]) -> Any:
    return login_to(cluster)


def on_disk(cluster: SectorEmulator, path: str) -> list[bytes]:
    return [cluster.slaves[i].local(path).read_bytes() for i in cluster.replica_slaves(path)]


@pytest.mark.parametrize("mode", [WRITE, WRITE | SECURE], ids=["plain", "encrypted"])
def test_random_writes_reach_every_replica(cluster, client, mode):
    cluster.add_file("/chain/f.bin", 0, data=b"0123456789" * 1000)
    assert len(cluster.replica_slaves("/chain/f.bin")) == 2
    f = client.open("/chain/f.bin", mode)
    assert len(f.slaves) == 2  # the whole chain, nearest first
    f.seek(5)
    f.write(b"abc")
    f.seek(9_998)
    f.write(b"TAIL")  # grows the file by 2 bytes
    f.close()
    expected = (b"0123456789" * 1000)[:5] + b"abc" + (b"0123456789" * 1000)[8:9_998] + b"TAIL"
    copies = on_disk(cluster, "/chain/f.bin")
    assert copies == [expected, expected]  # plain text on both, whatever the wire carried
    assert client.stat("/chain/f.bin").size == len(expected)
    assert len(client.stat("/chain/f.bin").locations) == 2  # no background copy needed


def test_upload_over_an_existing_file_goes_down_the_chain(cluster, client, tmp_path):
    cluster.add_file("/chain/big.bin", 0, data=b"old")
    data = os.urandom(40 << 20)  # several 16 MiB frames, each relayed
    (tmp_path / "in").write_bytes(data)
    client.upload(str(tmp_path / "in"), "/chain/big.bin")
    digest = hashlib.sha256(data).digest()
    assert [hashlib.sha256(c).digest() for c in on_disk(cluster, "/chain/big.bin")] == [
        digest, digest]


def test_hireliable_new_files_get_every_replica_at_once(cluster, client):
    f = client.open("/chain/hr.bin", WRITE | HIRELIABLE)
    assert len(f.slaves) == 2
    assert len({ip for ip, _ in f.slaves}) == 2  # never two replicas on one IP
    f.write(b"x" * 100_000)
    f.close()
    assert on_disk(cluster, "/chain/hr.bin") == [b"x" * 100_000] * 2
    # The replica count in the open options asks for the same thing.
    f = client.open("/chain/opt.bin", WRITE, "NULL NULL 0 2 1\n")
    assert len(f.slaves) == 2
    f.write(b"y")
    f.close()
    assert on_disk(cluster, "/chain/opt.bin") == [b"y", b"y"]
    f = client.open("/chain/one.bin", WRITE, "NULL NULL 0 1 1\n")
    assert len(f.slaves) == 1
    f.close()
