"""Issue 19 behaviour against real servers: the DS3 emulator's S3 side (objects cannot be
overwritten there, so a repeated PUT meets 409 OBJECT_ALREADY_EXISTS) and radosgw
(NoSuchUpload after a completed upload, real listings, keys with dot segments)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import s3
from storewire import errors
from storewire.testing import pattern_bytes, write_pattern_file

ds3_emulators = pytest.importorskip("storewire.emulators.ds3")

DOT_KEYS = ["a/./b", "a/../c", "..", ".", "x/..", "./y", "a//b/../d"]


@pytest.fixture
def ds3_s3() -> Iterator[s3.Client]:
    """An s3.Client on the DS3 emulator (no versioning: a key is written once)."""
    with ds3_emulators.DS3Emulator() as emu:
        client = s3.Client(
            emu.endpoint,
            access_key=emu.access_key,
            secret_key=emu.secret_key,
            signature_version="v2",
            tls=False,
        )
        client.create_bucket("peer")
        yield client
        client.close()


def test_ds3_repeated_put_of_the_same_bytes_is_a_success(ds3_s3: s3.Client, tmp_path: Path):
    data = pattern_bytes(3000, seed=5)
    first = ds3_s3.put_object("peer", "k", data)
    # The emulator refuses a second write (409); the stored bytes are the ones sent.
    assert ds3_s3.put_object("peer", "k", data) == first
    path = tmp_path / "f"
    path.write_bytes(data)
    assert ds3_s3.upload_file(path, "peer", "k") == first
    with pytest.raises(errors.ConflictError):
        ds3_s3.put_object("peer", "k", pattern_bytes(3000, seed=6))
    assert ds3_s3.get_object("peer", "k") == data


def test_ds3_keys_with_dot_segments_are_stored_as_written(ds3_s3: s3.Client):
    for n, key in enumerate(DOT_KEYS):
        ds3_s3.put_object("peer", key, f"value {n}".encode())
    for n, key in enumerate(DOT_KEYS):
        assert ds3_s3.get_object("peer", key) == f"value {n}".encode()
    assert sorted(o.key for o in ds3_s3.list_objects("peer")) == sorted(DOT_KEYS)


def test_ds3_listing_v1_and_v2_agree(ds3_s3: s3.Client):
    keys = [f"p/{i:02d}" for i in range(7)]
    ds3_s3.put_objects("peer", [(k, b"x") for k in keys])
    v1 = [o.key for o in ds3_s3.list_objects("peer", page_size=2, list_version=1)]
    v2 = [o.key for o in ds3_s3.list_objects("peer", page_size=2, list_version=2)]
    assert v1 == v2 == keys


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_rgw_completing_twice_finds_the_completed_object(s3client: s3.Client, bucket: str):
    mib = 1024 * 1024
    parts = [pattern_bytes(5 * mib, seed=1), pattern_bytes(1000, seed=2)]
    upload = s3client.create_multipart_upload(bucket, "mpu")
    etags = []
    for n, part in enumerate(parts, start=1):
        req = s3client.part_request(bucket, "mpu", upload, n, body=part)
        resp = s3client.check(s3client.http.perform(req), "upload_part", bucket)
        etags.append((resp.header("ETag") or "").strip('"'))
    size = sum(map(len, parts))
    s3client.complete_multipart_upload(bucket, "mpu", upload, etags, size=size)
    # As if the first answer had been lost: radosgw now answers NoSuchUpload, and the
    # object there is the one these parts make.
    expected = _md5(b"".join(bytes.fromhex(e) for e in etags)) + "-2"
    again = s3client.complete_multipart_upload(bucket, "mpu", upload, etags, size=size)
    assert again in (expected, "")
    assert s3client.head_object(bucket, "mpu").etag == expected
    # Other parts do not make this object: radosgw's error (500 "completion already in
    # progress") stands.
    with pytest.raises(errors.StorageError):
        s3client.complete_multipart_upload(bucket, "mpu", upload, etags[:1], size=size)


def test_rgw_non_ascii_metadata_is_refused_before_sending(s3client: s3.Client, bucket: str):
    with pytest.raises(errors.InvalidRequestError, match="RFC 2047"):
        s3client.put_object(bucket, "meta", b"x", metadata={"title": "Café"})
    assert not s3client.object_exists(bucket, "meta")
    encoded = "=?utf-8?q?Caf=C3=A9?="  # what the error message suggests; stored verbatim
    s3client.put_object(bucket, "meta", b"x", metadata={"title": encoded})
    assert s3client.head_object(bucket, "meta").metadata == {"title": encoded}


def test_rgw_failed_download_keeps_the_old_file(s3client: s3.Client, bucket: str, tmp_path: Path):
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"previous file!")
    with pytest.raises(errors.NotFoundError):
        s3client.download_file(bucket, "missing", dest)
    assert dest.read_bytes() == b"previous file!"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest.bin"]
    src = tmp_path / "src.bin"
    write_pattern_file(src, 20_000, seed=9)
    s3client.upload_file(src, bucket, "there")
    s3client.download_file(bucket, "there", dest)
    assert dest.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest.bin", "src.bin"]


def test_rgw_keys_with_dot_segments_round_trip(s3client: s3.Client, bucket: str):
    for n, key in enumerate(DOT_KEYS):
        s3client.put_object(bucket, key, f"value {n}".encode())
    for n, key in enumerate(DOT_KEYS):
        assert s3client.get_object(bucket, key) == f"value {n}".encode()
    assert sorted(o.key for o in s3client.list_objects(bucket)) == sorted(DOT_KEYS)
    for key in DOT_KEYS:
        s3client.delete_object(bucket, key)
    assert list(s3client.list_objects(bucket)) == []


def test_rgw_listings_page_alike(s3client: s3.Client, bucket: str):
    keys = [f"d{i % 3}/k{i:02d}" for i in range(9)]
    s3client.put_objects(bucket, [(k, b"v") for k in keys])
    v1 = [o.key for o in s3client.list_objects(bucket, page_size=2, list_version=1)]
    v2 = [o.key for o in s3client.list_objects(bucket, page_size=2, list_version=2)]
    assert v1 == v2 == sorted(keys)
    assert list(s3client.list_prefixes(bucket, page_size=1, list_version=1)) == [
        "d0/", "d1/", "d2/"
    ]
