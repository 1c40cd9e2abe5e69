"""Streaming data-service functions.

A stream is a directory whose metadata holds the shard count, the retention and the
round-robin counter; its shards are objects ``0``..``N-1`` (listable, deletable) whose
records live in the ``records`` table. Sequence numbers start at 1 per shard. A location
is base64 of 16 bytes (shard node id, sequence number), so a location from another shard
or from an earlier stream at the same path is refused as ``IllegalLocation``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import struct
from typing import Any

from .errors import EEXIST, EINVAL, ENOENT, SHARD_OUT_OF_RANGE, V3ioError, stream_error
from .httpio import Response, json_response
from .store import Node, Store, split_path

MAX_SHARDS = 4096
MAX_RETENTION_HOURS = 24 * 366
DEFAULT_RETENTION_HOURS = 24
MAX_RECORDS_PER_PUT = 1000
MAX_RECORD_BYTES = 1024 * 1024
MAX_PARTITION_KEY_BYTES = 256
MAX_PUT_BYTES = 10 * 1024 * 1024
DEFAULT_GET_LIMIT = 1000
MAX_GET_LIMIT = 10000
MAX_GET_BYTES = 10 * 1024 * 1024
_LOCATION = struct.Struct("<QQ")


def _invalid(detail: str) -> V3ioError:
    return stream_error(400, "InvalidArgumentException", detail, EINVAL)


def _not_found(where: str) -> V3ioError:
    return stream_error(404, "ResourceNotFoundException", where, ENOENT)


def _out_of_range(shard: int, count: int) -> V3ioError:
    detail = f"shard {shard} is not in 0..{count - 1}"
    return stream_error(400, "ShardIDOutOfRangeException", detail, SHARD_OUT_OF_RANGE)


def _int(body: dict[str, Any], field: str, low: int, high: int, default: int | None = None) -> int:
    value = body.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"{field} must be an integer from {low} to {high}, got {value!r}")
    return value


def _stream_parts(url_parts: list[str], body: dict[str, Any]) -> list[str]:
    name = body.get("StreamName")
    if name is None:
        return list(url_parts)
    if not isinstance(name, str):
        raise _invalid("StreamName must be a string")
    return url_parts + split_path(name)


def _stream(store: Store, root: Node, parts: list[str], *, lenient: bool = False) -> Node:
    """The stream directory; non-streams are 'not found' when ``lenient`` (PutRecords)."""
    where = "/".join(parts)
    node = store.lookup(root, parts) if parts else None
    if node is None:
        raise _not_found(where)
    if not node.is_dir or node.meta is None or "shards" not in json.loads(node.meta):
        if lenient:
            raise _not_found(where)
        raise stream_error(400, "ResourceNotStreamException", where, EINVAL)
    return node


def _meta(node: Node) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(node.meta or "{}")
    return meta


def create_stream(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    parts = _stream_parts(url_parts, body)
    if not parts:
        raise _invalid("a stream needs a path inside the container")
    shards = _int(body, "ShardCount", 1, MAX_SHARDS)
    hours = _int(
        body, "RetentionPeriodHours", 1, MAX_RETENTION_HOURS, default=DEFAULT_RETENTION_HOURS
    )
    with store.transaction():
        if store.lookup(root, parts) is not None:
            raise stream_error(400, "ResourceInUseException", "/".join(parts), EEXIST)
        parent = store.make_dirs(root, parts[:-1])
        meta = json.dumps({"shards": shards, "retention_hours": hours, "rr": 0})
        stream = store.insert(parent, parts[-1], is_dir=True, meta=meta)
        for shard in range(shards):
            store.insert(stream.id, str(shard), is_dir=False, meta='{"last_seq":0}')
    return Response(204)


def update_stream(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    parts = _stream_parts(url_parts, body)
    shards = _int(body, "ShardCount", 1, MAX_SHARDS)
    with store.transaction():
        stream = _stream(store, root, parts)
        meta = _meta(stream)
        if shards <= meta["shards"]:
            raise stream_error(
                400,
                "InvalidShardCountException",
                f"the shard count can only grow (now {meta['shards']}, asked {shards})",
                EINVAL,
            )
        for shard in range(meta["shards"], shards):
            if store.child(stream.id, str(shard)) is None:
                store.insert(stream.id, str(shard), is_dir=False, meta='{"last_seq":0}')
        meta["shards"] = shards
        store.touch(stream, meta=json.dumps(meta))
    return Response(204)


def describe_stream(
    store: Store, root: Node, url_parts: list[str], body: dict[str, Any]
) -> Response:
    stream = _stream(store, root, _stream_parts(url_parts, body))
    meta = _meta(stream)
    return json_response(
        json.dumps({"ShardCount": meta["shards"], "RetentionPeriodHours": meta["retention_hours"]})
    )


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise _invalid(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII string
        raise _invalid(f"{what} is not valid base64") from None


@functools.lru_cache(maxsize=4096)  # producers reuse a few keys: hash each once
def _partition_shard(key: str, count: int) -> int:
    # any stable hash will do (the real one is undocumented); md5 spreads keys evenly
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:8], "big") % count


def _b64text(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def put_records(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    records = body.get("Records")
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_RECORDS_PER_PUT:
        raise _invalid(f"Records must be a list of 1 to {MAX_RECORDS_PER_PUT} records")
    decoded = []
    total = 0
    for i, record in enumerate(records):
        if not isinstance(record, dict) or "Data" not in record:
            raise _invalid(f"record {i} has no Data")
        data = _b64(record["Data"], f"record {i} Data")
        info = record.get("ClientInfo")
        client_info = _b64(info, f"record {i} ClientInfo") if info is not None else None
        shard_id = record.get("ShardId")
        if shard_id is not None and (isinstance(shard_id, bool) or not isinstance(shard_id, int)):
            raise _invalid(f"record {i} ShardId must be an integer")
        key = record.get("PartitionKey")
        if key is not None and not isinstance(key, str):
            raise _invalid(f"record {i} PartitionKey must be a string")
        total += len(data) + len(client_info or b"")
        decoded.append((data, client_info, shard_id, key))
    if total > MAX_PUT_BYTES:
        raise _invalid(f"the records hold {total} bytes, more than the {MAX_PUT_BYTES} allowed")

    results: list[dict[str, Any]] = []
    failed = 0
    with store.transaction():
        stream = _stream(store, root, _stream_parts(url_parts, body), lenient=True)
        meta = _meta(stream)
        count = meta["shards"]
        shards: dict[int, Node] = {}
        last: dict[int, int] = {}
        added: dict[int, int] = {}
        now = store.now()
        rows: list[tuple[Any, ...]] = []
        for data, client_info, shard_id, key in decoded:
            error = None
            if shard_id is not None:
                shard = shard_id
            elif key is not None:
                shard = _partition_shard(key, count)
            else:
                # the per-stream round-robin counter (reset when the stream is recreated)
                shard = meta["rr"] % count
                meta["rr"] += 1
            if not 0 <= shard < count:
                error = _out_of_range(shard, count)
            elif len(data) > MAX_RECORD_BYTES:
                error = _invalid(f"record data of {len(data)} bytes exceeds {MAX_RECORD_BYTES}")
            elif key is not None and len(key.encode()) > MAX_PARTITION_KEY_BYTES:
                error = _invalid(f"PartitionKey longer than {MAX_PARTITION_KEY_BYTES} bytes")
            if error is not None:
                failed += 1
                # ErrorCode only on failures: Python users test `error_code is None`
                results.append({"ErrorCode": error.code, "ErrorMessage": error.message})
                continue
            if shard not in shards:
                node = store.child(stream.id, str(shard))
                if node is None:  # a shard object deleted by hand: recreate it
                    node = store.insert(stream.id, str(shard), is_dir=False, meta='{"last_seq":0}')
                shards[shard] = node
                last[shard] = _meta(node).get("last_seq", 0)
                added[shard] = 0
            last[shard] += 1
            added[shard] += len(data)
            rows.append((shards[shard].id, last[shard], now, key, client_info, data))
            results.append({"SequenceNumber": last[shard], "ShardId": shard})
        if rows:  # one statement for all the records: the per-row cost is sqlite's only
            store.execute_many(
                "INSERT INTO records (shard, seq, arrival_ns, partition_key, client_info, data)"
                " VALUES (?, ?, ?, ?, ?, ?)", rows)
        for shard, node in shards.items():
            store.touch(
                node, meta=json.dumps({"last_seq": last[shard]}), size=node.size + added[shard]
            )
        if meta["rr"] != _meta(stream)["rr"]:
            store.touch(stream, meta=json.dumps(meta))
    return json_response(json.dumps({"FailedRecordCount": failed, "Records": results}))


def _shard(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Node:
    """The shard object addressed by ``<stream>/<shard>/`` or by the body's ShardId."""
    if "ShardId" in body:
        stream_parts = _stream_parts(url_parts, body)
        shard_id = body["ShardId"]
        if isinstance(shard_id, bool) or not isinstance(shard_id, int):
            raise _invalid("ShardId must be an integer")
    else:
        if not url_parts:
            raise _invalid("no shard given")
        stream_parts, text = url_parts[:-1], url_parts[-1]
        if not text.isdigit():
            raise _invalid(f"'{text}' is not a shard id (give <stream>/<shard>/ or ShardId)")
        shard_id = int(text)
    stream = _stream(store, root, stream_parts)
    count = _meta(stream)["shards"]
    if not 0 <= shard_id < count:
        raise _out_of_range(shard_id, count)
    node = store.child(stream.id, str(shard_id))
    if node is None:
        node = store.insert(stream.id, str(shard_id), is_dir=False, meta='{"last_seq":0}')
    _expire(store, stream, node)
    return node


