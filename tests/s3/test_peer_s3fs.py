"""s3fs (PyPI, fsspec on aiobotocore, SigV4) doing the common S3 calls, each test run
against radosgw and against the DS3 emulator with the same assertions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import s3fs
from peer_support import boto3_client, remove_bucket

from storewire.testing import pattern_bytes

MiB = 1 << 20


@pytest.fixture
def fs(s3server: Any) -> Iterator[s3fs.S3FileSystem]:
    filesystem = s3fs.S3FileSystem(
        key=s3server.access_key, secret=s3server.secret_key, skip_instance_cache=True,
        use_listings_cache=False,
        client_kwargs={"endpoint_url": s3server.url},  # (a region becomes a LocationConstraint)
        config_kwargs={"retries": {"max_attempts": 1}},
    )
    yield filesystem
    s3fs.S3FileSystem.close_session(filesystem.loop, filesystem.s3)


@pytest.fixture
def bucket(fs: s3fs.S3FileSystem) -> Iterator[str]:
    name = f"fs-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    yield name
    fs.invalidate_cache()
    if fs.exists(name):
        fs.rm(name, recursive=True)


def test_bucket_create_list_delete(fs: s3fs.S3FileSystem) -> None:
    name = f"fs-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    assert name in fs.ls("")
    fs.pipe(f"{name}/a", b"x")
    fs.rm(name, recursive=True)  # the objects (batch delete), then the bucket
    assert name not in fs.ls("", refresh=True)
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{name}/a")


def test_files_ranges_listing_copy_and_batch_delete(fs: s3fs.S3FileSystem, bucket: str,
                                                    tmp_path: Path) -> None:
    data = pattern_bytes(200_000, seed=21)
    fs.pipe(f"{bucket}/dir/a.bin", data)
    assert fs.cat_file(f"{bucket}/dir/a.bin", start=10, end=20) == data[10:20]
    with fs.open(f"{bucket}/dir/a.bin", "rb", block_size=64 * 1024) as f:
        f.seek(150_000)
        assert f.read(100) == data[150_000:150_100]
    info = fs.info(f"{bucket}/dir/a.bin")
    assert info["size"] == len(data) and info["type"] == "file"
    with pytest.raises(FileNotFoundError):
        fs.info(f"{bucket}/dir/missing")
    for i in range(5):
        fs.pipe(f"{bucket}/dir/sub/{i}", b"%d" % i)
    assert fs.ls(f"{bucket}/dir", detail=False) == [f"{bucket}/dir/a.bin", f"{bucket}/dir/sub"]
    assert fs.find(f"{bucket}/dir/sub") == [f"{bucket}/dir/sub/{i}" for i in range(5)]
    fs.copy(f"{bucket}/dir/a.bin", f"{bucket}/copied.bin")  # server-side CopyObject
    assert fs.cat(f"{bucket}/copied.bin") == data
    local = tmp_path / "big.bin"
    local.write_bytes(pattern_bytes(6 * MiB, seed=22))
    fs.put_file(str(local), f"{bucket}/big.bin", chunksize=5 * MiB)  # multipart
    fs.get_file(f"{bucket}/big.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == local.read_bytes()
    fs.setxattr(f"{bucket}/copied.bin", color="red")  # a self-copy with REPLACE
    assert fs.getxattr(f"{bucket}/copied.bin", "color") == "red"
    assert fs.cat(f"{bucket}/copied.bin") == data
    fs.rm(f"{bucket}/dir", recursive=True)  # one DeleteObjects call
    assert fs.find(bucket) == [f"{bucket}/big.bin", f"{bucket}/copied.bin"]


def test_versions(fs: s3fs.S3FileSystem, bucket: str, s3server: Any) -> None:
    aware = s3fs.S3FileSystem(
        key=s3server.access_key, secret=s3server.secret_key, skip_instance_cache=True,
        version_aware=True, use_listings_cache=False,
        client_kwargs={"endpoint_url": s3server.url},  # (a region becomes a LocationConstraint)
    )
    try:
        aware.make_bucket_versioned(bucket)
        assert aware.is_bucket_versioned(bucket)
        aware.pipe(f"{bucket}/k", b"one")
        first = aware.info(f"{bucket}/k")["VersionId"]
        aware.pipe(f"{bucket}/k", b"two")
        versions = aware.object_version_info(f"{bucket}/k")
        assert len(versions) == 2 and first in [v["VersionId"] for v in versions]
        assert aware.cat_file(f"{bucket}/k", version_id=first) == b"one"
        assert aware.cat(f"{bucket}/k") == b"two"
        aware.rm(f"{bucket}/k")  # a delete marker; the versions stay
        assert not aware.exists(f"{bucket}/k")
        assert len(aware.object_version_info(f"{bucket}/k")) == 2
    finally:
        s3fs.S3FileSystem.close_session(aware.loop, aware.s3)
        boto = boto3_client(s3server)
        remove_bucket(boto, bucket)  # every version (s3fs cannot delete versions)
        boto.close()
