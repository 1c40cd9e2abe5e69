"""``AsyncOwner``: the owner the asyncio models' sync model objects report to. Each call
a model encodes comes back as a coroutine that awaits the engine, so the sync models'
argument handling and encoding serve both clients unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from ...dataplane.client import Client as SyncClient
from ...dataplane.owner import Compound, Owner
from ...dataplane.request import Call
from ...dataplane.response import Response
from .engine import AsyncEngine

__all__ = ["AsyncOwner"]


class AsyncOwner(Owner):
    def __init__(self, sync: SyncClient, engine: AsyncEngine) -> None:
        self._sync = sync
        self._engine = engine
        self._init_models()

    def _execute(self, call: Call) -> Coroutine[Any, Any, Response]:
        return self._engine.send(call)

    def _execute_compound(self, run: Compound) -> asyncio.Future[Response]:
        # stream.delete only (a listing, then deletes): on the loop's default executor
        return asyncio.get_running_loop().run_in_executor(None, run, self._sync)
