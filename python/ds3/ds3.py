"""The ds3_python_sdk 1.x API (``from ds3 import ds3``), unchanged for callers.

A thin layer over :class:`ds3.client.Client`: every method checks its arguments like the
original (``TypeError`` for wrong types), calls the modern client, and converts the
answer into the original model classes (``Ds3Bucket``, ``Ds3BulkPlan``, ...). Errors are
:class:`Ds3Error`, which is also a :class:`storewire.errors.StorageError` and, per HTTP
status, the matching storewire class (a 404 is a ``NotFoundError`` and a
``FileNotFoundError``; a 403 a ``PermissionDeniedError`` and a ``PermissionError``).

Differences from 1.x: Python 3 only; ``getObject`` writes at the blob's offset without
truncating the file (1.x reopened it with ``"wb"`` for every blob, losing earlier blobs of
multi-blob objects); ``allocateChunk`` waits for the server's ``Retry-After`` instead of
returning an unusable answer when the cache is full.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from storewire import errors as _errors
from storewire import log as _log
from storewire._native.ds3 import bulk_defaults as _bulk_defaults
from storewire.config import describe, load

from .client import Client, metadata_dict
from .config import Config, SdkConfig

__all__ = [
    "Credentials",
    "Ds3AllocateChunkResponse",
    "Ds3AvailableChunksResponse",
    "Ds3Bucket",
    "Ds3BucketDetails",
    "Ds3BuildInformation",
    "Ds3BulkObject",
    "Ds3BulkPlan",
    "Ds3CacheList",
    "Ds3Client",
    "Ds3Error",
    "Ds3Object",
    "Ds3Owner",
    "Ds3SearchObject",
    "Ds3SystemHealthInformation",
    "Ds3SystemInformation",
    "Ds3Tape",
    "Ds3TapeList",
    "addMetadataToRequest",
    "arrayToList",
    "checkExistence",
    "createClientFromEnv",
    "ensureUTF8",
    "enumCheck",
    "enumCheckDs3ObjectType",
    "extractMetadataFromResponse",
    "typeCheck",
    "typeCheckObjectList",
    "typeCheckString",
]

# ---- errors ------------------------------------------------------------------------------


class Ds3Error(_errors.StorageError):
    """The 1.x error: ``reason`` (what failed), ``statusCode`` (HTTP status or None),
    ``statusMessage`` (reason phrase), ``message`` (the raw error body or None)."""

    def __init__(
        self,
        reason: str = "",
        statusCode: int | None = None,
        statusMessage: str | None = None,
        message: str | None = None,
        **fields: Any,
    ) -> None:
        fields.setdefault("status", statusCode or 0)
        super().__init__(reason, **fields)
        self.reason = reason
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.message = message  # type: ignore[assignment]

    def __str__(self) -> str:
        return (f"Reason: {self.reason} | StatusCode: {self.statusCode} | "
                f"StatusMessage: {self.statusMessage} | Message: {self.message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_ds3_error, (type(self), self.__dict__.copy()))


def _rebuild_ds3_error(cls: type[Ds3Error], state: dict[str, Any]) -> Ds3Error:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("reason", ""))
    err.__dict__.update(state)
    return err


# One Ds3Error subclass per storewire leaf, so `except PermissionError` keeps working.
_SEED_CLASSES: dict[type[_errors.StorageError], type[Ds3Error]] = {}
for _leaf in (
    _errors.InvalidRequestError, _errors.PermissionDeniedError, _errors.NotFoundError,
    _errors.ConflictError, _errors.AlreadyExistsError, _errors.PreconditionFailedError,
    _errors.ThrottledError, _errors.ServerError, _errors.IntegrityError, _errors.LocalIOError,
    _errors.BufferTooSmallError, _errors.CancelledError, _errors.TransportError,
    _errors.TimeoutError, _errors.TlsError, _errors.ProtocolError,
):
    _name = "Ds3" + _leaf.__name__
    _cls = type(_name, (Ds3Error, _leaf), {"__module__": __name__, "__qualname__": _name})
    globals()[_name] = _cls
    _SEED_CLASSES[_leaf] = _cls


def _seed_error(err: _errors.StorageError) -> Ds3Error:
    cls = _SEED_CLASSES.get(type(err), Ds3Error)
    if err.status:
        reason = "Got an unexpected status code."
        # Shown by __str__: a server may echo the request's signature in either.
        status_message = _log.redact_credentials(getattr(err, "reason_phrase", "")) or None
        body = _log.redact_credentials(getattr(err, "body", "")) or err.message or None
        status: int | None = err.status
    else:
        reason = f"Request failed: {err.message}" if isinstance(
            err, _errors.TransportError) else (err.message or str(err))
        status_message = None
        body = None
        status = None
    return cls(reason, status, status_message, body, code=err.code, operation=err.operation,
               resource=err.resource, request_id=err.request_id)


_F = TypeVar("_F", bound=Callable[..., Any])


def _translated(func: _F) -> _F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Ds3Error:
            raise
        except _errors.StorageError as err:
            raise _seed_error(err) from err

    return wrapper  # type: ignore[return-value]


# ---- module utilities (1.x names) --------------------------------------------------------


def checkExistence(obj: Any, wrapper: Callable[[Any], Any] = lambda x: x) -> Any:
    """``wrapper(obj)`` if obj is set, else None."""
    return wrapper(obj) if obj else None


def arrayToList(array: Any, length: int, wrapper: Callable[[Any], Any] = lambda x: x
                ) -> list[Any]:
    return [wrapper(array[i]) for i in range(length)]


def ensureUTF8(s: Any) -> str:
    """Text as ``str`` (bytes are decoded as UTF-8)."""
    if isinstance(s, bytes):
        return s.decode("utf-8")
    return s


def typeCheck(input_arg: Any, expected_type: type) -> Any:
    if isinstance(input_arg, expected_type):
        return input_arg
    raise TypeError(f"expected instance of type {expected_type.__name__}, got instance of "
                    f"type {type(input_arg).__name__}")


def typeCheckString(input_arg: Any) -> str:
    if isinstance(input_arg, (str, bytes)):
        return ensureUTF8(input_arg)
    raise TypeError(f"expected instance of type basestring, got instance of type "
                    f"{type(input_arg).__name__}")


def typeCheckObjectList(fileList: Any) -> list[tuple[str, int]]:
    """Names or ``(name, size)`` pairs → ``(name, size)``; a bare name's size is the
    local file's size (0 when there is no such file)."""
    if isinstance(fileList, (str, bytes)) or not isinstance(fileList, Iterable):
        raise TypeError(f"fileList should be of type list, got instance of type "
                        f"{type(fileList).__name__}")
    out = []
    for item in fileList:
        if isinstance(item, tuple):
            name = typeCheckString(item[0])
            size = typeCheck(item[1], int) if len(item) > 1 else 0
            out.append((name, size))
        else:
            name = typeCheckString(item)
            out.append((name, os.stat(name).st_size if os.path.isfile(name) else 0))
    return out


