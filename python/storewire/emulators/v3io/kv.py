"""NoSQL data-service functions: PutItem, UpdateItem, GetItem, GetItems.

A table is a directory; an item is an object (usually without data) whose name is the
primary key and whose user attributes are stored as wire-typed JSON. Attribute values are
kept exactly as the client sent them (``"3.14E+00"`` stays that text) unless an update
expression computes a new value.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from functools import partial
from typing import Any

from . import expressions
from .containers import DIR_MODE, FILE_MODE, OWNER_ID
from .errors import (
    CONDITION_FALSE,
    E2BIG,
    EISDIR,
    ENOTDIR,
    ITEM_EXISTS,
    V3ioError,
    bad_request,
    not_found,
)
from .expressions import Scope
from .httpio import Response, http_date, json_response
from .store import Node, Store, split_path
from .values import decode, encode, wire_size

MAX_ITEM_BYTES = 1536 * 1024  # 1.5 MB per item
MAX_PAGE_ITEMS = 1000
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_SEGMENTS = 1024
_SCAN_CHUNK = 1024

_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
UPDATE_MODES = frozenset({"CreateOrReplaceAttributes", "OverWriteAttributes", "CreateNewItemOnly"})


# item resolution and attribute plumbing


def item_location(url_parts: list[str], body: dict[str, Any]) -> tuple[list[str], str, Any]:
    """(table path, item key, typed key attribute or None) from the URL and the body's
    ``TableName``/``Key`` (the resource path may be split between them)."""
    parts = list(url_parts)
    table_name = body.get("TableName")
    if table_name is not None:
        if not isinstance(table_name, str):
            raise bad_request("TableName must be a string")
        parts += split_path(table_name)
    key_attr = body.get("Key")
    if key_attr is not None:
        if not isinstance(key_attr, dict) or len(key_attr) != 1:
            raise bad_request('Key must be {"<attribute>": {"S"|"N": <value>}}')
        ((name, typed),) = key_attr.items()
        value = decode(name, typed)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise bad_request("the Key attribute must be a string or a number")
        key = str(value)
        if split_path(key) != [key]:  # one segment: no "/", ".", ".." or empty key
            raise bad_request(f"invalid item key {key!r}: it must be one path segment")
        return parts, key, key_attr
    if not parts:
        raise bad_request("the request names no item")
    return parts[:-1], parts[-1], None


_VALID_NAMES: set[str] = set()  # names that passed the check (they repeat item after item)


def check_attribute_name(name: str) -> None:
    if name in _VALID_NAMES:
        return
    if name.startswith("__"):
        raise bad_request(f"system attribute '{name}' cannot be set")
    if not _ATTRIBUTE_NAME.fullmatch(name):
        raise bad_request(
            f"invalid attribute name '{name}': use letters, digits and '_', starting with a "
            "letter or '_', at most 255 characters"
        )
    if len(_VALID_NAMES) < 100_000:
        _VALID_NAMES.add(name)


def validate_item(item: Any) -> dict[str, Any]:
    """Check names and typed values of a request's ``Item``; returns it (wire form)."""
    if not isinstance(item, dict):
        raise bad_request("Item must be a JSON object of typed attributes")
    for name, typed in item.items():
        check_attribute_name(name)
        decode(name, typed)
    return item


def check_item_size(attrs: dict[str, Any], text: str | None = None) -> None:
    """413-style refusal of an item over ``MAX_ITEM_BYTES``. ``text``, the item's JSON
    when known, short-cuts the count: no attribute counts more than its JSON takes in
    bytes, and a character takes at most 4 bytes."""
    if text is not None and len(text) * 4 <= MAX_ITEM_BYTES:
        return
    total = sum(len(name) + wire_size(typed) for name, typed in attrs.items())
    if total > MAX_ITEM_BYTES:
        raise V3ioError(
            400, E2BIG, f"item of about {total} bytes exceeds the {MAX_ITEM_BYTES}-byte limit"
        )


# prebuilt encoders: json.dumps with options builds a new JSONEncoder on every call
_dump = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False)


def dump(attrs: dict[str, Any]) -> str:
    return _dump(attrs)


