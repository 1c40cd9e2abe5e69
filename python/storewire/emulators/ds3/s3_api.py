"""The Amazon-S3-compatible subset: service, buckets, objects, multi-delete.

Object PUT/GET also carry DS3 blob transfers (``?job=&offset=``); without ``job``
they are "naked" requests that make an implicit one-object job.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from urllib.parse import quote

from . import conditions, content_headers, multipart, s3_copy, s3_versions, transfer, xml_in
from .catalog import Listing, version_label
from .checksums import decode_b64
from .context import Context
from .wire import DS3Error, Request, Response, bad_request, iso_time, xml_response
from .xml_out import document, leaf, node

DEFAULT_MAX_KEYS = 1000


def handle(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    """Dispatch for ``/``, ``/{b}`` and ``/{b}/{key}`` (names already percent-decoded)."""
    method = req.method
    if not bucket:
        if method == "GET":
            return get_service(ctx, req)
        raise DS3Error(400, "InvalidRequest", "a bucket name is required", body=method != "HEAD")
    if not key:
        bucket_call = _BUCKET_CALLS.get(method)
        if bucket_call is None:
            raise DS3Error(405, "MethodNotAllowed", f"{method} is not allowed on a bucket")
        return bucket_call(ctx, req, bucket)
    multipart_answer = multipart.handle(ctx, req, bucket, key)
    if multipart_answer is not None:
        return multipart_answer
    object_call = _OBJECT_CALLS.get(method)
    if object_call is None:
        raise DS3Error(405, "MethodNotAllowed", f"{method} is not allowed on an object")
    return object_call(ctx, req, bucket, key)


def _owner(ctx: Context, user_id: str) -> str:
    user = ctx.users.by_id(user_id)
    return node("Owner", [leaf("DisplayName", user.name if user else user_id), leaf("ID", user_id)])


# --- service and buckets -----------------------------------------------------------------


def get_service(ctx: Context, req: Request) -> Response:
    assert req.user is not None
    with ctx.store.tx() as db:
        rows = db.execute("SELECT * FROM buckets WHERE owner_id=? ORDER BY name",
                          (req.user.id,)).fetchall()
    buckets = [node("Bucket", [leaf("CreationDate", r["created"]), leaf("Name", r["name"])])
               for r in rows]
    body = node("ListAllMyBucketsResult", [_owner(ctx, req.user.id), node("Buckets", buckets)])
    return xml_response(document(body))


def signed_with_v4(req: Request) -> bool:
    """SigV4 (header or query): how S3 tools sign. The DS3 SDKs sign with SigV2."""
    return (req.header("authorization") or "").startswith("AWS4-") \
        or req.query.has("X-Amz-Algorithm")


def put_bucket(ctx: Context, req: Request, bucket: str) -> Response:
    """CreateBucket. A SigV4-signed one is an S3 tool's: the bucket gets the S3-style data
    policy (overwrite allowed); a SigV2 one (the DS3 SDKs) the user's data policy."""
    assert req.user is not None
    if req.query.has("versioning"):
        return s3_versions.put_versioning(ctx, req, bucket)
    if any(req.query.has(name) for name in _UNSUPPORTED_BUCKET_RESOURCES):
        raise DS3Error(501, "NotImplemented", "this bucket sub-resource is not emulated")
    req.body.read_all()  # a CreateBucketConfiguration body (boto3 outside us-east-1) is fine
    with ctx.store.tx() as db:
        if signed_with_v4(req):
            policy: str | None = ctx.catalog.s3_policy_id()
        else:
            row = db.execute("SELECT data_policy_id FROM users WHERE id=?",
                             (req.user.id,)).fetchone()
            policy = row[0] if row and row[0] else None
        ctx.catalog.create_bucket(db, bucket, req.user.id, policy)
    return Response(200, headers=[("Location", f"/{bucket}")])


_UNSUPPORTED_BUCKET_RESOURCES = ("acl", "policy", "cors", "lifecycle", "tagging", "website",
                                 "encryption", "replication", "object-lock", "notification")


