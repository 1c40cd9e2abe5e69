"""Output objects: what ``Response.output`` holds, with the official SDK's class and
attribute names. Each class parses a body with ``parse(body)``; container listings are
XML (pugixml), everything else JSON. A container output given a JSON error body only sets
``.error`` (as the official SDK does).
"""

from __future__ import annotations

from typing import Any

from storewire._native import xml

from . import validate as v

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


# Shard ids and counts are bounded so that a hostile count cannot size anything huge.
MAX_SHARDS = 2**16


def parse_json(body: bytes, operation: str = "response") -> dict[str, Any]:
    """A JSON object body (a ProtocolError for anything else, see :mod:`validate`)."""
    return v.json_object(body, operation)


class Output:
    """Base of all output objects: ``parse(body)`` builds one from a response body."""

    operation = "response"

    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> Any:
        return cls(parse_json(body, cls.operation))

    def __init__(self, decoded: Any) -> None:  # overridden by each JSON output
        self.decoded = decoded

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={val!r}" for k, val in vars(self).items())
        return f"{type(self).__name__}({shown})"


class _XmlOutput(Output):
    error: Any  # set instead of the fields when the body was a JSON error
    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> Any:
        if body.lstrip()[:1] == b"{":
            if status < 300:  # a success must be the listing, not an error object
                v.protocol_error(f"{cls.operation}:", "a success answer must be XML, not JSON",
                                 show=False)
            out = cls.__new__(cls)
            out.error = parse_json(body, cls.operation)
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
    operation = "GetContainers"

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
                    v.listing_int(ident, "GetContainers: Bucket.Id") if ident else None,
                )
            )
        return out


