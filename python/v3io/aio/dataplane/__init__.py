"""``v3io.aio.dataplane.Client``: the official asyncio client's names over the sync client.

Each awaited call runs the sync client's request building, native transfer and parsing on
a small bounded thread pool (``max_connections`` threads, the sync client's in-flight
bound), so the event loop never blocks. Native completions signalled on a file descriptor,
without a thread per call in flight, are still to come (issue 15).
"""

from __future__ import annotations

from ...dataplane.response import RaiseForStatus
from .client import Client

__all__ = ["Client", "RaiseForStatus"]