def enumCheck(input_arg: Any, enumDict: dict[str, Any]) -> Any:
    if input_arg in enumDict:
        return enumDict[input_arg]
    raise TypeError(f"expected value to be one of {sorted(enumDict)}, got {input_arg}")


def enumCheckDs3ObjectType(input_arg: Any) -> str:
    return enumCheck(input_arg, {"DATA": "DATA", "FOLDER": "FOLDER"})


def addMetadataToRequest(request: list[tuple[str, str]] | None, metadata: Any
                         ) -> list[tuple[str, str]]:
    """Appends ``(name, value)`` pairs of a metadata dict (value or list/tuple; 1.x kept
    one value per name: the last) to ``request`` and returns it."""
    pairs = request if request is not None else []
    if metadata:
        for key, value in metadata.items():
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            if value is not None and value != "":
                pairs.append((typeCheckString(key), typeCheckString(str(value))))
    return pairs


def extractMetadataFromResponse(metadata: Any) -> dict[str, list[str]]:
    """``{name: [values]}`` from an ObjectInfo or (name, value) pairs."""
    if hasattr(metadata, "metadata"):
        return metadata_dict(metadata)
    out: dict[str, list[str]] = {}
    for name, value in metadata or ():
        out.setdefault(name, []).append(value)
    return out


def _opt(value: str) -> str | None:
    return value if value else None


# ---- model classes -----------------------------------------------------------------------


