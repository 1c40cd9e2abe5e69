"""What a command tells the person or program that ran it: a live rich progress display
on a terminal, one summary line otherwise, nothing with ``--quiet``, and with ``--json``
one JSON object per finished item and then a summary (docs/cli.md#output).

Errors always go to stderr in words (or into the item's JSON object with ``--json``).
"""

from __future__ import annotations

import glob
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Reporter", "error_text", "human_size"]


def human_size(size: float) -> str:
    """``1536`` -> ``"1.5 KiB"`` (binary units, as aws cli's --human-readable)."""
    for unit in ("Bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "Bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def error_text(exc: BaseException) -> str:
    """``NotFoundError: no bucket 'x'``: the typed error's class and message."""
    return f"{type(exc).__name__}: {exc}"


#: The live display's label while the work runs.
_DOING = {"copied": "copying", "moved": "moving", "synced": "syncing", "deleted": "deleting"}


@dataclass
class Totals:
    files: int = 0
    bytes: int = 0
    failed: int = 0
    deleted: int = 0
    planned_files: int = 0
    planned_bytes: int = 0
    started: float = field(default_factory=time.monotonic)


class Reporter:
    """Counts finished items and shows them in the mode the options chose: ``"json"``,
    ``"quiet"``, ``"tty"`` (rich live progress) or ``"plain"`` (the summary line)."""

    def __init__(self, mode: str, verb: str = "copied", out: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.mode = mode
        self.verb = verb
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.totals = Totals()
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None
        self._watched: list[str] = []
        self._moving = 0  # bytes of the files in flight that their transfer reported
        self._shown = 0
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()

    @classmethod
    def for_options(cls, quiet: bool, as_json: bool, verb: str = "copied") -> Reporter:
        if as_json:
            return cls("json", verb)
        if quiet:
            return cls("quiet", verb)
        return cls("tty" if sys.stdout.isatty() else "plain", verb)

    # --- the live display ---------------------------------------------------------------

    def start(self, files: int, size: int | None) -> None:
        """The work is known: ``files`` files of ``size`` bytes in all (None: not known
        before the end, as for a stream from stdin)."""
        self.totals.planned_files, self.totals.planned_bytes = files, size or 0
        self.totals.started = time.monotonic()
        if self.mode != "tty":
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(),
            TextColumn("{task.fields[files]}/{task.fields[planned]} files"),
            DownloadColumn(binary_units=True), TransferSpeedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=Console(file=self.out), transient=False)
        doing = _DOING.get(self.verb, self.verb)
        self._task = self._progress.add_task(doing, total=None if size is None else max(size, 1),
                                             files=0,
                                             planned=files)
        self._progress.start()
        self._ticker = threading.Thread(target=self._tick, name="storewire-progress",
                                        daemon=True)
        self._ticker.start()

    def watch(self, paths: list[str]) -> None:
        """Local files being downloaded: the display counts their bytes as they grow (a
        large file moves the bar before its batch completes)."""
        with self._lock:
            self._watched = list(paths)

    def moving(self, nbytes: int) -> None:
        """``nbytes`` more of a file in flight have moved (a transfer's progress
        callback, from any thread): the bar moves inside one large upload."""
        with self._lock:
            self._moving += nbytes

    def _partial_bytes(self) -> int:
        total = 0
        for path in self._watched:
            head, tail = os.path.split(path)
            # the file itself, or the adapter's own temporary name beside it
            # (S3: ".name.XXXX.part"; Sector: "name.sector-partial-XXXX")
            beside = [*glob.glob(os.path.join(glob.escape(head), f".{glob.escape(tail)}*")),
                      *glob.glob(os.path.join(glob.escape(head), f"{glob.escape(tail)}.*"))]
            for found in [path, *beside]:
                try:
                    st = os.stat(found)
                except OSError:
                    continue
                # the blocks written, where a download sets the file's size up front
                total += min(st.st_size, st.st_blocks * 512)
        return total

    def _tick(self) -> None:
        partial, ticks = 0, 0
        while not self._stopping.wait(0.1):  # ~10 frames a second
            ticks += 1
            with self._lock:
                # a few large files: every frame; a batch of many small ones: twice a second
                if self._watched and (len(self._watched) <= 16 or ticks % 5 == 0):
                    partial = self._partial_bytes()
                elif not self._watched:
                    partial = 0
                self._show(self.totals.bytes + partial + self._moving)

    def _show(self, done: int) -> None:
        """Moves the bar to ``done`` bytes, never backwards (a file renamed, then counted);
        by ``advance``, so that rich keeps the rate it shows at the end."""
        if self._progress is None:
            return
        if done > self._shown:
            self._progress.advance(self._task, done - self._shown)
            self._shown = done
        self._progress.update(self._task, files=self.totals.files)

    def stop(self) -> None:
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # --- items --------------------------------------------------------------------------

    def done(self, action: str, source: str, dest: str | None, size: int) -> None:
        """One item finished."""
        with self._lock:
            self.totals.files += 1
            self.totals.bytes += size
            self._moving = 0  # now counted in the totals
            self._show(self.totals.bytes)
        if self.mode == "json":
            self._json({"action": action, "source": source, "dest": dest, "size": size,
                        "ok": True})

    def removed(self, source: str) -> None:
        """A file deleted on the side (``sync --delete``); counted apart from the files."""
        with self._lock:
            self.totals.deleted += 1
        if self.mode == "json":
            self._json({"action": "delete", "source": source, "dest": None, "size": 0,
                        "ok": True})

    def failed(self, action: str, source: str, dest: str | None, exc: BaseException) -> None:
        """One item failed with the typed error ``exc``."""
        with self._lock:
            self.totals.failed += 1
            self._moving = 0
        if self.mode == "json":
            self._json({"action": action, "source": source, "dest": dest, "ok": False,
                        "error": type(exc).__name__, "code": getattr(exc, "code", ""),
                        "message": str(exc)})
            return
        self.error(f"{action} failed: {source}" + (f" -> {dest}" if dest else "")
                   + f": {error_text(exc)}")

    def note(self, text: str) -> None:
        """A line that is the command's output (a ``--dryrun`` plan, ...); not in --quiet."""
        if self.mode == "json" or self.mode == "quiet":
            return
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, style="red")
        else:
            print(f"storewire: {text}", file=self.err, flush=True)

    def _json(self, obj: dict[str, Any]) -> None:
        with self._lock:
            self.out.write(json.dumps(obj) + "\n")
            self.out.flush()

    # --- the end ------------------------------------------------------------------------

    def summary(self, extra: dict[str, Any] | None = None) -> None:
        """The closing line (or JSON object)."""
        self.stop()
        t = self.totals
        seconds = max(time.monotonic() - t.started, 1e-9)
        if self.mode == "json":
            self._json({"summary": True, "action": self.verb, "files": t.files,
                        "bytes": t.bytes, "failed": t.failed, "deleted": t.deleted,
                        "seconds": round(seconds, 3), **(extra or {})})
            return
        if self.mode == "quiet":
            return
        line = (f"{self.verb} {t.files} file{'s' * (t.files != 1)} "
                f"({human_size(t.bytes)}) in {seconds:.2f} s, {human_size(t.bytes / seconds)}/s")
        if t.deleted:
            line += f"; deleted {t.deleted}"
        if t.failed:
            line += f"; {t.failed} failed"
        print(line, file=self.out, flush=True)
