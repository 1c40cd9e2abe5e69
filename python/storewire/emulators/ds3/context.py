"""What every request handler needs: the store, catalog, jobs, users and fault knobs."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from .catalog import Catalog
from .clock import Clock
from .faults import FaultInjector
from .jobs import JobManager
from .store import Store
from .users import User


class UserDirectory:
    """Users by access id, backed by the ``users`` table (so API-created users persist)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._by_access: dict[str, User] = {}
        self.reload()

    def reload(self) -> None:
        with self._store.tx() as db:
            rows = db.execute("SELECT * FROM users").fetchall()
        with self._lock:
            self._by_access = {
                r["access_id"]: User(r["access_id"], r["secret"], r["name"], r["id"]) for r in rows
            }

    def add(self, user: User, data_policy_id: str | None = None) -> None:
        """Insert or update (by name); the id stays the one derived from the name."""
        with self._store.tx() as db:
            db.execute("DELETE FROM users WHERE (access_id=? OR name=?) AND id<>?",
                       (user.access_id, user.name, user.id))
            db.execute(
                "INSERT INTO users(id, name, access_id, secret, data_policy_id) VALUES(?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET name=excluded.name, access_id=excluded.access_id, "
                "secret=excluded.secret",
                (user.id, user.name, user.access_id, user.secret_key, data_policy_id),
            )
        self.reload()

    def remove(self, user_id: str) -> None:
        with self._store.tx() as db:
            db.execute("DELETE FROM users WHERE id=?", (user_id,))
        self.reload()

    def by_access_id(self, access_id: str) -> User | None:
        return self._by_access.get(access_id)

    def by_id(self, user_id: str) -> User | None:
        for user in self._by_access.values():
            if user.id == user_id or user.name == user_id:
                return user
        return None

    def all(self) -> list[User]:
        return sorted(self._by_access.values(), key=lambda u: u.name)


@dataclass
class Context:
    store: Store
    catalog: Catalog
    jobs: JobManager
    users: UserDirectory
    faults: FaultInjector
    node_id: str
    instance_id: str
    serial_number: str
    clock: Clock = field(default_factory=Clock)  # request times and presigned expiry
    _request_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_request_id(self) -> str:
        return str(next(self._request_ids))  # itertools.count is atomic under the GIL

    def remove_files(self, object_ids: list[str]) -> None:
        """Deletes data files after the transaction that dropped their objects committed."""
        if object_ids:
            self.store.remove_files(object_ids)
