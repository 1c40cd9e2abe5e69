"""The official ``v3io.aio.dataplane.transport.aiohttp`` name. The asyncio client does not
use aiohttp: ``Transport`` sends official :class:`~v3io.dataplane.request.Request` objects
through the native engine, awaited on a completion queue (no thread per request)."""

from __future__ import annotations

from typing import Any

from storewire._native import http as _http

from ....dataplane.request import Request
from ....dataplane.response import Response
from ....dataplane.transport import httpclient
from ..completion_queue import CompletionQueue


class Transport:
    """``await transport.request(container, access_key, raise_for_status, encoder,
    encoder_args, output)`` -> a Response."""

    def __init__(self, logger: Any, endpoint: str | None = None,
                 max_connections: int | None = None, timeout: float | None = None,
                 verbosity: Any = None, retry_intervals: Any = None) -> None:
        self._sync = httpclient.Transport(logger, endpoint, max_connections, timeout, verbosity)
        self._queue: CompletionQueue | None = None

    async def request(self, container: Any, access_key: Any, raise_for_status: Any,
                      encoder: Any, encoder_args: Any, output: Any = None) -> Any:
        request = Request(container, access_key, raise_for_status, encoder, encoder_args,
                          output)
        body = request.body if request.body is not None or request.method in (
            "GET", "HEAD", "DELETE") else b""
        native = _http.Request(request.method, self._sync._endpoint + request.encode_path(),
                               headers=list(request.headers.items()), body=body)
        if self._queue is None:
            self._queue = CompletionQueue(self._sync._client())
        answer = (await self._queue.submit([native]))[0]
        answer.raise_for_transport()
        response = Response(request.output, answer.status, answer.headers, answer.body)
        response.raise_for_status(request.raise_for_status)
        return response

    async def close(self) -> None:
        if self._queue is not None:
            await self._queue.close()
        self._sync.close()
