"""What the conformance tests know of a backend: its name, client, bucket and key prefix,
and how it answers the verbs it cannot support (docs/verbs.md says why)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storewire import errors
from storewire.verbs import UnsupportedOperationError

BACKENDS = ("rgw", "ds3-s3", "ds3", "v3io", "sector")

# cp and mv where the backend has no copy: the typed error each raises.
NO_COPY: dict[str, type[errors.StorageError]] = {
    "ds3": UnsupportedOperationError,
    "v3io": UnsupportedOperationError,
    # (A real BlackPearl's S3 side has no CopyObject and s3.Client raises ProtocolError
    # there, docs/verbs.md; the emulator's S3 side copies, so ds3-s3 runs cp and mv.)
}


@dataclass
class Backend:
    """One backend: the client with the verb table, a bucket it may write to, and the
    key prefix of the current test."""

    name: str
    client: Any
    bucket: str
    other_bucket: str  # a second one, for copies between buckets
    prefix: str = ""

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    @property
    def copies(self) -> bool:
        return self.name not in NO_COPY
