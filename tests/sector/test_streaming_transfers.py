"""upload / download stream the file with the data channel's cmd 4 / cmd 3 straight
between the local file and the socket; a 1 GiB file round-trips intact, encrypted or not."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from storewire.emulators.sector import slave as slave_module
from storewire.testing import file_sha256

MIB = 1 << 20


def _write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left:
            block = os.urandom(min(left, 16 * MIB))
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The data-channel commands the emulated slave runs, in order."""
    seen: list[int] = []
    original = slave_module.Slave._command

    def record(self: slave_module.Slave, s: object, cmd: int) -> None:
        seen.append(cmd)
        original(self, s, cmd)

    monkeypatch.setattr(slave_module.Slave, "_command", record)
    return seen


@pytest.mark.parametrize("encrypt", [False, True])
def test_upload_and_download_use_the_streaming_commands(client, tmp_path, commands, encrypt):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    expected = _write_random(src, 40 * MIB + 12_345)  # several 16 MiB frames, a short last one
    assert client.upload(src, "/stream/f.bin", encrypt=encrypt) == src.stat().st_size
    assert client.stat("/stream/f.bin").size == src.stat().st_size
    assert commands == [slave_module.CMD_CHAIN, slave_module.CMD_UPLOAD, slave_module.CMD_SYNC]
    commands.clear()
    assert client.download("/stream/f.bin", dst, encrypt=encrypt) == src.stat().st_size
    assert commands == [slave_module.CMD_DOWNLOAD]
    assert file_sha256(dst) == expected


def test_download_replaces_an_existing_local_file(client, tmp_path):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(b"short")
    dst.write_bytes(b"a much longer file that was here before")
    client.upload(src, "/stream/short.bin")
    assert client.download("/stream/short.bin", dst) == 5
    assert dst.read_bytes() == b"short"


@pytest.mark.slow
@pytest.mark.parametrize("encrypt", [False, True])
def test_one_gib_upload_and_download_match_by_checksum(client, tmp_path, encrypt):
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    if os.statvfs(scratch).f_bavail * os.statvfs(scratch).f_frsize < 3 << 30:
        scratch = tmp_path
    src = scratch / f"storewire-sector-src-{os.getpid()}.bin"
    dst = scratch / f"storewire-sector-dst-{os.getpid()}.bin"
    try:
        expected = _write_random(src, 1 << 30)
        assert client.upload(src, "/big/1GiB.bin", encrypt=encrypt) == 1 << 30
        src.unlink()
        assert client.stat("/big/1GiB.bin").size == 1 << 30
        assert client.download("/big/1GiB.bin", dst, encrypt=encrypt) == 1 << 30
        assert file_sha256(dst) == expected
    finally:
        src.unlink(missing_ok=True)
        dst.unlink(missing_ok=True)
