"""Persistent namespace: containers, directories, objects/items, stream records.

Metadata lives in one SQLite database (``v3io.sqlite3``). The data of a small object (up
to ``SMALL_OBJECT`` bytes, written in one PUT) lives in that database too (table
``blobs``), which spares a file create, write and rename per PUT; larger or appended data
lives in files named by node id (``objects/<xx>/<id>``), never by a client-supplied path,
so no request can reach outside the data directory whatever its path says. An object's
data is in at most one of the two places. Client paths are split into segments and
``.``/``..``/NUL are refused before any lookup.

One connection is shared by the server threads under ``lock`` (the GIL serialises the work
anyway). Durability is traded for speed: writes go into one long transaction that a
background thread commits every ``COMMIT_INTERVAL_S`` (group commit, ``synchronous=OFF``);
each request runs inside a SAVEPOINT so that a failing request leaves nothing behind. The
database survives a clean stop, which is what ``--data`` promises.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EINVAL, EISDIR, ENOTDIR, V3ioError, bad_request

MAX_NAME_BYTES = 255
COMMIT_INTERVAL_S = 0.1
MAX_CACHED_NODES = 250_000
SMALL_OBJECT = 256 * 1024  # objects up to this size written in one PUT live in SQLite

_COLUMNS = "id, parent, name, is_dir, size, ctime_ns, mtime_ns, atime_ns, attrs, meta"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id INTEGER PRIMARY KEY,
    parent INTEGER NOT NULL,          -- 0 for container roots
    name TEXT NOT NULL,
    is_dir INTEGER NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    ctime_ns INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    atime_ns INTEGER NOT NULL,
    attrs TEXT NOT NULL DEFAULT '{}', -- user attributes, wire-typed JSON
    meta TEXT,                        -- stream dir / shard state (JSON), else NULL
    UNIQUE (parent, name)
);
CREATE TABLE IF NOT EXISTS records (
    shard INTEGER NOT NULL,           -- node id of the shard object
    seq INTEGER NOT NULL,
    arrival_ns INTEGER NOT NULL,
    partition_key TEXT,
    client_info BLOB,
    data BLOB NOT NULL,
    PRIMARY KEY (shard, seq)
);
CREATE INDEX IF NOT EXISTS records_by_time ON records (shard, arrival_ns);
CREATE TABLE IF NOT EXISTS blobs (
    id INTEGER PRIMARY KEY,           -- node id of a small object
    data BLOB NOT NULL
);
"""


class Clock:
    """Server time; tests move it forward to expire stream records without waiting."""

    def __init__(self) -> None:
        self.offset_ns = 0

    def now_ns(self) -> int:
        return time.time_ns() + self.offset_ns


@dataclass(slots=True)
class Node:
    id: int
    parent: int
    name: str
    is_dir: int
    size: int
    ctime_ns: int
    mtime_ns: int
    atime_ns: int
    attrs: str
    meta: str | None


def split_path(path: str) -> list[str]:
    """Segments of a container-relative path; empty segments (``a//b``, edges) are dropped."""
    parts = [p for p in path.split("/") if p]
    for part in parts:
        if part in (".", ".."):
            raise bad_request(f"invalid path segment '{part}' in '{path}'")
        if "\x00" in part:
            raise bad_request("invalid NUL character in path")
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise bad_request(f"path segment longer than {MAX_NAME_BYTES} bytes")
    return parts


