"""boto3 as a cross-check peer: it reads what storewire wrote, and vice versa."""

from __future__ import annotations

import hashlib

import pytest

from storewire.testing import pattern_bytes, write_pattern_file

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402


@pytest.fixture
def boto(s3server):
    client = boto3.client(
        "s3",
        endpoint_url=s3server.url,
        aws_access_key_id=s3server.access_key,
        aws_secret_access_key=s3server.secret_key,
        region_name=s3server.region,
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    yield client
    client.close()


def test_boto3_reads_what_storewire_wrote(s3client, boto, bucket, tmp_path):
    data = pattern_bytes(70_000, seed=31)
    s3client.put_object(bucket, "small key", data, metadata={"who": "storewire"})
    got = boto.get_object(Bucket=bucket, Key="small key")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"who": "storewire"}
    local = tmp_path / "big"
    write_pattern_file(local, 40 * 2**20 + 7, seed=32)
    s3client.upload_file(local, bucket, "big")
    body = boto.get_object(Bucket=bucket, Key="big")["Body"].read()
    assert hashlib.md5(body).digest() == hashlib.md5(local.read_bytes()).digest()
    keys = [o["Key"] for o in boto.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == ["big", "small key"]


def test_storewire_reads_what_boto3_wrote(s3client, boto, bucket, tmp_path):
    from boto3.s3.transfer import TransferConfig

    data = pattern_bytes(12_345, seed=33)
    boto.put_object(Bucket=bucket, Key="from/boto", Body=data, Metadata={"who": "boto3"})
    assert s3client.get_object(bucket, "from/boto") == data
    assert s3client.head_object(bucket, "from/boto").metadata == {"who": "boto3"}
    local = tmp_path / "big"
    write_pattern_file(local, 40 * 2**20 + 11, seed=34)
    # boto3's 8 MiB parts: storewire infers the part size to check the MD5-of-MD5s ETag.
    boto.upload_file(
        str(local),
        bucket,
        "boto-big",
        Config=TransferConfig(multipart_threshold=8 * 2**20, multipart_chunksize=8 * 2**20),
    )
    head = s3client.download_file(bucket, "boto-big", tmp_path / "back")
    assert head.etag.endswith("-6")
    assert (tmp_path / "back").read_bytes() == local.read_bytes()
