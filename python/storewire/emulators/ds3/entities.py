"""Configuration entities the SDKs create and delete: data policies,
storage domains, pool partitions, storage domain members, data persistence rules, groups,
group members, bucket and data policy ACLs, and notification registrations.

Stored as JSON field maps. Query parameters set fields by normalised name
(``checksum_type`` → ``ChecksumType``); ``*_id`` references accept a UUID or a name
(users and buckets too).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .store import Store, new_id
from .wire import DS3Error, Query, bad_request, iso_time, norm_name


@dataclass(frozen=True)
class Kind:
    element: str  # list item element name
    named: bool
    defaults: Callable[[], dict[str, Any]]
    required: tuple[str, ...] = ()
    admin_only: bool = False  # creating or deleting one needs an Administrators member


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

def _registration(element: str, per_job: bool) -> Kind:
    def defaults() -> dict[str, Any]:
        fields: dict[str, Any] = {
            "CreationDate": iso_time(), "Format": "XML", "Id": "", "LastFailure": None,
            "LastHttpResponseCode": None, "LastNotification": None,
            "NamingConvention": "CONCAT_LOWERCASE", "NotificationEndPoint": "",
            "NotificationHttpMethod": "POST", "NumberOfFailuresSinceLastSuccess": 0,
            "UserId": None,
        }
        if per_job:
            fields["JobId"] = None
        return fields

    return Kind(element, False, defaults, ("NotificationEndPoint",))


# The registrations BlackPearl offers: resource -> (list element, may name one JobId).
NOTIFICATION_KINDS: dict[str, tuple[str, bool]] = {
    "job_completed_notification_registration": ("JobCompletedNotificationRegistration", True),
    "job_created_notification_registration": ("JobCreatedNotificationRegistration", False),
    "job_creation_failed_notification_registration":
        ("JobCreationFailedNotificationRegistration", False),
    "object_cached_notification_registration": ("S3ObjectCachedNotificationRegistration", True),
    "object_lost_notification_registration": ("S3ObjectLostNotificationRegistration", False),
    "object_persisted_notification_registration":
        ("S3ObjectPersistedNotificationRegistration", True),
    "pool_failure_notification_registration": ("PoolFailureNotificationRegistration", False),
    "storage_domain_failure_notification_registration":
        ("StorageDomainFailureNotificationRegistration", False),
    "system_failure_notification_registration": ("SystemFailureNotificationRegistration", False),
    "tape_failure_notification_registration": ("TapeFailureNotificationRegistration", False),
    "tape_partition_failure_notification_registration":
        ("TapePartitionFailureNotificationRegistration", False),
}
KINDS.update({name: _registration(element, per_job)
              for name, (element, per_job) in NOTIFICATION_KINDS.items()})

PERMISSIONS = ("LIST", "READ", "WRITE", "DELETE", "JOB", "OWNER")
KINDS.update({
    "group": Kind("Group", True, lambda: {"BuiltIn": False, "Id": "", "Name": ""},
                  ("Name",), admin_only=True),
    "group_member": Kind("GroupMember", False, lambda: {
        "GroupId": "", "Id": "", "MemberGroupId": None, "MemberUserId": None,
    }, ("GroupId",), admin_only=True),
    # BucketId None: a global ACL (every bucket).
    "bucket_acl": Kind("BucketAcl", False, lambda: {
        "BucketId": None, "GroupId": None, "Id": "", "Permission": "", "UserId": None,
    }, ("Permission",), admin_only=True),
    "data_policy_acl": Kind("DataPolicyAcl", False, lambda: {
        "DataPolicyId": "", "GroupId": None, "Id": "", "UserId": None,
    }, ("DataPolicyId",), admin_only=True),
})

_REFERENCES = {"DataPolicyId": "data_policy", "StorageDomainId": "storage_domain",
               "PoolPartitionId": "pool_partition", "GroupId": "group",
               "MemberGroupId": "group"}
_USER_REFERENCES = ("UserId", "MemberUserId")
_ENUMS = {"ChecksumType", "Versioning", "Type", "IsolationLevel", "State", "WritePreference",
          "Permission", "Format", "NamingConvention", "NotificationHttpMethod",
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
        elif field in _USER_REFERENCES or field == "BucketId":
            fields[field] = _row_id(store, "users" if field != "BucketId" else "buckets", text)
        elif field == "JobId":
            fields[field] = _row_id(store, "jobs", text)
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


def _row_id(store: Store, table: str, ident: str) -> str:
    """A user, bucket or job by id (or name, for users and buckets): its id, or 404."""
    by_name = " OR name=?" if table != "jobs" else ""
    with store.tx() as db:
        row = db.execute(f"SELECT id FROM {table} WHERE id=?{by_name}",
                         (ident, ident) if by_name else (ident,)).fetchone()
    if row is None:
        raise DS3Error(404, "NotFound", f"{table[:-1]} {ident!r} does not exist")
    return str(row[0])


def _check(kind_name: str, fields: dict[str, Any]) -> None:
    """Rules beyond required fields: one grantee for ACLs and members, a usable URL."""
    if kind_name in ("bucket_acl", "data_policy_acl"):
        if bool(fields.get("UserId")) == bool(fields.get("GroupId")):
            raise bad_request(f"a {kind_name} names exactly one of user_id and group_id")
    if kind_name == "bucket_acl" and fields["Permission"] not in PERMISSIONS:
        raise bad_request(f"permission must be one of {', '.join(PERMISSIONS)}")
    if kind_name == "group_member":
        if bool(fields.get("MemberUserId")) == bool(fields.get("MemberGroupId")):
            raise bad_request("a group member is exactly one of member_user_id and "
                              "member_group_id")
    if kind_name in NOTIFICATION_KINDS:
        url = urlsplit(str(fields["NotificationEndPoint"]))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise bad_request("notification_end_point must be an http:// or https:// URL")
        if fields["NotificationHttpMethod"] not in ("POST", "PUT", "GET", "HEAD", "DELETE"):
            raise bad_request("notification_http_method must be an HTTP method")


def create(store: Store, kind_name: str, query: Query) -> dict[str, Any]:
    kind = KINDS[kind_name]
    fields = apply_query(store, kind.defaults(), query)
    fields["Id"] = new_id()
    for req in kind.required:
        if not fields.get(req):
            raise bad_request(f"{kind_name} needs {req}")
    _check(kind_name, fields)
    if kind.named and store.entity(kind_name, fields["Name"]) is not None:
        raise DS3Error(409, "Conflict", f"{kind_name} {fields['Name']!r} already exists")
    store.put_entity(kind_name, fields)
    return fields


def access_id_for(name: str) -> str:
    """BlackPearl-style access id: base64 of the user name."""
    return base64.b64encode(name.encode("utf-8")).decode("ascii")
