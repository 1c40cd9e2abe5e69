"""The one place where a V3IO server's answer becomes Python values.

Every JSON body, typed attribute value, stream record and listing field passes through
here before any other code sees it; whatever does not match the protocol raises
:class:`storewire.errors.ProtocolError` naming the field and the value. Code after this
module may rely on the types it promises: ``Items`` is a list of dicts, a ``B`` value is
valid base64, a sequence number is a non-negative int.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import struct
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from storewire import errors
from storewire._native import v3io as native

__all__ = [
    "attributes",
    "blob",
    "integer",
    "json_object",
    "listing_flag",
    "listing_int",
    "optional_string",
    "protocol_error",
    "string",
    "typed_value",
]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
_SHOWN = 120  # characters of an offending value quoted in the error

_ARRAY_MAGIC = 11223344
_ARRAY_VERSION = 1
_ARRAY_INT = 259
_ARRAY_DOUBLE = 261
_ARRAY_HEADER = struct.Struct("<IIII")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_NSECS = 10**9


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def protocol_error(where: str, problem: str, value: Any = None, *, show: bool = True) -> NoReturn:
    """Raise the ProtocolError for ``where`` (e.g. ``"GetItem: Item.age"``)."""
    text = f"invalid server response: {where} {problem}"
    if show:
        text += f", got {type(value).__name__} {_show(value)}"
    raise errors.ProtocolError(text, code="V3IO_BAD_RESPONSE")


# JSON structure


def _decoded(decode: Callable[..., Any], body: bytes, operation: str, *args: Any) -> Any:
    """``decode(body, *args)`` (a :mod:`storewire._native.v3io` decoder), its JSON errors
    named for ``operation``; errors of the reference decoder it calls pass unchanged."""
    try:
        decoded = decode(body, *args)
    except errors.ProtocolError as exc:
        if exc.code != "json":
            raise
        if "nested too deeply" in exc.message:
            protocol_error(f"{operation}:", "body is JSON nested too deeply", show=False)
        protocol_error(f"{operation}:", f"body is not valid JSON ({exc.message})", show=False)
    if type(decoded) is not dict:
        protocol_error(f"{operation}:", "body must be a JSON object", decoded)
    return decoded


def records_summary(body: bytes, fields: list[tuple[str, str, str, int, int]], error: str
                    ) -> tuple[int, list[int], int | None] | None:
    """A PutRecords-like answer checked natively without building its records (see
    ``storewire._native.v3io.records_summary``); None for a body in any other form,
    malformed JSON included: the caller then parses it, which raises the error."""
    try:
        return native.records_summary(body, fields, error)
    except errors.ProtocolError:
        return None


def json_object(body: bytes, operation: str) -> dict[str, Any]:
    """``body`` as a JSON object; anything else (not strict UTF-8 JSON, too deep, not an
    object) is a ProtocolError."""
    return _decoded(native.decode_json, body, operation)  # type: ignore[no-any-return]


def items_object(body: bytes, operation: str, field: str, where: str) -> dict[str, Any]:
    """Like :func:`json_object`, with member ``field`` (an item, or a list of items)
    already decoded as in :func:`attributes`, in native code; values that are not in a
    canonical form go through :func:`typed_value`, so results and errors are the same."""
    try:  # the usual answer: one native call (errors are named by _decoded below)
        decoded = native.decode_items(body, field, where, typed_value)
    except errors.ProtocolError:
        decoded = None
    if type(decoded) is dict:
        return decoded
    return _decoded(native.decode_items, body, operation,  # type: ignore[no-any-return]
                    field, where, typed_value)


def records_object(body: bytes, operation: str, cls: type, fields: list[tuple[str, str, str,
                                                                            int, int]]
                   ) -> dict[str, Any]:
    """Like :func:`json_object`, with ``Records`` made into ``cls`` instances in native
    code by ``fields`` (JSON name, attribute, kind, low, high); a record in another form
    is built by ``cls(record, where)``, which checks it."""
    return _decoded(native.decode_records, body, operation,  # type: ignore[no-any-return]
                    "Records", f"{operation}: Records", cls, fields)


def object_list(obj: Mapping[str, Any], name: str, where: str, cls: type) -> list[Any]:
    """Field ``name`` as decoded by :func:`records_object` ([] when absent)."""
    value = obj.get(name)
    if value is None:
        return []
    if type(value) is not list:
        protocol_error(f"{where}.{name}", "must be a list", value)
    for index, entry in enumerate(value):
        if type(entry) is not cls:
            protocol_error(f"{where}.{name}[{index}]", "must be an object", entry)
    return value


def string(obj: Mapping[str, Any], name: str, where: str, *, required: bool = False,
           non_empty: bool = False) -> str | None:
    """Field ``name`` as a str (None when absent or null and not ``required``)."""
    value = obj.get(name)
    if value is None:
        if required:
            protocol_error(f"{where}.{name}", "is missing", show=False)
        return None
    if type(value) is not str:
        protocol_error(f"{where}.{name}", "must be a string", value)
    if non_empty and not value:
        protocol_error(f"{where}.{name}", "must not be empty", value)
    return value


optional_string = string


def integer(obj: Mapping[str, Any], name: str, where: str, *, low: int = 0,
            high: int = INT64_MAX, required: bool = False) -> int | None:
    """Field ``name`` as an int within ``[low, high]`` (None when absent and optional)."""
    value = obj.get(name)
    if value is None:
        if required:
            protocol_error(f"{where}.{name}", "is missing", show=False)
        return None
    if type(value) is not int:  # bool, float and strings are refused
        protocol_error(f"{where}.{name}", "must be an integer", value)
    if not low <= value <= high:
        protocol_error(f"{where}.{name}", f"must be in {low}..{high}", value)
    return value


def dict_list(obj: Mapping[str, Any], name: str, where: str,
              *, required: bool = False) -> list[dict[str, Any]]:
    """Field ``name`` as a list of JSON objects ([] when absent and optional)."""
    value = obj.get(name)
    if value is None:
        if required:
            protocol_error(f"{where}.{name}", "is missing", show=False)
        return []
    if type(value) is not list:
        protocol_error(f"{where}.{name}", "must be a list", value)
    for index, entry in enumerate(value):
        if type(entry) is not dict:
            protocol_error(f"{where}.{name}[{index}]", "must be an object", entry)
    return value


def flag(obj: Mapping[str, Any], name: str, where: str) -> bool:
    """A ``"TRUE"``/``"FALSE"`` field such as ``LastItemIncluded`` (absent: False)."""
    value = obj.get(name)
    if value is None:
        return False
    if type(value) is bool:  # a server that sends a JSON boolean means the same
        return value
    if value not in ("TRUE", "FALSE"):
        protocol_error(f"{where}.{name}", 'must be "TRUE" or "FALSE"', value)
    return bool(value == "TRUE")


# typed attribute values


def blob(text: Any, where: str) -> bytes:
    """Strict standard base64 (padded); anything else is a ProtocolError, never b''."""
    if type(text) is not str:
        protocol_error(where, "must be a base64 string", text)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        protocol_error(where, "is not valid base64", text)


def _number(raw: Any, where: str) -> int | float:
    if type(raw) is str:
        try:
            return int(raw)
        except ValueError:
            pass
        try:
            return float(raw)
        except ValueError:
            protocol_error(where, "is not a number", raw)
    if type(raw) is int or type(raw) is float:  # a JSON number instead of a string
        return raw
    protocol_error(where, "must be a number in a string", raw)


def _array_or_bytes(data: bytes) -> Any:
    if len(data) >= _ARRAY_HEADER.size:
        magic, version, size, kind = _ARRAY_HEADER.unpack_from(data)
        if (
            magic == _ARRAY_MAGIC
            and version == _ARRAY_VERSION
            and kind in (_ARRAY_INT, _ARRAY_DOUBLE)
            and size % 8 == 0
            and len(data) == _ARRAY_HEADER.size + size
        ):
            fmt = "d" if kind == _ARRAY_DOUBLE else "q"
            return list(struct.unpack_from(f"<{size // 8}{fmt}", data, _ARRAY_HEADER.size))
    return data


def _timestamp(raw: Any, where: str) -> datetime.datetime:
    if type(raw) is not str:
        protocol_error(where, 'must be a "<secs>:<nsecs>" string', raw)
    secs_text, _, nsecs_text = raw.partition(":")
    try:
        secs = int(secs_text)
        nsecs = int(nsecs_text or "0")
    except ValueError:
        protocol_error(where, 'must be "<secs>:<nsecs>"', raw)
    if not 0 <= nsecs < _NSECS:
        protocol_error(where, f"nanoseconds must be in 0..{_NSECS - 1}", raw)
    try:
        return _EPOCH + datetime.timedelta(seconds=secs, microseconds=nsecs // 1000)
    except OverflowError:
        protocol_error(where, "is outside the datetime range", raw)


def typed_value(typed: Any, where: str) -> Any:
    """One ``{"<type>": <value>}`` wire value as its Python value."""
    if type(typed) is not dict or len(typed) != 1:
        protocol_error(where, 'must be one {"<type>": <value>} pair', typed)
    ((kind, raw),) = typed.items()
    if kind == "S":
        if type(raw) is str:
            return raw
        if type(raw) is int or type(raw) is float:  # the official SDK str()s these
            return str(raw)
        protocol_error(f"{where}.S", "must be a string", raw)
    if kind == "N":
        return _number(raw, f"{where}.N")
    if kind == "BOOL":
        if type(raw) is not bool:
            protocol_error(f"{where}.BOOL", "must be true or false", raw)
        return raw
    if kind == "B":
        return _array_or_bytes(blob(raw, f"{where}.B"))
    if kind == "TS":
        return _timestamp(raw, f"{where}.TS")
    protocol_error(where, "has an unknown type", kind)


def attributes(item: Any, where: str, index: int | None = None) -> dict[str, Any]:
    """An item's attributes as Python values (``index``: the item's place in ``Items``).
    The hot loop of a scan: strings, numbers and booleans are decoded inline, everything
    else through :func:`typed_value`; error locations are only built on an error."""
    if type(item) is not dict:
        protocol_error(_place(where, index), "must be an object of attributes", item)
    out: dict[str, Any] = {}
    for name, typed in item.items():
        if type(typed) is dict and len(typed) == 1:
            value = typed.get("S")
            if type(value) is str:
                out[name] = value
                continue
            value = typed.get("N")
            if type(value) is str:
                try:
                    out[name] = int(value)
                    continue
                except ValueError:
                    try:
                        out[name] = float(value)
                        continue
                    except ValueError:
                        pass
            else:
                value = typed.get("BOOL")
                if type(value) is bool:
                    out[name] = value
                    continue
        out[name] = typed_value(typed, f"{_place(where, index)}.{name}")
    return out


def _place(where: str, index: int | None) -> str:
    return where if index is None else f"{where}[{index}]"


# XML listings


def listing_int(text: str, where: str, *, low: int = 0, high: int = INT64_MAX) -> int:
    """An integer child of a container listing (``Size``, ``MaxKeys``, ...)."""
    try:
        value = int(text)
    except ValueError:
        protocol_error(where, "must be an integer", text)
    if not low <= value <= high:
        protocol_error(where, f"must be in {low}..{high}", value)
    return value


def listing_flag(text: str, where: str) -> str:
    """``IsTruncated``: ``true`` or ``false`` (kept as the string the SDK exposes)."""
    if text.lower() not in ("true", "false"):
        protocol_error(where, 'must be "true" or "false"', text)
    return text.lower()
