"""``v3io.dataplane.Client``: the official SDK's flat methods and models, sent through
storewire's native HTTP engine.

The flat methods (``put_item``, ``get_object``, ...) take full paths, the models
(``client.kv.put(container, table_path, key, ...)``) split them; both encode a
:class:`~v3io.dataplane.request.Call` and give it to their owner: a :class:`Client` sends it
at once, a :class:`~v3io.dataplane.batch.Batch` queues it until ``wait()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from storewire.config import Secret, resolve
from storewire.log import get_logger

from . import request as enc
from . import validate
from .config import ACCESS_KEY_VARIABLE, ENDPOINT_VARIABLE, Config
from .credentials import Endpoint, split_endpoint
from .cursor import Cursor
from .models import ContainerModel, KVModel, ObjectModel, StreamModel
from .request import Call
from .response import RaiseForStatus, RaiseForStatusArg, Response, Responses, check_status
from .transport import Transport

__all__ = ["Client"]

_log = get_logger("v3io")

Compound = Callable[["Client"], Response]


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
        call.access_key = access_key
        call.raise_for_status = raise_for_status
        return self._execute(call)

    # containers

    def get_containers(
        self,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Lists the containers: ``output.containers`` (``name``, ``creation_date``,
        ``identifier``)."""
        return self._run(enc.get_containers(), access_key, raise_for_status)

    def get_container_contents(
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
    ) -> Any:
        """Lists the directory ``path`` of ``container`` (see ``container.list``)."""
        call = enc.get_container_contents(container, path, get_all_attributes,
                                          directories_only, limit, marker)
        return self._run(call, access_key, raise_for_status)

    # objects

    def get_object(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        offset: int | None = None,
        num_bytes: int | None = None,
    ) -> Any:
        """The object's data in ``body``; ``offset``/``num_bytes`` read a range."""
        return self._run(enc.get_object(container, path, offset, num_bytes), access_key,
                         raise_for_status)

    def put_object(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
        body: Any = None,
        append: bool | None = None,
    ) -> Any:
        """Creates or overwrites an object with ``body`` (``append`` adds to its end)."""
        return self._run(enc.put_object(container, path, body, append), access_key,
                         raise_for_status)

    def delete_object(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Deletes an object, item or empty directory."""
        return self._run(enc.delete_object(container, path), access_key, raise_for_status)

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
                                  attribute_names, filter_expression, marker, sharding_key,
                                  limit, segment, total_segments, sort_key_range_start,
                                  sort_key_range_end)

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
        calls = []
        for key, attributes in items.items():
            call = enc.put_item(container, enc.join(path, key), attributes, condition)
            call.access_key = access_key
            call.raise_for_status = raise_for_status
            calls.append(call)
        return self._execute_many(calls)

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
        call = enc.get_items(container, path, table_name, attribute_names, filter_expression,
                             marker, sharding_key, limit, segment, total_segments,
                             sort_key_range_start, sort_key_range_end)
        return self._run(call, access_key, raise_for_status)

    def delete_item(
        self,
        container: str,
        path: str,
        access_key: str | None = None,
        raise_for_status: RaiseForStatusArg = None,
        transport_actions: Any = None,
    ) -> Any:
        """Deletes the item at ``path``."""
        return self._run(enc.delete_object(container, path), access_key, raise_for_status)

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


def _endpoint(value: str | None) -> Endpoint:
    """The endpoint without ``user:password@`` (sent as Basic authorization instead, so
    the password never shows in the URL, an error or a log line)."""
    if not value:
        raise RuntimeError(f"endpoint must be passed to the client or set in {ENDPOINT_VARIABLE}")
    if "://" not in value:
        value = "http://" + value
    return split_endpoint(value.rstrip("/"))


class Client(Owner):
    """A V3IO data-plane client.

    ``endpoint`` defaults to ``$V3IO_API`` (``http://`` is added when it has no scheme) and
    ``access_key`` to ``$V3IO_ACCESS_KEY``. ``max_connections`` bounds the requests in
    flight (a batch runs that many at once), ``timeout`` is a per-request limit in seconds.
    ``verify_tls`` is on by default (the official SDK never verifies). Other keyword
    arguments go to :class:`storewire._native.http.Client`. ``logger``,
    ``transport_kind`` and the verbosity arguments are accepted for compatibility.
    ``config`` (a :class:`v3io.dataplane.config.Config`) replaces the environment as the
    source of what the arguments leave unset.
    """

    def __init__(
        self,
        logger: Any = None,
        endpoint: str | None = None,
        access_key: str | Secret | None = None,
        max_connections: int | None = None,
        timeout: float | None = None,
        transport_kind: Any = "httpclient",
        logger_verbosity: Any = None,
        transport_verbosity: Any = "info",
        *,
        verify_tls: bool | None = None,
        config: Config | None = None,
        **http_options: Any,
    ) -> None:
        # The SDK's falsy arguments (endpoint="", max_connections=0, timeout=0) mean unset.
        cfg = resolve(
            Config, config, endpoint=endpoint or None, access_key=access_key,
            max_in_flight=max_connections or None,
            timeout_s=float(timeout) if timeout else None, verify_tls=verify_tls,
        )
        parsed = _endpoint(cfg.endpoint)
        self.endpoint = parsed.url
        if not cfg.access_key:
            raise ValueError(
                f"access_key must be passed to the client or set in {ACCESS_KEY_VARIABLE}"
            )
        self.config = cfg
        self.max_connections = cfg.max_in_flight
        options = cfg.http_options()
        options["max_host_connections"] = self.max_connections
        options.update(http_options)
        self._transport = Transport(parsed, cfg.access_key, **options)
        self._init_models()
        from .batch import Batch  # batch imports this module

        self.batch = Batch(self)
        _log.debug("v3io client for %s (%d connections)", self.endpoint, self.max_connections)

    def __repr__(self) -> str:
        return f"Client(endpoint={self.endpoint!r}, max_connections={self.max_connections})"

    def create_batch(self) -> Any:
        """A new, independent :class:`~v3io.dataplane.batch.Batch`."""
        from .batch import Batch

        return Batch(self)

    def close(self) -> None:
        """Closes the connections; later calls raise ``RuntimeError``."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # owner interface: send at once

    def _execute(self, call: Call) -> Response:
        return self._transport.send(call)

    def _send_now(self, call: Call, started: threading.Event | None = None) -> Response:
        return self._transport.send(call, started)

    def _prefetch_now(self, call: Call, started: threading.Event | None = None) -> Response:
        return self._transport.prefetch(call, started)

    def _execute_many(self, calls: list[Call]) -> Responses:
        """Sends calls concurrently; raises the first transport error or status
        violation after all of them completed."""
        results = self._transport.send_many(calls)
        responses = Responses()
        for call, result in zip(calls, results, strict=True):
            if isinstance(result, BaseException):
                raise result
            responses.append(check_status(result, call.raise_for_status))
        return responses

    def _execute_compound(self, run: Compound) -> Response:
        return run(self)

    def _delete_stream(
        self,
        container: str,
        path: str,
        access_key: str | None,
        raise_for_status: RaiseForStatusArg,
    ) -> Response:
        """List the stream directory, delete every shard object in parallel, then the
        directory itself (there is no DeleteStream operation)."""
        stream_dir = path.rstrip("/") + "/"
        keys: list[str] = []
        marker = None
        seen: set[str] = set()
        while True:
            listing = enc.get_container_contents(container, stream_dir, marker=marker)
            listing.access_key = access_key
            listing.raise_for_status = RaiseForStatus.never
            response = self._transport.send(listing)
            if response.status_code != 200:
                return check_status(response, raise_for_status)
            out = response.output
            page = [_stream_entry(c, stream_dir) for c in out.contents]
            keys += page
            if out.is_truncated != "true" or not page:
                break
            marker = out.next_marker
            if not marker or marker in seen:  # a listing going round in circles
                validate.protocol_error("ListContainer: NextMarker",
                                        "repeats a marker of this listing (or is empty) "
                                        "while IsTruncated is true", marker)
            seen.add(marker)
        deletes = [enc.delete_object(container, key) for key in keys]
        for call in deletes:
            call.access_key = access_key
            call.raise_for_status = raise_for_status
        self._execute_many(deletes)
        last = enc.delete_object(container, stream_dir)
        last.access_key = access_key
        last.raise_for_status = raise_for_status
        return self._transport.send(last)


def _stream_entry(content: Any, stream_dir: str) -> str:
    """A listed key to delete: it must name an entry of the stream directory, so that a
    hostile listing cannot make ``stream.delete`` remove anything else."""
    key = getattr(content, "key", None)
    inside = stream_dir.strip("/") + "/"
    name = key.strip("/") if isinstance(key, str) else ""
    rest = name[len(inside):] if name.startswith(inside) else ""
    if not rest or "/" in rest or rest in (".", ".."):
        validate.protocol_error("ListContainer: Contents.Key",
                                f"must name an entry of the stream directory {inside!r}", key)
    return name
