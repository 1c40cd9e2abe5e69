"""Encoders: each V3IO operation's arguments -> a :class:`Call` (method, path, headers,
body, output class). Encoding is pure and cheap, so a batch can encode thousands of calls
before sending any of them; the transport turns a Call into a native request.
"""

from __future__ import annotations

import base64
import json
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from storewire import errors
from storewire._native import v3io as native

from . import output
from .response import RaiseForStatusArg
from .typed import encode_attributes, encode_value

__all__ = ["Call", "Encoder", "Request", "call_encoder"]

# A call's headers: a tuple, so that the usual ones are shared constants (the transport
# keeps the full header tuple it sends for each of them, session key included).
Headers = tuple[tuple[str, str], ...]
_JSON = ("Content-Type", "application/json")
_OCTET = ("Content-Type", "application/octet-stream")  # the SDK misspells it; we do not
_SEEK_TYPES = ("EARLIEST", "LATEST", "SEQUENCE", "TIME")
# A path of these characters is its own percent-encoding (quote() would return it as is).
_UNRESERVED_PATH = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(slots=True)
class Call:
    """One encoded request; ``path`` is already percent-encoded (with the query)."""

    operation: str
    method: str
    path: str
    headers: Headers
    body: bytes | memoryview | None = None
    output_class: type[output.Output] | None = None
    resource: str = ""
    access_key: str | None = None
    raise_for_status: RaiseForStatusArg = None
    record_count: int = 0  # PutRecords: how many records the body carries

    def sent_as(self, access_key: str | None, raise_for_status: RaiseForStatusArg) -> Call:
        """This call with the caller's ``access_key`` and ``raise_for_status``."""
        self.access_key = access_key
        self.raise_for_status = raise_for_status
        return self


# The official encoder shape: (container, access_key, args) -> (method, path, query,
# headers, body), with path and query not yet percent-encoded.
Encoder = Callable[[Any, Any, Any], tuple[str, str, Any, dict[str, str], Any]]


class Request:
    """The official SDK's request object, as transports (the verifier's functions among
    them) see it: ``container``, ``access_key``, ``raise_for_status``, ``output``,
    ``method``, ``path``, ``query``, ``headers``, ``body``, and ``transport`` (a namespace
    the transport keeps its state in)."""

    def __init__(self, container: Any, access_key: Any, raise_for_status: Any,
                 encoder: Encoder, encoder_args: Any, output: Any = None) -> None:
        self.container = container
        self.access_key = access_key
        self.raise_for_status = raise_for_status
        self.encoder = encoder
        self.encoder_args = encoder_args
        self.output = output
        self.method, self.path, self.query, self.headers, self.body = encoder(
            container, access_key, encoder_args)
        self.transport = types.SimpleNamespace()

    def encode_path(self) -> str:
        """The percent-encoded path and query, as sent."""
        if self.query is None:
            return quote(self.path)
        return quote(self.path) + "?" + urlencode(self.query, quote_via=quote)

    def __repr__(self) -> str:
        return f"Request({self.method} {self.encode_path()})"


def call_encoder(call: Call, access_key: str | None) -> tuple[str | None, Encoder]:
    """``call``'s container and an official-style encoder giving back its parts (the path
    and query decoded, the session key among the headers as the official SDK sends it)."""
    path, _, query = call.path.partition("?")
    plain = unquote(path)
    container = plain.split("/")[1] or None if plain != "/" else None
    body = bytes(call.body) if isinstance(call.body, memoryview) else call.body

    def encode(_container: Any, _key: Any, _args: Any) -> tuple[str, str, Any, dict[str, str],
                                                                 Any]:
        headers = dict(call.headers)
        if access_key:
            headers["X-v3io-session-key"] = access_key
        decoded = dict(parse_qsl(query, keep_blank_values=True)) if query else None
        return call.method, plain, decoded, headers, body

    return container, encode


def check_container(container: str) -> None:
    """A container name is one path segment: not empty, no ``/``, not ``.`` or ``..``."""
    if type(container) is not str or not container or "/" in container or container in (
            ".", ".."):
        raise errors.InvalidRequestError(
            f"invalid container name {container!r}: one non-empty path segment, not '.' "
            "or '..'", code="InvalidPath")


def check_path(path: str, what: str = "path") -> None:
    """Refuse ``.``/``..`` segments: servers and HTTP stacks resolve them, so such a key
    could reach outside its directory or container (issue 19)."""
    if type(path) is not str:
        raise errors.InvalidRequestError(f"{what} must be a str, not {type(path).__name__}",
                                         code="InvalidPath")
    if "." in path and any(seg in (".", "..") for seg in path.split("/")):
        raise errors.InvalidRequestError(
            f"invalid {what} {path!r}: '.' and '..' segments are not allowed in V3IO paths",
            code="InvalidPath")