def head_bucket(ctx: Context, req: Request, bucket: str) -> Response:
    with ctx.store.tx() as db:
        ctx.catalog.bucket(db, bucket)
    return Response(200)


def delete_bucket(ctx: Context, req: Request, bucket: str) -> Response:
    with ctx.store.tx() as db:
        removed = ctx.catalog.delete_bucket(db, ctx.catalog.bucket(db, bucket), force=False)
    ctx.remove_files(removed)
    return Response(204)


def get_bucket(ctx: Context, req: Request, bucket: str) -> Response:
    q = req.query
    if q.has("location"):
        with ctx.store.tx() as db:
            ctx.catalog.bucket(db, bucket)  # 404 NoSuchBucket (s3fs probes buckets so)
        return xml_response(document(leaf("LocationConstraint")))
    if q.has("uploads"):
        return _list_uploads(ctx, bucket)
    if q.has("versioning"):
        return s3_versions.get_versioning(ctx, req, bucket)
    if q.has("versions"):
        return s3_versions.list_versions(ctx, req, bucket, lambda uid: _owner(ctx, uid))
    if any(q.has(name) for name in _UNSUPPORTED_BUCKET_RESOURCES):
        raise DS3Error(501, "NotImplemented", "this bucket sub-resource is not emulated")
    max_keys = q.int("max_keys", DEFAULT_MAX_KEYS)
    if max_keys is None or max_keys < 0:
        raise bad_request("max-keys must not be negative")
    prefix, delimiter = q.text("prefix"), q.text("delimiter")
    url_encode = q.text("encoding_type").lower() == "url"
    v2 = q.text("list_type") == "2"
    versions = False  # ?versions is ListObjectVersions (s3_versions)
    if v2:
        token = q.get("continuation_token")
        marker = _decode_token(token) if token else q.text("start_after")
    else:
        marker = q.text("marker")
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        listing = ctx.catalog.list(db, row["id"], prefix=prefix, delimiter=delimiter,
                                   marker=marker, max_keys=max_keys, versions=versions)
    enc = (lambda s: quote(s, safe="/")) if url_encode else (lambda s: s)
    entries = _entries(ctx, listing, enc, versions)
    if v2:
        head = [leaf("Name", bucket), leaf("Prefix", enc(prefix)),
                leaf("KeyCount", len(listing.entries)), leaf("MaxKeys", max_keys),
                leaf("Delimiter", enc(delimiter)), leaf("IsTruncated", listing.truncated)]
        if q.get("continuation_token"):
            head.append(leaf("ContinuationToken", q.get("continuation_token")))
        if listing.truncated:
            head.append(leaf("NextContinuationToken", _encode_token(listing.next_marker)))
        if q.text("start_after"):
            head.append(leaf("StartAfter", enc(q.text("start_after"))))
    else:
        head = [leaf("Name", bucket), leaf("Prefix", enc(prefix)), leaf("Marker", enc(marker)),
                leaf("MaxKeys", max_keys), leaf("Delimiter", enc(delimiter)),
                leaf("IsTruncated", listing.truncated),
                leaf("NextMarker", enc(listing.next_marker)),
                leaf("CreationDate", row["created"])]
    if url_encode:
        head.append(leaf("EncodingType", "url"))
    return xml_response(document(node("ListBucketResult", head + entries)))


def _list_uploads(ctx: Context, bucket: str) -> Response:
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        uploads = db.execute("SELECT * FROM uploads WHERE bucket_id=? ORDER BY name, created",
                             (row["id"],)).fetchall()
    items = [node("Upload", [leaf("Key", u["name"]), leaf("UploadId", u["id"]),
                             leaf("Initiated", u["created"])]) for u in uploads]
    return xml_response(document(node("ListMultipartUploadsResult", [
        leaf("Bucket", bucket), leaf("IsTruncated", False), *items])))


