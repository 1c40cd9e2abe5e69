"""The asyncio models: ``client.object``, ``client.kv``, ``client.stream``,
``client.container``, each method the sync model's, awaited."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ...dataplane import models as sync
from ...dataplane.model import Model
from .kv_cursor import Cursor
from .runner import awaitable

if TYPE_CHECKING:
    from .client import Client

__all__ = ["ContainerModel", "KVModel", "ObjectModel", "StreamModel"]


class _Model(Model):
    _kind = ""

    def __init__(self, client: Client) -> None:
        self._runner = client._runner
        self._sync = getattr(client._sync, self._kind)


class ObjectModel(_Model):
    _kind = "object"
    head = awaitable("head", sync.ObjectModel.head)
    get = awaitable("get", sync.ObjectModel.get)
    put = awaitable("put", sync.ObjectModel.put)
    delete = awaitable("delete", sync.ObjectModel.delete)


class KVModel(_Model):
    _kind = "kv"
    put = awaitable("put", sync.KVModel.put)
    update = awaitable("update", sync.KVModel.update)
    get = awaitable("get", sync.KVModel.get)
    scan = awaitable("scan", sync.KVModel.scan)
    delete = awaitable("delete", sync.KVModel.delete, drop=())
    create_schema = awaitable("create_schema", sync.KVModel.create_schema)

    def new_cursor(self, *args: Any, **kwargs: Any) -> Cursor:
        """An items cursor whose ``next_item()`` and ``all()`` are awaited."""
        return Cursor(self._runner, self._sync.new_cursor(*args, **kwargs))


KVModel.new_cursor.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    sync.KVModel.new_cursor)


class StreamModel(_Model):
    _kind = "stream"
    create = awaitable("create", sync.StreamModel.create)
    update = awaitable("update", sync.StreamModel.update)
    delete = awaitable("delete", sync.StreamModel.delete)
    describe = awaitable("describe", sync.StreamModel.describe)
    seek = awaitable("seek", sync.StreamModel.seek)
    put_records = awaitable("put_records", sync.StreamModel.put_records)
    get_records = awaitable("get_records", sync.StreamModel.get_records)


class ContainerModel(_Model):
    _kind = "container"
    list = awaitable("list", sync.ContainerModel.list)
