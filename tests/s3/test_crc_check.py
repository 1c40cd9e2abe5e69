"""The CRC32C ``upload_file`` records (x-amz-meta-storewire-crc32c) and ``download_file``
checks instead of the ETag's MD5s; objects without it still get the MD5 check."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import s3
from storewire import errors
from storewire._native import auth
from storewire.testing import pattern_bytes

MiB = 2**20
HEADER = "x-amz-meta-storewire-crc32c"
SIZE = 11 * MiB + 3  # three 5 MiB parts up; two 8 MiB ranges down (the CRCs are joined)


def _crc_b64(data: bytes) -> str:
    return base64.b64encode(auth.crc32c(data).to_bytes(4, "big")).decode()


def _client(server: Any, **options: Any) -> s3.Client:
    """A client of ``server`` (conftest's S3Server: host, keys, region)."""
    return s3.Client(server.host, access_key=server.access_key, secret_key=server.secret_key,
                     region=server.region, tls=False, **options)


def _small_parts(server: Any) -> s3.Client:
    return _client(server, multipart_threshold_bytes=5 * MiB, part_size_bytes=5 * MiB)


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_upload_records_crc32c_and_download_checks_it(
    s3server: Any, bucket: str, tmp_path: Path
) -> None:
    data = pattern_bytes(SIZE, seed=71)
    (tmp_path / "src").write_bytes(data)
    with _small_parts(s3server) as client:
        etag = client.upload_file(tmp_path / "src", bucket, "mp", metadata={"kind": "big"})
        assert etag.endswith("-3")
        client.upload_file(tmp_path / "src", bucket, "one", metadata={"storewire-crc32c": "AAAA"})
        for key, meta in (("mp", {"kind": "big"}), ("one", {})):
            head = client.download_file(bucket, key, tmp_path / key)
            # A caller's stale value was replaced by the real one, which stays out of the
            # caller's metadata.
            assert head.headers[HEADER] == _crc_b64(data) and head.metadata == meta
            assert (tmp_path / key).read_bytes() == data
        # Without verification nothing is computed, so nothing is recorded.
        with _client(s3server, verify_checksums=False) as plain:
            plain.upload_file(tmp_path / "src", bucket, "plain")
            assert HEADER not in plain.head_object(bucket, "plain").headers


@pytest.fixture
def boto(radosgw: Any) -> Iterator[Any]:
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    yield boto3.client(
        "s3", endpoint_url=radosgw.url, aws_access_key_id=radosgw.access_key,
        aws_secret_access_key=radosgw.secret_key, region_name=radosgw.region,
        config=Config(s3={"addressing_style": "path"},
                      request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"),
    )


def test_overwrite_keeping_the_metadata_is_detected(
    radosgw: Any, boto: Any, new_bucket_name: str, tmp_path: Path
) -> None:
    """Another tool replaces the bytes but copies the metadata: the new object's ETag is
    right for its bytes, so only the recorded CRC32C can tell."""
    data = pattern_bytes(SIZE, seed=72)
    (tmp_path / "src").write_bytes(data)
    with _small_parts(radosgw) as client:
        client.create_bucket(new_bucket_name)
        try:
            client.upload_file(tmp_path / "src", new_bucket_name, "k")
            meta = boto.head_object(Bucket=new_bucket_name, Key="k")["Metadata"]
            assert meta == {"storewire-crc32c": _crc_b64(data)}  # what other tools see
            boto.put_object(Bucket=new_bucket_name, Key="k", Body=_flipped(data, 9 * MiB),
                            Metadata=meta)
            with pytest.raises(errors.IntegrityError, match="CRC32C"):
                client.download_file(new_bucket_name, "k", tmp_path / "dst")
            assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # nothing left
            # Put back intact by boto3 without our metadata: the ETag's MD5 is checked.
            boto.put_object(Bucket=new_bucket_name, Key="k", Body=data)
            head = client.download_file(new_bucket_name, "k", tmp_path / "dst")
            assert HEADER not in head.headers
            assert (tmp_path / "dst").read_bytes() == data
        finally:
            client.delete_objects(new_bucket_name, ["k"])
            client.delete_bucket(new_bucket_name)


def test_bytes_changed_on_the_servers_disk_are_detected(tmp_path: Path) -> None:
    """The DS3 emulator's object files changed behind its back: the object recorded by
    upload_file fails its CRC32C, the one without it (put_object) its ETag's MD5."""
    from storewire.emulators.ds3 import DS3Emulator

    data = pattern_bytes(SIZE, seed=73)
    (tmp_path / "src").write_bytes(data)
    store = tmp_path / "store"
    with DS3Emulator(data_dir=store) as emulator:
        server = SimpleNamespace(host=emulator.endpoint.split("//", 1)[1], region="us-east-1",
                                 access_key=emulator.access_key, secret_key=emulator.secret_key)
        with _small_parts(server) as client:
            client.create_bucket("disk")
            client.upload_file(tmp_path / "src", "disk", "crc")
            client.put_object("disk", "md5", data[: 3 * MiB])
            stored = [p for p in store.rglob("*") if p.is_file() and p.stat().st_size in
                      (SIZE, 3 * MiB)]
            assert len(stored) == 2
            for path in stored:
                body = path.read_bytes()
                path.write_bytes(_flipped(body, len(body) - 5))
            with pytest.raises(errors.IntegrityError, match="CRC32C"):
                client.download_file("disk", "crc", tmp_path / "crc")
            with pytest.raises(errors.IntegrityError, match="ETag"):
                client.download_file("disk", "md5", tmp_path / "md5")
            assert not (tmp_path / "crc").exists() and not (tmp_path / "md5").exists()


def test_crc_of_slices_combined_equals_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The range CRCs a download joins, and the slices a large file is hashed in."""
    from s3 import _crc

    data = pattern_bytes(5 * MiB + 3, seed=74)
    for cut in (0, 1, 4095, 4096, 3 * MiB + 1, len(data)):
        first, second = data[:cut], data[cut:]
        joined = _crc.combine(auth.crc32c(first), auth.crc32c(second), len(second))
        assert joined == auth.crc32c(data)
    (tmp_path / "f").write_bytes(data)
    monkeypatch.setattr(_crc, "_SPLIT_BYTES", MiB)
    monkeypatch.setattr(_crc.os, "cpu_count", lambda: 3)
    assert _crc.of_file(str(tmp_path / "f"), len(data)) == auth.crc32c(data).to_bytes(4, "big")
    assert _crc.of_file(str(tmp_path / "f"), 7) == auth.crc32c(data[:7]).to_bytes(4, "big")
