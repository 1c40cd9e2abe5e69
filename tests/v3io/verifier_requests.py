"""Builds requests for every operation through the verifier transport and prints, as JSON,
what each request was (method, encoded path, container, headers, body). Runs under the
official SDK's venv and under ours (``test_v3io_official_requests.py``): the official
verifier and ours see the same requests."""

from __future__ import annotations

import base64
import json
from typing import Any

import v3io.dataplane
import v3io.dataplane.response
from v3io.dataplane.transport import verifier

seen: list[dict[str, Any]] = []


def record(request: Any) -> Any:
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    try:
        shown = json.loads(body) if body else None
    except ValueError:
        shown = base64.b64encode(body).decode()
    seen.append(
        {
            "method": request.method,
            "path": request.encode_path(),
            "container": request.container,
            "headers": {k: str(v) for k, v in request.headers.items()},
            "body": shown,
        }
    )
    return v3io.dataplane.response.Response(None, 200, {}, b"")


C = "bigdata"
calls = [
    lambda c: c.container.list(C, "/dir/"),
    lambda c: c.container.list(
        C, "dir", get_all_attributes=True, directories_only=True, limit=5, marker="m k"
    ),
    lambda c: c.object.get(C, "/o b"),
    lambda c: c.object.get(C, "o", offset=3, num_bytes=4),
    lambda c: c.object.put(C, "o", body=b"\x00\x01"),
    lambda c: c.object.put(C, "o", body="text", append=True),
    lambda c: c.object.delete(C, "o"),
    lambda c: c.object.head(C, "o"),
    lambda c: c.kv.put(
        C, "t", "k", {"i": 1, "f": 2.5, "s": "x", "b": True, "raw": b"\x01", "neg": -3}
    ),
    lambda c: c.kv.put(C, "/t/", "k", {"i": 1}, condition="i == 0"),
    lambda c: c.kv.update(C, "t", "k", expression="i = i + 1", condition="i > 0"),
    lambda c: c.kv.update(
        C,
        "t",
        "k",
        expression="SET a = 1",
        update_mode="CreateOrReplaceAttributes",
        alternate_expression="a = 2",
    ),
    lambda c: c.kv.get(C, "t", "k"),
    lambda c: c.kv.get(C, "t", "k", attribute_names=["a", "b"]),
    lambda c: c.kv.scan(
        C,
        "t",
        attribute_names=["a"],
        filter_expression="a > 1",
        marker="mm",
        limit=10,
        segment=1,
        total_segments=4,
        sort_key_range_start="a",
        sort_key_range_end="z",
    ),
    lambda c: c.kv.scan(C, "t", sharding_key="sk"),
    lambda c: c.kv.delete(C, "t", "k"),
    lambda c: c.kv.create_schema(
        C, "t", key="k", fields=[{"name": "k", "type": "string", "nullable": False}]
    ),
    lambda c: c.stream.create(C, "s", 4),
    lambda c: c.stream.create(C, "s", 4, retention_period_hours=2),
    lambda c: c.stream.update(C, "s", 8),
    lambda c: c.stream.describe(C, "s"),
    lambda c: c.stream.seek(C, "s", 1, "EARLIEST"),
    lambda c: c.stream.seek(C, "s", 1, "SEQUENCE", starting_sequence_number=5),
    lambda c: c.stream.seek(C, "s", 1, "TIME", timestamp_sec=100, timestamp_nsec=5),
    lambda c: c.stream.put_records(
        C,
        "s",
        [
            {"data": "a"},
            {"data": b"\x02", "shard_id": 1},
            {"data": "p", "partition_key": "pk", "client_info": b"ci"},
        ],
    ),
    lambda c: c.stream.get_records(C, "s", 1, "loc", limit=3),
    lambda c: c.get_containers(),
    lambda c: c.put_item(C, "t/k", {"i": 1}),
    lambda c: c.get_items(C, "t/", filter_expression="i == 1", limit=2),
]
client = v3io.dataplane.Client(
    access_key="key", transport_kind=verifier.Transport([record] * len(calls))
)
results: list[Any] = []
for call in calls:
    before = len(seen)
    try:
        call(client)
        results.append(seen[before] if len(seen) > before else None)
    except Exception as exc:  # compared between the two clients
        results.append(f"{type(exc).__name__}: {exc}")
print(json.dumps(results))
