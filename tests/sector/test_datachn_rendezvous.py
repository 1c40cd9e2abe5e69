"""The data channel's rendezvous connect against a peer that never answers.

libudt 4.11 gives up on a rendezvous by itself after 30 s, and a socket closed after that
stays on its receive queue's connector list, freed: the queue's thread then reads and
writes freed memory (a crash of the Sector emulator seen in CI). So no attempt may outlive
that timer: a longer timeout is served by fresh attempts of at most 20 s each, each a new
UDT socket with its own id. The silent peer here is a plain UDP socket that records the
handshake requests it receives.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from storewire import errors
from storewire._native import sector as native

HANDSHAKE = 0x80000000  # control bit set, type 0
SOCKET_ID_AT = 16 + 24  # packet header (16 bytes), then version..req_type (6 x i32)


def test_a_long_rendezvous_is_made_of_attempts_udt_never_times_out_itself() -> None:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(0.2)
    seen: list[tuple[float, int]] = []  # (time, socket id) of every handshake request
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                data = peer.recv(2048)
            except TimeoutError:
                continue
            if len(data) >= SOCKET_ID_AT + 4 and struct.unpack_from("!I", data)[0] == HANDSHAKE:
                seen.append((time.monotonic(), struct.unpack_from("!i", data, SOCKET_ID_AT)[0]))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    dc = native.DataChannel("127.0.0.1", 0)
    started = time.monotonic()
    try:
        with pytest.raises(errors.TimeoutError):
            dc.connect("127.0.0.1", peer.getsockname()[1], timeout_s=24.0)
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.join(5)
        peer.close()
        dc.close()
    assert 23.5 < took < 30, took
    ids = list(dict.fromkeys(sid for _, sid in seen))
    assert len(ids) == 2, ids  # a fresh socket after 20 s
    first_of_second = next(t for t, sid in seen if sid == ids[1])
    assert 19 < first_of_second - started < 22.5
    # And the channel still works: a real rendezvous between two channels succeeds.
    a, b = native.DataChannel("127.0.0.1", 0), native.DataChannel("127.0.0.1", 0)
    try:
        other = threading.Thread(target=b.connect, args=("127.0.0.1", a.port),
                                 kwargs={"timeout_s": 10.0})
        other.start()
        a.connect("127.0.0.1", b.port, timeout_s=10.0)
        other.join(15)
        a.send_frame("127.0.0.1", b.port, 3, b"hello")
        assert b.recv_any("127.0.0.1", a.port) == (3, b"hello", False)
    finally:
        a.close()
        b.close()