def _expire(store: Store, stream: Node, shard: Node) -> None:
    """Drop records older than the stream's retention period."""
    cutoff = store.now() - _meta(stream)["retention_hours"] * 3600 * 1_000_000_000
    cursor = store.execute(
        "DELETE FROM records WHERE shard = ? AND arrival_ns < ?", (shard.id, cutoff)
    )
    if cursor.rowcount:
        (size,) = store.query(
            "SELECT COALESCE(SUM(LENGTH(data)), 0) FROM records WHERE shard = ?", (shard.id,)
        )[0]
        store.touch(shard, size=size)


def _bounds(store: Store, shard: Node) -> tuple[int, int]:
    """(first retained sequence number, next sequence number to be written)."""
    end = _meta(shard).get("last_seq", 0) + 1
    (first,) = store.query("SELECT MIN(seq) FROM records WHERE shard = ?", (shard.id,))[0]
    return (end if first is None else first), end


def _location(shard: Node, seq: int) -> str:
    return base64.b64encode(_LOCATION.pack(shard.id, seq)).decode()


def seek_shard(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    kind = body.get("Type")
    with store.transaction():
        shard = _shard(store, root, url_parts, body)
        first, end = _bounds(store, shard)
        if kind == "EARLIEST":
            seq = first
        elif kind == "LATEST":
            seq = end
        elif kind == "SEQUENCE":
            seq = _int(body, "StartingSequenceNumber", 0, 2**63 - 1)
            found = store.query(
                "SELECT 1 FROM records WHERE shard = ? AND seq = ?", (shard.id, seq)
            )
            if not found:
                raise _invalid(f"sequence number {seq} is not in shard {shard.name}")
        elif kind == "TIME":
            secs = _int(body, "TimestampSec", 0, 2**40)
            nsecs = _int(body, "TimestampNSec", 0, 999_999_999, default=0)
            (at,) = store.query(
                "SELECT MIN(seq) FROM records WHERE shard = ? AND arrival_ns >= ?",
                (shard.id, secs * 1_000_000_000 + nsecs),
            )[0]
            seq = end if at is None else at
        else:
            raise _invalid(f"Type must be EARLIEST, LATEST, SEQUENCE or TIME, got {kind!r}")
    return json_response(json.dumps({"Location": _location(shard, seq)}))


def _illegal_location(detail: str) -> V3ioError:
    return stream_error(400, "IllegalLocation", detail, EINVAL)


def get_records(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    location = body.get("Location")
    if not isinstance(location, str) or not location:
        raise _invalid("Location is required (from SeekShard or NextLocation)")
    # Go clients always send Limit, 0 meaning "the default"
    limit = _int(body, "Limit", 0, MAX_GET_LIMIT, default=DEFAULT_GET_LIMIT) or DEFAULT_GET_LIMIT
    try:
        shard_id, seq = _LOCATION.unpack(base64.b64decode(location, validate=True))
    except (ValueError, struct.error):  # ValueError covers binascii.Error and non-ASCII
        raise _illegal_location("not a location returned by this server") from None
    with store.transaction():
        shard = _shard(store, root, url_parts, body)
        if shard_id != shard.id:
            raise _illegal_location("the location belongs to another shard or stream")
        first, end = _bounds(store, shard)
        if seq < first:
            raise _illegal_location(f"record {seq} has expired (the earliest is {first})")
        if seq > end:
            raise _illegal_location(f"record {seq} does not exist yet (next is {end})")
        rows = store.query(
            "SELECT seq, arrival_ns, partition_key, client_info, data FROM records"
            " WHERE shard = ? AND seq >= ? ORDER BY seq LIMIT ?",
            (shard.id, seq, limit),
        )
        newest = None
        if end - 1 >= first:
            newest = store.query(
                "SELECT arrival_ns FROM records WHERE shard = ? AND seq = ?", (shard.id, end - 1)
            )
    records: list[dict[str, Any]] = []
    size = 0
    next_seq = seq
    last_arrival = None
    for number, arrival_ns, key, client_info, data in rows:
        if records and size + len(data) > MAX_GET_BYTES:
            break
        size += len(data)
        secs, nsecs = divmod(arrival_ns, 1_000_000_000)
        record: dict[str, Any] = {
            "ArrivalTimeSec": secs,
            "ArrivalTimeNSec": nsecs,
            "SequenceNumber": number,
        }
        if client_info is not None:
            record["ClientInfo"] = _b64text(client_info)
        if key is not None:
            record["PartitionKey"] = key
        record["Data"] = _b64text(data)
        records.append(record)
        next_seq = number + 1
        last_arrival = arrival_ns
    behind = end - next_seq
    msec_behind = 0
    if behind > 0 and newest:
        reference = last_arrival
        if reference is None:
            reference = rows[0][1] if rows else newest[0][0]
        msec_behind = max(0, (newest[0][0] - reference) // 1_000_000)
    return json_response(
        json.dumps(
            {
                "NextLocation": _location(shard, next_seq),
                "MSecBehindLatest": msec_behind,
                "RecordsBehindLatest": behind,
                "Records": records,
            }
        )
    )