class Store:
    def __init__(self, root: Path, clock: Clock) -> None:
        self.root = root
        self.clock = clock
        self.lock = threading.RLock()
        root.mkdir(parents=True, exist_ok=True)
        (root / "objects").mkdir(exist_ok=True)
        self._objects_dir = os.fspath(root / "objects")
        (root / "tmp").mkdir(exist_ok=True)
        self._db = sqlite3.connect(
            root / "v3io.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA temp_store=MEMORY")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: big tables stay in memory
        self._db.executescript(_SCHEMA)
        self._depth = 0
        self._savepoint = False  # a SAVEPOINT is open for the current transaction
        self._atomic = True
        # (parent id, name) -> Node, write-through: reads of hot items need no SQL (every
        # SQLite call releases the GIL, which costs a thread switch under concurrency)
        self._nodes: dict[tuple[int, str], Node] = {}
        # directories whose children are all in _nodes (made by this process): a miss there
        # means "absent" without asking SQLite, which makes inserting new items cheap
        self._complete: set[int] = set()
        # (container root id, "a/b") -> directory id; cleared whenever a directory goes away
        self._dirs: dict[tuple[int, str], int] = {}
        self._containers: dict[str, Node] = {}  # containers are never deleted
        self._clean_tmp()
        self._closing = threading.Event()
        self._committer = threading.Thread(
            target=self._commit_loop, name="v3io-store-commit", daemon=True
        )
        self._committer.start()

    def close(self) -> None:
        self._closing.set()
        self._committer.join()
        with self.lock:
            self.commit()
            self._db.close()

    def commit(self) -> None:
        with self.lock:
            if self._depth == 0 and self._db.in_transaction:
                self._db.execute("COMMIT")

    def _commit_loop(self) -> None:
        while not self._closing.wait(COMMIT_INTERVAL_S):
            self.commit()

    def _clean_tmp(self) -> None:
        for leftover in (self.root / "tmp").iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()

    # low level

    @contextlib.contextmanager
    def transaction(self, *, atomic: bool = True) -> Iterator[None]:
        """One unit of work under the lock; nests. ``atomic`` work is all or nothing: its
        SAVEPOINT is opened by the first write, so read-only or early-failing work is free.
        Work whose only writes are a final single statement (and mkdir -p) needs none."""
        with self.lock:
            outermost = self._depth == 0
            if outermost and len(self._nodes) > MAX_CACHED_NODES:
                self._forget()  # only here: no request holds cached nodes now
            self._depth += 1
            saved_atomic = self._atomic
            if outermost:
                self._atomic = atomic
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._atomic = saved_atomic
                if outermost and self._savepoint:
                    self._savepoint = False
                    self._db.execute("ROLLBACK TO request")
                    self._db.execute("RELEASE request")
                    self._forget()  # the caches may hold rows that were rolled back
                raise
            self._depth -= 1
            self._atomic = saved_atomic
            if outermost and self._savepoint:
                self._savepoint = False
                self._db.execute("RELEASE request")

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run a write statement (inside the request's SAVEPOINT when in a transaction)."""
        with self.lock:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            if self._depth and self._atomic and not self._savepoint:
                self._db.execute("SAVEPOINT request")
                self._savepoint = True
            return self._db.execute(sql, args)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """:meth:`execute` for many rows in one call (a PutRecords' records)."""
        with self.lock:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            if self._depth and self._atomic and not self._savepoint:
                self._db.execute("SAVEPOINT request")
                self._savepoint = True
            self._db.executemany(sql, rows)

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    def now(self) -> int:
        return self.clock.now_ns()

    # containers

    def ensure_container(self, name: str) -> Node:
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"invalid container name {name!r}")
        with self.transaction():
            node = self.child(0, name)
            return node or self.insert(0, name, is_dir=True)

    def containers(self) -> list[Node]:
        rows = self.query(f"SELECT {_COLUMNS} FROM nodes WHERE parent = 0 ORDER BY id")
        return [Node(*row) for row in rows]

    def container(self, name: str) -> Node | None:
        node = self._containers.get(name)
        if node is not None:
            return node
        node = self.child(0, name)
        if node is None and name.isdigit():  # containers may be addressed by numeric id
            rows = self.query(f"SELECT {_COLUMNS} FROM nodes WHERE parent = 0 AND id = ?", (name,))
            node = Node(*rows[0]) if rows else None
        if node is not None:
            self._containers[name] = node
        return node

    # namespace

    def _forget(self) -> None:
        self._nodes.clear()
        self._complete.clear()
        self._dirs.clear()

    def child(self, parent: int, name: str) -> Node | None:
        key = (parent, name)
        with self.lock:
            node = self._nodes.get(key)
            if node is None:
                if parent in self._complete:
                    return None
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM nodes WHERE parent = ? AND name = ?", key
                ).fetchall()
                if not rows:
                    return None
                node = self._nodes[key] = Node(*rows[0])
            return node

    def lookup(self, root: Node, parts: list[str]) -> Node | None:
        """The node at ``parts`` below a container root, or None."""
        if not parts:
            return root
        parent = self.lookup_dir(root, parts[:-1])
        return None if parent is None else self.child(parent, parts[-1])

    def lookup_dir(self, root: Node, parts: list[str]) -> int | None:
        """The id of the directory at ``parts``; None if missing or not a directory."""
        if not parts:
            return root.id
        key = (root.id, "/".join(parts))
        with self.lock:
            cached = self._dirs.get(key)
            if cached is not None:
                return cached
            current = root.id
            for part in parts:
                node = self.child(current, part)
                if node is None or not node.is_dir:
                    return None
                current = node.id
            self._dirs[key] = current
            return current

    def make_dirs(self, root: Node, parts: list[str]) -> int:
        """Create missing directories along ``parts`` (mkdir -p); the last one's id."""
        found = self.lookup_dir(root, parts)
        if found is not None:
            return found
        with self.transaction():
            current = root.id
            for i, part in enumerate(parts):
                node = self.child(current, part)
                if node is None:
                    node = self.insert(current, part, is_dir=True)
                elif not node.is_dir:
                    where = "/".join(parts[: i + 1])
                    raise V3ioError(400, ENOTDIR, f"Not a directory: {where}")
                current = node.id
            self._dirs[(root.id, "/".join(parts))] = current
            return current

    def insert(
        self,
        parent: int,
        name: str,
        *,
        is_dir: bool,
        attrs: str = "{}",
        size: int = 0,
        meta: str | None = None,
    ) -> Node:
        now = self.now()
        cursor = self.execute(
            "INSERT INTO nodes (parent, name, is_dir, size, ctime_ns, mtime_ns, atime_ns,"
            " attrs, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (parent, name, int(is_dir), size, now, now, now, attrs, meta),
        )
        node_id = cursor.lastrowid
        assert node_id is not None
        node = Node(node_id, parent, name, int(is_dir), size, now, now, now, attrs, meta)
        self._nodes[(parent, name)] = node
        if is_dir:
            self._complete.add(node_id)  # new and empty: every child will pass through here
        return node

    def touch(self, node: Node, **fields: Any) -> None:
        """Update columns of a node and bump its mtime (strictly increasing, so that the
        ``__mtime_secs==S and __mtime_nsecs==N`` optimistic lock always sees a change)."""
        node.mtime_ns = max(self.now(), node.mtime_ns + 1)
        fields["mtime_ns"] = node.mtime_ns
        for key, value in fields.items():
            setattr(node, key, value)
        assignments = ", ".join(f"{key} = ?" for key in fields)
        self.execute(f"UPDATE nodes SET {assignments} WHERE id = ?", (*fields.values(), node.id))

    def children(
        self,
        parent: int,
        *,
        after: str | None = None,
        start: str | None = None,
        limit: int = 1000,
        dirs_only: bool = False,
        below: str | None = None,
        files_only: bool = False,
    ) -> list[Node]:
        """Children ordered by name: after ``after``, from ``start`` on, before ``below``."""
        sql, args = self._children_sql(
            _COLUMNS, parent, after, start, limit, dirs_only, below, files_only
        )
        with self.lock:
            rows = self._db.execute(sql, args).fetchall()
            cached = self._nodes.get
            # cached instances where they exist, so that a later touch() keeps them current
            return [cached((row[1], row[2])) or Node(*row) for row in rows]

    def file_attrs(
        self,
        parent: int,
        *,
        after: str | None = None,
        start: str | None = None,
        limit: int = 1000,
        below: str | None = None,
    ) -> list[tuple[str, str]]:
        """(name, attrs) of the files among :meth:`children` (what a plain scan needs)."""
        sql, args = self._children_sql(
            "name, attrs", parent, after, start, limit, False, below, True
        )
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    @staticmethod
    def _children_sql(
        columns: str,
        parent: int,
        after: str | None,
        start: str | None,
        limit: int,
        dirs_only: bool,
        below: str | None,
        files_only: bool,
    ) -> tuple[str, list[Any]]:
        sql = f"SELECT {columns} FROM nodes WHERE parent = ?"
        args: list[Any] = [parent]
        if after is not None:
            sql += " AND name > ?"
            args.append(after)
        if start is not None:
            sql += " AND name >= ?"
            args.append(start)
        if below is not None:
            sql += " AND name < ?"
            args.append(below)
        if dirs_only:
            sql += " AND is_dir = 1"
        elif files_only:
            sql += " AND is_dir = 0"
        sql += " ORDER BY name LIMIT ?"
        args.append(limit)
        return sql, args

    def has_children(self, node_id: int) -> bool:
        return bool(self.query("SELECT 1 FROM nodes WHERE parent = ? LIMIT 1", (node_id,)))

    def delete(self, node: Node) -> None:
        """Remove a file, or an empty directory (callers check emptiness)."""
        with self.transaction():
            self.execute("DELETE FROM nodes WHERE id = ?", (node.id,))
            self.execute("DELETE FROM records WHERE shard = ?", (node.id,))
            if not node.is_dir:
                self.execute("DELETE FROM blobs WHERE id = ?", (node.id,))
            self._nodes.pop((node.parent, node.name), None)
            if node.is_dir:
                self._dirs.clear()
                self._complete.discard(node.id)
        with contextlib.suppress(FileNotFoundError):
            self.data_path(node.id).unlink()

    def require_file(self, node: Node, what: str) -> None:
        if node.is_dir:
            raise V3ioError(400, EISDIR, f"Is a directory: {what}")

    # object data

    def data_path(self, node_id: int) -> Path:
        return self.root / "objects" / f"{node_id % 256:02x}" / str(node_id)

    def data_file(self, node_id: int) -> str:
        """:meth:`data_path` as a string, without pathlib's cost (hot paths)."""
        return f"{self._objects_dir}/{node_id % 256:02x}/{node_id}"

    def temp_file(self) -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="put-")
        return fd, Path(name)

    def install_data(self, node_id: int, temp: Path) -> None:
        """Atomically make ``temp`` the data of a node (readers keep the old inode)."""
        target = self.data_path(node_id)
        target.parent.mkdir(exist_ok=True)
        os.replace(temp, target)
        self.execute("DELETE FROM blobs WHERE id = ?", (node_id,))

    def write_blob(self, node_id: int, data: bytes, *, new: bool) -> None:
        """Make ``data`` the whole data of a node, stored in SQLite (``new``: the node was
        just created, so it has no data file to remove)."""
        self.execute("INSERT OR REPLACE INTO blobs (id, data) VALUES (?, ?)", (node_id, data))
        if not new:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.data_file(node_id))

    def read_blob(self, node_id: int) -> bytes | None:
        """The data of a node kept in SQLite, or None (its data is in a file, if any)."""
        with self.lock:
            row = self._db.execute("SELECT data FROM blobs WHERE id = ?", (node_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def blob_to_file(self, node_id: int) -> None:
        """Move a node's data from SQLite to its file (before appending to it)."""
        data = self.read_blob(node_id)
        if data is None:
            return
        target = self.data_path(node_id)
        target.parent.mkdir(exist_ok=True)
        fd, temp = self.temp_file()
        with os.fdopen(fd, "wb") as sink:
            sink.write(data)
        os.replace(temp, target)
        self.execute("DELETE FROM blobs WHERE id = ?", (node_id,))

    def check_name(self, name: str) -> None:
        if not name:
            raise V3ioError(400, EINVAL, "empty object name")
