"""``storewire cp``, ``mv`` and ``sync``: files between local paths and the stores, in
any direction, through the adapter's batch calls (transfer.py)."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from .args import add_connection, add_filters, add_jobs, add_output, formatter
from .locations import (
    FileItem,
    Location,
    UsageError,
    apply_filters,
    expand,
    has_glob,
    listing,
)
from .output import Reporter
from .session import Session
from .transfer import Transfer, run_transfers

__all__ = ["add_commands"]

_MD5_HEX = 32


def _dest_is_dir(session: Session, dest: Location) -> bool:
    if dest.slash:
        return True
    if dest.is_local:
        return os.path.isdir(dest.key)
    return False


def plan_copies(session: Session, sources: Sequence[Location], dest: Location,
                recursive: bool, filters: list[tuple[str, str]],
                reporter: Reporter) -> list[Transfer]:
    """Each source's files with their destinations (aws cli's rules: ``cp FILE DEST``
    names the new file unless DEST ends with ``/`` or is a local directory; with ``-r``, a
    glob or many sources DEST is a directory and the files keep their path below the
    source)."""
    into_dir = len(sources) > 1 or _dest_is_dir(session, dest)
    out = []
    for src in sources:
        try:
            items = expand(session, src, recursive)
        except FileNotFoundError as exc:
            reporter.failed("stat", str(src), None, exc)
            continue
        many = recursive or len(items) != 1 or src.slash or "*" in src.key or "?" in src.key
        for item in items:
            if not apply_filters(item.rel, filters):
                continue
            if many or into_dir:
                target = dest.join(item.rel)
            else:
                target = dest
            out.append(Transfer(item, target))
    return out


def _cp_stream(args: argparse.Namespace, session: Session, reporter: Reporter) -> int:
    """``cp - DEST`` (stdin up) or ``cp SOURCE -`` (one file to stdout)."""
    from . import streams

    src_text, dst_text = args.paths
    if args.recursive or args.dryrun or args.filters:
        raise UsageError("'-' (stdin/stdout) takes one file: no -r, --dryrun or filters")
    if src_text == streams.STDIO:
        dest = Location.parse(dst_text)
        reporter.start(1, None)  # a stream's size is known at its end
        size = streams.upload_from(session, sys.stdin.buffer, dest, reporter.moving)
        reporter.done("upload", "-", str(dest), size)
    else:
        src = Location.parse(src_text)
        if has_glob(src.key) or src.slash:
            raise UsageError(f"{src}: '-' as the destination takes one file")
        try:
            size = streams.download_to(session, src, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            return streams.stdout_closed("cp")
        reporter.done("download", str(src), "-", size)
    reporter.summary()
    return 0


def _cp(args: argparse.Namespace, remove_source: bool) -> int:
    if len(args.paths) < 2:
        raise UsageError("expected SOURCE... DEST")
    stdio = [i for i, p in enumerate(args.paths) if p == "-"]
    if stdio and (remove_source or len(args.paths) != 2):
        raise UsageError("'-' (stdin/stdout) works with cp and one SOURCE and DEST")
    session = Session(args)
    if stdio:
        # on stdout the data is the output: no progress or summary there
        quiet = args.quiet or args.paths[1] == "-"
        reporter = Reporter.for_options(quiet, args.json and not quiet, "copied")
        try:
            return _cp_stream(args, session, reporter)
        finally:
            session.close()
    reporter = Reporter.for_options(args.quiet, args.json,
                                    "moved" if remove_source else "copied")
    try:
        *srcs, dst = [Location.parse(p) for p in args.paths]
        transfers = plan_copies(session, srcs, dst, args.recursive, args.filters, reporter)
        if args.dryrun:
            for t in transfers:
                reporter.note(f"(dryrun) {t.action}: {t.item.location} to {t.dest}")
        else:
            run_transfers(session, reporter, transfers, remove_source=remove_source)
        reporter.summary()
    finally:
        session.close()
    return 1 if reporter.totals.failed else 0


def _local_md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _md5(item: FileItem) -> str | None:
    """The MD5 of a file where one is known: a local file's own, an object's single-part
    ETag; None otherwise (multipart ETags, Sector, V3IO)."""
    if item.location.is_local:
        return _local_md5(item.location.key)
    etag = (item.etag or "").strip('"').lower()
    if len(etag) == _MD5_HEX and all(c in "0123456789abcdef" for c in etag):
        return etag
    return None


def _newer(a: datetime | None, b: datetime | None) -> bool:
    """``a`` is later than ``b`` in whole seconds (Sector and many servers keep no finer
    time); unknown counts as newer."""
    return a is None or b is None or int(a.timestamp()) > int(b.timestamp())


def needs_copy(src: FileItem, dst: FileItem | None, mode: str) -> bool:
    """sync's rule: missing or a different size always; then ``checksum`` compares MD5s
    (where both sides have one, else the mtimes), ``mtime`` copies a source newer than
    its copy, ``size-only`` nothing more."""
    if dst is None or src.size != dst.size:
        return True
    if mode == "size-only":
        return False
    if mode == "checksum":
        a, b = _md5(src), _md5(dst)
        if a is not None and b is not None:
            return a != b
    return _newer(src.mtime, dst.mtime)


def _sync(args: argparse.Namespace) -> int:
    session = Session(args)
    reporter = Reporter.for_options(args.quiet, args.json, "synced")
    try:
        src, dst = Location.parse(args.source), Location.parse(args.dest)
        if not src.is_local or os.path.isdir(src.key):
            src = Location(src.scheme, src.bucket, src.key, src.host, src.port, slash=True)
        items = [i for i in expand(session, src, True) if apply_filters(i.rel, args.filters)]
        existing = {i.rel: i for i in listing(session, dst)}
        mode = "checksum" if args.checksum else "size-only" if args.size_only else "mtime"
        transfers = [Transfer(i, dst.join(i.rel)) for i in items
                     if needs_copy(i, existing.get(i.rel), mode)]
        wanted = {i.rel for i in items}
        stale = [e for rel, e in sorted(existing.items())
                 if args.delete and rel not in wanted and apply_filters(rel, args.filters)]
        if args.dryrun:
            for t in transfers:
                reporter.note(f"(dryrun) {t.action}: {t.item.location} to {t.dest}")
            for e in stale:
                reporter.note(f"(dryrun) delete: {e.location}")
        else:
            run_transfers(session, reporter, transfers)
            _delete_stale(session, reporter, stale)
        reporter.summary()
    finally:
        session.close()
    return 1 if reporter.totals.failed else 0


def _delete_stale(session: Session, reporter: Reporter, stale: list[FileItem]) -> None:
    from .removing import remove_files

    remove_files(session, reporter, [e.location for e in stale], count=False)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name, verb in (("cp", "copy"), ("mv", "move")):
        p = sub.add_parser(
            name, formatter_class=formatter,
            help=f"{verb} files between local paths and stores (aws s3 {name}, rclone "
            f"{'copyto' if name == 'cp' else 'moveto'})",
            description=f"{verb.capitalize()} files between local paths and ds3://, s3://, "
            "v3io://, sector:// URLs, in any direction.\n\nExamples:\n"
            f"  storewire {name} data.bin ds3://bucket/dir/\n"
            f"  storewire {name} -r ./photos s3://bucket/photos\n"
            f"  storewire {name} 's3://bucket/logs/*.gz' sector:///archive/logs/\n"
            f"  storewire {name} -r v3io://bigdata/run1 ./run1 --exclude '*.tmp'")
        p.add_argument("paths", nargs="+", metavar="PATH",
                       help="SOURCE... DEST (a URL or a local path; globs * ? [] match "
                       "across '/')")
        p.add_argument("-r", "--recursive", action="store_true",
                       help="every file below a source directory")
        p.add_argument("--dryrun", action="store_true",
                       help="print what would be done, do nothing")
        add_filters(p)
        add_jobs(p)
        add_output(p)
        add_connection(p)
        p.set_defaults(func=lambda a, move=(name == "mv"): _cp(a, move))

    p = sub.add_parser(
        "sync", formatter_class=formatter,
        help="make DEST hold SOURCE's files (aws s3 sync, rclone sync)",
        description="Copy the files of SOURCE that DEST lacks or holds differently (by "
        "size, then by mtime, or by MD5 with --checksum), and with --delete remove the "
        "files DEST has that SOURCE does not.\n\nExamples:\n"
        "  storewire sync ./site s3://bucket/site --delete\n"
        "  storewire sync ds3://bucket/run sector:///backup/run --checksum --dryrun")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("dest", metavar="DEST")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--checksum", action="store_true",
                     help="compare size and MD5 (local files hashed, object ETags) where "
                     "both sides have one; mtime otherwise")
    how.add_argument("--size-only", action="store_true", help="compare sizes only")
    p.add_argument("--delete", action="store_true",
                   help="remove files in DEST that SOURCE does not have")
    p.add_argument("--dryrun", action="store_true", help="print what would be done, do nothing")
    add_filters(p)
    add_jobs(p)
    add_output(p)
    add_connection(p)
    p.set_defaults(func=_sync)
