"""The V3IO benchmark's asyncio rows, run by ``benchmarks/v3io.py`` in a subprocess.

The same file runs under storewire's ``v3io.aio`` (native engine, completions on an
eventfd) and under the official ``v3io.aio`` 0.7.2 (aiohttp), each with its default
settings: 10,000 ``kv.put`` awaited together (``asyncio.gather``), then 10,000 ``kv.get``.

    python v3io_aio_workload.py <container> <prefix>

Prints one JSON object: per row, wall seconds and the process's CPU seconds (all
threads). Endpoint and key come from ``V3IO_API`` and ``V3IO_ACCESS_KEY``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import v3io.aio.dataplane

ITEMS = 10_000


async def run(container: str, prefix: str) -> dict[str, float]:
    client = v3io.aio.dataplane.Client()
    table = f"{prefix}-aio-items"
    times: dict[str, float] = {}
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client.kv.put(container, table, f"k{i}",
                                             {"i": i, "f": i * 0.5, "s": f"v-{i}"})
                               for i in range(ITEMS)))
        times["aio_put_item"] = time.perf_counter() - started
        times["aio_put_item_cpu"] = time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        responses = await asyncio.gather(*(client.kv.get(container, table, f"k{i}")
                                           for i in range(ITEMS)))
        got = [r.output.item for r in responses]
        times["aio_get_item"] = time.perf_counter() - started
        times["aio_get_item_cpu"] = time.process_time() - cpu
        assert len(got) == ITEMS and got[-1]["i"] == ITEMS - 1, got[-1]
    finally:
        await client.close()
    return times


def main(argv: list[str]) -> int:
    print(json.dumps(asyncio.run(run(argv[0], argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
