"""Streams through storewire's v3io client (flat and model APIs)."""

from __future__ import annotations

import pytest

import v3io.dataplane
from storewire import errors


def test_stream_lifecycle(client, name):
    stream = f"/{name}/stream"
    assert client.create_stream("users", stream, shard_count=4).status_code in (200, 204)
    out = client.describe_stream("users", stream).output
    assert (out.shard_count, out.retention_period_hours) == (4, 24)
    client.stream.update("users", stream, 8)
    assert client.stream.describe("users", stream).output.shard_count == 8
    records = [
        {"shard_id": 1, "data": "one"},
        {"shard_id": 1, "data": b"two", "client_info": b"ci", "partition_key": "pk"},
        {"shard_id": 99, "data": "bad shard"},
        {"partition_key": "some-key", "data": "hashed"},
    ]
    # a partial failure raises, naming the records that are stored (never resend those)
    with pytest.raises(v3io.dataplane.errors.PutRecordsError) as caught:
        client.create_stream("users", f"/{name}/other", shard_count=2)
        client.put_records("users", f"/{name}/other", records)
    assert caught.value.stored_records == [0, 1, 3]
    assert caught.value.failed_records == [2] and caught.value.maybe_stored_records == []
    assert "records stored: 0-1, 3; refused: 2" in str(caught.value)
    assert caught.value.response.output.failed_record_count == 1
    # raise_for_status=never gives the official SDK's answer: per-record results
    put = client.put_records("users", stream, records,
                             raise_for_status=v3io.dataplane.RaiseForStatus.never).output
    assert put.failed_record_count == 1
    assert [r.sequence_number for r in put.records[:2]] == [1, 2]
    assert put.records[0].error_code is None and put.records[2].error_code
    location = client.seek_shard("users", f"{stream}/1", "EARLIEST").output.location
    got = client.get_records("users", f"{stream}/1", location).output
    assert [r.data for r in got.records] == [b"one", b"two"]
    assert got.records[1].client_info == b"ci" and got.records[1].partition_key == "pk"
    assert got.records[0].client_info is None
    assert got.records_behind_latest == 0
    # model API: limit, SEQUENCE and LATEST seeks
    page = client.stream.get_records("users", stream, 1, location, limit=1).output
    assert [r.data for r in page.records] == [b"one"]
    nxt = client.stream.get_records("users", stream, 1, page.next_location).output
    assert [r.data for r in nxt.records] == [b"two"]
    seq = client.stream.seek("users", stream, 1, "SEQUENCE", starting_sequence_number=2)
    assert [r.data for r in client.stream.get_records(
        "users", stream, 1, seq.output.location).output.records] == [b"two"]
    latest = client.stream.seek("users", stream, 1, "LATEST").output.location
    assert client.stream.get_records("users", stream, 1, latest).output.records == []
    arrival = got.records[0].arrival_time_sec
    by_time = client.stream.seek("users", stream, 1, "TIME", timestamp_sec=arrival - 1)
    assert len(client.stream.get_records("users", stream, 1,
                                         by_time.output.location).output.records) == 2
    client.delete_stream("users", stream)
    with pytest.raises(FileNotFoundError):
        client.describe_stream("users", stream)


def test_stream_errors(client, name):
    stream = f"{name}/s"
    client.stream.create("users", stream, 2, retention_period_hours=1)
    with pytest.raises(v3io.dataplane.HttpResponseError):
        client.stream.create("users", stream, 2)
    with pytest.raises(errors.InvalidRequestError):
        client.stream.seek("users", stream, 7, "EARLIEST")  # ShardIDOutOfRange
    with pytest.raises(ValueError):
        client.stream.seek("users", stream, 0, "BOGUS")
    with pytest.raises(ValueError):
        client.stream.seek("users", stream, 0, "SEQUENCE")
    client.stream.delete("users", stream)
    missing = client.stream.delete("users", stream,
                                   raise_for_status=v3io.dataplane.RaiseForStatus.never)
    assert missing.status_code == 404
