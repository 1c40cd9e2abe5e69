"""The seed README's two examples and the seed's own file scenario,
run as written against radosgw."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import s3
from storewire.testing import write_pattern_file


@pytest.fixture
def in_tmp(tmp_path: Path) -> Path:
    old = os.getcwd()
    os.chdir(tmp_path)
    write_pattern_file("example", 10_000, seed=1)
    yield tmp_path
    os.chdir(old)


def test_readme_example_1_write_exists_read_diff_delete(store: s3.RemoteStore, in_tmp: Path):
    assert store.write("example", "example-in-s3")
    exists, metadata = store.exists("example-in-s3")
    assert exists
    ok, metadata = store.read("example-in-s3", "example-from-s3")
    assert ok
    assert 0 == subprocess.call(["diff", "example", "example-from-s3"])
    assert store.delete("example-in-s3")
    exists, metadata = store.exists("example-in-s3")
    assert not exists
    assert metadata == {}


def test_readme_example_2_metadata_with_explicit_bucket(
    store: s3.RemoteStore, in_tmp: Path, other_bucket: str
):
    headers = {
        "x-amz-meta-state": "unprocessed",
    }
    remote_name = s3.S3Name("example-in-s3", bucket="my_other_bucket")
    assert store.write("example", remote_name, headers=headers)
    exists, metadata = store.exists(remote_name)
    assert exists
    assert metadata == headers
    headers["x-amz-meta-state"] = "processed"
    assert store.update_metadata(remote_name, headers)
    ok, metadata = store.read(remote_name, "example-from-s3")
    assert ok
    assert metadata == headers
    # It went to the explicit bucket, not the default one.
    assert not store.exists("example-in-s3")[0]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "size"), [("s3_little", 10_000), ("s3_big", 100 * 2**20 + 123)])
def test_seed_file_scenario(store: s3.RemoteStore, tmp_path: Path, name: str, size: int):
    """The seed's test_s3.py scenario, the big file taking the multipart path."""
    local = tmp_path / name
    write_pattern_file(local, size, seed=size)
    headers = {
        "x-amz-meta-physics": "Kant",
        "x-amz-meta-carpal": "tunnel syndrome",
        "x-amz-meta-morphosis": "Kafka",
    }
    assert store.exists(name) == (False, {})
    assert store.write(str(local), name, headers=headers)
    assert store.exists(name) == (True, headers)
    headers["x-amz-meta-morphosis"] = "Kafka, Franz"
    assert store.update_metadata(name, headers)
    back = tmp_path / f"{name}.back"
    assert store.read(name, str(back)) == (True, headers)
    assert store.delete(name)
    assert store.exists(name) == (False, {})
    assert 0 == subprocess.call(["cmp", "-s", str(local), str(back)])


def test_copy_keeps_or_replaces_metadata(store: s3.RemoteStore, tmp_path: Path):
    local = tmp_path / "f"
    write_pattern_file(local, 1000, seed=3)
    assert store.write(str(local), "src", headers={"x-amz-meta-a": "1"})
    assert store.copy("src", "kept")
    assert store.exists("kept") == (True, {"x-amz-meta-a": "1"})
    assert store.copy("src", "replaced", headers={"x-amz-meta-b": "2"})
    assert store.exists("replaced") == (True, {"x-amz-meta-b": "2"})


def test_yaml_configuration(s3server, bucket: str, tmp_path: Path):
    yaml = pytest.importorskip("yaml")
    (tmp_path / "s3.yaml").write_text(
        "---\ns3:\n"
        f'    access_key_id: "{s3server.access_key}"\n'
        f'    secret_access_key: "{s3server.secret_key}"\n'
        f'    default_bucket: "{bucket}"\n'
        f'    endpoint: "{s3server.host}"\n'
        "    tls: false\n"
    )
    with open(tmp_path / "s3.yaml") as fi:
        config = yaml.safe_load(fi)
    connection = s3.S3Connection(**config["s3"])
    store = s3.RemoteStore(connection)
    assert store.exists("nothing-here") == (False, {})
    assert connection.default_bucket == bucket
