"""The native bulk transfer engine behind ``ds3.Client.put_files`` / ``get_files``."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

import ds3
from storewire import errors
from storewire._native import auth
from storewire.emulators.ds3 import DS3Emulator
from storewire.testing.polling import wait_for

BUCKET = "bulk"


def _same(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


@pytest.fixture
def files(make_file):
    """Mixed sizes, nested names; with 64 KiB blobs several objects span many blobs."""
    sizes = {"a/one.bin": 300_000, "a/two.bin": 65_536, "b/three.bin": 1, "four.bin": 0,
             "five.bin": 200_001, "six.bin": 5_000}
    return {name: make_file(name, size) for name, size in sizes.items()}


@pytest.mark.parametrize("checksum", ["crc32c", "md5", "none"])
def test_put_and_get_files_multi_blob_with_checksums(client, files, tmp_path, checksum):
    client.put_bucket(BUCKET)
    events = []
    result = client.put_files(BUCKET, files, workers=4, checksum=checksum,
                              max_upload_size=65_536, progress=events.append)
    total = sum(p.stat().st_size for p in files.values())
    assert result.bytes_total == total and result.bytes_transferred == total
    # The empty object is complete as soon as the job exists: nothing to send.
    assert result.blobs_total == result.blobs_transferred + result.blobs_skipped > len(files)
    assert result.blobs_skipped <= 1
    assert len(events) == result.blobs_total
    assert events[-1].bytes_done == total and events[-1].blobs_done == result.blobs_total
    assert all(e.job_id == result.job_id for e in events)

    info = client.head_object(BUCKET, "a/one.bin")
    assert len(info.blob_checksums) == 5  # 300,000 bytes in 64 KiB blobs
    if checksum != "none":
        assert info.checksum_type == {"crc32c": "CRC_32C", "md5": "MD5"}[checksum]

    out = tmp_path / "out"
    got = client.get_files(BUCKET, list(files), dest_dir=out, workers=3)
    assert got.blobs_transferred + got.blobs_skipped == result.blobs_total
    for name, src in files.items():
        assert _same(src, out / name), name
    # A GET job completes once its last blob has gone out, which the server notes just after
    # the client has read it: a moment later, not necessarily before get_files returns.
    wait_for(lambda: client.get_job(got.job_id).status == "COMPLETED", 10.0,
             what="the GET job's completion")


def test_parallel_workers_keep_several_blobs_in_flight(client, make_file, tmp_path):
    big = make_file("big.bin", 2_000_000)
    client.put_bucket(BUCKET)
    result = client.put_files(BUCKET, {"big": big}, workers=16, max_upload_size=100_000)
    assert result.blobs_transferred == 20
    dest = tmp_path / "big.out"
    client.get_files(BUCKET, {"big": dest}, workers=16)
    assert _same(big, dest)


def test_get_overwrites_a_longer_existing_file(client, make_file, tmp_path):
    src = make_file("s.bin", 1000)
    client.put_bucket(BUCKET)
    client.put_files(BUCKET, {"s": src})
    dest = tmp_path / "s.out"
    dest.write_bytes(b"x" * 5000)
    client.get_files(BUCKET, {"s": dest})
    assert _same(src, dest)


def test_progress_callback_exception_stops_the_job(client, files):
    client.put_bucket(BUCKET)

    class Stop(Exception):
        pass

    def progress(event):
        raise Stop(event.job_id)

    with pytest.raises(Stop):
        client.put_files(BUCKET, files, progress=progress, max_upload_size=65_536)


def test_cancel_from_another_thread(client, make_file):
    src = make_file("c.bin", 500_000)
    client.put_bucket(BUCKET)
    transfer = client.bulk_put(BUCKET, {"c": src}, workers=1, max_upload_size=4096)
    started = threading.Event()

    def progress(event):
        started.set()

    timer = threading.Thread(target=lambda: (started.wait(10), transfer.cancel()))
    timer.start()
    with pytest.raises(errors.CancelledError):
        transfer.run(progress)
    timer.join()
    assert transfer.job_id
    assert client.get_job(transfer.job_id).status == "IN_PROGRESS"  # resumable


def test_resume_put_after_the_client_died(emulator, make_file, tmp_path):
    src = make_file("r.bin", 1_000_000)
    first = ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key)
    first.put_bucket(BUCKET)
    seen = []

    class Crash(Exception):
        pass

    def progress(event):
        seen.append(event)
        if len(seen) == 3:
            raise Crash

    with pytest.raises(Crash):
        first.put_files(BUCKET, {"r": src}, workers=1, max_upload_size=100_000,
                        progress=progress)
    job_id = seen[-1].job_id
    first.close()
    del first

    second = ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key)
    events = []
    result = second.put_files(BUCKET, {"r": src}, job_id=job_id, progress=events.append)
    assert result.job_id == job_id
    assert result.blobs_skipped >= 3
    assert result.blobs_skipped + result.blobs_transferred == 10
    assert sum(e.skipped for e in events) == result.blobs_skipped
    assert second.get_job(job_id).status == "COMPLETED"
    dest = tmp_path / "r.out"
    second.get_files(BUCKET, {"r": dest})
    assert _same(src, dest)
    second.close()


def test_resume_get_after_the_client_died(emulator, make_file, tmp_path):
    src = make_file("g.bin", 800_000)
    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key) as c:
        c.put_bucket(BUCKET)
        c.put_files(BUCKET, {"g": src}, max_upload_size=100_000)
    dest = tmp_path / "g.out"
    seen = []

    class Crash(Exception):
        pass

    def progress(event):
        seen.append(event)
        if len(seen) == 2:
            raise Crash

    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key) as c:
        with pytest.raises(Crash):
            c.get_files(BUCKET, {"g": dest}, workers=1, progress=progress)
    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key) as c:
        result = c.get_files(BUCKET, {"g": dest}, job_id=seen[-1].job_id)
        assert result.job_id == seen[-1].job_id
    assert _same(src, dest)


def test_resume_refuses_a_job_of_the_other_kind(client, make_file):
    src = make_file("k.bin", 10)
    client.put_bucket(BUCKET)
    put = client.put_files(BUCKET, {"k": src})
    with pytest.raises(errors.InvalidRequestError, match="PUT job"):
        client.get_files(BUCKET, {"k": src}, job_id=put.job_id)


def test_cache_limit_forces_retry_after_waits(make_file, tmp_path):
    src = make_file("w.bin", 600_000)
    with DS3Emulator(cache_size_bytes=250_000, persist_delay_s=0.2) as emu, \
            ds3.Client(emu.endpoint, emu.access_key, emu.secret_key) as client:
        client.put_bucket(BUCKET)
        result = client.put_files(BUCKET, {"w": src}, max_upload_size=200_000, workers=2)
        assert result.blobs_transferred == 3
        assert result.retry_waits >= 1
        dest = tmp_path / "w.out"
        client.get_files(BUCKET, {"w": dest})
        assert _same(src, dest)


def test_server_errors_and_dropped_connections_are_retried(emulator, client, make_file,
                                                           tmp_path):
    src = make_file("f.bin", 700_000)
    client.put_bucket(BUCKET)
    emulator.set_faults(error_rate=0.25, drop_rate=0.1, retry_after_s=0, data_only=True,
                        seed=7)
    result = client.put_files(BUCKET, {"f": src}, max_upload_size=50_000, workers=4,
                              blob_retries=6)
    dest = tmp_path / "f.out"
    got = client.get_files(BUCKET, {"f": dest}, workers=4, blob_retries=6)
    emulator.set_faults()
    assert result.blobs_transferred == got.blobs_transferred == 14
    assert _same(src, dest)


def test_checksum_mismatch_on_get_is_detected(emulator, client, make_file, tmp_path):
    src = make_file("x.bin", 4096)
    client.put_bucket(BUCKET)
    client.put_files(BUCKET, {"x": src})
    stored = [p for p in Path(emulator.data_dir).rglob("*")
              if p.is_file() and p.stat().st_size == 4096 and p.read_bytes() == src.read_bytes()]
    assert len(stored) == 1
    data = bytearray(stored[0].read_bytes())
    data[100] ^= 0xFF
    stored[0].write_bytes(bytes(data))
    with pytest.raises(errors.IntegrityError, match="checksum"):
        client.get_files(BUCKET, {"x": tmp_path / "x.out"}, blob_retries=1)
    # Without verification the (corrupt) bytes arrive.
    client.get_files(BUCKET, {"x": tmp_path / "y.out"}, verify=False)
    assert (tmp_path / "y.out").read_bytes() == bytes(data)


def test_wrong_secret_is_permission_denied(emulator, make_file):
    src = make_file("p.bin", 10)
    with ds3.Client(emulator.endpoint, emulator.access_key, "wrong") as bad:
        with pytest.raises(errors.PermissionDeniedError) as info:
            bad.put_files(BUCKET, {"p": src})
    assert info.value.status == 403 and isinstance(info.value, PermissionError)


def test_missing_local_file_is_a_local_error(client, tmp_path):
    client.put_bucket(BUCKET)
    with pytest.raises(errors.LocalIOError):
        client.put_files(BUCKET, {"nope": tmp_path / "missing.bin"})


def test_a_thousand_objects_of_mixed_sizes(client, tmp_path, rng):
    src = tmp_path / "many"
    src.mkdir()
    files = {}
    for i in range(1000):
        size = 150_000 if i % 100 == 0 else rng.randrange(0, 8192)
        path = src / f"{i:04d}.bin"
        path.write_bytes(rng.randbytes(size))
        files[f"many/{i:04d}"] = path
    client.put_bucket(BUCKET)
    put = client.put_files(BUCKET, files, workers=16, max_upload_size=64 * 1024)
    assert put.blobs_total == 1000 + 10 * 2  # ten objects of three blobs
    assert sum(1 for _ in client.list_objects(BUCKET, prefix="many/")) == 1000
    out = tmp_path / "out"
    got = client.get_files(BUCKET, list(files), dest_dir=out, workers=16)
    assert got.bytes_transferred == put.bytes_total
    for name, path in files.items():
        assert (out / name).read_bytes() == path.read_bytes(), name


def test_buffers_instead_of_files(client, rng):
    payloads = {"m/one": rng.randbytes(150_000), "m/two": rng.randbytes(10), "m/three": b""}
    client.put_bucket(BUCKET)
    put = client.put_files(BUCKET, {k: memoryview(v) for k, v in payloads.items()},
                           max_upload_size=64 * 1024, checksum="md5")
    assert put.bytes_transferred == 150_010
    assert client.get_bytes(BUCKET, payloads) == payloads
    small = bytearray(5)
    with pytest.raises(errors.BufferTooSmallError):
        client.get_files(BUCKET, {"m/two": small})
    with pytest.raises(TypeError, match="writable"):
        client.get_files(BUCKET, {"m/two": b"0123456789"})


def _crc32c_b64(data: bytes) -> str:
    return base64.b64encode(auth.crc32c(data).to_bytes(4, "big")).decode()


def test_put_blob_checksums_whether_read_once_or_twice(client, make_file, tmp_path):
    # Blobs of at most 1 MiB are read into memory once, hashed and sent from there; larger
    # ones are hashed from the file and read again to send. One job holds both kinds.
    small = make_file("small.bin", 700_000)    # one blob, one pass
    large = make_file("large.bin", 2_500_000)  # 1.5 MB (two passes) + 1.0 MB (one pass)
    client.put_bucket(BUCKET)
    put = client.put_files(BUCKET, {"small": small, "large": large}, workers=2,
                           checksum="crc32c", max_upload_size=1_500_000)
    assert put.blobs_transferred == 3
    for name, src in (("small", small), ("large", large)):
        data = src.read_bytes()
        info = client.head_object(BUCKET, name)
        assert info.checksum_type == "CRC_32C"
        offsets = sorted(off for off, _ in info.blob_checksums)
        ends = [*offsets[1:], len(data)]
        want = {off: _crc32c_b64(data[off:end]) for off, end in zip(offsets, ends, strict=True)}
        assert dict(info.blob_checksums) == want, name
    out = tmp_path / "out"
    client.get_files(BUCKET, ["small", "large"], dest_dir=out)
    assert _same(small, out / "small") and _same(large, out / "large")


# One pass: every read of the file is the engine's own, so the short one is a LocalIOError.
# Two passes: the checksum read fails (LocalIOError) or, if it came first, the HTTP engine's
# check of the body range when it opens the file (InvalidRequestError), whichever happens.
@pytest.mark.parametrize(("blob", "expected"), [
    (65_536, (errors.LocalIOError,)),
    (1_200_000, (errors.LocalIOError, errors.InvalidRequestError)),
], ids=["one-pass", "two-pass"])
def test_a_file_that_shrinks_during_a_put_is_a_typed_error(client, make_file, blob, expected):
    src = make_file("shrinks.bin", 5 * blob)
    client.put_bucket(BUCKET)

    def progress(event):
        if event.blobs_done == 1:
            with open(src, "r+b") as f:
                f.truncate(1000)

    with pytest.raises(expected) as info:
        client.put_files(BUCKET, {"s": src}, workers=1, checksum="crc32c",
                         max_upload_size=blob, progress=progress)
    assert "shrinks.bin" in str(info.value)
