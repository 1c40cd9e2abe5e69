"""Drives the official ``v3io`` SDK (PyPI, in its own venv) against the emulator.

Run as ``python official_v3io.py <scenario>`` with ``V3IO_API`` and ``V3IO_ACCESS_KEY``
set; prints one JSON object (the observations) on its last line. It imports the official
SDK, never storewire: the test suite checks the output.
"""

from __future__ import annotations

import array
import base64
import datetime
import io
import json
import os
import sys
import time
from contextlib import redirect_stdout
from typing import Any

import v3io.dataplane
from v3io.dataplane.response import HttpResponseError

NEVER = v3io.dataplane.RaiseForStatus.never


def plain(value: Any) -> Any:
    """JSON-friendly form of decoded attribute values, keeping their Python type visible."""
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, list):
        return {"list": [plain(v) for v in value]}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    return {type(value).__name__: repr(value)}


def error_of(call: Any) -> dict[str, Any]:
    try:
        call()
    except HttpResponseError as exc:
        return {"status": exc.status_code, "message": str(exc)}
    return {"status": None, "message": ""}


def scenario_readme(client: v3io.dataplane.Client) -> dict[str, Any]:
    """The README examples as written (``new_items_cursor`` is broken client-side in 0.7.2,
    so the query also runs through ``kv.new_cursor``)."""
    out: dict[str, Any] = {}
    captured = io.StringIO()
    with redirect_stdout(captured):
        response = client.get_containers()
        print(f"Status code: {response.status_code}")
        for container_idx, container in enumerate(response.output.containers):
            print(f"#{container_idx}: {container.name}")
        response = client.get_containers(raise_for_status=v3io.dataplane.RaiseForStatus.never)
        response = client.get_containers(raise_for_status=[200, 204])
        for idx in range(16):
            client.batch.put_object(container="bigdata", path=f"/object{idx}", body=f"object-{idx}")
        out["batch_statuses"] = [r.status_code for r in client.batch.wait()]
        client.put_object(container="users", path="/my-object", body="hello, there")
        response = client.get_object(container="users", path="/my-object")
        print(response.body.decode("utf-8"))
        client.delete_object(container="users", path="/my-object")
        items = {
            "bob": {"age": 42, "feature": "mustache"},
            "linda": {"age": 41, "feature": "singing"},
            "louise": {"age": 9, "feature": "bunny ears"},
        }
        for item_key, item_attributes in items.items():
            client.put_item(
                container="users", path="/bobs-burgers/" + item_key, attributes=item_attributes
            )
        client.update_item(
            container="users",
            path="/bobs-burgers/louise",
            attributes={"height": 130, "quip": "i can smell fear on you"},
        )
        response = client.get_item(
            container="users",
            path="/bobs-burgers/louise",
            attribute_names=["__size", "age", "quip", "height"],
        )
        print(response.output.item)
        try:
            items_cursor = client.new_items_cursor(
                container="users",
                path="/bobs-burgers/",
                attribute_names=["age", "feature"],
                filter_expression="age > 15",
            )
            items_cursor.all()
            out["new_items_cursor"] = "worked"
        except (HttpResponseError, TypeError) as exc:
            out["new_items_cursor"] = type(exc).__name__
        cursor = client.kv.new_cursor(
            container="users",
            table_path="/bobs-burgers/",
            attribute_names=["age", "feature"],
            filter_expression="age > 15",
        )
        for item in cursor.all():
            print(item)
        client.create_stream(container="users", path="/my-test-stream", shard_count=8)
        records = [
            {"shard_id": 1, "data": "first shard record #1"},
            {"shard_id": 1, "data": "first shard record #2"},
            {"shard_id": 2, "data": "second shard record #1"},
            {"data": "some shard record #1"},
        ]
        client.put_records(container="users", path="/my-test-stream", records=records)
        response = client.seek_shard(
            container="users", path="/my-test-stream/1", seek_type="EARLIEST"
        )
        response = client.get_records(
            container="users", path="/my-test-stream/1", location=response.output.location
        )
        for record in response.output.records:
            print(record.data.decode("utf-8"))
        client.delete_stream(container="users", path="/my-test-stream")
    out["printed"] = captured.getvalue().splitlines()
    described = client.describe_stream(
        container="users", path="/my-test-stream", raise_for_status=NEVER
    )
    out["describe_after_delete"] = described.status_code
    return out


