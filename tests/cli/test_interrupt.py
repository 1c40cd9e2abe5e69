"""Ctrl-C in the middle of a download: the command stops, says so (exit 130), and leaves
no partial file under a final name and no temporary file behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import store_env

from store_servers import StoreServers
from storewire.stores import open_store
from storewire.testing.serve_process import child_command

STOREWIRE = str(Path(sys.executable).with_name("storewire"))
SIZE = 24 * 1024 * 1024


@pytest.mark.parametrize("scheme", ["ds3", "s3", "sector"])
def test_ctrl_c_mid_download(servers: StoreServers, scheme: str, tmp_path: Path) -> None:
    server = servers[scheme]
    key = f"sigint-{os.getpid()}"
    data = {f"{key}/f{i}.bin": bytes([i]) * SIZE for i in range(3)}
    with open_store(scheme, **server.options) as store:
        store.put_many(server.bucket, data)
    dest = tmp_path / "down"
    dest.mkdir()
    url = (f"sector:///{server.bucket}/{key}" if scheme == "sector"
           else f"{scheme}://{server.bucket}/{key}")
    # SIGINT at its default, as in a shell's foreground job.
    child = subprocess.Popen(child_command([STOREWIRE, "cp", "-r", url, str(dest), "-j", "1"]),
                             env=store_env(server), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not os.listdir(dest) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        assert child.poll() is None, "the copy ended before it could be interrupted"
        assert os.listdir(dest), "no download began"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, (out, err)
    assert "interrupted" in err
    left = sorted(os.listdir(dest))
    assert not [name for name in left if name.startswith(".")], left  # no temporary file
    for name in left:  # whatever is under a final name is whole
        assert (dest / name).read_bytes() == data[f"{key}/{name}"], name
    assert len(left) < len(data)


def test_ctrl_c_during_a_sector_upload(servers: StoreServers, tmp_path: Path) -> None:
    """Issue 13: SIGINT once the master has opened the first file (it shows in a listing
    from open on): the command stops within seconds, and the file's lock is gone, so the
    same path can be written again at once."""
    server = servers["sector"]
    key = f"sigint-up-{os.getpid()}"
    src = tmp_path / "up"
    src.mkdir()
    for i in range(3):
        (src / f"f{i}.bin").write_bytes(bytes([i]) * SIZE)
    child = subprocess.Popen(
        child_command([STOREWIRE, "cp", "-r", str(src), f"sector:///{server.bucket}/{key}",
                       "-j", "1"]),
        env=store_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open_store("sector", **server.options) as store:
        try:
            deadline = time.monotonic() + 30
            opened: list[str] = []
            while not opened and child.poll() is None and time.monotonic() < deadline:
                try:
                    opened = [e.key for e in store.ls(server.bucket, key) if e.type == "file"]
                except FileNotFoundError:
                    pass
            assert child.poll() is None, "the copy ended before it could be interrupted"
            assert opened, "no upload began"
            child.send_signal(signal.SIGINT)
            sent = time.monotonic()
            out, err = child.communicate(timeout=60)
            took = time.monotonic() - sent
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == 130, (out, err)
        assert "interrupted" in err
        assert took < 5.0, f"took {took:.1f} s to stop after Ctrl-C"
        # The interrupted file is not locked any more: it can be written at once.
        store.put_many(server.bucket, {opened[0]: b"after Ctrl-C"})
        assert store.get_many(server.bucket, [opened[0]])[opened[0]] == b"after Ctrl-C"