# Containers already checked, each with its percent-encoded ``/<container>/`` (a client
# uses a handful; the cap only bounds a caller that makes up names).
_CONTAINER_PREFIXES: dict[str, str] = {}
_MAX_CONTAINER_PREFIXES = 1024


def _container_prefix(container: str) -> str:
    prefix = _CONTAINER_PREFIXES.get(container) if type(container) is str else None
    if prefix is None:
        check_container(container)
        full = f"/{container}/"
        prefix = full if _UNRESERVED_PATH(full) else quote(full, safe="/")
        if len(_CONTAINER_PREFIXES) < _MAX_CONTAINER_PREFIXES:
            _CONTAINER_PREFIXES[container] = prefix
    return prefix


def _path_and_resource(container: str, path: str = "",
                       collection: bool = False) -> tuple[str, str]:
    """``/<container>/<path>`` percent-encoded with ``/`` kept (``collection`` ensures the
    trailing slash that marks a table, stream or shard), and ``<container>/<path>`` as
    errors name it."""
    # the usual case without a call: a known container, a str path without "."
    prefix = _CONTAINER_PREFIXES.get(container) if type(container) is str else None
    if prefix is None:
        prefix = _container_prefix(container)
    if type(path) is not str or "." in path:
        check_path(path)
    rest = path.lstrip("/")
    resource = f"{container}/{rest}"
    if collection and rest and not rest.endswith("/"):
        rest += "/"  # (the container's root already ends in its prefix's "/")
    # quoting is per character, so the prefix and the rest are encoded apart
    return prefix + (rest if _UNRESERVED_PATH(rest) else quote(rest, safe="/")), resource


def _json(body: Any) -> bytes:
    """Compact JSON, natively for plain values (the same bytes as ``_dumps``)."""
    data = native.encode_json(body)
    return data if data is not None else _dumps(body).encode()


def _data_call(
    operation: str,
    method: str,
    container: str,
    path: str,
    body: Mapping[str, Any] | bytes | None,
    output_class: type[output.Output] | None = None,
    *,
    collection: bool = False,
) -> Call:
    """A data-plane call: ``body`` is a mapping sent as JSON, or JSON bytes already."""
    url, resource = _path_and_resource(container, path, collection)
    if body is None:
        headers, data = _function_headers(operation, False), b""
    else:
        headers = _JSON_FUNCTION_HEADERS.get(operation) or _function_headers(operation, True)
        data = body if type(body) is bytes else _json(body)
    return Call(operation, method, url, headers, data, output_class, resource)


# (operation, has a JSON body) -> the call's header tuple, one shared object per operation
_FUNCTION_HEADERS: dict[tuple[str, bool], Headers] = {}
_JSON_FUNCTION_HEADERS: dict[str, Headers] = {}  # the same, for JSON bodies, by operation


def _function_headers(operation: str, json_body: bool) -> Headers:
    headers = _FUNCTION_HEADERS.get((operation, json_body))
    if headers is None:
        function = ("X-v3io-function", operation)
        headers = (function, _JSON) if json_body else (function,)
        _FUNCTION_HEADERS[(operation, json_body)] = headers
        if json_body:
            _JSON_FUNCTION_HEADERS[operation] = headers
    return headers


# containers


def get_containers() -> Call:
    return Call("GetContainers", "GET", "/", (), None, output.GetContainersOutput, "/")


def get_container_contents(
    container: str,
    path: str,
    get_all_attributes: bool | None = None,
    directories_only: bool | None = None,
    limit: int | None = None,
    marker: str | None = None,
) -> Call:
    check_container(container)
    check_path(path)
    query: list[tuple[str, str]] = [("prefix", path or "/")]
    if get_all_attributes:
        query.append(("prefix-info", "1"))
    if directories_only:
        query.append(("prefix-only", "1"))
    if limit is not None:
        query.append(("max-keys", str(limit)))
    if marker:
        query.append(("marker", marker))
    url = quote(f"/{container}", safe="/") + "?" + urlencode(query, quote_via=quote)
    return Call("ListContainer", "GET", url, (), None, output.GetContainerContentsOutput,
                f"{container}/{path.lstrip('/')}")


# objects


