"""minio-py (PyPI ``minio``, SigV4) doing the common S3 calls, each test run against
radosgw and against the DS3 emulator with the same assertions."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from minio import Minio
from minio.commonconfig import ENABLED, REPLACE, ComposeSource, CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig
from peer_support import fetch

from storewire.testing import pattern_bytes

MiB = 1 << 20


@pytest.fixture
def mc(s3server: Any) -> Iterator[Minio]:
    client = Minio(s3server.host, access_key=s3server.access_key,
                   secret_key=s3server.secret_key, secure=False, region=s3server.region)
    yield client
    client._http.clear()  # the pool's connections (minio has no close())


@pytest.fixture
def bucket(mc: Minio) -> Iterator[str]:
    name = f"minio-{uuid.uuid4().hex[:12]}"
    mc.make_bucket(name)
    yield name
    for obj in mc.list_objects(name, recursive=True, include_version=True):
        mc.remove_object(name, obj.object_name, version_id=obj.version_id)
    mc.remove_bucket(name)


def _put(mc: Minio, bucket: str, key: str, data: bytes, **kw: Any) -> Any:
    return mc.put_object(bucket, key, io.BytesIO(data), len(data), **kw)


def test_buckets_and_error_codes(mc: Minio) -> None:
    name = f"minio-{uuid.uuid4().hex[:12]}"
    assert not mc.bucket_exists(name)
    mc.make_bucket(name)
    assert mc.bucket_exists(name)
    assert name in [b.name for b in mc.list_buckets()]
    with pytest.raises(S3Error) as err:  # the S3 error code reaches minio (application/xml)
        mc.get_object(name, "missing")
    assert err.value.code == "NoSuchKey"
    mc.remove_bucket(name)
    with pytest.raises(S3Error) as err:
        mc.remove_bucket(name)
    assert err.value.code == "NoSuchBucket"


def test_put_stat_get_ranges_listing(mc: Minio, bucket: str) -> None:
    data = pattern_bytes(50_000, seed=11)
    _put(mc, bucket, "dir/ä b.bin", data, content_type="application/x-test",
         metadata={"x-amz-meta-tag": "v1"})
    stat = mc.stat_object(bucket, "dir/ä b.bin")
    assert (stat.size, stat.content_type) == (len(data), "application/x-test")
    assert stat.metadata["x-amz-meta-tag"] == "v1"
    resp = mc.get_object(bucket, "dir/ä b.bin", offset=1000, length=500)
    try:
        assert resp.read() == data[1000:1500]
    finally:
        resp.close()
        resp.release_conn()
    for i in range(7):
        _put(mc, bucket, f"list/{i}", b"%d" % i)
    names = [o.object_name for o in mc.list_objects(bucket, prefix="list/", recursive=True)]
    assert names == [f"list/{i}" for i in range(7)]
    v1 = [o.object_name for o in mc.list_objects(bucket, prefix="list/", use_api_v1=True,
                                                 start_after="list/4")]
    assert v1 == ["list/5", "list/6"]
    top = [(o.object_name, o.is_dir) for o in mc.list_objects(bucket)]
    assert top == [("dir/", True), ("list/", True)]


def test_multipart_copy_compose_presign_and_batch_delete(mc: Minio, bucket: str) -> None:
    big = pattern_bytes(6 * MiB, seed=12)
    _put(mc, bucket, "big", big, part_size=5 * MiB)  # multipart: 2 parts
    assert mc.stat_object(bucket, "big").etag.endswith("-2")
    mc.copy_object(bucket, "big-copy", CopySource(bucket, "big"))
    got = mc.get_object(bucket, "big-copy")
    try:
        assert got.read() == big
    finally:
        got.close()
        got.release_conn()
    mc.copy_object(bucket, "renamed", CopySource(bucket, "big-copy"),
                   metadata={"x-amz-meta-new": "yes"}, metadata_directive=REPLACE)
    assert mc.stat_object(bucket, "renamed").metadata["x-amz-meta-new"] == "yes"
    # compose_object uploads the sources with UploadPartCopy (ranges of "big")
    mc.compose_object(bucket, "composed", [
        ComposeSource(bucket, "big", offset=0, length=5 * MiB),
        ComposeSource(bucket, "big", offset=5 * MiB, length=1000),
    ])
    composed = mc.get_object(bucket, "composed")
    try:
        assert composed.read() == big[: 5 * MiB + 1000]
    finally:
        composed.close()
        composed.release_conn()
    url = mc.presigned_get_object(bucket, "composed", expires=timedelta(minutes=5))
    status, body = fetch(url)
    assert status == 200 and body == big[: 5 * MiB + 1000]
    put_url = mc.presigned_put_object(bucket, "via-url", expires=timedelta(minutes=5))
    assert fetch(put_url, "PUT", b"presigned")[0] == 200
    assert mc.stat_object(bucket, "via-url").size == len(b"presigned")
    names = ("big", "big-copy", "renamed", "composed", "via-url")
    errors = list(mc.remove_objects(bucket, [DeleteObject(n) for n in names]))
    assert errors == []
    assert [o.object_name for o in mc.list_objects(bucket)] == []


def test_versioning(mc: Minio, bucket: str) -> None:
    mc.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    assert mc.get_bucket_versioning(bucket).status == ENABLED
    first = _put(mc, bucket, "k", b"one").version_id
    second = _put(mc, bucket, "k", b"two").version_id
    assert first and second and first != second
    listed = [(o.object_name, o.version_id, o.is_latest, o.is_delete_marker)
              for o in mc.list_objects(bucket, include_version=True)]
    assert listed == [("k", second, "true", False), ("k", first, "false", False)]
    old = mc.get_object(bucket, "k", version_id=first)
    try:
        assert old.read() == b"one"
    finally:
        old.close()
        old.release_conn()
    mc.remove_object(bucket, "k")
    with pytest.raises(S3Error) as err:
        mc.stat_object(bucket, "k")
    assert err.value.code in ("NoSuchKey", "ResourceNotFound")
    markers = [o for o in mc.list_objects(bucket, include_version=True) if o.is_delete_marker]
    assert len(markers) == 1 and markers[0].is_latest == "true"
