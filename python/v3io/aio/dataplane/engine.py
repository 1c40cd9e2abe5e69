"""``AsyncEngine``: :class:`~v3io.dataplane.request.Call` objects sent through a sync
client's native transport (its connection pool, settings and answer checks), awaited
through a :class:`~v3io.aio.dataplane.completion_queue.CompletionQueue`."""

from __future__ import annotations

from ...dataplane.native_transport import Transport, finish, transport_failure
from ...dataplane.request import Call
from ...dataplane.response import Response
from .completion_queue import CompletionQueue

__all__ = ["AsyncEngine"]


class AsyncEngine:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._queue = CompletionQueue(transport._http)

    async def send(self, call: Call) -> Response:
        """One call; raises its ``raise_for_status`` violation or a transport error."""
        self._transport._check_open()
        native = (await self._queue.submit([self._transport._native(call)]))[0]
        error = native.error
        if error is not None:
            raise transport_failure(call, error)
        return finish(call, native)

    async def close(self) -> None:
        await self._queue.close()
