"""Container list (``GET /``) and container contents listing.

``prefix`` names a *directory* (relative to the container, slashes optional) whose children
are listed, not an S3 string prefix. Entries are ordered by name; ``marker`` starts after an
entry (its key or bare name) and ``NextMarker`` is the key of the last entry returned, even
when the listing is complete. ``Name``, ``NextMarker``, ``MaxKeys`` and ``IsTruncated`` are
always present because the Python SDK dereferences them unconditionally.
"""

from __future__ import annotations

import datetime
import json
from xml.sax.saxutils import escape

from .errors import ENOTDIR, V3ioError, bad_request, not_found
from .httpio import Response
from .store import Node, Store, split_path

DEFAULT_MAX_KEYS = 1000
MAX_KEYS_LIMIT = 2**31 - 1  # a larger max-keys is served as this
FILE_MODE = 0o100664  # -rw-rw-r--
DIR_MODE = 0o40775  # drwxrwxr-x
OWNER_ID = 1000  # uid/gid reported for every entry (hex in listings: 3e8)


def iso_time(ns: int) -> str:
    """RFC 3339 with milliseconds and Z, as listings show times."""
    moment = datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def list_containers(store: Store) -> Response:
    buckets = []
    for node in store.containers():
        created = datetime.datetime.fromtimestamp(node.ctime_ns / 1e9, datetime.timezone.utc)
        buckets.append(
            f"<Bucket><Name>{escape(node.name)}</Name>"
            f"<CreationDate>{created.isoformat(timespec='microseconds')}</CreationDate>"
            f"<Id>{node.id}</Id></Bucket>"
        )
    body = (
        "<ListAllMyBucketsResult><Owner><ID>000000000000</ID><DisplayName>iguazio"
        f"</DisplayName></Owner><Buckets>{''.join(buckets)}</Buckets></ListAllMyBucketsResult>"
    )
    return Response(200, body.encode(), content_type="application/xml")


def _flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() not in ("", "0", "false")


def list_contents(store: Store, root: Node, base: list[str], query: dict[str, str]) -> Response:
    """List the children of the directory ``base`` + ``prefix`` in container ``root``."""
    parts = base + split_path(query.get("prefix", ""))
    rel = "/".join(parts)
    try:
        max_keys = int(query.get("max-keys", DEFAULT_MAX_KEYS))
    except ValueError:
        raise bad_request(f"max-keys must be an integer, got '{query['max-keys']}'") from None
    if max_keys < 0:
        raise bad_request("max-keys must not be negative")
    max_keys = min(max_keys, MAX_KEYS_LIMIT)  # "all of them"; keeps SQLite's int64 happy
    marker = query.get("marker", "")
    after = marker.rstrip("/").rsplit("/", 1)[-1] if marker else None
    all_info = _flag(query, "prefix-info")
    dirs_only = _flag(query, "prefix-only")

    dir_id = store.lookup_dir(root, parts)
    if dir_id is None:
        if store.lookup(root, parts) is not None:
            raise V3ioError(404, ENOTDIR, f"Not a directory: {rel}")
        raise not_found(rel)
    entries = store.children(dir_id, after=after, limit=max_keys + 1, dirs_only=dirs_only)
    truncated = len(entries) > max_keys
    entries = entries[:max_keys]

    key_prefix = f"{rel}/" if rel else ""
    contents: list[str] = []
    prefixes: list[str] = []
    for node in entries:
        key = key_prefix + node.name
        if node.is_dir:
            prefixes.append(_common_prefix(node, key, all_info))
        else:
            contents.append(_content(node, key, all_info))
    next_marker = key_prefix + entries[-1].name if entries else ""
    body = (
        f"<ListBucketResult><Name>{escape(root.name)}</Name>"
        f"<Prefix>{escape(key_prefix)}</Prefix><Marker>{escape(marker)}</Marker>"
        f"<Delimiter>/</Delimiter><NextMarker>{escape(next_marker)}</NextMarker>"
        f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}"
        f"</IsTruncated>{''.join(contents)}{''.join(prefixes)}</ListBucketResult>"
    )
    return Response(200, body.encode(), content_type="application/xml")


def _attributes(node: Node, mode: int) -> str:
    return (
        f"<AccessTime>{iso_time(node.atime_ns)}</AccessTime>"
        f"<CreatingTime>{iso_time(node.ctime_ns)}</CreatingTime>"
        f"<Mode>0{mode:o}</Mode><GID>{OWNER_ID:x}</GID><UID>{OWNER_ID:x}</UID>"
        f"<InodeNumber>{node.id}</InodeNumber>"
    )


def _content(node: Node, key: str, all_info: bool) -> str:
    parts = [
        f"<Contents><Key>{escape(key)}</Key><Size>{node.size}</Size>"
        f"<LastModified>{iso_time(node.mtime_ns)}</LastModified>"
    ]
    if all_info:
        parts.append(_attributes(node, FILE_MODE))
    if node.meta is not None:
        meta = json.loads(node.meta)
        if "last_seq" in meta:
            # the Go spelling real servers emit (the Python SDK looks for LastSequenceID)
            parts.append(f"<LastSequenceId>{meta['last_seq']}</LastSequenceId>")
    parts.append("</Contents>")
    return "".join(parts)


def _common_prefix(node: Node, key: str, all_info: bool) -> str:
    parts = [f"<CommonPrefixes><Prefix>{escape(key)}/</Prefix>"]
    if all_info:
        parts.append(f"<LastModified>{iso_time(node.mtime_ns)}</LastModified>")
        parts.append(_attributes(node, DIR_MODE))
        if node.meta is not None:
            meta = json.loads(node.meta)
            if "shards" in meta:
                hours = meta["retention_hours"]
                parts.append(
                    f"<ShardCount>{meta['shards']}</ShardCount>"
                    f"<RetentionPeriodHours>{hours}</RetentionPeriodHours>"
                    f"<RetentionPeriodSec>{hours * 3600}</RetentionPeriodSec>"
                )
    parts.append("</CommonPrefixes>")
    return "".join(parts)
