"""Persistence: metadata in SQLite (WAL), object data in files named by object id.

Keys never become file names, so no key (``../../etc/passwd``, ``%2e%2e``, NUL, …) can
reach outside ``<data_dir>/objects``. One connection guarded by a lock: every metadata
transaction is short (data moves outside it), and the lock also makes the cache and job
bookkeeping atomic.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
    id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, access_id TEXT UNIQUE NOT NULL,
    secret TEXT NOT NULL, data_policy_id TEXT, max_buckets INTEGER NOT NULL DEFAULT 10000);
-- Configuration entities (data_policy, storage_domain, pool_partition, ...): JSON fields.
CREATE TABLE IF NOT EXISTS entities(
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, fields TEXT NOT NULL,
    seq INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS entities_by_name ON entities(kind, name);
CREATE TABLE IF NOT EXISTS buckets(
    id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, owner_id TEXT NOT NULL,
    data_policy_id TEXT NOT NULL, created TEXT NOT NULL, protected INTEGER NOT NULL DEFAULT 0,
    s3_versioning TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS objects(
    id TEXT PRIMARY KEY, bucket_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
    latest INTEGER NOT NULL, complete INTEGER NOT NULL, pending_blobs INTEGER NOT NULL,
    created TEXT NOT NULL, modified REAL NOT NULL, owner_id TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '[]', etag TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL,
    headers TEXT NOT NULL DEFAULT '[]', versioned INTEGER NOT NULL DEFAULT 0,
    delete_marker INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS objects_by_name ON objects(bucket_id, name, seq);
CREATE INDEX IF NOT EXISTS objects_latest ON objects(bucket_id, latest, name);
CREATE TABLE IF NOT EXISTS blobs(
    id TEXT PRIMARY KEY, object_id TEXT NOT NULL, offset INTEGER NOT NULL,
    length INTEGER NOT NULL, received INTEGER NOT NULL DEFAULT 0,
    checksum_type TEXT NOT NULL DEFAULT '', checksum TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS blobs_by_object ON blobs(object_id, offset);
CREATE TABLE IF NOT EXISTS jobs(
    id TEXT PRIMARY KEY, bucket_id TEXT NOT NULL, bucket_name TEXT NOT NULL,
    name TEXT NOT NULL, request_type TEXT NOT NULL, status TEXT NOT NULL,
    priority TEXT NOT NULL, order_guarantee TEXT NOT NULL, aggregating INTEGER NOT NULL,
    naked INTEGER NOT NULL, created TEXT NOT NULL, user_id TEXT NOT NULL,
    user_name TEXT NOT NULL, original_size INTEGER NOT NULL, remaining INTEGER NOT NULL,
    done_bytes INTEGER NOT NULL DEFAULT 0, truncated INTEGER NOT NULL DEFAULT 0,
    finished TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, seq);
-- state: PENDING (no cache yet), ALLOCATED (cache held), COMPLETED, CANCELED.
CREATE TABLE IF NOT EXISTS chunks(
    id TEXT PRIMARY KEY, job_id TEXT NOT NULL, number INTEGER NOT NULL,
    size INTEGER NOT NULL, state TEXT NOT NULL, remaining INTEGER NOT NULL,
    persist_at REAL NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS chunks_by_job ON chunks(job_id, number);
CREATE INDEX IF NOT EXISTS chunks_by_state ON chunks(state, persist_at);
CREATE TABLE IF NOT EXISTS job_blobs(
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, chunk_id TEXT NOT NULL,
    blob_id TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(job_id, seq));
CREATE INDEX IF NOT EXISTS job_blobs_by_chunk ON job_blobs(chunk_id);
CREATE INDEX IF NOT EXISTS job_blobs_by_blob ON job_blobs(blob_id);
-- S3 multipart uploads in progress; part data lives in uploads/<upload id>/<part number>.
CREATE TABLE IF NOT EXISTS uploads(
    id TEXT PRIMARY KEY, bucket_id TEXT NOT NULL, name TEXT NOT NULL, owner_id TEXT NOT NULL,
    meta TEXT NOT NULL, created TEXT NOT NULL, headers TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS parts(
    upload_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL,
    md5 TEXT NOT NULL, PRIMARY KEY(upload_id, number));
"""

