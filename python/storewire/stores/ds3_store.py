"""The DS3 (BlackPearl) store: ``ds3.Client``; many objects move as one bulk job.

DS3 itself has no copy. A copy inside the store goes to the S3 side of the same endpoint
(BlackPearl and the emulator answer S3 requests signed with the same keys) as one
CopyObject; where that side refuses it, through a local temporary file.

Settings: explicit options, then ``DS3_ENDPOINT``/``DS3_ACCESS_KEY``/``DS3_SECRET_KEY``
(and the common ``STOREWIRE_*`` ones), then the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ds3
from ds3.config import Config
from storewire import errors
from storewire.verbs import ObjectMeta, parse_mtime

from .base import Entry, Store, _found, split_options

if TYPE_CHECKING:
    from storewire.verbs import PathLike

__all__ = ["Ds3Store"]


class Ds3Store(Store[Config]):
    """``ds3://bucket/key``. Options: ``endpoint``, ``access_key``, ``secret_key`` and any
    other :class:`ds3.Client` keyword argument (``proxy``, ``verify_tls``, ``workers``,
    ``checksum``, ...)."""

    scheme = "ds3"

    def __init__(self, **options: Any) -> None:
        config, rest = split_options(Config, options)
        super().__init__(config, rest)
        self.workers = int(rest.get("workers") or max(config.max_in_flight, 8))
        self._s3: Any = None
        self._s3_pid: int | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._s3, self._s3_pid = None, None

    def _connect(self) -> ds3.Client:
        return ds3.Client(config=self.config, **self.client_options)

    def _s3_side(self) -> Any:
        """An ``s3.Client`` on the same endpoint and keys (for CopyObject), or None when
        the settings cannot make one."""
        import s3

        c = self.config
        if not (c.endpoint and c.access_key and c.secret_key):
            return None
        options = c.http_options()
        if "proxy" in self.client_options:
            options["proxy"] = self.client_options["proxy"]
        if "verify_tls" in self.client_options:
            options["verify_tls"] = self.client_options["verify_tls"]
        return s3.Client(c.endpoint, access_key=c.access_key, secret_key=c.secret_key,
                         region="us-east-1", **options)

    def _s3_client(self) -> Any:
        """This process's S3-side client, built on first use (None: cannot be made)."""
        with self._lock:
            if self._s3 is None or self._s3_pid != os.getpid():
                try:
                    self._s3 = self._s3_side()
                except (errors.StorageError, ValueError):
                    self._s3 = None
                self._s3_pid = os.getpid()
            return self._s3

    def close(self) -> None:
        with self._lock:
            if self._s3 is not None and self._s3_pid == os.getpid():
                self._s3.close()
            self._s3 = None
        super().close()

    def copy(self, bucket: str, key: str, dest_bucket: str, dest_key: str) -> None:
        """CopyObject on the endpoint's S3 side; through a local temporary file where
        that is refused (not found and access denied are the answer, not a refusal)."""
        client = self._s3_client()
        if client is not None:
            try:
                client.copy_object(bucket, key, dest_bucket, dest_key)
                return
            except (errors.NotFoundError, errors.PermissionDeniedError):
                raise
            except errors.StorageError:
                pass  # no S3 side, or no CopyObject on it: the copy goes through here
        super().copy(bucket, key, dest_bucket, dest_key)

    def buckets(self) -> list[Entry]:
        return [Entry.directory(b.name, "") for b in self.client.get_service()]

    def make_bucket(self, bucket: str) -> None:
        self.client.put_bucket(bucket)

    def remove_bucket(self, bucket: str) -> None:
        self.client.delete_bucket(bucket)

    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        prefix = f"{key.strip('/')}/" if key.strip("/") else ""
        out: list[Entry] = []
        marker = ""
        seen: set[str] = set()
        while True:
            page = self.client.get_bucket(bucket, prefix=prefix, delimiter="/", marker=marker)
            out.extend(Entry.directory(bucket, p) for p in page.common_prefixes)
            out.extend(Entry.file(bucket, ObjectMeta(c.key, c.size, c.etag.strip('"') or None,
                                                     parse_mtime(c.last_modified)))
                       for c in page.objects if c.key != prefix)
            if not page.is_truncated:
                break
            last = max([c.key for c in page.objects] + list(page.common_prefixes),
                       default="")
            following = page.next_marker or last
            if not following or following in seen:
                raise errors.ProtocolError("the listing gave no new marker to continue from",
                                           operation="ls", resource=bucket)
            seen.add(following)
            marker = following
        return _found(out, bucket, key)

    def info(self, bucket: str, key: str) -> Entry:
        if not key.strip("/"):
            if not self.client.bucket_exists(bucket):
                raise errors.NotFoundError(f"no bucket {bucket!r}", operation="info",
                                           resource=bucket)
            return Entry.directory(bucket, "")
        return super().info(bucket, key)

    def put_file(self, bucket: str, key: str, path: PathLike,
                 progress: Callable[[int], None] | None = None) -> None:
        """One bulk PUT job; ``progress`` hears of each blob as it is stored."""
        report = None if progress is None else (lambda p: progress(int(p.length)))
        self.client.put_files(bucket, [(key, os.fspath(path))], progress=report)

    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        """One bulk GET job (checksums verified)."""
        if files:
            self.client.get_files(bucket, {k: os.fspath(p) for k, p in files.items()})
