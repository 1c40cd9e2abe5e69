"""The KV array blob (an int64 or double array stored as one ``B`` attribute), as the
official SDK's ``v3io.dataplane.kv_array``: ``encode_list``/``encode_array`` give base64
bytes, ``decode`` takes the raw (base64-decoded) blob."""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence

__all__ = ["ITEM_HEADER_MAGIC", "ITEM_HEADER_MAGIC_AND_VERSION", "OPERAND_TYPE_DOUBLE",
           "OPERAND_TYPE_LONG", "decode", "encode_array", "encode_list"]

ITEM_HEADER_MAGIC = struct.pack("<I", 11223344)
ITEM_HEADER_MAGIC_AND_VERSION = ITEM_HEADER_MAGIC + struct.pack("<I", 1)
OPERAND_TYPE_LONG = 259
OPERAND_TYPE_DOUBLE = 261
_SIZES = struct.Struct("<II")  # payload bytes, operand type


def encode_list(list_value: Sequence[int] | Sequence[float]) -> bytes:
    """A list of ints (or of floats, decided by the first element) as base64 bytes."""
    typecode = "d" if len(list_value) and isinstance(list_value[0], float) else "l"
    return encode_array(list_value, typecode)


def encode_array(array_value: Sequence[int] | Sequence[float], typecode: str) -> bytes:
    """``typecode`` ``"l"`` (int64) or anything else (double), as base64 bytes."""
    fmt, operand = ("q", OPERAND_TYPE_LONG) if typecode == "l" else ("d", OPERAND_TYPE_DOUBLE)
    count = len(array_value)
    blob = (ITEM_HEADER_MAGIC_AND_VERSION + _SIZES.pack(count * 8, operand)
            + struct.pack(f"<{count}{fmt}", *array_value))
    return base64.b64encode(blob)


def decode(encoded_array: bytes) -> list[int] | list[float]:
    """The values of a raw array blob; ``ValueError`` when it is not one."""
    start = len(ITEM_HEADER_MAGIC_AND_VERSION)
    if len(encoded_array) < start + _SIZES.size or not encoded_array.startswith(
            ITEM_HEADER_MAGIC_AND_VERSION):
        raise ValueError("Not an encoded array")
    size, operand = _SIZES.unpack_from(encoded_array, start)
    values = encoded_array[start + _SIZES.size:]
    if size % 8 or size != len(values) or operand not in (OPERAND_TYPE_LONG,
                                                          OPERAND_TYPE_DOUBLE):
        raise ValueError("Not an encoded array: its header does not match its values")
    fmt = "q" if operand == OPERAND_TYPE_LONG else "d"
    return list(struct.unpack(f"<{size // 8}{fmt}", values))
