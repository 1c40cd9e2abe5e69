"""What a fresh appliance already has: a storage domain on a pool partition, the default
data policy persisting to it, and the built-in groups (the first user administers).

Idempotent: a persistent data directory keeps what an earlier run (or a user) set up.
"""

from __future__ import annotations

from .access import ADMINISTRATORS, BUILT_IN_GROUPS
from .entities import KINDS
from .store import Store, new_id

DEFAULT_STORAGE_DOMAIN = "default"
DEFAULT_POOL_PARTITION = "default-pool"


def _ensure(store: Store, kind: str, name: str, **fields: object) -> str:
    found = store.entity(kind, name)
    if found is not None:
        return str(found["Id"])
    created = KINDS[kind].defaults()
    created.update(fields, Id=new_id(), Name=name)
    store.put_entity(kind, created)
    return str(created["Id"])


def seed(store: Store, data_policy_id: str, admin_user_id: str) -> None:
    if store.get_meta("seeded_storage") is None:
        domain = _ensure(store, "storage_domain", DEFAULT_STORAGE_DOMAIN)
        pool = _ensure(store, "pool_partition", DEFAULT_POOL_PARTITION, Type="ONLINE")
        member = KINDS["storage_domain_member"].defaults()
        member.update(Id=new_id(), PoolPartitionId=pool, StorageDomainId=domain)
        store.put_entity("storage_domain_member", member)
        rule = KINDS["data_persistence_rule"].defaults()
        rule.update(Id=new_id(), DataPolicyId=data_policy_id, StorageDomainId=domain)
        store.put_entity("data_persistence_rule", rule)
        store.set_meta("seeded_storage", "1")
    for name in BUILT_IN_GROUPS:
        _ensure(store, "group", name, BuiltIn=True)
    admins = str(store.entity("group", ADMINISTRATORS)["Id"])  # type: ignore[index]
    if not any(m.get("GroupId") == admins and m.get("MemberUserId") == admin_user_id
               for m in store.entities("group_member")):
        member = KINDS["group_member"].defaults()
        member.update(Id=new_id(), GroupId=admins, MemberUserId=admin_user_id)
        store.put_entity("group_member", member)