def get_object(
    container: str, path: str, offset: int | None = None, num_bytes: int | None = None
) -> Call:
    headers: Headers = ()
    if offset is not None or num_bytes is not None:
        start = offset or 0
        end = "" if num_bytes is None else str(start + num_bytes - 1)
        headers = (("Range", f"bytes={start}-{end}"),)
    url, resource = _path_and_resource(container, path)
    return Call("GetObject", "GET", url, headers, None, None, resource)


def _as_bytes(body: Any) -> bytes | memoryview:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    return memoryview(body).cast("B")  # any buffer, sent without a copy


def put_object(container: str, path: str, body: Any = None, append: bool | None = None) -> Call:
    url, resource = _path_and_resource(container, path)
    if append:
        return Call("AppendObject", "PUT", url, _APPEND, _as_bytes(body), None, resource)
    return Call("PutObject", "PUT", url, _PUT_OBJECT, _as_bytes(body), None, resource)


_APPEND: Headers = (("Range", "-1"),)
_PUT_OBJECT: Headers = (_OCTET,)


def delete_object(container: str, path: str) -> Call:
    url, resource = _path_and_resource(container, path)
    return Call("DeleteObject", "DELETE", url, (), None, None, resource)


def head_object(container: str, path: str) -> Call:
    url, resource = _path_and_resource(container, path)
    return Call("HeadObject", "HEAD", url, (), None, None, resource)


# key-value


def put_item(
    container: str, path: str, attributes: Mapping[str, Any], condition: str | None = None,
    update_mode: str | None = None,
) -> Call:
    data = native.encode_item(attributes, condition, update_mode, encode_value)
    if data is not None:  # the common case, encoded in one native pass
        return _data_call("PutItem", "PUT", container, path, data)
    body: dict[str, Any] = {"Item": encode_attributes(attributes)}
    if condition:
        body["ConditionExpression"] = condition
    if update_mode:
        body["UpdateMode"] = update_mode
    return _data_call("PutItem", "PUT", container, path, body)


def _literal(name: str, value: Any) -> str:
    """A Python value as an expression literal (to merge ``attributes`` into an
    expression instead of sending both, a defect of the official SDK)."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    if kind is str and "'" not in value and "\\" not in value:
        return f"'{value}'"
    if kind in (bytes, bytearray, list) or kind.__name__ == "array":
        return f"blob('{encode_value(value)['B']}')"
    raise ValueError(f"attribute {name!r}: cannot combine {kind.__name__} with an expression")


def update_item(
    container: str,
    path: str,
    attributes: Mapping[str, Any] | None = None,
    expression: str | None = None,
    condition: str | None = None,
    update_mode: str | None = None,
    alternate_expression: str | None = None,
) -> Call:
    if expression is None and alternate_expression is None:
        # a merge of plain attributes: PutItem with an UpdateMode, as the SDK sends it
        return put_item(container, path, attributes or {}, condition,
                        update_mode or "CreateOrReplaceAttributes")
    if attributes:
        sets = "; ".join(f"SET {k}={_literal(k, v)}" for k, v in attributes.items())
        expression = f"{sets}; {expression}" if expression else sets
    body: dict[str, Any] = {
        "UpdateMode": update_mode or "CreateOrReplaceAttributes",
        "UpdateExpression": expression or "",
    }
    if condition:
        body["ConditionExpression"] = condition
    if alternate_expression:
        body["AlternateUpdateExpression"] = alternate_expression
    return _data_call("UpdateItem", "POST", container, path, body)


def _attribute_names(names: str | Iterable[str]) -> str:
    # a plain string is passed as is (the SDK character-joins it)
    return names if isinstance(names, str) else ",".join(names)


_ALL_ATTRIBUTES = b'{"AttributesToGet":"*"}'  # the usual GetItem body, encoded once


def get_item(container: str, path: str, attribute_names: str | Iterable[str] = "*") -> Call:
    body: Mapping[str, Any] | bytes = (
        _ALL_ATTRIBUTES if attribute_names == "*"
        else {"AttributesToGet": _attribute_names(attribute_names)})
    return _data_call("GetItem", "PUT", container, path, body, output.GetItemOutput)


# A scan's arguments, by the official SDK's names (the same in scan, new_cursor, get_items and
# new_items_cursor), and the GetItems field of each optional one, in the body's order.
_SCAN_FIELDS = {
    "table_name": "TableName",
    "filter_expression": "FilterExpression",
    "marker": "Marker",
    "sharding_key": "ShardingKey",
    "limit": "Limit",
    "segment": "Segment",
    "total_segments": "TotalSegment",
    "sort_key_range_start": "SortKeyRangeStart",
    "sort_key_range_end": "SortKeyRangeEnd",
}
_SCAN_ARGS = ("attribute_names", *_SCAN_FIELDS)


def scan_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The scan arguments out of a scan method's ``locals()``, so that the four official
    signatures that spell them out forward them by name in one place."""
    return {name: args[name] for name in _SCAN_ARGS if name in args}


