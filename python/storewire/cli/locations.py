"""The places a command names: a store URL (``ds3://``, ``s3://``, ``v3io://``,
``sector://``) or a local path, and the files a source names (one file, everything below
a directory with ``-r``, or a glob), filtered by ``--include``/``--exclude``.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from storewire import errors
from storewire.stores import SCHEMES, parse_url

if TYPE_CHECKING:
    from .session import Session

__all__ = ["FileItem", "Location", "UsageError", "apply_filters", "expand", "has_glob",
           "listing"]

_GLOB = "*?["


class UsageError(Exception):
    """The command line asks for something it cannot mean (exit code 2)."""


def has_glob(text: str) -> bool:
    return any(c in text for c in _GLOB)


@dataclass(frozen=True)
class Location:
    """A store object or directory (``scheme`` one of the store schemes) or a local path
    (``scheme == "file"``, ``key`` the path). ``slash``: the text ended with ``/``."""

    scheme: str
    bucket: str
    key: str
    host: str | None = None
    port: int | None = None
    slash: bool = False

    @classmethod
    def parse(cls, text: str) -> Location:
        if "://" in text and text.split("://", 1)[0].lower() == "file":
            text = text.split("://", 1)[1] or "/"
        if "://" not in text:
            if not text:
                raise UsageError("an empty path")
            return cls("file", "", text, slash=text.endswith(os.sep))
        if text.split("://", 1)[0].lower() not in SCHEMES:
            raise UsageError(f"unknown scheme in {text!r} (expected a local path or one of "
                             f"{', '.join(s + '://' for s in SCHEMES)})")
        url = parse_url(text)
        return cls(url.scheme, url.bucket, url.key, url.host, url.port,
                   slash=text.endswith("/") or not url.key)

    @property
    def is_local(self) -> bool:
        return self.scheme == "file"

    @property
    def store_id(self) -> tuple[str, str | None, int | None]:
        return (self.scheme, self.host, self.port)

    def join(self, rel: str) -> Location:
        """The location ``rel`` (``/``-separated) below this directory."""
        if not rel:
            return self
        if self.is_local:
            return replace(self, key=os.path.join(self.key, *rel.split("/")), slash=False)
        return replace(self, key=f"{self.key.rstrip('/')}/{rel}" if self.key else rel,
                       slash=False)

    def __str__(self) -> str:
        if self.is_local:
            return self.key
        where = ""
        if self.host is not None:
            where = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        path = f"{self.bucket}/{self.key}" if self.key else self.bucket
        if self.scheme == "sector":
            return f"sector://{where}/{path}" if where else f"sector:///{path}"
        return f"{self.scheme}://{path}"


@dataclass(frozen=True)
class FileItem:
    """One file a source names: where it is, its name relative to the source, and what a
    listing said of it (``etag`` None where the system gives none)."""

    location: Location
    rel: str
    size: int
    mtime: datetime | None = None
    etag: str | None = None


def apply_filters(rel: str, filters: list[tuple[str, str]]) -> bool:
    """aws cli's rule: every file is in, then each ``--exclude``/``--include`` that
    matches ``rel`` decides again, the last one winning."""
    keep = True
    for kind, pattern in filters:
        if fnmatch.fnmatchcase(rel, pattern):
            keep = kind == "include"
    return keep


def _local_mtime(path: str) -> datetime:
    return datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc)


def _local_file(path: str, rel: str) -> FileItem:
    loc = Location("file", "", path)
    return FileItem(loc, rel, os.path.getsize(path), _local_mtime(path))


def _walk_local(root: str) -> list[FileItem]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if not os.path.islink(path) or os.path.isfile(path):
                out.append(_local_file(path, rel))
    return out


def listing(session: Session, loc: Location) -> list[FileItem]:
    """Every file below the directory ``loc`` (all levels); ``[]`` when there is none."""
    if loc.is_local:
        return _walk_local(loc.key) if os.path.isdir(loc.key) else []
    store = session.store(loc)
    try:
        entries = store.find(loc.bucket, loc.key)
    except errors.NotFoundError:
        return []
    base = loc.key.strip("/")
    cut = len(base) + 1 if base else 0
    return [FileItem(replace(loc, key=e.key, slash=False), e.key[cut:], e.size, e.mtime,
                     e.etag) for e in entries if not e.is_dir]


def _glob_local(pattern: str) -> list[FileItem]:
    base = os.path.dirname(pattern[:min(pattern.index(c) for c in _GLOB if c in pattern)])
    found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    return [_local_file(p, os.path.relpath(p, base or ".").replace(os.sep, "/"))
            for p in found]


def _glob_store(session: Session, loc: Location) -> list[FileItem]:
    first = min(loc.key.index(c) for c in _GLOB if c in loc.key)
    base = loc.key[:first].rpartition("/")[0]
    items = listing(session, replace(loc, key=base))
    cut = len(base) + 1 if base else 0
    return [i for i in items if fnmatch.fnmatchcase(i.location.key[cut:], loc.key[cut:])]


def expand(session: Session, loc: Location, recursive: bool) -> list[FileItem]:
    """The files the source ``loc`` names: a glob's matches, with ``recursive`` everything
    below a directory, else the one file. ``NotFoundError`` when it names nothing;
    ``UsageError`` for a directory without ``recursive``."""
    if loc.is_local:
        if has_glob(loc.key):
            return _glob_local(loc.key)
        if os.path.isdir(loc.key):
            if not recursive:
                raise UsageError(f"{loc} is a directory (use -r/--recursive)")
            return _walk_local(loc.key)
        if not os.path.exists(loc.key):
            raise errors.NotFoundError(f"no such file: {loc}", operation="stat",
                                       resource=str(loc))
        return [_local_file(loc.key, os.path.basename(loc.key))]
    if has_glob(loc.key):
        return _glob_store(session, loc)
    if recursive or not loc.key or loc.slash:
        if not recursive:
            raise UsageError(f"{loc} is a directory (use -r/--recursive)")
        found = listing(session, loc)
        if found or not loc.key:
            return found
    store = session.store(loc)
    try:
        entry = store.head(loc.bucket, loc.key)
    except errors.NotFoundError as missing:
        if recursive:
            raise
        try:
            is_dir = store.info(loc.bucket, loc.key).is_dir
        except errors.NotFoundError:
            raise missing from None
        if is_dir:
            raise UsageError(f"{loc} is a directory (use -r/--recursive)") from None
        raise
    return [FileItem(loc, loc.key.rpartition("/")[2], entry.size, entry.mtime, entry.etag)]
