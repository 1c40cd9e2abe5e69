"""The modern DS3 client: snake_case calls over the native core, plus whole-job helpers.

    import ds3

    with ds3.Client("http://127.0.0.1:8080", access_key, secret_key) as client:
        client.put_bucket("books")
        result = client.put_files("books", ["beowulf.txt", "ulysses.txt"], workers=8)
        client.get_files("books", ["beowulf.txt"], dest_dir="downloads")

Every request is signed (DS3 SigV2) and runs in the native HTTP engine with the GIL
released. Errors are the :mod:`storewire.errors` classes: a missing bucket or object is a
``NotFoundError`` (a ``FileNotFoundError``), a bad key a ``PermissionDeniedError`` (a
``PermissionError``), a non-empty bucket a ``ConflictError``; each carries ``status``,
``code`` (the server's) and ``message``.

``put_files`` / ``get_files`` run a whole bulk job in the native engine: they start the job,
poll the ready chunks honouring ``Retry-After``, move blobs in parallel straight between
file ranges and the server (no Python ``bytes``), send CRC32C (or MD5) checksums and verify
those the server sends, report progress, and resume an interrupted job given its id.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Union

from storewire._native import ds3 as _native
from storewire.config import Secret, require, resolve
from storewire.verbs import deprecated as _deprecated

from .config import Config
from .verbs import Verbs

if TYPE_CHECKING:
    from typing_extensions import Buffer

Allocation = _native.Allocation
Bucket = _native.Bucket
BulkObject = _native.BulkObject
BulkProgress = _native.BulkProgress
BulkResult = _native.BulkResult
BulkTransfer = _native.BulkTransfer
Chunk = _native.Chunk
ChunksReady = _native.ChunksReady
Contents = _native.Contents
DeleteResult = _native.DeleteResult
Job = _native.Job
ListBucketResult = _native.ListBucketResult
ObjectInfo = _native.ObjectInfo
PhysicalPlacement = _native.PhysicalPlacement
SearchObject = _native.SearchObject
SystemHealth = _native.SystemHealth
SystemInformation = _native.SystemInformation

PathLike = Union[str, "os.PathLike[str]"]
Metadata = Mapping[str, str | Sequence[str]]
ProgressCallback = Callable[[BulkProgress], object]
# A local file, or memory (PUT: any contiguous buffer; GET: a writable one, e.g. bytearray).
Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]

__all__ = ["BULK_DEFAULTS", "Client", "metadata_dict"]

#: The bulk engine's defaults (workers, checksum, verify, blob_retries, ...), declared once
#: in C++ (``BulkOptions`` in ``cpp/ds3/bulk.h``); an argument of None means these.
BULK_DEFAULTS: Mapping[str, Any] = MappingProxyType(_native.bulk_defaults())


def metadata_dict(info: ObjectInfo) -> dict[str, list[str]]:
    """The ``x-amz-meta-*`` headers of a HEAD/GET answer as ``{name: [values]}``."""
    out: dict[str, list[str]] = {}
    for name, value in info.metadata:
        out.setdefault(name, []).extend(value.split(","))
    return out


def _metadata_pairs(metadata: Metadata | None) -> list[tuple[str, str]]:
    if not metadata:
        return []
    pairs = []
    for name, value in metadata.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        pairs.append((str(name), str(value)))
    return pairs


def _local(target: Source) -> str | Buffer:
    """A path (str / os.PathLike) as str; anything else is passed on as a buffer."""
    if isinstance(target, (str, os.PathLike)):
        return os.fspath(target)
    return target


def _put_pairs(files: Mapping[str, Source] | Iterable[PathLike | tuple[str, Source]]
               ) -> list[tuple[str, str | Buffer]]:
    if isinstance(files, Mapping):
        return [(str(k), _local(v)) for k, v in files.items()]
    out: list[tuple[str, str | Buffer]] = []
    for item in files:
        if isinstance(item, tuple):
            name, target = item
            out.append((str(name), _local(target)))
        else:
            path = os.fspath(item)
            out.append((os.path.basename(path), path))
    return out


def _get_pairs(files: Mapping[str, Source] | Iterable[str | tuple[str, Source]],
               dest_dir: PathLike | None) -> list[tuple[str, str | Buffer]]:
    base = Path(dest_dir) if dest_dir is not None else Path.cwd()
    pairs: list[tuple[str, str | Buffer]] = []
    if isinstance(files, Mapping):
        pairs = [(str(k), _local(v)) for k, v in files.items()]
    else:
        for item in files:
            if isinstance(item, tuple):
                pairs.append((str(item[0]), _local(item[1])))
            else:
                target = (base / str(item)).resolve()
                if not target.is_relative_to(base.resolve()):
                    raise ValueError(f"object name {item!r} would land outside {base}; "
                                     "pass (name, path) pairs for such names")
                pairs.append((str(item), os.fspath(target)))
    for _, local in pairs:
        parent = os.path.dirname(local) if isinstance(local, str) else ""
        if parent:
            os.makedirs(parent, exist_ok=True)
    return pairs


# Truncated pages without an object that list_objects accepts in a row before it decides
# the server is not making progress.
DEFAULT_MAX_EMPTY_PAGES = 100


def _check_next_marker(bucket: str, marker: str, following: str, seen: set[str],
                       empty_pages: int, max_empty_pages: int | None) -> None:
    """A listing page's continuation must move on, or the listing would never end."""
    from storewire.errors import ProtocolError

    def fail(why: str) -> ProtocolError:
        return ProtocolError(why, code="ds3-answer", operation="list_objects", resource=bucket)

    if not following:
        raise fail("the server sent IsTruncated = true with no NextMarker and no object "
                   "to continue from")
    if following == marker or following in seen:
        raise fail(f"the server sent NextMarker = {following!r} again: the listing would "
                   "never end")
    if max_empty_pages is not None and empty_pages > max_empty_pages:
        raise fail(f"the server sent {empty_pages} truncated pages in a row without an object "
                   f"(max_empty_pages={max_empty_pages})")


