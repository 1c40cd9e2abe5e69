"""Ctrl-C in the middle of a native download: the call ends within seconds (the file's
close does not wait ~60 s for a handshake on a stream still full of file data), and the
same client then downloads correctly over a fresh connection. The slave closes the
lost session when the connection goes, so the file's lock is released."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from storewire.emulators.sector import slave as slave_module
from storewire.errors import ConflictError
from storewire.testing import file_sha256

MIB = 1 << 20
SIZE = 96 * MIB
SMALL = b"written after the interrupted download"


@pytest.fixture
def ctrl_c_after_first_frame(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The emulated slave sends this process SIGINT right after the first download data
    frame and paces the later ones, so that Ctrl-C always lands mid-stream. Returns the
    times at which the signal went out."""
    sent: list[float] = []
    original = slave_module.Slave._send

    def send(self: slave_module.Slave, s: Any, data: bytes | memoryview) -> None:
        big = len(data) >= MIB
        if big and sent:
            time.sleep(0.2)
        original(self, s, data)
        if big and not sent:
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(slave_module.Slave, "_send", send)
    return sent


def test_ctrl_c_mid_download_returns_fast_and_the_client_still_works(
    client: Any, tmp_path: Path, ctrl_c_after_first_frame: list[float],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = ctrl_c_after_first_frame
    src = tmp_path / "src.bin"
    with src.open("wb") as f:
        for _ in range(SIZE // (16 * MIB)):
            f.write(os.urandom(16 * MIB))
    client.upload(src, "/big.bin")
    small = tmp_path / "small.bin"
    small.write_bytes(SMALL)
    down = tmp_path / "down"
    down.mkdir()
    out = down / "out.bin"

    interrupted = False
    try:
        client.download("/big.bin", out)
    except KeyboardInterrupt:
        interrupted = True
    returned = time.monotonic()
    monkeypatch.undo()  # the later transfers at full speed
    assert sent, "the download ended before it could be interrupted"
    assert interrupted
    assert returned - sent[0] < 5.0, f"took {returned - sent[0]:.1f} s after Ctrl-C"
    assert not out.exists() and not list(down.iterdir())  # the partial file is gone

    # The slave saw the connection go and closed the session: the lock is released
    # (a writer is refused with E_BUSY while a reader holds the file).
    deadline = time.monotonic() + 5.0
    while True:
        try:
            client.upload(small, "/big.bin")
            break
        except ConflictError:
            assert time.monotonic() < deadline, "the interrupted reader still locks the file"
            time.sleep(0.05)
    assert client.stat("/big.bin").size == len(SMALL)
    client.upload(src, "/big.bin")

    # The same client, same file and same slave: a fresh connection, the whole file.
    start = time.monotonic()
    assert client.download("/big.bin", out) == SIZE
    assert time.monotonic() - start < 30.0
    assert file_sha256(out) == file_sha256(src)
