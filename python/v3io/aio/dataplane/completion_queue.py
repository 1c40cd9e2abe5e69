"""Awaiting native transfers: requests go to the engine through
:class:`storewire._native.http.Completions`, whose eventfd the running event loop watches
(``loop.add_reader``); each readiness drains the finished tickets and resolves their
futures. No thread per request: the engine's own loop thread runs every transfer.

Cancelling an awaiting task cancels its ticket, which stops the transfer in the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from storewire._native import http as _http

__all__ = ["CompletionQueue"]


class CompletionQueue:
    """Awaitable submissions to one native client, on whichever loop awaits them (one
    loop after another, not two at once)."""

    def __init__(self, client: _http.Client) -> None:
        self._client = client
        self._completions: _http.Completions | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[int, asyncio.Future[list[_http.Response]]] = {}
        self._idle: asyncio.Future[None] | None = None  # set by _drain once nothing pends

    def _attach(self) -> _http.Completions:
        loop = asyncio.get_running_loop()
        if self._completions is None:
            self._completions = _http.Completions(self._client)
        elif loop is not self._loop:
            if self._waiting:
                raise RuntimeError("this v3io.aio client has calls awaited on another "
                                   "event loop")
            self._detach()
        if self._loop is None:
            loop.add_reader(self._completions.fileno(), self._drain)
            self._loop = loop
        return self._completions

    def _detach(self) -> None:
        if self._loop is not None and self._completions is not None:
            self._loop.remove_reader(self._completions.fileno())  # no-op once it is closed
        self._loop = None

    def _drain(self) -> None:
        completions = self._completions
        if completions is None:
            return
        for ticket, responses in completions.drain():
            future = self._waiting.pop(ticket, None)
            if future is not None and not future.done():
                future.set_result(responses)
        if self._idle is not None and not self._idle.done() and not completions.pending:
            self._idle.set_result(None)

    async def submit(self, requests: list[_http.Request]) -> list[_http.Response]:
        """The responses of ``requests``, run together; each carries its own ``error``."""
        completions = self._attach()
        ticket = completions.submit(requests)
        assert self._loop is not None
        future: asyncio.Future[list[_http.Response]] = self._loop.create_future()
        self._waiting[ticket] = future
        try:
            return await future
        except asyncio.CancelledError:
            if self._waiting.pop(ticket, None) is not None:
                completions.cancel(ticket)  # the transfer stops; its completion is dropped
            raise

    async def close(self) -> None:
        """Pending awaits end with ``CancelledError``; their transfers are cancelled and
        awaited (the engine stops them within milliseconds), then the queue is closed."""
        completions = self._completions
        if completions is None:
            return
        waiting, self._waiting = self._waiting, {}
        for ticket, future in waiting.items():
            completions.cancel(ticket)
            future.cancel()
        if completions.pending and self._loop is asyncio.get_running_loop():
            self._idle = self._loop.create_future()
            self._drain()  # maybe all done already
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._idle), timeout=30)
        self._detach()
        self._completions = None
        completions.close()  # waits (GIL released) only for transfers still running

    def __del__(self) -> None:
        completions: Any = getattr(self, "_completions", None)
        if completions is not None:
            with contextlib.suppress(Exception):  # e.g. its loop is gone
                self._detach()
            completions.close()
