"""The asyncio models: ``client.object``, ``client.kv``, ``client.stream``,
``client.container``, each method the sync model's, awaited (the sync model encodes, the
client's :class:`~v3io.aio.dataplane.owner.AsyncOwner` turns the call into an await)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...dataplane import models as sync
from ...dataplane.model import Model
from .kv_cursor import Cursor

if TYPE_CHECKING:
    from .client import Client

__all__ = ["ContainerModel", "KVModel", "ObjectModel", "StreamModel"]


def awaitable(name: str, method: Callable[..., Any],
              drop: tuple[str, ...] = ("transport_actions",)) -> Callable[..., Any]:
    """An ``async def`` calling the sync model's ``name`` on the client's async owner,
    with ``method``'s help text and signature less ``drop`` (the official asyncio methods
    have no ``transport_actions``, except ``kv.delete``): arguments are bound to that
    signature and passed on by name."""
    full = inspect.signature(method)
    signature = full.replace(parameters=[p for p in full.parameters.values()
                                         if p.name not in drop])
    bind = signature.bind
    dropped = frozenset(drop) & full.parameters.keys()
    # positional arguments before the first dropped parameter mean the same to both
    names = [p for p in full.parameters if p != "self"]
    same = min((names.index(p) for p in dropped), default=len(names))

    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) <= same and not dropped & kwargs.keys():  # the common case: no bind
            return await getattr(self._sync, name)(*args, **kwargs)
        arguments = bind(self, *args, **kwargs).arguments
        del arguments["self"]
        return await getattr(self._sync, name)(**arguments)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


class _Model(Model):
    _kind = ""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._sync = getattr(client._owner, self._kind)


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
        return Cursor(self._client._sync.kv.new_cursor(*args, **kwargs))


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

