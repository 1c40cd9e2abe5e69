"""boto3 as a real S3 peer of the DS3 emulator's S3 subset: boto3's default configuration
(SigV4, payload signed), plus SigV2 (``signature_version="s3"``), which the DS3 SDKs use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from storewire.emulators.ds3 import DS3Emulator


def _client(emu: DS3Emulator, signature_version: str | None = None, secret: str | None = None
            ) -> Any:
    """boto3 with its defaults; only retries are off (and SigV2 where asked)."""
    return boto3.client(
        "s3",
        endpoint_url=emu.endpoint,
        region_name="us-east-1",
        aws_access_key_id=emu.access_key,
        aws_secret_access_key=emu.secret_key if secret is None else secret,
        config=Config(signature_version=signature_version, retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def s3(ds3_emulator: DS3Emulator, clean_proxy_env: None) -> Iterator[Any]:
    client = _client(ds3_emulator)
    yield client
    client.close()


def test_sigv2_put_get_list_delete(ds3_emulator: DS3Emulator, clean_proxy_env: None) -> None:
    """SigV2 keeps working beside SigV4 (path-style, as the DS3 SDKs address buckets)."""
    client = boto3.client(
        "s3", endpoint_url=ds3_emulator.endpoint, region_name="us-east-1",
        aws_access_key_id=ds3_emulator.access_key,
        aws_secret_access_key=ds3_emulator.secret_key,
        config=Config(signature_version="s3", s3={"addressing_style": "path"},
                      retries={"total_max_attempts": 1}),
    )
    sent: list[bytes] = []
    client.meta.events.register(
        "before-send.s3.*", lambda request, **_: sent.append(request.headers["Authorization"]))
    try:
        client.create_bucket(Bucket="v2")
        client.put_object(Bucket="v2", Key="dir/a b.txt", Body=b"v2 data", Metadata={"m": "1"})
        assert client.get_object(Bucket="v2", Key="dir/a b.txt")["Body"].read() == b"v2 data"
        assert client.head_object(Bucket="v2", Key="dir/a b.txt")["Metadata"] == {"m": "1"}
        assert [o["Key"] for o in client.list_objects_v2(Bucket="v2")["Contents"]] == \
            ["dir/a b.txt"]
        client.delete_object(Bucket="v2", Key="dir/a b.txt")
        client.delete_bucket(Bucket="v2")
        assert sent and all(a.startswith(b"AWS ") for a in sent)
    finally:
        client.close()


def test_buckets(s3: Any) -> None:
    s3.create_bucket(Bucket="peer")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["peer"]
    s3.head_bucket(Bucket="peer")
    with pytest.raises(ClientError) as err:
        s3.create_bucket(Bucket="peer")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    s3.delete_bucket(Bucket="peer")
    with pytest.raises(ClientError) as err:
        s3.head_bucket(Bucket="peer")
    assert err.value.response["Error"]["Code"] == "404"


def test_objects_metadata_ranges_listing_and_delete(s3: Any) -> None:
    s3.create_bucket(Bucket="peer")
    data = bytes(range(256)) * 100
    put = s3.put_object(
        Bucket="peer", Key="dir/a b+c.txt", Body=data, Metadata={"color": "blue", "owner": "x"}
    )
    assert put["ETag"].strip('"')
    head = s3.head_object(Bucket="peer", Key="dir/a b+c.txt")
    assert head["ContentLength"] == len(data)
    assert head["Metadata"] == {"color": "blue", "owner": "x"}
    assert head["ETag"] == put["ETag"]
    got = s3.get_object(Bucket="peer", Key="dir/a b+c.txt")
    assert got["Body"].read() == data and got["Metadata"]["color"] == "blue"
    part = s3.get_object(Bucket="peer", Key="dir/a b+c.txt", Range="bytes=100-199")
    assert part["Body"].read() == data[100:200] and part["ContentRange"] == "bytes 100-199/25600"
    for i in range(5):
        s3.put_object(Bucket="peer", Key=f"k{i}", Body=b"%d" % i)
    page = s3.list_objects(Bucket="peer", Delimiter="/", MaxKeys=3)
    assert [c["Key"] for c in page["Contents"]] == ["k0", "k1"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["dir/"]
    assert page["IsTruncated"] is True
    keys = [
        o["Key"]
        for p in s3.get_paginator("list_objects").paginate(Bucket="peer", MaxKeys=2)
        for o in p.get("Contents", [])
    ]
    assert keys == ["dir/a b+c.txt", "k0", "k1", "k2", "k3", "k4"]
    keys_v2 = [
        o["Key"]
        for p in s3.get_paginator("list_objects_v2").paginate(Bucket="peer", MaxKeys=2)
        for o in p.get("Contents", [])
    ]
    assert keys_v2 == keys
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="peer", Key="nope")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"
    deleted = s3.delete_objects(Bucket="peer", Delete={"Objects": [{"Key": "k0"}, {"Key": "k1"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["k0", "k1"]
    s3.delete_object(Bucket="peer", Key="k2")
    left = [o["Key"] for o in s3.list_objects(Bucket="peer")["Contents"]]
    assert left == ["dir/a b+c.txt", "k3", "k4"]


@pytest.mark.parametrize("signature_version", [None, "s3"])
def test_wrong_secret_is_refused(
    ds3_emulator: DS3Emulator, clean_proxy_env: None, signature_version: str | None
) -> None:
    client = _client(ds3_emulator, signature_version, secret="wrong")
    try:
        with pytest.raises(ClientError) as err:
            client.list_buckets()
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    finally:
        client.close()


def test_multipart_upload_file_and_download(s3: Any, tmp_path: Any) -> None:
    from boto3.s3.transfer import TransferConfig

    s3.create_bucket(Bucket="peer")
    source = tmp_path / "src.bin"
    data = bytes(range(256)) * (12 * 4096 + 3)  # ~12.6 MB → 3 parts of 5 MiB
    source.write_bytes(data)
    config = TransferConfig(
        multipart_threshold=5 << 20, multipart_chunksize=5 << 20, max_concurrency=3
    )
    s3.upload_file(
        str(source),
        "peer",
        "multi/part.bin",
        Config=config,
        ExtraArgs={"Metadata": {"kind": "multipart"}},
    )
    head = s3.head_object(Bucket="peer", Key="multi/part.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    assert head["Metadata"] == {"kind": "multipart"}
    target = tmp_path / "dst.bin"
    s3.download_file("peer", "multi/part.bin", str(target), Config=config)
    assert target.read_bytes() == data
    upload = s3.create_multipart_upload(Bucket="peer", Key="aborted")
    s3.upload_part(
        Bucket="peer", Key="aborted", UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 100
    )
    assert [
        p["PartNumber"]
        for p in s3.list_parts(Bucket="peer", Key="aborted", UploadId=upload["UploadId"])["Parts"]
    ] == [1]
    s3.abort_multipart_upload(Bucket="peer", Key="aborted", UploadId=upload["UploadId"])
    assert [o["Key"] for o in s3.list_objects(Bucket="peer")["Contents"]] == ["multi/part.bin"]
