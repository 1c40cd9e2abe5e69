"""The issue's error cases, each followed by a check that nothing was lost or changed:
missing bucket → a FileNotFoundError subclass, bad secret → a PermissionError subclass,
deleting a non-empty bucket → a conflict. Through the modern client, the 1.x API and boto3
(the emulator's S3 subset)."""

from __future__ import annotations

import hashlib

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import ds3
from ds3 import ds3 as seed
from storewire import errors

BUCKET = "keep"


def _snapshot(client: ds3.Client, bucket: str) -> dict[str, str]:
    """{name: sha256 of the data} of every object of the bucket, read back from the server."""
    names = [obj.key for obj in client.list_objects(bucket)]
    data = client.get_bytes(bucket, names) if names else {}
    return {name: hashlib.sha256(data[name]).hexdigest() for name in names}


@pytest.fixture
def filled(client: ds3.Client, make_file) -> dict[str, str]:
    """BUCKET with a multi-blob object, small ones and an empty one; its snapshot."""
    files = {
        "big.bin": make_file("big.bin", 300_000),  # 5 blobs of 64 KiB
        "dir/a.txt": make_file("a.txt", 1000),
        "dir/b.txt": make_file("b.txt", 17),
        "empty": make_file("empty", 0),
    }
    client.put_bucket(BUCKET)
    result = client.put_files(BUCKET, files, max_upload_size=64 * 1024)
    assert result.blobs_total == 5 + 3
    before = _snapshot(client, BUCKET)
    assert sorted(before) == sorted(files)
    return before


def test_modern_client_errors_lose_nothing(emulator, client, filled, make_file, tmp_path):
    # deleting a non-empty bucket: a conflict, and every object is still there, intact
    with pytest.raises(errors.ConflictError) as conflict:
        client.delete_bucket(BUCKET)
    assert conflict.value.status == 409 and conflict.value.code
    assert _snapshot(client, BUCKET) == filled

    # a bad secret: refused before anything changes (reads, writes, deletes, bulk jobs)
    new = make_file("new.bin", 100_000)
    jobs = sorted(j.job_id for j in client.get_jobs())
    with ds3.Client(emulator.endpoint, emulator.access_key, "not-the-secret") as bad:
        for call in (
            lambda: bad.get_bucket(BUCKET),
            lambda: bad.put_object(BUCKET, "dir/a.txt", b"overwritten"),
            lambda: bad.put_object(BUCKET, "intruder", b"x"),
            lambda: bad.delete_object(BUCKET, "big.bin"),
            lambda: bad.delete_objects(BUCKET, ["dir/a.txt", "dir/b.txt"]),
            lambda: bad.delete_folder(BUCKET, "dir"),
            lambda: bad.delete_bucket(BUCKET, force=True),
            lambda: bad.put_files(BUCKET, {"new.bin": new}),
            lambda: bad.get_files(BUCKET, ["big.bin"], dest_dir=tmp_path / "stolen"),
        ):
            with pytest.raises(errors.PermissionDeniedError) as denied:
                call()
            assert isinstance(denied.value, PermissionError)
            assert denied.value.status == 403
    assert not (tmp_path / "stolen" / "big.bin").exists()
    # No job was started. (A GET job of the fixture may finish meanwhile: the emulator, like
    # an appliance, completes it once its last blob has gone out, so it may drop off.) Asked
    # before the snapshot below, whose own GET job may still be listed for a moment.
    assert set(j.job_id for j in client.get_jobs()) <= set(jobs)
    assert _snapshot(client, BUCKET) == filled

    # a missing bucket: not found, and nothing gets created by the attempt
    buckets = sorted(b.name for b in client.get_service())
    for call in (
        lambda: client.get_bucket("missing"),
        lambda: client.head_bucket("missing"),
        lambda: client.put_object("missing", "x", b"data"),
        lambda: client.get_object("missing", "x"),
        lambda: client.delete_bucket("missing"),
        lambda: client.put_files("missing", {"new.bin": new}),
        lambda: client.get_files("missing", ["big.bin"], dest_dir=tmp_path / "none"),
    ):
        with pytest.raises(errors.NotFoundError) as missing:
            call()
        assert isinstance(missing.value, FileNotFoundError)
        assert missing.value.status == 404
    assert sorted(b.name for b in client.get_service()) == buckets
    assert _snapshot(client, BUCKET) == filled

    # a missing object in an existing bucket: not found, the others untouched
    with pytest.raises(FileNotFoundError):
        client.get_files(BUCKET, ["big.bin", "nope"], dest_dir=tmp_path / "partial")
    assert _snapshot(client, BUCKET) == filled

    # emptied, the bucket goes
    client.delete_objects(BUCKET, list(filled))
    client.delete_bucket(BUCKET)
    assert not client.bucket_exists(BUCKET)


def test_1x_api_errors_lose_nothing(emulator, client, seed_client, filled):
    with pytest.raises(seed.Ds3Error) as conflict:
        seed_client.deleteBucket(BUCKET)
    assert conflict.value.statusCode == 409
    assert isinstance(conflict.value, errors.ConflictError)
    assert _snapshot(client, BUCKET) == filled

    bad = seed.Ds3Client(emulator.endpoint, seed.Credentials(emulator.access_key, "wrong"))
    for call in (lambda: bad.deleteObject(BUCKET, "big.bin"),
                 lambda: bad.putBulk(BUCKET, [("intruder", 10)]),
                 lambda: bad.deleteBucket(BUCKET)):
        with pytest.raises(seed.Ds3Error) as denied:
            call()
        assert denied.value.statusCode == 403
        assert isinstance(denied.value, PermissionError)
    assert _snapshot(client, BUCKET) == filled

    for call in (lambda: seed_client.getBucket("missing"),
                 lambda: seed_client.putBulk("missing", [("x", 10)]),
                 lambda: seed_client.deleteObject("missing", "x")):
        with pytest.raises(seed.Ds3Error) as missing:
            call()
        assert missing.value.statusCode == 404
        assert isinstance(missing.value, FileNotFoundError)
    assert "missing" not in [b.name for b in seed_client.getService()]
    assert _snapshot(client, BUCKET) == filled


def test_boto3_errors_lose_nothing(emulator, client, filled):
    def s3(secret: str):
        return boto3.client(
            "s3", endpoint_url=emulator.endpoint, region_name="us-east-1",
            aws_access_key_id=emulator.access_key, aws_secret_access_key=secret,
            config=Config(signature_version="s3", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}, proxies={}))

    good, bad = s3(emulator.secret_key), s3("wrong")
    try:
        with pytest.raises(ClientError) as conflict:
            good.delete_bucket(Bucket=BUCKET)
        assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert _snapshot(client, BUCKET) == filled

        for call in (lambda: bad.put_object(Bucket=BUCKET, Key="dir/a.txt", Body=b"changed"),
                     lambda: bad.delete_object(Bucket=BUCKET, Key="big.bin"),
                     lambda: bad.delete_bucket(Bucket=BUCKET)):
            with pytest.raises(ClientError) as denied:
                call()
            assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert _snapshot(client, BUCKET) == filled

        with pytest.raises(ClientError) as missing:
            good.put_object(Bucket="missing", Key="x", Body=b"data")
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert "missing" not in [b["Name"] for b in good.list_buckets()["Buckets"]]
        # and the peer reads back exactly what the DS3 client wrote
        body = good.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == filled["big.bin"]
    finally:
        good.close()
        bad.close()