def _entries(ctx: Context, listing: Listing, enc: object, versions: bool) -> list[str]:
    assert callable(enc)
    contents: list[str] = []
    prefixes: list[str] = []
    for entry in listing.entries:
        if isinstance(entry, str):
            prefixes.append(node("CommonPrefixes", [leaf("Prefix", enc(entry))]))
            continue
        fields = [leaf("Key", enc(entry["name"])), leaf("LastModified", _iso(entry["modified"])),
                  leaf("ETag", f'"{entry["etag"]}"' if entry["etag"] else ""),
                  leaf("Size", entry["size"]), leaf("StorageClass", "STANDARD"),
                  _owner(ctx, entry["owner_id"])]
        if versions:
            fields += [leaf("VersionId", entry["id"]), leaf("IsLatest", bool(entry["latest"]))]
        contents.append(node("Version" if versions else "Contents", fields))
    return contents + prefixes


def _iso(epoch: float) -> str:
    return iso_time(epoch)


def _encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii")


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except ValueError as exc:
        raise bad_request("invalid continuation token") from exc


def post_bucket(ctx: Context, req: Request, bucket: str) -> Response:
    if not req.query.has("delete"):
        raise DS3Error(400, "InvalidRequest", "POST on a bucket needs ?delete")
    return delete_objects(ctx, req, bucket)


def delete_objects(ctx: Context, req: Request, bucket: str) -> Response:
    """Multi-delete. Missing keys are not errors; a DS3 bucket does not list them as
    Deleted (the C SDK expects 0 Deleted for missing keys), an S3-style bucket does (S3)."""
    body = req.body.read_all()
    md5 = req.header("content-md5")
    if md5 is not None and decode_b64(md5) != hashlib.md5(body, usedforsecurity=False).digest():
        raise DS3Error(400, "BadDigest", "Content-MD5 does not match the body")
    root = xml_in.parse(body)
    quiet = (xml_in.child_text(root, "Quiet") or "").strip().lower() == "true"
    targets = []
    for obj in xml_in.children(root, "Object"):
        key = xml_in.child_text(obj, "Key")
        if key:
            targets.append((key, xml_in.child_text(obj, "VersionId") or None))
    assert req.user is not None
    deleted: list[str] = []
    removed: list[str] = []
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        s3_style = ctx.catalog.s3_style(row)  # S3 lists missing keys as Deleted too
        for key, version in targets:
            outcome = s3_versions.delete(ctx, db, row, key, version, req.user.id)
            removed += outcome.removed
            listed = outcome.removed or outcome.delete_marker or s3_style
            if listed and not quiet:
                fields = [leaf("Key", key)] + ([leaf("VersionId", version)] if version else [])
                if outcome.delete_marker:
                    fields.append(leaf("DeleteMarker", True))
                    if not version and outcome.version_id:
                        fields.append(leaf("DeleteMarkerVersionId", outcome.version_id))
                deleted.append(node("Deleted", fields))
    ctx.remove_files(removed)
    return xml_response(document(node("DeleteResult", deleted)))


# --- objects -------------------------------------------------------------------------------


def put_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    assert req.user is not None
    if s3_copy.is_copy(req):
        return s3_copy.copy_object(ctx, req, bucket, key)
    length = transfer.content_length(req)
    meta = transfer.metadata_from(req)
    job_id = req.query.get("job")
    if job_id:
        offset = req.query.int("offset", 0) or 0
        ticket = ctx.jobs.begin_put(job_id, bucket, key, offset, length, req.user)
        kind, digest = transfer.receive(req, ctx.store, ticket)
        removed = ctx.jobs.finish_put(ticket, kind, digest, meta or None)
    else:
        ticket = ctx.jobs.begin_naked_put(bucket, key, length, req.user)
        try:
            kind, digest = transfer.receive(req, ctx.store, ticket)
        except BaseException:
            ctx.jobs.abort_naked_put(ticket)
            ctx.store.remove_files([ticket.object_id])
            raise
        try:
            removed = ctx.jobs.finish_naked_put(ticket, kind, digest, meta or None)
        except BaseException:
            ctx.store.remove_files([ticket.object_id])
            raise
    headers = [("ETag", f'"{base64.b64decode(digest).hex()}"')]
    stored = content_headers.from_request(req)
    with ctx.store.tx() as db:
        if stored:
            db.execute("UPDATE objects SET headers=? WHERE id=?",
                       (content_headers.encode(stored), ticket.object_id))
        headers += _version_header(db, ticket.object_id)
    ctx.remove_files(removed)
    return Response(200, headers=headers)


