"""Batches: queued calls run concurrently in the native engine on ``wait()``."""

from __future__ import annotations

import time

import pytest

import v3io.dataplane
from storewire.emulators.v3io import V3IOEmulator


def test_batch_returns_at_once_and_waits_in_order(client, name):
    for i in range(50):
        assert client.batch.put_object(container="bigdata", path=f"/{name}/o{i}",
                                       body=f"object-{i}") is None
    assert len(client.batch) == 50
    responses = client.batch.wait()
    assert isinstance(responses, v3io.dataplane.Responses)
    assert responses.success and [r.status_code for r in responses] == [200] * 50
    assert len(client.batch) == 0
    for i in range(50):
        client.batch.object.get("bigdata", f"{name}/o{i}")
    bodies = [r.body for r in client.batch.wait().responses]
    assert bodies == [f"object-{i}".encode() for i in range(50)]


def test_every_model_and_flat_call_batches(client, name):
    batch = client.create_batch()
    batch.kv.put("bigdata", name, "a", {"n": 1})
    batch.put_item("bigdata", f"{name}/b", {"n": 2})
    batch.stream.create("bigdata", f"{name}/s", 2)
    batch.container.get()
    batch.container.list("bigdata", "/")
    batch.get_containers()
    assert [r.status_code in (200, 204) for r in batch.wait()] == [True] * 6
    # calls of one batch run concurrently, in no set order: the update goes in its own
    batch.kv.update("bigdata", name, "a", expression="n = n + 10")
    assert batch.wait()[0].status_code == 200
    batch.kv.get("bigdata", name, "a")
    batch.get_item("bigdata", f"{name}/b")
    batch.kv.scan("bigdata", name)
    batch.stream.describe("bigdata", f"{name}/s")
    batch.stream.delete("bigdata", f"{name}/s")  # broken in the official SDK
    batch.delete_stream("bigdata", f"{name}/none", raise_for_status=[404])
    r = batch.wait()
    assert r[0].output.item == {"n": 11} and r[1].output.item == {"n": 2}
    assert len(r[2].output.items) == 2 and r[3].output.shard_count == 2
    assert r[4].status_code == 204 and r[5].status_code == 404


def test_batch_failure_raises_after_all_complete(client, name):
    for i in range(8):
        client.batch.put_object("bigdata", f"{name}/ok{i}", body=b"x")
    client.batch.get_object("bigdata", f"{name}/missing")
    with pytest.raises(FileNotFoundError):
        client.batch.wait()
    assert len(client.batch) == 0  # cleared, and every request finished
    for i in range(8):
        client.batch.get_object("bigdata", f"{name}/ok{i}")
    client.batch.get_object("bigdata", f"{name}/missing", raise_for_status=[404])
    assert [r.status_code for r in client.batch.wait()] == [200] * 8 + [404]
    client.batch.get_object("bigdata", f"{name}/missing")
    assert client.batch.wait(raise_for_status="never")[0].status_code == 404


def test_batch_runs_in_parallel(name):
    # each request takes 0.2 s in the emulator: 16 in sequence would take 3.2 s
    with V3IOEmulator(faults={"delay_s": 0.2}) as emu, v3io.dataplane.Client(
        endpoint=emu.endpoint, access_key=emu.access_key, max_connections=16,
        use_env_proxy=False,
    ) as c:
        for i in range(16):
            c.batch.put_object("bigdata", f"{name}/p{i}", body=b"x")
        started = time.perf_counter()
        assert c.batch.wait().success
        elapsed = time.perf_counter() - started
    assert elapsed < 1.6, elapsed


def test_cursor_from_a_batch_runs_immediately(client, name):
    client.put_items("bigdata", name, {"a": {"n": 1}, "b": {"n": 2}})
    assert len(client.batch.kv.new_cursor("bigdata", name).all()) == 2
    assert len(client.batch) == 0
