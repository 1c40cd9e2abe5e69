"""The V3IO emulator at the HTTP level: authentication, objects, listings, KV details, bad
input and limits (clear errors, the server keeps serving), path safety, keep-alive and
concurrency, fault injection and persistence."""

from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storewire.emulators.v3io import Faults, V3IOEmulator

try:
    from . import _v3io_support as support
except ImportError:  # tests/emulators is not a package: its directory is on sys.path
    import _v3io_support as support  # type: ignore[no-redef]


@pytest.fixture(scope="module")
def emulator() -> Iterator[V3IOEmulator]:
    with V3IOEmulator(access_key="test-key") as emu:
        yield emu


@pytest.fixture
def w(emulator: V3IOEmulator) -> Iterator[support.Wire]:
    with support.wire(emulator.port, emulator.access_key) as client:
        yield client


def error_body(data: bytes) -> dict[str, object]:
    body = json.loads(data)
    assert set(body) == {"ErrorCode", "ErrorMessage"}
    return body


# authentication


def test_public_api(emulator: V3IOEmulator) -> None:
    assert emulator.endpoint == f"http://127.0.0.1:{emulator.port}"
    assert emulator.access_key == "test-key"
    assert emulator.env() == {"V3IO_API": emulator.endpoint, "V3IO_ACCESS_KEY": "test-key"}
    assert V3IOEmulator().access_key != V3IOEmulator().access_key  # random when not given


@pytest.mark.parametrize("key", [None, "wrong", ""])
def test_missing_or_wrong_key_is_refused(w: support.Wire, key: str | None) -> None:
    status, _, data = w.request("GET", "/", key=key)
    assert status == 401
    assert error_body(data) == {"ErrorCode": -13, "ErrorMessage": "Permission denied"}
    status, _, data = w.request("PUT", "/bigdata/x", b"data", key=key)
    assert status == 401
    assert w.request("GET", "/bigdata/x")[0] == 404  # nothing was written


def _basic(user_password: bytes) -> str:
    return "Basic " + base64.b64encode(user_password).decode()


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (_basic(b"admin:test-key"), _basic(b"admin:nope")),
        (
            "AWS4-HMAC-SHA256 Credential=test-key/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=abc",
            "AWS4-HMAC-SHA256 Credential=nope/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=abc",
        ),
        ("AWS test-key:c2lnbmF0dXJl", "AWS nope:c2lnbmF0dXJl"),
    ],
)
def test_documented_authorization_forms(w: support.Wire, good: str, bad: str) -> None:
    assert w.request("GET", "/", headers={"Authorization": good}, key=None)[0] == 200
    assert w.request("GET", "/", headers={"Authorization": bad}, key=None)[0] == 401


# objects


def test_object_ranges_and_head(w: support.Wire) -> None:
    assert w.request("PUT", "/bigdata/obj/digits", b"1234567890")[0] == 200
    cases = {
        "bytes=4": b"567890",  # no dash: to the end, as the Python SDK sends it
        "bytes=4-": b"567890",
        "bytes=2-4": b"345",
        "bytes=-3": b"890",
        "bytes=8-100": b"90",  # clipped
    }
    for spec, expected in cases.items():
        status, headers, data = w.request("GET", "/bigdata/obj/digits", headers={"Range": spec})
        assert (status, data) == (206, expected), spec
        assert headers["Content-Range"].endswith("/10")
    status, _, data = w.request("GET", "/bigdata/obj/digits", headers={"Range": "bytes=50-60"})
    assert (status, data) == (200, b"")  # out of bounds: 200, as the real server answers
    assert w.request("GET", "/bigdata/obj/digits", headers={"Range": "lines=1"})[0] == 400
    status, headers, data = w.request("HEAD", "/bigdata/obj/digits")
    assert (status, headers["Content-Length"], data) == (200, "10", b"")
    status, headers, _ = w.request("HEAD", "/bigdata/obj")
    assert (status, headers["Content-Length"]) == (200, "0")
    assert w.request("HEAD", "/bigdata/obj/none")[0] == 404
    assert w.request("GET", "/", headers={})[0] == 200  # the connection survived the HEADs


