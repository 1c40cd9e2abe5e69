"""DS3 users: access id, secret key, name.

Ids are derived from the name (uuid5) so a persistent data dir keeps them across runs.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# BlackPearl access ids look like base64 text; this one is base64("spectra").
DEFAULT_ACCESS_ID = "c3BlY3RyYQ=="
DEFAULT_USER_NAME = "spectra"
_ID_NAMESPACE = uuid.UUID("6f1d0c2e-52d3-4c1e-9a57-3d8b0f0d4e11")


def user_id_for(name: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"user:{name}"))


@dataclass(frozen=True)
class User:
    access_id: str
    secret_key: str = field(repr=False)  # never in a repr or a log line
    name: str = ""
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.access_id or not self.secret_key:
            raise ValueError("a DS3 user needs a non-empty access id and secret key")
        if not self.name:
            object.__setattr__(self, "name", self.access_id)
        if not self.id:
            object.__setattr__(self, "id", user_id_for(self.name))


UserSpec = User | Mapping[str, str] | tuple[str, str] | tuple[str, str, str]


def coerce_user(spec: UserSpec) -> User:
    """Accepts a User, ``(access_id, secret[, name])`` or a mapping with those keys
    (``access_id``/``access_key``, ``secret_key``/``secret``, ``name``)."""
    if isinstance(spec, User):
        return spec
    if isinstance(spec, tuple):
        return User(*spec)
    access = spec.get("access_id") or spec.get("access_key") or ""
    secret = spec.get("secret_key") or spec.get("secret") or ""
    return User(access, secret, spec.get("name", ""))


def coerce_users(specs: Iterable[UserSpec] | None) -> list[User]:
    users = [coerce_user(s) for s in specs or ()]
    seen: set[str] = set()
    for user in users:
        if user.access_id in seen:
            raise ValueError(f"duplicate DS3 access id {user.access_id!r}")
        seen.add(user.access_id)
    return users


def new_secret() -> str:
    return secrets.token_urlsafe(18)
