"""DS3 (Spectra BlackPearl) requests, parsers and the bulk engine.

Every request is signed with the DS3 flavour of AWS SigV2 and runs on the shared native
HTTP engine with the GIL released (Ctrl-C interrupts it). HTTP errors raise the
``storewire.errors`` class for the status (``errors.from_status``) with the server's
``code`` and ``message``, plus the attributes ``reason_phrase`` and ``body`` (raw error
body); transport failures raise the ``errors.from_native`` classes.
"""

import os
from collections.abc import Callable, Sequence

from typing_extensions import Buffer

_Path = str | os.PathLike[str]

class Owner:
    """The owner of a bucket or object."""

    @property
    def name(self) -> str: ...
    @property
    def id(self) -> str: ...

class Bucket:
    """One bucket of GET service."""

    @property
    def name(self) -> str: ...
    @property
    def creation_date(self) -> str: ...

class Service:
    """ListAllMyBucketsResult."""

    @property
    def owner(self) -> Owner: ...
    @property
    def buckets(self) -> list[Bucket]: ...

class Contents:
    """One object of a bucket listing."""

    @property
    def key(self) -> str: ...
    @property
    def last_modified(self) -> str: ...
    @property
    def etag(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def storage_class(self) -> str: ...
    @property
    def owner(self) -> Owner: ...
    @property
    def version_id(self) -> str: ...
    @property
    def is_latest(self) -> bool: ...

class ListBucketResult:
    """GET bucket: one page of a listing."""

    @property
    def name(self) -> str: ...
    @property
    def prefix(self) -> str: ...
    @property
    def marker(self) -> str: ...
    @property
    def next_marker(self) -> str: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def creation_date(self) -> str: ...
    @property
    def max_keys(self) -> int: ...
    @property
    def is_truncated(self) -> bool: ...
    @property
    def objects(self) -> list[Contents]: ...
    @property
    def common_prefixes(self) -> list[str]: ...
    @property
    def versions(self) -> list[Contents]: ...

class BulkObject:
    """One blob of a job: a byte range of an object."""

    @property
    def name(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def in_cache(self) -> bool: ...
    @property
    def id(self) -> str: ...
    @property
    def version_id(self) -> str: ...

class Chunk:
    """A job chunk: blobs that are processed together."""

    @property
    def chunk_id(self) -> str: ...
    @property
    def chunk_number(self) -> int: ...
    @property
    def node_id(self) -> str: ...
    @property
    def objects(self) -> list[BulkObject]: ...

class Node:
    """A node of the server that data may be sent to."""

    @property
    def id(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def http_port(self) -> int: ...
    @property
    def https_port(self) -> int: ...

class Job:
    """A bulk job (MasterObjectList); chunks are empty in job lists."""

    @property
    def job_id(self) -> str: ...
    @property
    def bucket_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def request_type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def chunk_order(self) -> str: ...
    @property
    def start_date(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def user_name(self) -> str: ...
    @property
    def original_size(self) -> int: ...
    @property
    def cached_size(self) -> int: ...
    @property
    def completed_size(self) -> int: ...
    @property
    def aggregating(self) -> bool: ...
    @property
    def naked(self) -> bool: ...
    @property
    def nodes(self) -> list[Node]: ...
    @property
    def chunks(self) -> list[Chunk]: ...

class ChunksReady:
    """Chunks ready for client processing; retry_after_s > 0 when none is."""

    @property
    def job(self) -> Job: ...
    @property
    def retry_after_s(self) -> float: ...

class Allocation:
    """Allocate job chunk: the chunk, or when to ask again."""

    @property
    def allocated(self) -> bool: ...
    @property
    def chunk(self) -> Chunk: ...
    @property
    def retry_after_s(self) -> float: ...

class ObjectInfo:
    """HEAD/GET object: headers, metadata, checksums, body."""

    @property
    def status(self) -> int: ...
    @property
    def size(self) -> int:
        """Content-Length of the answer."""
    @property
    def etag(self) -> str: ...
    @property
    def last_modified(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def metadata(self) -> list[tuple[str, str]]:
        """``x-amz-meta-*`` headers as (name without the prefix, value)."""
    @property
    def checksum_type(self) -> str: ...
    @property
    def blob_checksums(self) -> list[tuple[int, str]]:
        """HEAD: (blob offset, base64 checksum) from ``ds3-blob-checksum-offset-*``."""
    @property
    def checksum(self) -> str:
        """GET of a whole blob: the checksum header's base64 value, if sent."""
    @property
    def body(self) -> bytes:
        """The body when it was collected in memory (no ``into``/``into_file``)."""
    @property
    def bytes_received(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...

class DeleteError:
    """A key multi-delete could not remove."""

    @property
    def key(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...

class DeleteResult:
    """Multi-object delete answer."""

    @property
    def deleted(self) -> list[str]: ...
    @property
    def errors(self) -> list[DeleteError]: ...

class SearchObject:
    """One object of /_rest_/object search."""

    @property
    def bucket_id(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def owner(self) -> str: ...
    @property
    def creation_date(self) -> str: ...
    @property
    def storage_class(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def latest(self) -> bool: ...

class BuildInformation:
    """Server build."""

    @property
    def branch(self) -> str: ...
    @property
    def revision(self) -> str: ...
    @property
    def version(self) -> str: ...

class SystemInformation:
    """GET system_information."""

    @property
    def api_version(self) -> str: ...
    @property
    def serial_number(self) -> str: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def now(self) -> str: ...
    @property
    def backend_activated(self) -> bool: ...
    @property
    def build_information(self) -> BuildInformation: ...

class SystemHealth:
    """GET system_health."""

    @property
    def database_filesystem_free_space(self) -> str: ...
    @property
    def ms_required_to_verify_data_planner_health(self) -> int: ...

class Medium:
    """A tape or pool of a physical placement, as its fields."""

    @property
    def kind(self) -> str: ...
    @property
    def fields(self) -> list[tuple[str, str]]: ...

class PhysicalPlacement:
    """Where objects are stored."""

    @property
    def tapes(self) -> list[Medium]: ...
    @property
    def pools(self) -> list[Medium]: ...

class BulkProgress:
    """Progress after one blob of a bulk transfer."""

    @property
    def job_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def skipped(self) -> bool:
        """The blob was already done on the server (a resumed job)."""
    @property
    def bytes_done(self) -> int: ...
    @property
    def bytes_total(self) -> int: ...
    @property
    def blobs_done(self) -> int: ...
    @property
    def blobs_total(self) -> int: ...

class BulkResult:
    """Summary of a finished bulk transfer."""

    @property
    def job_id(self) -> str: ...
    @property
    def bytes_total(self) -> int: ...
    @property
    def blobs_total(self) -> int: ...
    @property
    def bytes_transferred(self) -> int: ...
    @property
    def blobs_transferred(self) -> int: ...
    @property
    def blobs_skipped(self) -> int: ...
    @property
    def blob_retries(self) -> int: ...
    @property
    def retry_waits(self) -> int: ...
    @property
    def chunks_allocated(self) -> int: ...
    @property
    def seconds(self) -> float: ...

class BulkTransfer:
    """A bulk job between local files and a bucket, run by the native engine."""

    def run(self, progress: Callable[[BulkProgress], object] | None = None) -> BulkResult:
        """Run the job to completion; progress(BulkProgress) is called after each blob
        (on the calling thread, with the GIL). An exception it raises stops the job."""
    def cancel(self) -> None:
        """Stop run() (from any thread); it raises CancelledError. The job stays resumable."""
    @property
    def job_id(self) -> str:
        """The job's id once run() started it (or the id being resumed)."""
    @property
    def direction(self) -> str:
        """``"put"`` or ``"get"``."""

class Client:
    """DS3 requests signed with the DS3 SigV2 flavour."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        *,
        proxy: str | None = None,
        use_env_proxy: bool | None = None,
        verify_tls: bool | None = None,
        ca_file: _Path | None = None,
        connect_timeout_s: float | None = None,
        timeout_s: float | None = None,
        max_retries: int | None = None,
        retry_base_delay_s: float | None = None,
        retry_max_delay_s: float | None = None,
        max_in_flight: int | None = None,
        low_speed_time_s: float | None = None,
        user_agent: str | None = None,
    ) -> None: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def access_key(self) -> str: ...
    def close(self) -> None: ...
    def get_service(self) -> Service: ...
    def put_bucket(self, bucket: str) -> None: ...
    def head_bucket(self, bucket: str) -> None: ...
    def delete_bucket(self, bucket: str, force: bool = False) -> None: ...
    def get_bucket(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int | None = None,
    ) -> ListBucketResult: ...
    def put_object(
        self,
        bucket: str,
        key: str,
        *,
        data: Buffer | None = None,
        file: _Path | None = None,
        file_offset: int = 0,
        length: int | None = None,
        job: str = "",
        offset: int | None = None,
        metadata: Sequence[tuple[str, str]] = ...,
        checksum: str = "",
        checksum_value: str = "",
    ) -> None: ...
    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        job: str = "",
        offset: int | None = None,
        range: str = "",
        into: Buffer | None = None,
        into_file: _Path | None = None,
        into_offset: int = 0,
    ) -> ObjectInfo: ...
    def head_object(self, bucket: str, key: str) -> ObjectInfo: ...
    def delete_object(self, bucket: str, key: str) -> None: ...
    def delete_objects(self, bucket: str, keys: Sequence[str]) -> DeleteResult: ...
    def delete_folder(self, bucket: str, folder: str) -> None: ...
    def start_bulk_put(
        self,
        bucket: str,
        objects: Sequence[tuple[str, int]],
        *,
        max_upload_size: int | None = None,
        priority: str = "",
        name: str = "",
    ) -> Job: ...
    def start_bulk_get(
        self,
        bucket: str,
        names: Sequence[str],
        *,
        in_order: bool | None = None,
        priority: str = "",
        name: str = "",
    ) -> Job: ...
    def allocate_chunk(self, chunk_id: str) -> Allocation: ...
    def get_available_chunks(
        self, job_id: str, preferred_number_of_chunks: int | None = None
    ) -> ChunksReady: ...
    def get_job(self, job_id: str) -> Job: ...
    def get_jobs(self, bucket: str = "") -> list[Job]: ...
    def cancel_job(self, job_id: str, force: bool = True) -> None: ...
    def modify_job(self, job_id: str, *, name: str = "", priority: str = "") -> Job: ...
    def get_physical_placement(self, bucket: str, names: Sequence[str]) -> PhysicalPlacement: ...
    def get_objects(
        self,
        *,
        bucket: str = "",
        name: str = "",
        id: str = "",
        type: str = "",
        version: str = "",
        creation_date: str = "",
        page_length: int | None = None,
        page_offset: int | None = None,
    ) -> list[SearchObject]: ...
    def get_system_information(self) -> SystemInformation: ...
    def get_system_health(self) -> SystemHealth: ...
    def bulk_put(
        self,
        bucket: str,
        files: Sequence[tuple[str, _Path | Buffer]],
        *,
        workers: int | None = None,
        checksum: str | None = None,
        max_upload_size: int | None = None,
        priority: str = "",
        name: str = "",
        job_id: str = "",
        blob_retries: int | None = None,
        max_retry_after_s: float | None = None,
        stall_timeout_s: float | None = None,
    ) -> BulkTransfer:
        """A bulk PUT of (object name, local path or buffer) pairs; call run() on the result."""
    def bulk_get(
        self,
        bucket: str,
        files: Sequence[tuple[str, _Path | Buffer]],
        *,
        workers: int | None = None,
        verify: bool | None = None,
        in_order: bool | None = None,
        priority: str = "",
        name: str = "",
        job_id: str = "",
        blob_retries: int | None = None,
        max_retry_after_s: float | None = None,
        stall_timeout_s: float | None = None,
    ) -> BulkTransfer:
        """A bulk GET of (object name, local path or writable buffer) pairs; call run() on
        the result."""
    def __enter__(self) -> Client: ...
    def __exit__(self, *exc: object) -> None: ...

def bulk_defaults() -> dict[str, int | float | bool | str]:
    """The bulk engine's defaults for bulk_put/bulk_get (a new dict each call): the one
    place they are declared is BulkOptions in cpp/ds3/bulk.h. An unbounded
    ``stall_timeout_s`` reads ``math.inf``."""
