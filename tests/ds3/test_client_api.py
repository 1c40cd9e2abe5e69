"""The modern ``ds3.Client``: single calls, metadata, ranges, listings, jobs, errors."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import ds3
from storewire import errors

B = "modern"


def test_object_round_trip_with_metadata_and_checksum(client):
    client.put_bucket(B)
    payload = os.urandom(10_000)
    client.put_object(B, "dir/a b ü+&=.bin", payload, metadata={"Color": "light blue",
                                                               "tags": ["x", "y"]},
                      checksum="md5")
    got = client.get_object(B, "dir/a b ü+&=.bin")
    assert got.body == payload and got.status == 200
    meta = client.get_metadata(B, "dir/a b ü+&=.bin")
    assert meta["color"] == ["light blue"] and meta["tags"] == ["x", "y"]
    assert ds3.metadata_dict(got)["color"] == ["light blue"]
    head = client.head_object(B, "dir/a b ü+&=.bin")
    assert head.size == 10_000 and head.checksum_type == "MD5" and head.etag


def test_ranges_buffers_and_files(client, tmp_path):
    client.put_bucket(B)
    payload = bytes(range(256)) * 100
    src = tmp_path / "src.bin"
    src.write_bytes(payload)
    client.put_object(B, "f", file=src, file_offset=256, length=1024)
    assert client.get_object(B, "f").body == payload[256:1280]
    part = client.get_object(B, "f", range="bytes=10-19")
    assert part.status == 206 and part.body == payload[266:276]
    multi = client.get_object(B, "f", range="bytes=0-1,10-11")
    assert multi.body == payload[256:258] + payload[266:268]
    buf = bytearray(1024)
    info = client.get_object(B, "f", into=buf)
    assert bytes(buf) == payload[256:1280] and info.body == b""
    dest = tmp_path / "dest.bin"
    client.get_object(B, "f", into_file=dest, into_offset=5)
    assert dest.read_bytes()[5:] == payload[256:1280]


def test_listing_pages_and_delete_objects(client):
    client.put_bucket(B)
    names = [f"k{i:03d}" for i in range(23)]
    client.start_bulk_put(B, [(n, 0) for n in names])
    assert [c.key for c in client.list_objects(B, page_size=5)] == names
    page = client.get_bucket(B, max_keys=10)
    assert page.is_truncated and page.next_marker == "k009" and len(page.objects) == 10
    result = client.delete_objects(B, [*names, "missing"])
    assert sorted(result.deleted) == names
    assert list(client.list_objects(B)) == []


def test_manual_job_flow_with_chunks(client, tmp_path):
    client.put_bucket(B)
    src = tmp_path / "m.bin"
    src.write_bytes(os.urandom(250_000))
    job = client.start_bulk_put(B, [("m", 250_000)], max_upload_size=100_000, name="manual",
                                priority="HIGH")
    assert job.request_type == "PUT" and job.name == "manual" and job.nodes
    blobs = [b for c in job.chunks for b in c.objects]
    assert [(b.offset, b.length) for b in blobs] == [(0, 100_000), (100_000, 100_000),
                                                     (200_000, 50_000)]
    allocation = client.allocate_chunk(job.chunks[0].chunk_id)
    assert allocation.allocated and allocation.chunk.chunk_id == job.chunks[0].chunk_id
    ready = client.get_available_chunks(job.job_id)
    assert ready.job.chunks and ready.retry_after_s == 0
    for b in blobs:
        client.put_object(B, "m", file=src, file_offset=b.offset, length=b.length,
                          job=job.job_id, offset=b.offset, checksum="crc32c")
    assert client.get_job(job.job_id).status == "COMPLETED"
    assert job.job_id not in [j.job_id for j in client.get_jobs()]
    get_job = client.start_bulk_get(B, ["m"], in_order=True)
    assert client.modify_job(get_job.job_id, priority="LOW").priority == "LOW"
    client.cancel_job(get_job.job_id)
    assert client.get_job(get_job.job_id).status == "CANCELED"


def test_errors_are_storewire_types(emulator, client):
    with pytest.raises(errors.NotFoundError) as missing:
        client.get_bucket("nope")
    assert isinstance(missing.value, FileNotFoundError)
    assert missing.value.status == 404 and missing.value.code
    assert missing.value.operation == "get_bucket"
    client.put_bucket(B)
    with pytest.raises(errors.ConflictError):
        client.put_bucket(B)
    client.put_object(B, "x", b"1")
    with pytest.raises(errors.ConflictError):
        client.delete_bucket(B)
    client.delete_bucket(B, force=True)
    assert not client.bucket_exists(B)
    with pytest.raises(errors.NotFoundError):
        client.get_object(B, "x")
    with ds3.Client(emulator.endpoint, emulator.access_key, "wrong") as bad:
        with pytest.raises(errors.PermissionDeniedError) as denied:
            bad.get_service()
    assert denied.value.status == 403
    with pytest.raises(errors.InvalidRequestError):
        client.put_object(B, "", b"")


def test_system_calls(client):
    info = client.get_system_information()
    assert info.api_version and info.serial_number and info.build_information.version
    assert client.get_system_health().database_filesystem_free_space == "NORMAL"
    assert client.get_physical_placement


def test_ctrl_c_interrupts_a_bulk_transfer(emulator, client, tmp_path):
    client.put_bucket(B)
    src = tmp_path / "slow.bin"
    src.write_bytes(os.urandom(200_000))
    emulator.set_faults(delay_s=0.2, data_only=True)
    main = threading.get_ident()
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.put_files(B, {"slow": src}, workers=1, max_upload_size=10_000)
    finally:
        timer.cancel()
        emulator.set_faults()
    assert time.monotonic() - started < 3


def test_get_files_refuses_names_that_escape_dest_dir(client, tmp_path):
    with pytest.raises(ValueError, match="outside"):
        client.get_files(B, ["../evil"], dest_dir=tmp_path / "d")


def test_allocate_answers_retry_after_when_the_cache_is_full(tmp_path):
    from storewire.emulators.ds3 import DS3Emulator

    src = tmp_path / "c.bin"
    src.write_bytes(os.urandom(200_000))
    with DS3Emulator(cache_size_bytes=100_000, persist_delay_s=0.5) as emu, \
            ds3.Client(emu.endpoint, emu.access_key, emu.secret_key) as client:
        client.put_bucket(B)
        job = client.start_bulk_put(B, [("c", 200_000)], max_upload_size=100_000)
        first, second = job.chunks
        assert client.allocate_chunk(first.chunk_id).allocated
        blocked = client.allocate_chunk(second.chunk_id)
        assert not blocked.allocated and blocked.retry_after_s >= 1
        blob = first.objects[0]
        client.put_object(B, "c", file=src, file_offset=blob.offset, length=blob.length,
                          job=job.job_id, offset=blob.offset)
        # The 1.x allocateChunk waits out the Retry-After and then succeeds.
        from ds3 import ds3 as seed

        legacy = seed.Ds3Client(emu.endpoint, seed.Credentials(emu.access_key, emu.secret_key))
        started = time.monotonic()
        answer = legacy.allocateChunk(second.chunk_id)
        assert time.monotonic() - started >= 0.5
        assert answer.chunk.chunkId == second.chunk_id
        assert [o.offset for o in answer.chunk.objects] == [100_000]


def test_close_from_another_thread_ends_a_running_transfer(emulator, tmp_path):
    src = tmp_path / "long.bin"
    src.write_bytes(os.urandom(100_000))
    client = ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key)
    client.put_bucket(B)
    emulator.set_faults(delay_s=0.1, data_only=True)
    timer = threading.Timer(0.3, client.close)
    timer.start()
    try:
        with pytest.raises(errors.StorageError):
            client.put_files(B, {"long": src}, workers=2, max_upload_size=5_000)
    finally:
        timer.join()
        emulator.set_faults()
    with pytest.raises(errors.InvalidRequestError, match="closed"):
        client.get_service()
