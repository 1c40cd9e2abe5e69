"""GMP under faults: lost datagrams, garbage sent to the client's ports, a slow master,
duplicate suppression and retransmission on the emulator's side."""

from __future__ import annotations

import os
import random
import select
import socket
import struct
import time

import pytest

from storewire import errors
from storewire._native import sector as native

HEADER = struct.Struct("<iiii")


def test_five_percent_of_datagrams_dropped_still_succeeds(master, make_client):
    client = make_client()
    master.drop_rate = 0.05  # each direction: requests, replies and ACKs alike
    for i in range(40):
        client.mkdir(f"/lossy/d{i:02d}")
        assert client.stat(f"/lossy/d{i:02d}").is_dir
    assert len(client.list("/lossy")) == 40
    lost = master.gmp.stats["dropped"]
    assert lost > 0
    resent = client.gmp_stats["retransmitted"] + master.gmp.stats["retransmitted"]
    assert resent > 0


def test_heavy_loss_still_succeeds(master, make_client):
    client = make_client()
    master.drop_rate = 0.3
    client.mkdir("/very/lossy")
    assert client.stat("/very/lossy").is_dir


def _garbage(rng: random.Random) -> list[bytes]:
    return [
        b"",
        b"\x01",
        b"abc",
        os.urandom(15),
        HEADER.pack(7, 1, 2, 3),               # unknown type
        HEADER.pack(1, 5, 999_999, 0),         # ACK of nothing
        HEADER.pack(0, 5, 77, 123_456) + b"x",  # reply to a request never sent
        HEADER.pack(0, 5, 78, 0) + b"\x00" * 8,  # a request: clients serve none
        HEADER.pack(2, 5, 79, 0),              # RTT probe: must be answered
        os.urandom(1472),
        os.urandom(9000),                      # longer than any GMP datagram
        *(rng.randbytes(rng.randrange(0, 1500)) for _ in range(200)),
    ]


def test_garbage_datagrams_neither_crash_nor_wedge_the_client(master, client):
    rng = random.Random(1234)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for blob in _garbage(rng):
            s.sendto(blob, ("127.0.0.1", client.gmp_port))
            # The GMP port - 1 is the client's UDT listener: raw garbage there too.
            s.sendto(blob, ("127.0.0.1", client.gmp_port - 1))
        # The probe above was answered with an ACK carrying its id.
        acks = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if not select.select([s], [], [], 0.2)[0]:
                break
            data = s.recv(2048)
            if len(data) >= 16:
                acks.append(HEADER.unpack_from(data))
        assert any(a[0] == 1 and a[2] == 79 for a in acks)
        assert any(a[0] == 1 and a[2] == 77 for a in acks)  # data messages are ACKed too
    assert client.gmp_stats["ignored"] > 0
    client.mkdir("/still/alive")
    assert client.stat("/still/alive").is_dir
    assert [e.name for e in client.list("/still")] == ["alive"]


def test_unsolicited_large_message_is_ignored(master, client):
    # A well-formed message over UDT that answers nothing the client asked.
    native.udt_send_message("127.0.0.1", client.gmp_port - 1, 1, 1, 1, 1, b"")
    client.mkdir("/after/udt")
    assert client.stat("/after/udt").is_dir


def test_a_slow_master_times_out_with_timeout_error(master, make_client):
    client = make_client(timeout_s=0.5)
    master.delay_s = 1.5
    with pytest.raises(errors.TimeoutError) as info:
        client.stat("/")
    assert info.value.code == "-3002"
    assert isinstance(info.value, TimeoutError)
    master.delay_s = 0
    time.sleep(1.2)  # let the late reply arrive and be discarded
    assert client.stat("/").is_dir


def _raw_request(s: socket.socket, port: int, msg_id: int, payload: bytes) -> None:
    s.sendto(HEADER.pack(0, 4242, msg_id, 0) + payload, ("127.0.0.1", port))


def _collect(s: socket.socket, seconds: float) -> list[tuple[tuple[int, int, int, int], bytes]]:
    out = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([s], [], [], left)[0]:
            break
        data = s.recv(2048)
        out.append((HEADER.unpack_from(data), data[16:]))
    return out


def test_emulator_acks_replies_dedups_and_resends_unacked_replies(master):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        keepalive_unknown_key = struct.pack("<ii", 6, 987654)
        _raw_request(s, master.port, 5, keepalive_unknown_key)
        _raw_request(s, master.port, 5, keepalive_unknown_key)  # duplicate
        got = _collect(s, 0.5)  # longer than the 0.2 s resend interval; no ACK from us
        acks = [h for h, _ in got if h[0] == 1]
        replies = [(h, p) for h, p in got if h[0] == 0]
        assert [a[2] for a in acks] == [5, 5]  # both copies ACKed
        assert replies, got
        assert all(h[3] == 5 for h, _ in replies)  # info = the request id
        assert len({h[2] for h, _ in replies}) == 1  # one reply, resent with the same id
        assert len(replies) >= 2  # ... because we never ACKed it
        mtype, _key, code = struct.unpack("<iii", replies[0][1])
        assert (mtype, code) == (-1, -2007)  # unknown session key: E_EXPIRED
        # Once ACKed, the reply stops coming.
        s.sendto(HEADER.pack(1, 4242, replies[0][0][2], 0), ("127.0.0.1", master.port))
        time.sleep(0.05)
        _collect(s, 0.1)
        assert _collect(s, 0.5) == []
        assert master.gmp.stats["duplicates"] == 1


def test_emulator_rejects_requests_from_another_port_than_the_login(master, client):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        _raw_request(s, master.port, 1, struct.pack("<ii", 6, client.session_key))
        replies = [(h, p) for h, p in _collect(s, 0.5) if h[0] == 0]
    assert replies
    assert struct.unpack("<iii", replies[0][1])[::2] == (-1, -2000)  # E_SECURITY