class _Model:
    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class Credentials(_Model):
    """``accessKey`` and ``secretKey`` as in 1.x; the secret never shows in a repr or log."""

    def __init__(self, accessKey: str, secretKey: str) -> None:
        self.accessKey = typeCheckString(accessKey)
        self.secretKey = typeCheckString(secretKey)
        _log.register_secret(self.secretKey)

    def __repr__(self) -> str:
        return f"Credentials(accessKey={self.accessKey!r}, secretKey='{_log.MASK}')"


class Ds3Bucket(_Model):
    def __init__(self, bucket: Any) -> None:
        self.name = bucket.name
        self.creationDate = _opt(bucket.creation_date)


class Ds3Owner(_Model):
    def __init__(self, owner: Any) -> None:
        self.name = _opt(owner.name)
        self.id = _opt(owner.id)


class Ds3Object(_Model):
    def __init__(self, obj: Any) -> None:
        self.name = obj.key
        self.etag = _opt(obj.etag)
        self.size = obj.size
        self.owner = Ds3Owner(obj.owner)


class Ds3BucketDetails(_Model):
    def __init__(self, result: Any) -> None:
        self.name = result.name
        self.creationDate = _opt(result.creation_date)
        self.isTruncated = bool(result.is_truncated)
        self.marker = _opt(result.marker)
        self.delimiter = _opt(result.delimiter)
        self.maxKeys = int(result.max_keys)
        self.nextMarker = _opt(result.next_marker)
        self.prefix = _opt(result.prefix)
        self.commonPrefixes = list(result.common_prefixes)
        self.objects = [Ds3Object(o) for o in result.objects]


class Ds3BulkObject(_Model):
    def __init__(self, blob: Any) -> None:
        self.name = blob.name
        self.length = blob.length
        self.offset = blob.offset
        self.inCache = bool(blob.in_cache)


class Ds3CacheList(_Model):
    def __init__(self, chunk: Any, serverId: str | None = None) -> None:
        self.chunkNumber = chunk.chunk_number
        self.nodeId = _opt(chunk.node_id)
        self.serverId = serverId
        self.chunkId = chunk.chunk_id
        self.objects = [Ds3BulkObject(b) for b in chunk.objects]


_REQUEST_TYPES = {"PUT": 0, "GET": 1, "VERIFY": 2}
_STATUSES = {"IN_PROGRESS": 0, "COMPLETED": 1, "CANCELED": 2}


class Ds3BulkPlan(_Model):
    """A job: ``jobId``, ``chunks`` ([Ds3CacheList]), sizes, user, ``requestType`` (PUT=0,
    GET=1) and ``status`` (IN_PROGRESS=0, COMPLETED=1, CANCELED=2)."""

    def __init__(self, job: Any) -> None:
        self.bucketName = _opt(job.bucket_name)
        self.cachedSize = job.cached_size
        self.completedSize = job.completed_size
        self.jobId = job.job_id
        self.originalSize = job.original_size
        self.startDate = _opt(job.start_date)
        self.userId = _opt(job.user_id)
        self.userName = _opt(job.user_name)
        self.priority = _opt(job.priority)
        self.requestType = _REQUEST_TYPES.get(job.request_type.upper(), job.request_type)
        self.status = _STATUSES.get(job.status.upper(), job.status)
        server = job.nodes[0].endpoint if job.nodes else None
        self.chunks = [Ds3CacheList(c, server) for c in job.chunks]


class Ds3AllocateChunkResponse(_Model):
    def __init__(self, retryAfter: int, chunk: Ds3CacheList | None) -> None:
        self.retryAfter = retryAfter
        self.chunk = chunk


class Ds3AvailableChunksResponse(_Model):
    def __init__(self, retryAfter: int, bulkPlan: Ds3BulkPlan) -> None:
        self.retryAfter = retryAfter
        self.bulkPlan = bulkPlan


class Ds3SearchObject(_Model):
    def __init__(self, obj: Any) -> None:
        self.bucketId = _opt(obj.bucket_id)
        self.id = _opt(obj.id)
        self.name = _opt(obj.name)
        self.size = obj.size
        self.owner = _opt(obj.owner)
        self.lastModified = _opt(obj.creation_date)
        self.storageClass = _opt(obj.storage_class)
        self.type = _opt(obj.type)
        self.version = _opt(obj.version)


