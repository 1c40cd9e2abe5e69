"""Ctrl-C while an upload is still opening its file (issue 13): the emulated slave holds
back its side of the data-channel rendezvous, so the client is waiting to connect when
SIGINT comes. The call ends within about a second (the interrupted file never connected,
so no close handshake is tried on the way out), and once the client logs out, as the CLI
does when it stops, the master has released the file's lock: another client uploads the
same path at once. And Ctrl-C while the slave takes no data (the client's send is stuck):
the call ends within about a second too."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storewire.emulators.sector import slave as slave_module
from storewire.errors import ConflictError

DATA = b"uploaded after the interrupted open"


@pytest.fixture
def slow_rendezvous(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The slave starts its side of the rendezvous 3 s late, and this process gets
    SIGINT 0.3 s after the internal open reached the slave. Returns when it went out."""
    sent: list[float] = []
    original = slave_module.Slave._peer_loop

    def late_peer_loop(self: slave_module.Slave, ip: str, port: int) -> None:
        if not sent:
            time.sleep(0.3)
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(2.7)
        original(self, ip, port)

    monkeypatch.setattr(slave_module.Slave, "_peer_loop", late_peer_loop)
    return sent


@pytest.mark.parametrize("encrypt", [False, True])
def test_ctrl_c_during_the_open_of_an_upload(make_client: Callable[..., Any], tmp_path: Path,
                                             slow_rendezvous: list[float],
                                             encrypt: bool) -> None:
    client = make_client()
    assert threading.current_thread() is threading.main_thread()  # signals land here
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(1 << 20))
    interrupted = False
    try:
        client.upload(src, "/up.bin", encrypt=encrypt)
    except KeyboardInterrupt:
        interrupted = True
    returned = time.monotonic()
    assert slow_rendezvous, "the upload ended before it could be interrupted"
    assert interrupted
    took = returned - slow_rendezvous[0]
    assert took < 1.5, f"took {took:.1f} s after Ctrl-C"

    client.logout()  # as sector.Client.close() and the CLI do on the way out
    client.close()
    other = make_client()
    small = tmp_path / "small.bin"
    small.write_bytes(DATA)
    try:
        other.upload(small, "/up.bin", encrypt=encrypt)
    except ConflictError:
        pytest.fail("the interrupted upload still locks the file after its client left")
    out = tmp_path / "out.bin"
    other.download("/up.bin", out, encrypt=encrypt)
    assert out.read_bytes() == DATA


@pytest.fixture
def stalled_slave(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The slave stops reading its data channel after the first upload data frame, and
    this process gets SIGINT a second later, while the client's send is stuck. Returns
    when it went out."""
    sent: list[float] = []
    original = slave_module.Slave._peer_loop

    def stalling_peer_loop(self: slave_module.Slave, ip: str, port: int) -> None:
        if not self._dc.connected(ip, port):
            self._dc.connect(ip, port, timeout_s=30.0)
        while not self._closed:
            transid, data, error = self._dc.recv_any(ip, port)
            with self._lock:
                session = self._sessions.get(transid)
            if session is not None:
                session.frames.put((data, error))
            if len(data) >= 1 << 20:  # the first data frame: take nothing more
                time.sleep(1.0)
                sent.append(time.monotonic())
                os.kill(os.getpid(), signal.SIGINT)
                give_up = time.monotonic() + 10.0  # a client that never stops: test fails
                while (not self._closed and self._dc.connected(ip, port)
                       and time.monotonic() < give_up):
                    time.sleep(0.05)
                break
        original(self, ip, port)  # ends at once once the client dropped the connection

    monkeypatch.setattr(slave_module.Slave, "_peer_loop", stalling_peer_loop)
    return sent


def test_ctrl_c_while_a_slave_takes_no_data(client: Any, tmp_path: Path,
                                            stalled_slave: list[float]) -> None:
    src = tmp_path / "big.bin"
    with src.open("wb") as f:
        for _ in range(6):
            f.write(os.urandom(16 << 20))
    interrupted = False
    try:
        client.upload(src, "/stalled.bin")
    except KeyboardInterrupt:
        interrupted = True
    returned = time.monotonic()
    assert stalled_slave, "the upload ended before it could be interrupted"
    assert interrupted
    took = returned - stalled_slave[0]
    assert took < 1.5, f"took {took:.1f} s after Ctrl-C"