# Columns added after the first release: a data directory made before them gains them.
# s3_versioning: '' (never set), Enabled or Suspended (S3 PutBucketVersioning);
# headers: the stored Content-Type, Cache-Control, ... as JSON pairs; versioned: the row
# was written while S3 versioning was Enabled (else its S3 version id is "null").
ADDED_COLUMNS = (
    ("buckets", "s3_versioning", "TEXT NOT NULL DEFAULT ''"),
    ("objects", "headers", "TEXT NOT NULL DEFAULT '[]'"),
    ("objects", "versioned", "INTEGER NOT NULL DEFAULT 0"),
    ("objects", "delete_marker", "INTEGER NOT NULL DEFAULT 0"),
    ("uploads", "headers", "TEXT NOT NULL DEFAULT '[]'"),
)

Row = sqlite3.Row


def new_id() -> str:
    return str(uuid.uuid4())


class Store:
    """The SQLite database and the object files under ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.objects_dir = data_dir / "objects"
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        # Shard directories are made on first use and remembered: making all 256 up front
        # (and removing them) cost about 0.5 s per emulator start and stop.
        self._shards: set[str] = set()
        self.lock = threading.RLock()
        self._entity_cache: dict[tuple[str, str], dict[str, Any]] = {}
        db_path = data_dir / "ds3.sqlite3"
        # The database holds the users' secret keys: owner-only, and SQLite gives its WAL
        # and shared-memory files the database file's mode.
        os.close(os.open(db_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        os.chmod(db_path, 0o600)
        self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        for table, column, declaration in ADDED_COLUMNS:
            present = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        self._seq = 0
        with self.tx() as db:
            for table in ("objects", "jobs", "entities"):
                top = db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()[0]
                self._seq = max(self._seq, int(top))

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def next_seq(self) -> int:
        """A monotonically increasing number (creation order of objects, jobs, entities)."""
        self._seq += 1
        return self._seq

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One atomic transaction under the store lock (re-entrant: nested calls join)."""
        with self.lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read_one(self, sql: str, params: tuple[object, ...]) -> sqlite3.Row | None:
        """One row of one SELECT under the lock. No BEGIN/COMMIT: on this autocommit
        connection a single statement is atomic by itself (per-request checks cost less)."""
        with self.lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    # --- files -----------------------------------------------------------------------------

    def object_path(self, object_id: str) -> Path:
        """The data file of an object: only a canonical UUID can name one."""
        canonical = str(uuid.UUID(object_id))
        return self.objects_dir / canonical[:2] / canonical

    def open_for_write(self, object_id: str) -> int:
        path = self.object_path(object_id)
        if path.parent.name not in self._shards:
            path.parent.mkdir(exist_ok=True)
            self._shards.add(path.parent.name)
        return os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)

    def part_path(self, upload_id: str, number: int) -> Path:
        """A multipart upload's part file: named by the upload's UUID and an integer only."""
        return self.data_dir / "uploads" / str(uuid.UUID(upload_id)) / str(int(number))

    def remove_files(self, object_ids: list[str]) -> None:
        for object_id in object_ids:
            try:
                self.object_path(object_id).unlink()
            except FileNotFoundError:
                pass

    # --- small key/value settings -----------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    # --- configuration entities -----------------------------------------------------------

    def entity(self, kind: str, ident: str) -> dict[str, Any] | None:
        """An entity by id or by name (``{id}`` may be either); a copy."""
        with self.lock:
            cached = self._entity_cache.get((kind, ident))
            if cached is not None:
                return dict(cached)
            with self.tx() as db:
                row = db.execute(
                    "SELECT fields FROM entities WHERE kind=? AND (id=? OR name=?)",
                    (kind, ident, ident),
                ).fetchone()
            if row is None:
                return None
            fields = dict(json.loads(row[0]))
            self._entity_cache[(kind, ident)] = fields  # hot: every PUT reads its policy
            return dict(fields)

    def entities(self, kind: str) -> list[dict[str, Any]]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT fields FROM entities WHERE kind=? ORDER BY seq", (kind,)
            ).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def put_entity(self, kind: str, fields: dict[str, Any]) -> None:
        """Insert or replace; ``fields`` must hold ``Id`` (and ``Name`` for named kinds)."""
        with self.tx() as db:
            self._entity_cache.clear()
            row = db.execute("SELECT seq FROM entities WHERE id=?", (fields["Id"],)).fetchone()
            seq = int(row[0]) if row else self.next_seq()
            db.execute(
                "INSERT OR REPLACE INTO entities(id, kind, name, fields, seq) VALUES(?,?,?,?,?)",
                (fields["Id"], kind, fields.get("Name"), json.dumps(fields), seq),
            )

    def delete_entity(self, kind: str, entity_id: str) -> None:
        with self.tx() as db:
            self._entity_cache.clear()
            db.execute("DELETE FROM entities WHERE kind=? AND id=?", (kind, entity_id))