def test_put_overwrite_empty_and_directories(w: support.Wire) -> None:
    assert w.request("PUT", "/bigdata/o2/a/b/c.txt", b"first")[0] == 200  # parents created
    assert w.request("POST", "/bigdata/o2/a/b/c.txt", b"2nd")[0] == 200  # POST = PUT
    assert w.request("GET", "/bigdata/o2/a/b/c.txt")[2] == b"2nd"
    assert w.request("PUT", "/bigdata/o2/empty", b"")[0] == 200
    assert w.request("GET", "/bigdata/o2/empty")[:3:2] == (200, b"")
    assert w.request("PUT", "/bigdata/o2/newdir/", b"")[0] == 200
    assert w.request("PUT", "/bigdata/o2/newdir/", b"")[0] == 200  # idempotent
    status, _, data = w.request("PUT", "/bigdata/o2/a/b/c.txt/under", b"x")
    assert status == 400 and b"Not a directory" in data
    status, _, data = w.request("PUT", "/bigdata/o2/a", b"x")
    assert status == 409 and b"Is a directory" in data
    assert w.request("PUT", "/bigdata/o2/dir2/", b"data")[0] == 400
    assert w.request("DELETE", "/bigdata/o2/a/b")[0] == 409  # not empty
    assert w.request("DELETE", "/bigdata/o2/a/b/c.txt")[0] == 204
    assert w.request("DELETE", "/bigdata/o2/a/b/")[0] == 204
    assert w.request("DELETE", "/bigdata/o2/a/b/")[0] == 404
    assert w.request("DELETE", "/bigdata/")[0] == 403


def test_large_object_streams_both_ways(w: support.Wire) -> None:
    payload = bytes(range(256)) * (24 * 4096)  # 24 MiB
    assert w.request("PUT", "/bigdata/big/blob", payload)[0] == 200
    status, headers, data = w.request("GET", "/bigdata/big/blob")
    assert status == 200 and headers["Content-Length"] == str(len(payload))
    assert data == payload