def _version_header(db: sqlite3.Connection, object_id: str) -> list[tuple[str, str]]:
    """``x-amz-version-id`` of an object in a bucket with S3 versioning set."""
    row = db.execute("SELECT * FROM objects WHERE id=?", (object_id,)).fetchone()
    bucket = db.execute("SELECT * FROM buckets WHERE id=?",
                        (row["bucket_id"],)).fetchone() if row else None
    if bucket is None or not bucket["s3_versioning"]:
        return []
    return [("x-amz-version-id", version_label(bucket, row))]


def get_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    job_id = req.query.get("job")
    if job_id:
        offset = req.query.int("offset", 0) or 0
        with ctx.store.tx() as db:
            # One transaction for the job check and the reads (tx is re-entrant): a small
            # blob GET costs a BEGIN/COMMIT less.
            ticket = ctx.jobs.begin_get(job_id, bucket, key, offset)
            obj = db.execute("SELECT * FROM objects WHERE id=?", (ticket.object_id,)).fetchone()
            blob = db.execute("SELECT * FROM blobs WHERE id=?", (ticket.blob_id,)).fetchone()
            if obj is None or blob is None:
                raise DS3Error(404, "NoSuchKey", f"object {key!r} went away")
            window = (blob["offset"], blob["offset"] + blob["length"])
            resp = transfer.read_response(req, ctx.store, ctx.catalog, db, obj, window, blob)
        resp.on_sent = lambda: ctx.jobs.finish_get(ticket)
        return resp
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        obj = ctx.catalog.readable(db, row, key, req.query.get("version_id"))
        if not obj["complete"]:
            raise DS3Error(503, "ServiceUnavailable", f"object {key!r} is not fully uploaded",
                           headers=[("Retry-After", str(ctx.jobs.retry_after_s))])
        conditions.check(obj, req)
        blobs = ctx.catalog.blobs(db, obj["id"])
        only = blobs[0] if len(blobs) == 1 else None
        resp = transfer.read_response(req, ctx.store, ctx.catalog, db, obj, (0, obj["size"]),
                                      only)
        if row["s3_versioning"]:
            resp.headers.append(("x-amz-version-id", version_label(row, obj)))
        return resp


def head_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        obj = ctx.catalog.readable(db, row, key, req.query.get("version_id"))
        conditions.check(obj, req)
        blobs = ctx.catalog.blobs(db, obj["id"])
    headers = [*content_headers.answer(obj, req.query), *transfer.object_headers(obj),
               *transfer.checksum_headers(blobs)]
    if row["s3_versioning"]:
        headers.append(("x-amz-version-id", version_label(row, obj)))
    return Response(200, headers=headers, head_length=obj["size"])


def delete_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    """204; a missing key is 404 in a DS3 bucket (BlackPearl, the C SDK) and 204 in an
    S3-style one (S3); a versioned bucket gets a delete marker."""
    assert req.user is not None
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket)
        outcome = s3_versions.delete(ctx, db, row, key, req.query.get("version_id"),
                                     req.user.id)
        if not (outcome.removed or outcome.delete_marker or ctx.catalog.s3_style(row)):
            raise DS3Error(404, "NoSuchKey", f"object {key!r} does not exist",
                           resource=f"{bucket}/{key}")
    ctx.remove_files(outcome.removed)
    return Response(204, headers=s3_versions.delete_headers(outcome))


def post_object(ctx: Context, req: Request, bucket: str, key: str) -> Response:
    raise DS3Error(400, "InvalidRequest", "POST on an object needs ?uploads or ?upload_id")


_BUCKET_CALLS = {
    "GET": get_bucket, "PUT": put_bucket, "HEAD": head_bucket, "DELETE": delete_bucket,
    "POST": post_bucket,
}
_OBJECT_CALLS = {
    "GET": get_object, "PUT": put_object, "HEAD": head_object, "DELETE": delete_object,
    "POST": post_object,
}