class Ds3BuildInformation(_Model):
    def __init__(self, build: Any) -> None:
        self.branch = _opt(build.branch)
        self.revision = _opt(build.revision)
        self.version = _opt(build.version)


class Ds3SystemInformation(_Model):
    def __init__(self, info: Any) -> None:
        self.apiVersion = _opt(info.api_version)
        self.serialNumber = _opt(info.serial_number)
        self.buildInformation = Ds3BuildInformation(info.build_information)


class Ds3SystemHealthInformation(_Model):
    def __init__(self, health: Any) -> None:
        self.msRequiredToVerifyDataPlannerHealth = (
            health.ms_required_to_verify_data_planner_health)


_TAPE_FIELDS = {
    "AssignedToBucket": "assignedToBucket", "AssignedToStorageDomain": "assignedToStorageDomain",
    "AvailableRawCapacity": "availableRawCapacity", "BarCode": "barCode",
    "BucketId": "bucketId", "DescriptionForIdentification": "descriptionForIdentification",
    "EjectDate": "ejectDate", "EjectLabel": "ejectLabel", "EjectLocation": "ejectLocation",
    "EjectPending": "ejectPending", "FullOfData": "fullOfData", "Id": "id",
    "LastAccessed": "lastAccessed", "LastCheckpoint": "lastCheckpoint",
    "LastModified": "lastModified", "LastVerified": "lastVerified",
    "PartitionId": "partitionId", "PreviousState": "previousState",
    "SerialNumber": "serialNumber", "State": "state", "TotalRawCapacity": "totalRawCapacity",
    "Type": "type", "WriteProtected": "writeProtected",
}


class Ds3Tape(_Model):
    def __init__(self, medium: Any) -> None:
        fields = dict(medium.fields)
        for element, attr in _TAPE_FIELDS.items():
            setattr(self, attr, _opt(fields.get(element, "")))


class Ds3TapeList(_Model):
    def __init__(self, tapes: list[Ds3Tape]) -> None:
        self.tapes = tapes
        self.length = len(tapes)

    def __len__(self) -> int:
        return self.length


# ---- the client --------------------------------------------------------------------------


def createClientFromEnv() -> Ds3Client:
    """A Ds3Client from DS3_ENDPOINT, DS3_ACCESS_KEY, DS3_SECRET_KEY (and http_proxy)."""
    cfg = load(SdkConfig)
    for name in ("endpoint", "access_key", "secret_key"):
        if not getattr(cfg, name):
            variable = next(s.env[0] for s in describe(SdkConfig) if s.name == name)
            raise Ds3Error(f"Missing enviornment variable '{variable}'")  # the SDK's spelling
    assert cfg.endpoint and cfg.access_key and cfg.secret_key  # checked just above
    credentials = Credentials(cfg.access_key.reveal(), cfg.secret_key.reveal())
    return Ds3Client(cfg.endpoint, credentials, proxy=cfg.proxy, config=cfg)