def test_chunked_upload_and_expect_continue(emulator: V3IOEmulator) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        head = (
            "PUT /bigdata/chunked/obj HTTP/1.1\r\nHost: x\r\nX-v3io-session-key: test-key\r\n"
            "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
        )
        sock.sendall(head.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        reply = sock.recv(1000)
        assert reply.startswith(b"HTTP/1.1 200")
    with support.wire(emulator.port, emulator.access_key) as client:
        assert client.request("GET", "/bigdata/chunked/obj")[2] == b"hello world"


def test_encoded_names_and_leading_double_slash(w: support.Wire) -> None:
    assert w.request("PUT", "/bigdata/names/obj%20ect%23%C3%BC.txt", b"odd")[0] == 200
    status, _, data = w.request("GET", "//bigdata/names/obj%20ect%23%C3%BC.txt")
    assert (status, data) == (200, b"odd")
    listing = ET.fromstring(w.request("GET", "/bigdata?prefix=names")[2])
    assert [k.text for k in listing.iter("Key")] == ["names/obj ect#ü.txt"]


@pytest.mark.parametrize(
    "path",
    [
        "/bigdata/../../etc/passwd",
        "/bigdata/x/%2e%2e/%2e%2e/escape",
        "/bigdata/x/./y",
        "/bigdata/nul%00name",
        "/bigdata/" + "n" * 300,
    ],
)
def test_paths_cannot_escape(emulator: V3IOEmulator, w: support.Wire, path: str) -> None:
    status, _, data = w.request("PUT", path, b"evil")
    assert status == 400, data
    assert w.request("GET", path)[0] == 400
    root = emulator.data_dir
    names = {p.name for p in root.rglob("*")}
    assert "passwd" not in names and "escape" not in names
    assert not (root.parent / "escape").exists()


# listings


def test_listing_layout_and_paging(w: support.Wire) -> None:
    for i in range(5):
        w.request("PUT", f"/bigdata/ls/file-{i}.txt", b"x" * i)
    for d in ("dir-a", "dir-b"):
        w.request("PUT", f"/bigdata/ls/{d}/", b"")
    status, headers, data = w.request("GET", "/bigdata?prefix=%2Fls%2F&max-keys=4")
    assert status == 200 and headers["Content-Type"] == "application/xml"
    root = ET.fromstring(data)
    assert root.tag == "ListBucketResult"
    assert [root.findtext(t) for t in ("Name", "NextMarker", "MaxKeys", "IsTruncated")] == [
        "bigdata",
        "ls/file-1.txt",
        "4",
        "true",
    ]
    assert [p.findtext("Prefix") for p in root.iter("CommonPrefixes")] == ["ls/dir-a/", "ls/dir-b/"]
    content = root.find("Contents")
    assert content is not None
    assert [child.tag for child in content] == ["Key", "Size", "LastModified"]
    assert content.findtext("LastModified", "").endswith("Z")
    root = ET.fromstring(w.request("GET", "/bigdata?prefix=ls&marker=ls%2Ffile-1.txt")[2])
    assert [k.text for k in root.iter("Key")] == [f"ls/file-{i}.txt" for i in (2, 3, 4)]
    assert root.findtext("IsTruncated") == "false"
    assert root.findtext("NextMarker") == "ls/file-4.txt"  # present even when complete
    only = ET.fromstring(w.request("GET", "/bigdata?prefix=ls&prefix-only=1")[2])
    assert only.find("Contents") is None
    assert only.findtext("NextMarker") == "ls/dir-b"
    # max-keys=0 is an existence check
    assert w.request("GET", "/bigdata?prefix=ls&max-keys=0")[0] == 200
    status, _, data = w.request("GET", "/bigdata?prefix=nothere&max-keys=0")
    assert status == 404 and b"No such file" in data
    assert w.request("GET", "/bigdata?prefix=ls/file-1.txt")[0] == 404  # a file, not a dir
    assert w.request("GET", "/bigdata?max-keys=-1")[0] == 400
    status, _, data = w.request("GET", "/nosuch?prefix=/")
    assert status == 404 and b"Container not found" in data
    containers = ET.fromstring(w.request("GET", "/")[2])
    assert containers.tag == "ListAllMyBucketsResult"
    ids = {b.findtext("Name"): b.findtext("Id") for b in containers.iter("Bucket")}
    assert set(ids) == {"users", "bigdata"}
    assert w.request("GET", f"/{ids['bigdata']}/ls/file-4.txt")[2] == b"xxxx"  # by id


def test_listing_of_streams_and_shards(w: support.Wire) -> None:
    body = {"ShardCount": 2, "RetentionPeriodHours": 3}
    assert w.function("CreateStream", "/bigdata/lss/st/", body, method="POST")[0] == 204
    records = {"Records": [{"Data": "eA==", "ShardId": 1}] * 3}
    assert w.function("PutRecords", "/bigdata/lss/st/", records, method="POST")[0] == 200
    root = ET.fromstring(w.request("GET", "/bigdata?prefix=lss&prefix-info=1")[2])
    prefix = root.find("CommonPrefixes")
    assert prefix is not None
    assert [prefix.findtext(t) for t in ("ShardCount", "RetentionPeriodHours")] == ["2", "3"]
    assert prefix.findtext("RetentionPeriodSec") == "10800"
    assert prefix.findtext("Mode") == "040775"
    shards = ET.fromstring(w.request("GET", "/bigdata?prefix=lss/st")[2])
    sequence = {c.findtext("Key"): c.findtext("LastSequenceId") for c in shards.iter("Contents")}
    assert sequence == {"lss/st/0": "0", "lss/st/1": "3"}


# KV details


def test_kv_system_attributes_modes_and_exact_numbers(w: support.Wire) -> None:
    item = {"pi": {"N": "3.14E+00"}, "two": {"N": "2.0"}, "big": {"N": "9223372036854775807"}}
    assert w.function("PutItem", "/bigdata/kvd/t/k", {"Item": item})[0] == 200
    assert w.function("GetItem", "/bigdata/kvd/t/k")[1] == {"Item": item}  # as sent
    status, body = w.function("GetItem", "/bigdata/kvd/t/k", {"AttributesToGet": "**"})
    attrs = body["Item"]
    assert attrs["__name"] == {"S": "k"} and attrs["__size"] == {"N": "0"}
    assert {"__mtime_secs", "__mtime_nsecs", "__mode", "__uid", "__gid", "__inode_number"} <= set(
        attrs
    )
    assert attrs["pi"] == {"N": "3.14E+00"}
    # GetItem works on any object: a file reports its data size
    w.request("PUT", "/bigdata/kvd/t/file", b"12345")
    status, body = w.function("GetItem", "/bigdata/kvd/t/file", {"AttributesToGet": "__size"})
    assert body == {"Item": {"__size": {"N": "5"}}}
    assert w.function("GetItem", "/bigdata/kvd/t")[0] == 404  # a directory is not an item
    # UpdateMode
    status, body = w.function(
        "PutItem",
        "/bigdata/kvd/t/k",
        {"Item": {"x": {"N": "1"}}, "UpdateMode": "CreateNewItemOnly"},
    )
    assert status == 400 and body["ErrorCode"] == 369098809
    assert json.dumps(body).count("ErrorCode") == 2  # what frames checks
    status, _ = w.function(
        "PutItem",
        "/bigdata/kvd/t/k",
        {"Item": {"x": {"N": "1"}}, "UpdateMode": "OverWriteAttributes"},
    )
    assert w.function("GetItem", "/bigdata/kvd/t/k")[1] == {"Item": {"x": {"N": "1"}}}
    assert w.function("PutItem", "/bigdata/kvd/t/k", {"Item": {}, "UpdateMode": "Bogus"})[0] == 400
    # the resource path may be split between the URL and the body
    body = {"TableName": "kvd/t2", "Key": {"id": {"N": "7"}}, "Item": {"v": {"S": "seven"}}}
    assert w.function("PutItem", "/bigdata/", body)[0] == 200
    status, got = w.function("GetItem", "/bigdata/kvd/t2/7")
    assert got == {"Item": {"v": {"S": "seven"}, "id": {"N": "7"}}}
    status, page = w.function("GetItems", "/bigdata/", {"TableName": "kvd/t2", "Limit": 5})
    assert page["LastItemIncluded"] == "TRUE" and page["NumItems"] == 1
    assert "NextMarker" not in page


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"__name": {"S": "x"}}, "system attribute"),
        ({"bad-name": {"S": "x"}}, "invalid attribute name"),
        ({"n": {"N": "abc"}}, "invalid N value"),
        ({"n": {"X": 1}}, "unsupported type 'X'"),
        ({"n": {"B": "not base64!"}}, "invalid B value"),
        ({"n": {"S": "x", "N": "1"}}, "one {type: value} pair"),
        ({"n": {"N": "99999999999999999999"}}, "int64"),
        ({"n": {"S": "s" * 61201}}, "exceeds the 61200-byte limit"),
        ({f"a{i}": {"S": "x" * 60000} for i in range(27)}, "exceeds the 1572864-byte limit"),
    ],
)
def test_bad_items_are_refused_clearly(
    w: support.Wire, item: dict[str, object], fragment: str
) -> None:
    status, body = w.function("PutItem", "/bigdata/kvbad/t/k", {"Item": item})
    assert status == 400, body
    assert fragment in body["ErrorMessage"]
    assert w.function("GetItem", "/bigdata/kvbad/t/k")[0] == 404  # nothing was written


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b'{"Item": {', "malformed JSON"),
        (b"[1, 2]", "must be an object"),
        (b"\xff\xfe", "malformed JSON"),
        (b'{"AttributesToGet": 5}', "comma-separated"),
        (b'{"Limit": -1}', "Limit must be"),
        (b'{"Segment": 1}', "together"),
        (b'{"Segment": 4, "TotalSegment": 4}', "not below"),
        (b'{"Marker": 3}', "Marker must be"),
        (b'{"ShardingKey": "a", "Segment": 0, "TotalSegment": 2}', "cannot be combined"),
    ],
)
def test_malformed_requests_get_400_and_serving_continues(
    w: support.Wire, payload: bytes, fragment: str
) -> None:
    w.request("PUT", "/bigdata/bad/t/", b"")
    status, body = w.function("GetItems", "/bigdata/bad/t/", payload)
    assert status == 400, body
    assert fragment in body["ErrorMessage"]
    assert w.request("GET", "/")[0] == 200


