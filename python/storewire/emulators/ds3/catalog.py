"""Buckets and objects: naming rules, versions, listing, deletion.

Everything here runs inside a :meth:`Store.tx` transaction given as ``db``. Deleting an
object also detaches its blobs from the jobs that still wait for them, so job and chunk
counters stay exact.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .entities import data_policy_defaults
from .store import Row, Store, new_id
from .wire import DS3Error, bad_request, iso_time

# The contract allows [A-Za-z0-9.-_], but the C SDK's own tests create
# "edge bucket": refuse only what cannot be a single safe path segment (/, :, \, control
# characters), plus "." and "..".
_BUCKET_NAME = re.compile(r"[^/:\\\x00-\x1f\x7f]{1,63}")
MAX_KEY_BYTES = 1024
# The data policy of S3-style buckets: an existing key is replaced by a PUT.
S3_POLICY_NAME = "S3 overwrite"
MD5_OF_NOTHING = hashlib.md5(b"", usedforsecurity=False).hexdigest()
NULL_VERSION = "null"  # S3's version id of an object written while versioning was off


def version_label(bucket: Row, row: Row) -> str:
    """The version id S3 clients see: the row id, or ``null`` for an object written while
    the bucket's S3 versioning was not Enabled (DS3 buckets without S3 versioning show
    their row ids, as the DS3 SDKs expect)."""
    if bucket["s3_versioning"] and not row["versioned"]:
        return NULL_VERSION
    return str(row["id"])


def check_bucket_name(name: str) -> None:
    if not _BUCKET_NAME.fullmatch(name) or name in (".", "..") or name.lower() == "_rest_":
        raise DS3Error(400, "InvalidBucketName", f"invalid bucket name {name!r}", resource=name)


def check_key(key: str) -> None:
    """Keys are opaque names, as in S3: ``a/../b`` and ``./x`` are legal keys, stored and
    listed exactly as sent (object data lives in files named by UUID, so no key can reach
    a path). Empty keys, NUL and keys over 1024 UTF-8 bytes are refused."""
    if not key:
        raise bad_request("an object name is required", "InvalidObjectName")
    if "\x00" in key or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise bad_request(f"invalid object name {key!r}", "InvalidObjectName")


@dataclass
class Listing:
    entries: list[Row | str]  # object rows, or common prefixes (str)
    truncated: bool
    next_marker: str


class Catalog:
    def __init__(self, store: Store, default_policy_id: str, persist_delay_s: float) -> None:
        self.store = store
        self.default_policy_id = default_policy_id
        self.persist_delay_s = persist_delay_s
        # Every new bucket without a policy of its own is S3-style (serve --s3-buckets).
        self.s3_buckets = False

    # --- buckets -------------------------------------------------------------------------

    def bucket(self, db: sqlite3.Connection, ident: str) -> Row:
        """A bucket by name (or id, for ``_rest_`` calls); 404 NotFound if missing."""
        row = db.execute("SELECT * FROM buckets WHERE name=?", (ident,)).fetchone()
        if row is None:
            row = db.execute("SELECT * FROM buckets WHERE id=?", (ident,)).fetchone()
        if row is None:
            raise DS3Error(404, "NoSuchBucket", f"bucket {ident!r} does not exist",
                           resource=ident)
        return row

    def create_bucket(
        self, db: sqlite3.Connection, name: str, owner_id: str, data_policy_id: str | None,
        bucket_id: str | None = None,
    ) -> Row:
        check_bucket_name(name)
        if self.s3_buckets and data_policy_id in (None, self.default_policy_id):
            data_policy_id = self.s3_policy_id()
        if db.execute("SELECT 1 FROM buckets WHERE name=?", (name,)).fetchone():
            raise DS3Error(409, "BucketAlreadyExists", f"bucket {name!r} already exists",
                           resource=name)
        db.execute(
            "INSERT INTO buckets(id, name, owner_id, data_policy_id, created) VALUES(?,?,?,?,?)",
            (bucket_id or new_id(), name, owner_id, data_policy_id or self.default_policy_id,
             iso_time()),
        )
        return self.bucket(db, name)

    def delete_bucket(self, db: sqlite3.Connection, bucket: Row, force: bool) -> list[str]:
        """Deletes the bucket; with ``force`` its objects too. Returns data files to remove."""
        ids = [r[0] for r in db.execute("SELECT id FROM objects WHERE bucket_id=?",
                                        (bucket["id"],))]
        if ids and not force:
            raise DS3Error(409, "BucketNotEmpty", f"bucket {bucket['name']!r} is not empty",
                           resource=bucket["name"])
        self.drop_objects(db, ids)
        now = iso_time()
        db.execute(
            "UPDATE jobs SET status='CANCELED', finished=? "
            "WHERE bucket_id=? AND status='IN_PROGRESS'",
            (now, bucket["id"]),
        )
        db.execute(
            "UPDATE chunks SET state='CANCELED' WHERE state IN ('PENDING','ALLOCATED') AND "
            "job_id IN (SELECT id FROM jobs WHERE bucket_id=?)", (bucket["id"],))
        db.execute("DELETE FROM buckets WHERE id=?", (bucket["id"],))
        return ids

    def s3_policy_id(self) -> str:
        """The data policy of S3-style buckets (versioning KEEP_LATEST: PUT over an
        existing key replaces it), made on first use."""
        fields = self.store.entity("data_policy", S3_POLICY_NAME)
        if fields is None:
            fields = data_policy_defaults()
            fields.update(Id=new_id(), Name=S3_POLICY_NAME, Versioning="KEEP_LATEST")
            self.store.put_entity("data_policy", fields)
        return str(fields["Id"])

    def s3_style(self, bucket: Row) -> bool:
        """An S3-style bucket (S3 policy or S3 versioning set) answers as S3 does where
        BlackPearl differs: e.g. deleting a missing key is 204 there, 404 in a DS3 bucket."""
        return bool(bucket["s3_versioning"]) or self.policy(bucket).get("Name") == S3_POLICY_NAME

    def policy(self, bucket: Row) -> dict[str, object]:
        return self.store.entity("data_policy", bucket["data_policy_id"]) or {}

    # --- objects -------------------------------------------------------------------------

    def latest(self, db: sqlite3.Connection, bucket_id: str, key: str) -> Row | None:
        return db.execute(
            "SELECT * FROM objects WHERE bucket_id=? AND name=? AND latest=1", (bucket_id, key)
        ).fetchone()

    def readable(
        self, db: sqlite3.Connection, bucket: Row, key: str, version_id: str | None
    ) -> Row:
        """The version to read: the given one, else the newest complete version. A delete
        marker is not readable: 404 when it is the newest, 405 when named (as in S3)."""
        row = self.version(db, bucket, key, version_id) if version_id else db.execute(
            "SELECT * FROM objects WHERE bucket_id=? AND name=? ORDER BY complete DESC, "
            "seq DESC LIMIT 1", (bucket["id"], key),
        ).fetchone()
        if row is None:
            raise DS3Error(404, "NoSuchVersion" if version_id else "NoSuchKey",
                           f"object {key!r} does not exist",
                           resource=f"{bucket['name']}/{key}")
        if row["delete_marker"]:
            marker = [("x-amz-delete-marker", "true"),
                      ("x-amz-version-id", version_label(bucket, row))]
            if version_id:
                raise DS3Error(405, "MethodNotAllowed", "the version is a delete marker",
                               resource=f"{bucket['name']}/{key}", headers=marker)
            raise DS3Error(404, "NoSuchKey", f"object {key!r} does not exist",
                           resource=f"{bucket['name']}/{key}", headers=marker)
        return row

    def version(
        self, db: sqlite3.Connection, bucket: Row, key: str, version_id: str
    ) -> Row | None:
        """One version of a key by id; ``null`` is the newest unversioned one."""
        if version_id == NULL_VERSION:
            return db.execute(
                "SELECT * FROM objects WHERE bucket_id=? AND name=? AND versioned=0 "
                "ORDER BY seq DESC LIMIT 1", (bucket["id"], key)).fetchone()
        return db.execute("SELECT * FROM objects WHERE bucket_id=? AND name=? AND id=?",
                          (bucket["id"], key, version_id)).fetchone()

    def check_overwrite(self, db: sqlite3.Connection, bucket: Row, key: str) -> None:
        """409 OBJECT_ALREADY_EXISTS where the bucket keeps BlackPearl's rule: its data
        policy has versioning NONE and S3 versioning was never set on it."""
        if bucket["s3_versioning"]:
            return
        if str(self.policy(bucket).get("Versioning", "NONE")).upper() != "NONE":
            return
        current = self.latest(db, bucket["id"], key)
        if current is not None and not current["delete_marker"]:
            raise DS3Error(409, "OBJECT_ALREADY_EXISTS",
                           f"object {key!r} already exists in bucket {bucket['name']!r}",
                           resource=f"{bucket['name']}/{key}")

    def new_version(
        self, db: sqlite3.Connection, bucket: Row, key: str, size: int, owner_id: str,
        object_id: str | None = None,
    ) -> str:
        """Creates the object row that a PUT will fill; applies the bucket's versioning."""
        check_key(key)
        self.check_overwrite(db, bucket, key)
        current = self.latest(db, bucket["id"], key)
        if current is not None:
            db.execute("UPDATE objects SET latest=0 WHERE id=?", (current["id"],))
        object_id = object_id or new_id()
        db.execute(
            "INSERT INTO objects(id, bucket_id, name, size, latest, complete, pending_blobs, "
            "created, modified, owner_id, seq, versioned) VALUES(?,?,?,?,1,0,0,?,?,?,?,?)",
            (object_id, bucket["id"], key, size, iso_time(), time.time(), owner_id,
             self.store.next_seq(), int(bucket["s3_versioning"] == "Enabled")),
        )
        return object_id

    def add_blobs(
        self, db: sqlite3.Connection, object_id: str, spans: list[tuple[int, int]]
    ) -> list[str]:
        """Blob rows for ``(offset, length)`` spans; 0-byte blobs count as received."""
        ids = [new_id() for _ in spans]
        db.executemany(
            "INSERT INTO blobs(id, object_id, offset, length, received) VALUES(?,?,?,?,?)",
            [(bid, object_id, off, n, int(n == 0))
             for bid, (off, n) in zip(ids, spans, strict=True)],
        )
        pending = sum(1 for _, n in spans if n)
        db.execute("UPDATE objects SET pending_blobs=? WHERE id=?", (pending, object_id))
        if not pending:
            self.finish_object(db, object_id)
        return ids

    def blobs(self, db: sqlite3.Connection, object_id: str) -> list[Row]:
        return db.execute(
            "SELECT * FROM blobs WHERE object_id=? ORDER BY offset", (object_id,)
        ).fetchall()

    def finish_object(self, db: sqlite3.Connection, object_id: str) -> list[str]:
        """Marks an object complete, sets its ETag and applies KEEP_LATEST.
        Returns data files of replaced versions to remove."""
        obj = db.execute("SELECT * FROM objects WHERE id=?", (object_id,)).fetchone()
        db.execute(
            "UPDATE objects SET complete=1, pending_blobs=0, modified=?, etag=? WHERE id=?",
            (time.time(), _etag(self.blobs(db, object_id)), object_id),
        )
        bucket = db.execute("SELECT * FROM buckets WHERE id=?", (obj["bucket_id"],)).fetchone()
        if bucket is None or bucket["s3_versioning"] == "Enabled":
            return []
        if bucket["s3_versioning"] == "Suspended":
            # S3: the new "null" version replaces the previous null version only.
            older = [r[0] for r in db.execute(
                "SELECT id FROM objects WHERE bucket_id=? AND name=? AND id<>? AND versioned=0",
                (obj["bucket_id"], obj["name"], object_id))]
            self.drop_objects(db, older)
            return older
        versioning = str(self.policy(bucket).get("Versioning", ""))
        if versioning.upper() != "KEEP_LATEST":
            return []
        older = [r[0] for r in db.execute(
            "SELECT id FROM objects WHERE bucket_id=? AND name=? AND id<>? AND latest=0",
            (obj["bucket_id"], obj["name"], object_id))]
        self.drop_objects(db, older)
        return older

    def set_metadata(self, db: sqlite3.Connection, object_id: str,
                     pairs: list[tuple[str, str]]) -> None:
        db.execute("UPDATE objects SET meta=? WHERE id=?", (json.dumps(pairs), object_id))

    def delete_object(
        self, db: sqlite3.Connection, bucket: Row, key: str, version_id: str | None
    ) -> list[str]:
        """Deletes one version (default: the latest); [] if there was nothing to delete."""
        if version_id:
            row = db.execute("SELECT * FROM objects WHERE bucket_id=? AND name=? AND id=?",
                             (bucket["id"], key, version_id)).fetchone()
        else:
            row = self.latest(db, bucket["id"], key)
        if row is None:
            return []
        self.drop_objects(db, [row["id"]])
        return [row["id"]]

    def drop_objects(self, db: sqlite3.Connection, object_ids: list[str]) -> None:
        """Removes object rows and their blobs, and releases the jobs waiting for them."""
        now = time.time()
        for object_id in object_ids:
            waiting = db.execute(
                "SELECT jb.job_id, jb.seq, jb.chunk_id, jb.done, b.length FROM job_blobs jb "
                "JOIN blobs b ON b.id = jb.blob_id WHERE b.object_id=?", (object_id,)
            ).fetchall()
            for entry in waiting:
                db.execute("DELETE FROM job_blobs WHERE job_id=? AND seq=?",
                           (entry["job_id"], entry["seq"]))
                if not entry["done"]:
                    release_entry(db, entry["job_id"], entry["chunk_id"], 0, now,
                                  self.persist_delay_s)
            obj = db.execute("SELECT bucket_id, name, latest FROM objects WHERE id=?",
                             (object_id,)).fetchone()
            db.execute("DELETE FROM blobs WHERE object_id=?", (object_id,))
            db.execute("DELETE FROM objects WHERE id=?", (object_id,))
            if obj is not None and obj["latest"]:
                # The newest remaining version (if any) becomes the latest again.
                db.execute(
                    "UPDATE objects SET latest=1 WHERE id=(SELECT id FROM objects WHERE "
                    "bucket_id=? AND name=? ORDER BY seq DESC LIMIT 1)",
                    (obj["bucket_id"], obj["name"]))

    # --- listing ------------------------------------------------------------------------

    def list(
        self, db: sqlite3.Connection, bucket_id: str, *, prefix: str, delimiter: str,
        marker: str, max_keys: int, versions: bool = False,
    ) -> Listing:
        """Keys in byte order after ``marker``, rolled up at ``delimiter`` (S3 semantics:
        common prefixes count toward ``max_keys``; NextMarker is the last entry returned)."""
        entries: list[Row | str] = []
        truncated = False
        last_prefix = ""
        for row in self._scan(db, bucket_id, prefix, marker, versions):
            name = row["name"]
            entry: Row | str = row
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    common = name[: cut + len(delimiter)]
                    if common == last_prefix or (marker and common <= marker):
                        continue
                    entry = common
                    last_prefix = common
            if len(entries) >= max_keys:
                truncated = True
                break
            entries.append(entry)
        next_marker = ""
        if truncated and entries:
            last = entries[-1]
            next_marker = last if isinstance(last, str) else last["name"]
        return Listing(entries, truncated, next_marker)

    def _scan(
        self, db: sqlite3.Connection, bucket_id: str, prefix: str, marker: str, versions: bool
    ) -> Iterator[Row]:
        latest = "" if versions else " AND latest=1 AND delete_marker=0"
        order = "name, seq DESC" if versions else "name"
        low = max(marker, prefix) if marker else prefix
        op = ">" if marker and marker >= prefix else ">="
        seen_last: tuple[str, int] | None = None
        while True:
            rows = db.execute(
                f"SELECT * FROM objects WHERE bucket_id=? AND name {op} ?{latest} "
                f"ORDER BY {order} LIMIT 1000", (bucket_id, low),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                if seen_last is not None and (row["name"], -row["seq"]) <= seen_last:
                    continue  # versions: the batch boundary fell inside one key
                if not row["name"].startswith(prefix):
                    return
                seen_last = (row["name"], -row["seq"])
                yield row
            if len(rows) < 1000:
                return
            # Continue at the last name; ">" once a single key filled a whole batch.
            op = ">" if rows[0]["name"] == rows[-1]["name"] else ">="
            low = rows[-1]["name"]


def release_entry(
    db: sqlite3.Connection, job_id: str, chunk_id: str, length: int, now: float,
    persist_delay_s: float,
) -> None:
    """One job entry is done (transferred, or dropped): update chunk and job counters."""
    # One statement: the right-hand sides see the row before the update, so the chunk
    # completes when this was its last entry (its remaining count was 1 or less).
    db.execute(
        "UPDATE chunks SET remaining=remaining-1, "
        "persist_at=CASE WHEN remaining<=1 AND state IN ('PENDING','ALLOCATED') THEN ? "
        "ELSE persist_at END, "
        "state=CASE WHEN remaining<=1 AND state IN ('PENDING','ALLOCATED') THEN 'COMPLETED' "
        "ELSE state END WHERE id=?", (now + persist_delay_s, chunk_id))
    db.execute("UPDATE jobs SET remaining=remaining-1, done_bytes=done_bytes+? WHERE id=?",
               (length, job_id))
    job = db.execute("SELECT remaining, status, request_type FROM jobs WHERE id=?",
                     (job_id,)).fetchone()
    if job is not None and job["remaining"] <= 0 and job["status"] == "IN_PROGRESS":
        if job["request_type"] == "PUT" and persist_delay_s > 0:
            return  # received, not yet persisted: JobManager.settle completes it later
        db.execute("UPDATE jobs SET status='COMPLETED', finished=? WHERE id=?",
                   (iso_time(now), job_id))


def _etag(blobs: list[Row]) -> str:
    """MD5 hex for a one-blob object with an MD5 checksum; otherwise a digest of the blob
    checksums with ``-N`` (as S3 does for multipart objects)."""
    if not blobs or all(b["length"] == 0 for b in blobs):
        return MD5_OF_NOTHING
    raw = [base64.b64decode(b["checksum"]) if b["checksum"] else b"" for b in blobs]
    if len(blobs) == 1:
        return raw[0].hex() if raw[0] else hashlib.md5(blobs[0]["id"].encode(),
                                                       usedforsecurity=False).hexdigest()
    digest = hashlib.md5(b"".join(raw), usedforsecurity=False).hexdigest()
    return f"{digest}-{len(blobs)}"
