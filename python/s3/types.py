"""Result types of :class:`s3.Client` (plain frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Bucket", "DeleteError", "ListPage", "MultipartUpload", "ObjectHead", "ObjectInfo"]

META_PREFIX = "x-amz-meta-"
# Where upload_file records the object's CRC32C (see s3/_crc.py). Kept out of
# ObjectHead.metadata, which is the caller's own metadata; it stays in ObjectHead.headers.
CRC32C_HEADER = META_PREFIX + "storewire-crc32c"


@dataclass(frozen=True)
class Bucket:
    name: str
    creation_date: str = ""


@dataclass(frozen=True)
class ObjectInfo:
    """One entry of a listing."""

    key: str
    size: int
    etag: str
    last_modified: str = ""
    storage_class: str = ""


@dataclass(frozen=True)
class ListPage:
    """One page of ListObjectsV2."""

    objects: list[ObjectInfo]
    prefixes: list[str]
    is_truncated: bool
    next_token: str | None = None


@dataclass(frozen=True)
class ObjectHead:
    """What HEAD (or a GET) says about an object. ``metadata`` holds the ``x-amz-meta-*``
    headers without their prefix, names lower-cased, except the CRC32C storewire records
    (``x-amz-meta-storewire-crc32c``); ``headers`` all response headers with lower-cased
    names."""

    size: int
    etag: str
    last_modified: str = ""
    content_type: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def amz_metadata(self) -> dict[str, str]:
        """The metadata with the ``x-amz-meta-`` prefix kept (the seed connector's form)."""
        return {META_PREFIX + k: v for k, v in self.metadata.items()}


@dataclass(frozen=True)
class MultipartUpload:
    key: str
    upload_id: str
    initiated: str = ""


@dataclass(frozen=True)
class DeleteError:
    key: str
    code: str
    message: str = ""