def test_unknown_function_and_methods(w: support.Wire) -> None:
    status, body = w.function("FlyToMoon", "/bigdata/x", {})
    assert status == 400 and "unknown function 'FlyToMoon'" in body["ErrorMessage"]
    status, body = w.function("GetClusterMD", "/bigdata/x", {})
    assert status == 400 and "not supported" in body["ErrorMessage"]
    assert w.request("GET", "/bigdata/x", headers={"X-v3io-function": "GetItem"})[0] == 405
    assert w.request("PATCH", "/bigdata/x", b"")[0] == 405
    assert w.request("GET", "/")[0] == 200


def test_huge_json_body_gets_a_clear_413(emulator: V3IOEmulator, w: support.Wire) -> None:
    payload = b'{"Records": [' + b" " * (17 * 1024 * 1024) + b"]}"
    status, body = w.function("PutRecords", "/bigdata/huge/", payload, method="POST")
    assert status == 413
    assert "exceeds the 16777216-byte limit" in body["ErrorMessage"]
    assert w.request("GET", "/")[0] == 200  # drained: the connection is still usable
    # a client that asks first (Expect: 100-continue) is refused before it sends anything
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(
            b"PUT /bigdata/huge/ HTTP/1.1\r\nHost: x\r\nX-v3io-session-key: test-key\r\n"
            b"X-v3io-function: PutRecords\r\nContent-Length: 100000000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        reply = sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 413") and b"Connection: close" in reply


