"""``v3io.aio.dataplane.Client``: the official asyncio client's names on the native engine.

An awaited call is submitted to the engine's event-loop thread and completes through an
eventfd that the running asyncio loop watches (``loop.add_reader``): no thread per call,
and the loop never blocks. Cancelling the awaiting task stops the transfer.
"""

from __future__ import annotations

from ...dataplane.response import RaiseForStatus
from .client import Client

__all__ = ["Client", "RaiseForStatus"]
