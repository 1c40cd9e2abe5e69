"""S3 bucket versioning: PutBucketVersioning / GetBucketVersioning, version-aware DELETE
(delete markers) and ListObjectVersions.

A bucket's S3 versioning state ('' never set, ``Enabled``, ``Suspended``) lives beside its
DS3 data policy and wins over the policy's versioning once set: Enabled keeps every
version, Suspended writes ``null`` versions that replace each other (S3's rules).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import xml_in
from .catalog import NULL_VERSION, version_label
from .context import Context
from .store import Row, new_id
from .wire import Request, Response, bad_request, iso_time, xml_response
from .xml_out import document, leaf, node

STATES = ("Enabled", "Suspended")
DEFAULT_MAX_KEYS = 1000


def put_versioning(ctx: Context, req: Request, bucket: str) -> Response:
    root = xml_in.parse(req.body.read_all())
    status = (xml_in.child_text(root, "Status") or "").strip()
    if status not in STATES:
        raise bad_request("the versioning Status must be Enabled or Suspended", "MalformedXML")
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        db.execute("UPDATE buckets SET s3_versioning=? WHERE id=?", (status, row["id"]))
    return Response(200)


def get_versioning(ctx: Context, req: Request, bucket: str) -> Response:
    with ctx.store.tx() as db:
        state = ctx.catalog.bucket(db, bucket)["s3_versioning"]
    fields = [leaf("Status", state)] if state else []
    return xml_response(document(node("VersioningConfiguration", fields)))


# --- delete ----------------------------------------------------------------------------------


@dataclass
class Deleted:
    removed: list[str]  # data files to remove once committed
    version_id: str | None  # the version deleted or the delete marker made (S3 buckets)
    delete_marker: bool  # the deleted version was, or the new one is, a delete marker


def delete(ctx: Context, db: sqlite3.Connection, bucket: Row, key: str,
           version_id: str | None, owner_id: str) -> Deleted:
    """DELETE as S3 does it: a missing key or version is no error; without a version id a
    versioned bucket gets a delete marker instead of losing data."""
    state = bucket["s3_versioning"]
    if version_id:
        row = ctx.catalog.version(db, bucket, key, version_id)
        if row is None:
            return Deleted([], version_id, False)
        ctx.catalog.drop_objects(db, [row["id"]])
        return Deleted([row["id"]], version_id, bool(row["delete_marker"]))
    if not state:
        removed = ctx.catalog.delete_object(db, bucket, key, None)
        return Deleted(removed, None, False)
    removed = []
    if state == "Suspended":  # the null version goes; the marker becomes the null version
        removed = [r[0] for r in db.execute(
            "SELECT id FROM objects WHERE bucket_id=? AND name=? AND versioned=0",
            (bucket["id"], key))]
        ctx.catalog.drop_objects(db, removed)
    marker_id = new_id()
    db.execute("UPDATE objects SET latest=0 WHERE bucket_id=? AND name=?", (bucket["id"], key))
    db.execute(
        "INSERT INTO objects(id, bucket_id, name, size, latest, complete, pending_blobs, "
        "created, modified, owner_id, seq, etag, versioned, delete_marker) "
        "VALUES(?,?,?,0,1,1,0,?,?,?,?,'',?,1)",
        (marker_id, bucket["id"], key, iso_time(), time.time(), owner_id,
         ctx.store.next_seq(), int(state == "Enabled")))
    return Deleted(removed, marker_id if state == "Enabled" else NULL_VERSION, True)


def delete_headers(outcome: Deleted) -> list[tuple[str, str]]:
    headers = []
    if outcome.delete_marker:
        headers.append(("x-amz-delete-marker", "true"))
    if outcome.version_id:
        headers.append(("x-amz-version-id", outcome.version_id))
    return headers


# --- ListObjectVersions ------------------------------------------------------------------------


def list_versions(ctx: Context, req: Request, bucket: str,
                  owner: Callable[[str], str]) -> Response:
    """``GET /bucket?versions``: every version and delete marker, newest first per key,
    rolled up at the delimiter, paged by key-marker / version-id-marker."""
    q = req.query
    max_keys = q.int("max_keys", DEFAULT_MAX_KEYS)
    assert max_keys is not None
    prefix, delimiter = q.text("prefix"), q.text("delimiter")
    key_marker, version_marker = q.text("key_marker"), q.text("version_id_marker")
    entries: list[str] = []
    prefixes: list[str] = []
    last_prefix = ""
    truncated = False
    next_key = next_version = ""
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        after_seq = _marker_seq(ctx, db, row, key_marker, version_marker)
        for obj in _scan(db, row["id"], prefix, key_marker, after_seq):
            name = obj["name"]
            common = ""
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    common = name[: cut + len(delimiter)]
                    if common == last_prefix or (key_marker and common <= key_marker):
                        continue
            if len(entries) + len(prefixes) >= max_keys:
                truncated = True
                break
            if common:
                prefixes.append(node("CommonPrefixes", [leaf("Prefix", common)]))
                last_prefix = next_key = common
                next_version = ""
                continue
            entries.append(_entry(row, obj, owner))
            next_key, next_version = name, version_label(row, obj)
    head = [leaf("Name", bucket), leaf("Prefix", prefix), leaf("KeyMarker", key_marker),
            leaf("VersionIdMarker", version_marker), leaf("MaxKeys", max_keys),
            leaf("Delimiter", delimiter), leaf("IsTruncated", truncated)]
    if truncated:
        head += [leaf("NextKeyMarker", next_key)]
        if next_version:
            head.append(leaf("NextVersionIdMarker", next_version))
    return xml_response(document(node("ListVersionsResult", head + entries + prefixes)))


def _entry(bucket: Row, obj: Row, owner: Callable[[str], str]) -> str:
    fields = [leaf("Key", obj["name"]), leaf("VersionId", version_label(bucket, obj)),
              leaf("IsLatest", bool(obj["latest"])),
              leaf("LastModified", iso_time(obj["modified"]))]
    if obj["delete_marker"]:
        return node("DeleteMarker", [*fields, owner(obj["owner_id"])])
    fields += [leaf("ETag", f'"{obj["etag"]}"'), leaf("Size", obj["size"]),
               leaf("StorageClass", "STANDARD"), owner(obj["owner_id"])]
    return node("Version", fields)


def _marker_seq(ctx: Context, db: sqlite3.Connection, bucket: Row, key_marker: str,
                version_marker: str) -> int | None:
    """Where a page resumes inside ``key_marker``'s versions: below this seq (None: after
    the whole key)."""
    if not key_marker or not version_marker:
        return None
    row = ctx.catalog.version(db, bucket, key_marker, version_marker)
    if row is None:
        raise bad_request("the version-id-marker does not name a version of key-marker",
                          "InvalidArgument")
    return int(row["seq"])


def _scan(db: sqlite3.Connection, bucket_id: str, prefix: str, key_marker: str,
          after_seq: int | None) -> Iterator[Row]:
    """Versions in (name, newest first) order after the markers, in batches."""
    if after_seq is not None and key_marker.startswith(prefix):
        yield from db.execute(
            "SELECT * FROM objects WHERE bucket_id=? AND name=? AND seq<? AND complete=1 "
            "ORDER BY seq DESC", (bucket_id, key_marker, after_seq)).fetchall()
    low, op = (key_marker, ">") if key_marker and key_marker >= prefix else (prefix, ">=")
    last: tuple[str, int] | None = None
    while True:
        rows = db.execute(
            f"SELECT * FROM objects WHERE bucket_id=? AND name {op} ? AND complete=1 "
            "ORDER BY name, seq DESC LIMIT 1000", (bucket_id, low)).fetchall()
        for obj in rows:
            if last is not None and (obj["name"], -obj["seq"]) <= last:
                continue  # the batch boundary fell inside one key
            if not obj["name"].startswith(prefix):
                return
            last = (obj["name"], -obj["seq"])
            yield obj
        if len(rows) < 1000:
            return
        op = ">" if rows[0]["name"] == rows[-1]["name"] else ">="
        low = rows[-1]["name"]