def test_huge_stream_records_fail_clearly(w: support.Wire) -> None:
    assert w.function("CreateStream", "/bigdata/hs/", {"ShardCount": 1}, method="POST")[0] == 204
    big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
    records = {"Records": [{"Data": big}, {"Data": "c21hbGw="}]}
    status, body = w.function("PutRecords", "/bigdata/hs/", records, method="POST")
    assert status == 200 and body["FailedRecordCount"] == 1
    assert "exceeds 1048576" in body["Records"][0]["ErrorMessage"]
    assert body["Records"][1] == {"SequenceNumber": 1, "ShardId": 0}
    many = {"Records": [{"Data": big}] * 10}
    status, body = w.function("PutRecords", "/bigdata/hs/", many, method="POST")
    assert status == 400 and "more than the 10485760 allowed" in body["ErrorMessage"]
    status, body = w.function("PutRecords", "/bigdata/hs/", {"Records": []}, method="POST")
    assert status == 400 and "1 to 1000 records" in body["ErrorMessage"]


def test_malformed_http_gets_400(emulator: V3IOEmulator) -> None:
    for garbage in (
        b"NONSENSE\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad\r\n\r\n",
    ):
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
            sock.sendall(garbage)
            reply = sock.recv(4096)
            assert reply.startswith(b"HTTP/1.1 400"), reply
            assert b"malformed HTTP request" in reply or b"unsupported protocol" in reply


# connections


