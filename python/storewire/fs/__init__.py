"""fsspec filesystems for the four stores (docs/fsspec.md).

Installed with storewire, they are registered through the ``fsspec.specs`` entry point:
``fsspec.filesystem("ds3")``, ``fsspec.open("sector://data/a.csv")`` and
``pandas.read_parquet("sws3://bucket/table/")`` work without an import. :func:`register`
registers them by hand (for example to make ``v3io`` ours when v3iofs is installed too).
"""

from __future__ import annotations

import fsspec  # type: ignore[import-untyped]

from .base import StoreFileSystem
from .file import StoreFile
from .systems import Ds3FileSystem, S3FileSystem, SectorFileSystem, V3ioFileSystem

__all__ = [
    "PROTOCOLS",
    "Ds3FileSystem",
    "S3FileSystem",
    "SectorFileSystem",
    "StoreFile",
    "StoreFileSystem",
    "V3ioFileSystem",
    "register",
]

#: Every fsspec protocol name storewire registers, and its class.
PROTOCOLS: dict[str, type[StoreFileSystem]] = {
    "ds3": Ds3FileSystem,
    "sws3": S3FileSystem,
    "v3io": V3ioFileSystem,
    "swv3io": V3ioFileSystem,
    "sector": SectorFileSystem,
}


def register(*, clobber: bool = True) -> None:
    """Registers every protocol of :data:`PROTOCOLS` with fsspec (``clobber``: replace
    an implementation registered under the same name, such as v3iofs's ``v3io``)."""
    for name, cls in PROTOCOLS.items():
        fsspec.register_implementation(name, cls, clobber=clobber)