class LazyAttrs(dict):  # type: ignore[type-arg]
    """User attributes decoded on first use: a filter usually reads one or two of many."""

    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__()
        self.raw = raw

    def __missing__(self, name: str) -> Any:
        value = decode(name, self.raw[name])  # KeyError -> the attribute is missing
        self[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return name in self.raw


def decode_all(raw: dict[str, Any]) -> dict[str, Any]:
    return {name: decode(name, typed) for name, typed in raw.items()}


def system_attributes(node: Node) -> dict[str, Any]:
    def split(ns: int) -> tuple[int, int]:
        return divmod(ns, 1_000_000_000)

    mtime, ctime, atime = split(node.mtime_ns), split(node.ctime_ns), split(node.atime_ns)
    attrs: dict[str, Any] = {
        "__name": node.name,
        "__size": node.size,
        "__mode": DIR_MODE if node.is_dir else FILE_MODE,
        "__mtime_secs": mtime[0],
        "__mtime_nsecs": mtime[1],
        "__ctime_secs": ctime[0],
        "__ctime_nsecs": ctime[1],
        "__atime_secs": atime[0],
        "__atime_nsecs": atime[1],
        "__uid": OWNER_ID,
        "__gid": OWNER_ID,
        "__obj_type": 2 if node.is_dir else 1,
        "__collection_id": node.parent,
        "__inode_number": node.id,
    }
    if node.meta is not None:
        meta = json.loads(node.meta)
        if "last_seq" in meta:
            attrs["__last_sequence_num"] = meta["last_seq"]
    return attrs


def _system_of(node: Node | None) -> Callable[[], dict[str, Any]] | None:
    """The lazy system attributes of an item; a missing item has none."""
    return None if node is None else partial(system_attributes, node)


def verifier(node: Node) -> dict[str, str]:
    """The optimistic-locking condition storey sends back verbatim; the Go
    SDK cannot parse a PutItem/UpdateItem answer without it."""
    secs, nsecs = divmod(node.mtime_ns, 1_000_000_000)
    return {
        "X-v3io-transaction-verifier": f"__mtime_secs=={secs} and __mtime_nsecs=={nsecs}",
        "Last-Modified": http_date(node.mtime_ns),
    }


def _compile_condition(text: Any, field: str) -> expressions.Predicate:
    if text is None:
        return expressions.condition("")
    if not isinstance(text, str):
        raise bad_request(f"{field} must be a string")
    try:
        return expressions.condition(text)
    except expressions.ExpressionError as exc:
        raise bad_request(f"invalid {field}: {exc}") from None


def _compile_update(text: Any, field: str) -> expressions.Apply:
    if not isinstance(text, str):
        raise bad_request(f"{field} must be a string")
    try:
        return expressions.update(text)
    except expressions.ExpressionError as exc:
        raise bad_request(f"invalid {field}: {exc}") from None


def _condition_failed() -> V3ioError:
    return V3ioError(400, CONDITION_FALSE, "Condition expression evaluated to false")


def _existing_item(store: Store, parent: int, key: str, where: str) -> Node | None:
    node = store.child(parent, key)
    if node is not None and node.is_dir:
        raise V3ioError(400, EISDIR, f"Is a directory: {where}")
    return node


# functions


def put_item(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    table, key, key_attr = item_location(url_parts, body)
    item = dict(validate_item(body.get("Item", {})))
    if key_attr is not None:
        item.update(key_attr)  # the key also becomes an attribute
    mode = body.get("UpdateMode")
    if mode is not None and (not isinstance(mode, str) or mode not in UPDATE_MODES):
        raise bad_request(f"unsupported UpdateMode {mode!r}")
    condition = _compile_condition(body.get("ConditionExpression"), "ConditionExpression")
    where = "/".join([*table, key])
    # the item write is the last statement: no SAVEPOINT needed
    with store.transaction(atomic=False):
        parent = store.make_dirs(root, table)
        node = _existing_item(store, parent, key, where)
        if node is not None and mode == "CreateNewItemOnly":
            # frames counts two "ErrorCode" occurrences in this body
            raise V3ioError(
                400,
                ITEM_EXISTS,
                f"Item already exists and UpdateMode is CreateNewItemOnly (ErrorCode "
                f"{ITEM_EXISTS}): {where}",
            )
        conditional = bool(body.get("ConditionExpression"))
        merge = mode == "CreateOrReplaceAttributes"
        # the old attributes matter only to a condition or a merge
        old = json.loads(node.attrs) if node is not None and (conditional or merge) else {}
        if conditional:
            scope = Scope(LazyAttrs(old), _system_of(node))
            if not condition(scope):
                raise _condition_failed()
        attrs = {**old, **item} if merge else item
        text = dump(attrs)
        check_item_size(attrs, text)
        if node is None:
            node = store.insert(parent, key, is_dir=False, attrs=text)
        else:
            store.touch(node, attrs=text)
    return Response(200, b"", verifier(node))


def update_item(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    table, key, key_attr = item_location(url_parts, body)
    condition_text = body.get("ConditionExpression")
    condition = _compile_condition(condition_text, "ConditionExpression")
    main = _compile_update(body.get("UpdateExpression", ""), "UpdateExpression")
    alternate_text = body.get("AlternateUpdateExpression")
    alternate = (
        _compile_update(alternate_text, "AlternateUpdateExpression")
        if alternate_text is not None
        else None
    )
    where = "/".join([*table, key])
    # the item write is the last statement: no SAVEPOINT needed
    with store.transaction(atomic=False):
        parent = store.make_dirs(root, table)
        node = _existing_item(store, parent, key, where)
        old = json.loads(node.attrs) if node is not None else {}
        current = decode_all(old)
        originals = dict(current)
        scope = Scope(current, _system_of(node))
        if not condition_text or condition(scope):
            action = main
        elif alternate is not None:
            action = alternate
        else:
            raise _condition_failed()
        try:
            action(scope)
        except expressions.EvaluationError as exc:
            raise bad_request(f"update expression failed: {exc}") from None
        attrs: dict[str, Any] = {}
        for name, value in scope.attrs.items():
            # unchanged values keep the exact text the client sent
            attrs[name] = old[name] if originals.get(name, _NONE) is value else encode(value)
        if key_attr is not None:
            attrs.update(key_attr)
        text = dump(attrs)
        check_item_size(attrs, text)
        if node is None:
            node = store.insert(parent, key, is_dir=False, attrs=text)
        elif text != node.attrs:
            store.touch(node, attrs=text)
    return Response(200, b"", verifier(node))


_NONE = object()


def parse_attribute_names(spec: Any) -> tuple[bool, bool, list[str]]:
    """(all user attributes, all system attributes, extra names) of ``AttributesToGet``."""
    if spec is None:
        return True, False, []
    if not isinstance(spec, str):
        raise bad_request("AttributesToGet must be a comma-separated string")
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names:
        return True, False, []
    everything = "**" in names
    user = everything or "*" in names
    return user, everything, [n for n in names if n not in ("*", "**")]


def _select(
    node: Node, raw: dict[str, Any], user: bool, system: bool, names: list[str]
) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    sys_attrs: dict[str, Any] | None = None
    if system:
        sys_attrs = system_attributes(node)
        chosen.update({name: encode(value) for name, value in sys_attrs.items()})
    if user:
        chosen.update(raw)
    for name in names:
        if name.startswith("__"):
            if sys_attrs is None:
                sys_attrs = system_attributes(node)
            if name in sys_attrs:
                chosen[name] = encode(sys_attrs[name])
        elif name in raw:
            chosen[name] = raw[name]
    return chosen


def get_item(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    table, key, _ = item_location(url_parts, body)
    user, system, names = parse_attribute_names(body.get("AttributesToGet", "*"))
    node = store.lookup(root, [*table, key])
    if node is None or node.is_dir:
        raise not_found("/".join([*table, key]))
    headers = verifier(node)
    if user and not system and not names:
        # "*": user attributes only; the stored JSON goes out as is
        return json_response(f'{{"Item":{node.attrs}}}', headers=headers)
    item = _select(node, json.loads(node.attrs), user, system, names)
    return json_response(_dumps({"Item": item}), headers=headers)


def _segment_of(name: str, total: int) -> int:
    # a deterministic partition on the sharding key (the text before the leftmost '.')
    return zlib.crc32(name.split(".", 1)[0].encode()) % total


def _int_field(body: dict[str, Any], field: str, low: int, high: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_request(f"{field} must be an integer from {low} to {high}, got {value!r}")
    return value


def get_items(store: Store, root: Node, url_parts: list[str], body: dict[str, Any]) -> Response:
    parts = list(url_parts)
    table_name = body.get("TableName")
    if table_name is not None:
        if not isinstance(table_name, str):
            raise bad_request("TableName must be a string")
        parts += split_path(table_name)
    user, system, names = parse_attribute_names(body.get("AttributesToGet", "*"))
    plain = user and not system and not names
    predicate = _compile_condition(body.get("FilterExpression"), "FilterExpression")
    has_filter = bool(body.get("FilterExpression"))
    # Go clients always send Limit, 0 meaning "none"
    limit = _int_field(body, "Limit", 0, 2**31) or None
    total = _int_field(body, "TotalSegment", 1, MAX_SEGMENTS)
    segment = _int_field(body, "Segment", 0, MAX_SEGMENTS - 1)
    if (total is None) != (segment is None):
        raise bad_request("Segment and TotalSegment must be given together")
    if total is not None and segment is not None and segment >= total:
        raise bad_request(f"Segment {segment} is not below TotalSegment {total}")
    marker = body.get("Marker")
    if marker is not None and not isinstance(marker, str):
        raise bad_request("Marker must be a string")

    start: str | None = None
    below: str | None = None
    sharding_key = body.get("ShardingKey")
    range_start = body.get("SortKeyRangeStart")
    range_end = body.get("SortKeyRangeEnd")
    if sharding_key is not None:
        if not isinstance(sharding_key, str) or not sharding_key:
            raise bad_request("ShardingKey must be a non-empty string")
        if total is not None:
            raise bad_request("a ShardingKey range scan cannot be combined with segments")
        start = f"{sharding_key}.{range_start}" if range_start else sharding_key
        # "/" is the character after ".", so this bounds every "<sharding_key>.<x>"
        below = f"{sharding_key}.{range_end}" if range_end else f"{sharding_key}/"
    elif range_start or range_end:
        raise bad_request("SortKeyRangeStart/End need a ShardingKey")

    dir_id = store.lookup_dir(root, parts)
    if dir_id is None:
        where = "/".join(parts)
        if store.lookup(root, parts) is not None:
            raise V3ioError(404, ENOTDIR, f"Not a directory: {where}")
        raise not_found(where)

    cap = min(limit or MAX_PAGE_ITEMS, MAX_PAGE_ITEMS)
    if plain and not has_filter and total is None:
        encoded, after, done = _plain_page(
            store, dir_id, marker or None, start, below, sharding_key, cap
        )
        return _page_response(encoded, after, done)
    page: list[str] = []
    size = 0
    cursor = marker or None
    full = exhausted = False
    while not full and not exhausted:
        rows = store.children(
            dir_id, after=cursor, start=start, below=below, limit=_SCAN_CHUNK, files_only=True
        )
        exhausted = len(rows) < _SCAN_CHUNK
        for index, node in enumerate(rows):
            cursor = name = node.name
            if sharding_key is not None and name != sharding_key:
                if not name.startswith(sharding_key + "."):
                    continue
            if total is not None and _segment_of(name, total) != segment:
                continue
            raw: dict[str, Any] | None = None
            if has_filter:
                raw = json.loads(node.attrs)
                scope = Scope(LazyAttrs(raw), partial(system_attributes, node))
                if not predicate(scope):
                    continue
            if plain:
                # "*": splice the stored JSON after __name instead of re-encoding it
                rendered = '{"__name":{"S":' + _dumps(name) + "}"
                if node.attrs != "{}":
                    rendered += "," + node.attrs[1:]
                else:
                    rendered += "}"
            else:
                if raw is None:
                    raw = json.loads(node.attrs)
                rendered = _dumps(_select(node, raw, user, system, names))
            page.append(rendered)
            size += len(rendered)
            if len(page) >= cap or size >= MAX_PAGE_BYTES:
                full = True
                # a page that ends on the very last row leaves nothing to come
                exhausted = exhausted and index == len(rows) - 1
                break
    return _page_response(page, cursor, exhausted)


def _plain_page(
    store: Store,
    dir_id: int,
    cursor: str | None,
    start: str | None,
    below: str | None,
    sharding_key: str | None,
    cap: int,
) -> tuple[list[str], str | None, bool]:
    """The page of a scan without filter or segments that returns the user attributes
    ("*"): the general loop of :func:`get_items` on (name, attrs) rows, with no Node."""
    page: list[str] = []
    size = 0
    prefix = None if sharding_key is None else sharding_key + "."
    full = exhausted = False
    while not full and not exhausted:
        rows = store.file_attrs(dir_id, after=cursor, start=start, below=below, limit=_SCAN_CHUNK)
        exhausted = len(rows) < _SCAN_CHUNK
        for index, (name, attrs) in enumerate(rows):
            cursor = name
            if prefix is not None and name != sharding_key and not name.startswith(prefix):
                continue
            # splice the stored JSON after __name instead of re-encoding it
            if attrs != "{}":
                rendered = '{"__name":{"S":' + _dumps(name) + "}," + attrs[1:]
            else:
                rendered = '{"__name":{"S":' + _dumps(name) + "}}"
            page.append(rendered)
            size += len(rendered)
            if len(page) >= cap or size >= MAX_PAGE_BYTES:
                full = True
                # a page that ends on the very last row leaves nothing to come
                exhausted = exhausted and index == len(rows) - 1
                break
    return page, cursor, exhausted


def _page_response(page: list[str], cursor: str | None, last: bool) -> Response:
    head = f'{{"LastItemIncluded":"{"TRUE" if last else "FALSE"}","NumItems":{len(page)}'
    if not last:
        head += ',"NextMarker":' + _dumps(cursor)
    return json_response(head + ',"Items":[' + ",".join(page) + "]}")
