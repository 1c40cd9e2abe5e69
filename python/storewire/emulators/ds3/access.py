"""Bucket access control: owners, the built-in groups, and bucket ACLs.

As on BlackPearl: a bucket's owner and the members of ``Administrators`` may do anything;
anyone else needs a bucket ACL, for the user or for a group the user belongs to
(``Everyone`` holds every user; groups nest), on that bucket or global (no bucket).
A permission is LIST, READ, WRITE, DELETE, JOB or OWNER (which grants all of them);
JOB also covers the transfers of a bulk job (``?job=``).
"""

from __future__ import annotations

from typing import Any

from .store import Store
from .users import User
from .wire import DS3Error, Query

ADMINISTRATORS = "Administrators"
EVERYONE = "Everyone"
TAPE_ADMINS = "Tape Admins"
BUILT_IN_GROUPS = (ADMINISTRATORS, EVERYONE, TAPE_ADMINS)


def user_groups(store: Store, user_id: str) -> set[str]:
    """Ids of the groups the user belongs to: direct, nested, and Everyone."""
    members = store.entities("group_member")
    everyone = store.entity("group", EVERYONE)
    found = {m["GroupId"] for m in members if m.get("MemberUserId") == user_id}
    if everyone is not None:
        found.add(everyone["Id"])
    frontier = set(found)
    while frontier:  # a group in group H makes its members members of H
        parents = {m["GroupId"] for m in members if m.get("MemberGroupId") in frontier}
        frontier = parents - found
        found |= parents
    return found


def is_admin(store: Store, user: User) -> bool:
    admins = store.entity("group", ADMINISTRATORS)
    return admins is not None and admins["Id"] in user_groups(store, user.id)


def require_admin(store: Store, user: User | None, what: str) -> None:
    if user is None or not is_admin(store, user):
        raise DS3Error(403, "AccessDenied", f"only Administrators may change {what}")


def granted(store: Store, user: User, bucket_id: str) -> set[str]:
    """The permissions bucket ACLs give the user on the bucket."""
    groups = user_groups(store, user.id)
    perms: set[str] = set()
    for acl in store.entities("bucket_acl"):
        if acl.get("BucketId") not in (None, "", bucket_id):
            continue
        if acl.get("UserId") == user.id or acl.get("GroupId") in groups:
            perms.add(str(acl["Permission"]))
    return perms


def check_bucket(store: Store, user: User | None, bucket: Any, needed: str,
                 in_job: bool = False) -> None:
    """403 unless ``user`` may do ``needed`` on the bucket row (None: nothing to check)."""
    if bucket is None or user is None or bucket["owner_id"] == user.id:
        return
    if is_admin(store, user):
        return
    perms = granted(store, user, bucket["id"])
    if "OWNER" in perms or needed in perms or (in_job and "JOB" in perms):
        return
    raise DS3Error(403, "AccessDenied",
                   f"user {user.name!r} has no {needed} permission on bucket {bucket['name']!r}",
                   resource=bucket["name"])


def may_see(store: Store, user: User | None, bucket: Any) -> bool:
    """Whether a bucket shows in the user's ``/_rest_/bucket/`` list: its own, every bucket
    for Administrators, and those an ACL grants anything on."""
    if user is None or bucket["owner_id"] == user.id or is_admin(store, user):
        return True
    return bool(granted(store, user, bucket["id"]))


def s3_permission(method: str, key: str, query: Query) -> str:
    if method in ("GET", "HEAD"):
        return "READ" if key else "LIST"
    if method == "DELETE" or (method == "POST" and query.has("delete")):
        return "DELETE"
    return "WRITE"


def check_s3_request(store: Store, user: User | None, method: str, bucket_name: str, key: str,
                     query: Query) -> None:
    """The check for a plain S3/DS3 object or bucket request (``/{bucket}[/{key}]``)."""
    if not bucket_name or user is None:
        return
    bucket = store.read_one("SELECT id, name, owner_id FROM buckets WHERE name=?",
                            (bucket_name,))
    check_bucket(store, user, bucket, s3_permission(method, key, query), query.has("job"))


def check_data_policy(store: Store, user: User | None, policy_id: str, default_id: str | None
                      ) -> None:
    """403 unless the user may put buckets on the data policy: Administrators, the user's
    own default policy, or a data policy ACL for the user or one of its groups."""
    if user is None or policy_id == default_id or is_admin(store, user):
        return
    groups = user_groups(store, user.id)
    for acl in store.entities("data_policy_acl"):
        if acl.get("DataPolicyId") == policy_id and (
                acl.get("UserId") == user.id or acl.get("GroupId") in groups):
            return
    raise DS3Error(403, "AccessDenied",
                   f"user {user.name!r} has no data policy ACL for policy {policy_id}")


def forget(store: Store, *, user_id: str | None = None, group_id: str | None = None) -> None:
    """Removes the memberships and ACLs of a deleted user or group."""
    fields = ("UserId", "MemberUserId") if user_id else ("GroupId", "MemberGroupId")
    gone = user_id or group_id
    with store.tx():
        for kind in ("group_member", "bucket_acl", "data_policy_acl"):
            for entry in store.entities(kind):
                if any(entry.get(f) == gone for f in fields):
                    store.delete_entity(kind, entry["Id"])