class Ds3Client:
    """The 1.x client: ``endpoint``, ``credentials``, ``proxy``; the modern client is
    :attr:`client`.

    ``allocateChunk`` waits for cache space at most ``allocate_chunk_timeout_s`` in all
    (then ``TimeoutError``), and at most ``max_retry_after_s`` per ``Retry-After``; set
    either on the instance to change it.
    """

    allocate_chunk_timeout_s: float = 3600.0
    max_retry_after_s: float = float(_bulk_defaults()["max_retry_after_s"])  # BulkOptions

    def __init__(self, endpoint: str, credentials: Credentials, proxy: str | None = None,
                 *, config: Config | None = None) -> None:
        self.endpoint = typeCheckString(endpoint)
        self.credentials = typeCheck(credentials, Credentials)
        self.proxy = typeCheckString(proxy) if proxy is not None else None
        # Arguments win over ``config`` (the other settings: ds3.config.Config).
        self.client = Client(self.endpoint, credentials.accessKey, credentials.secretKey,
                             proxy=self.proxy, config=config)

    # buckets and objects

    @_translated
    def getService(self) -> Iterator[Ds3Bucket]:
        """A generator of the user's buckets."""
        buckets = self.client.get_service()
        return (Ds3Bucket(b) for b in buckets)

    @_translated
    def getBucket(
        self, bucketName: str, prefix: str | None = None, nextMarker: str | None = None,
        delimiter: str | None = None, maxKeys: int | None = None,
    ) -> Ds3BucketDetails:
        typeCheckString(bucketName)
        if prefix is not None:
            typeCheckString(prefix)
        if nextMarker is not None:
            typeCheckString(nextMarker)
        if delimiter is not None:
            typeCheckString(delimiter)
        if maxKeys is not None:
            typeCheck(maxKeys, int)
        return Ds3BucketDetails(self.client.get_bucket(
            ensureUTF8(bucketName), prefix=ensureUTF8(prefix), delimiter=ensureUTF8(delimiter),
            marker=ensureUTF8(nextMarker), max_keys=maxKeys))

    @_translated
    def headObject(self, bucketName: str, objectName: str) -> dict[str, list[str]]:
        return self.client.get_metadata(typeCheckString(bucketName), typeCheckString(objectName))

    @_translated
    def headBucket(self, bucketName: str) -> None:
        self.client.head_bucket(typeCheckString(bucketName))

    @_translated
    def deleteFolder(self, bucketName: str, folderName: str) -> None:
        self.client.delete_folder(typeCheckString(bucketName), typeCheckString(folderName))

    @_translated
    def getSystemInformation(self) -> Ds3SystemInformation:
        return Ds3SystemInformation(self.client.get_system_information())

    @_translated
    def verifySystemHealth(self) -> Ds3SystemHealthInformation:
        return Ds3SystemHealthInformation(self.client.get_system_health())

    @_translated
    def putBucket(self, bucketName: str) -> None:
        self.client.put_bucket(typeCheckString(bucketName))

    @_translated
    def putObject(
        self, bucketName: str, objectName: str, offset: int, size: int, jobId: str | None,
        realFileName: str | None = None, metadata: dict[str, Any] | None = None,
    ) -> None:
        """PUT ``size`` bytes of the local file (``realFileName`` or ``objectName``) from
        ``offset``, as the blob at ``offset`` of job ``jobId``."""
        bucket = typeCheckString(bucketName)
        name = typeCheckString(objectName)
        typeCheck(offset, int)
        typeCheck(size, int)
        job = typeCheckString(jobId) if jobId is not None else None
        path = typeCheckString(realFileName) if realFileName is not None else name
        pairs = addMetadataToRequest(None, metadata)
        self.client.put_object(bucket, name, file=path if size else None, file_offset=offset,
                               length=size, job=job, offset=offset if job else None,
                               metadata=dict(pairs))

    @_translated
    def getObject(
        self, bucketName: str, objectName: str, offset: int, jobId: str | None,
        realFileName: str | None = None,
    ) -> dict[str, list[str]]:
        """GET the blob at ``offset`` of job ``jobId`` into the local file
        (``realFileName`` or ``objectName``) at that offset; returns the metadata."""
        bucket = typeCheckString(bucketName)
        name = typeCheckString(objectName)
        typeCheck(offset, int)
        job = typeCheckString(jobId) if jobId is not None else None
        path = typeCheckString(realFileName) if realFileName is not None else name
        if (job is None and offset == 0) or not os.path.exists(path):
            open(path, "wb").close()
        info = self.client.get_object(bucket, name, job=job, offset=offset if job else None,
                                      into_file=path, into_offset=offset)
        return metadata_dict(info)

    @_translated
    def deleteObject(self, bucketName: str, objName: str) -> None:
        self.client.delete_object(typeCheckString(bucketName), typeCheckString(objName))

    @_translated
    def deleteObjects(self, bucketName: str, fileNameList: Iterable[str]) -> None:
        bucket = typeCheckString(bucketName)
        names = [typeCheckString(n) for n in fileNameList]
        if not names:
            raise Ds3Error("The bulk command requires a list of objects to process")
        self.client.delete_objects(bucket, names)

    @_translated
    def deleteBucket(self, bucketName: str) -> None:
        self.client.delete_bucket(typeCheckString(bucketName))

    # jobs

    @_translated
    def putBulk(self, bucketName: str, fileInfoList: Iterable[Any]) -> Ds3BulkPlan:
        """Start a bulk PUT of ``(name, size)`` pairs (or names of local files)."""
        bucket = typeCheckString(bucketName)
        objects = typeCheckObjectList(fileInfoList)
        if not objects:
            raise Ds3Error("The bulk command requires a list of objects to process")
        return Ds3BulkPlan(self.client.start_bulk_put(bucket, objects))

    @_translated
    def getBulk(
        self, bucketName: str, fileNameList: Iterable[Any], chunkOrdering: bool = True,
    ) -> Ds3BulkPlan:
        bucket = typeCheckString(bucketName)
        names = [name for name, _ in typeCheckObjectList(fileNameList)]
        if not names:
            raise Ds3Error("The bulk command requires a list of objects to process")
        return Ds3BulkPlan(self.client.start_bulk_get(bucket, names,
                                                      in_order=bool(chunkOrdering)))

    @_translated
    def allocateChunk(self, chunkId: str) -> Ds3AllocateChunkResponse:
        """Deprecated in DS3 but still served: waits (Retry-After) until the chunk's cache
        space is allocated."""
        chunk_id = typeCheckString(chunkId)
        deadline = time.monotonic() + self.allocate_chunk_timeout_s
        while True:
            answer = self.client.allocate_chunk(chunk_id)
            if answer.allocated:
                return Ds3AllocateChunkResponse(0, Ds3CacheList(answer.chunk))
            left = deadline - time.monotonic()
            if left <= 0:
                raise _errors.TimeoutError(
                    f"no cache space for chunk {chunk_id} after "
                    f"{self.allocate_chunk_timeout_s} s (allocate_chunk_timeout_s)",
                    operation="allocate_chunk", resource=chunk_id)
            # A server's Retry-After is capped: it must not park the caller for days.
            time.sleep(min(max(answer.retry_after_s, 0.05), self.max_retry_after_s, left))

    @_translated
    def getAvailableChunks(self, jobId: str) -> Ds3AvailableChunksResponse:
        ready = self.client.get_available_chunks(typeCheckString(jobId))
        return Ds3AvailableChunksResponse(int(ready.retry_after_s), Ds3BulkPlan(ready.job))

    def _sendJobRequest(self, func: Callable[[str], Any], request: str) -> Ds3BulkPlan:
        return Ds3BulkPlan(func(request))

    @_translated
    def getJob(self, jobId: str) -> Ds3BulkPlan:
        return self._sendJobRequest(self.client.get_job, typeCheckString(jobId))

    @_translated
    def getJobs(self) -> list[Ds3BulkPlan]:
        return [Ds3BulkPlan(j) for j in self.client.get_jobs()]

    @_translated
    def putJob(self, jobId: str) -> Ds3BulkPlan:
        return self._sendJobRequest(self.client.modify_job, typeCheckString(jobId))

    @_translated
    def deleteJob(self, jobId: str) -> None:
        self.client.cancel_job(typeCheckString(jobId), force=False)

    @_translated
    def getObjects(
        self, bucketName: str | None = None, creationDate: str | None = None,
        objId: str | None = None, name: str | None = None, pageLength: int | None = None,
        pageOffset: int | None = None, objType: str | None = None,
        version: int | None = None,
    ) -> list[Ds3SearchObject]:
        for value in (bucketName, creationDate, objId, name):
            if value is not None:
                typeCheckString(value)
        for number in (pageLength, pageOffset, version):
            if number is not None:
                typeCheck(number, int)
        kind = enumCheckDs3ObjectType(objType) if objType is not None else None
        found = self.client.search_objects(
            bucket=ensureUTF8(bucketName), creation_date=ensureUTF8(creationDate),
            id=ensureUTF8(objId), name=ensureUTF8(name), page_length=pageLength,
            page_offset=pageOffset, type=kind,
            version=str(version) if version is not None else None)
        return [Ds3SearchObject(o) for o in found]

    @_translated
    def getPhysicalPlacement(
        self, bucketName: str, fileNameList: Iterable[Any], fullDetails: bool = False,
    ) -> Ds3TapeList:
        bucket = typeCheckString(bucketName)
        names = [name for name, _ in typeCheckObjectList(fileNameList)]
        placement = self.client.get_physical_placement(bucket, names)
        return Ds3TapeList([Ds3Tape(t) for t in placement.tapes])
