"""Moving many files: planned as ``(source item, destination)`` pairs, run in batches
through the adapter's batch calls (one DS3 bulk job, one ``perform_many`` batch, parallel
Sector channels per batch), so the live display moves as batches finish.

A download lands under a temporary name beside its target and is renamed when its batch
is complete, so an interrupted copy (Ctrl-C) never leaves a partial file under a final
name. A batch that fails is tried again file by file, to report each failure with its
own typed error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from storewire import errors

from .locations import FileItem, Location
from .output import Reporter
from .session import Session

__all__ = ["Transfer", "run_transfers", "temp_name"]

#: A batch holds up to this many files or bytes (the first reached), and at least one file.
BATCH_FILES = 500
BATCH_BYTES = 256 * 1024 * 1024
#: A file this large travels alone, with the system's large-file path (Store.get_file:
#: parallel ranged GETs on S3).
LARGE_FILE = 64 * 1024 * 1024
#: Schemes whose server copies a file in one request (S3 CopyObject, the Sector master,
#: CopyObject on a DS3 endpoint's S3 side). V3IO's data API has no copy.
_SERVER_COPY = ("ds3", "s3", "sector")
#: S3's limit of one CopyObject; a larger object goes down and up again.
_COPY_OBJECT_MAX = 5 * 2**30


@dataclass(frozen=True)
class Transfer:
    """Copy ``item`` to ``dest`` (and remove the source after, for ``mv``)."""

    item: FileItem
    dest: Location

    @property
    def action(self) -> str:
        src, dst = self.item.location, self.dest
        if src.is_local and not dst.is_local:
            return "upload"
        if dst.is_local and not src.is_local:
            return "download"
        return "copy"


def temp_name(path: str) -> str:
    """A hidden temporary name in ``path``'s directory (renamed over ``path`` when done)."""
    head, tail = os.path.split(path)
    return os.path.join(head, f".{tail}.{uuid.uuid4().hex[:8]}.swpart")


def _batches(transfers: Sequence[Transfer]) -> list[list[Transfer]]:
    """Batches of one source store and bucket to one destination store and bucket."""
    groups: dict[tuple[Any, ...], list[Transfer]] = {}
    for t in transfers:
        s, d = t.item.location, t.dest
        groups.setdefault((s.store_id, s.bucket, d.store_id, d.bucket), []).append(t)
    out: list[list[Transfer]] = []
    for group in groups.values():
        batch: list[Transfer] = []
        size = 0
        for t in group:
            if t.item.size >= LARGE_FILE:
                out.append([t])
                continue
            if batch and (len(batch) >= BATCH_FILES or size + t.item.size > BATCH_BYTES):
                out.append(batch)
                batch, size = [], 0
            batch.append(t)
            size += t.item.size
        if batch:
            out.append(batch)
    return out


def _threads(fn: Callable[[Any], None], items: Sequence[Any], workers: int) -> None:
    """``fn`` over ``items`` on threads; the first failure raised after all finished."""
    if len(items) <= 1 or workers <= 1:
        for item in items:
            fn(item)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
    for f in futures:
        if f.exception() is not None:
            raise f.exception()  # type: ignore[misc]


