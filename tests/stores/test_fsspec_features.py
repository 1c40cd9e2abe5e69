"""What storewire's filesystems add to fsspec's abstract suite: the registry names, batched
many-file calls, parallel ranged reads, the listings cache, pickling (docs/fsspec.md)."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import fsspec
import pytest
from fs_helpers import PROTOCOL, fresh_dir, make_fs

from store_servers import StoreServer
from storewire import errors
from storewire.fs import PROTOCOLS, StoreFileSystem


def test_registered_names_leave_s3fs_alone() -> None:
    for name, cls in PROTOCOLS.items():
        assert fsspec.get_filesystem_class(name) is cls
    assert not issubclass(fsspec.get_filesystem_class("s3"), StoreFileSystem)  # s3fs's


def test_open_and_cat_by_url(server: StoreServer) -> None:
    fs = make_fs(server)
    path = f"{fresh_dir(server)}/hello.txt"
    url = f"{PROTOCOL[server.scheme]}://{path}"
    with fsspec.open(url, "wt", **server.options) as f:
        f.write("hello, world")
    with fsspec.open(url, "rt", **server.options) as f:
        assert f.read() == "hello, world"
    assert fs.cat(url) == b"hello, world"
    assert fs.info(url)["size"] == 12
    assert fs.unstrip_protocol(path) == f"{fs.protocol[0]}://{path}"


def test_buffered_file_reads_large_ranges_in_parallel_parts(server: StoreServer) -> None:
    fs = make_fs(server)
    path = f"{fresh_dir(server)}/big.bin"
    data = random.Random(5).randbytes(3 * 2**20 + 17)
    with fs.open(path, "wb", block_size=2**20) as f:  # spooled, then the large-file path
        for start in range(0, len(data), 300_000):
            f.write(data[start:start + 300_000])
    assert fs.size(path) == len(data)
    fs.part_size_bytes = 256 * 1024  # a 1 MiB block is read as four parallel parts
    with fs.open(path, "rb", block_size=2**20) as f:
        f.seek(100)
        assert f.read(2**20 + 5) == data[100:100 + 2**20 + 5]
        f.seek(-10, 2)
        assert f.read() == data[-10:]
    assert fs.cat_file(path, start=-5) == data[-5:]
    assert fs.cat_file(path, start=10, end=-3) == data[10:-3]


def test_cat_ranges_and_cat_many(server: StoreServer) -> None:
    fs = make_fs(server)
    base = fresh_dir(server)
    files = {f"{base}/f{i}": random.Random(i).randbytes(1000 + i) for i in range(6)}
    fs.pipe(files)
    paths = sorted(files) * 3
    starts = [i * 7 for i in range(len(paths))]
    ends = [s + 50 for s in starts]
    assert fs.cat_ranges(paths, starts, ends) == [
        files[p][s:e] for p, s, e in zip(paths, starts, ends, strict=True)]
    got = fs.cat_ranges([f"{base}/f0", f"{base}/missing"], 0, 4)
    assert got[0] == files[f"{base}/f0"][:4]
    assert isinstance(got[1], FileNotFoundError)
    with pytest.raises(FileNotFoundError):
        fs.cat_ranges([f"{base}/missing"], 0, 4, on_error="raise")
    assert fs.cat(f"{base}/f*") == files
    assert fs.cat(base, recursive=True) == files
    out = fs.cat([f"{base}/f1", f"{base}/missing"], on_error="return")
    assert out[f"{base}/f1"] == files[f"{base}/f1"]
    assert isinstance(out[f"{base}/missing"], FileNotFoundError)
    assert fs.cat([f"{base}/f1", f"{base}/missing"], on_error="omit") == {
        f"{base}/f1": files[f"{base}/f1"]}


def test_put_and_get_of_a_tree(server: StoreServer, tmp_path: Path) -> None:
    fs = make_fs(server)
    base = fresh_dir(server)
    src = tmp_path / "src"
    rnd = random.Random(7)
    expected = {}
    for i in range(12):
        local = src / f"d{i % 3}" / f"file{i}.bin"
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(rnd.randbytes(i * 100))
        expected[f"d{i % 3}/file{i}.bin"] = local.read_bytes()
    fs.put(str(src) + "/", f"{base}/tree", recursive=True)
    assert sorted(fs.find(f"{base}/tree")) == sorted(f"{base}/tree/{k}" for k in expected)
    fs.get(f"{base}/tree", str(tmp_path / "back"), recursive=True)
    for key, data in expected.items():
        assert (tmp_path / "back" / key).read_bytes() == data
    fs.rm(f"{base}/tree", recursive=True)
    assert not fs.exists(f"{base}/tree")


def test_ds3_put_of_a_tree_is_one_bulk_job(servers: dict[str, StoreServer],
                                           tmp_path: Path) -> None:
    server = servers["ds3"]
    jobs = server.emulator.context.jobs

    def count() -> int:
        return len({v.job["id"] for s in ("IN_PROGRESS", "COMPLETED")
                    for v in jobs.list_jobs(s, server.bucket)})

    for i in range(20):
        (tmp_path / f"f{i}").write_bytes(b"y" * i)
    fs = make_fs(server)
    before = count()
    fs.put(str(tmp_path) + "/", f"{fresh_dir(server)}/many", recursive=True)
    assert count() == before + 1


def test_listings_are_cached_and_invalidated_by_writes(server: StoreServer) -> None:
    fs = make_fs(server)
    base = fresh_dir(server)
    fs.pipe(f"{base}/a", b"1")
    assert fs.ls(base, detail=False) == [f"{base}/a"]
    other = type(fs)(skip_instance_cache=True, **server.options)
    other.pipe(f"{base}/b", b"2")  # behind this filesystem's back
    assert fs.ls(base, detail=False) == [f"{base}/a"]  # the cached listing
    assert fs.ls(base, detail=False, refresh=True) == [f"{base}/a", f"{base}/b"]
    fs.pipe(f"{base}/sub/c", b"3")  # through it: the listings above are dropped
    assert fs.ls(base, detail=False) == [f"{base}/a", f"{base}/b", f"{base}/sub"]
    fs.rm(f"{base}/a")
    assert fs.ls(base, detail=False) == [f"{base}/b", f"{base}/sub"]
    other.rm(f"{base}/b")
    fs.invalidate_cache(base)
    assert fs.ls(base, detail=False) == [f"{base}/sub"]


def test_pickled_filesystem_and_file_rebuild_their_client(server: StoreServer) -> None:
    fs = make_fs(server)
    path = f"{fresh_dir(server)}/p.bin"
    fs.pipe(path, b"0123456789")
    state = pickle.dumps(fs)
    assert pickle.loads(state) is fs  # fsspec's instance cache, in this process
    type(fs).clear_instance_cache()  # as in a new worker process
    copy = pickle.loads(state)
    assert copy is not fs and copy.store._client is None
    assert copy.cat(path) == b"0123456789"
    assert copy.store._client is not fs.store._client
    with fs.open(path, "rb") as f:
        assert f.read(3) == b"012"
        again = pickle.loads(pickle.dumps(f))
        assert again.read() == b"3456789"
    with fs.open(f"{path}.w", "wb") as f, pytest.raises(RuntimeError):
        pickle.dumps(f)  # a file being written stays in its process


def test_missing_paths_are_file_not_found(server: StoreServer) -> None:
    fs = make_fs(server)
    base = fresh_dir(server)
    with pytest.raises(FileNotFoundError):
        fs.info(f"{base}/nothing")
    with pytest.raises(FileNotFoundError):
        fs.ls(f"{base}/nothing")
    with pytest.raises(FileNotFoundError):
        fs.cat_file(f"{base}/nothing")
    with pytest.raises(FileNotFoundError):
        fs.open(f"{base}/nothing", "rb")
    with pytest.raises(errors.InvalidRequestError):
        fs.pipe_file(server.bucket, b"a bucket is not a file")
