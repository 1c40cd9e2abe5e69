"""Several masters: the routing table from the login, requests
sent to the master owning their path or key, a lazy re-login at each master, E_ROUTING
answered by refreshing the master list (type 5), and logout / keep-alive to every master."""

from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest

import sector
from storewire import errors
from storewire._native import sector as native
from storewire.emulators.sector import SectorEmulator
from storewire.emulators.sector.routing import path_index

RETRANSMIT_S = 0.2
MASTERS = 3


@pytest.fixture
def cluster(start_cluster: Callable[..., SectorEmulator]) -> SectorEmulator:
    return start_cluster(masters=MASTERS, slaves=2)


@pytest.fixture
def login(cluster: SectorEmulator, login_to: Callable[[SectorEmulator], Any]
          ) -> Callable[[], Any]:
    return lambda: login_to(cluster)


def table(cluster: SectorEmulator) -> list[tuple[int, str, int]]:
    """The routing table the cluster itself uses: router keys, largest first."""
    return [(m.router_key, m.host, m.port) for m in cluster.routing_order()]


def owned_by(index: int, stem: str, n: int = MASTERS) -> str:
    """A path under ``stem`` that routes to master ``index`` of ``n``."""
    for i in range(10_000):
        path = f"{stem}{i}"
        if path_index(path, n) == index:
            return path
    raise AssertionError("no path found")


def keys_at(cluster: SectorEmulator) -> list[list[int]]:
    """Session keys known to each master, in routing order."""
    return [[s.key for s in m.sessions()] for m in cluster.routing_order()]


# --- the hash and the type-5 parser ------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 64])
def test_master_index_is_sha1_tail_little_endian_mod_n(n):
    paths = ["/", "/a", "/data/x.bin", "/déjà vu", "/" + "x" * 300] + [
        f"/d{i}/f{i * 7}" for i in range(200)]
    for path in paths:
        tail = hashlib.sha1(path.encode()).digest()[-4:]
        expected = struct.unpack("<I", tail)[0] % n
        assert native.master_index(path, n) == expected == path_index(path, n)


def test_master_index_needs_at_least_one_master():
    with pytest.raises(errors.InvalidRequestError):
        native.master_index("/a", 0)


def test_parse_master_list_reads_key_cstr_ip_and_port():
    data = struct.pack("<i", 2)
    data += struct.pack("<i", 1_700_000_123) + b"127.0.0.1\0" + struct.pack("<i", 6000)
    data += struct.pack("<i", 42) + b"master-b.example\0" + struct.pack("<i", 7001)
    assert native.parse_master_list(data) == [
        (1_700_000_123, "127.0.0.1", 6000), (42, "master-b.example", 7001)]
    assert native.parse_master_list(struct.pack("<i", 0)) == []


@pytest.mark.parametrize("data", [
    b"",
    struct.pack("<i", -1),
    struct.pack("<i", 1) + struct.pack("<i", 5),            # no address
    struct.pack("<i", 1) + struct.pack("<i", 5) + b"10.0.0.1",  # unterminated
    struct.pack("<i", 2) + struct.pack("<i", 5) + b"a\0" + struct.pack("<i", 1),  # one short
])
def test_parse_master_list_refuses_a_truncated_reply(data):
    with pytest.raises(errors.ProtocolError):
        native.parse_master_list(data)


# --- the routing table -------------------------------------------------------------------------


def test_single_master_table_is_the_login_master(master, client):
    assert client.masters() == [(master.router_key, master.host, master.port)]


def test_login_builds_the_table_of_every_master_by_key_descending(cluster, login):
    client = login()
    masters = client.masters()
    assert masters == table(cluster)
    assert len(masters) == MASTERS
    assert [k for k, _, _ in masters] == sorted((m.router_key for m in cluster.masters),
                                                reverse=True)
    # Only the login master knows the session until another one is needed.
    key = client.session_key
    assert [s.key for s in cluster.masters[0].sessions()] == [key]
    assert sum(len(k) for k in keys_at(cluster)) == 1


def test_path_requests_go_to_the_owning_master_only(cluster, login):
    client = login()
    key = client.session_key
    login_index = table(cluster).index((cluster.router_key, cluster.host, cluster.port))
    other = (login_index + 1) % MASTERS
    unused = (login_index + 2) % MASTERS
    path = owned_by(other, "/owned")
    received = [m.gmp.stats["received"] for m in cluster.routing_order()]
    client.mkdir(path)
    assert client.stat(path).is_dir
    after = [m.gmp.stats["received"] for m in cluster.routing_order()]
    assert after[other] - received[other] >= 2  # mkdir + stat (no E_ROUTING detour)
    assert after[unused] == received[unused]
    sessions = keys_at(cluster)
    assert sessions[other] == [key]   # logged in there on first use, keeping the key
    assert sessions[unused] == []