def get_items(container: str, path: str, scan: Mapping[str, Any]) -> Call:
    """GetItems from :func:`scan_args` (an absent argument is its default)."""
    table_name = scan.get("table_name")
    if table_name is not None:
        check_path(table_name, "table_name")
    body: dict[str, Any] = {"AttributesToGet": _attribute_names(scan.get("attribute_names", "*"))}
    body.update((field, scan[name]) for name, field in _SCAN_FIELDS.items()
                if scan.get(name) is not None)
    return _data_call("GetItems", "PUT", container, path, body, output.GetItemsOutput,
                      collection=True)


def create_schema(
    container: str, path: str, key: str | None = None, fields: Sequence[Any] | None = None
) -> Call:
    schema = {"hashingBucketNum": 0, "key": key, "fields": list(fields or [])}
    table = path.rstrip("/")
    return put_object(container, f"{table}/.#schema", _json(schema))


# streams


def create_stream(
    container: str, path: str, shard_count: int, retention_period_hours: int | None = None
) -> Call:
    body = {"ShardCount": shard_count, "RetentionPeriodHours": retention_period_hours or 24}
    return _data_call("CreateStream", "POST", container, path, body, collection=True)


def update_stream(container: str, path: str, shard_count: int) -> Call:
    return _data_call("UpdateStream", "POST", container, path, {"ShardCount": shard_count},
                      collection=True)


def describe_stream(container: str, path: str) -> Call:
    return _data_call("DescribeStream", "PUT", container, path, None,
                      output.DescribeStreamOutput, collection=True)


def seek_shard(
    container: str,
    path: str,
    seek_type: str,
    starting_sequence_number: int | None = None,
    timestamp_sec: int | None = None,
    timestamp_nsec: int | None = None,
) -> Call:
    if seek_type not in _SEEK_TYPES:
        raise ValueError(f"seek_type must be one of {', '.join(_SEEK_TYPES)}, not {seek_type!r}")
    body: dict[str, Any] = {"Type": seek_type}
    if seek_type == "SEQUENCE":
        if starting_sequence_number is None:
            raise ValueError("seek_type SEQUENCE needs starting_sequence_number")
        body["StartingSequenceNumber"] = starting_sequence_number
    elif seek_type == "TIME":
        if timestamp_sec is None:
            raise ValueError("seek_type TIME needs timestamp_sec")
        body["TimestampSec"] = timestamp_sec
        body["TimestampNSec"] = timestamp_nsec or 0
    return _data_call("SeekShard", "PUT", container, path, body, output.SeekShardOutput,
                      collection=True)


def _b64(data: Any) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def put_records(container: str, path: str, records: Sequence[Mapping[str, Any]]) -> Call:
    data = native.encode_records(records)  # a list of plain dicts, in one native pass
    if data is not None:
        call = _data_call("PutRecords", "POST", container, path, data,
                          output.PutRecordsOutput, collection=True)
        call.record_count = len(records)
        return call
    encoded = []
    for record in records:
        entry: dict[str, Any] = {"Data": _b64(record["data"])}
        if record.get("client_info") is not None:
            entry["ClientInfo"] = _b64(record["client_info"])
        if record.get("shard_id") is not None:
            entry["ShardId"] = record["shard_id"]
        if record.get("partition_key") is not None:
            entry["PartitionKey"] = record["partition_key"]
        encoded.append(entry)
    call = _data_call("PutRecords", "POST", container, path, {"Records": encoded},
                      output.PutRecordsOutput, collection=True)
    call.record_count = len(encoded)
    return call


def get_records(container: str, path: str, location: str, limit: int | None = None) -> Call:
    body: dict[str, Any] = {"Location": location}
    if limit is not None:
        body["Limit"] = limit
    return _data_call("GetRecords", "PUT", container, path, body, output.GetRecordsOutput,
                      collection=True)


def join(*parts: Any) -> str:
    """Model-style path pieces (table path + key, stream path + shard) as one path."""
    if len(parts) == 2 and type(parts[0]) is str and type(parts[1]) is str:
        head, tail = parts[0].strip("/"), parts[1].strip("/")  # table + key: the hot case
        return f"{head}/{tail}" if head and tail else head or tail
    return "/".join(str(p).strip("/") for p in parts if str(p).strip("/"))
