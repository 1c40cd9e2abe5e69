"""The asyncio items cursor: the sync :class:`v3io.dataplane.cursor.Cursor` (pages fetched
ahead, bounded against servers going round in circles) with awaited ``next_item`` and
``all``."""

from __future__ import annotations

from typing import Any

from ...dataplane.cursor import Cursor as SyncCursor
from .runner import Runner

__all__ = ["Cursor"]


class Cursor:
    """Made by ``client.kv.new_cursor(...)``."""

    def __init__(self, runner: Runner, cursor: SyncCursor) -> None:
        self._runner = runner
        self._cursor = cursor

    async def next_item(self) -> dict[str, Any] | None:
        return await self._runner.run(self._cursor.next_item)

    async def all(self) -> list[dict[str, Any]]:
        return await self._runner.run(self._cursor.all)

    def close(self) -> None:
        self._cursor.close()
