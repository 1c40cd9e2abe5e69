"""The model-style API (``client.kv``, ``client.object``, ``client.stream``,
``client.container``) with the official SDK's method names and argument order.

A model only encodes: it hands each :class:`Call` to its owner, which either sends it (a
``Client``) or queues it (a ``Batch``). ``transport_actions`` is accepted for signature
compatibility and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import request as enc
from .cursor import DEFAULT_MAX_EMPTY_PAGES, DEFAULT_MAX_REPEATED_MARKERS, Cursor
from .model import Model
from .request import Call
from .response import RaiseForStatusArg, Response

if TYPE_CHECKING:
    from .owner import Owner

__all__ = ["ContainerModel", "KVModel", "ObjectModel", "StreamModel"]


class _Model(Model):
    def __init__(self, client: Owner) -> None:  # a Client or a Batch
        self._owner = client

    def _run(self, call: Call, access_key: str | None, raise_for_status: RaiseForStatusArg) -> Any:
        call.access_key = access_key  # Owner._run's work, one call less per request
        call.raise_for_status = raise_for_status
        return self._owner._execute(call)


class ContainerModel(_Model):
    def list(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        get_all_attributes: bool | None = None,
        directories_only: bool | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> Response | None:
        """Lists a directory of ``container``: ``output.contents`` (objects) and
        ``output.common_prefixes`` (sub-directories), ``limit`` per page from ``marker``."""
        call = enc.get_container_contents(container, path, get_all_attributes,
                                          directories_only, limit, marker)
        return self._run(call, access_key, raise_for_status)

    def get(
        self,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Lists the containers (``output.containers``)."""
        return self._run(enc.get_containers(), access_key, raise_for_status)


