"""The seed connector's API (PyPI ``s3`` 0.0.x): ``S3Connection``, ``S3Name``,
``RemoteStore`` and ``RemoteStoreError``, as a thin layer over :class:`s3.Client`.

Behaviour as documented: every ``RemoteStore`` method but ``exists`` logs a failure and
returns ``False`` (``(False, {})`` for ``read``); ``exists`` returns ``(False, {})`` for a
missing key, lets connection errors through and raises ``RemoteStoreError`` for any other
failure. Metadata is the ``x-amz-meta-*`` headers, prefix kept. Unlike the seed, requests
are signed correctly for any endpoint (SigV4 by default), files stream in parallel and
downloads are verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storewire import errors
from storewire.config import Secret
from storewire.log import get_logger

from .client import Client

__all__ = ["RemoteStore", "RemoteStoreError", "S3Connection", "S3Name"]

_log = get_logger("s3")


class RemoteStoreError(errors.StorageError):
    """Raised by :meth:`RemoteStore.exists` for any reply other than 200 or 404.

    ``str()`` is the seed's ``'exists: <error>'``; the structured fields of the underlying
    :class:`storewire.errors.StorageError` are kept."""

    def __str__(self) -> str:
        return self.message


class S3Name:
    """A key, and optionally a bucket other than the connection's default one."""

    def __init__(self, key: str, bucket: str | None = None) -> None:
        self.key = key
        self.bucket = bucket

    def __str__(self) -> str:
        return f"{self.bucket}/{self.key}"

    def __repr__(self) -> str:
        return f"S3Name({self.key!r}, bucket={self.bucket!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, S3Name):
            return NotImplemented
        return (self.key, self.bucket) == (other.key, other.bucket)

    def __hash__(self) -> int:
        return hash((self.key, self.bucket))


class S3Connection:
    """Where and as whom: the seed's arguments, plus storewire's options.

    ``S3Connection(**config['s3'])`` works with the seed's YAML. ``endpoint`` is
    ``host[:port]``; ``tls`` picks https/http. Extras (keyword-only in spirit):
    ``region``, ``signature_version`` ('v4' or 'v2'), ``addressing`` ('path' or
    'virtual'), ``retry`` (the 3.0.0 dict; its ``limit`` becomes ``max_retries``) and any
    :class:`s3.Client` option (``multipart_threshold_bytes``, ``part_size_bytes``,
    ``max_concurrency``, ``timeout_s``, ...).
    """

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        default_bucket: str | None = None,
        endpoint: str = "s3.amazonaws.com",
        tls: bool = True,
        region: str = "us-east-1",
        retry: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        self.access_key_id = Secret(access_key_id)
        self.secret_access_key = Secret(secret_access_key)
        self.default_bucket = default_bucket
        self.endpoint = endpoint
        self.tls = tls
        self.region = region
        if retry and "limit" in retry and "max_retries" not in options:
            options["max_retries"] = int(retry["limit"])
        self.client = Client(
            endpoint,
            access_key=self.access_key_id,
            secret_key=self.secret_access_key,
            region=region,
            tls=tls,
            **options,
        )

    def __repr__(self) -> str:
        return (
            f"S3Connection(endpoint={self.endpoint!r}, tls={self.tls!r}, "
            f"default_bucket={self.default_bucket!r}, region={self.region!r})"
        )

    def resolve(self, remote_name: object) -> tuple[str, str]:
        """``(bucket, key)`` for a key string or an :class:`S3Name`."""
        if isinstance(remote_name, S3Name):
            key, bucket = remote_name.key, remote_name.bucket
        elif isinstance(remote_name, str):
            key, bucket = remote_name, None
        else:
            raise Exception(f"invalid remote_name: {remote_name!r}")
        bucket = bucket or self.default_bucket
        if not bucket:
            raise ValueError(
                "You must specify a bucket in your request or set the default_bucket "
                "for the connection"
            )
        return bucket, key.lstrip("/")


def _log_failure(action: str, resource: str, exc: BaseException) -> None:
    if isinstance(exc, errors.StorageError) and exc.status:
        _log.error("unable to %s %s: %s", action, resource, exc)
    else:
        _log.exception("unable to %s %s: %s", action, resource, exc)


class RemoteStore:
    """The seed connector's file store: boolean results and logged failures."""

    def __init__(self, connection: S3Connection) -> None:
        self.connection = connection
        self.client = connection.client

    def __repr__(self) -> str:
        return f"RemoteStore({self.connection!r})"

    def copy(
        self,
        remote_source: object,
        remote_destination: object,
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        """Server-side copy; metadata from ``headers`` if it has any, else the source's."""
        src_bucket, src_key = self.connection.resolve(remote_source)
        bucket, key = self.connection.resolve(remote_destination)
        try:
            self.client.copy_object(src_bucket, src_key, bucket, key, headers=dict(headers or {}))
        except Exception as exc:
            _log_failure("copy to", f"{bucket}/{key}", exc)
            return False
        return True

    def delete(self, remote_name: object) -> bool:
        bucket, key = self.connection.resolve(remote_name)
        try:
            self.client.delete_object(bucket, key)
        except Exception as exc:
            _log_failure("DELETE", f"{bucket}/{key}", exc)
            return False
        return True

    def exists(self, remote_name: object) -> tuple[bool, dict[str, str]]:
        """``(True, metadata)`` or ``(False, {})``. Connection errors propagate; other
        failures raise :class:`RemoteStoreError`."""
        bucket, key = self.connection.resolve(remote_name)
        try:
            head = self.client.head_object(bucket, key)
        except errors.NotFoundError:
            return False, {}
        except errors.TransportError:
            raise
        except errors.StorageError as exc:
            raise RemoteStoreError(
                f"exists: {exc}",
                status=exc.status,
                code=exc.code,
                operation="exists",
                resource=f"{bucket}/{key}",
                request_id=exc.request_id,
            ) from exc
        return True, head.amz_metadata

    def read(self, remote_name: object, local_name: str) -> tuple[bool, dict[str, str]]:
        """Download to ``local_name`` (replaced only when the whole file arrived intact)."""
        bucket, key = self.connection.resolve(remote_name)
        try:
            head = self.client.download_file(bucket, key, local_name)
        except Exception as exc:
            _log_failure("GET", f"{bucket}/{key}", exc)
            return False, {}
        return True, head.amz_metadata

    def update_metadata(self, remote_name: object, headers: Mapping[str, str]) -> bool:
        """Replace the metadata with the ``x-amz-meta-*`` entries of ``headers``."""
        return self.copy(remote_name, remote_name, headers)

    def write(
        self, local_name: str, remote_name: object, headers: Mapping[str, str] | None = None
    ) -> bool:
        """Upload ``local_name`` (multipart and parallel for large files)."""
        bucket, key = self.connection.resolve(remote_name)
        try:
            self.client.upload_file(local_name, bucket, key, headers=dict(headers or {}))
        except Exception as exc:
            _log_failure("PUT", f"{bucket}/{key}", exc)
            return False
        return True
