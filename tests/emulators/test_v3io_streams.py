"""Stream semantics at the wire level: shards, sequence numbers, seek types, locations,
lag counters, retention (with the emulator's clock knob) and the documented errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from storewire.emulators.v3io import V3IOEmulator

try:
    from . import _v3io_support as support
except ImportError:  # tests/emulators is not a package: its directory is on sys.path
    import _v3io_support as support  # type: ignore[no-redef]


@pytest.fixture
def emulator() -> Iterator[V3IOEmulator]:
    with V3IOEmulator() as emu:
        yield emu


@pytest.fixture
def w(emulator: V3IOEmulator) -> Iterator[support.Wire]:
    with support.wire(emulator.port, emulator.access_key) as client:
        yield client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def put(w: support.Wire, stream: str, *records: dict[str, Any]) -> Any:
    status, body = w.function("PutRecords", stream, {"Records": list(records)}, method="POST")
    assert status == 200, body
    return body


def seek(w: support.Wire, shard_path: str, **body: Any) -> str:
    status, reply = w.function("SeekShard", shard_path, body)
    assert status == 200, reply
    assert reply["Location"]
    return str(reply["Location"])


def get(w: support.Wire, shard_path: str, location: str, limit: int | None = None) -> Any:
    body: dict[str, Any] = {"Location": location}
    if limit is not None:
        body["Limit"] = limit
    status, reply = w.function("GetRecords", shard_path, body)
    assert status == 200, reply
    return reply


def test_sequence_numbers_lag_and_paging(emulator: V3IOEmulator, w: support.Wire) -> None:
    assert w.function("CreateStream", "/bigdata/s/", {"ShardCount": 2}, method="POST")[0] == 204
    assert w.function("DescribeStream", "/bigdata/s/")[1] == {
        "ShardCount": 2,
        "RetentionPeriodHours": 24,  # the default
    }
    for i in range(5):
        put(w, "/bigdata/s/", {"Data": b64(f"r{i}".encode()), "ShardId": 0, "PartitionKey": "pk"})
        emulator.advance_clock(1.0)  # one second between records
    earliest = seek(w, "/bigdata/s/0/", Type="EARLIEST")
    page = get(w, "/bigdata/s/0/", earliest, limit=2)
    assert [r["SequenceNumber"] for r in page["Records"]] == [1, 2]
    assert page["RecordsBehindLatest"] == 3
    assert 3000 <= page["MSecBehindLatest"] < 4000  # 3 clock seconds + real time
    assert page["Records"][0]["PartitionKey"] == "pk" and "ClientInfo" not in page["Records"][0]
    rest = get(w, "/bigdata/s/0/", page["NextLocation"])
    assert [r["SequenceNumber"] for r in rest["Records"]] == [3, 4, 5]
    assert (rest["RecordsBehindLatest"], rest["MSecBehindLatest"]) == (0, 0)
    tail = get(w, "/bigdata/s/0/", rest["NextLocation"])
    assert tail["Records"] == [] and tail["NextLocation"] == rest["NextLocation"]
    # the other shard is empty: EARLIEST == LATEST, and no-shard paths work without "/"
    empty = seek(w, "/bigdata/s/1", Type="EARLIEST")
    assert empty == seek(w, "/bigdata/s/1", Type="LATEST")
    assert get(w, "/bigdata/s/1", empty)["Records"] == []


def test_seek_types_and_body_addressing(emulator: V3IOEmulator, w: support.Wire) -> None:
    create = {"StreamName": "dir/st", "ShardCount": 1}
    assert w.function("CreateStream", "/bigdata/", create, method="POST")[0] == 204
    start = emulator.clock.now_ns()
    put(w, "/bigdata/dir/st/", {"Data": b64(b"a")}, {"Data": b64(b"b")})
    emulator.advance_clock(10)
    body = {"StreamName": "dir/st", "ShardId": 0}
    by_seq = seek(w, "/bigdata/", Type="SEQUENCE", StartingSequenceNumber=2, **body)
    assert [r["Data"] for r in get(w, "/bigdata/dir/st/0/", by_seq)["Records"]] == [b64(b"b")]
    secs, nsecs = divmod(start + 5 * 10**9, 10**9)
    by_time = seek(w, "/bigdata/dir/st/0/", Type="TIME", TimestampSec=secs, TimestampNSec=nsecs)
    assert (
        get(w, "/bigdata/dir/st/0/", by_time)["Records"] == []
    )  # nothing arrived after that time yet
    put(w, "/bigdata/dir/st/", {"Data": b64(b"c"), "ClientInfo": b64(b"info")})
    records = get(w, "/bigdata/dir/st/0/", by_time)["Records"]
    assert [(r["SequenceNumber"], r["ClientInfo"]) for r in records] == [(3, b64(b"info"))]
    missing = {"Type": "SEQUENCE", "StartingSequenceNumber": 9}
    status, reply = w.function("SeekShard", "/bigdata/dir/st/0/", missing)
    assert status == 400 and "InvalidArgumentException" in reply["ErrorMessage"]
    status, reply = w.function("SeekShard", "/bigdata/dir/st/0/", {"Type": "SIDEWAYS"})
    assert status == 400 and "EARLIEST, LATEST, SEQUENCE or TIME" in reply["ErrorMessage"]


def test_put_records_to_missing_stream_is_not_found(w: support.Wire) -> None:
    records = {"Records": [{"Data": "eA=="}]}
    status, reply = w.function("PutRecords", "/bigdata/nostream/", records, method="POST")
    assert status == 404 and reply["ErrorMessage"].startswith("ResourceNotFoundException")
    w.request("PUT", "/bigdata/plain/", b"")
    status, reply = w.function("PutRecords", "/bigdata/plain/", records, method="POST")
    assert status == 404  # a plain directory too (a known issue of the real server)
    status, reply = w.function("DescribeStream", "/bigdata/plain/")
    assert status == 400 and reply["ErrorMessage"].startswith("ResourceNotStreamException")
    status, reply = w.function("DescribeStream", "/bigdata/nostream/")
    assert status == 404


def test_locations_are_checked(emulator: V3IOEmulator, w: support.Wire) -> None:
    for name in ("a", "b"):
        body = {"ShardCount": 2}
        assert w.function("CreateStream", f"/bigdata/{name}/", body, method="POST")[0] == 204
    put(w, "/bigdata/a/", {"Data": b64(b"x"), "ShardId": 0})
    location = seek(w, "/bigdata/a/0/", Type="EARLIEST")
    for shard_path in ("/bigdata/a/1/", "/bigdata/b/0/"):
        status, reply = w.function("GetRecords", shard_path, {"Location": location})
        assert status == 400 and reply["ErrorMessage"].startswith("IllegalLocation")
    for bad in ("not base64!", b64(b"short"), ""):
        status, reply = w.function("GetRecords", "/bigdata/a/0/", {"Location": bad})
        assert status == 400
    status, reply = w.function("GetRecords", "/bigdata/a/7/", {"Location": location})
    assert status == 400 and reply["ErrorCode"] == -201326594
    assert reply["ErrorMessage"].startswith("ShardIDOutOfRangeException")
    # a recreated stream does not accept the old stream's locations
    for key in ("a/0", "a/1"):
        assert w.request("DELETE", f"/bigdata/{key}")[0] == 204
    assert w.request("DELETE", "/bigdata/a/")[0] == 204
    assert w.function("CreateStream", "/bigdata/a/", {"ShardCount": 2}, method="POST")[0] == 204
    status, reply = w.function("GetRecords", "/bigdata/a/0/", {"Location": location})
    assert status == 400 and reply["ErrorMessage"].startswith("IllegalLocation")


def test_retention_expires_records(emulator: V3IOEmulator, w: support.Wire) -> None:
    body = {"ShardCount": 1, "RetentionPeriodHours": 1}
    assert w.function("CreateStream", "/bigdata/ret/", body, method="POST")[0] == 204
    put(w, "/bigdata/ret/", {"Data": b64(b"old-1")}, {"Data": b64(b"old-2")})
    old_location = seek(w, "/bigdata/ret/0/", Type="EARLIEST")
    emulator.advance_clock(3600 + 30)
    put(w, "/bigdata/ret/", {"Data": b64(b"new")})
    status, reply = w.function("GetRecords", "/bigdata/ret/0/", {"Location": old_location})
    assert status == 400 and reply["ErrorMessage"].startswith("IllegalLocation")
    fresh = seek(w, "/bigdata/ret/0/", Type="EARLIEST")
    records = get(w, "/bigdata/ret/0/", fresh)["Records"]
    assert [(r["SequenceNumber"], r["Data"]) for r in records] == [(3, b64(b"new"))]
    emulator.advance_clock(3600 + 30)
    empty = seek(w, "/bigdata/ret/0/", Type="EARLIEST")
    assert empty == seek(w, "/bigdata/ret/0/", Type="LATEST")
    status, body_out = w.function("GetItem", "/bigdata/ret/0", {"AttributesToGet": "**"})
    assert body_out["Item"]["__last_sequence_num"] == {"N": "3"}
    assert body_out["Item"]["__size"] == {"N": "0"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"ShardCount": 0}, "ShardCount must be an integer from 1 to 4096"),
        ({"ShardCount": 5000}, "ShardCount"),
        ({"ShardCount": "2"}, "ShardCount"),
        ({"ShardCount": 1, "RetentionPeriodHours": 0}, "RetentionPeriodHours"),
        ({}, "ShardCount"),
    ],
)
def test_create_stream_validation(w: support.Wire, body: dict[str, Any], fragment: str) -> None:
    status, reply = w.function("CreateStream", "/bigdata/bad-stream/", body, method="POST")
    assert status == 400 and fragment in reply["ErrorMessage"]
    assert reply["ErrorMessage"].startswith("InvalidArgumentException")
    assert w.function("DescribeStream", "/bigdata/bad-stream/")[0] == 404
