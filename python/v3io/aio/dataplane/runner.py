"""Awaitable wrappers of sync calls: each call runs on the client's bounded thread pool
(``loop.run_in_executor``), so a blocking native transfer never blocks the event loop."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Runner", "awaitable"]


class Runner:
    """Runs sync calls on ``max_workers`` threads; ``close`` waits for them."""

    def __init__(self, max_workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="v3io-aio")

    async def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(func, *args, **kwargs))

    def close(self) -> None:
        """No new calls; queued ones are dropped. Never waits, so the loop never blocks."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def awaitable(name: str, sync: Callable[..., Any],
              drop: tuple[str, ...] = ("transport_actions",)) -> Callable[..., Any]:
    """An ``async def`` method calling ``self._sync.<name>`` on ``self._runner``, with
    ``sync``'s help text and signature less ``drop`` (the official asyncio methods have no
    ``transport_actions``, except ``kv.delete``): arguments are bound to that signature and
    passed on by name."""
    full = inspect.signature(sync)
    signature = full.replace(parameters=[p for p in full.parameters.values()
                                         if p.name not in drop])
    bind = signature.bind

    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = bind(self, *args, **kwargs).arguments
        del arguments["self"]
        return await self._runner.run(getattr(self._sync, name), **arguments)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = sync.__doc__
    method.__signature__ = signature  # type: ignore[attr-defined]
    return method