def test_every_command_works_across_three_masters(cluster, login, tmp_path):
    client = login()
    key = client.session_key
    dirs = [owned_by(i, "/dir") for i in range(MASTERS)]
    for d in dirs:
        client.mkdir(d)
        client.mkdir(d + "/sub")
    assert {e.name for e in client.list("/")} >= {d[1:] for d in dirs}
    for d in dirs:
        assert [e.name for e in client.list(d)] == ["sub"]
        client.utime(d, 1_600_000_000)
        assert client.stat(d).mtime == 1_600_000_000
    # Files: upload, download, open/write/read, each routed by its own path.
    payload = os.urandom(300_000)
    local = tmp_path / "in.bin"
    local.write_bytes(payload)
    files = [owned_by(i, f"{dirs[i]}/f") for i in range(MASTERS)]
    for f in files:
        assert client.upload(str(local), f) == len(payload)
        out = tmp_path / "out.bin"
        assert client.download(f, str(out)) == len(payload)
        assert out.read_bytes() == payload
        handle = client.open(f, 1)
        handle.seek(1000)
        assert handle.read(5000) == payload[1000:6000]
        handle.close()
    # move and copy go to the source's master.
    client.move(files[0], dirs[1] + "/moved")
    assert client.stat(dirs[1] + "/moved").size == len(payload)
    client.copy(files[1], dirs[2] + "/copied")
    assert client.stat(dirs[2] + "/copied").size == len(payload)
    client.remove(files[2])
    with pytest.raises(errors.NotFoundError):
        client.stat(files[2])
    for d in dirs:
        client.rmr(d)
    assert not {e.name for e in client.list("/")} & {d[1:] for d in dirs}
    # Key-based requests: the master owning the key.
    assert len(client.sysinfo()["masters"]) == MASTERS
    available, _ = client.df()
    assert available > 0
    # Every master saw a request of ours and knows the same key.
    assert keys_at(cluster) == [[key]] * MASTERS
    before = time.monotonic()
    client.keepalive()
    assert all(s.last_seen >= before for s in cluster.sessions())
    client.logout()
    assert cluster.sessions() == []
    assert not client.logged_in


def test_e_routing_refreshes_the_master_list_and_retries(cluster, login):
    client = login()
    old = client.masters()
    # Masters 1 and 2 (not the login master) swap router keys: they swap places in the
    # routing order, so the client's table is stale for the paths either of them owns.
    a, b = cluster.masters[1], cluster.masters[2]
    a.router_key, b.router_key = b.router_key, a.router_key
    new = table(cluster)
    assert new != old
    moved = next(i for i in range(MASTERS) if old[i] != new[i])
    path = owned_by(moved, "/rerouted")
    stale_owner = next(m for m in cluster.masters if (m.host, m.port) == old[moved][1:])
    before = stale_owner.gmp.stats["received"]
    client.mkdir(path)  # the stale owner answers E_ROUTING; type 5; retried at the owner
    assert stale_owner.gmp.stats["received"] > before
    assert client.masters() == new
    assert client.stat(path).is_dir
    assert client.session_key in [s.key for s in cluster.routing_order()[moved].sessions()]


def test_restart_of_a_non_login_master_is_followed_by_a_relogin(cluster, login):
    client = login()
    key = client.session_key
    order = cluster.routing_order()
    index = next(i for i, m in enumerate(order) if m is not cluster.masters[0])
    path = owned_by(index, "/restarted")
    client.mkdir(path)
    assert [s.key for s in order[index].sessions()] == [key]
    cluster.restart(master=cluster.masters.index(order[index]))
    assert order[index].sessions() == []
    assert [s.key for s in cluster.masters[0].sessions()] == [key]  # untouched
    assert client.stat(path).is_dir  # E_EXPIRED: re-login keeping the key, then retried
    assert [s.key for s in order[index].sessions()] == [key]
    assert client.session_key == key


def test_keepalive_after_a_restart_logs_in_again(cluster, login):
    client = login()
    key = client.session_key
    for i in range(MASTERS):
        client.mkdir(owned_by(i, "/k"))
    assert keys_at(cluster) == [[key]] * MASTERS
    cluster.restart()
    assert cluster.sessions() == []
    client.keepalive()
    assert keys_at(cluster) == [[key]] * MASTERS


def test_the_sector_package_exposes_the_table(cluster):
    with sector.Client(cluster.host, cluster.port, user=cluster.user,
                       password=cluster.password, cert=cluster.cert_path,
                       timeout_s=20.0, retransmit_s=RETRANSMIT_S) as client:
        assert client.masters() == table(cluster)
        for i in range(MASTERS):
            client.mkdir(owned_by(i, "/pkg"))
        assert len(client.list("/")) == MASTERS
    assert cluster.sessions() == []  # closing logged out of every master
