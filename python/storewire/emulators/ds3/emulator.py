"""DS3Emulator: the public face of the DS3 (BlackPearl) emulator."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from ...log import get_logger
from .catalog import Catalog
from .context import Context, UserDirectory
from .defaults import seed
from .entities import data_policy_defaults
from .faults import FaultInjector, Faults
from .jobs import DEFAULT_MAX_BLOB_BYTES, JobManager
from .notifications import Notifier
from .server import DS3HTTPServer
from .store import Store
from .users import DEFAULT_ACCESS_ID, DEFAULT_USER_NAME, User, UserSpec, coerce_users, new_secret

log = get_logger("storewire.emulators.ds3")  # with the redacting filter

_VERSIONING = ("NONE", "KEEP_LATEST", "KEEP_MULTIPLE_VERSIONS")


class DS3Emulator:
    """A local DS3 (Spectra BlackPearl) server that also serves the plain S3 subset.

    ``data_dir``: where metadata (SQLite) and object files live; None means a temporary
    directory removed by :meth:`stop`. ``users``: ``User``s, ``(access_id, secret[, name])``
    tuples or mappings; the first is the default user (:attr:`access_key`,
    :attr:`secret_key`). Without users, one user ``spectra`` with access id
    ``c3BlY3RyYQ==`` and a random secret (kept in a persistent data dir) is created.
    ``cache_size_bytes``: the cache that PUT chunks must fit in (None: unlimited).
    ``faults``: :class:`Faults` or a mapping; None reads ``STOREWIRE_DS3_FAULTS``.

    Keyword-only tuning: ``persist_delay_s`` (how long a completed chunk keeps its cache
    space, standing for the tape write), ``retry_after_s`` (the Retry-After the server
    answers when nothing frees sooner), ``max_blob_bytes`` (default 64 GiB, the DS3
    default blob size), ``versioning`` (the default data policy's: NONE as on a real
    BlackPearl, or KEEP_LATEST for S3-style overwrites), ``s3_buckets`` (every new bucket
    without a data policy of its own gets the S3-style policy, as buckets made by
    SigV4-signed S3 tools always do: PUT over an existing key replaces it).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | os.PathLike[str] | None = None,
        users: Iterable[UserSpec] | None = None,
        cache_size_bytes: int | None = None,
        faults: Faults | Mapping[str, object] | None = None,
        *,
        persist_delay_s: float = 0.0,
        retry_after_s: int = 1,
        max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES,
        versioning: str | None = None,
        s3_buckets: bool = False,
    ) -> None:
        if cache_size_bytes is not None and cache_size_bytes <= 0:
            raise ValueError("cache_size_bytes must be positive (or None for unlimited)")
        if versioning is not None and versioning.upper() not in _VERSIONING:
            raise ValueError(f"versioning must be one of {_VERSIONING}")
        self.host = host
        self._requested_port = port
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._users = coerce_users(users)
        self.cache_size_bytes = cache_size_bytes
        self._persist_delay_s = persist_delay_s
        self._retry_after_s = max(1, retry_after_s)
        self._max_blob_bytes = max_blob_bytes
        self._versioning = versioning.upper() if versioning else None
        self._s3_buckets = s3_buckets
        if faults is None:
            faults = Faults.from_env()
        elif not isinstance(faults, Faults):
            faults = Faults.from_mapping(faults)
        self._faults = FaultInjector(faults)
        self._temp_dir: str | None = None
        self._store: Store | None = None
        self._server: DS3HTTPServer | None = None
        self._default_user: User | None = None
        self._notifier: Notifier | None = None
        self.context: Context | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> DS3Emulator:
        if self._server is not None:
            return self
        if self._data_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="storewire-ds3-")
            data_dir = Path(self._temp_dir)
        else:
            data_dir = self._data_dir
            data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._store = store = Store(data_dir)
            policy_id = self._default_policy(store)
            users = UserDirectory(store)
            self._default_user = self._setup_users(store, users, policy_id)
            seed(store, policy_id, self._default_user.id)
            catalog = Catalog(store, policy_id, self._persist_delay_s)
            catalog.s3_buckets = self._s3_buckets
            jobs = JobManager(store, catalog, cache_size_bytes=self.cache_size_bytes,
                              persist_delay_s=self._persist_delay_s,
                              retry_after_s=self._retry_after_s,
                              max_blob_bytes=self._max_blob_bytes)
            self.context = Context(
                store=store, catalog=catalog, jobs=jobs, users=users, faults=self._faults,
                node_id=self._persistent_id(store, "node_id"),
                instance_id=self._persistent_id(store, "instance_id"),
                serial_number=self._persistent_id(store, "serial_number")[:8].upper(),
            )
            self._server = DS3HTTPServer((self.host, self._requested_port), self.context)
        except BaseException:
            self._cleanup()
            raise
        self._notifier = Notifier(store, jobs)
        self._notifier.start()
        self._server.start()
        log.info("DS3 emulator listening on %s (data in %s)", self.endpoint, data_dir)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._cleanup()

    @property
    def notifier(self) -> Notifier:
        """Notification delivery counters (``delivered``, ``failed``, ``dropped``)."""
        if self._notifier is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self._notifier

    def _cleanup(self) -> None:
        if self._notifier is not None:
            self._notifier.stop()
            self._notifier = None
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> DS3Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- setup helpers --------------------------------------------------------------------

    @staticmethod
    def _persistent_id(store: Store, key: str) -> str:
        value = store.get_meta(key)
        if value is None:
            value = str(uuid.uuid4())
            store.set_meta(key, value)
        return value

    def _default_policy(self, store: Store) -> str:
        policy_id = store.get_meta("default_data_policy_id")
        fields = store.entity("data_policy", policy_id) if policy_id else None
        if fields is None:
            fields = data_policy_defaults()
            fields.update(Id=str(uuid.uuid4()), Name="default",
                          DefaultBlobSize=self._max_blob_bytes)
            store.set_meta("default_data_policy_id", fields["Id"])
        if self._versioning:
            fields["Versioning"] = self._versioning
        store.put_entity("data_policy", fields)
        return str(fields["Id"])

    def _setup_users(self, store: Store, users: UserDirectory, policy_id: str) -> User:
        configured = list(self._users)
        if not configured:
            secret = store.get_meta("default_secret") or new_secret()
            store.set_meta("default_secret", secret)
            configured = [User(DEFAULT_ACCESS_ID, secret, DEFAULT_USER_NAME)]
        for user in configured:
            users.add(user, policy_id)
        return configured[0]

    # --- public properties -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT``, no trailing slash (the C SDK appends paths verbatim)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def access_key(self) -> str:
        return self._user().access_id

    @property
    def secret_key(self) -> str:
        return self._user().secret_key

    @property
    def data_dir(self) -> Path | None:
        """Where the data lives while running (the temporary directory if none was given)."""
        if self._temp_dir is not None:
            return Path(self._temp_dir)
        return self._data_dir

    def _user(self) -> User:
        if self._default_user is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self._default_user

    @property
    def faults(self) -> Faults:
        return self._faults.faults

    def set_faults(
        self, faults: Faults | Mapping[str, object] | None = None, **values: object
    ) -> None:
        """Replace the fault knobs: ``set_faults(error_rate=0.2)``; ``set_faults()`` = off."""
        if isinstance(faults, Faults):
            self._faults.set(faults)
        else:
            self._faults.set(Faults.from_mapping({**(faults or {}), **values}))

    def add_user(self, access_id: str, secret_key: str, name: str = "") -> User:
        """Adds (or updates) a user while running."""
        if self.context is None or self._store is None:
            raise RuntimeError("the emulator is not running; call start()")
        user = User(access_id, secret_key, name)
        policy = self._store.get_meta("default_data_policy_id")
        self.context.users.add(user, policy)
        return user

    def env(self) -> dict[str, str]:
        """The variables DS3 clients read (``createClientFromEnv``)."""
        return {"DS3_ENDPOINT": self.endpoint, "DS3_ACCESS_KEY": self.access_key,
                "DS3_SECRET_KEY": self.secret_key}