def test_keep_alive_and_connection_close(emulator: V3IOEmulator) -> None:
    before = emulator.requests_served
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    try:
        for _ in range(50):
            conn.request("GET", "/", headers={"X-v3io-session-key": "test-key"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
        sock = conn.sock
        conn.request("GET", "/", headers={"X-v3io-session-key": "test-key", "Connection": "close"})
        response = conn.getresponse()
        response.read()
        assert response.will_close and sock is not None
    finally:
        conn.close()
    assert emulator.requests_served - before == 51


def test_many_concurrent_connections(emulator: V3IOEmulator) -> None:
    def worker(n: int) -> int:
        with support.wire(emulator.port, emulator.access_key) as client:
            item = {"Item": {"n": {"N": str(n)}}}
            statuses = [
                client.function("PutItem", f"/bigdata/conc/t/k{n}-{i}", item)[0] for i in range(5)
            ]
            return max(statuses)

    with ThreadPoolExecutor(max_workers=64) as pool:
        assert set(pool.map(worker, range(256))) == {200}
    with support.wire(emulator.port, emulator.access_key) as client:
        total = 0
        marker = None
        while True:
            body = {"Limit": 1000, **({"Marker": marker} if marker else {})}
            page = client.function("GetItems", "/bigdata/conc/t/", body)[1]
            total += page["NumItems"]
            if page["LastItemIncluded"] == "TRUE":
                break
            marker = page["NextMarker"]
        assert total == 256 * 5


def test_burst_of_connects_is_not_dropped(emulator: V3IOEmulator) -> None:
    socks = [socket.create_connection(("127.0.0.1", emulator.port), timeout=10) for _ in range(300)]
    try:
        request = b"GET / HTTP/1.1\r\nHost: x\r\nX-v3io-session-key: test-key\r\n\r\n"
        for sock in socks:
            sock.sendall(request)
        for sock in socks:
            assert sock.recv(20).startswith(b"HTTP/1.1 200")
    finally:
        for sock in socks:
            sock.close()


# faults


def test_fault_injection(tmp_path: Path) -> None:
    faults = Faults(error_rate=1.0, error_status=503, retry_after_s=2, functions=("PutItem",))
    with V3IOEmulator(faults=faults) as emu, support.wire(emu.port, emu.access_key) as client:
        status, _, data = client.request(
            "PUT", "/bigdata/f/t/k", json.dumps({"Item": {}}), {"X-v3io-function": "PutItem"}
        )
        assert status == 503 and error_body(data)["ErrorMessage"] == "Injected fault"
        assert client.function("GetItem", "/bigdata/f/t/k")[0] == 404  # not executed
        assert client.request("GET", "/")[0] == 200  # other functions unaffected
        status, headers, _ = client.request(
            "PUT", "/bigdata/f/t/k", json.dumps({"Item": {}}), {"X-v3io-function": "PutItem"}
        )
        assert headers["Retry-After"] == "2"
        emu.set_faults({"drop_rate": 1.0})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            client.request("GET", "/")
        emu.set_faults({"delay_s": 0.2})
        assert client.request("GET", "/")[0] == 200
        emu.set_faults(None)
        assert client.function("PutItem", "/bigdata/f/t/k", {"Item": {}})[0] == 200
        assert emu.fault_stats == {"injected_errors": 2, "dropped_connections": 1}
    with pytest.raises(ValueError, match="error_rate"):
        Faults(error_rate=2.0)


def test_partial_error_rate_is_seeded(tmp_path: Path) -> None:
    def pattern() -> list[int]:
        with V3IOEmulator(faults=Faults(error_rate=0.5, seed=7)) as emu:
            with support.wire(emu.port, emu.access_key) as client:
                return [client.request("GET", "/")[0] for _ in range(40)]

    first = pattern()
    assert set(first) == {200, 503}
    assert pattern() == first


# persistence and lifecycle


def test_data_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "v3io-data"
    with V3IOEmulator(data_dir=data_dir, access_key="k1", containers=("alpha",)) as emu:
        with support.wire(emu.port, "k1") as client:
            assert client.request("PUT", "/alpha/dir/obj", b"persisted")[0] == 200
            assert client.function("PutItem", "/alpha/t/i", {"Item": {"v": {"N": "1"}}})[0] == 200
            body = {"ShardCount": 1}
            assert client.function("CreateStream", "/alpha/s/", body, method="POST")[0] == 204
            records = {"Records": [{"Data": base64.b64encode(b"rec").decode()}]}
            assert client.function("PutRecords", "/alpha/s/", records, method="POST")[0] == 200
    with V3IOEmulator(data_dir=data_dir, access_key="k2", containers=("alpha", "beta")) as emu:
        with support.wire(emu.port, "k2") as client:
            assert client.request("GET", "/alpha/dir/obj")[2] == b"persisted"
            assert client.function("GetItem", "/alpha/t/i")[1] == {"Item": {"v": {"N": "1"}}}
            location = client.function("SeekShard", "/alpha/s/0/", {"Type": "EARLIEST"})[1]
            got = client.function("GetRecords", "/alpha/s/0/", location)[1]
            assert [r["Data"] for r in got["Records"]] == [base64.b64encode(b"rec").decode()]
            names = [
                b.findtext("Name")
                for b in ET.fromstring(client.request("GET", "/")[2]).iter("Bucket")
            ]
            assert names == ["alpha", "beta"]
    assert (data_dir / "v3io.sqlite3").exists()


def test_temporary_data_dir_is_removed_and_threads_end() -> None:
    before = threading.active_count()
    emu = V3IOEmulator()
    emu.start()
    data_dir = emu.data_dir
    idle = [socket.create_connection(("127.0.0.1", emu.port)) for _ in range(5)]
    try:
        with support.wire(emu.port, emu.access_key) as client:
            assert client.request("GET", "/")[0] == 200
        emu.stop()
    finally:
        for sock in idle:
            sock.close()
    assert not data_dir.exists()
    assert threading.active_count() <= before
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.endpoint


def test_storewire_serve_starts_v3io_and_writes_env(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from storewire.emulators import serve

    env_file = tmp_path / "emulators.env"
    args = SimpleNamespace(
        only=("v3io",), v3io=("127.0.0.1", 0), data=tmp_path / "data", env_file=env_file
    )
    stop = threading.Event()
    printed = io.StringIO()
    runner = threading.Thread(
        target=serve.serve, args=(args,), kwargs={"stop": stop, "out": printed}
    )
    runner.start()
    try:
        for _ in range(100):
            if env_file.exists():
                break
            stop.wait(0.05)
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert set(env) == {"V3IO_API", "V3IO_ACCESS_KEY"}
        port = int(env["V3IO_API"].rsplit(":", 1)[1])
        with support.wire(port, env["V3IO_ACCESS_KEY"]) as client:
            assert client.request("GET", "/")[0] == 200
    finally:
        stop.set()
        runner.join(10)
    assert "v3io: http://127.0.0.1:" in printed.getvalue()
    # the generated key is kept with the data, so a restart keeps working with the env file
    assert (tmp_path / "data" / "v3io" / "access-key").read_text().strip() == env["V3IO_ACCESS_KEY"]


def test_get_items_page_boundaries(w: support.Wire) -> None:
    for i in range(5):
        assert (
            w.function("PutItem", f"/bigdata/pages/t/k{i}", {"Item": {"i": {"N": str(i)}}})[0]
            == 200
        )
    whole = w.function("GetItems", "/bigdata/pages/t/", {"Limit": 5})[1]
    assert (whole["NumItems"], whole["LastItemIncluded"]) == (5, "TRUE")
    first = w.function("GetItems", "/bigdata/pages/t/", {"Limit": 3})[1]
    assert (first["NumItems"], first["LastItemIncluded"], first["NextMarker"]) == (3, "FALSE", "k2")
    second = w.function("GetItems", "/bigdata/pages/t/", {"Limit": 3, "Marker": "k2"})[1]
    assert [item["__name"]["S"] for item in second["Items"]] == ["k3", "k4"]
    assert second["LastItemIncluded"] == "TRUE" and "NextMarker" not in second
    selected = w.function("GetItems", "/bigdata/pages/t/", {"AttributesToGet": "i,__size"})[1]
    assert selected["Items"][0] == {"i": {"N": "0"}, "__size": {"N": "0"}}
    assert w.function("GetItems", "/bigdata/pages/none/", {})[0] == 404
