"""V3IO JSON bodies in native code: the per-item work of the ``v3io`` client.

Decoders read a body with a strict, bounded JSON reader (UTF-8 only, nesting, value count
and number length bounded); malformed JSON raises :class:`storewire.errors.ProtocolError`
with ``code == "json"``. Typed attribute values and stream records in their canonical
forms are decoded here; any other shape is handed, as plain JSON values, to the Python
callable given, so results and errors stay the Python decoder's. Encoders return None for
inputs they do not cover (the caller then encodes in Python).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from typing_extensions import Buffer

def decode_json(body: Buffer) -> Any:
    """A JSON body as plain Python values (what ``json.loads`` gives)."""

def decode_items(
    body: Buffer, field: str, where: str, typed_value: Callable[[Any, str], Any]
) -> Any:
    """A JSON object body with member ``field`` decoded as typed attributes: an object is
    one item, a list holds items (non-object entries stay plain). Values not in a canonical
    form go to ``typed_value(value, where)``. A body that is not an object comes back as its
    plain value."""

def decode_records(
    body: Buffer,
    field: str,
    where: str,
    cls: type,
    fields: list[tuple[str, str, str, int, int]],
) -> Any:
    """A JSON object body whose list member ``field`` holds records made into ``cls``
    instances by ``fields`` [(JSON name, attribute, kind, low, high)], kinds ``i`` (int in
    low..high), ``e`` (any int), ``s`` (str), ``b`` (base64, required), ``B`` (base64). A
    record in another form is built as ``cls(record, f"{where}[{index}]")``."""

def records_summary(
    body: Buffer, fields: list[tuple[str, str, str, int, int]], error: str
) -> tuple[int, list[int], int | None] | None:
    """A PutRecords answer checked without building its records: (record count, indices of
    the records whose ``error`` member is not null, FailedRecordCount or None) when the body
    is an object with ``Records`` (records canonical for ``fields``, as in
    :func:`decode_records`) and ``FailedRecordCount`` (null or an int in 0..count), each at
    most once; None for any other form (the caller then parses it)."""

def encode_item(
    attributes: Mapping[str, Any],
    condition: str | None,
    update_mode: str | None,
    encode_value: Callable[[Any], dict[str, str]],
) -> bytes | None:
    """The PutItem body (``Item`` plus ``ConditionExpression`` and ``UpdateMode`` when
    given); values other than str, int, float, bool, bytes and bytearray go through
    ``encode_value``."""

def encode_records(records: Sequence[Mapping[str, Any]]) -> bytes | None:
    """The PutRecords body for a list of record dicts (``data``, ``client_info``,
    ``shard_id``, ``partition_key``)."""

def encode_json(value: Any) -> bytes | None:
    """Compact JSON of plain values (dict with str keys, list, str, int, bool, None, finite
    float), the same bytes as ``json.dumps(separators=(",", ":"), ensure_ascii=False)``."""
