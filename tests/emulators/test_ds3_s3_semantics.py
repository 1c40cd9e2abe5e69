"""The DS3 emulator's S3 object semantics where they are the emulator's own rules: which
buckets are S3-style (SigV4 CreateBucket, ``s3_buckets``) and which keep BlackPearl's
(409 on overwrite, 404 on deleting a missing key), copies through the DS3 SigV2 path, and
a data directory made before the S3 columns existed. (The S3 behaviour itself is proven
against radosgw in tests/s3/test_peer_*.py.)"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from ds3_client import DS3Raw

from storewire import cli
from storewire.emulators import serve as serve_module
from storewire.emulators.ds3 import DS3Emulator


def _boto(emu: DS3Emulator) -> Any:
    return boto3.client("s3", endpoint_url=emu.endpoint, region_name="us-east-1",
                        aws_access_key_id=emu.access_key,
                        aws_secret_access_key=emu.secret_key,
                        config=Config(retries={"max_attempts": 1}))


@pytest.fixture
def boto(ds3_emulator: DS3Emulator, clean_proxy_env: None) -> Iterator[Any]:
    client = _boto(ds3_emulator)
    yield client
    client.close()


def test_sigv4_buckets_are_s3_style_sigv2_buckets_keep_blackpearl_rules(
    boto: Any, ds3_c: DS3Raw
) -> None:
    boto.create_bucket(Bucket="s3b")
    assert ds3_c.request("PUT", "/ds3b").status == 200  # SigV2, as the DS3 SDKs sign
    for bucket in ("s3b", "ds3b"):
        boto.put_object(Bucket=bucket, Key="k", Body=b"one")
    boto.put_object(Bucket="s3b", Key="k", Body=b"two")
    assert boto.get_object(Bucket="s3b", Key="k")["Body"].read() == b"two"
    with pytest.raises(ClientError) as err:
        boto.put_object(Bucket="ds3b", Key="k", Body=b"two")
    assert err.value.response["Error"]["Code"] == "OBJECT_ALREADY_EXISTS"
    assert boto.get_object(Bucket="ds3b", Key="k")["Body"].read() == b"one"
    # deleting a missing key: 204 in S3, 404 on a BlackPearl (the C SDK relies on it)
    assert boto.delete_object(Bucket="s3b", Key="nope")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    assert ds3_c.request("DELETE", "/ds3b/nope").status == 404
    # the S3-style policy is one more data policy, visible to DS3 clients
    policies = ds3_c.request("GET", "/_rest_/data_policy").xml()
    names = [p.findtext("Name") for p in policies.iter("DataPolicy")]
    assert "S3 overwrite" in names
    buckets = {b.findtext("Name"): b.findtext("DataPolicyId")
               for b in ds3_c.request("GET", "/_rest_/bucket").xml().iter("Bucket")}
    assert buckets["s3b"] != buckets["ds3b"]


def test_s3_buckets_option_makes_every_new_bucket_s3_style(clean_proxy_env: None) -> None:
    with DS3Emulator(s3_buckets=True) as emu, DS3Raw(emu.endpoint, emu.access_key,
                                                     emu.secret_key) as c:
        assert c.request("PUT", "/viaput").status == 200
        assert c.request("POST", "/_rest_/bucket", "name=viarest").status == 201
        for bucket in ("viaput", "viarest"):
            assert c.request("PUT", f"/{bucket}/k", body=b"one").status == 200
            assert c.request("PUT", f"/{bucket}/k", body=b"two").status == 200
            assert c.request("GET", f"/{bucket}/k").body == b"two"
            assert c.request("DELETE", f"/{bucket}/gone").status == 204


def test_copy_over_sigv2_with_versions_and_errors(boto: Any, ds3_c: DS3Raw) -> None:
    boto.create_bucket(Bucket="b")
    boto.put_bucket_versioning(Bucket="b", VersioningConfiguration={"Status": "Enabled"})
    v1 = boto.put_object(Bucket="b", Key="src key", Body=b"first",
                         ContentType="text/plain")["VersionId"]
    boto.put_object(Bucket="b", Key="src key", Body=b"second")
    copied = boto.copy_object(Bucket="b", Key="old",
                              CopySource={"Bucket": "b", "Key": "src key", "VersionId": v1})
    assert copied["CopySourceVersionId"] == v1
    old = boto.get_object(Bucket="b", Key="old")
    assert (old["Body"].read(), old["ContentType"]) == (b"first", "text/plain")
    # the DS3 clients' SigV2 path: a copy is a copy there too
    r = ds3_c.request("PUT", "/b/v2copy", headers={"x-amz-copy-source": "/b/src%20key"})
    assert r.status == 200 and r.xml().tag == "CopyObjectResult"
    assert ds3_c.request("GET", "/b/v2copy").body == b"second"
    cases = [
        ({"x-amz-copy-source": "/nobucket/k"}, 404, "NoSuchBucket"),
        ({"x-amz-copy-source": "b"}, 400, "InvalidArgument"),
        ({"x-amz-copy-source": "/b/src%20key", "x-amz-metadata-directive": "MOVE"}, 400,
         "InvalidArgument"),
        ({"x-amz-copy-source": "/b/src%20key?versionId=nope"}, 404, "NoSuchVersion"),
    ]
    for headers, status, code in cases:
        r = ds3_c.request("PUT", "/b/target", headers=headers)
        assert (r.status, r.xml().findtext("Code")) == (status, code), headers
    upload = boto.create_multipart_upload(Bucket="b", Key="mp")["UploadId"]
    with pytest.raises(ClientError) as err:
        boto.upload_part_copy(Bucket="b", Key="mp", UploadId=upload, PartNumber=1,
                              CopySource={"Bucket": "b", "Key": "src key"},
                              CopySourceRange="bytes=0-99")
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    boto.abort_multipart_upload(Bucket="b", Key="mp", UploadId=upload)
    upload = boto.create_multipart_upload(Bucket="b", Key="mp2")["UploadId"]
    etag = boto.upload_part(Bucket="b", Key="mp2", UploadId=upload, PartNumber=1,
                            Body=b"part")["ETag"]
    done = boto.complete_multipart_upload(Bucket="b", Key="mp2", UploadId=upload,
                                          MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                      "ETag": etag}]})
    assert boto.head_object(Bucket="b", Key="mp2")["VersionId"] == done["VersionId"]


def test_copying_needs_read_on_the_source_bucket(ds3_emulator: DS3Emulator, boto: Any,
                                                 clean_proxy_env: None) -> None:
    boto.create_bucket(Bucket="private")
    boto.put_object(Bucket="private", Key="secret", Body=b"not yours")
    ds3_emulator.add_user("b3RoZXI=", "other-secret", "other")
    with DS3Raw(ds3_emulator.endpoint, "b3RoZXI=", "other-secret") as other:
        assert other.request("PUT", "/mine").status == 200
        r = other.request("PUT", "/mine/stolen", headers={"x-amz-copy-source": "/private/secret"})
        assert (r.status, r.xml().findtext("Code")) == (403, "AccessDenied")
        assert other.request("GET", "/mine/stolen").status == 404


def test_a_data_dir_from_before_the_s3_columns_opens(tmp_path: Path,
                                                     clean_proxy_env: None) -> None:
    with DS3Emulator(data_dir=tmp_path) as emu:
        with DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
            c.request("PUT", "/b")
            assert c.request("PUT", "/b/k", body=b"kept").status == 200
    db = sqlite3.connect(tmp_path / "ds3.sqlite3")
    for table, column in (("objects", "headers"), ("objects", "versioned"),
                          ("objects", "delete_marker"), ("buckets", "s3_versioning"),
                          ("uploads", "headers")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.commit()
    db.close()
    with DS3Emulator(data_dir=tmp_path) as emu:
        client = _boto(emu)
        try:
            got = client.get_object(Bucket="b", Key="k")
            assert got["Body"].read() == b"kept"
            assert got["ContentType"] == "application/octet-stream"
            client.put_object(Bucket="b", Key="typed", Body=b"x", ContentType="text/csv")
            assert client.head_object(Bucket="b", Key="typed")["ContentType"] == "text/csv"
        finally:
            client.close()


def test_storewire_serve_s3_buckets_flag(tmp_path: Path, clean_proxy_env: None) -> None:
    args = cli.build_parser().parse_args(
        ["serve", "--only", "ds3", "--ds3", "127.0.0.1:0", "--s3-buckets",
         "--env-file", str(tmp_path / "env")])
    assert args.s3_buckets is True
    stop = threading.Event()
    thread = threading.Thread(target=serve_module.serve, args=(args,),
                              kwargs={"stop": stop, "out": io.StringIO()})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "env").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = dict(line.split("=", 1) for line in (tmp_path / "env").read_text().splitlines())
        with DS3Raw(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"]) as c:
            assert c.request("PUT", "/b").status == 200  # SigV2, yet S3-style
            assert c.request("PUT", "/b/k", body=b"one").status == 200
            assert c.request("PUT", "/b/k", body=b"two").status == 200
            assert c.request("GET", "/b/k").body == b"two"
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
