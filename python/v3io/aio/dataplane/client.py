"""``v3io.aio.dataplane.Client``: the official asyncio client's constructor and models
over the native engine (see the package docstring for how calls are awaited)."""

from __future__ import annotations

from typing import Any

from ...dataplane.client import Client as SyncClient
from ...dataplane.native_transport import Transport
from .engine import AsyncEngine
from .models import ContainerModel, KVModel, ObjectModel, StreamModel
from .owner import AsyncOwner

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
        # the sync client: settings, connection pool, encoding, cursors and stream.delete
        self._sync = SyncClient(logger, endpoint, access_key, max_connections, timeout,
                                "httpclient", logger_verbosity, transport_verbosity,
                                **options)
        self.endpoint = self._sync.endpoint
        self.max_connections = self._sync.max_connections
        transport = self._sync._transport
        assert isinstance(transport, Transport)  # "httpclient": always the native engine
        self._engine = AsyncEngine(transport)
        self._owner = AsyncOwner(self._sync, self._engine)
        self.kv = KVModel(self)
        self.object = ObjectModel(self)
        self.stream = StreamModel(self)
        self.container = ContainerModel(self)

    def __repr__(self) -> str:
        return f"aio.Client(endpoint={self.endpoint!r}, max_connections={self.max_connections})"

    async def close(self) -> None:
        """Closes the connections: pending awaits raise ``CancelledError`` and their
        transfers stop; later calls raise ``RuntimeError``."""
        await self._engine.close()
        self._sync.close()  # nothing of ours runs on it any more: returns at once

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