def scenario_objects(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c = "bigdata"
    payload = bytes(range(256)) * 40
    client.object.put(c, "/objs/bin/data.bin", body=payload)
    whole = client.object.get(c, "/objs/bin/data.bin")
    out["roundtrip"] = whole.body == payload
    out["get_status"] = whole.status_code
    out["range_offset_only"] = (
        client.object.get(c, "/objs/bin/data.bin", offset=10000).body == (payload[10000:])
    )
    ranged = client.object.get(c, "/objs/bin/data.bin", offset=5, num_bytes=7)
    out["range_both"] = ranged.body == payload[5:12]
    out["range_from_zero"] = (
        client.object.get(c, "/objs/bin/data.bin", num_bytes=3).body == (payload[:3])
    )
    head = client.object.head(c, "/objs/bin/data.bin")
    out["head_length"] = dict(head.headers.items()).get("Content-Length")
    client.object.put(c, "/objs/log.txt", body="line1\n")
    client.object.put(c, "/objs/log.txt", body="line2\n", append=True)
    client.object.put(c, "/objs/new-append.txt", body="first", append=True)
    out["appended"] = client.object.get(c, "/objs/log.txt").body.decode()
    out["append_created"] = client.object.get(c, "/objs/new-append.txt").body.decode()
    client.object.put(c, "/objs/sp ace #hash/ünï.txt", body="odd names")
    out["odd_name"] = client.object.get(c, "/objs/sp ace #hash/ünï.txt").body.decode()
    client.object.put(c, "/objs/emptydir/")
    out["dir_head"] = dict(client.object.head(c, "/objs/emptydir").headers.items()).get(
        "Content-Length"
    )
    for i in range(7):
        client.object.put(c, f"/objs/page/file-{i}.txt", body=f"{i}" * (i + 1))
    client.object.put(c, "/objs/page/sub/")

    listing = client.container.list(c, "/objs")
    out["list_root"] = {
        "name": listing.output.name,
        "keys": [x.key for x in listing.output.contents],
        "sizes": [x.size for x in listing.output.contents],
        "prefixes": [p.prefix for p in listing.output.common_prefixes],
        "truncated": listing.output.is_truncated,
        "next_marker": listing.output.next_marker,
    }
    dirs = client.container.list(c, "objs/", directories_only=True)
    out["dirs_only"] = {
        "contents": len(dirs.output.contents),
        "prefixes": [p.prefix for p in dirs.output.common_prefixes],
    }
    detailed = client.container.list(c, "/objs/page/", get_all_attributes=True, limit=3)
    first = detailed.output.contents[0]
    out["detailed"] = {
        "mode": first.mode,
        "gid": first.gid,
        "uid": first.uid,
        "inode": isinstance(first.inode_number, int),
        "has_times": bool(first.access_time and first.creating_time and first.last_modified),
        "truncated": detailed.output.is_truncated,
        "next_marker": detailed.output.next_marker,
        "max_keys": detailed.output.max_keys,
    }
    keys: list[str] = []
    marker = None
    pages = 0
    while True:
        page = client.container.list(c, "/objs/page/", limit=3, marker=marker)
        pages += 1
        keys += [x.key for x in page.output.contents] + [
            p.prefix for p in page.output.common_prefixes
        ]
        if page.output.is_truncated == "false":
            break
        marker = page.output.next_marker
    out["paged"] = {"pages": pages, "keys": keys}
    out["list_root_container"] = client.container.list(c, "/").status_code
    for key in list(keys):
        if not key.endswith("/"):
            client.object.delete(c, key)
    deleted = client.object.delete(c, "/objs/page/sub/")
    out["delete_status"] = deleted.status_code
    missing = client.object.get(c, "/objs/page/file-0.txt", raise_for_status=NEVER)
    out["missing_get"] = {"status": missing.status_code, "body": missing.body.decode()}
    out["missing_list"] = error_of(lambda: client.container.list(c, "/no/such/dir"))
    out["nonempty_delete"] = client.object.delete(c, "/objs", raise_for_status=NEVER).status_code
    out["no_container"] = error_of(lambda: client.object.get("nosuch", "/x"))
    out["flat_listing"] = [
        x.key for x in client.get_container_contents(c, "/objs/bin").output.contents
    ]
    return out


def scenario_kv(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c, t = "bigdata", "/kv/types"
    now = datetime.datetime(2021, 1, 17, 12, 41, 10, 258000, tzinfo=datetime.timezone.utc)
    attributes = {
        "an_int": 42,
        "negative": -5,
        "a_float": 3.14,
        "whole_float": 2.0,
        "big": 1e20,
        "flag": True,
        "off": False,
        "blob": b"\x00\x01binary\xff",
        "text": "unicode ✓ text",
        "ints": [1, 2, 3],
        "floats": [1.5, 2.5],
        "typed_array": array.array("d", [0.25, 0.5]),
        "when": now,
    }
    client.kv.put(c, t, "item1", attributes)
    got = client.kv.get(c, t, "item1")
    out["types"] = {k: plain(v) for k, v in sorted(got.output.item.items())}
    out["get_star_count"] = len(got.output.item)
    picked = client.kv.get(c, t, "item1", attribute_names=["__size", "an_int", "__name", "nope"])
    out["picked"] = {k: plain(v) for k, v in sorted(picked.output.item.items())}
    out["verifier"] = dict(got.headers.items()).get("X-v3io-transaction-verifier", "")

    # updates: merge, expressions, arrays, conditions
    client.kv.put(c, t, "louise", {"age": 9, "feature": "bunny ears"})
    client.kv.update(c, t, "louise", attributes={"height": 130, "quip": "smell fear"})
    client.kv.update(c, t, "louise", expression="age = age + 1")
    client.kv.put(c, t, "arrays", {"list_with_ints": [1, 2, 3], "list_with_floats": [1.5, 2.5]})
    client.kv.update(c, t, "arrays", expression="list_with_ints[1]=list_with_ints[1]*2")
    client.kv.update(c, t, "arrays", expression="list_with_floats[1]=list_with_floats[1]*2")
    out["arrays"] = {
        k: plain(v) for k, v in sorted(client.kv.get(c, t, "arrays").output.item.items())
    }
    out["merged"] = {
        k: plain(v) for k, v in sorted(client.kv.get(c, t, "louise").output.item.items())
    }
    out["condition_false"] = error_of(
        lambda: client.kv.update(c, t, "louise", expression="age = 100", condition="age > 50")
    )
    client.kv.update(
        c,
        t,
        "louise",
        expression="age = 100",
        condition="age > 50",
        alternate_expression="SET ctr = if_not_exists(ctr, 0) + 1; REMOVE quip",
    )
    client.kv.update(c, t, "louise", expression="SET ctr = if_not_exists(ctr,0) + 1;")
    client.kv.update(c, t, "louise", expression="big = age * 1.5", condition="age == 10")
    out["after_updates"] = {
        k: plain(v) for k, v in sorted(client.kv.get(c, t, "louise").output.item.items())
    }
    out["put_condition_false"] = error_of(
        lambda: client.kv.put(c, t, "louise", {"age": 1}, condition="age < 0")
    )
    client.kv.put(c, t, "louise", {"age": 11}, condition="age == 10")
    out["replaced"] = {k: plain(v) for k, v in client.kv.get(c, t, "louise").output.item.items()}
    client.kv.update(c, t, "fresh", expression="counter = 1; name = 'new'")
    out["update_creates"] = {
        k: plain(v) for k, v in client.kv.get(c, t, "fresh").output.item.items()
    }
    out["bad_expression"] = error_of(
        lambda: client.kv.update(c, t, "fresh", expression="x = nosuchfn(1)")
    )
    out["missing_item"] = error_of(lambda: client.kv.get(c, t, "ghost"))
    client.kv.delete(c, t, "fresh")
    out["deleted"] = client.kv.get(c, t, "fresh", raise_for_status=NEVER).status_code

    # flat API, put_items, schema
    flat = client.put_items(
        c, "/kv/flat/", {"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3, "tag": "x"}}
    )
    out["put_items_success"] = flat.success
    out["flat_get_items"] = sorted(
        item["__name"]
        for item in client.get_items(c, "/kv/flat/", attribute_names=["__name"]).output.items
    )
    client.kv.create_schema(
        c, "/kv/flat", key="n", fields=[{"name": "n", "type": "long", "nullable": False}]
    )
    out["schema"] = json.loads(client.object.get(c, "/kv/flat/.#schema").body)
    scanned = client.kv.scan(c, "/kv/flat/", filter_expression="__name != '.#schema'")
    out["scan_without_schema"] = sorted(item["__name"] for item in scanned.output.items)
    out["scan_last"] = scanned.output.last
    by_table_name = client.kv.scan(c, "/", table_name="kv/flat", filter_expression="n >= 2")
    out["table_name_scan"] = sorted(item["__name"] for item in by_table_name.output.items)
    return out


def scenario_cursors(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c, t = "bigdata", "/scan/people/"
    for i in range(100):
        client.batch.kv.put(
            c,
            t,
            f"p{i:03d}",
            {"idx": i, "age": i % 50, "feature": "singing" if i % 3 == 0 else "dancing"},
        )
    client.batch.wait()
    all_items = client.kv.new_cursor(c, t).all()
    out["all_count"] = len(all_items)
    out["has_name"] = all("__name" in item for item in all_items)
    out["limit30"] = len(client.kv.new_cursor(c, t, limit=30).all())
    paged = client.kv.scan(c, t, limit=10)
    out["page1"] = {
        "items": len(paged.output.items),
        "last": paged.output.last,
        "marker": bool(paged.output.next_marker),
    }
    filtered = client.kv.new_cursor(
        c,
        t,
        attribute_names=["idx", "feature"],
        filter_expression="feature == 'singing' and age > 15",
    ).all()
    out["filtered"] = sorted(item["idx"] for item in filtered)
    out["filtered_keys"] = sorted({k for item in filtered for k in item})
    segments = []
    for segment in range(4):
        cursor = client.kv.new_cursor(
            c, t, attribute_names=["idx"], segment=segment, total_segments=4
        )
        segments.append(sorted(item["idx"] for item in cursor.all()))
    out["segment_sizes"] = [len(s) for s in segments]
    out["segments_union"] = sorted(i for s in segments for i in s)
    # compound keys: sharding key "user1", sorting keys "a".."e"
    for user in ("user1", "user2"):
        for sort in "abcde":
            client.kv.put(c, "/scan/events", f"{user}.{sort}", {"v": ord(sort)})
    client.kv.put(c, "/scan/events", "user1", {"v": 0})
    ranged = client.kv.new_cursor(
        c,
        "/scan/events",
        sharding_key="user1",
        sort_key_range_start="b",
        sort_key_range_end="d",
    ).all()
    out["range_scan"] = [item["__name"] for item in ranged]
    whole_shard = client.kv.new_cursor(c, "/scan/events", sharding_key="user2").all()
    out["sharding_key_scan"] = [item["__name"] for item in whole_shard]
    return out


def scenario_streams(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c, s = "bigdata", "/streams/s1"
    client.stream.create(c, s, shard_count=4, retention_period_hours=2)
    described = client.stream.describe(c, s)
    out["describe"] = [described.output.shard_count, described.output.retention_period_hours]
    out["create_again"] = error_of(lambda: client.stream.create(c, s, shard_count=2))
    before = time.time()
    put = client.stream.put_records(
        c,
        s,
        [
            {"shard_id": 1, "data": "one", "client_info": b"ci-1"},
            {"shard_id": 1, "data": b"\x00two"},
            {"shard_id": 9, "data": "bad shard"},
            {"partition_key": "user-7", "data": "keyed"},
            {"partition_key": "user-7", "data": "keyed again"},
            {"data": "round robin"},
        ],
    )
    out["failed_count"] = put.output.failed_record_count
    out["put_results"] = [
        {
            "seq": r.sequence_number,
            "shard": r.shard_id,
            "error_code": r.error_code,
            "error_message": r.error_message,
        }
        for r in put.output.records
    ]
    loc = client.stream.seek(c, s, 1, "EARLIEST").output.location
    got = client.stream.get_records(c, s, 1, loc)
    out["shard1"] = {
        "data": [base64.b64encode(r.data).decode() for r in got.output.records],
        "client_info": [
            r.client_info.decode() if r.client_info else None for r in got.output.records
        ],
        "seqs": [r.sequence_number for r in got.output.records],
        "behind": got.output.records_behind_latest,
        "arrival_ok": all(r.arrival_time_sec >= int(before) - 1 for r in got.output.records),
    }
    first = client.stream.get_records(c, s, 1, loc, limit=1)
    second = client.stream.get_records(c, s, 1, first.output.next_location, limit=1)
    out["limit_paging"] = [
        [r.sequence_number for r in first.output.records],
        first.output.records_behind_latest,
        [r.sequence_number for r in second.output.records],
        second.output.records_behind_latest,
    ]
    latest = client.stream.seek(c, s, 1, "LATEST").output.location
    out["latest_empty"] = len(client.stream.get_records(c, s, 1, latest).output.records)
    client.stream.put_records(c, s, [{"shard_id": 1, "data": "three"}])
    out["latest_then_new"] = [
        r.data.decode() for r in client.stream.get_records(c, s, 1, latest).output.records
    ]
    by_seq = client.stream.seek(c, s, 1, "SEQUENCE", starting_sequence_number=2).output.location
    out["by_sequence"] = [
        r.sequence_number for r in client.stream.get_records(c, s, 1, by_seq).output.records
    ]
    mid = time.time()
    time.sleep(0.05)
    client.stream.put_records(c, s, [{"shard_id": 1, "data": "four"}])
    by_time = client.stream.seek(
        c, s, 1, "TIME", timestamp_sec=int(mid), timestamp_nsec=int((mid % 1) * 1e9)
    ).output.location
    out["by_time"] = [
        r.data.decode() for r in client.stream.get_records(c, s, 1, by_time).output.records
    ]
    out["bad_shard_seek"] = error_of(lambda: client.stream.seek(c, s, 17, "EARLIEST"))
    client.stream.update(c, s, shard_count=8)
    out["grown"] = client.stream.describe(c, s).output.shard_count
    grown_put = client.stream.put_records(c, s, [{"shard_id": 7, "data": "new shard"}])
    out["new_shard_put"] = grown_put.output.records[0].sequence_number
    out["shrink"] = error_of(lambda: client.stream.update(c, s, shard_count=2))
    listing = client.container.list(c, s + "/")
    out["shard_objects"] = sorted(x.key for x in listing.output.contents)
    client.stream.delete(c, s)
    out["describe_deleted"] = client.stream.describe(c, s, raise_for_status=NEVER).status_code
    client.stream.create(c, s, shard_count=2)
    rr = client.stream.put_records(c, s, [{"data": "x"}, {"data": "y"}, {"data": "z"}])
    out["round_robin_after_recreate"] = [r.shard_id for r in rr.output.records]
    return out


def scenario_batch(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c, t = "bigdata", "/batch/items"
    count = int(os.environ.get("DRIVER_BATCH_COUNT", "1000"))
    started = time.perf_counter()
    for i in range(count):
        client.batch.kv.put(c, t, f"k{i}", {"i": i, "s": f"v{i}"})
    puts = client.batch.wait()
    for i in range(count):
        client.batch.kv.get(c, t, f"k{i}")
    gets = client.batch.wait()
    out["seconds"] = time.perf_counter() - started
    out["put_statuses"] = sorted({r.status_code for r in puts})
    out["in_order"] = all(r.output.item["i"] == i for i, r in enumerate(gets))
    batch = client.create_batch()
    batch.object.put(c, "/batch/obj", body="payload")
    batch.kv.update(c, t, "k0", expression="i = i + 1000")
    batch.stream.create(c, "/batch/stream", shard_count=2)
    mixed = batch.wait()
    out["mixed_statuses"] = [r.status_code for r in mixed]
    second = client.create_batch()
    second.kv.get(c, t, "k0")
    second.object.get(c, "/batch/obj")
    second.stream.put_records(c, "/batch/stream", [{"shard_id": 0, "data": "d"}])
    second.kv.get(c, t, "missing-key")
    try:
        second.wait()
        out["failing_batch"] = "no error"
    except HttpResponseError as exc:
        out["failing_batch"] = exc.status_code
    third = client.create_batch()
    third.kv.get(c, t, "k0")
    third.kv.get(c, t, "missing-key")
    results = third.wait(raise_for_status=NEVER)
    out["never_statuses"] = [r.status_code for r in results]
    out["k0"] = results[0].output.item["i"]
    return out


def scenario_errors(client: v3io.dataplane.Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    bad = v3io.dataplane.Client(endpoint=os.environ["V3IO_API"], access_key="wrong-key")
    out["wrong_key"] = error_of(lambda: bad.get_containers())
    bad.close()
    out["container_not_found"] = error_of(lambda: client.kv.get("nosuch", "/t", "k"))
    out["bad_filter"] = error_of(lambda: client.kv.scan("bigdata", "/", filter_expression="age >"))
    out["still_serving"] = client.get_containers().status_code
    return out


SCENARIOS = {
    name[len("scenario_") :]: fn for name, fn in globals().items() if name.startswith("scenario_")
}


def main() -> None:
    scenario = sys.argv[1]
    client = v3io.dataplane.Client()
    try:
        result = SCENARIOS[scenario](client)
    finally:
        client.close()
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
