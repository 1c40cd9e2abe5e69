"""``StoreFileSystem``: an fsspec ``AbstractFileSystem`` over one :mod:`storewire.stores`
adapter. Paths are ``bucket/key`` (the protocol is stripped); ``""`` is the root, whose
entries are the buckets.

What fsspec would do one file at a time runs as one batch of the store: ``put``/``get``
of many files (fsspec's own path logic picks the pairs, then one ``put_many`` or
``get_files`` moves them: a DS3 bulk job, a ``perform_many`` batch, parallel Sector
channels), ``cat`` of many paths (``get_many``), ``cat_ranges`` (``read_ranges``), ``pipe``
of many values and ``rm`` of many files (``delete_many``). Listings are cached in fsspec's
``dircache`` and dropped for every path a call writes or removes.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from fsspec.callbacks import DEFAULT_CALLBACK  # type: ignore[import-untyped]
from fsspec.spec import AbstractFileSystem  # type: ignore[import-untyped]

from storewire import errors
from storewire.stores import Entry, Store, open_store, split_path

from .file import StoreFile

__all__ = ["StoreFileSystem"]

_FS_OPTIONS = ("use_listings_cache", "listings_expiry_time", "max_paths")


def _as_dict(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"name": entry.path, "size": entry.size, "type": entry.type}
    if entry.etag is not None:
        out["ETag"] = entry.etag
    if entry.mtime is not None:
        out["mtime"] = entry.mtime
    return out


def _rebuild(cls: type[StoreFileSystem], args: tuple[Any, ...], options: dict[str, Any],
             store: Store[Any]) -> StoreFileSystem:
    """Unpickling: the same filesystem (fsspec's cached instance when this process has
    one) with the sender's resolved settings where this process's environment resolves
    others; the store builds this process's own client on first use."""
    fs = cls(*args, **options)
    if fs.store.config != store.config or fs.store.client_options != store.client_options:
        fs.store = store
    return fs


class StoreFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """The fsspec filesystem of one store; subclasses name the store's ``scheme`` and
    their fsspec ``protocol`` names. Keyword arguments are the store's settings
    (docs/stores.md) plus fsspec's listings-cache options."""

    scheme: ClassVar[str]
    root_marker = ""
    #: Ranged reads longer than this are split into parallel parts.
    part_size_bytes: ClassVar[int] = 8 * 2**20

    def __init__(self, *args: Any, **options: Any) -> None:
        fs_options = {k: options.pop(k) for k in _FS_OPTIONS if k in options}
        options.pop("skip_instance_cache", None)
        super().__init__(*args, **fs_options)
        self.store: Store[Any] = open_store(self.scheme, **options)
        self._batch = threading.local()
        self._buckets: set[str] = set()  # buckets known to exist (they are rarely removed)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.storage_args, self.storage_options, self.store)

    # --- paths --------------------------------------------------------------------------

    def split(self, path: str) -> tuple[str, str]:
        """``(bucket, key)`` of a path or URL."""
        return split_path(self._strip_protocol(path))

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = str(os.fspath(path)) if isinstance(path, os.PathLike) else str(path)
        protos = (cls.protocol,) if isinstance(cls.protocol, str) else cls.protocol
        for protocol in protos:
            for sep in ("://", "::"):
                if text.startswith(protocol + sep):
                    text = text[len(protocol) + len(sep):]
        return text.strip("/")

    # --- listing and metadata -----------------------------------------------------------

    def ls(self, path: str, detail: bool = True, refresh: bool = False,
           **kwargs: Any) -> list[Any]:
        path = self._strip_protocol(path)
        entries = None
        if not refresh and path in self.dircache:
            entries = self.dircache[path]
        if entries is None:
            entries = self._list(path)
        return entries if detail else sorted(e["name"] for e in entries)

    def _list(self, path: str) -> list[dict[str, Any]]:
        bucket, key = split_path(path)
        if not bucket:
            entries = [_as_dict(e) for e in self.store.buckets()]
        else:
            try:
                entries = [_as_dict(e) for e in self.store.ls(bucket, key)]
            except errors.NotFoundError:
                if not key:
                    raise
                return [_as_dict(self.store.head(bucket, key))]  # a file lists itself
        self.dircache[path] = entries
        return entries

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        path = self._strip_protocol(path)
        bucket, key = split_path(path)
        if not bucket:
            return {"name": "", "size": 0, "type": "directory"}
        if path in self.dircache:  # a directory listed before
            return {"name": path, "size": 0, "type": "directory"}
        cached = self._ls_from_cache(path)  # FileNotFoundError: its listed parent lacks it
        for entry in cached or []:
            if entry["name"] == path:
                return dict(entry)
        if not key:
            if bucket not in self._buckets:
                self.store.info(bucket, "")  # NotFoundError when there is none
                self._buckets.add(bucket)
            return {"name": path, "size": 0, "type": "directory"}
        try:
            return _as_dict(self.store.head(bucket, key))
        except errors.NotFoundError:
            entries = self._list(path)  # kept in the listings cache: ls comes next
            if len(entries) == 1 and entries[0]["name"] == path and \
                    entries[0]["type"] == "file":
                return dict(entries[0])  # it appeared meanwhile
            return {"name": path, "size": 0, "type": "directory"}

    def exists(self, path: str, **kwargs: Any) -> bool:
        try:
            self.info(path)
        except FileNotFoundError:
            return False
        except errors.InvalidRequestError:
            return False
        return True

    def modified(self, path: str) -> Any:
        info = self.info(path)
        if "mtime" not in info:
            raise IsADirectoryError(path)
        return info["mtime"]

    # --- directories --------------------------------------------------------------------

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        bucket, key = self.split(path)
        if not bucket:
            raise errors.InvalidRequestError("cannot make the root", operation="mkdir")
        if not key:
            if self.exists(bucket):
                raise FileExistsError(bucket)
            self.store.make_bucket(bucket)
            self._buckets.add(bucket)
        else:
            if not create_parents and not self.exists(self._parent(path)):
                raise FileNotFoundError(self._parent(path))
            self.store.mkdir(bucket, key)
        self.invalidate_cache(self._parent(self._strip_protocol(path)))

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        bucket, key = self.split(path)
        if not exist_ok and self.exists(path):
            raise FileExistsError(path)
        if bucket and not self.exists(bucket):
            self.store.make_bucket(bucket)
            self._buckets.add(bucket)
        if key:
            self.store.mkdir(bucket, key)
            self.invalidate_cache(self._parent(self._strip_protocol(path)))

    def rmdir(self, path: str) -> None:
        bucket, key = self.split(path)
        if key:
            self.store.rmdir(bucket, key)
        else:
            self.store.remove_bucket(bucket)
            self._buckets.discard(bucket)
        self.invalidate_cache(self._strip_protocol(path))

    def invalidate_cache(self, path: str | None = None) -> None:
        if path is None:
            self.dircache.clear()
        else:
            path = self._strip_protocol(path)
            while True:  # a write changes the listings of every ancestor
                self.dircache.pop(path, None)
                if not path:
                    break
                path = self._parent(path)
        super().invalidate_cache(path)

    # --- files --------------------------------------------------------------------------

    def _open(self, path: str, mode: str = "rb", block_size: Any = None,
              autocommit: bool = True, cache_options: Any = None,
              **kwargs: Any) -> StoreFile:
        if mode == "xb" and self.exists(path):
            raise FileExistsError(path)
        return StoreFile(self, self._strip_protocol(path), mode, block_size=block_size,
                         autocommit=autocommit, cache_options=cache_options, **kwargs)

    def cat_file(self, path: str, start: int | None = None, end: int | None = None,
                 **kwargs: Any) -> bytes:
        bucket, key = self.split(path)
        if (start is not None and start < 0) or (end is not None and end < 0):
            start, end = self._from_end(path, start, end)
        if not key:
            raise IsADirectoryError(path)
        return self.store.read(bucket, key, start or 0, end)  # type: ignore[no-any-return]

    def _from_end(self, path: str, start: int | None, end: int | None
                  ) -> tuple[int | None, int | None]:
        size = self.info(path)["size"]
        if start is not None and start < 0:
            start = max(size + start, 0)
        if end is not None and end < 0:
            end = max(size + end, 0)
        return start, end

    def cat_ranges(self, paths: list[str], starts: Any, ends: Any, max_gap: Any = None,
                   on_error: str = "return", **kwargs: Any) -> list[Any]:
        if not isinstance(paths, list):
            raise TypeError("paths must be a list")
        starts = starts if isinstance(starts, list) else [starts] * len(paths)
        ends = ends if isinstance(ends, list) else [ends] * len(paths)
        if len(starts) != len(paths) or len(ends) != len(paths):
            raise ValueError("paths, starts and ends differ in length")
        by_bucket: dict[str, list[tuple[int, str, int, int | None]]] = defaultdict(list)
        out: list[Any] = [None] * len(paths)
        for i, (path, start, end) in enumerate(zip(paths, starts, ends, strict=True)):
            if (start is not None and start < 0) or (end is not None and end < 0):
                start, end = self._from_end(path, start, end)
            bucket, key = self.split(path)
            by_bucket[bucket].append((i, key, start or 0, end))
        for bucket, wanted in by_bucket.items():
            try:
                got = self.store.read_ranges(bucket, [(k, s, e) for _, k, s, e in wanted])
            except Exception:
                if on_error != "return":
                    raise
                got = [self._one_range(bucket, k, s, e) for _, k, s, e in wanted]
            for (i, *_), data in zip(wanted, got, strict=True):
                out[i] = data
        return out

    def _one_range(self, bucket: str, key: str, start: int, end: int | None) -> Any:
        try:
            return self.store.read(bucket, key, start, end)
        except Exception as exc:
            return exc

    def cat(self, path: Any, recursive: bool = False, on_error: str = "raise",
            **kwargs: Any) -> Any:
        paths = self.expand_path(path, recursive=recursive)
        if len(paths) == 1 and not isinstance(path, list) \
                and paths[0] == self._strip_protocol(path):
            return self.cat_file(paths[0])
        files = [p for p in paths if self.info(p)["type"] == "file"] if recursive else paths
        by_bucket: dict[str, list[str]] = defaultdict(list)
        for p in files:
            bucket, key = self.split(p)
            by_bucket[bucket].append(key)
        out: dict[str, Any] = {}
        for bucket, keys in by_bucket.items():
            try:
                found = self.store.get_many(bucket, keys)
                out.update({f"{bucket}/{k}": v for k, v in found.items()})
            except Exception:
                if on_error == "raise":
                    raise
                for key in keys:  # which ones failed, one by one
                    value = self._one_range(bucket, key, 0, None)
                    if not isinstance(value, Exception) or on_error == "return":
                        out[f"{bucket}/{key}"] = value
        return out

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite",
                  **kwargs: Any) -> None:
        bucket, key = self.split(path)
        if mode == "create" and self.exists(path):
            raise FileExistsError(path)
        self.store.write(bucket, key, value)
        self.invalidate_cache(self._strip_protocol(path))

    def pipe(self, path: Any, value: Any = None, **kwargs: Any) -> None:
        items = {path: value} if isinstance(path, str) else dict(path)
        by_bucket: dict[str, dict[str, Any]] = defaultdict(dict)
        for p, data in items.items():
            bucket, key = self.split(p)
            by_bucket[bucket][key] = data
        for bucket, values in by_bucket.items():
            self.store.put_many(bucket, values)
        for p in items:
            self.invalidate_cache(self._strip_protocol(p))

    # --- many files as one batch --------------------------------------------------------

    @contextmanager
    def _batched(self) -> Iterator[list[tuple[str, str]]]:
        pending: list[tuple[str, str]] = []
        self._batch.pending = pending
        try:
            yield pending
        finally:
            self._batch.pending = None

    def put_file(self, lpath: str, rpath: str, callback: Any = DEFAULT_CALLBACK,
                 mode: str = "overwrite", **kwargs: Any) -> None:
        if mode == "create" and self.exists(rpath):
            raise FileExistsError(rpath)
        if os.path.isdir(lpath):
            self.makedirs(rpath, exist_ok=True)
            return
        pending = getattr(self._batch, "pending", None)
        if pending is not None:
            pending.append((os.fspath(lpath), self._strip_protocol(rpath)))
            return
        bucket, key = self.split(rpath)
        self.store.put_file(bucket, key, lpath)
        callback.set_size(os.path.getsize(lpath))
        callback.relative_update(os.path.getsize(lpath))
        self.invalidate_cache(self._strip_protocol(rpath))

    def put(self, lpath: Any, rpath: Any, recursive: bool = False,
            callback: Any = DEFAULT_CALLBACK, maxdepth: int | None = None,
            **kwargs: Any) -> None:
        """fsspec's path rules, then one ``put_many`` per bucket."""
        with self._batched() as pending:
            super().put(lpath, rpath, recursive=recursive, callback=callback,
                        maxdepth=maxdepth, **kwargs)
        by_bucket: dict[str, dict[str, str]] = defaultdict(dict)
        for local, remote in pending:
            bucket, key = split_path(remote)
            by_bucket[bucket][key] = local
        for bucket, items in by_bucket.items():
            self.store.put_many(bucket, items)
        for _, remote in pending:
            self.invalidate_cache(remote)

    def get_file(self, rpath: str, lpath: Any, callback: Any = DEFAULT_CALLBACK,
                 outfile: Any = None, **kwargs: Any) -> None:
        if outfile is not None or not isinstance(lpath, (str, os.PathLike)):
            target = outfile if outfile is not None else lpath
            target.write(self.cat_file(rpath))
            return
        if self.isdir(rpath):
            os.makedirs(lpath, exist_ok=True)
            return
        local = os.fspath(lpath)
        os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
        pending = getattr(self._batch, "pending", None)
        if pending is not None:
            pending.append((local, self._strip_protocol(rpath)))
            return
        bucket, key = self.split(rpath)
        self.store.get_files(bucket, {key: local})

    def get(self, rpath: Any, lpath: Any, recursive: bool = False,
            callback: Any = DEFAULT_CALLBACK, maxdepth: int | None = None,
            **kwargs: Any) -> None:
        """fsspec's path rules, then one ``get_files`` per bucket."""
        with self._batched() as pending:
            super().get(rpath, lpath, recursive=recursive, callback=callback,
                        maxdepth=maxdepth, **kwargs)
        by_bucket: dict[str, dict[str, str]] = defaultdict(dict)
        for local, remote in pending:
            bucket, key = split_path(remote)
            by_bucket[bucket][key] = local
        for bucket, files in by_bucket.items():
            self.store.get_files(bucket, files)

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        if self.isdir(path1):
            self.makedirs(path2, exist_ok=True)
            return
        bucket, key = self.split(path1)
        dest_bucket, dest_key = self.split(path2)
        self.store.copy(bucket, key, dest_bucket, dest_key)
        self.invalidate_cache(self._strip_protocol(path2))

    def rm_file(self, path: str) -> None:
        bucket, key = self.split(path)
        self.store.delete(bucket, key)
        self.invalidate_cache(self._strip_protocol(path))

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        """Files as one ``delete_many`` per bucket, then the directories left (Sector),
        deepest first."""
        paths = self.expand_path(path, recursive=recursive, maxdepth=maxdepth)
        kinds = {p: self.info(p)["type"] for p in paths}
        if not recursive and any(k == "directory" for k in kinds.values()):
            raise IsADirectoryError(next(p for p, k in kinds.items() if k == "directory"))
        by_bucket: dict[str, list[str]] = defaultdict(list)
        for p, kind in kinds.items():
            if kind == "file":
                bucket, key = split_path(p)
                by_bucket[bucket].append(key)
        for bucket, keys in by_bucket.items():
            self.store.delete_many(bucket, keys)
        for p in sorted((p for p, k in kinds.items() if k == "directory"), reverse=True):
            bucket, key = split_path(p)
            if key:
                try:
                    self.store.rmdir(bucket, key)
                except errors.NotFoundError:
                    pass  # an object store's directory went with its last key
        for p in paths:
            self.invalidate_cache(p)
