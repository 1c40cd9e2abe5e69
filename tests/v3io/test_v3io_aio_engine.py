"""``v3io.aio`` on the native engine: awaits resolved from the engine's eventfd, without a
thread per call; the loop stays free during a large transfer; cancelling a task stops its
transfer. (How fast awaited calls are beside sync batches is benchmarks/v3io.py's aio rows.)"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import v3io.aio.dataplane
import v3io.dataplane
from fault_servers import ScriptedServer, read_head
from storewire import errors
from storewire.emulators.v3io import V3IOEmulator
from storewire.testing.serve_process import ServeProcess


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(endpoint, access key) of ``storewire serve --only v3io`` in its own process, so
    that timings and thread counts are the client's alone (no GIL shared with it)."""
    with ServeProcess("v3io", Path(tmp_path_factory.mktemp("serve"))) as server:
        yield server.variables["V3IO_API"], server.variables["V3IO_ACCESS_KEY"]


def aio_client(endpoint: str, access_key: str, connections: int) -> v3io.aio.dataplane.Client:
    return v3io.aio.dataplane.Client(endpoint=endpoint, access_key=access_key,
                                     max_connections=connections, use_env_proxy=False)


def threads_now() -> tuple[int, int]:
    """Python threads, and every thread of the process (the engine's native ones too)."""
    return threading.active_count(), len(os.listdir("/proc/self/task"))


def test_ten_thousand_concurrent_awaits_on_a_bounded_number_of_threads(
        served: tuple[str, str], name: str) -> None:
    count = 5000  # puts, then as many gets: 10,000 awaits, each batch all at once

    async def scenario() -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], int]:
        async with aio_client(*served, 64) as client:
            await client.kv.put("bigdata", f"{name}/t", "warm", {"n": -1})  # engine started
            before = threads_now()
            peak = before

            async def watch() -> None:
                nonlocal peak
                while True:
                    now = threads_now()
                    peak = (max(peak[0], now[0]), max(peak[1], now[1]))
                    await asyncio.sleep(0.01)

            watcher = asyncio.create_task(watch())
            await asyncio.gather(*(client.kv.put("bigdata", f"{name}/t", str(i), {"n": i})
                                   for i in range(count)))
            got = await asyncio.gather(*(client.kv.get("bigdata", f"{name}/t", str(i))
                                         for i in range(count)))
            watcher.cancel()
            wrong = sum(1 for i, r in enumerate(got) if r.output.item != {"n": i})
            return before, peak, threads_now(), wrong

    before, peak, after, wrong = asyncio.run(scenario())
    assert wrong == 0
    # 64 requests in flight at a time: a thread per call in flight would add 64
    assert peak[0] <= before[0] + 1 and peak[1] <= before[1] + 4, (before, peak)
    assert after[1] <= before[1] + 4, (before, after)


def test_the_loop_keeps_ticking_during_a_large_get(served: tuple[str, str], name: str) -> None:
    """While the 64 MiB answer arrives, the ticker never waits long; only taking the
    finished body over (copies of 64 MiB) runs on the loop, once, at the end."""
    size = 64 << 20
    with v3io.dataplane.Client(endpoint=served[0], access_key=served[1],
                               use_env_proxy=False) as sync:
        sync.object.put("bigdata", f"{name}/big", body=os.urandom(1 << 20) * 64)

    async def scenario() -> tuple[int, float, float, float, int]:
        ticks = 0
        longest = 0.0  # between two ticks that both saw the transfer running
        stop = asyncio.Event()

        async with aio_client(*served, 4) as client:
            engine = client._sync._transport._http  # type: ignore[union-attr]

            async def ticker() -> None:
                nonlocal ticks, longest
                last = time.monotonic()
                while not stop.is_set():
                    await asyncio.sleep(0.001)
                    now = time.monotonic()
                    if engine.in_flight:
                        longest = max(longest, now - last)
                        ticks += 1
                    last = now

            task = asyncio.create_task(ticker())
            start = time.monotonic()
            response = await client.object.get("bigdata", f"{name}/big")
            took = time.monotonic() - start
            stop.set()
            await task
            done_at = time.monotonic() - start
        return ticks, longest, took, done_at, len(response.body)

    ticks, longest, took, _, received = asyncio.run(scenario())
    assert received == size
    print(f"\n64 MiB get_object: {took:.2f} s, {ticks} ticks while in flight, longest gap "
          f"{longest * 1e3:.0f} ms")
    # a loop blocked on the transfer would not tick at all while it runs; the gaps left
    # are the scheduling of a busy 2-core machine (tens of ms)
    assert ticks >= 10, (ticks, took)
    assert longest < took / 2, (longest, took)


def test_cancelling_the_task_stops_its_transfer() -> None:
    """A server trickling a 100 MB body sees the connection drop right after the cancel,
    and the engine has nothing in flight any more."""
    streaming = threading.Event()
    dropped = threading.Event()

    def trickle(conn: socket.socket, server: ScriptedServer) -> None:
        if not read_head(conn):
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        try:
            while not server.stopping.is_set():
                conn.sendall(b"x" * 1024)
                streaming.set()
                time.sleep(0.01)
        except OSError:
            dropped.set()

    async def scenario(url: str) -> tuple[bool, float, int]:
        client = aio_client(url, "key", 4)
        engine = client._sync._transport._http  # type: ignore[union-attr]
        task = asyncio.create_task(client.object.get("bigdata", "slow"))
        while not streaming.is_set():
            await asyncio.sleep(0.01)
        assert engine.in_flight == 1
        task.cancel()
        cancelled_at = time.monotonic()
        try:
            await task
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False
        while engine.in_flight and time.monotonic() - cancelled_at < 5:
            await asyncio.sleep(0.005)
        stopped = time.monotonic() - cancelled_at
        in_flight = engine.in_flight
        await client.close()
        return cancelled, stopped, in_flight

    with ScriptedServer(trickle) as server:
        cancelled, stopped, in_flight = asyncio.run(scenario(server.url))
        assert dropped.wait(5), "the server never saw the connection drop"
    assert cancelled
    assert in_flight == 0 and stopped < 1.0, stopped


def test_the_official_aio_transport_class_sends_through_the_queue(
        emulator: V3IOEmulator, name: str) -> None:
    """``v3io.aio.dataplane.transport.aiohttp.Transport`` (the official standalone
    transport) sends official Request objects and awaits them on the completion queue."""
    from v3io.aio.dataplane.transport.aiohttp import Transport

    def encoder(method: str, body: bytes | None) -> Any:
        def encode(container: Any, access_key: Any, args: Any) -> Any:
            return (method, f"/{container}/{name}/via-transport", None,
                    {"X-v3io-session-key": access_key}, body)
        return encode

    async def scenario() -> bytes:
        transport = Transport(None, emulator.endpoint, 4)
        try:
            await transport.request("bigdata", emulator.access_key, None,
                                    encoder("PUT", b"sent by the transport"), None)
            got = await transport.request("bigdata", emulator.access_key, None,
                                          encoder("GET", None), None)
            with pytest.raises(errors.NotFoundError):
                await transport.request("bigdata", emulator.access_key, None,
                                        encoder("DELETE", None), None)
                await transport.request("bigdata", emulator.access_key, None,
                                        encoder("GET", None), None)
            return bytes(got.body)
        finally:
            await transport.close()

    assert asyncio.run(scenario()) == b"sent by the transport"
