"""Bulk jobs: blob planning, chunks, the cache, and transfer bookkeeping.

A PUT job's chunk needs cache space before its blobs may arrive ("allocated"); the space
is freed ``persist_delay_s`` after the chunk completes, which stands for BlackPearl writing
it to tape. A PUT job whose blobs have all arrived is "received": it stays IN_PROGRESS
(listed, cancellable) until its last chunk is persisted, then it is COMPLETED
(:meth:`JobManager.settle`, run on every job read and by the notifier's ticker).
With a cache size set, allocation really waits: allocate answers 503 +
Retry-After and the chunks-ready poll answers 200 without chunks + Retry-After. A fresh
job gets all its chunks on the first poll whenever the cache allows.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, check_key, release_entry
from .store import Row, Store, new_id
from .users import User
from .wire import DS3Error, bad_request, iso_time, not_found, retry_later

# Job events for the notifier: (event kind, fields), e.g. ("job_completed", {...}).
EventSink = Callable[[str, dict[str, Any]], None]

GiB = 1 << 30
DEFAULT_MAX_BLOB_BYTES = 64 * GiB
# Guards against max_upload_size=1 on a 400 GiB object.
MAX_BLOBS_PER_JOB = 1_000_000


def split_blobs(size: int, max_blob: int) -> list[tuple[int, int]]:
    """``(offset, length)`` spans; an empty object is one blob of length 0."""
    if size <= 0:
        return [(0, 0)]
    return [(off, min(max_blob, size - off)) for off in range(0, size, max_blob)]


@dataclass
class PutSpec:
    name: str
    size: int


@dataclass
class GetSpec:
    name: str
    version_id: str | None = None
    offset: int | None = None
    length: int | None = None


@dataclass
class JobOptions:
    name: str = "Untitled"
    priority: str = "NORMAL"
    order: str = "NONE"
    aggregating: bool = False
    max_upload_size: int | None = None


@dataclass
class Ticket:
    """A blob transfer between its check and its completion (data moves outside the lock)."""

    job_id: str | None
    bucket: Row
    key: str
    object_id: str
    blob_id: str
    offset: int
    length: int
    object_size: int = 0
    checksum_type: str = "MD5"  # what to compute when the client sends no checksum
    require_checksum: bool = False
    user: User | None = None
    chunk_id: str | None = None  # a job GET's chunk, known at begin_get


@dataclass
class Entry:
    name: str
    offset: int
    length: int
    in_cache: bool
    blob_id: str


@dataclass
class ChunkView:
    chunk: Row
    entries: list[Entry] = field(default_factory=list)


@dataclass
class JobView:
    job: Row
    chunks: list[ChunkView]
    cached_bytes: int
    retry_after_s: int | None = None
    persisted_bytes: int = 0  # PUT: bytes written to the storage domain (CompletedSizeInBytes)


class JobManager:
    def __init__(
        self, store: Store, catalog: Catalog, *, cache_size_bytes: int | None,
        persist_delay_s: float, retry_after_s: int, max_blob_bytes: int,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.cache_size_bytes = cache_size_bytes
        self.persist_delay_s = persist_delay_s
        self.retry_after_s = retry_after_s
        self.max_blob_bytes = max_blob_bytes
        self._naked_inflight = 0  # bytes of naked PUTs being received (not in any chunk yet)
        self.events: EventSink | None = None  # set by the notifier; called inside the tx

    def _emit(self, kind: str, **fields: Any) -> None:
        if self.events is not None:
            self.events(kind, fields)

    # --- cache ----------------------------------------------------------------------------

    def cache_used(self, db: sqlite3.Connection, now: float) -> int:
        row = db.execute(
            "SELECT COALESCE(SUM(c.size), 0) FROM chunks c JOIN jobs j ON j.id = c.job_id "
            "WHERE j.request_type='PUT' AND (c.state='ALLOCATED' OR "
            "(c.state='COMPLETED' AND c.persist_at>?))", (now,)
        ).fetchone()
        return int(row[0]) + self._naked_inflight

    def _fits(self, db: sqlite3.Connection, size: int, now: float) -> bool:
        if self.cache_size_bytes is None or size == 0:
            return True
        used = self.cache_used(db, now)
        # An oversized chunk may use an empty cache; otherwise it would wait forever.
        return used + size <= self.cache_size_bytes or used == 0

    def _retry_after(self, db: sqlite3.Connection, now: float) -> int:
        row = db.execute(
            "SELECT MIN(persist_at) FROM chunks WHERE state='COMPLETED' AND persist_at>?", (now,)
        ).fetchone()
        if row[0] is None:
            return self.retry_after_s
        return max(1, min(self.retry_after_s, math.ceil(float(row[0]) - now)))

    def cache_state(self) -> dict[str, int | None]:
        with self.store.tx() as db:
            used = self.cache_used(db, time.time())
        return {"size": self.cache_size_bytes, "used": used}

    # --- creation -------------------------------------------------------------------------

    def _blob_cap(self, policy: dict[str, object], max_upload_size: int | None) -> int:
        cap = int(policy.get("DefaultBlobSize") or self.max_blob_bytes)  # type: ignore[call-overload]
        if str(policy.get("BlobbingEnabled", "true")).lower() == "false":
            cap = 1 << 62
        if max_upload_size is not None:
            if max_upload_size <= 0:
                raise bad_request("max_upload_size must be positive")
            cap = min(cap, max_upload_size)
        return cap

    def _insert_job(
        self, db: sqlite3.Connection, bucket: Row, user: User, request_type: str,
        opts: JobOptions, naked: bool = False,
    ) -> str:
        job_id = new_id()
        db.execute(
            "INSERT INTO jobs(id, bucket_id, bucket_name, name, request_type, status, priority, "
            "order_guarantee, aggregating, naked, created, user_id, user_name, original_size, "
            "remaining, seq) VALUES(?,?,?,?,?, 'IN_PROGRESS', ?,?,?,?,?,?,?,0,0,?)",
            (job_id, bucket["id"], bucket["name"], opts.name or "Untitled", request_type,
             opts.priority, opts.order, int(opts.aggregating), int(naked), iso_time(),
             user.id, user.name, self.store.next_seq()),
        )
        return job_id

    def _insert_chunks(
        self, db: sqlite3.Connection, job_id: str, blobs: list[tuple[str, int, bool]],
        chunk_cap: int,
    ) -> None:
        """Groups ``(blob_id, length, done)`` in order into chunks of at most ``chunk_cap``
        bytes (one blob per chunk when blobs are that large), then records the entries."""
        groups: list[list[tuple[str, int, bool]]] = []
        size = 0
        for blob in blobs:
            if not groups or (size + blob[1] > chunk_cap and size > 0):
                groups.append([])
                size = 0
            groups[-1].append(blob)
            size += blob[1]
        seq = 0
        job_remaining = 0
        original = 0
        for number, group in enumerate(groups):
            chunk_id = new_id()
            remaining = sum(1 for _, _, done in group if not done)
            chunk_size = sum(n for _, n, _ in group)
            db.execute(
                "INSERT INTO chunks(id, job_id, number, size, state, remaining) "
                "VALUES(?,?,?,?,?,?)",
                (chunk_id, job_id, number, chunk_size,
                 "PENDING" if remaining else "COMPLETED", remaining),
            )
            rows = []
            for blob_id, _, done in group:
                rows.append((job_id, seq, chunk_id, blob_id, int(done)))
                seq += 1
            db.executemany(
                "INSERT INTO job_blobs(job_id, seq, chunk_id, blob_id, done) VALUES(?,?,?,?,?)",
                rows,
            )
            job_remaining += remaining
            original += chunk_size
        status = "IN_PROGRESS" if job_remaining else "COMPLETED"
        db.execute(
            "UPDATE jobs SET original_size=?, remaining=?, status=?, finished=? WHERE id=?",
            (original, job_remaining, status, "" if job_remaining else iso_time(), job_id),
        )

    def create_put_job(
        self, bucket_name: str, user: User, specs: list[PutSpec], opts: JobOptions
    ) -> str:
        if not specs:
            raise bad_request("the bulk command requires a list of objects to process")
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise bad_request("the job lists an object name more than once")
        with self.store.tx() as db:
            bucket = self.catalog.bucket(db, bucket_name)
            cap = self._blob_cap(self.catalog.policy(bucket), opts.max_upload_size)
            total = sum(len(range(0, max(s.size, 1), cap)) for s in specs)
            if total > MAX_BLOBS_PER_JOB:
                raise bad_request(f"the job would need {total} blobs; raise max_upload_size")
            job_id = self._insert_job(db, bucket, user, "PUT", opts)
            planned: list[tuple[str, int, bool]] = []
            for spec in specs:
                if spec.size < 0:
                    raise bad_request(f"negative size for {spec.name!r}")
                object_id = self.catalog.new_version(db, bucket, spec.name, spec.size, user.id)
                spans = split_blobs(spec.size, cap)
                blob_ids = self.catalog.add_blobs(db, object_id, spans)
                pairs = zip(blob_ids, spans, strict=True)
                planned.extend((bid, n, n == 0) for bid, (_, n) in pairs)
            chunk_cap = min(cap, self.cache_size_bytes or cap)
            self._insert_chunks(db, job_id, planned, chunk_cap)
            self._emit("job_created", job_id=job_id)
        return job_id

    def create_get_job(
        self, bucket_name: str, user: User, specs: list[GetSpec], opts: JobOptions,
        request_type: str = "GET",
    ) -> str:
        if not specs:
            raise bad_request("the bulk command requires a list of objects to process")
        with self.store.tx() as db:
            bucket = self.catalog.bucket(db, bucket_name)
            job_id = self._insert_job(db, bucket, user, request_type, opts)
            planned: list[tuple[str, int, bool]] = []
            for spec in specs:
                obj = self.catalog.readable(db, bucket, spec.name, spec.version_id)
                start = spec.offset or 0
                end = obj["size"] if spec.length is None else start + spec.length
                for blob in self.catalog.blobs(db, obj["id"]):
                    b_start, b_len = blob["offset"], blob["length"]
                    overlaps = b_start < end and b_start + b_len > start
                    if overlaps or (b_len == 0 and spec.offset is None):
                        # Nothing to send for empty blobs; VERIFY jobs move no data.
                        done = b_len == 0 or request_type == "VERIFY"
                        planned.append((blob["id"], b_len, done))
            if not planned:
                raise bad_request("the requested ranges cover no data")
            self._insert_chunks(db, job_id, planned, self.max_blob_bytes)
            self._emit("job_created", job_id=job_id)
            if request_type == "GET":  # everything is on disk: staged in the cache at once
                self._emit("object_cached", job_id=job_id, bucket=bucket["name"],
                           objects=self.job_objects(db, job_id))
        return job_id

    # --- reading jobs ---------------------------------------------------------------------

    def job(self, db: sqlite3.Connection, job_id: str) -> Row:
        if self.persist_delay_s > 0:
            self.settle(db, time.time(), job_id)
        row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise not_found(f"job {job_id}", f"job/{job_id}")
        return row

    # --- persistence: received -> persisted ---------------------------------------------------

    def settle(self, db: sqlite3.Connection, now: float, job_id: str | None = None) -> int:
        """Completes the received PUT jobs whose chunks are all persisted (by ``now``).
        Returns how many jobs it completed."""
        sql = ("SELECT j.* FROM jobs j WHERE j.status='IN_PROGRESS' AND j.request_type='PUT' "
               "AND j.remaining<=0 AND NOT EXISTS (SELECT 1 FROM chunks c WHERE "
               "c.job_id=j.id AND (c.state IN ('PENDING','ALLOCATED') OR c.persist_at>?))")
        args: list[Any] = [now]
        if job_id is not None:
            sql += " AND j.id=?"
            args.append(job_id)
        done = db.execute(sql, args).fetchall()
        for job in done:
            db.execute("UPDATE jobs SET status='COMPLETED', finished=? WHERE id=?",
                       (iso_time(now), job["id"]))
            self._emit_finished(db, job["id"], cancelled=False)
        return len(done)

    def settle_due(self) -> int:
        """The ticker's call: settles every due job (no-op without a persist delay)."""
        if self.persist_delay_s <= 0:
            return 0
        with self.store.tx() as db:
            return self.settle(db, time.time())

    def job_objects(self, db: sqlite3.Connection, job_id: str,
                    not_persisted_at: float | None = None) -> list[dict[str, Any]]:
        """The job's blobs as notification ``<Object>`` fields (the BulkObject shape); with
        ``not_persisted_at``, only those not transferred or not yet persisted by then."""
        sql = ("SELECT b.id AS blob_id, b.offset, b.length, b.received, o.name, o.latest "
               "FROM job_blobs jb JOIN blobs b ON b.id = jb.blob_id JOIN objects o "
               "ON o.id = b.object_id JOIN chunks c ON c.id = jb.chunk_id WHERE jb.job_id=?")
        args: list[Any] = [job_id]
        if not_persisted_at is not None:
            sql += " AND (jb.done=0 OR c.state<>'COMPLETED' OR c.persist_at>?)"
            args.append(not_persisted_at)
        return [{"Name": r["name"], "Offset": r["offset"], "Length": r["length"],
                 "InCache": bool(r["received"]), "Latest": bool(r["latest"]), "Version": 1,
                 "Id": r["blob_id"]}
                for r in db.execute(sql + " ORDER BY jb.seq", args)]

    def _emit_finished(self, db: sqlite3.Connection, job_id: str, cancelled: bool,
                       not_persisted: list[dict[str, Any]] | None = None) -> None:
        if self.events is None:
            return
        job = db.execute("SELECT request_type, bucket_name FROM jobs WHERE id=?",
                         (job_id,)).fetchone()
        if job is not None and job["request_type"] == "PUT" and not cancelled:
            self._emit("object_persisted", job_id=job_id, bucket=job["bucket_name"],
                       objects=self.job_objects(db, job_id))
        self._emit("job_completed", job_id=job_id, cancelled=cancelled,
                   not_persisted=not_persisted or [])

    def _after_release(self, db: sqlite3.Connection, job_id: str | None) -> None:
        """Events for a job whose last entry may just have been transferred."""
        if job_id is None or self.events is None:
            return
        job = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if job is None or job["remaining"] > 0:
            return
        if job["request_type"] == "PUT":  # all of the job's data has landed in the cache
            self._emit("object_cached", job_id=job_id, bucket=job["bucket_name"],
                       objects=self.job_objects(db, job_id))
        if job["status"] == "COMPLETED":
            self._emit_finished(db, job_id, cancelled=False)

    def _persisted_bytes(self, db: sqlite3.Connection, job: Row, now: float) -> int:
        if job["request_type"] != "PUT":
            return int(job["done_bytes"])
        if job["status"] == "COMPLETED":
            return int(job["done_bytes"])
        row = db.execute("SELECT COALESCE(SUM(size), 0) FROM chunks WHERE job_id=? AND "
                         "state='COMPLETED' AND persist_at<=?", (job["id"], now)).fetchone()
        return min(int(row[0]), int(job["done_bytes"]))

    def view(self, db: sqlite3.Connection, job_id: str, only: set[str] | None = None) -> JobView:
        """The job with its chunks (all, or those in ``only``) and blob entries."""
        job = self.job(db, job_id)
        chunks = {
            c["id"]: ChunkView(c)
            for c in db.execute("SELECT * FROM chunks WHERE job_id=? ORDER BY number", (job_id,))
            if only is None or c["id"] in only
        }
        cached = 0
        rows = db.execute(
            "SELECT jb.chunk_id, b.id AS blob_id, b.offset, b.length, b.received, o.name "
            "FROM job_blobs jb JOIN blobs b ON b.id = jb.blob_id "
            "JOIN objects o ON o.id = b.object_id WHERE jb.job_id=? ORDER BY jb.seq", (job_id,)
        )
        for r in rows:
            if r["received"]:
                cached += r["length"]
            view = chunks.get(r["chunk_id"])
            if view is not None:
                view.entries.append(
                    Entry(r["name"], r["offset"], r["length"], bool(r["received"]), r["blob_id"])
                )
        return JobView(job, list(chunks.values()), cached,
                       persisted_bytes=self._persisted_bytes(db, job, time.time()))

    def is_job(self, ident: str) -> bool:
        with self.store.tx() as db:
            return db.execute("SELECT 1 FROM jobs WHERE id=?", (ident,)).fetchone() is not None

    def get_view(self, job_id: str) -> JobView:
        with self.store.tx() as db:
            return self.view(db, job_id)

    def list_jobs(self, status: str, bucket: str | None = None) -> list[JobView]:
        with self.store.tx() as db:
            now = time.time()
            if self.persist_delay_s > 0:
                self.settle(db, now)
            sql = "SELECT id FROM jobs WHERE status=?"
            args: list[str] = [status]
            if bucket:
                b = self.catalog.bucket(db, bucket)
                sql += " AND bucket_id=?"
                args.append(b["id"])
            ids = [r[0] for r in db.execute(sql + " ORDER BY seq", args)]
            views = []
            for i in ids:
                row = self.job(db, i)
                views.append(JobView(row, [], 0,
                                     persisted_bytes=self._persisted_bytes(db, row, now)))
            return views

    # --- the chunks-ready poll and allocation -----------------------------------------------

    def ready_chunks(
        self, job_id: str, preferred: int | None = None, chunk_id: str | None = None
    ) -> JobView:
        now = time.time()
        with self.store.tx() as db:
            job = self.job(db, job_id)
            if job["status"] == "CANCELED":
                raise DS3Error(410, "Gone", f"job {job_id} was canceled", body=False)
            chunks = db.execute(
                "SELECT * FROM chunks WHERE job_id=? AND state IN ('PENDING','ALLOCATED') "
                "ORDER BY number", (job_id,)
            ).fetchall()
            limit = preferred if preferred and preferred > 0 else len(chunks)
            ready: list[str] = []
            if job["request_type"] == "PUT":
                for c in chunks:
                    if len(ready) >= limit:
                        break
                    if c["state"] == "PENDING":
                        if not self._fits(db, c["size"], now):
                            break  # keep chunk order: later chunks wait behind this one
                        db.execute("UPDATE chunks SET state='ALLOCATED' WHERE id=?", (c["id"],))
                    ready.append(c["id"])
            else:
                unready = {
                    r[0] for r in db.execute(
                        "SELECT DISTINCT jb.chunk_id FROM job_blobs jb JOIN blobs b "
                        "ON b.id = jb.blob_id WHERE jb.job_id=? AND b.received=0", (job_id,))
                }
                for c in chunks:
                    if len(ready) >= limit:
                        break
                    if c["id"] in unready:
                        if job["order_guarantee"] == "IN_ORDER":
                            break
                        continue
                    ready.append(c["id"])
            if chunk_id is not None:
                ready = [c for c in ready if c == chunk_id]
            view = self.view(db, job_id, set(ready))
            if not view.chunks:
                view.retry_after_s = self._retry_after(db, now)
            return view

    def allocate(self, chunk_id: str) -> ChunkView:
        now = time.time()
        with self.store.tx() as db:
            chunk = db.execute("SELECT * FROM chunks WHERE id=?", (chunk_id,)).fetchone()
            if chunk is None:
                raise not_found(f"job chunk {chunk_id}", f"job_chunk/{chunk_id}")
            job = self.job(db, chunk["job_id"])
            if job["status"] == "CANCELED" or chunk["state"] == "CANCELED":
                raise DS3Error(410, "Gone", f"job {job['id']} was canceled")
            if job["request_type"] == "PUT" and chunk["state"] == "PENDING":
                if not self._fits(db, chunk["size"], now):
                    raise retry_later(self._retry_after(db, now),
                                      "the cache is full; retry the allocation later")
                db.execute("UPDATE chunks SET state='ALLOCATED' WHERE id=?", (chunk_id,))
            return self.view(db, job["id"], {chunk_id}).chunks[0]

    def chunk(self, chunk_id: str) -> tuple[ChunkView, Row]:
        with self.store.tx() as db:
            row = db.execute("SELECT job_id FROM chunks WHERE id=?", (chunk_id,)).fetchone()
            if row is None:
                raise not_found(f"job chunk {chunk_id}", f"job_chunk/{chunk_id}")
            view = self.view(db, row[0], {chunk_id})
            return view.chunks[0], view.job

    # --- blob transfers ---------------------------------------------------------------------

    def _entry(self, db: sqlite3.Connection, job: Row, key: str, offset: int) -> Row:
        # CROSS JOIN fixes the order: object by (bucket, name), its blob at the offset, then
        # that blob's entry in the job; starting from job_blobs would scan the whole job
        # (O(job size) per blob request, quadratic over a 20,000-object job).
        row = db.execute(
            "SELECT jb.seq, jb.chunk_id, jb.done, b.id AS blob_id, b.offset, b.length, "
            "b.received, o.id AS object_id, o.size FROM objects o "
            "CROSS JOIN blobs b CROSS JOIN job_blobs jb "
            "WHERE o.bucket_id=? AND o.name=? AND b.object_id=o.id AND b.offset=? "
            "AND jb.blob_id=b.id AND jb.job_id=?", (job["bucket_id"], key, offset, job["id"])
        ).fetchone()
        if row is None:
            raise bad_request(
                f"job {job['id']} has no blob of {key!r} at offset {offset}", "InvalidBlob")
        return row

    def _active_job(self, db: sqlite3.Connection, job_id: str, bucket: Row, kind: str) -> Row:
        job = self.job(db, job_id)
        if job["status"] == "CANCELED":
            raise DS3Error(410, "Gone", f"job {job_id} was canceled")
        if job["bucket_id"] != bucket["id"]:
            raise bad_request(f"job {job_id} belongs to another bucket")
        if job["request_type"] != kind and not (kind == "GET" and job["request_type"] == "VERIFY"):
            raise bad_request(f"job {job_id} is a {job['request_type']} job")
        return job

    def _policy_checksum(self, bucket: Row) -> tuple[str, bool]:
        policy = self.catalog.policy(bucket)
        kind = str(policy.get("ChecksumType") or "MD5").upper()
        required = str(policy.get("EndToEndCrcRequired", "false")).lower() == "true"
        return (kind if kind != "NONE" else "MD5"), required

    def begin_put(
        self, job_id: str, bucket_name: str, key: str, offset: int, length: int, user: User
    ) -> Ticket:
        now = time.time()
        with self.store.tx() as db:
            bucket = self.catalog.bucket(db, bucket_name)
            job = self._active_job(db, job_id, bucket, "PUT")
            entry = self._entry(db, job, key, offset)
            if length != entry["length"]:
                raise bad_request(
                    f"blob {key!r}@{offset} is {entry['length']} bytes; the request carries "
                    f"{length}", "IncompleteBody")
            chunk = db.execute("SELECT * FROM chunks WHERE id=?", (entry["chunk_id"],)).fetchone()
            if chunk["state"] == "PENDING":
                # Blob PUTs need no prior allocate call, but they do need cache space.
                if not self._fits(db, chunk["size"], now):
                    raise retry_later(self._retry_after(db, now), "the cache is full")
                db.execute("UPDATE chunks SET state='ALLOCATED' WHERE id=?", (chunk["id"],))
            kind, required = self._policy_checksum(bucket)
            return Ticket(job_id, bucket, key, entry["object_id"], entry["blob_id"], offset,
                          length, entry["size"], kind, required, user)

    def finish_put(
        self, ticket: Ticket, checksum_type: str, checksum: str,
        metadata: list[tuple[str, str]] | None,
    ) -> list[str]:
        """Records a received blob. Returns data files to remove (replaced versions)."""
        now = time.time()
        with self.store.tx() as db:
            blob = db.execute("SELECT * FROM blobs WHERE id=?", (ticket.blob_id,)).fetchone()
            job = db.execute("SELECT status FROM jobs WHERE id=?", (ticket.job_id,)).fetchone()
            if blob is None or job is None or job["status"] == "CANCELED":
                raise DS3Error(410, "Gone", "the job or object went away during the transfer")
            db.execute("UPDATE blobs SET received=1, checksum_type=?, checksum=? WHERE id=?",
                       (checksum_type, checksum, ticket.blob_id))
            removed: list[str] = []
            if metadata:
                self.catalog.set_metadata(db, ticket.object_id, metadata)
            if not blob["received"]:
                db.execute("UPDATE objects SET pending_blobs=pending_blobs-1 WHERE id=?",
                           (ticket.object_id,))
                pending = db.execute("SELECT pending_blobs FROM objects WHERE id=?",
                                     (ticket.object_id,)).fetchone()[0]
                if pending <= 0:
                    removed = self.catalog.finish_object(db, ticket.object_id)
            else:
                db.execute("UPDATE objects SET modified=? WHERE id=?", (now, ticket.object_id))
            entry = db.execute("SELECT seq, chunk_id, done FROM job_blobs WHERE job_id=? AND "
                               "blob_id=?", (ticket.job_id, ticket.blob_id)).fetchone()
            if entry is not None and not entry["done"]:
                db.execute("UPDATE job_blobs SET done=1 WHERE job_id=? AND seq=?",
                           (ticket.job_id, entry["seq"]))
                release_entry(db, ticket.job_id or "", entry["chunk_id"], ticket.length, now,
                              self.persist_delay_s)
                self._after_release(db, ticket.job_id)
            return removed

    def begin_naked_put(self, bucket_name: str, key: str, length: int, user: User) -> Ticket:
        """A PUT without ``job``: checked now, recorded as an implicit job when complete."""
        now = time.time()
        with self.store.tx() as db:
            bucket = self.catalog.bucket(db, bucket_name)
            check_key(key)
            self.catalog.check_overwrite(db, bucket, key)
            if not self._fits(db, length, now):
                raise retry_later(self._retry_after(db, now), "the cache is full")
            self._naked_inflight += length
            kind, required = self._policy_checksum(bucket)
            return Ticket(None, bucket, key, new_id(), new_id(), 0, length, length, kind,
                          required, user)

    def abort_naked_put(self, ticket: Ticket) -> None:
        with self.store.lock:
            self._naked_inflight -= ticket.length

    def finish_naked_put(
        self, ticket: Ticket, checksum_type: str, checksum: str,
        metadata: list[tuple[str, str]] | None,
    ) -> list[str]:
        now = time.time()
        user = ticket.user
        assert user is not None
        with self.store.tx() as db:
            self._naked_inflight -= ticket.length
            bucket = self.catalog.bucket(db, ticket.bucket["name"])
            object_id = self.catalog.new_version(
                db, bucket, ticket.key, ticket.length, user.id, object_id=ticket.object_id)
            db.execute(
                "INSERT INTO blobs(id, object_id, offset, length, received, checksum_type, "
                "checksum) VALUES(?,?,0,?,1,?,?)",
                (ticket.blob_id, object_id, ticket.length, checksum_type, checksum))
            if metadata:
                self.catalog.set_metadata(db, object_id, metadata)
            removed = self.catalog.finish_object(db, object_id)
            self.record_naked_put(db, bucket, user, [ticket.blob_id], ticket.length, now)
            return removed

    def record_naked_put(
        self, db: sqlite3.Connection, bucket: Row, user: User, blob_ids: list[str], size: int,
        now: float,
    ) -> None:
        """The implicit one-object job of a naked PUT (or a completed multipart upload),
        already complete; its chunk holds cache space for the persist delay."""
        job_id = self._insert_job(db, bucket, user, "PUT", JobOptions(), naked=True)
        chunk_id = new_id()
        db.execute(
            "INSERT INTO chunks(id, job_id, number, size, state, remaining, persist_at) "
            "VALUES(?,?,0,?,'COMPLETED',0,?)", (chunk_id, job_id, size, now + self.persist_delay_s))
        db.executemany(
            "INSERT INTO job_blobs(job_id, seq, chunk_id, blob_id, done) VALUES(?,?,?,?,1)",
            [(job_id, seq, chunk_id, blob_id) for seq, blob_id in enumerate(blob_ids)])
        db.execute(
            "UPDATE jobs SET status='COMPLETED', original_size=?, done_bytes=?, finished=? "
            "WHERE id=?", (size, size, iso_time(now), job_id))

    def begin_get(self, job_id: str, bucket_name: str, key: str, offset: int) -> Ticket:
        now = time.time()
        with self.store.tx() as db:
            bucket = self.catalog.bucket(db, bucket_name)
            job = self._active_job(db, job_id, bucket, "GET")
            entry = self._entry(db, job, key, offset)
            if not entry["received"]:
                raise retry_later(self._retry_after(db, now), "the blob is not in cache yet")
            return Ticket(job_id, bucket, key, entry["object_id"], entry["blob_id"], offset,
                          entry["length"], entry["size"], chunk_id=entry["chunk_id"])

    def finish_get(self, ticket: Ticket) -> None:
        now = time.time()
        with self.store.tx() as db:
            # Marks the entry done once (a repeated GET of the blob changes nothing); no row
            # when the job went away meanwhile.
            marked = db.execute("UPDATE job_blobs SET done=1 WHERE job_id=? AND blob_id=? "
                                "AND done=0", (ticket.job_id, ticket.blob_id)).rowcount
            if marked and ticket.chunk_id is not None:
                release_entry(db, ticket.job_id or "", ticket.chunk_id, ticket.length, now,
                              self.persist_delay_s)
                self._after_release(db, ticket.job_id)

    # --- lifecycle --------------------------------------------------------------------------

    def cancel(self, job_id: str, force: bool) -> list[str]:
        """``force``: cancel (CANCELED); otherwise truncate (drop what is not transferred;
        COMPLETED if anything was). Unfinished objects of a PUT job are removed; a received
        PUT job can still be cancelled until it is persisted (its objects stay: they are
        complete in the cache). Returns data files to remove."""
        with self.store.tx() as db:
            job = self.job(db, job_id)
            if job["status"] != "IN_PROGRESS":
                raise not_found(f"active job {job_id}", f"job/{job_id}")
            return self._end(db, job, force)

    def _end(self, db: sqlite3.Connection, job: Row, force: bool) -> list[str]:
        not_persisted = self.job_objects(db, job["id"], not_persisted_at=time.time()) \
            if self.events is not None else []
        db.execute("UPDATE chunks SET state='CANCELED' WHERE job_id=? AND state IN "
                   "('PENDING','ALLOCATED')", (job["id"],))
        removed: list[str] = []
        if job["request_type"] == "PUT":
            removed = [r[0] for r in db.execute(
                "SELECT DISTINCT o.id FROM job_blobs jb JOIN blobs b ON b.id = jb.blob_id "
                "JOIN objects o ON o.id = b.object_id WHERE jb.job_id=? AND o.complete=0",
                (job["id"],))]
            self.catalog.drop_objects(db, removed)
        anything_done = job["done_bytes"] > 0
        status = "CANCELED" if force or not anything_done else "COMPLETED"
        db.execute("UPDATE jobs SET status=?, truncated=?, finished=? WHERE id=?",
                   (status, int(not force), iso_time(), job["id"]))
        self._emit_finished(db, job["id"], cancelled=True, not_persisted=not_persisted)
        return removed

    def cancel_all(self, force: bool, bucket: str | None, request_type: str | None) -> list[str]:
        with self.store.tx() as db:
            if self.persist_delay_s > 0:
                self.settle(db, time.time())
            sql = "SELECT * FROM jobs WHERE status='IN_PROGRESS'"
            args: list[str] = []
            if bucket:
                sql += " AND bucket_id=?"
                args.append(self.catalog.bucket(db, bucket)["id"])
            if request_type:
                sql += " AND request_type=?"
                args.append(request_type.upper())
            removed: list[str] = []
            for job in db.execute(sql, args).fetchall():
                removed += self._end(db, job, force)
            return removed

    def modify(self, job_id: str, name: str | None, priority: str | None) -> JobView:
        with self.store.tx() as db:
            self.job(db, job_id)
            if name:
                db.execute("UPDATE jobs SET name=? WHERE id=?", (name, job_id))
            if priority:
                db.execute("UPDATE jobs SET priority=? WHERE id=?", (priority.upper(), job_id))
            return self.view(db, job_id)

    def clear(self, status: str) -> None:
        """Forgets finished jobs (``DELETE /_rest_/completed_job``…); their objects stay."""
        with self.store.tx() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM jobs WHERE status=?", (status,))]
            for job_id in ids:
                db.execute("DELETE FROM job_blobs WHERE job_id=?", (job_id,))
                db.execute("DELETE FROM chunks WHERE job_id=?", (job_id,))
                db.execute("DELETE FROM jobs WHERE id=?", (job_id,))
