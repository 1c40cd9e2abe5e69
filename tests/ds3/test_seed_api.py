"""The ds3_python_sdk 1.x API (``from ds3 import ds3``): every method, its types and errors."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from ds3 import ds3
from storewire import errors

B = "python_test_bucket"


def _upload(client: ds3.Ds3Client, bucket: str, files: dict[str, Path]) -> ds3.Ds3BulkPlan:
    plan = client.putBulk(bucket, [(name, p.stat().st_size) for name, p in files.items()])
    for chunk in plan.chunks:
        allocated = client.allocateChunk(chunk.chunkId)
        for obj in allocated.chunk.objects:
            client.putObject(bucket, obj.name, obj.offset, obj.length, plan.jobId,
                             realFileName=str(files[obj.name]))
    return plan


def test_create_client_from_env_reads_the_variables(emulator, monkeypatch):
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("http_proxy", "")
    client = ds3.createClientFromEnv()
    assert client.endpoint == emulator.endpoint
    assert client.credentials.accessKey == emulator.access_key
    assert client.credentials.secretKey == emulator.secret_key
    assert client.proxy is None


@pytest.mark.parametrize("missing", ["DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"])
def test_create_client_from_env_names_the_missing_variable(emulator, monkeypatch, missing):
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ds3.Ds3Error) as info:
        ds3.createClientFromEnv()
    assert info.value.reason == f"Missing enviornment variable '{missing}'"
    assert isinstance(info.value, errors.StorageError)


def test_type_checks_raise_type_error(seed_client):
    with pytest.raises(TypeError, match="expected instance of type basestring, got instance "
                                        "of type int"):
        seed_client.putBucket(5)
    with pytest.raises(TypeError, match="expected instance of type Credentials"):
        ds3.Ds3Client("http://x", ("a", "b"))
    with pytest.raises(TypeError):
        seed_client.getBucket(B, maxKeys="10")
    with pytest.raises(TypeError):
        seed_client.getObjects(objType="BLOB")


def test_bucket_calls(seed_client):
    seed_client.putBucket(B)
    assert B in [b.name for b in seed_client.getService()]
    assert all(isinstance(b, ds3.Ds3Bucket) and b.creationDate for b in seed_client.getService())
    assert seed_client.headBucket(B) is None
    details = seed_client.getBucket(B)
    assert isinstance(details, ds3.Ds3BucketDetails)
    assert details.name == B and details.objects == [] and details.maxKeys == 1000
    assert details.isTruncated is False
    seed_client.deleteBucket(B)
    with pytest.raises(ds3.Ds3Error) as info:
        seed_client.headBucket(B)
    assert info.value.statusCode == 404
    assert isinstance(info.value, FileNotFoundError)


def test_readme_put_flow_with_get_bulk_and_metadata(seed_client, make_file, tmp_path):
    files = {"beowulf.txt": make_file("beowulf.txt", 150_000),
             "ulysses.txt": make_file("ulysses.txt", 90_000),
             "empty.txt": make_file("empty.txt", 0)}
    seed_client.putBucket(B)
    plan = _upload(seed_client, B, files)
    assert isinstance(plan, ds3.Ds3BulkPlan)
    assert plan.requestType == 0 and plan.status == 0 and plan.bucketName == B
    assert plan.originalSize == 240_000
    job = seed_client.getJob(plan.jobId)
    assert job.jobId == plan.jobId and job.status == 1  # COMPLETED

    listing = seed_client.getBucket(B)
    assert sorted(o.name for o in listing.objects) == sorted(files)
    sizes = {o.name: o.size for o in listing.objects}
    assert sizes["beowulf.txt"] == 150_000
    assert isinstance(listing.objects[0].owner, ds3.Ds3Owner)

    get_plan = seed_client.getBulk(B, ["beowulf.txt", "ulysses.txt"])
    assert get_plan.requestType == 1
    out = tmp_path / "out"
    out.mkdir()
    ready = seed_client.getAvailableChunks(get_plan.jobId)
    assert isinstance(ready, ds3.Ds3AvailableChunksResponse)
    assert ready.bulkPlan.chunks
    for chunk in ready.bulkPlan.chunks:
        assert isinstance(chunk, ds3.Ds3CacheList)
        for obj in chunk.objects:
            assert isinstance(obj, ds3.Ds3BulkObject) and obj.inCache in (True, False)
            meta = seed_client.getObject(B, obj.name, obj.offset, get_plan.jobId,
                                         str(out / obj.name))
            assert isinstance(meta, dict)
    for name in ("beowulf.txt", "ulysses.txt"):
        assert (out / name).read_bytes() == files[name].read_bytes()

    for obj in listing.objects:
        seed_client.deleteObject(B, obj.name)
    seed_client.deleteBucket(B)


def test_put_object_metadata_and_head_object(seed_client, make_file, tmp_path, monkeypatch):
    src = make_file("meta.bin", 1000)
    monkeypatch.chdir(src.parent)
    seed_client.putBucket(B)
    plan = seed_client.putBulk(B, [("meta.bin", 1000)])
    seed_client.putObject(B, "meta.bin", 0, 1000, plan.jobId,
                          metadata={"color": "blue", "tags": ["a", "b"]})
    meta = seed_client.headObject(B, "meta.bin")
    assert meta["color"] == ["blue"]
    assert meta["tags"] == ["b"]  # 1.x keeps one value per name
    os.chdir(tmp_path)
    got = seed_client.getObject(B, "meta.bin", 0, None)
    assert (tmp_path / "meta.bin").read_bytes() == src.read_bytes()
    assert got["color"] == ["blue"]


def test_listing_prefix_delimiter_and_paging(seed_client):
    seed_client.putBucket(B)
    names = [f"file{i}" for i in range(15)] + ["dir/a", "dir/b"]
    seed_client.putBulk(B, [(n, 0) for n in names])
    page = seed_client.getBucket(B, maxKeys=5)
    seen = [o.name for o in page.objects]
    assert page.isTruncated and page.nextMarker == seen[-1] and page.maxKeys == 5
    while page.isTruncated:
        page = seed_client.getBucket(B, nextMarker=page.nextMarker, maxKeys=5)
        seen += [o.name for o in page.objects]
    assert seen == sorted(names)
    assert page.nextMarker is None
    top = seed_client.getBucket(B, delimiter="/")
    assert top.commonPrefixes == ["dir/"] and top.delimiter == "/"
    assert [o.name for o in seed_client.getBucket(B, prefix="dir/").objects] == ["dir/a", "dir/b"]

    found = seed_client.getObjects(bucketName=B, name="file1%")
    assert all(isinstance(o, ds3.Ds3SearchObject) for o in found)
    assert [o.name for o in found] == sorted(n for n in names if n.startswith("file1"))
    assert found[0].type == "DATA"

    seed_client.deleteFolder(B, "dir")
    assert [o.name for o in seed_client.getBucket(B, prefix="dir/").objects] == []
    seed_client.deleteObjects(B, [f"file{i}" for i in range(15)])
    assert seed_client.getBucket(B).objects == []
    seed_client.deleteBucket(B)


def test_jobs_list_modify_and_delete(seed_client):
    seed_client.putBucket(B)
    plan = seed_client.putBulk(B, [("a", 10), ("b", 20)])
    jobs = seed_client.getJobs()
    assert plan.jobId in [j.jobId for j in jobs]
    assert all(isinstance(j, ds3.Ds3BulkPlan) for j in jobs)
    modified = seed_client.putJob(plan.jobId)
    assert modified.jobId == plan.jobId
    seed_client.deleteJob(plan.jobId)
    assert plan.jobId not in [j.jobId for j in seed_client.getJobs()]


def test_physical_placement_and_system_calls(seed_client):
    seed_client.putBucket(B)
    seed_client.putBulk(B, [("a", 0)])
    tapes = seed_client.getPhysicalPlacement(B, ["a"])
    assert isinstance(tapes, ds3.Ds3TapeList) and len(tapes) == 0 and tapes.tapes == []
    info = seed_client.getSystemInformation()
    assert isinstance(info, ds3.Ds3SystemInformation)
    assert info.apiVersion and info.serialNumber
    assert isinstance(info.buildInformation, ds3.Ds3BuildInformation)
    assert info.buildInformation.version
    health = seed_client.verifySystemHealth()
    assert isinstance(health, ds3.Ds3SystemHealthInformation)
    assert health.msRequiredToVerifyDataPlannerHealth >= 0
    with pytest.raises(ds3.Ds3Error) as info_err:
        seed_client.getPhysicalPlacement("no_such_bucket", ["a"])
    assert info_err.value.statusCode == 404


def test_errors_carry_the_1x_fields_and_storewire_types(emulator, seed_client):
    bad = ds3.Ds3Client(emulator.endpoint, ds3.Credentials(emulator.access_key, "wrong"))
    with pytest.raises(ds3.Ds3Error) as info:
        list(bad.getService())
    err = info.value
    assert err.statusCode == 403 and err.status == 403
    assert err.reason == "Got an unexpected status code."
    assert err.statusMessage == "Forbidden"
    assert "<Error>" in err.message
    assert isinstance(err, errors.PermissionDeniedError) and isinstance(err, PermissionError)
    assert str(err).startswith("Reason: Got an unexpected status code. | StatusCode: 403")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and again.statusCode == 403

    seed_client.putBucket(B)
    seed_client.putBulk(B, [("x", 0)])
    with pytest.raises(ds3.Ds3Error) as conflict:
        seed_client.deleteBucket(B)
    assert conflict.value.statusCode == 409
    assert isinstance(conflict.value, errors.ConflictError)

    with pytest.raises(ds3.Ds3Error) as missing:
        seed_client.getJob("00000000-0000-0000-0000-000000000000")
    assert missing.value.statusCode == 404

    unreachable = ds3.Ds3Client("http://127.0.0.1:9", ds3.Credentials("a", "b"))
    with pytest.raises(ds3.Ds3Error) as down:
        unreachable.putBucket(B)
    assert down.value.statusCode is None
    assert down.value.reason.startswith("Request failed:")
    assert isinstance(down.value, ConnectionError)


def test_empty_bulk_is_refused(seed_client):
    with pytest.raises(ds3.Ds3Error, match="requires a list of objects"):
        seed_client.putBulk(B, [])


def test_module_utilities():
    assert ds3.typeCheckString("x") == "x"
    assert ds3.ensureUTF8(b"\xc3\xbc") == "ü"
    assert ds3.enumCheckDs3ObjectType("FOLDER") == "FOLDER"
    assert ds3.checkExistence(None) is None and ds3.checkExistence("a") == "a"
    assert ds3.arrayToList(["a", "b"], 2, str.upper) == ["A", "B"]
    assert ds3.addMetadataToRequest(None, {"k": ["1", "2"]}) == [("k", "2")]
    assert ds3.extractMetadataFromResponse([("k", "1"), ("k", "2")]) == {"k": ["1", "2"]}
    assert ds3.typeCheckObjectList([("a", 1), "missing-file"]) == [("a", 1), ("missing-file", 0)]
    creds = ds3.Credentials("id", "key")
    assert (creds.accessKey, creds.secretKey) == ("id", "key")


def test_manual_client_construction_as_in_the_readme():
    client = ds3.Ds3Client("endpoint", ds3.Credentials("access_key", "secret_key"))
    assert client.endpoint == "endpoint" and client.proxy is None
    proxied = ds3.Ds3Client("http://h:1", ds3.Credentials("a", "b"), proxy="http://p:3128")
    assert proxied.proxy == "http://p:3128"


def test_seed_sample_flow_polls_available_chunks_with_retry_after(tmp_path, monkeypatch):
    """putBulk, then getAvailableChunks until every chunk was handled, sleeping
    retryAfter when none is ready (a small cache makes the server say so)."""
    import time

    from storewire.emulators.ds3 import DS3Emulator

    monkeypatch.chdir(tmp_path)
    sizes = {"beowulf.txt": 120_000, "sherlock_holmes.txt": 70_000, "ulysses.txt": 10}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(os.urandom(size))
    with DS3Emulator(cache_size_bytes=70_000, max_blob_bytes=64 * 1024,
                     persist_delay_s=0.2) as emu:
        client = ds3.Ds3Client(emu.endpoint, ds3.Credentials(emu.access_key, emu.secret_key))
        client.putBucket(B)
        plan = client.putBulk(B, list(sizes.items()))
        assert len(plan.chunks) >= 3
        handled: set[str] = set()
        waits = 0
        while len(handled) < len(plan.chunks):
            available = client.getAvailableChunks(plan.jobId)
            chunks = available.bulkPlan.chunks
            if not chunks:
                assert available.retryAfter >= 1
                waits += 1
                time.sleep(available.retryAfter)
                continue
            for chunk in chunks:
                if chunk.chunkId in handled:
                    continue
                for obj in chunk.objects:
                    if not obj.inCache:
                        client.putObject(B, obj.name, obj.offset, obj.length, plan.jobId)
                handled.add(chunk.chunkId)
        assert waits >= 1
        listing = client.getBucket(B)
        assert {o.name: o.size for o in listing.objects} == sizes
        for obj in listing.objects:
            client.deleteObject(B, obj.name)
        client.deleteBucket(B)
