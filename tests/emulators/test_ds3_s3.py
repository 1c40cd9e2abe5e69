"""The S3 subset of the DS3 emulator over raw signed HTTP: exact codes and bodies."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import time

import pytest
from ds3_client import DS3Raw, signature, string_to_sign

from storewire.emulators.ds3 import DS3Emulator


def _compact(body: bytes) -> None:
    assert b"xmlns" not in body
    assert not re.search(rb">\s+<", body), body
    assert not body.startswith(b"<?xml")


def _put(c: DS3Raw, path: str, data: bytes, headers: dict[str, str] | None = None) -> None:
    r = c.request("PUT", path, body=data, headers=headers)
    assert r.status == 200, r.body


def test_service_and_bucket_lifecycle(ds3_c: DS3Raw) -> None:
    assert ds3_c.request("PUT", "/books").status == 200
    r = ds3_c.request("PUT", "/books")
    assert r.status == 409
    assert r.xml().findtext("HttpErrorCode") == "409"
    r = ds3_c.request("GET", "/")
    assert r.status == 200
    _compact(r.body)
    root = r.xml()
    assert root.tag == "ListAllMyBucketsResult"
    assert [b.findtext("Name") for b in root.iter("Bucket")] == ["books"]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
        root.findtext("Buckets/Bucket/CreationDate") or "",
    )
    assert ds3_c.request("HEAD", "/books").status == 200
    missing = ds3_c.request("HEAD", "/nope")
    assert (missing.status, missing.body) == (404, b"")
    assert ds3_c.request("HEAD", "/").status == 400
    _put(ds3_c, "/books/a.txt", b"hello")
    r = ds3_c.request("DELETE", "/books")
    assert r.status == 409
    assert ds3_c.request("DELETE", "/books/a.txt").status == 204
    assert ds3_c.request("DELETE", "/books/a.txt").status == 404
    assert ds3_c.request("DELETE", "/books").status == 204
    r = ds3_c.request("GET", "/books")
    assert r.status == 404
    err = r.xml()
    assert err.tag == "Error"
    assert [c.tag for c in err] == ["Code", "HttpErrorCode", "Message", "Resource", "ResourceId"]
    assert ds3_c.request("PUT", "/bad:name").status == 400


def test_object_round_trip_metadata_and_checksums(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    data = bytes(range(256)) * 40
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    _put(
        ds3_c,
        "/b/dir/a%20b%20%C3%BC%2B.txt",
        data,
        {"Content-MD5": md5, "x-amz-meta-color": "light%20blue%2Fgreen", "x-amz-meta-Owner": "x"},
    )
    head = ds3_c.request("HEAD", "/b/dir/a%20b%20%C3%BC%2B.txt")
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == str(len(data))
    assert head.header("x-amz-meta-color") == "light%20blue%2Fgreen"
    assert head.header("x-amz-meta-Owner") == "x"
    assert head.header("ETag") == f'"{hashlib.md5(data).hexdigest()}"'
    names = [n for n in head.headers.keys() if n.startswith("ds3-")]
    assert names == ["ds3-blob-checksum-type", "ds3-blob-checksum-offset-0"]
    assert head.header("ds3-blob-checksum-type") == "MD5"
    assert head.header("ds3-blob-checksum-offset-0") == md5
    got = ds3_c.request("GET", "/b/dir/a%20b%20%C3%BC%2B.txt")
    assert got.status == 200 and got.body == data
    assert got.header("x-amz-meta-color") == "light%20blue%2Fgreen"
    listing = ds3_c.request("GET", "/b").xml()
    assert listing.findtext("Contents/Key") == "dir/a b \u00fc+.txt"


def test_checksum_mismatch_is_refused(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    r = ds3_c.request("PUT", "/b/k", body=b"payload", headers={"Content-MD5": wrong})
    assert r.status == 400
    assert ds3_c.request("HEAD", "/b/k").status == 404
    crc = base64.b64encode((0xE3069283).to_bytes(4, "big")).decode()
    _put(ds3_c, "/b/crc", b"123456789", {"Content-CRC32C": crc})
    head = ds3_c.request("HEAD", "/b/crc")
    assert head.header("ds3-blob-checksum-type") == "CRC_32C"
    assert head.header("ds3-blob-checksum-offset-0") == crc


def test_ranges_single_and_multi(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    data = bytes(i % 251 for i in range(16000))
    _put(ds3_c, "/b/k", data)
    r = ds3_c.request("GET", "/b/k", headers={"Range": "bytes=3200-6399,9600-12799"})
    assert r.status == 206
    assert r.body == data[3200:6400] + data[9600:12800]
    assert r.header("Content-Range") == "bytes 3200-6399,9600-12799/16000"
    assert r.header("Content-Length") == "6400"
    r = ds3_c.request("GET", "/b/k", headers={"Range": "bytes=-10"})
    assert (r.status, r.body) == (206, data[-10:])
    assert r.header("Content-Range") == "bytes 15990-15999/16000"
    r = ds3_c.request("GET", "/b/k", headers={"Range": "bytes=20000-"})
    assert r.status == 416


def test_listing_prefix_delimiter_marker_and_paging(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    keys = ["resources/beowulf.txt", "resources/ulysses.txt", "resources_2/x.txt", "top.txt"]
    keys += [f"file{i}" for i in range(12)]
    for key in keys:
        _put(ds3_c, f"/b/{key}", b"d")
    r = ds3_c.request("GET", "/b", "prefix=resources/beo")
    assert [k.text for k in r.xml().iter("Key")] == ["resources/beowulf.txt"]
    r = ds3_c.request("GET", "/b", "delimiter=/")
    root = r.xml()
    _compact(r.body)
    assert [p.text for p in root.iter("Prefix")][1:] == ["resources/", "resources_2/"]
    assert "resources/beowulf.txt" not in [k.text for k in root.iter("Key")]
    r = ds3_c.request("GET", "/b", "prefix=resources&delimiter=/")
    prefixes = [p.findtext("Prefix") for p in r.xml().findall("CommonPrefixes")]
    assert prefixes == ["resources/", "resources_2/"]
    assert r.xml().findall("Contents") == []
    # Every spelling of max-keys; pagination with NextMarker even without a delimiter.
    for spelling in ("max-keys", "max_keys", "MaxKeys"):
        r = ds3_c.request("GET", "/b", f"{spelling}=2")
        assert r.xml().findtext("MaxKeys") == "2"
        assert len(r.xml().findall("Contents")) == 2
    seen: list[str] = []
    marker = ""
    while True:
        query = "max-keys=5" + (f"&marker={marker}" if marker else "")
        root = ds3_c.request("GET", "/b", query).xml()
        seen += [k.text or "" for k in root.iter("Key")]
        if root.findtext("IsTruncated") == "false":
            assert not root.findtext("NextMarker")
            break
        marker = root.findtext("NextMarker") or ""
        assert marker == seen[-1]
    assert seen == sorted(keys)
    assert seen[:4] == ["file0", "file1", "file10", "file11"]
    empty = ds3_c.request("GET", "/b", "prefix=zzz").xml()
    assert empty.findtext("MaxKeys") == "1000" and empty.findtext("IsTruncated") == "false"


def test_multi_delete(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    for key in ("a", "b", "c"):
        _put(ds3_c, f"/b/{key}", b"x")
    body = (
        b"<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>"
        b"<Object><Key>missing</Key></Object></Delete>"
    )
    r = ds3_c.request("POST", "/b", "delete", body)
    assert r.status == 200
    root = r.xml()
    assert root.tag == "DeleteResult"
    assert [d.findtext("Key") for d in root.findall("Deleted")] == ["a", "b"]
    assert [k.text for k in ds3_c.request("GET", "/b").xml().iter("Key")] == ["c"]
    r = ds3_c.request("POST", "/nobucket", "delete", body)
    assert r.status == 404


def test_overwrite_with_versioning_none_is_a_conflict(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    _put(ds3_c, "/b/k", b"one")
    r = ds3_c.request("PUT", "/b/k", body=b"two")
    assert r.status == 409
    assert r.xml().findtext("Code") == "OBJECT_ALREADY_EXISTS"


def test_keep_latest_versioning_replaces() -> None:
    with (
        DS3Emulator(versioning="KEEP_LATEST") as emu,
        DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c,
    ):
        c.request("PUT", "/b")
        _put(c, "/b/k", b"one")
        _put(c, "/b/k", b"second")
        assert c.request("GET", "/b/k").body == b"second"
        assert len(c.request("GET", "/b", "versions").xml().findall("Version")) == 1


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/b/../../etc/passwd", "../../etc/passwd"),
        ("/b/%2e%2e/%2e%2e/etc/passwd", "../../etc/passwd"),
        ("/b/a/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "a/../../../etc/passwd"),
        ("/b/./x", "./x"),
        ("/b/a/./b/../c", "a/./b/../c"),
        ("/b/..", ".."),
    ],
)
def test_dot_segment_keys_are_stored_as_named(
    ds3_emulator: DS3Emulator, ds3_c: DS3Raw, path: str, key: str
) -> None:
    """Dot segments are legal in S3 keys (issue 19): the key is stored, listed and read back
    exactly as named, and its data lands in a UUID-named file inside the data dir."""
    data_dir = ds3_emulator.data_dir
    assert data_dir is not None
    ds3_c.request("PUT", "/b")
    assert ds3_c.request("GET", path).status == 404
    _put(ds3_c, path, b"opaque")
    got = ds3_c.request("GET", path)
    assert got.status == 200 and got.body == b"opaque"
    assert [k.text for k in ds3_c.request("GET", "/b").xml().iter("Key")] == [key]
    files = [p for p in (data_dir / "objects").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].resolve().is_relative_to(data_dir.resolve())
    assert re.fullmatch(r"[0-9a-f-]{36}", files[0].name)
    assert ds3_c.request("DELETE", path).status == 204
    assert [p for p in (data_dir / "objects").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("path", ["/../etc/passwd", "/%2e%2e/etc/passwd", "/./x"])
def test_dot_segment_bucket_names_are_refused(ds3_emulator: DS3Emulator, ds3_c: DS3Raw,
                                              path: str) -> None:
    r = ds3_c.request("PUT", path, body=b"evil")
    assert r.status in (400, 404)
    assert b"root:" not in r.body
    data_dir = ds3_emulator.data_dir
    assert data_dir is not None
    assert [p for p in (data_dir / "objects").rglob("*") if p.is_file()] == []


def test_expect_100_continue_is_answered_promptly(ds3_emulator: DS3Emulator) -> None:
    host, port = "127.0.0.1", ds3_emulator.port
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("PUT", "/b").status == 200
    body = b"z" * 100_000
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    headers = {"Date": date}
    sig = signature(ds3_emulator.secret_key, string_to_sign("c", "PUT", "/b/big", "", headers))
    request = (
        f"PUT /b/big HTTP/1.1\r\nHost: {host}:{port}\r\nDate: {date}\r\n"
        f"Authorization: AWS {ds3_emulator.access_key}:{sig}\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request)
        started = time.monotonic()
        interim = sock.recv(100)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        assert time.monotonic() - started < 0.9  # before curl would give up waiting (1 s)
        sock.sendall(body)
        final = sock.recv(4096)
        assert final.startswith(b"HTTP/1.1 200 ")
    # A rejected upload gets its final status instead of 100 Continue.
    bad = request.replace(sig.encode(), b"AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(bad)
        assert sock.recv(4096).startswith(b"HTTP/1.1 403 ")


def test_large_object_streams(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    data = bytes(range(256)) * (12 * 4096 + 7)  # ~12.6 MB, not a multiple of the block
    _put(ds3_c, "/b/big", data)
    r = ds3_c.request("GET", "/b/big")
    assert r.status == 200 and r.body == data


def test_64_parallel_connections(ds3_emulator: DS3Emulator) -> None:
    """64 clients connecting at once all get answers (deep listen backlog, threads)."""
    import threading

    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("PUT", "/b").status == 200
    barrier = threading.Barrier(64)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with DS3Raw(
            ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key
        ) as client:
            barrier.wait(10)
            put = client.request("PUT", f"/b/k{i}", body=b"%d" % i).status
            got = client.request("GET", f"/b/k{i}")
            with lock:
                statuses.extend([put, got.status if got.body == b"%d" % i else -1])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses.count(200) == 128


def test_the_ds3_client_round_trips_dot_segment_keys(ds3_emulator: DS3Emulator) -> None:
    """End to end: the client sends the path as written, the emulator keeps the name."""
    import ds3

    keys = ["a/../k", "./x", "a/./b", ".."]
    with ds3.Client(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key,
                    proxy="") as client:
        client.put_bucket("dots")
        for key in keys:
            client.put_object("dots", key, key.encode())
        assert sorted(o.key for o in client.list_objects("dots")) == sorted(keys)
        for key in keys:
            assert bytes(client.get_object("dots", key).body) == key.encode()
        got = client.get_bytes("dots", keys)  # one bulk GET job
        assert {k: bytes(v) for k, v in got.items()} == {k: k.encode() for k in keys}
