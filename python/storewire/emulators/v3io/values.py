"""Typed attribute values: the wire form ``{"<type>": <value>}`` and the Python form.

Wire types: ``S`` string, ``N`` number held in a *string* (an
integer has no ``.`` or exponent, a double always has one), ``BOOL``, ``B`` base64 blob,
``TS`` ``"<secs>:<nsecs>"``. A blob that starts with the array magic is an int64 or double
array. In Python: ``str``, ``int``, ``float``, ``bool``, ``bytes``, :class:`Array`,
:class:`Timestamp`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from .errors import V3ioError, bad_request

ARRAY_MAGIC = 11223344
ARRAY_VERSION = 1
ARRAY_INT = 259
ARRAY_DOUBLE = 261
_ARRAY_HEADER = struct.Struct("<IIII")

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

MAX_STRING_BYTES = 61200
MAX_VALUE_BYTES = 1024 * 1024

_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A ``TS`` value; ordered by (seconds, nanoseconds)."""

    secs: int
    nsecs: int

    def key(self) -> tuple[int, int]:
        return (self.secs, self.nsecs)

    def wire(self) -> str:
        return f"{self.secs}:{self.nsecs}"


@dataclass(frozen=True, slots=True)
class Array:
    """An array attribute: ``double`` is False for int64 elements, True for doubles."""

    double: bool
    items: tuple[Any, ...]

    @classmethod
    def of(cls, double: bool, values: Any) -> Array:
        conv = float if double else int
        return cls(double, tuple(conv(v) for v in values))

    def blob(self) -> bytes:
        count = len(self.items)
        head = _ARRAY_HEADER.pack(
            ARRAY_MAGIC, ARRAY_VERSION, 8 * count, ARRAY_DOUBLE if self.double else ARRAY_INT
        )
        try:
            return head + struct.pack(("<%dd" if self.double else "<%dq") % count, *self.items)
        except struct.error as exc:
            raise bad_request(f"array element out of the int64 range: {exc}") from None


def parse_array(blob: bytes) -> Array | None:
    """The array a blob encodes, or None if it is a plain blob."""
    if len(blob) < _ARRAY_HEADER.size:
        return None
    magic, version, nbytes, kind = _ARRAY_HEADER.unpack_from(blob)
    if magic != ARRAY_MAGIC or version != ARRAY_VERSION or kind not in (ARRAY_INT, ARRAY_DOUBLE):
        return None
    if nbytes % 8 or len(blob) != _ARRAY_HEADER.size + nbytes:
        return None
    double = kind == ARRAY_DOUBLE
    fmt = ("<%dd" if double else "<%dq") % (nbytes // 8)
    return Array(double, struct.unpack_from(fmt, blob, _ARRAY_HEADER.size))


def parse_number(text: str) -> int | float:
    """An ``N`` string as int (no point or exponent) or float; ValueError if not a number."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if "_" in text:  # float() would accept "1_0"; the wire format does not
        raise ValueError(text)
    return float(text)


def format_number(value: int | float) -> str:
    """The ``N`` string: doubles always keep a point or exponent so they stay doubles."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def decode(name: str, typed: Any) -> Any:
    """The Python value of one wire attribute; 400 with the attribute name when invalid."""
    if not isinstance(typed, dict) or len(typed) != 1:
        raise bad_request(f"attribute '{name}': expected one {{type: value}} pair, got {typed!r}")
    ((kind, raw),) = typed.items()
    try:
        # every value is a JSON string except BOOL: anything else is refused (issue 19)
        if kind == "S":
            if isinstance(raw, str):
                if len(raw) > MAX_STRING_BYTES // 4 and len(raw.encode()) > MAX_STRING_BYTES:
                    raise bad_request(
                        f"attribute '{name}': string of {len(raw.encode())} bytes exceeds "
                        f"the {MAX_STRING_BYTES}-byte limit"
                    )
                return raw
        elif kind == "N":
            if not isinstance(raw, str):
                raise ValueError(raw)
            number = parse_number(raw.strip())
            if isinstance(number, int) and not INT64_MIN <= number <= INT64_MAX:
                raise bad_request(f"attribute '{name}': integer {raw} is outside the int64 range")
            return number
        elif kind == "BOOL":
            if isinstance(raw, bool):
                return raw
        elif kind == "B":
            if isinstance(raw, str):
                blob = base64.b64decode(raw, validate=True)
                if len(blob) > MAX_VALUE_BYTES:
                    raise bad_request(
                        f"attribute '{name}': blob of {len(blob)} bytes exceeds the "
                        f"{MAX_VALUE_BYTES}-byte limit"
                    )
                array = parse_array(blob)
                return blob if array is None else array
        elif kind == "TS":
            if isinstance(raw, str):
                secs, _, nsecs = raw.partition(":")
                stamp = Timestamp(int(secs), int(nsecs or "0"))
                if INT64_MIN <= stamp.secs <= INT64_MAX and 0 <= stamp.nsecs < 10**9:
                    return stamp
        else:
            raise bad_request(f"attribute '{name}': unsupported type '{kind}'")
    except V3ioError:
        raise
    except (ValueError, binascii.Error):
        pass
    raise bad_request(f"attribute '{name}': invalid {kind} value {raw!r}")


def encode(value: Any) -> dict[str, Any]:
    """The wire form of a Python value produced by the evaluator."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": format_number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Array):
        return {"B": base64.b64encode(value.blob()).decode()}
    if isinstance(value, (bytes, bytearray)):
        return {"B": base64.b64encode(value).decode()}
    if isinstance(value, Timestamp):
        return {"TS": value.wire()}
    raise bad_request(f"cannot store a value of type {type(value).__name__}")


def wire_size(typed: dict[str, Any]) -> int:
    """Approximate stored size of one wire attribute, for the item size limit."""
    ((kind, raw),) = typed.items()
    if kind == "S":
        return len(raw.encode()) if isinstance(raw, str) else 8
    if kind == "B":
        return len(raw) * 3 // 4
    return 8


def type_name(value: Any) -> str:
    """How errors name a value's type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Array):
        return "double array" if value.double else "integer array"
    if isinstance(value, (bytes, bytearray)):
        return "blob"
    if isinstance(value, Timestamp):
        return "timestamp"
    return type(value).__name__
