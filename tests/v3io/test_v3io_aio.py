"""``v3io.aio.dataplane.Client`` against the emulator: the official asyncio names, awaited
calls that leave the event loop free, many concurrent awaits, typed errors."""

from __future__ import annotations

import asyncio

import pytest

import v3io.aio.dataplane
import v3io.dataplane
from storewire import errors
from storewire.emulators.v3io import V3IOEmulator


def aio_client(emulator: V3IOEmulator, connections: int = 4) -> v3io.aio.dataplane.Client:
    return v3io.aio.dataplane.Client(endpoint=emulator.endpoint, access_key=emulator.access_key,
                                     max_connections=connections, use_env_proxy=False)


def test_models(emulator: V3IOEmulator, name: str) -> None:
    async def scenario() -> None:
        async with aio_client(emulator) as client:
            await client.object.put("bigdata", f"{name}/o", body=b"0123456789")
            # positional as in the official asyncio API (no transport_actions)
            part = await client.object.get("bigdata", f"{name}/o", None, None, 2, 3)
            assert part.body == b"234"
            for key, age in (("a", 1), ("b", 20), ("c", 30)):
                await client.kv.put("bigdata", f"{name}/t", key, {"age": age})
            await client.kv.update("bigdata", f"{name}/t", "a", expression="age = age + 100")
            got = await client.kv.get("bigdata", f"{name}/t", "a")
            assert got.output.item == {"age": 101}
            cursor = client.kv.new_cursor("bigdata", f"{name}/t", filter_expression="age > 15")
            assert sorted(i["age"] for i in await cursor.all()) == [20, 30, 101]
            await client.stream.create("bigdata", f"{name}/s", shard_count=2)
            await client.stream.put_records("bigdata", f"{name}/s",
                                            [{"shard_id": 1, "data": "r1"}])
            seek = await client.stream.seek("bigdata", f"{name}/s", 1, "EARLIEST")
            records = await client.stream.get_records("bigdata", f"{name}/s", 1,
                                                      seek.output.location)
            assert [r.data for r in records.output.records] == [b"r1"]
            await client.stream.delete("bigdata", f"{name}/s")
            listing = await client.container.list("bigdata", f"{name}/")
            assert [c.key for c in listing.output.contents] == [f"{name}/o"]
            with pytest.raises(v3io.dataplane.HttpResponseError) as caught:
                await client.object.get("bigdata", f"{name}/missing")
            assert isinstance(caught.value, errors.NotFoundError)
            assert str(caught.value).startswith("Request failed with status 404: b'")
            never = await client.object.get("bigdata", f"{name}/missing",
                                            raise_for_status=v3io.aio.dataplane.RaiseForStatus.never)
            assert never.status_code == 404

    asyncio.run(scenario())


def test_many_concurrent_awaits_leave_the_loop_free(emulator: V3IOEmulator, name: str) -> None:
    async def scenario() -> tuple[list[bytes], int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0)

        async with aio_client(emulator) as client:
            tick_task = asyncio.create_task(ticker())

            async def roundtrip(i: int) -> bytes:
                await client.object.put("bigdata", f"{name}/{i}", body=str(i).encode())
                return (await client.object.get("bigdata", f"{name}/{i}")).body

            bodies = await asyncio.gather(*(roundtrip(i) for i in range(300)))
            done.set()
            await tick_task
        return bodies, ticks

    bodies, ticks = asyncio.run(scenario())
    assert bodies == [str(i).encode() for i in range(300)]
    assert ticks > 10  # the loop ran other tasks while the requests were in flight


def test_close_with_calls_queued_ends_every_await(emulator: V3IOEmulator, name: str) -> None:
    async def scenario() -> list[object]:
        client = aio_client(emulator, connections=2)
        await client.object.put("bigdata", f"{name}/o", body=b"x" * 1000)
        calls = [asyncio.ensure_future(client.object.get("bigdata", f"{name}/o"))
                 for _ in range(200)]
        await asyncio.sleep(0)
        await asyncio.wait_for(client.close(), timeout=10)
        return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True),
                                      timeout=10)

    outcomes = asyncio.run(scenario())
    assert any(isinstance(o, asyncio.CancelledError) for o in outcomes)  # dropped
    for outcome in outcomes:  # a body, a dropped call, or a closed-client error
        assert isinstance(outcome, (v3io.dataplane.Response, asyncio.CancelledError,
                                    RuntimeError, errors.StorageError)), outcome
