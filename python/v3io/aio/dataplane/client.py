"""``v3io.aio.dataplane.Client``: the official asyncio client's constructor and models
over a sync :class:`v3io.dataplane.Client` (see the package docstring for how calls run)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...dataplane.client import Client as SyncClient
from .models import ContainerModel, KVModel, ObjectModel, StreamModel
from .runner import Runner

__all__ = ["Client"]


class Client:
    """Arguments as the official asyncio client's; ``retry_intervals`` is accepted for
    compatibility (the native engine's backoff applies). Keyword-only extras go to the
    sync client (``verify_tls``, ``config``, native HTTP options)."""

    def __init__(
        self,
        logger: Any = None,
        endpoint: str | None = None,
        access_key: str | None = None,
        max_connections: int | None = None,
        timeout: float | None = None,
        logger_verbosity: Any = None,
        transport_verbosity: Any = "info",
        retry_intervals: Any = None,
        **options: Any,
    ) -> None:
        self._sync = SyncClient(logger, endpoint, access_key, max_connections, timeout,
                                "httpclient", logger_verbosity, transport_verbosity,
                                **options)
        self.endpoint = self._sync.endpoint
        self.max_connections = self._sync.max_connections
        # one thread per request the engine runs at once: more would only queue there
        self._runner = Runner(self.max_connections)
        self.kv = KVModel(self)
        self.object = ObjectModel(self)
        self.stream = StreamModel(self)
        self.container = ContainerModel(self)

    def __repr__(self) -> str:
        return f"aio.Client(endpoint={self.endpoint!r}, max_connections={self.max_connections})"

    async def close(self) -> None:
        """Closes the connections: queued calls are dropped (their awaits raise
        ``CancelledError``), calls in flight end with an error."""
        self._runner.close()
        # not on our pool: its threads may all be busy with calls that close() ends
        await asyncio.get_running_loop().run_in_executor(None, self._sync.close)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
