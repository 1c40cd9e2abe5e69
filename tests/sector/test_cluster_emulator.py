"""The emulated cluster: slaves on their own IPs, background replication, a killed
slave, the namespace rebuilt from the slaves' disks, and the serve-side fault knobs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from storewire import errors
from storewire._native import sector as native
from storewire.emulators.sector import SectorEmulator
from storewire.testing.polling import wait_for


@pytest.fixture
def cluster(start_cluster: Callable[..., SectorEmulator]) -> SectorEmulator:
    return start_cluster(slaves=3, replicas=2)


@pytest.fixture
def login(cluster: SectorEmulator, login_to: Callable[[SectorEmulator], Any]
          ) -> Callable[[], Any]:
    return lambda: login_to(cluster)


def test_slaves_listen_on_distinct_loopback_addresses(cluster, login):
    hosts = [s.host for s in cluster.slaves]
    assert hosts == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    info = login().sysinfo()
    assert [(s["ip"], s["port"], s["status"]) for s in info["slaves"]] == [
        (s.host, s.data_port, 1) for s in cluster.slaves]


def test_a_written_file_gets_its_second_replica_after_close(cluster, login, tmp_path):
    client = login()
    data = os.urandom(3 << 20)
    local = tmp_path / "in.bin"
    local.write_bytes(data)
    client.upload(str(local), "/rep/file.bin")
    wait_for(lambda: len(client.stat("/rep/file.bin").locations) == 2)
    holders = cluster.replica_slaves("/rep/file.bin")
    assert len(holders) == 2
    assert len({cluster.slaves[i].host for i in holders}) == 2  # never two on one IP
    for i in holders:
        assert cluster.slaves[i].local("/rep/file.bin").read_bytes() == data
    # Rewriting makes the old copy stale: it is replaced, not kept beside the new data.
    new = os.urandom(1 << 20)
    local.write_bytes(new)
    client.upload(str(local), "/rep/file.bin")
    wait_for(lambda: len(client.stat("/rep/file.bin").locations) == 2)
    for i in cluster.replica_slaves("/rep/file.bin"):
        assert cluster.slaves[i].local("/rep/file.bin").read_bytes() == new


def test_a_killed_slave_loses_its_replicas_and_gets_no_new_files(cluster, login, tmp_path):
    client = login()
    cluster.add_file("/k/a", 0, data=b"alpha")
    first, second = cluster.replica_slaves("/k/a")
    cluster.kill_slave(first)
    assert cluster.replica_slaves("/k/a") == [second]
    assert client.stat("/k/a").locations == [cluster.pool.address(second)]
    status = {s["id"]: s["status"] for s in client.sysinfo()["slaves"]}
    assert status[first] == 0 and status[second] == 1
    # Reads still work from the survivor, and new files avoid the dead slave.
    local = tmp_path / "a"
    client.download("/k/a", str(local))
    assert local.read_bytes() == b"alpha"
    for n in range(4):
        local.write_bytes(b"x" * n)
        client.upload(str(local), f"/k/new{n}")
        assert first not in cluster.replica_slaves(f"/k/new{n}")


def test_a_file_whose_every_replica_died_is_lost(cluster, login):
    client = login()
    cluster.add_file("/lost", 0, data=b"gone")
    for i in cluster.replica_slaves("/lost"):
        cluster.kill_slave(i)
    with pytest.raises(errors.ServerError) as info:
        client.open("/lost", 1)
    assert info.value.code == "-1009"  # E_NOREPLICA


def test_the_namespace_comes_back_from_the_slaves(master_dir, tmp_path):
    payload = os.urandom(200_000)
    with SectorEmulator(data_dir=master_dir, slaves=2) as first:
        first.add_file("/keep/deep/f.bin", 0, data=payload, mtime=1_700_000_000)
        first.add_file("/keep/g", 0, data=b"g")
        user, password = first.user, first.password
    with SectorEmulator(data_dir=master_dir, slaves=2) as second:
        assert (second.user, second.password) == (user, password)
        client = native.Client(second.host, second.port, timeout_s=20.0)
        try:
            client.login(second.user, second.password, second.cert_path)
            assert sorted(e.name for e in client.list("/keep")) == ["deep", "g"]
            st = client.stat("/keep/deep/f.bin")
            assert (st.size, st.mtime) == (len(payload), 1_700_000_000)
            out = tmp_path / "f.bin"
            client.download("/keep/deep/f.bin", str(out))
            assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(payload).digest()
        finally:
            client.close()


def test_restart_rebuilds_from_disk_and_clients_log_in_again(cluster, login):
    client = login()
    key = client.session_key
    client.mkdir("/survives")
    cluster.restart()
    assert cluster.sessions() == []
    assert "survives" in [e.name for e in client.list("/")]  # re-login, same key
    assert [s.key for s in cluster.sessions()] == [key]


def test_idle_sessions_time_out_and_release_their_files(start_cluster, login_to):
    cluster = start_cluster(client_timeout_s=1.0)
    idle, busy = login_to(cluster), login_to(cluster)
    held = idle.open("/held.bin", 2)
    with pytest.raises(errors.ConflictError):
        busy.open("/held.bin", 2)  # E_BUSY while the first session holds it
    key = idle.session_key
    wait_for(lambda: key not in [s.key for s in cluster.sessions()], what="session expiry")
    f = busy.open("/held.bin", 2)  # the lock went with the session (busy re-logs in too)
    f.write(b"new owner")
    f.close()
    assert idle.stat("/held.bin").size == len(b"new owner")  # re-login keeps the key
    assert idle.session_key == key
    held.close()  # the slave still has its session: closing works, and changes nothing
