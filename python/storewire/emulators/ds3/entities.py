"""Configuration entities the SDKs create and delete: data policies,
storage domains, pool partitions, storage domain members, data persistence rules.

Stored as JSON field maps. Query parameters set fields by normalised name
(``checksum_type`` → ``ChecksumType``); ``*_id`` references accept a UUID or a name.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .store import Store, new_id
from .wire import DS3Error, Query, bad_request, iso_time, norm_name


@dataclass(frozen=True)
class Kind:
    element: str  # list item element name
    named: bool
    defaults: Callable[[], dict[str, Any]]
    required: tuple[str, ...] = ()


def data_policy_defaults() -> dict[str, Any]:
    # Contract defaults: ChecksumType MD5, BlobbingEnabled, Versioning NONE, GET HIGH, PUT NORMAL.
    return {
        "AlwaysForcePutJobCreation": False, "AlwaysMinimizeSpanningAcrossMedia": False,
        "BlobbingEnabled": True, "ChecksumType": "MD5", "CreationDate": iso_time(),
        "DefaultBlobSize": 64 * (1 << 30), "DefaultGetJobPriority": "HIGH",
        "DefaultPutJobPriority": "NORMAL", "DefaultVerifyAfterWrite": False,
        "DefaultVerifyJobPriority": "LOW", "EndToEndCrcRequired": False, "Id": "",
        "MaxVersionsToKeep": 1000, "Name": "", "RebuildPriority": "LOW", "Versioning": "NONE",
    }


KINDS: dict[str, Kind] = {
    "data_policy": Kind("DataPolicy", True, data_policy_defaults, ("Name",)),
    "storage_domain": Kind("StorageDomain", True, lambda: {
        "AutoEjectMediaFullThreshold": None, "Id": "", "LtfsFileNaming": "OBJECT_ID",
        "MaxTapeFragmentationPercent": 65, "MaximumAutoVerificationFrequencyInDays": None,
        "MediaEjectionAllowed": True, "Name": "", "SecureMediaAllocation": False,
        "VerifyPriorToAutoEject": None, "WriteOptimization": "CAPACITY",
    }, ("Name",)),
    "pool_partition": Kind("PoolPartition", True, lambda: {
        "Id": "", "Name": "", "Type": "ONLINE",
    }, ("Name", "Type")),
    "storage_domain_member": Kind("StorageDomainMember", False, lambda: {
        "Id": "", "PoolPartitionId": None, "State": "NORMAL", "StorageDomainId": "",
        "TapePartitionId": None, "TapeType": None, "WritePreference": "NORMAL",
    }, ("StorageDomainId",)),
    "data_persistence_rule": Kind("DataPersistenceRule", False, lambda: {
        "DataPolicyId": "", "Id": "", "IsolationLevel": "STANDARD", "MinimumDaysToRetain": None,
        "State": "NORMAL", "StorageDomainId": "", "Type": "PERMANENT",
    }, ("DataPolicyId", "StorageDomainId", "Type")),
}

_REFERENCES = {"DataPolicyId": "data_policy", "StorageDomainId": "storage_domain",
               "PoolPartitionId": "pool_partition"}
_ENUMS = {"ChecksumType", "Versioning", "Type", "IsolationLevel", "State", "WritePreference",
          "DefaultGetJobPriority", "DefaultPutJobPriority", "DefaultVerifyJobPriority",
          "RebuildPriority", "LtfsFileNaming", "WriteOptimization", "TapeType"}


def apply_query(store: Store, fields: dict[str, Any], query: Query) -> dict[str, Any]:
    """Sets every field named by a query parameter, converting to the field's type."""
    by_norm = {norm_name(k): k for k in fields if k not in ("Id", "CreationDate")}
    for name, value in query.pairs:
        field = by_norm.get(norm_name(name))
        if field is None:
            continue
        current = fields[field]
        text = "" if value is None else value
        if field in _REFERENCES:
            target = store.entity(_REFERENCES[field], text)
            if target is None:
                raise DS3Error(404, "NotFound", f"{_REFERENCES[field]} {text!r} does not exist")
            fields[field] = target["Id"]
        elif isinstance(current, bool):
            fields[field] = text.strip().lower() in ("", "true", "1", "yes")
        elif isinstance(current, int) or field in ("MinimumDaysToRetain",
                                                   "AutoEjectMediaFullThreshold"):
            try:
                fields[field] = int(text)
            except ValueError as exc:
                raise bad_request(f"{name} must be an integer") from exc
        elif field in _ENUMS:
            fields[field] = text.upper()
        else:
            fields[field] = text
    return fields


def create(store: Store, kind_name: str, query: Query) -> dict[str, Any]:
    kind = KINDS[kind_name]
    fields = apply_query(store, kind.defaults(), query)
    fields["Id"] = new_id()
    for req in kind.required:
        if not fields.get(req):
            raise bad_request(f"{kind_name} needs {req}")
    if kind.named and store.entity(kind_name, fields["Name"]) is not None:
        raise DS3Error(409, "Conflict", f"{kind_name} {fields['Name']!r} already exists")
    store.put_entity(kind_name, fields)
    return fields


def access_id_for(name: str) -> str:
    """BlackPearl-style access id: base64 of the user name."""
    return base64.b64encode(name.encode("utf-8")).decode("ascii")
