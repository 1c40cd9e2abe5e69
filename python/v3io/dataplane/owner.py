"""``Owner``: what the models need from whoever owns them, and the official SDK's flat
methods, shared by :class:`~v3io.dataplane.client.Client` (sends each call now) and
:class:`~v3io.dataplane.batch.Batch` (queues it). Below both, so neither imports the other
to get it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MethodType
from typing import TYPE_CHECKING, Any

from . import request as enc
from .cursor import Cursor
from .models import ContainerModel, KVModel, ObjectModel, StreamModel
from .request import Call
from .response import RaiseForStatusArg, Response

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Compound", "Owner"]

Compound = Callable[["Client"], Response]


class _ModelMethod:
    """An official flat method that is a model method under another name, with the same
    arguments and defaults: ``client.get_object`` is ``client.object.get``."""

    def __init__(self, model: str, method: Callable[..., Any]) -> None:
        self._model = model
        self._method = method

    def __get__(self, instance: Owner | None, cls: type | None = None) -> Any:
        if instance is None:
            return self._method  # help() and inspect see the model method's signature
        return MethodType(self._method, getattr(instance, self._model))


class Owner:
    """What models need from their owner, plus the flat (deprecated-style) methods that
    the official SDK offers on both the client and its batches."""

    kv: KVModel
    object: ObjectModel
    stream: StreamModel
    container: ContainerModel

    def _init_models(self) -> None:
        self.kv = KVModel(self)
        self.object = ObjectModel(self)
        self.stream = StreamModel(self)
        self.container = ContainerModel(self)

    # provided by Client (send now) and Batch (queue)
    def _execute(self, call: Call) -> Any:
        raise NotImplementedError

    def _execute_many(self, calls: list[Call]) -> Any:
        raise NotImplementedError

    def _execute_compound(self, run: Compound) -> Any:
        raise NotImplementedError

    def _send_now(self, call: Call, started: threading.Event | None = None) -> Response:
        raise NotImplementedError

    def _prefetch_now(self, call: Call, started: threading.Event | None = None) -> Response:
        raise NotImplementedError

    def _run(self, call: Call, access_key: str | None, raise_for_status: RaiseForStatusArg) -> Any:
        return self._execute(call.sent_as(access_key, raise_for_status))

    # containers

    get_containers = _ModelMethod("container", ContainerModel.get)
    get_container_contents = _ModelMethod("container", ContainerModel.list)

    # objects

    get_object = _ModelMethod("object", ObjectModel.get)
    put_object = _ModelMethod("object", ObjectModel.put)
    delete_object = _ModelMethod("object", ObjectModel.delete)

    # key-value

    def new_items_cursor(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        attribute_names: str | Iterable[str] = "*",
        filter_expression: str | None = None,
        marker: str | None = None,
        sharding_key: str | None = None,
        limit: int | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        sort_key_range_start: str | None = None,
        sort_key_range_end: str | None = None,
    ) -> Cursor:
        """A :class:`Cursor` over the items of the table at ``path`` (iterate it or call
        ``all()``). Works, unlike the official SDK 0.7.2's."""
        return self.kv.new_cursor(container, path, None, access_key, raise_for_status,
                                  **enc.scan_args(locals()))

    def put_item(
        self,
        container: str,
        path: str,
        attributes: Mapping[str, Any],
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        condition: str | None = None,
    ) -> Any:
        """Creates or replaces the item at ``path``; ``condition`` guards the write."""
        return self._run(enc.put_item(container, path, attributes, condition), access_key,
                         raise_for_status)

    def put_items(
        self,
        container: str,
        path: str,
        items: Mapping[str, Mapping[str, Any]],
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        condition: str | None = None,
    ) -> Any:
        """Puts ``{key: attributes}`` into the table at ``path``, in parallel; returns
        :class:`Responses`."""
        return self._execute_many([
            enc.put_item(container, enc.join(path, key), attributes, condition).sent_as(
                access_key, raise_for_status)
            for key, attributes in items.items()
        ])

    def update_item(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        attributes: Mapping[str, Any] | None = None,
        expression: str | None = None,
        condition: str | None = None,
        update_mode: str | None = None,
        alternate_expression: str | None = None,
    ) -> Any:
        """Merges ``attributes`` and/or applies the update ``expression`` (see
        ``kv.update``); creates the item if missing."""
        call = enc.update_item(container, path, attributes, expression, condition,
                               update_mode, alternate_expression)
        return self._run(call, access_key, raise_for_status)

    def get_item(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        attribute_names: str | Iterable[str] = "*",
    ) -> Any:
        """The item at ``path`` in ``output.item``."""
        return self._run(enc.get_item(container, path, attribute_names), access_key,
                         raise_for_status)

    def get_items(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        table_name: str | None = None,
        attribute_names: str | Iterable[str] = "*",
        filter_expression: str | None = None,
        marker: str | None = None,
        sharding_key: str | None = None,
        limit: int | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        sort_key_range_start: str | None = None,
        sort_key_range_end: str | None = None,
    ) -> Any:
        """One page of a scan of the table at ``path`` (see ``kv.scan``)."""
        call = enc.get_items(container, path, enc.scan_args(locals()))
        return self._run(call, access_key, raise_for_status)

    delete_item = _ModelMethod("object", ObjectModel.delete)  # an item is an object
    def create_schema(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        key: str | None = None,
        fields: Sequence[Any] | None = None,
    ) -> Any:
        """Writes ``<path>/.#schema``."""
        return self._run(enc.create_schema(container, path, key, fields), access_key,
                         raise_for_status)

    # streams

    def create_stream(
        self,
        container: str,
        path: str,
        shard_count: int,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        retention_period_hours: int | None = None,
    ) -> Any:
        """Creates a stream with ``shard_count`` shards."""
        call = enc.create_stream(container, path, shard_count, retention_period_hours)
        return self._run(call, access_key, raise_for_status)

    def update_stream(
        self,
        container: str,
        path: str,
        shard_count: int,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Grows a stream to ``shard_count`` shards."""
        return self._run(enc.update_stream(container, path, shard_count), access_key,
                         raise_for_status)

    def delete_stream(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Deletes a stream (its shards, then its directory)."""
        return self.stream.delete(container, path, access_key, raise_for_status)

    def describe_stream(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """``output.shard_count`` and ``output.retention_period_hours``."""
        return self._run(enc.describe_stream(container, path), access_key, raise_for_status)

    def seek_shard(
        self,
        container: str,
        path: str,
        seek_type: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        starting_sequence_number: int | None = None,
        timestamp_sec: int | None = None,
        timestamp_nsec: int | None = None,
    ) -> Any:
        """A location in the shard at ``path`` (``<stream>/<shard id>``)."""
        call = enc.seek_shard(container, path, seek_type, starting_sequence_number,
                              timestamp_sec, timestamp_nsec)
        return self._run(call, access_key, raise_for_status)

    def put_records(
        self,
        container: str,
        path: str,
        records: Sequence[Mapping[str, Any]],
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Appends records to the stream at ``path``."""
        return self._run(enc.put_records(container, path, records), access_key,
                         raise_for_status)

    def get_records(
        self,
        container: str,
        path: str,
        location: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        limit: int | None = None,
    ) -> Any:
        """Records from ``location`` in the shard at ``path`` (``<stream>/<shard id>``)."""
        return self._run(enc.get_records(container, path, location, limit), access_key,
                         raise_for_status)
