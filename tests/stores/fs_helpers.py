"""What the fsspec tests share: each store's filesystem through fsspec's registry, and a
fresh directory per test."""

from __future__ import annotations

import itertools
import os

import fsspec

from store_servers import StoreServer
from storewire.fs import PROTOCOLS, StoreFileSystem

_dirs = itertools.count()
#: The fsspec protocol each store's filesystem is tested under.
PROTOCOL = {"ds3": "ds3", "s3": "sws3", "v3io": "swv3io", "sector": "sector"}


def make_fs(server: StoreServer) -> StoreFileSystem:
    """The server's filesystem through fsspec's registry (the entry point)."""
    cls = fsspec.get_filesystem_class(PROTOCOL[server.scheme])
    assert cls is PROTOCOLS[PROTOCOL[server.scheme]]
    return cls(**server.options)  # type: ignore[no-any-return]


def fresh_dir(server: StoreServer) -> str:
    """A directory path (bucket/...) no other test uses."""
    return f"{server.bucket}/fs{os.getpid()}-{next(_dirs)}"
