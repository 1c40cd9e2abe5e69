"""The modern ``s3.Client`` against radosgw: buckets, objects, listing, presigned URLs,
SigV2, and large files (parallel multipart up, parallel ranged GETs down)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import s3
from storewire import errors
from storewire._native import http
from storewire.testing import pattern_bytes, write_pattern_file


def test_bucket_management(s3client: s3.Client, new_bucket_name: str):
    assert not s3client.bucket_exists(new_bucket_name)
    s3client.create_bucket(new_bucket_name)
    try:
        assert s3client.bucket_exists(new_bucket_name)
        assert new_bucket_name in [b.name for b in s3client.list_buckets()]
        s3client.put_object(new_bucket_name, "k", b"x")
        with pytest.raises(errors.ConflictError) as info:
            s3client.delete_bucket(new_bucket_name)
        assert info.value.code == "BucketNotEmpty"
        s3client.delete_object(new_bucket_name, "k")
    finally:
        s3client.delete_bucket(new_bucket_name)
    assert not s3client.bucket_exists(new_bucket_name)
    assert new_bucket_name not in [b.name for b in s3client.list_buckets()]
    with pytest.raises(errors.NotFoundError):
        s3client.delete_bucket(new_bucket_name)


def test_put_get_head_delete_with_metadata(s3client: s3.Client, bucket: str):
    key = "dir/ünï cödé+%&=?.txt"
    data = pattern_bytes(50_000, seed=4)
    etag = s3client.put_object(
        bucket, key, data, metadata={"state": "new"}, headers={"Content-Type": "text/plain"}
    )
    assert etag == hashlib.md5(data).hexdigest()
    head = s3client.head_object(bucket, key)
    assert head.size == len(data) and head.etag == etag
    assert head.metadata == {"state": "new"}
    assert head.content_type == "text/plain"
    assert s3client.get_object(bucket, key) == data
    assert s3client.get_object(bucket, key, range_bytes=(10, 19)) == data[10:20]
    s3client.delete_object(bucket, key)
    assert not s3client.object_exists(bucket, key)


def test_buffers_of_any_kind(s3client: s3.Client, bucket: str):
    data = pattern_bytes(10_000, seed=5)
    for i, buf in enumerate((data, bytearray(data), memoryview(data))):
        s3client.put_object(bucket, f"b{i}", buf)
        assert s3client.get_object(bucket, f"b{i}") == data


def test_copy_object(s3client: s3.Client, bucket: str):
    s3client.put_object(bucket, "src", b"payload", metadata={"a": "1"})
    s3client.copy_object(bucket, "src", bucket, "same-meta")
    assert s3client.head_object(bucket, "same-meta").metadata == {"a": "1"}
    s3client.copy_object(bucket, "src", bucket, "new-meta", metadata={"b": "2"})
    assert s3client.head_object(bucket, "new-meta").metadata == {"b": "2"}
    assert s3client.get_object(bucket, "new-meta") == b"payload"
    with pytest.raises(errors.NotFoundError):
        s3client.copy_object(bucket, "missing", bucket, "x")


def test_listing_prefix_delimiter_and_paging(s3client: s3.Client, bucket: str):
    keys = [f"logs/2024/{i:03d}" for i in range(23)] + ["logs/readme", "other/x", "top"]
    s3client.put_objects(bucket, [(k, k.encode()) for k in keys])
    assert sorted(o.key for o in s3client.list_objects(bucket)) == sorted(keys)
    page = s3client.list_objects_page(bucket, prefix="logs/2024/", max_keys=10)
    assert len(page.objects) == 10 and page.is_truncated and page.next_token
    listed = list(s3client.list_objects(bucket, prefix="logs/2024/", page_size=10))
    assert [o.key for o in listed] == sorted(k for k in keys if k.startswith("logs/2024/"))
    assert all(o.size == len(o.key) for o in listed)
    assert sorted(s3client.list_prefixes(bucket)) == ["logs/", "other/"]
    assert sorted(s3client.list_prefixes(bucket, prefix="logs/")) == ["logs/2024/"]
    top = s3client.list_objects_page(bucket, delimiter="/")
    assert [o.key for o in top.objects] == ["top"]


def test_delete_many_and_get_many(s3client: s3.Client, bucket: str):
    keys = [f"k{i:04d}" for i in range(1200)]
    items = [(k, pattern_bytes(100, seed=i)) for i, k in enumerate(keys)]
    s3client.put_objects(bucket, items)
    bodies = list(s3client.get_many(bucket, keys[:50]).values())
    assert bodies == [v for _, v in items[:50]]
    assert s3client.delete_objects(bucket, keys) == []
    assert list(s3client.list_objects(bucket)) == []


@pytest.mark.parametrize("version", ["v4", "v2"])
def test_presigned_url_fetched_with_native_client(client_factory, bucket, version):
    client = client_factory(signature_version=version)
    client.put_object(bucket, "shared file.bin", b"presigned!")
    url = client.presign("GET", bucket, "shared file.bin", expires_s=300)
    with http.Client() as plain:
        resp = plain.request("GET", url)
        assert resp.status == 200 and resp.body == b"presigned!"
        tampered = url.replace("shared%20file.bin", "other.bin")
        assert plain.request("GET", tampered).status == 403
    put_url = client.presign("PUT", bucket, "uploaded", expires_s=300)
    with http.Client() as plain:
        assert plain.request("PUT", put_url, body=b"via url").status == 200
    assert client.get_object(bucket, "uploaded") == b"via url"


def test_sigv2_client_round_trip(client_factory, bucket, tmp_path):
    client = client_factory(
        signature_version="v2", multipart_threshold_bytes=6 * 2**20, part_size_bytes=5 * 2**20
    )
    client.put_object(bucket, "a b/c", b"v2 data", metadata={"m": "v"})
    assert client.get_object(bucket, "a b/c") == b"v2 data"
    assert client.head_object(bucket, "a b/c").metadata == {"m": "v"}
    assert [o.key for o in client.list_objects(bucket, prefix="a ")] == ["a b/c"]
    local = tmp_path / "f"
    write_pattern_file(local, 11 * 2**20, seed=9)
    client.upload_file(local, bucket, "mp")
    client.download_file(bucket, "mp", tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == local.read_bytes()


def test_wrong_keys_are_refused(client_factory, bucket):
    with pytest.raises(PermissionError) as info:
        client_factory(secret_key="nope-nope").put_object(bucket, "k", b"x")
    assert info.value.code == "SignatureDoesNotMatch"
    with pytest.raises(errors.PermissionDeniedError) as info2:
        client_factory(access_key="unknownkey").get_object(bucket, "k")
    assert info2.value.code == "InvalidAccessKeyId"


@pytest.mark.slow
def test_large_file_multipart_and_parallel_ranged_download(client_factory, bucket, tmp_path):
    size = 150 * 2**20 + 4321
    local = tmp_path / "large"
    digest = write_pattern_file(local, size, seed=21)
    client = client_factory(multipart_threshold_bytes=32 * 2**20, part_size_bytes=16 * 2**20)
    seen = []
    etag = client.upload_file(
        local, bucket, "large", metadata={"kind": "big"}, progress=seen.append
    )
    assert sum(seen) == size and len(seen) == 10
    assert etag.endswith("-10")
    assert client.list_multipart_uploads(bucket) == []
    got = []
    head = client.download_file(bucket, "large", tmp_path / "back", progress=got.append)
    assert head.size == size and head.metadata == {"kind": "big"}
    assert sum(got) == size and len(got) > 10  # parallel ranged GETs, within part bounds
    assert hashlib.sha256((tmp_path / "back").read_bytes()).hexdigest() == digest


def test_small_file_single_put_and_empty_file(s3client: s3.Client, bucket: str, tmp_path: Path):
    local = tmp_path / "small"
    write_pattern_file(local, 300_000, seed=2)
    etag = s3client.upload_file(local, bucket, "small")
    assert etag == hashlib.md5(local.read_bytes()).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    s3client.upload_file(empty, bucket, "empty")
    s3client.download_file(bucket, "empty", tmp_path / "empty.back")
    assert (tmp_path / "empty.back").read_bytes() == b""
    s3client.download_file(bucket, "small", tmp_path / "small.back")
    assert (tmp_path / "small.back").read_bytes() == local.read_bytes()