def _object_buffer(name: str, size: int) -> bytearray:
    """Memory for a whole object, sized by what the server said in HEAD."""
    from storewire.errors import LocalIOError

    try:
        return bytearray(size)
    except (MemoryError, OverflowError) as exc:
        raise LocalIOError(f"object {name!r} is {size} bytes (HEAD): more than this process "
                           "can hold in memory; use get_files to write it to a file",
                           operation="get_bytes", resource=name) from exc


class Client(Verbs):
    """A DS3 (Spectra BlackPearl) client.

    ``endpoint`` is ``http[s]://host:port`` (a bare ``host:port`` means http).
    ``proxy``: a proxy URL; None uses ``http_proxy``/``https_proxy`` from the environment,
    ``""`` disables proxies. ``workers`` and ``checksum`` are the defaults of the bulk
    helpers (``checksum``: ``"crc32c"``, ``"md5"``, ``"crc32"``, ``"sha256"``,
    ``"sha512"`` or ``"none"``); None means the native default (:data:`BULK_DEFAULTS`).

    Settings come from the arguments, then ``config`` (a :class:`ds3.config.Config`, by
    default read from ``DS3_ENDPOINT``, ``DS3_ACCESS_KEY``, ``DS3_SECRET_KEY`` and the
    ``STOREWIRE_*`` variables), then the native engine's defaults. An argument of None
    means "not given".
    """

    def __init__(
        self,
        endpoint: str | None = None,
        access_key: str | Secret | None = None,
        secret_key: str | Secret | None = None,
        *,
        proxy: str | None = None,
        verify_tls: bool | None = None,
        ca_file: PathLike | None = None,
        connect_timeout_s: float | None = None,
        timeout_s: float | None = None,
        max_retries: int | None = None,
        retry_max_delay_s: float | None = None,
        workers: int | None = None,
        checksum: str | None = None,
        config: Config | None = None,
    ) -> None:
        cfg = resolve(
            Config, config, endpoint=endpoint, access_key=access_key, secret_key=secret_key,
            proxy=proxy, verify_tls=verify_tls, ca_file=os.fspath(ca_file) if ca_file else None,
            connect_timeout_s=connect_timeout_s, timeout_s=timeout_s, max_retries=max_retries,
            retry_max_delay_s=retry_max_delay_s,
        )
        require(cfg, "endpoint", "access_key", "secret_key")
        assert cfg.endpoint and cfg.access_key and cfg.secret_key  # checked just above
        self.config = cfg
        self.workers: int = BULK_DEFAULTS["workers"] if workers is None else workers
        self.checksum: str = BULK_DEFAULTS["checksum"] if checksum is None else checksum
        options = cfg.http_options()
        # A bulk job keeps every worker busy: never fewer requests in flight than workers.
        options["max_in_flight"] = max(cfg.max_in_flight, self.workers)
        self._native = _native.Client(
            cfg.endpoint, cfg.access_key.reveal(), cfg.secret_key.reveal(), **options
        )

    @property
    def endpoint(self) -> str:
        return self._native.endpoint

    @property
    def native(self) -> _native.Client:
        """The underlying ``storewire._native.ds3.Client``."""
        return self._native

    def close(self) -> None:
        self._native.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- buckets ----------------------------------------------------------------------

    def get_service(self) -> list[Bucket]:
        """The caller's buckets."""
        return self._native.get_service().buckets

    def put_bucket(self, bucket: str) -> None:
        self._native.put_bucket(bucket)

    def head_bucket(self, bucket: str) -> None:
        """Raises NotFoundError / PermissionDeniedError; returns None when it exists."""
        self._native.head_bucket(bucket)

    def bucket_exists(self, bucket: str) -> bool:
        from storewire.errors import NotFoundError

        try:
            self._native.head_bucket(bucket)
        except NotFoundError:
            return False
        return True

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        """Delete an empty bucket; ``force`` deletes its objects too (Spectra delete)."""
        self._native.delete_bucket(bucket, force)

    def get_bucket(
        self, bucket: str, *, prefix: str | None = None, delimiter: str | None = None,
        marker: str | None = None, max_keys: int | None = None,
    ) -> ListBucketResult:
        """One page of the listing (``next_marker`` continues it)."""
        return self._native.get_bucket(bucket, prefix or "", delimiter or "", marker or "",
                                       max_keys)

    def list_objects(
        self, bucket: str, *, prefix: str | None = None, page_size: int | None = None,
        max_empty_pages: int | None = DEFAULT_MAX_EMPTY_PAGES,
    ) -> Iterator[Contents]:
        """Every object under ``prefix``, following the pages.

        A listing always ends: a server that sends a marker it already sent (``NextMarker``
        repeating, or the marker it was asked for) raises ``ProtocolError``, and so does a
        truncated page that gives nothing to continue from, or more than
        ``max_empty_pages`` truncated pages in a row without an object (``None``: no cap).
        """
        from storewire.errors import InvalidRequestError

        if max_empty_pages is not None and max_empty_pages < 1:
            raise InvalidRequestError("max_empty_pages must be >= 1 (None: no cap)")
        marker = ""
        seen: set[str] = set()
        empty_pages = 0
        while True:
            page = self._native.get_bucket(bucket, prefix or "", "", marker, page_size)
            yield from page.objects
            if not page.is_truncated:
                return
            empty_pages = 0 if page.objects else empty_pages + 1
            following = page.next_marker or (page.objects[-1].key if page.objects else "")
            _check_next_marker(bucket, marker, following, seen, empty_pages, max_empty_pages)
            seen.add(marker)
            marker = following

    # ---- objects ----------------------------------------------------------------------

    def put_object(
        self, bucket: str, key: str, data: bytes | bytearray | memoryview | None = None, *,
        file: PathLike | None = None, file_offset: int = 0, length: int | None = None,
        job: str | None = None, offset: int | None = None, metadata: Metadata | None = None,
        checksum: str | None = None,
    ) -> None:
        """PUT a buffer or a file range (``file``, ``file_offset``, ``length``); inside a
        bulk job give ``job`` and the blob's ``offset``. ``checksum`` names the checksum
        header to compute and send."""
        self._native.put_object(
            bucket, key, data=data, file=file, file_offset=file_offset, length=length,
            job=job or "", offset=offset, metadata=_metadata_pairs(metadata),
            checksum=checksum or "")

    def get_object(
        self, bucket: str, key: str, *, job: str | None = None, offset: int | None = None,
        range: str | None = None, into: bytearray | memoryview | None = None,
        into_file: PathLike | None = None, into_offset: int = 0,
    ) -> ObjectInfo:
        """GET into memory (``.body``), a caller's buffer or a file at ``into_offset``."""
        return self._native.get_object(bucket, key, job=job or "", offset=offset,
                                       range=range or "", into=into, into_file=into_file,
                                       into_offset=into_offset)

    def head_object(self, bucket: str, key: str) -> ObjectInfo:
        return self._native.head_object(bucket, key)

    def get_metadata(self, bucket: str, key: str) -> dict[str, list[str]]:
        return metadata_dict(self._native.head_object(bucket, key))

    def delete_object(self, bucket: str, key: str) -> None:
        self._native.delete_object(bucket, key)

    def delete_objects(self, bucket: str, keys: Iterable[str]) -> DeleteResult:
        return self._native.delete_objects(bucket, list(keys))

    def delete_folder(self, bucket: str, folder: str) -> None:
        self._native.delete_folder(bucket, folder)

    def search_objects(
        self, *, bucket: str | None = None, name: str | None = None, id: str | None = None,
        type: str | None = None, version: str | None = None,
        creation_date: str | None = None, page_length: int | None = None,
        page_offset: int | None = None,
    ) -> list[SearchObject]:
        """Object search (``/_rest_/object``); ``name`` may use SQL ``%`` wildcards."""
        return self._native.get_objects(
            bucket=bucket or "", name=name or "", id=id or "", type=type or "",
            version=version or "", creation_date=creation_date or "",
            page_length=page_length, page_offset=page_offset)

    def get_objects(self, **search: str | int | None) -> list[SearchObject]:
        """Deprecated alias of :meth:`search_objects` (``get_objects`` is the batch GET
        name elsewhere: see :meth:`get_many`)."""
        _deprecated("ds3.Client.get_objects", "ds3.Client.search_objects")
        return self.search_objects(**search)  # type: ignore[arg-type]

    def get_physical_placement(self, bucket: str, names: Iterable[str]) -> PhysicalPlacement:
        return self._native.get_physical_placement(bucket, list(names))

    # ---- jobs -------------------------------------------------------------------------

    def start_bulk_put(
        self, bucket: str, objects: Iterable[tuple[str, int]], *,
        max_upload_size: int | None = None, priority: str | None = None,
        name: str | None = None,
    ) -> Job:
        return self._native.start_bulk_put(bucket, list(objects),
                                           max_upload_size=max_upload_size,
                                           priority=priority or "", name=name or "")

    def start_bulk_get(
        self, bucket: str, names: Iterable[str], *, in_order: bool | None = None,
        priority: str | None = None, name: str | None = None,
    ) -> Job:
        return self._native.start_bulk_get(bucket, list(names), in_order=in_order,
                                           priority=priority or "", name=name or "")

    def allocate_chunk(self, chunk_id: str) -> Allocation:
        return self._native.allocate_chunk(chunk_id)

    def get_available_chunks(
        self, job_id: str, *, preferred_number_of_chunks: int | None = None
    ) -> ChunksReady:
        return self._native.get_available_chunks(job_id, preferred_number_of_chunks)

    def get_job(self, job_id: str) -> Job:
        return self._native.get_job(job_id)

    def get_jobs(self, bucket: str | None = None) -> list[Job]:
        return self._native.get_jobs(bucket or "")

    def cancel_job(self, job_id: str, *, force: bool = True) -> None:
        """Cancel (``force``) or truncate the job."""
        self._native.cancel_job(job_id, force)

    def modify_job(
        self, job_id: str, *, name: str | None = None, priority: str | None = None
    ) -> Job:
        return self._native.modify_job(job_id, name=name or "", priority=priority or "")

    # ---- system -------------------------------------------------------------------------

    def get_system_information(self) -> SystemInformation:
        return self._native.get_system_information()

    def get_system_health(self) -> SystemHealth:
        return self._native.get_system_health()

    # ---- whole bulk jobs -------------------------------------------------------------------

    def bulk_put(
        self, bucket: str,
        files: Mapping[str, Source] | Iterable[PathLike | tuple[str, Source]], *,
        workers: int | None = None, checksum: str | None = None,
        max_upload_size: int | None = None, priority: str | None = None,
        name: str | None = None, job_id: str | None = None, blob_retries: int | None = None,
        max_retry_after_s: float | None = None, stall_timeout_s: float | None = None,
    ) -> BulkTransfer:
        """A bulk PUT ready to ``run(progress)``; ``cancel()`` it from any thread.

        ``files``: ``{object name: path or buffer}``, ``(name, path or buffer)`` pairs, or
        paths (named by their base name). ``job_id`` resumes that job (blobs the server
        holds are skipped). ``stall_timeout_s``: give up (``TimeoutError``) after this long
        without progress; None keeps the engine's default bound, ``math.inf`` removes it.
        ``blob_retries``: extra attempts per blob; ``max_retry_after_s``: the cap on one
        ``Retry-After`` wait. ``workers`` and ``checksum`` default to the client's; every
        other None is the native default (:data:`BULK_DEFAULTS`).
        """
        return self._native.bulk_put(
            bucket, _put_pairs(files), workers=workers or self.workers,
            checksum=self.checksum if checksum is None else checksum,
            max_upload_size=max_upload_size, priority=priority or "", name=name or "",
            job_id=job_id or "", blob_retries=blob_retries,
            max_retry_after_s=max_retry_after_s, stall_timeout_s=stall_timeout_s)

    def bulk_get(
        self, bucket: str,
        files: Mapping[str, Source] | Iterable[str | tuple[str, Source]], *,
        dest_dir: PathLike | None = None, workers: int | None = None,
        verify: bool | None = None, in_order: bool | None = None, priority: str | None = None,
        name: str | None = None, job_id: str | None = None, blob_retries: int | None = None,
        max_retry_after_s: float | None = None, stall_timeout_s: float | None = None,
    ) -> BulkTransfer:
        """A bulk GET ready to ``run(progress)``. ``files``: ``{object name: path or
        writable buffer}``, ``(name, path or buffer)`` pairs, or names (written under
        ``dest_dir``, default the current directory). A buffer must hold the object.
        ``verify`` checks the checksums the server sends. ``stall_timeout_s``,
        ``blob_retries``, ``max_retry_after_s`` and None: as for :meth:`bulk_put`."""
        return self._native.bulk_get(
            bucket, _get_pairs(files, dest_dir), workers=workers or self.workers,
            verify=verify, in_order=in_order, priority=priority or "", name=name or "",
            job_id=job_id or "", blob_retries=blob_retries,
            max_retry_after_s=max_retry_after_s, stall_timeout_s=stall_timeout_s)

    def put_files(
        self, bucket: str,
        files: Mapping[str, Source] | Iterable[PathLike | tuple[str, Source]], *,
        progress: ProgressCallback | None = None, workers: int | None = None,
        checksum: str | None = None, max_upload_size: int | None = None,
        priority: str | None = None, name: str | None = None, job_id: str | None = None,
        blob_retries: int | None = None, max_retry_after_s: float | None = None,
        stall_timeout_s: float | None = None,
    ) -> BulkResult:
        """Upload files with one bulk PUT job; see :meth:`bulk_put`."""
        transfer = self.bulk_put(
            bucket, files, workers=workers, checksum=checksum, max_upload_size=max_upload_size,
            priority=priority, name=name, job_id=job_id, blob_retries=blob_retries,
            max_retry_after_s=max_retry_after_s, stall_timeout_s=stall_timeout_s)
        return transfer.run(progress)

    def get_files(
        self, bucket: str,
        files: Mapping[str, Source] | Iterable[str | tuple[str, Source]], *,
        dest_dir: PathLike | None = None, progress: ProgressCallback | None = None,
        workers: int | None = None, verify: bool | None = None, in_order: bool | None = None,
        priority: str | None = None, name: str | None = None, job_id: str | None = None,
        blob_retries: int | None = None, max_retry_after_s: float | None = None,
        stall_timeout_s: float | None = None,
    ) -> BulkResult:
        """Download objects with one bulk GET job; see :meth:`bulk_get`."""
        transfer = self.bulk_get(
            bucket, files, dest_dir=dest_dir, workers=workers, verify=verify,
            in_order=in_order, priority=priority, name=name, job_id=job_id,
            blob_retries=blob_retries, max_retry_after_s=max_retry_after_s,
            stall_timeout_s=stall_timeout_s)
        return transfer.run(progress)

    def get_bytes(
        self, bucket: str, names: Iterable[str], *, progress: ProgressCallback | None = None,
        workers: int | None = None, verify: bool | None = None,
        stall_timeout_s: float | None = None,
    ) -> dict[str, bytearray]:
        """Objects into memory with one bulk GET (sizes from HEAD first).
        ``stall_timeout_s``: see :meth:`bulk_get`."""
        buffers = {name: _object_buffer(name, self._native.head_object(bucket, name).size)
                   for name in names}
        self.get_files(bucket, buffers, progress=progress, workers=workers, verify=verify,
                       stall_timeout_s=stall_timeout_s)
        return buffers
