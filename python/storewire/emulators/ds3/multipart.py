"""S3 multipart uploads (part of the S3 subset DS3 serves; boto3's ``upload_file`` uses
them for files of 8 MiB and more). Parts are stored as files; completing an upload copies
them into the object's file in the kernel (``copy_file_range``) and makes each part one
blob."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import time

from . import content_headers, s3_copy, transfer, xml_in
from .catalog import version_label
from .checksums import b64
from .context import Context
from .store import new_id
from .wire import DS3Error, Request, Response, bad_request, iso_time, xml_response
from .xml_out import document, leaf, node

MAX_PART_NUMBER = 10000


def _upload(db: sqlite3.Connection, bucket_id: str, key: str, upload_id: str) -> dict[str, str]:
    row = db.execute(
        "SELECT * FROM uploads WHERE id=? AND bucket_id=? AND name=?", (upload_id, bucket_id, key)
    ).fetchone()
    if row is None:
        raise DS3Error(404, "NoSuchUpload", f"upload {upload_id} does not exist")
    return dict(row)


def initiate(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    assert req.user is not None
    req.body.read_all()
    upload_id = new_id()
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        db.execute("INSERT INTO uploads(id, bucket_id, name, owner_id, meta, created, headers) "
                   "VALUES(?,?,?,?,?,?,?)",
                   (upload_id, row["id"], key, req.user.id,
                    json.dumps(transfer.metadata_from(req)), iso_time(),
                    content_headers.encode(content_headers.from_request(req))))
    ctx.store.part_path(upload_id, 1).parent.mkdir(parents=True, exist_ok=True)
    return xml_response(document(node("InitiateMultipartUploadResult", [
        leaf("Bucket", bucket), leaf("Key", key), leaf("UploadId", upload_id)])))


def upload_part(ctx: Context, req: Request, bucket: str, key: str, upload_id: str) -> Response:
    number = req.query.int("part_number")
    if number is None or not 1 <= number <= MAX_PART_NUMBER:
        raise bad_request(f"partNumber must be within 1..{MAX_PART_NUMBER}")
    copy = s3_copy.is_copy(req)  # UploadPartCopy
    length = 0 if copy else transfer.content_length(req)
    with ctx.store.tx() as db:
        _upload(db, ctx.catalog.bucket(db, bucket)["id"], key, upload_id)
    path = ctx.store.part_path(upload_id, number)
    # The part is received under a temporary name so a failed retry leaves the old one.
    temp = path.with_name(f"{number}.{new_id()}")
    if copy:
        length, digest, answer = s3_copy.copy_part(
            ctx, req, lambda db: _upload(db, ctx.catalog.bucket(db, bucket)["id"], key,
                                         upload_id), temp)
    else:
        digest = transfer.receive_to_path(req, temp, length)
        answer = Response(200, headers=[("ETag", f'"{digest.hex()}"')])
    os.replace(temp, path)
    with ctx.store.tx() as db:
        db.execute("INSERT OR REPLACE INTO parts(upload_id, number, size, md5) VALUES(?,?,?,?)",
                   (upload_id, number, length, b64(digest)))
    return answer


def complete(ctx: Context, req: Request, bucket: str, key: str, upload_id: str) -> Response:
    assert req.user is not None
    root = xml_in.parse(req.body.read_all())
    wanted = [int(xml_in.child_text(p, "PartNumber") or 0) for p in xml_in.children(root, "Part")]
    if not wanted or wanted != sorted(set(wanted)):
        raise DS3Error(400, "InvalidPartOrder", "parts must be listed once, in ascending order")
    with ctx.store.tx() as db:
        bucket_row = ctx.catalog.bucket(db, bucket)
        upload = _upload(db, bucket_row["id"], key, upload_id)
        parts = {r["number"]: r for r in db.execute(
            "SELECT * FROM parts WHERE upload_id=?", (upload_id,))}
    missing = [n for n in wanted if n not in parts]
    if missing:
        raise DS3Error(400, "InvalidPart", f"part {missing[0]} was not uploaded")
    object_id = new_id()
    total = 0
    fd = ctx.store.open_for_write(object_id)
    try:
        for number in wanted:
            with open(ctx.store.part_path(upload_id, number), "rb") as src:
                size = parts[number]["size"]
                done = 0
                while done < size:
                    n = os.copy_file_range(src.fileno(), fd, size - done, done, total + done)
                    if n <= 0:
                        raise DS3Error(500, "InternalError", "a part file ended early")
                    done += n
            total += size
    except BaseException:
        os.close(fd)
        ctx.store.remove_files([object_id])
        raise
    os.close(fd)
    now = time.time()
    try:
        with ctx.store.tx() as db:
            object_id = ctx.catalog.new_version(db, bucket_row, key, total, upload["owner_id"],
                                                object_id=object_id)
            offset = 0
            blob_ids = []
            for number in wanted:
                blob_id = new_id()
                blob_ids.append(blob_id)
                db.execute("INSERT INTO blobs(id, object_id, offset, length, received, "
                           "checksum_type, checksum) VALUES(?,?,?,?,1,'MD5',?)",
                           (blob_id, object_id, offset, parts[number]["size"],
                            parts[number]["md5"]))
                offset += parts[number]["size"]
            ctx.catalog.set_metadata(db, object_id, [tuple(p) for p in json.loads(upload["meta"])])
            db.execute("UPDATE objects SET headers=? WHERE id=?", (upload["headers"], object_id))
            removed = ctx.catalog.finish_object(db, object_id)
            row = db.execute("SELECT * FROM objects WHERE id=?", (object_id,)).fetchone()
            etag = row["etag"]
            versioned = [("x-amz-version-id", version_label(bucket_row, row))] \
                if bucket_row["s3_versioning"] else []
            ctx.jobs.record_naked_put(db, bucket_row, req.user, blob_ids, total, now)
            db.execute("DELETE FROM parts WHERE upload_id=?", (upload_id,))
            db.execute("DELETE FROM uploads WHERE id=?", (upload_id,))
    except BaseException:
        ctx.store.remove_files([object_id])
        raise
    ctx.remove_files(removed)
    shutil.rmtree(ctx.store.part_path(upload_id, 1).parent, ignore_errors=True)
    return xml_response(document(node("CompleteMultipartUploadResult", [
        leaf("Location", f"/{bucket}/{key}"), leaf("Bucket", bucket), leaf("Key", key),
        leaf("ETag", f'"{etag}"')])), headers=versioned)


def abort(ctx: Context, req: Request, bucket: str, key: str, upload_id: str) -> Response:
    with ctx.store.tx() as db:
        _upload(db, ctx.catalog.bucket(db, bucket)["id"], key, upload_id)
        db.execute("DELETE FROM parts WHERE upload_id=?", (upload_id,))
        db.execute("DELETE FROM uploads WHERE id=?", (upload_id,))
    shutil.rmtree(ctx.store.part_path(upload_id, 1).parent, ignore_errors=True)
    return Response(204)


def list_parts(ctx: Context, req: Request, bucket: str, key: str, upload_id: str) -> Response:
    with ctx.store.tx() as db:
        _upload(db, ctx.catalog.bucket(db, bucket)["id"], key, upload_id)
        rows = db.execute("SELECT * FROM parts WHERE upload_id=? ORDER BY number",
                          (upload_id,)).fetchall()
    parts = [node("Part", [leaf("PartNumber", r["number"]), leaf("Size", r["size"]),
                           leaf("ETag", f'"{base64.b64decode(r["md5"]).hex()}"')]) for r in rows]
    return xml_response(document(node("ListPartsResult", [
        leaf("Bucket", bucket), leaf("Key", key), leaf("UploadId", upload_id),
        leaf("IsTruncated", False), *parts])))


def handle(ctx: Context, req: Request, bucket: str, key: str) -> Response | None:
    """Multipart calls on an object URL, or None when the request is not one."""
    q = req.query
    upload_id = q.get("upload_id")
    if req.method == "POST" and q.has("uploads"):
        return initiate(ctx, req, bucket, key)
    if not upload_id:
        return None
    if req.method == "PUT":
        return upload_part(ctx, req, bucket, key, upload_id)
    if req.method == "POST":
        return complete(ctx, req, bucket, key, upload_id)
    if req.method == "DELETE":
        return abort(ctx, req, bucket, key, upload_id)
    if req.method == "GET":
        return list_parts(ctx, req, bucket, key, upload_id)
    return None

