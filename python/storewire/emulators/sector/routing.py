"""Which master owns a request when there are several.

Masters are ordered by router key, descending. A path belongs to master number
``h mod n`` where ``h`` is the last 4 bytes of SHA-1(normalised path) read as a
little-endian u32; key-based requests (sysinfo, df) go to ``session key mod n``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# Request types routed by their (first) path argument, and by the session key.
PATH_ROUTED = frozenset({101, 102, 103, 104, 105, 106, 107, 110, 114})
KEY_ROUTED = frozenset({3, 12})


def path_index(path: str, n: int) -> int:
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[-4:], "little") % n


def key_index(key: int, n: int) -> int:
    return key % n


def ordered(router_keys: Sequence[int]) -> list[int]:
    """The routing order: router keys, largest first."""
    return sorted(router_keys, reverse=True)
