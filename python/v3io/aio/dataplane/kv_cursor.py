"""The asyncio items cursor: the sync :class:`v3io.dataplane.cursor.Cursor` (pages fetched
ahead, bounded against servers going round in circles) with awaited ``next_item`` and
``all``, which run on the event loop's default executor (a page fetch blocks)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...dataplane.cursor import Cursor as SyncCursor

__all__ = ["Cursor"]


class Cursor:
    """Made by ``client.kv.new_cursor(...)``."""

    def __init__(self, cursor: SyncCursor) -> None:
        self._cursor = cursor

    async def next_item(self) -> dict[str, Any] | None:
        return await asyncio.get_running_loop().run_in_executor(None, self._cursor.next_item)

    async def all(self) -> list[dict[str, Any]]:
        return await asyncio.get_running_loop().run_in_executor(None, self._cursor.all)

    def close(self) -> None:
        self._cursor.close()