# XML child -> (attribute, converter). Attributes are set only when the child exists.
_CONTENT_FIELDS = {
    "Key": ("key", str),
    "Size": ("size", int),
    "LastSequenceId": ("last_sequence_id", int),  # the spelling servers send
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
            if text and spec[1] is int:
                where = f"ListContainer: {element.tag}.{child.tag}"
                setattr(target, spec[0], v.listing_int(text, where))
            else:
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

    operation = "ListContainer"

    name: str
    next_marker: str
    max_keys: str
    is_truncated: str
    contents: list[ContainerContent]
    common_prefixes: list[ContainerCommonPrefix]

    @classmethod
    def from_xml(cls, root: xml.Element) -> GetContainerContentsOutput:
        out = cls.__new__(cls)
        where = "ListContainer"
        out.name = root.findtext("Name", "") or ""
        out.next_marker = root.findtext("NextMarker", "") or ""
        out.max_keys = root.findtext("MaxKeys", "") or ""
        if out.max_keys:
            v.listing_int(out.max_keys, f"{where}: MaxKeys")
        out.is_truncated = root.findtext("IsTruncated", "") or ""
        if out.is_truncated:
            v.listing_flag(out.is_truncated, f"{where}: IsTruncated")
        out.contents = [_fill(ContainerContent(), e, _CONTENT_FIELDS)
                        for e in root.findall("Contents")]
        out.common_prefixes = [_fill(ContainerCommonPrefix(), e, _PREFIX_FIELDS)
                               for e in root.findall("CommonPrefixes")]
        return out


class GetItemOutput(Output):
    """``item``: the attributes as Python values (``{}`` when the body had none)."""

    operation = "GetItem"

    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> GetItemOutput:
        decoded = v.items_object(body, cls.operation, "Item", "GetItem: Item")
        out = cls.__new__(cls)
        item = decoded.get("Item")
        # decoded natively when it was an object; anything else gets the Python checks
        out.item = item if type(item) is dict else cls(decoded).item
        return out

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        item = decoded_body.get("Item")
        self.item = {} if item is None else v.attributes(item, "GetItem: Item")


class GetItemsOutput(Output):
    """``items`` (list of dicts), ``last`` (no more pages) and ``next_marker``."""

    operation = "GetItems"

    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> GetItemsOutput:
        decoded = v.items_object(body, cls.operation, "Items", "GetItems: Items")
        out = cls.__new__(cls)
        out._fields(decoded)
        out.items = v.dict_list(decoded, "Items", cls.operation)  # items decoded natively
        return out

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        self._fields(decoded_body)
        attributes = v.attributes
        self.items = [attributes(item, "GetItems: Items", index) for index, item in
                      enumerate(v.dict_list(decoded_body, "Items", self.operation))]

    def _fields(self, decoded_body: dict[str, Any]) -> None:
        where = self.operation
        self.last = v.flag(decoded_body, "LastItemIncluded", where)
        self.next_marker = v.string(decoded_body, "NextMarker", where)
        v.integer(decoded_body, "NumItems", where)


class DescribeStreamOutput(Output):
    operation = "DescribeStream"

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        where = "DescribeStream"
        self.shard_count = v.integer(decoded_body, "ShardCount", where, high=MAX_SHARDS)
        self.retention_period_hours = v.integer(decoded_body, "RetentionPeriodHours", where,
                                                high=2**31 - 1)


class SeekShardOutput(Output):
    operation = "SeekShard"

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        self.location = v.string(decoded_body, "Location", "SeekShard", required=True,
                                 non_empty=True)


class PutRecordsResult(Output):
    """Per record: ``sequence_number`` and ``shard_id``, or ``error_code`` and
    ``error_message`` (None on success)."""

    def __init__(self, decoded_body: dict[str, Any], where: str = "PutRecords: Records[]") -> None:
        self.sequence_number = v.integer(decoded_body, "SequenceNumber", where)
        self.shard_id = v.integer(decoded_body, "ShardId", where, high=MAX_SHARDS)
        code = decoded_body.get("ErrorCode")
        if code is not None and type(code) is not int:
            v.protocol_error(f"{where}.ErrorCode", "must be an integer", code)
        self.error_code = code
        self.error_message = v.string(decoded_body, "ErrorMessage", where)


# How the native decoder fills PutRecordsResult (in __init__'s order; see records_object).
_PUT_RESULT_FIELDS = [
    ("SequenceNumber", "sequence_number", "i", 0, v.INT64_MAX),
    ("ShardId", "shard_id", "i", 0, MAX_SHARDS),
    ("ErrorCode", "error_code", "e", 0, 0),
    ("ErrorMessage", "error_message", "s", 0, 0),
]


class PutRecordsOutput(Output):
    operation = "PutRecords"

    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> PutRecordsOutput:
        decoded = v.records_object(body, cls.operation, PutRecordsResult, _PUT_RESULT_FIELDS)
        out = cls.__new__(cls)
        out._fill(decoded, v.object_list(decoded, "Records", cls.operation, PutRecordsResult))
        return out

    @staticmethod
    def summary(body: bytes) -> tuple[int, list[int], int | None] | None:
        """(record count, indices of refused records, FailedRecordCount) of an answer in
        canonical form, checked without building its records; None: parse it instead."""
        return v.records_summary(body, _PUT_RESULT_FIELDS, "ErrorCode")

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        where = self.operation
        records = v.dict_list(decoded_body, "Records", where)
        self._fill(decoded_body, [PutRecordsResult(r, f"{where}: Records[{i}]")
                                  for i, r in enumerate(records)])

    def _fill(self, decoded_body: dict[str, Any], records: list[PutRecordsResult]) -> None:
        self.failed_record_count = v.integer(decoded_body, "FailedRecordCount", self.operation,
                                             high=len(records) if records else 2**31)
        self.records = records


class GetRecordsResult(Output):
    """One record: ``data`` and ``client_info`` as bytes, ``partition_key``, sequence and
    arrival time."""

    def __init__(self, decoded_body: dict[str, Any], where: str = "GetRecords: Records[]") -> None:
        self.arrival_time_sec = v.integer(decoded_body, "ArrivalTimeSec", where)
        self.arrival_time_nsec = v.integer(decoded_body, "ArrivalTimeNSec", where, high=10**9 - 1)
        self.sequence_number = v.integer(decoded_body, "SequenceNumber", where)
        info = decoded_body.get("ClientInfo")
        self.client_info = None if info is None else v.blob(info, f"{where}.ClientInfo")
        self.partition_key = v.string(decoded_body, "PartitionKey", where)
        self.data = v.blob(decoded_body.get("Data"), f"{where}.Data")


# How the native decoder fills GetRecordsResult (in __init__'s order; see records_object).
_GET_RESULT_FIELDS = [
    ("ArrivalTimeSec", "arrival_time_sec", "i", 0, v.INT64_MAX),
    ("ArrivalTimeNSec", "arrival_time_nsec", "i", 0, 10**9 - 1),
    ("SequenceNumber", "sequence_number", "i", 0, v.INT64_MAX),
    ("ClientInfo", "client_info", "B", 0, 0),
    ("PartitionKey", "partition_key", "s", 0, 0),
    ("Data", "data", "b", 0, 0),
]


class GetRecordsOutput(Output):
    operation = "GetRecords"

    @classmethod
    def parse(cls, body: bytes, status: int = 200) -> GetRecordsOutput:
        decoded = v.records_object(body, cls.operation, GetRecordsResult, _GET_RESULT_FIELDS)
        out = cls.__new__(cls)
        out._fill(decoded, v.object_list(decoded, "Records", cls.operation, GetRecordsResult))
        return out

    def __init__(self, decoded_body: dict[str, Any]) -> None:
        where = self.operation
        self._fill(decoded_body, [GetRecordsResult(r, f"{where}: Records[{i}]")
                                  for i, r in enumerate(v.dict_list(decoded_body, "Records",
                                                                    where))])

    def _fill(self, decoded_body: dict[str, Any], records: list[GetRecordsResult]) -> None:
        where = self.operation
        self.next_location = v.string(decoded_body, "NextLocation", where)
        self.msec_behind_latest = v.integer(decoded_body, "MSecBehindLatest", where)
        self.records_behind_latest = v.integer(decoded_body, "RecordsBehindLatest", where)
        # a missing Records is tolerated (the official SDK raises TypeError)
        self.records = records
