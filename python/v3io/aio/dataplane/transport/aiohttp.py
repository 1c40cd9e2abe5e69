"""The official ``v3io.aio.dataplane.transport.aiohttp`` name. The asyncio client does not
use aiohttp: ``Transport`` sends official :class:`~v3io.dataplane.request.Request` objects
through the native engine on a bounded thread pool."""

from __future__ import annotations

from typing import Any

from ....dataplane.transport import httpclient
from ..runner import Runner


class Transport:
    """``await transport.request(container, access_key, raise_for_status, encoder,
    encoder_args, output)`` -> a Response."""

    def __init__(self, logger: Any, endpoint: str | None = None,
                 max_connections: int | None = None, timeout: float | None = None,
                 verbosity: Any = None, retry_intervals: Any = None) -> None:
        self._sync = httpclient.Transport(logger, endpoint, max_connections, timeout, verbosity)
        self._runner = Runner(self._sync.max_connections)

    async def request(self, container: Any, access_key: Any, raise_for_status: Any,
                      encoder: Any, encoder_args: Any, output: Any = None) -> Any:
        return await self._runner.run(self._sync.request, container, access_key,
                                      raise_for_status, None, encoder, encoder_args, output)

    async def close(self) -> None:
        self._runner.close()
        self._sync.close()
