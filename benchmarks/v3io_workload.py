"""The V3IO benchmark's workload, run by ``benchmarks/v3io.py`` in a subprocess.

It only uses the API both clients share, so the same file runs under storewire's ``v3io``
(the repository venv) and under the official ``v3io`` 0.7.2 (its own venv):

    python v3io_workload.py load <container> <table> <count>   # fill the scan table
    python v3io_workload.py run <container> <prefix> <scan table> <scan count>

``run`` prints one JSON object: per row, wall seconds and the process's CPU seconds (all
threads). Endpoint and key come from ``V3IO_API``
and ``V3IO_ACCESS_KEY``.
"""

from __future__ import annotations

import json
import sys
import time

import v3io.dataplane

ITEMS = 10_000
OBJECTS = 1_000
OBJECT_BYTES = 4096
LOAD_BATCH = 5_000
RECORDS = 100_000
RECORDS_PER_CALL = 1_000  # the most one PutRecords carries


def _client() -> v3io.dataplane.Client:
    return v3io.dataplane.Client()


def load(container: str, table: str, count: int) -> None:
    client = _client()
    for start in range(0, count, LOAD_BATCH):
        for i in range(start, min(count, start + LOAD_BATCH)):
            client.batch.kv.put(container, table, f"item-{i:06d}",
                                {"n": i, "x": i * 0.25, "name": f"name-{i}", "ok": i % 2 == 0})
        client.batch.wait()
    # one untimed scan, so that neither client's timed scan pays for a cold server
    assert len(client.kv.new_cursor(container, table).all()) == count


def run(container: str, prefix: str, scan_table: str, scan_count: int) -> dict[str, float]:
    client = _client()
    times: dict[str, float] = {}
    table = f"{prefix}-items"

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(ITEMS):
        client.batch.kv.put(container, table, f"k{i}", {"i": i, "f": i * 0.5, "s": f"v-{i}"})
    client.batch.wait()
    times["put_item"] = time.perf_counter() - started
    times["put_item_cpu"] = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(ITEMS):
        client.batch.kv.get(container, table, f"k{i}")
    responses = client.batch.wait()
    got = [r.output.item for r in responses]
    times["get_item"] = time.perf_counter() - started
    times["get_item_cpu"] = time.process_time() - cpu
    assert len(got) == ITEMS and got[-1]["i"] == ITEMS - 1, got[-1]

    started, cpu = time.perf_counter(), time.process_time()
    items = client.kv.new_cursor(container, scan_table).all()
    times["scan"] = time.perf_counter() - started
    times["scan_cpu"] = time.process_time() - cpu
    assert len(items) == scan_count, len(items)

    body = bytes(range(256)) * (OBJECT_BYTES // 256)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(OBJECTS):
        client.batch.object.put(container, f"{prefix}-objects/o{i}", body=body)
    client.batch.wait()
    times["put_object"] = time.perf_counter() - started
    times["put_object_cpu"] = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(OBJECTS):
        client.batch.object.get(container, f"{prefix}-objects/o{i}")
    responses = client.batch.wait()
    times["get_object"] = time.perf_counter() - started
    times["get_object_cpu"] = time.process_time() - cpu
    assert all(r.body == body for r in responses)
    # a new stream per run: --repeat runs the workload again on the same emulator
    times.update(stream_rows(client, container, f"{prefix}-stream-{time.time_ns()}"))
    return times


def stream_rows(client: v3io.dataplane.Client, container: str, stream: str) -> dict[str, float]:
    """100,000 small records: put_records (1,000 per call), then get_records of them all."""
    client.stream.create(container, stream, shard_count=1, retention_period_hours=1)
    records = [{"data": f"record-{i:06d}", "partition_key": f"p{i % 16}"}
               for i in range(RECORDS)]
    times: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, RECORDS, RECORDS_PER_CALL):
        client.stream.put_records(container, stream, records[start:start + RECORDS_PER_CALL])
    times["put_records"] = time.perf_counter() - started
    times["put_records_cpu"] = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    location = client.stream.seek(container, stream, 0, "EARLIEST").output.location
    got: list[bytes] = []
    while len(got) < RECORDS:
        out = client.stream.get_records(container, stream, 0, location,
                                        limit=RECORDS_PER_CALL).output
        got.extend(record.data for record in out.records)
        location = out.next_location
    times["get_records"] = time.perf_counter() - started
    times["get_records_cpu"] = time.process_time() - cpu
    assert len(got) == RECORDS and got[-1] == b"record-099999", got[-1]
    return times


def main(argv: list[str]) -> int:
    if argv[0] == "load":
        load(argv[1], argv[2], int(argv[3]))
        return 0
    print(json.dumps(run(argv[1], argv[2], argv[3], int(argv[4]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
