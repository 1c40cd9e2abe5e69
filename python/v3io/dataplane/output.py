"""Output objects: what ``Response.output`` holds, with the official SDK's class and
attribute names. Each class parses a body with ``parse(body)``; container listings are
XML (pugixml), everything else JSON. A container output given a JSON error body only sets
``.error`` (as the official SDK does).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from storewire import errors
from storewire._native import xml

from .typed import decode_attributes

__all__ = [
    "Container",
    "ContainerCommonPrefix",
    "ContainerContent",
    "DescribeStreamOutput",
    "GetContainerContentsOutput",
    "GetContainersOutput",
    "GetItemOutput",
    "GetItemsOutput",
    "GetRecordsOutput",
    "GetRecordsResult",
    "Output",
    "PutRecordsOutput",
    "PutRecordsResult",
    "SeekShardOutput",
]


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise errors.ProtocolError(f"Failed to parse response body as JSON: {exc}") from exc


class Output:
    """Base of all output objects: ``parse(body)`` builds one from a response body."""

    @classmethod
    def parse(cls, body: bytes) -> Any:
        return cls(parse_json(body))

    def __init__(self, decoded: Any) -> None:  # overridden by each JSON output
        self.decoded = decoded

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({shown})"


class _XmlOutput(Output):
    error: Any  # set instead of the fields when the body was a JSON error
    @classmethod
    def parse(cls, body: bytes) -> Any:
        if body.lstrip()[:1] == b"{":
            out = cls.__new__(cls)
            out.error = parse_json(body)
            return out
        return cls.from_xml(xml.parse(body))

    @classmethod
    def from_xml(cls, root: xml.Element) -> Any:
        raise NotImplementedError


class Container:
    """One entry of ``get_containers``: ``name``, ``creation_date``, ``identifier``."""

    def __init__(self, name: str, creation_date: str, identifier: int | None) -> None:
        self.name = name
        self.creation_date = creation_date
        self.identifier = identifier

    def __repr__(self) -> str:
        return f"Container(name={self.name!r}, identifier={self.identifier!r})"


class GetContainersOutput(_XmlOutput):
    containers: list[Container]

    @classmethod
    def from_xml(cls, root: xml.Element) -> GetContainersOutput:
        out = cls.__new__(cls)
        out.containers = []
        buckets = root.find("Buckets")
        for bucket in buckets if buckets is not None else []:
            ident = bucket.findtext("Id")
            out.containers.append(
                Container(
                    bucket.findtext("Name", "") or "",
                    bucket.findtext("CreationDate", "") or "",
                    int(ident) if ident else None,
                )
            )
        return out


# XML child -> (attribute, converter). Attributes are set only when the child exists.
_CONTENT_FIELDS = {
    "Key": ("key", str),
    "Size": ("size", int),
    "LastSequenceId": ("last_sequence_id", int),  # the spelling servers send (v3io.md §12.8)
    "LastSequenceID": ("last_sequence_id", int),
    "LastModified": ("last_modified", str),
    "Mode": ("mode", str),
    "AccessTime": ("access_time", str),
    "CreatingTime": ("creating_time", str),
    "GID": ("gid", str),
    "UID": ("uid", str),
    "InodeNumber": ("inode_number", int),
}
_PREFIX_FIELDS = {
    "Prefix": ("prefix", str),
    "LastModified": ("last_modified", str),
    "AccessTime": ("access_time", str),
    "CreatingTime": ("creating_time", str),
    "Mode": ("mode", str),
    "GID": ("gid", str),
    "UID": ("uid", str),
    "InodeNumber": ("inode_number", int),
    "ShardCount": ("shard_count", int),
    "RetentionPeriodHours": ("retention_period_hours", int),
}


def _fill(target: Any, element: xml.Element, fields: dict[str, tuple[str, Any]]) -> Any:
    for child in element:
        spec = fields.get(child.tag)
        if spec is not None:
            text = child.text
            try:
                setattr(target, spec[0], spec[1](text) if text else text)
            except ValueError:
                setattr(target, spec[0], text)
    return target


class ContainerContent:
    """An object in a listing (``key``, ``size``, ``last_modified``, ... when sent)."""

    def __repr__(self) -> str:
        return f"ContainerContent({vars(self)!r})"


class ContainerCommonPrefix:
    """A directory in a listing (``prefix``, ... when sent)."""

    def __repr__(self) -> str:
        return f"ContainerCommonPrefix({vars(self)!r})"


class GetContainerContentsOutput(_XmlOutput):
    """``name``, ``next_marker``, ``max_keys`` and ``is_truncated`` (strings, as sent),
    ``contents`` and ``common_prefixes``."""

    name: str
    next_marker: str
    max_keys: str
    is_truncated: str
    contents: list[ContainerContent]
    common_prefixes: list[ContainerCommonPrefix]

    @classmethod
    def from_xml(cls, root: xml.Element) -> GetContainerContentsOutput:
        out = cls.__new__(cls)
        out.name = root.findtext("Name", "") or ""
        out.next_marker = root.findtext("NextMarker", "") or ""
        out.max_keys = root.findtext("MaxKeys", "") or ""
        out.is_truncated = root.findtext("IsTruncated", "") or ""
        out.contents = [_fill(ContainerContent(), e, _CONTENT_FIELDS)
                        for e in root.findall("Contents")]
        out.common_prefixes = [_fill(ContainerCommonPrefix(), e, _PREFIX_FIELDS)
                               for e in root.findall("CommonPrefixes")]
        return out


class GetItemOutput(Output):
    """``item``: the attributes as Python values (``{}`` when the body had none)."""

    def __init__(self, decoded: dict[str, Any]) -> None:
        self.item = decode_attributes(decoded.get("Item") or {})


class GetItemsOutput(Output):
    """``items`` (list of dicts), ``last`` (no more pages) and ``next_marker``."""

    def __init__(self, decoded: dict[str, Any]) -> None:
        self.last = decoded.get("LastItemIncluded") == "TRUE"
        self.next_marker = decoded.get("NextMarker")
        self.items = [decode_attributes(item) for item in decoded.get("Items") or ()]


class DescribeStreamOutput(Output):
    def __init__(self, decoded: dict[str, Any]) -> None:
        self.shard_count = decoded.get("ShardCount")
        self.retention_period_hours = decoded.get("RetentionPeriodHours")


class SeekShardOutput(Output):
    def __init__(self, decoded: dict[str, Any]) -> None:
        self.location = decoded.get("Location")


def _b64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


class PutRecordsResult(Output):
    """Per record: ``sequence_number`` and ``shard_id``, or ``error_code`` and
    ``error_message`` (None on success)."""

    def __init__(self, decoded: dict[str, Any]) -> None:
        self.sequence_number = decoded.get("SequenceNumber")
        self.shard_id = decoded.get("ShardId")
        self.error_code = decoded.get("ErrorCode")
        self.error_message = decoded.get("ErrorMessage")


class PutRecordsOutput(Output):
    def __init__(self, decoded: dict[str, Any]) -> None:
        self.failed_record_count = decoded.get("FailedRecordCount")
        self.records = [PutRecordsResult(r) for r in decoded.get("Records") or ()]


class GetRecordsResult(Output):
    """One record: ``data`` and ``client_info`` as bytes, ``partition_key``, sequence and
    arrival time."""

    def __init__(self, decoded: dict[str, Any]) -> None:
        self.arrival_time_sec = decoded.get("ArrivalTimeSec")
        self.arrival_time_nsec = decoded.get("ArrivalTimeNSec")
        self.sequence_number = decoded.get("SequenceNumber")
        self.client_info = _b64(decoded.get("ClientInfo"))
        self.partition_key = decoded.get("PartitionKey")
        self.data = _b64(decoded.get("Data"))


class GetRecordsOutput(Output):
    def __init__(self, decoded: dict[str, Any]) -> None:
        self.next_location = decoded.get("NextLocation")
        self.msec_behind_latest = decoded.get("MSecBehindLatest")
        self.records_behind_latest = decoded.get("RecordsBehindLatest")
        # tolerate a missing Records (the official SDK raises TypeError, v3io.md §12.9)
        self.records = [GetRecordsResult(r) for r in decoded.get("Records") or ()]
