"""Reads and downloads that lose their slave move to another replica (as a real
client's error handling does): reopen on the master, reconnect, a fresh cipher for
SECURE files, retry once, resume a download where the sink stopped. Without another
replica, and for writes, the failure is a typed error naming the file."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storewire import errors
from storewire._native import sector as native
from storewire.emulators.sector import SectorEmulator
from storewire.testing.polling import wait_for

RETRANSMIT_S = 0.2
READ, WRITE, TRUNC, SECURE = 1, 2, 4, 16


def make_cluster(master_dir: Path, replicas: int) -> SectorEmulator:
    return SectorEmulator(data_dir=master_dir, slaves=2, replicas=replicas,
                          retransmit_s=RETRANSMIT_S)


@pytest.fixture
def cluster(master_dir: Path) -> Iterator[SectorEmulator]:
    with make_cluster(master_dir, replicas=2) as emulator:
        yield emulator


@pytest.fixture
def single_copy(master_dir: Path) -> Iterator[SectorEmulator]:
    with make_cluster(master_dir, replicas=1) as emulator:
        yield emulator


def connect(emulator: SectorEmulator) -> Any:
    c = native.Client(emulator.host, emulator.port, timeout_s=20.0, retransmit_s=RETRANSMIT_S)
    c.login(emulator.user, emulator.password, emulator.cert_path)
    return c


@pytest.fixture
def client(cluster: SectorEmulator) -> Iterator[Any]:
    c = connect(cluster)
    yield c
    c.close()


def serving(cluster: SectorEmulator, f: Any) -> int:
    (address,) = f.slaves
    index = cluster.pool.index_of(address)
    assert index is not None
    return index


def test_reopen_returns_the_other_replica(cluster, client):
    cluster.add_file("/r/two", 0, data=b"x" * 1000)
    f = client.open("/r/two", READ)
    first = serving(cluster, f)
    (other,) = set(cluster.replica_slaves("/r/two")) - {first}
    assert client.reopen("/r/two", f.transid) == cluster.pool.address(other)
    with pytest.raises(errors.ServerError) as info:  # both replicas used by now
        client.reopen("/r/two", f.transid)
    assert info.value.code == "-4000"  # E_RESOURCE
    with pytest.raises(errors.PermissionDeniedError) as info:  # not our transaction
        client.reopen("/r/two", f.transid + 1000)
    assert info.value.code == "-2000"  # E_SECURITY
    f.close()  # to the slave it still uses: the master ends the transaction
    client.open("/r/two", WRITE).close()


@pytest.mark.parametrize("encrypt", [False, True])
def test_a_read_survives_killing_its_slave(cluster, client, tmp_path, encrypt):
    payload = os.urandom(5 << 20)
    local = tmp_path / "in.bin"
    local.write_bytes(payload)
    client.upload(str(local), "/r/file.bin")
    wait_for(lambda: len(cluster.replica_slaves("/r/file.bin")) == 2)  # copied after close
    f = client.open("/r/file.bin", READ | (SECURE if encrypt else 0))
    head = f.read(1 << 20)
    first = serving(cluster, f)
    cluster.kill_slave(first)
    rest = f.read(len(payload))  # reopen on the other replica, reconnect, retry once
    assert serving(cluster, f) != first
    got = head + rest
    assert hashlib.sha256(got).digest() == hashlib.sha256(payload).digest()
    f.seek(123)
    assert f.read(1000) == payload[123:1123]  # the new slave keeps serving
    f.close()
    # The close reached the new slave, which reported it: the read lock is gone.
    w = client.open("/r/file.bin", WRITE)
    w.close()


@pytest.mark.parametrize("encrypt", [False, True])
def test_a_download_survives_killing_its_slave_mid_stream(cluster, client, encrypt):
    # Larger than what is in flight when the slave dies (UDT buffers, a 16 MiB frame),
    # so the stream really breaks and resumes.
    payload = os.urandom(128 << 20)
    cluster.add_file("/d/big.bin", 0, data=payload)
    assert len(cluster.replica_slaves("/d/big.bin")) == 2
    f = client.open("/d/big.bin", READ | (SECURE if encrypt else 0))
    first = serving(cluster, f)
    digest = hashlib.sha256()
    pieces: list[int] = []
    killer: list[threading.Thread] = []

    def sink(piece: bytes) -> None:
        digest.update(piece)
        pieces.append(len(piece))
        if not killer:  # after the first piece: kill the slave and let the stream go on
            t = threading.Thread(target=cluster.kill_slave, args=(first,))
            killer.append(t)
            t.start()
            wait_for(lambda: not cluster.pool.is_live(first), timeout_s=10)

    assert f.download(sink) == len(payload)
    killer[0].join(30)
    assert not killer[0].is_alive()
    assert sum(pieces) == len(payload)  # no byte twice
    assert digest.digest() == hashlib.sha256(payload).digest()
    assert serving(cluster, f) != first
    assert f.tell() == len(payload)
    f.close()


def test_a_failing_sink_is_not_a_slave_failure(cluster, client):
    cluster.add_file("/s/file", 0, data=b"z" * (9 << 20))
    f = client.open("/s/file", READ)
    slaves = f.slaves

    def sink(piece: bytes) -> None:
        raise KeyError("local trouble")

    with pytest.raises(KeyError):
        f.download(sink)
    assert f.slaves == slaves  # no reopen: the slave did nothing wrong
    f.seek(0)
    assert f.read(100) == b"z" * 100  # the stream was drained: the file still works
    f.close()


def test_without_another_replica_the_read_fails_with_a_typed_error(single_copy):
    client = connect(single_copy)
    try:
        single_copy.add_file("/one/copy", 0, data=os.urandom(300_000))
        f = client.open("/one/copy", READ)
        assert len(f.read(1000)) == 1000
        single_copy.kill_slave(serving(single_copy, f))
        with pytest.raises(errors.TransportError) as info:
            f.read(1000)
        assert info.value.code in ("-3000", "-3002", "-2011")  # the slave's failure
        assert (info.value.operation, info.value.resource) == ("read", "/one/copy")
        with pytest.raises(errors.ServerError) as reopen:  # what the master said
            client.reopen("/one/copy", f.transid)
        assert reopen.value.code == "-4000"  # E_RESOURCE: no other replica
        with pytest.raises(errors.TransportError):
            f.close()  # the slave session is gone with its connection
    finally:
        client.close()


def test_a_write_to_a_dead_slave_fails_with_a_typed_error(cluster, client):
    f = client.open("/w/file", WRITE | TRUNC)
    f.write(b"a" * 10_000)
    f.flush()
    slaves = f.slaves
    cluster.kill_slave(serving(cluster, f))
    with pytest.raises(errors.TransportError) as info:
        f.write(b"b" * 10_000)
        f.flush()
    assert info.value.operation in ("write", "flush")
    assert info.value.resource == "/w/file"
    assert f.slaves == slaves  # not retried elsewhere


def test_the_data_channel_reconnects_to_a_slave_after_a_broken_connection(cluster, client):
    """A dropped connection leaves no stale entry: later files on the surviving slave and
    on a new connection work, and nothing blocks on the dead one."""
    cluster.add_file("/c/a", 0, data=b"A" * 50_000)
    cluster.add_file("/c/b", 0, data=b"B" * 50_000)
    f = client.open("/c/a", READ)
    assert f.read(10) == b"A" * 10
    first = serving(cluster, f)
    cluster.kill_slave(first)
    assert f.read(50_000) == b"A" * 49_990
    f.close()
    g = client.open("/c/b", READ)  # only the survivor is left
    assert serving(cluster, g) != first
    assert g.read(50_000) == b"B" * 50_000
    g.close()


# --- the data channel itself ------------------------------------------------------------------


def rendezvous(a: Any, a_ip: str, b: Any, b_ip: str) -> None:
    """Connects two data channels: both sides connect at once (rendezvous)."""
    t = threading.Thread(target=b.connect, args=(a_ip, a.port), kwargs={"timeout_s": 10.0})
    t.start()
    a.connect(b_ip, b.port, timeout_s=10.0)
    t.join(15)
    assert a.connected(b_ip, b.port) and b.connected(a_ip, a.port)


def test_a_closed_peer_fails_a_blocked_receive_and_can_come_back():
    a = native.DataChannel("127.0.0.1")
    b = native.DataChannel("127.0.0.2")
    try:
        rendezvous(a, "127.0.0.1", b, "127.0.0.2")
        b.send_frame("127.0.0.1", a.port, 7, b"hello")
        assert a.recv_any("127.0.0.2", b.port) == (7, b"hello", False)
        failed: list[BaseException] = []

        def receive() -> None:
            try:
                a.recv_any("127.0.0.2", b.port)
            except errors.StorageError as exc:
                failed.append(exc)

        t = threading.Thread(target=receive)
        t.start()
        port = b.port
        b.close()  # as a killed slave does: the receive fails instead of waiting for ever
        t.join(10)
        assert not t.is_alive()
        assert isinstance(failed[0], errors.TransportError)
        assert failed[0].code == "-3000"  # E_CONNECTION
        assert not a.connected("127.0.0.2", port)  # dropped: nothing stale is reused
        # A slave back on the same address gets a new connection.
        b = native.DataChannel("127.0.0.2", port)
        rendezvous(a, "127.0.0.1", b, "127.0.0.2")
        b.send_frame("127.0.0.1", a.port, 8, b"again")
        assert a.recv_any("127.0.0.2", port) == (8, b"again", False)
    finally:
        a.close()
        b.close()


def test_a_silent_peer_times_out_and_is_dropped():
    a = native.DataChannel("127.0.0.1", idle_timeout_s=0.5)
    b = native.DataChannel("127.0.0.2")
    try:
        rendezvous(a, "127.0.0.1", b, "127.0.0.2")
        with pytest.raises(errors.TimeoutError) as info:
            a.recv_any("127.0.0.2", b.port)
        assert info.value.code == "-3002"  # E_TIMEOUT
        assert not a.connected("127.0.0.2", b.port)
    finally:
        a.close()
        b.close()


def test_connect_after_close_fails_at_once():
    a = native.DataChannel("127.0.0.1")
    a.close()
    with pytest.raises(errors.TransportError):
        a.connect("127.0.0.2", 9, timeout_s=30.0)
