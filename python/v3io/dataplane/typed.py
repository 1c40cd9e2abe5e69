"""Typed attribute values: Python values <-> the wire form ``{"<type>": <value>}``.

The official SDK's typing, kept exactly: the exact ``type()``
decides (``bool`` is not an ``int``); ``N`` carries a *string*, ints without a ``.`` and
floats via ``repr`` so that ``2.0`` stays a float; ``B`` is base64; a list or
``array.array`` becomes an int64/double array blob; ``datetime`` becomes ``TS``
(``"<secs>:<nsecs>"``, naive values taken as UTC). Decoding reverses each of these, in
:mod:`validate`, strictly.
"""

from __future__ import annotations

import array
import base64
import calendar
import datetime
import struct
from collections.abc import Mapping
from typing import Any

from . import validate

__all__ = ["decode_attributes", "decode_value", "encode_attributes", "encode_value"]

_ARRAY_MAGIC = 11223344
_ARRAY_VERSION = 1
_ARRAY_INT = 259
_ARRAY_DOUBLE = 261
_ARRAY_HEADER = struct.Struct("<IIII")
# The official SDK refuses longer strings client-side; the server limit is 61,200 bytes.
MAX_STRING_CHARS = 61199


def _encode_array(values: Any) -> str:
    if isinstance(values, array.array):
        double = values.typecode in ("d", "f")
    else:
        double = bool(values) and type(values[0]) is float
    fmt = "d" if double else "q"
    try:
        payload = struct.pack(f"<{len(values)}{fmt}", *values)
    except struct.error as exc:
        raise AttributeError(f"array elements must all be {'float' if double else 'int'}") from exc
    head = _ARRAY_HEADER.pack(
        _ARRAY_MAGIC, _ARRAY_VERSION, len(payload), _ARRAY_DOUBLE if double else _ARRAY_INT
    )
    return base64.b64encode(head + payload).decode("ascii")


def _encode_timestamp(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    secs = calendar.timegm(value.timetuple())
    return f"{secs}:{value.microsecond * 1000}"


def encode_value(value: Any) -> dict[str, Any]:
    """One Python value in its wire form; ``AttributeError`` for an unsupported type (as
    the official SDK raises)."""
    kind = type(value)
    if kind is str:
        if len(value) > MAX_STRING_CHARS:
            raise AttributeError(f"string attribute longer than {MAX_STRING_CHARS} characters")
        return {"S": value}
    if kind is int:
        return {"N": str(value)}
    if kind is float:
        return {"N": repr(value)}
    if kind is bool:
        return {"BOOL": value}
    if kind is bytes or kind is bytearray or kind is memoryview:
        return {"B": base64.b64encode(value).decode("ascii")}
    if kind is list or kind is array.array:
        return {"B": _encode_array(value)}
    if isinstance(value, datetime.datetime):
        return {"TS": _encode_timestamp(value)}
    raise AttributeError(f"unsupported attribute type {kind.__name__} ({value!r})")


def encode_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {name: encode_value(value) for name, value in attributes.items()}


# Decoding lives in :mod:`validate`, the one place that checks server answers.


def decode_value(typed: Any) -> Any:
    """A wire value back in Python (a ProtocolError when it is malformed)."""
    return validate.typed_value(typed, "value")


def decode_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's wire attributes back in Python (a ProtocolError when malformed)."""
    return validate.attributes(item, "item")