class Runner:
    """Runs one command's transfers against its session's stores."""

    def __init__(self, session: Session, reporter: Reporter, *, remove_source: bool = False,
                 jobs: int = 8) -> None:
        self.session = session
        self.reporter = reporter
        self.remove_source = remove_source
        self.jobs = jobs

    # --- one batch, each direction --------------------------------------------------------

    def _download(self, batch: Sequence[Transfer]) -> None:
        src = batch[0].item.location
        store = self.session.store(src)
        temps: dict[str, str] = {}
        try:
            for t in batch:
                os.makedirs(os.path.dirname(os.path.abspath(t.dest.key)), exist_ok=True)
                temps[t.item.location.key] = temp_name(t.dest.key)
            self.reporter.watch(list(temps.values()))
            if len(batch) == 1 and batch[0].item.size >= LARGE_FILE:
                store.get_file(src.bucket, src.key, temps[src.key])
            else:
                store.get_files(src.bucket, temps)
            for t in batch:
                os.replace(temps.pop(t.item.location.key), t.dest.key)
        finally:
            self.reporter.watch([])
            for temp in temps.values():
                if os.path.exists(temp):
                    os.unlink(temp)

    def _upload(self, batch: Sequence[Transfer]) -> None:
        dst = batch[0].dest
        store = self.session.store(dst)
        if len(batch) == 1 and batch[0].item.size >= LARGE_FILE:
            # alone, with the bar moving as its parts (S3) or blobs (DS3) are stored
            store.put_file(dst.bucket, dst.key, batch[0].item.location.key,
                           progress=self.reporter.moving)
            return
        store.put_many(dst.bucket, {t.dest.key: t.item.location.key for t in batch})

    def _local_copy(self, batch: Sequence[Transfer]) -> None:
        def one(t: Transfer) -> None:
            os.makedirs(os.path.dirname(os.path.abspath(t.dest.key)), exist_ok=True)
            temp = temp_name(t.dest.key)
            try:
                shutil.copyfile(t.item.location.key, temp)
                os.replace(temp, t.dest.key)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)

        _threads(one, batch, self.jobs)

    def _store_copy(self, batch: Sequence[Transfer]) -> None:
        src, dst = batch[0].item.location, batch[0].dest
        source, dest = self.session.store(src), self.session.store(dst)
        too_big = src.scheme != "sector" and any(t.item.size > _COPY_OBJECT_MAX
                                                  for t in batch)
        if source is dest and src.scheme in _SERVER_COPY and not too_big:
            _threads(lambda t: source.copy(src.bucket, t.item.location.key, dst.bucket,
                                           t.dest.key), batch, self.jobs)
            return
        # one batch down into a private folder, one batch up from it
        with tempfile.TemporaryDirectory(prefix="storewire-relay-") as tmp:
            paths = {t.item.location.key: os.path.join(tmp, str(i))
                     for i, t in enumerate(batch)}
            source.get_files(src.bucket, paths)
            dest.put_many(dst.bucket, {t.dest.key: paths[t.item.location.key]
                                       for t in batch})

    def _run_batch(self, batch: Sequence[Transfer]) -> None:
        src, dst = batch[0].item.location, batch[0].dest
        if src.is_local and dst.is_local:
            self._local_copy(batch)
        elif src.is_local:
            self._upload(batch)
        elif dst.is_local:
            self._download(batch)
        else:
            self._store_copy(batch)

    def _remove_sources(self, done: Sequence[Transfer]) -> None:
        src = done[0].item.location
        if src.is_local:
            for t in done:
                os.unlink(t.item.location.key)
        else:
            self.session.store(src).delete_many(src.bucket,
                                                [t.item.location.key for t in done])

    # --- all of them ----------------------------------------------------------------------

    def _finish(self, done: Sequence[Transfer]) -> None:
        if done and self.remove_source:
            self._remove_sources(done)
        for t in done:
            self.reporter.done("move" if self.remove_source else t.action,
                               str(t.item.location), str(t.dest), t.item.size)

    def run(self, transfers: Sequence[Transfer]) -> None:
        for batch in _batches(transfers):
            try:
                self._run_batch(batch)
            except (errors.StorageError, OSError) as exc:
                whole = exc if len(batch) == 1 else self._missing_bucket(batch)
                if whole is None:
                    self._one_by_one(batch)
                    continue
                for t in batch:
                    self.reporter.failed(t.action, str(t.item.location), str(t.dest), whole)
                continue
            self._finish(batch)

    def _missing_bucket(self, batch: Sequence[Transfer]) -> Exception | None:
        """The error that fails a whole batch: a source or destination bucket that does
        not exist (then trying each file alone would only repeat it)."""
        for loc in (batch[0].item.location, batch[0].dest):
            if loc.is_local:
                continue
            try:
                self.session.store(loc).info(loc.bucket, "")
            except errors.NotFoundError as exc:
                return exc
            except (errors.StorageError, OSError):
                return None
        return None

    def _one_by_one(self, batch: Sequence[Transfer]) -> None:
        """After a batch failed: each file alone, so each failure names its own error."""
        for t in batch:
            try:
                self._run_batch([t])
            except (errors.StorageError, OSError) as exc:
                self.reporter.failed(t.action, str(t.item.location), str(t.dest), exc)
                continue
            self._finish([t])


def run_transfers(session: Session, reporter: Reporter, transfers: Sequence[Transfer], *,
                  remove_source: bool = False) -> None:
    """Runs ``transfers`` with the live display; failures are reported, not raised."""
    jobs = session.jobs or 8
    reporter.start(len(transfers), sum(t.item.size for t in transfers))
    try:
        Runner(session, reporter, remove_source=remove_source, jobs=jobs).run(transfers)
    finally:
        reporter.stop()
