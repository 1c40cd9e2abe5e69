"""``StoreFile``: fsspec's buffered file on a store.

Reading: fsspec's block cache (``readahead`` by default) asks for ranges; a range longer
than one part is read as parallel ranged GETs (``Store.read_ranges``). Writing: the data
goes to a local spool file, handed to the system's large-file path when the file is
closed (multipart on S3, a bulk job on DS3, the data channel on Sector), or sent in one
request when it is small. A file opened for reading pickles (fsspec reopens it); one
opened for writing does not (its spool is local).
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from fsspec.spec import AbstractBufferedFile  # type: ignore[import-untyped]

from storewire import errors

if TYPE_CHECKING:
    from .base import StoreFileSystem

__all__ = ["StoreFile"]


class StoreFile(AbstractBufferedFile):  # type: ignore[misc]
    """A file of a :class:`~storewire.fs.base.StoreFileSystem` (modes ``rb``, ``wb``,
    ``xb``; ``ab`` only where the store can append, which none does here)."""

    DEFAULT_BLOCK_SIZE = 8 * 2**20

    def __init__(self, fs: StoreFileSystem, path: str, mode: str = "rb", **kwargs: Any) -> None:
        if mode == "ab":
            raise NotImplementedError("append is not supported: objects are written whole")
        self._spool: Any = None
        self._small = b""
        super().__init__(fs, path, mode, **kwargs)
        self.bucket, self.key = fs.split(path)
        if mode != "rb" and not self.key:
            raise errors.InvalidRequestError(f"cannot write to a bucket: {path!r}",
                                             operation="open", resource=path)

    # --- reading ------------------------------------------------------------------------

    def _fetch_range(self, start: int, end: int) -> bytes:
        part = self.fs.part_size_bytes
        end = min(end, self.size)
        if end - start <= part:
            return self.fs.store.read(self.bucket, self.key, start, end)  # type: ignore[no-any-return]
        ranges = [(self.key, s, min(s + part, end)) for s in range(start, end, part)]
        return b"".join(self.fs.store.read_ranges(self.bucket, ranges))

    # --- writing ------------------------------------------------------------------------

    def _initiate_upload(self) -> None:
        """Nothing yet: a file smaller than one block never needs a spool."""

    def _upload_chunk(self, final: bool = False) -> bool:
        if self._spool is None and not final:
            self._spool = tempfile.NamedTemporaryFile(prefix="storewire-fs-", delete=False)
        if self._spool is not None:
            self._spool.write(self.buffer.getbuffer())
        else:
            self._small = self.buffer.getvalue()
        if final and self.autocommit:
            self.commit()
        return True

    def commit(self) -> None:
        """Stores what was written (called at close, or by the transaction)."""
        try:
            if self._spool is None:
                self.fs.store.write(self.bucket, self.key, self._small)
            else:
                self._spool.close()
                self.fs.store.put_file(self.bucket, self.key, self._spool.name)
        finally:
            self._drop_spool()
        self.fs.invalidate_cache(self.path)

    def discard(self) -> None:
        """Drops what was written (a transaction that failed)."""
        self._drop_spool()

    def _drop_spool(self) -> None:
        spool, self._spool = self._spool, None
        if spool is not None:
            spool.close()
            if os.path.exists(spool.name):
                os.unlink(spool.name)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.autocommit:
                self._drop_spool()
