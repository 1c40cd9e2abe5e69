"""The store adapter's interface, the same on every system (docs/stores.md)."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from store_servers import StoreServer
from storewire import errors
from storewire.stores import Entry, Store, open_store, open_url


def _shape(entries: list[Entry]) -> list[tuple[str, str, int]]:
    return [(e.key, e.type, e.size) for e in entries]


def _fill(store: Store, bucket: str, prefix: str) -> dict[str, bytes]:  # type: ignore[type-arg]
    rnd = random.Random(prefix)
    files = {f"{prefix}/one.bin": rnd.randbytes(10),
             f"{prefix}/sub/two.bin": rnd.randbytes(2000),
             f"{prefix}/sub/deep/three.bin": b""}
    for key, data in files.items():
        store.write(bucket, key, data)
    return files


def test_listing_one_level_and_all(store: Store, server: StoreServer, prefix: str) -> None:  # type: ignore[type-arg]
    b = server.bucket
    _fill(store, b, prefix)
    assert _shape(store.ls(b, prefix)) == [(f"{prefix}/one.bin", "file", 10),
                                           (f"{prefix}/sub", "directory", 0)]
    assert _shape(store.ls(b, f"{prefix}/sub/")) == [(f"{prefix}/sub/deep", "directory", 0),
                                                     (f"{prefix}/sub/two.bin", "file", 2000)]
    assert [e.key for e in store.find(b, prefix)] == [
        f"{prefix}/one.bin", f"{prefix}/sub/deep/three.bin", f"{prefix}/sub/two.bin"]
    with pytest.raises(errors.NotFoundError):
        store.ls(b, f"{prefix}/nothing")
    assert next(e.path for e in store.ls(b, prefix)) == f"{b}/{prefix}/one.bin"
    assert b in [e.bucket for e in store.buckets()]


def test_info_of_files_directories_and_buckets(store: Store, server: StoreServer,  # type: ignore[type-arg]
                                               prefix: str) -> None:
    b = server.bucket
    _fill(store, b, prefix)
    one = store.info(b, f"{prefix}/one.bin")
    assert (one.type, one.size, one.path) == ("file", 10, f"{b}/{prefix}/one.bin")
    assert one.mtime is not None and one.mtime.tzinfo is not None
    assert store.info(b, f"{prefix}/sub").type == "directory"
    assert store.info(b, f"{prefix}/sub/").key == f"{prefix}/sub"
    assert store.info(b, "") == Entry(b, "", "directory")
    with pytest.raises(errors.NotFoundError):
        store.info(b, f"{prefix}/missing")
    with pytest.raises(FileNotFoundError):
        store.info("no-such-bucket-here", "")


def test_reads_and_parallel_ranges(store: Store, server: StoreServer, prefix: str) -> None:  # type: ignore[type-arg]
    b = server.bucket
    data = random.Random(1).randbytes(300_000)
    other = b"0123456789"
    store.put_many(b, {f"{prefix}/big": data, f"{prefix}/small": other})
    assert store.read(b, f"{prefix}/big") == data
    assert store.read(b, f"{prefix}/big", 1000, 1010) == data[1000:1010]
    ranges = [(f"{prefix}/big", i * 3000, i * 3000 + 777) for i in range(40)]
    ranges += [(f"{prefix}/small", 2, 5), (f"{prefix}/small", 8, None),
               (f"{prefix}/small", 4, 100), (f"{prefix}/small", 20, 30),
               (f"{prefix}/small", 3, 3)]
    got = store.read_ranges(b, ranges)
    sources = {f"{prefix}/big": data, f"{prefix}/small": other}
    assert got == [sources[k][s:e] for k, s, e in ranges]
    with pytest.raises(errors.NotFoundError):
        store.read_ranges(b, [(f"{prefix}/small", 0, 2), (f"{prefix}/gone", 0, 2)])
    with pytest.raises(FileNotFoundError):
        store.read(b, f"{prefix}/gone")


def test_many_files_in_one_batch(store: Store, server: StoreServer, prefix: str,  # type: ignore[type-arg]
                                 tmp_path: Path) -> None:
    b = server.bucket
    rnd = random.Random(2)
    local = tmp_path / "local.bin"
    local.write_bytes(rnd.randbytes(50_000))
    items: dict[str, object] = {f"{prefix}/f{i:02d}": rnd.randbytes(i * 37) for i in range(20)}
    items[f"{prefix}/from-file"] = local
    store.put_many(b, items)  # type: ignore[arg-type]
    keys = sorted(items)
    assert [e.key for e in store.find(b, prefix)] == keys
    got = store.get_many(b, keys)
    assert list(got) == keys
    assert got[f"{prefix}/from-file"] == local.read_bytes()
    assert got[f"{prefix}/f07"] == items[f"{prefix}/f07"]
    targets = {k: tmp_path / f"out-{i}" for i, k in enumerate(keys)}
    store.get_files(b, targets)
    assert targets[f"{prefix}/from-file"].read_bytes() == local.read_bytes()
    assert targets[f"{prefix}/f19"].read_bytes() == items[f"{prefix}/f19"]
    store.delete_many(b, [*keys, f"{prefix}/never-there"])
    assert store.find(b, prefix) == []


def test_large_file_and_copy(store: Store, server: StoreServer, prefix: str,  # type: ignore[type-arg]
                             tmp_path: Path) -> None:
    b = server.bucket
    local = tmp_path / "large.bin"
    local.write_bytes(random.Random(3).randbytes(3 * 1024 * 1024 + 5))
    store.put_file(b, f"{prefix}/large", local)
    store.copy(b, f"{prefix}/large", b, f"{prefix}/copy/large")
    assert store.info(b, f"{prefix}/copy/large").size == local.stat().st_size
    assert store.read(b, f"{prefix}/copy/large") == local.read_bytes()
    store.delete(b, f"{prefix}/large")
    store.delete(b, f"{prefix}/large")  # gone already: not an error
    with pytest.raises(errors.NotFoundError):
        store.info(b, f"{prefix}/large")


def test_directories(store: Store, server: StoreServer, prefix: str) -> None:  # type: ignore[type-arg]
    b = server.bucket
    store.mkdir(b, f"{prefix}/empty")
    if server.scheme in ("sector", "v3io"):  # real directories
        assert store.info(b, f"{prefix}/empty").type == "directory"
        assert store.ls(b, f"{prefix}/empty") == []
        store.rmdir(b, f"{prefix}/empty")
    # DS3 and S3: a directory is the prefix of its keys, none without a key
    with pytest.raises(errors.NotFoundError):
        store.info(b, f"{prefix}/empty")


def test_pickled_store_builds_its_own_client(store: Store, server: StoreServer,  # type: ignore[type-arg]
                                             prefix: str) -> None:
    b = server.bucket
    store.write(b, f"{prefix}/p", b"pickled")
    state = pickle.dumps(store)
    for secret in ("secret_key", "password"):
        value = server.options.get(secret)
        if value:  # kept (the worker needs it), but as a Secret, not in any repr
            assert value not in repr(store)
    copy = pickle.loads(state)
    assert copy._client is None
    with copy:
        assert copy.read(b, f"{prefix}/p") == b"pickled"
    assert copy.client is not store.client


def test_settings_from_the_environment(server: StoreServer, prefix: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    extra = {"use_env_proxy": False} if server.scheme == "v3io" else {}
    with open_store(server.scheme, **extra) as store:
        store.write(server.bucket, f"{prefix}/env", b"from env")
        assert store.read(server.bucket, f"{prefix}/env") == b"from env"
    wrong = {"password": "wrong"} if server.scheme == "sector" else {"access_key": "wrong"}
    with open_store(server.scheme, **extra, **wrong) as store:  # explicit beats the env
        with pytest.raises(errors.StorageError):
            store.read(server.bucket, f"{prefix}/env")


def test_open_url_for_sector_names_the_master(servers: dict[str, StoreServer],
                                              prefix: str) -> None:
    server = servers["sector"]
    opts = {k: v for k, v in server.options.items() if k not in ("host", "port")}
    url = f"sector://{server.options['host']}:{server.options['port']}/{server.bucket}/{prefix}/u"
    store, parsed = open_url(url, **opts)
    with store:
        store.write(parsed.bucket, parsed.key, b"by url")
        assert store.info(parsed.bucket, parsed.key).size == 6
        assert str(parsed) == url


def test_s3_profile_from_the_shared_files(servers: dict[str, StoreServer], prefix: str,
                                          tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    server = servers["s3"]
    opts = server.options
    (tmp_path / "credentials").write_text(
        f"[sw]\naws_access_key_id = {opts['access_key']}\n"
        f"aws_secret_access_key = {opts['secret_key']}\n"
        "[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n")
    (tmp_path / "config").write_text(
        f"[profile sw]\nregion = {opts['region']}\nendpoint_url = {opts['endpoint']}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name in server.env:
        monkeypatch.delenv(name, raising=False)
    with open_store("s3", profile="sw") as store:
        store.write(server.bucket, f"{prefix}/profile", b"p")
        assert store.read(server.bucket, f"{prefix}/profile") == b"p"
    monkeypatch.setenv("AWS_PROFILE", "sw")
    with open_store("s3") as store:
        assert store.info(server.bucket, f"{prefix}/profile").size == 1
    with pytest.raises(errors.InvalidRequestError):
        open_store("s3", profile="no-such-profile")


def test_ds3_put_many_is_one_bulk_job(servers: dict[str, StoreServer], prefix: str) -> None:
    server = servers["ds3"]
    jobs = server.emulator.context.jobs

    def count() -> int:  # a job moves from one list to the other: count ids once
        return len({v.job["id"] for s in ("IN_PROGRESS", "COMPLETED")
                    for v in jobs.list_jobs(s, server.bucket)})

    with open_store("ds3", **server.options) as store:
        before = count()
        store.put_many(server.bucket, {f"{prefix}/{i}": b"x" * i for i in range(30)})
        assert count() == before + 1
        got = store.get_many(server.bucket, [f"{prefix}/{i}" for i in range(30)])
        assert got[f"{prefix}/29"] == b"x" * 29
        assert count() == before + 2
        assert len(store.find(server.bucket, prefix)) == 30
