"""``cp -`` (stdin up, stdout down), ``mb``/``rb`` and server-side copies inside one
store, against every store (the emulators, radosgw for s3)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Runner, store_env, url

from store_servers import StoreServer, StoreServers

STOREWIRE = str(Path(sys.executable).with_name("storewire"))


def _run(server: StoreServer, *args: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([STOREWIRE, *args], input=data, capture_output=True,
                          env=store_env(server), timeout=120)


def test_stdin_up_and_stdout_down(server: StoreServer, prefix: str) -> None:
    data = os.urandom(300_000)
    target = url(server, prefix, "piped.bin")
    up = _run(server, "cp", "-", target, data=data)
    assert up.returncode == 0, up.stderr
    assert up.stdout.decode().startswith("copied 1 file (")
    down = _run(server, "cp", target, "-")
    assert down.returncode == 0, down.stderr
    assert down.stdout == data and down.stderr == b""
    # a missing object: exit 1, a typed error, nothing on stdout
    missing = _run(server, "cp", url(server, prefix, "absent.bin"), "-")
    assert missing.returncode == 1 and missing.stdout == b""
    assert b"NotFoundError" in missing.stderr


def test_stdin_streams_as_multipart_on_s3(servers: StoreServers, prefix: str) -> None:
    """Larger than a part (16 MiB): a multipart upload read part by part."""
    s3 = servers["s3"]
    data = os.urandom(40 * 2**20 + 123)
    target = url(s3, prefix, "stream.bin")
    up = _run(s3, "cp", "-", target, data=data)
    assert up.returncode == 0, up.stderr
    info = _run(s3, "stat", target, "--json")
    assert b'"size": %d' % len(data) in info.stdout
    assert b"-3" in info.stdout  # the ETag of a three-part upload
    down = _run(s3, "cp", target, "-")
    assert hashlib.sha256(down.stdout).digest() == hashlib.sha256(data).digest()


def test_stdio_usage_errors(sw: Runner, servers: StoreServers) -> None:
    ds3 = servers["ds3"]
    sw.use(ds3)
    assert sw("cp", "-", url(ds3, "dir") + "/").code == 2  # no file name
    assert sw("mv", "-", url(ds3, "x")).code == 2
    assert sw("cp", "-r", url(ds3, "d"), "-").code == 2


def test_mb_and_rb(server: StoreServer, sw: Runner, tmp_path: Path) -> None:
    sw.use(server)
    name = f"mbrb{os.getpid()}"
    bucket = f"sector:///{name}" if server.scheme == "sector" else f"{server.scheme}://{name}"
    made = sw("mb", bucket)
    if server.scheme == "v3io":  # containers come from the control plane
        assert made.code == 1 and "UnsupportedOperationError" in made.err
        assert sw("rb", "v3io://bigdata").code == 1
        return
    assert made.code == 0 and f"make_bucket: {bucket}" in made.out, made.err
    (tmp_path / "f.txt").write_bytes(b"in the bucket")
    assert sw("cp", tmp_path / "f.txt", f"{bucket}/a/f.txt").code == 0
    refused = sw("rb", bucket)  # not empty
    assert refused.code == 1 and "Error" in refused.err
    removed = sw("rb", "--force", bucket)
    assert removed.code == 0 and f"remove_bucket: {bucket}" in removed.out, removed.err
    listed = sw("ls", f"{server.scheme}://" if server.scheme != "sector" else "sector:///")
    assert f"{name}/" not in listed.out.split()
    assert sw("rb", f"{bucket}/a/key").code == 2  # a key is no bucket


@pytest.mark.parametrize("scheme", ["ds3", "s3"])
def test_copies_inside_a_store_stay_on_the_server(
        scheme: str, servers: StoreServers, sw: Runner, prefix: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """cp and mv within one DS3 or S3 store are CopyObject requests: nothing is
    downloaded (a download here fails the test)."""
    from storewire.stores import store_class
    from storewire.stores.base import Store

    server = servers[scheme]
    sw.use(server)
    data = os.urandom(5000)
    (tmp_path / "orig.bin").write_bytes(data)
    assert sw("cp", tmp_path / "orig.bin", url(server, prefix, "orig.bin")).code == 0

    def no_download(*_: object, **__: object) -> None:
        raise AssertionError("the copy went through a local download")

    monkeypatch.setattr(store_class(scheme), "get_files", no_download)
    monkeypatch.setattr(Store, "get_files", no_download)
    copied = sw("cp", url(server, prefix, "orig.bin"), url(server, prefix, "copy.bin"))
    assert copied.code == 0, copied.err
    moved = sw("mv", url(server, prefix, "copy.bin"), url(server, prefix, "moved.bin"))
    assert moved.code == 0, moved.err
    monkeypatch.undo()
    sw.use(server)
    out = _run(server, "cp", url(server, prefix, "moved.bin"), "-")
    assert out.stdout == data
    assert sw("stat", url(server, prefix, "copy.bin")).code == 1  # moved away



@pytest.mark.parametrize("scheme", ["ds3", "s3"])
def test_put_file_reports_progress_as_it_goes(scheme: str, servers: StoreServers,
                                              tmp_path: Path, prefix: str) -> None:
    """What the live display counts inside one large upload: S3 reports each part
    (three of 16 MiB here), DS3 each blob; together they are the file's size."""
    from storewire.stores import open_store

    server = servers[scheme]
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(40 * 2**20))
    seen: list[int] = []
    with open_store(scheme, **server.options) as store:
        store.put_file(server.bucket, f"{prefix}/big.bin", path, progress=seen.append)
        assert store.head(server.bucket, f"{prefix}/big.bin").size == path.stat().st_size
    assert sum(seen) == path.stat().st_size
    if scheme == "s3":
        assert len(seen) == 3


def test_stdout_closed_early(servers: StoreServers, prefix: str) -> None:
    """``storewire cp URL - | head -c 10``: the reader goes away; exit 1 with one line on
    stderr, no traceback (Python's own "Exception ignored" at exit included)."""
    ds3 = servers["ds3"]
    target = url(ds3, prefix, "long.bin")
    assert _run(ds3, "cp", "-", target, data=os.urandom(4 * 2**20)).returncode == 0
    proc = subprocess.Popen([STOREWIRE, "cp", target, "-"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=store_env(ds3))
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before the command writes its first byte
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert err == "storewire cp: standard output was closed before the end\n", err