class ObjectModel(_Model):
    def head(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """HEAD of an object: its size is ``headers['Content-Length']``."""
        return self._run(enc.head_object(container, path), access_key, raise_for_status)

    def get(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        offset: int | None = None,
        num_bytes: int | None = None,
    ) -> Response | None:
        """The object's data (``body``), or ``num_bytes`` of it from ``offset``."""
        return self._run(enc.get_object(container, path, offset, num_bytes), access_key,
                         raise_for_status)

    def put(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        body: Any = None,
        append: bool | None = None,
    ) -> Response | None:
        """Writes ``body`` (str, bytes or any buffer); ``append`` adds it to the end; a
        path ending in ``/`` makes a directory."""
        return self._run(enc.put_object(container, path, body, append), access_key,
                         raise_for_status)

    def delete(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Deletes an object, an item or an empty directory."""
        return self._run(enc.delete_object(container, path), access_key, raise_for_status)


class KVModel(_Model):
    def new_cursor(
        self,
        container: str,
        table_path: str,
        table_name: str | None = None,
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
        *,
        max_empty_pages: int | None = DEFAULT_MAX_EMPTY_PAGES,
        max_repeated_markers: int | None = DEFAULT_MAX_REPEATED_MARKERS,
    ) -> Cursor:
        """A :class:`Cursor` over the items of a scan (same arguments as :meth:`scan`).

        ``max_empty_pages`` and ``max_repeated_markers`` bound what a server can make the
        cursor do (see :mod:`v3io.dataplane.cursor`); None lifts a bound."""
        scan = enc.scan_args(locals())
        if not isinstance(attribute_names, str):
            scan["attribute_names"] = list(attribute_names)  # an iterator is read once

        def encode(page_marker: str | None, page_limit: int | None) -> Call:
            return enc.get_items(container, table_path,
                                 {**scan, "marker": page_marker, "limit": page_limit})

        return Cursor(self._owner._send_now, encode, limit, marker, access_key,
                      raise_for_status, self._owner._prefetch_now,
                      max_empty_pages=max_empty_pages,
                      max_repeated_markers=max_repeated_markers)

    def put(
        self,
        container: str,
        table_path: str,
        key: str,
        attributes: Mapping[str, Any],
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        condition: str | None = None,
    ) -> Response | None:
        """Creates or replaces an item; with ``condition`` only if it holds (400 if not)."""
        call = enc.put_item(container, enc.join(table_path, key), attributes, condition)
        return self._run(call, access_key, raise_for_status)

    def update(
        self,
        container: str,
        table_path: str,
        key: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        attributes: Mapping[str, Any] | None = None,
        expression: str | None = None,
        condition: str | None = None,
        update_mode: str | None = None,
        alternate_expression: str | None = None,
    ) -> Response | None:
        """Merges ``attributes`` into an item and/or applies an update ``expression``
        (``alternate_expression`` when ``condition`` is false); creates the item."""
        call = enc.update_item(container, enc.join(table_path, key), attributes, expression,
                               condition, update_mode, alternate_expression)
        return self._run(call, access_key, raise_for_status)

    def get(
        self,
        container: str,
        table_path: str,
        key: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        attribute_names: str | Iterable[str] = "*",
    ) -> Response | None:
        """One item (``output.item``): ``*`` for all user attributes or a list of names."""
        call = enc.get_item(container, enc.join(table_path, key), attribute_names)
        return self._run(call, access_key, raise_for_status)

    def scan(
        self,
        container: str,
        table_path: str,
        table_name: str | None = None,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        attribute_names: str | Iterable[str] = "*",
        filter_expression: str | None = None,
        marker: str | None = None,
        sharding_key: str | None = None,
        limit: int | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        sort_key_range_start: str | None = None,
        sort_key_range_end: str | None = None,
    ) -> Response | None:
        """One page of items (``output.items``, ``output.last``, ``output.next_marker``)."""
        call = enc.get_items(container, table_path, enc.scan_args(locals()))
        return self._run(call, access_key, raise_for_status)

    def delete(
        self,
        container: str,
        table_path: str,
        key: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Deletes one item."""
        call = enc.delete_object(container, enc.join(table_path, key))
        return self._run(call, access_key, raise_for_status)

    def create_schema(
        self,
        container: str,
        table_path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        key: str | None = None,
        fields: Sequence[Any] | None = None,
    ) -> Response | None:
        """Writes the table's ``.#schema`` file (used by frames and Presto)."""
        call = enc.create_schema(container, table_path, key, fields)
        return self._run(call, access_key, raise_for_status)


class StreamModel(_Model):
    def create(
        self,
        container: str,
        stream_path: str,
        shard_count: int,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        retention_period_hours: int | None = None,
    ) -> Response | None:
        """Creates a stream with ``shard_count`` shards (retention 24 h by default)."""
        call = enc.create_stream(container, stream_path, shard_count, retention_period_hours)
        return self._run(call, access_key, raise_for_status)

    def update(
        self,
        container: str,
        stream_path: str,
        shard_count: int,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Grows the stream to ``shard_count`` shards."""
        call = enc.update_stream(container, stream_path, shard_count)
        return self._run(call, access_key, raise_for_status)

    def delete(
        self,
        container: str,
        stream_path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Deletes the stream: its shard objects (in parallel), then its directory."""
        return self._owner._execute_compound(
            lambda owner: owner._delete_stream(container, stream_path, access_key,
                                               raise_for_status)
        )

    def describe(
        self,
        container: str,
        stream_path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """``output.shard_count`` and ``output.retention_period_hours``."""
        return self._run(enc.describe_stream(container, stream_path), access_key,
                         raise_for_status)

    def seek(
        self,
        container: str,
        stream_path: str,
        shard_id: int,
        seek_type: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        starting_sequence_number: int | None = None,
        timestamp_sec: int | None = None,
        timestamp_nsec: int | None = None,
    ) -> Response | None:
        """``output.location`` in a shard: EARLIEST, LATEST, SEQUENCE or TIME."""
        call = enc.seek_shard(container, enc.join(stream_path, shard_id), seek_type,
                              starting_sequence_number, timestamp_sec, timestamp_nsec)
        return self._run(call, access_key, raise_for_status)

    def put_records(
        self,
        container: str,
        stream_path: str,
        records: Sequence[Mapping[str, Any]],
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Response | None:
        """Appends records (dicts with ``data`` and optional ``shard_id``,
        ``partition_key``, ``client_info``); per-record results in ``output.records``."""
        call = enc.put_records(container, stream_path, records)
        return self._run(call, access_key, raise_for_status)

    def get_records(
        self,
        container: str,
        stream_path: str,
        shard_id: int,
        location: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        limit: int | None = None,
    ) -> Response | None:
        """Records of a shard from ``location`` (``output.records``, ``output.next_location``)."""
        call = enc.get_records(container, enc.join(stream_path, shard_id), location, limit)
        return self._run(call, access_key, raise_for_status)
