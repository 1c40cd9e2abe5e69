"""S3 server-side copy: CopyObject (``PUT`` with ``x-amz-copy-source``) and UploadPartCopy
(the same on a multipart part, with ``x-amz-copy-source-range``).

The data is really copied (read, hashed, written to the new object's file); the source
file is opened inside the metadata transaction, so a concurrent delete cannot pull it away
mid-copy. A copy of an object onto itself with ``x-amz-metadata-directive: REPLACE``
(how ``update_metadata`` works in S3 clients) replaces the metadata in place unless S3
versioning is Enabled, where it makes a new version as S3 does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import unquote

from . import access, conditions, content_headers, transfer
from .catalog import version_label
from .checksums import b64
from .context import Context
from .store import Row, new_id
from .wire import DS3Error, Request, Response, bad_request, iso_time, xml_response
from .xml_out import document, leaf, node

COPY_SOURCE = "x-amz-copy-source"
BLOCK_BYTES = 1 << 20
_SOURCE_RANGE = re.compile(r"bytes=(\d{1,19})-(\d{1,19})")


def is_copy(req: Request) -> bool:
    return req.header(COPY_SOURCE) is not None


def parse_source(req: Request) -> tuple[str, str, str | None]:
    """``x-amz-copy-source`` → (bucket, key, version id): ``[/]bucket/key[?versionId=v]``,
    percent-encoded."""
    raw = (req.header(COPY_SOURCE) or "").strip()
    path, _, query = raw.partition("?")
    version = None
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if name == "versionId":
            version = unquote(value)
    try:
        path = unquote(path, errors="strict")
    except UnicodeDecodeError as exc:
        raise bad_request("x-amz-copy-source is not valid UTF-8", "InvalidArgument") from exc
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket or not key:
        raise bad_request("Copy Source must mention the source bucket and key: "
                          "sourcebucket/sourcekey", "InvalidArgument")
    return bucket, key, version or None


def _source(ctx: Context, req: Request, db: sqlite3.Connection) -> tuple[Row, Row]:
    """(source bucket row, source object row), conditions checked."""
    bucket, key, version = parse_source(req)
    src_bucket = ctx.catalog.bucket(db, bucket)
    access.check_bucket(ctx.store, req.user, src_bucket, "READ")  # (the target was checked)
    obj = ctx.catalog.readable(db, src_bucket, key, version)
    if not obj["complete"]:
        raise DS3Error(503, "ServiceUnavailable", f"object {key!r} is not fully uploaded",
                       headers=[("Retry-After", str(ctx.jobs.retry_after_s))])
    conditions.check(obj, req, COPY_SOURCE + "-")
    return src_bucket, obj


def _open(ctx: Context, obj: Row) -> BinaryIO | None:
    if not obj["size"]:
        return None
    try:
        return open(ctx.store.object_path(obj["id"]), "rb")
    except FileNotFoundError as exc:
        raise DS3Error(404, "NoSuchKey", "the source object's data is gone") from exc


def _copy_bytes(src: BinaryIO | None, fd: int, offset: int, length: int) -> bytes:
    """Copies ``length`` bytes from ``offset`` of ``src`` to the start of ``fd``; the MD5."""
    md5 = hashlib.md5(usedforsecurity=False)
    done = 0
    while src is not None and done < length:
        block = os.pread(src.fileno(), min(BLOCK_BYTES, length - done), offset + done)
        if not block:
            raise DS3Error(500, "InternalError", "the source object's file ended early")
        md5.update(block)
        view = memoryview(block)
        while view:
            view = view[os.pwrite(fd, view, done):]
        done += len(block)
    return md5.digest()


def _metadata(req: Request, src: Row, directive: str) -> tuple[list[tuple[str, str]],
                                                              list[tuple[str, str]]]:
    """(x-amz-meta pairs, stored content headers) of the destination."""
    if directive == "REPLACE":
        return transfer.metadata_from(req), content_headers.from_request(req)
    pairs = [(str(n), str(v)) for n, v in json.loads(src["meta"])]
    return pairs, content_headers.stored(src)


def _directive(req: Request) -> str:
    directive = (req.header("x-amz-metadata-directive") or "COPY").strip().upper()
    if directive not in ("COPY", "REPLACE"):
        raise bad_request("Unknown metadata directive.", "InvalidArgument")
    return directive


def copy_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    assert req.user is not None
    directive = _directive(req)
    req.body.read_all()
    with ctx.store.tx() as db:
        src_bucket, src = _source(ctx, req, db)
        dst_bucket = ctx.catalog.bucket(db, bucket)
        meta, headers = _metadata(req, src, directive)
        onto_itself = src_bucket["id"] == dst_bucket["id"] and src["name"] == key
        if onto_itself and directive == "COPY" and not dst_bucket["s3_versioning"]:
            raise bad_request(
                "This copy request is illegal because it is trying to copy an object to "
                "itself without changing the object's metadata, storage class, website "
                "redirect location or encryption attributes.")
        source_version = version_label(src_bucket, src) if src_bucket["s3_versioning"] else None
        if onto_itself and src["latest"] and dst_bucket["s3_versioning"] != "Enabled":
            return _replace_in_place(ctx, db, dst_bucket, src, meta, headers, source_version)
        ctx.catalog.check_overwrite(db, dst_bucket, key)
        handle = _open(ctx, src)
    object_id = new_id()
    fd = ctx.store.open_for_write(object_id)
    try:
        digest = _copy_bytes(handle, fd, 0, src["size"])
    except BaseException:
        ctx.store.remove_files([object_id])
        raise
    finally:
        os.close(fd)
        if handle is not None:
            handle.close()
    try:
        with ctx.store.tx() as db:
            dst_bucket = ctx.catalog.bucket(db, bucket)
            ctx.catalog.new_version(db, dst_bucket, key, src["size"], req.user.id,
                                    object_id=object_id)
            blob_id = new_id()
            db.execute("INSERT INTO blobs(id, object_id, offset, length, received, "
                       "checksum_type, checksum) VALUES(?,?,0,?,1,'MD5',?)",
                       (blob_id, object_id, src["size"], b64(digest)))
            ctx.catalog.set_metadata(db, object_id, meta)
            db.execute("UPDATE objects SET headers=? WHERE id=?",
                       (content_headers.encode(headers), object_id))
            removed = ctx.catalog.finish_object(db, object_id)
            ctx.jobs.record_naked_put(db, dst_bucket, req.user, [blob_id], src["size"],
                                      time.time())
            row = db.execute("SELECT * FROM objects WHERE id=?", (object_id,)).fetchone()
            version = version_label(dst_bucket, row) if dst_bucket["s3_versioning"] else None
    except BaseException:
        ctx.store.remove_files([object_id])
        raise
    ctx.remove_files(removed)
    return _copied("CopyObjectResult", row["modified"], row["etag"], version, source_version)


def _replace_in_place(
    ctx: Context, db: sqlite3.Connection, bucket: Row, obj: Row, meta: list[tuple[str, str]],
    headers: list[tuple[str, str]], source_version: str | None,
) -> Response:
    ctx.catalog.set_metadata(db, obj["id"], meta)
    db.execute("UPDATE objects SET headers=?, modified=? WHERE id=?",
               (content_headers.encode(headers), time.time(), obj["id"]))
    row = db.execute("SELECT * FROM objects WHERE id=?", (obj["id"],)).fetchone()
    version = version_label(bucket, row) if bucket["s3_versioning"] else None
    return _copied("CopyObjectResult", row["modified"], row["etag"], version, source_version)


def _copied(element: str, modified: float, etag: str, version: str | None,
            source_version: str | None) -> Response:
    headers = []
    if version:
        headers.append(("x-amz-version-id", version))
    if source_version:
        headers.append(("x-amz-copy-source-version-id", source_version))
    body = document(node(element, [leaf("LastModified", iso_time(modified)),
                                   leaf("ETag", f'"{etag}"')]))
    return xml_response(body, headers=headers)


def _source_range(req: Request, size: int) -> tuple[int, int]:
    """``x-amz-copy-source-range: bytes=first-last`` → (offset, length); all if absent."""
    value = req.header(COPY_SOURCE + "-range")
    if value is None:
        return 0, size
    m = _SOURCE_RANGE.fullmatch(value.strip())
    if m is None or int(m.group(1)) > int(m.group(2)) or int(m.group(2)) >= size:
        raise bad_request(f"Range specified is not valid for source object of size: {size}",
                          "InvalidArgument")
    first, last = int(m.group(1)), int(m.group(2))
    return first, last - first + 1


def copy_part(ctx: Context, req: Request, upload_check: Callable[[sqlite3.Connection], object],
              part_path: os.PathLike[str]) -> tuple[int, bytes, Response]:
    """UploadPartCopy: writes the source range to ``part_path``; (size, MD5, answer).
    ``upload_check(db)`` raises when the upload is gone."""
    req.body.read_all()
    with ctx.store.tx() as db:
        upload_check(db)
        src_bucket, src = _source(ctx, req, db)
        offset, length = _source_range(req, src["size"])
        handle = _open(ctx, src) if length else None
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(part_path, flags, 0o644)
    try:
        digest = _copy_bytes(handle, fd, offset, length)
    except BaseException:
        os.close(fd)
        os.unlink(part_path)
        raise
    finally:
        if handle is not None:
            handle.close()
    os.close(fd)
    source_version = version_label(src_bucket, src) if src_bucket["s3_versioning"] else None
    answer = _copied("CopyPartResult", time.time(), digest.hex(), None, source_version)
    return length, digest, answer
