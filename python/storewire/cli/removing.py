"""``storewire rm``, ``mkdir``, ``mb`` and ``rb``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from storewire import errors

from .args import add_connection, add_filters, add_output, formatter
from .locations import Location, UsageError, apply_filters, expand
from .output import Reporter
from .session import Session

__all__ = ["add_commands", "remove_files"]

_BATCH = 1000


def remove_files(session: Session, reporter: Reporter, files: Sequence[Location], *,
                 count: bool = True) -> None:
    """Deletes ``files`` (one store's in ``delete_many`` batches); each is reported."""
    groups: dict[tuple[object, ...], list[Location]] = {}
    for loc in files:
        groups.setdefault((loc.store_id, loc.bucket), []).append(loc)
    for locs in groups.values():
        for start in range(0, len(locs), _BATCH):
            batch = locs[start:start + _BATCH]
            try:
                if batch[0].is_local:
                    for loc in batch:
                        os.unlink(loc.key)
                else:
                    session.store(batch[0]).delete_many(batch[0].bucket,
                                                        [loc.key for loc in batch])
            except (errors.StorageError, OSError) as exc:
                for loc in batch:
                    reporter.failed("delete", str(loc), None, exc)
                continue
            for loc in batch:
                if count:
                    reporter.done("delete", str(loc), None, 0)
                else:
                    reporter.removed(str(loc))


def _empty_dirs(session: Session, loc: Location) -> list[str]:
    """Sector's directories below ``loc``, deepest first (they exist on their own)."""
    store = session.store(loc)
    found: list[str] = []
    pending = [loc.key.strip("/")]
    while pending:
        key = pending.pop()
        for entry in store.ls(loc.bucket, key):
            if entry.is_dir:
                found.append(entry.key)
                pending.append(entry.key)
    return sorted(found, key=lambda k: -k.count("/"))


def _rm(args: argparse.Namespace) -> int:
    session = Session(args)
    reporter = Reporter.for_options(args.quiet, args.json, "deleted")
    try:
        for text in args.paths:
            loc = Location.parse(text)
            try:
                items = expand(session, loc, args.recursive)
            except FileNotFoundError as exc:
                reporter.failed("delete", str(loc), None, exc)
                continue
            targets = [i.location for i in items if apply_filters(i.rel, args.filters)]
            if args.dryrun:
                for t in targets:
                    reporter.note(f"(dryrun) delete: {t}")
                continue
            remove_files(session, reporter, targets)
            if args.recursive and loc.scheme == "sector" and loc.key and not args.filters:
                store = session.store(loc)
                for key in [*_empty_dirs(session, loc), loc.key.strip("/")]:
                    store.rmdir(loc.bucket, key)
            elif args.recursive and loc.is_local and os.path.isdir(loc.key) and not args.filters:
                for dirpath, _, _ in sorted(os.walk(loc.key), key=lambda w: -len(w[0])):
                    os.rmdir(dirpath)
        reporter.summary()
    finally:
        session.close()
    return 1 if reporter.totals.failed else 0


def _mkdir(args: argparse.Namespace) -> int:
    session = Session(args)
    failed = 0
    try:
        for text in args.paths:
            loc = Location.parse(text)
            try:
                if loc.is_local:
                    os.makedirs(loc.key, exist_ok=True)
                elif not loc.key:
                    session.store(loc).make_bucket(loc.bucket)
                else:
                    session.store(loc).mkdir(loc.bucket, loc.key)
            except (errors.StorageError, OSError) as exc:
                failed += 1
                Reporter("plain").failed("mkdir", str(loc), None, exc)
    finally:
        session.close()
    return 1 if failed else 0


def _bucket_of(text: str, command: str) -> Location:
    loc = Location.parse(text)
    if loc.is_local or loc.key.strip("/"):
        raise UsageError(f"{command} takes a bucket URL (ds3://name, s3://name, "
                         f"sector:///name), not {text!r}")
    return loc


def _mb(args: argparse.Namespace) -> int:
    session = Session(args)
    reporter = Reporter("plain")
    try:
        for text in args.paths:
            loc = _bucket_of(text, "mb")
            try:
                session.store(loc).make_bucket(loc.bucket)
            except errors.StorageError as exc:
                reporter.failed("make_bucket", str(loc), None, exc)
                continue
            print(f"make_bucket: {loc}", flush=True)
    finally:
        session.close()
    return 1 if reporter.totals.failed else 0


def _rb(args: argparse.Namespace) -> int:
    session = Session(args)
    reporter = Reporter("plain")
    try:
        for text in args.paths:
            loc = _bucket_of(text, "rb")
            try:
                store = session.store(loc)
                if args.force:  # aws s3 rb --force: everything in it first
                    files = [i.location for i in expand(session, loc, True)]
                    remove_files(session, Reporter("quiet"), files)
                    if loc.scheme == "sector":
                        for key in _empty_dirs(session, loc):
                            store.rmdir(loc.bucket, key)
                store.remove_bucket(loc.bucket)
            except errors.StorageError as exc:
                reporter.failed("remove_bucket", str(loc), None, exc)
                continue
            print(f"remove_bucket: {loc}", flush=True)
    finally:
        session.close()
    return 1 if reporter.totals.failed else 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "rm", formatter_class=formatter,
        help="delete files (aws s3 rm, rclone delete/purge, sector_rm)",
        description="Delete files; with -r everything below a directory (and, on Sector "
        "and local disks, the directories).\n\nExamples:\n"
        "  storewire rm ds3://bucket/old.bin\n"
        "  storewire rm -r s3://bucket/tmp/ --include '*.log' --exclude 'keep/*'")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-r", "--recursive", action="store_true",
                   help="everything below a directory")
    p.add_argument("--dryrun", action="store_true", help="print what would be deleted")
    add_filters(p)
    add_output(p)
    add_connection(p)
    p.set_defaults(func=_rm)

    p = sub.add_parser(
        "mkdir", formatter_class=formatter,
        help="make a bucket or directory (aws s3 mb, rclone mkdir, sector_mkdir)",
        description="Make a bucket (a URL with no key: ds3://new-bucket) or a directory "
        "(Sector and local paths; on DS3, S3 and V3IO a directory is the prefix of its "
        "keys, so nothing is sent).")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_connection(p)
    p.set_defaults(func=_mkdir)


    p = sub.add_parser(
        "mb", formatter_class=formatter, help="make a bucket (aws s3 mb, rclone mkdir)",
        description="Make buckets: ds3://name, s3://name, sector:///name (a top-level "
        "directory). V3IO containers are made in the platform's control plane.\n\n"
        "Example:\n  storewire mb s3://new-bucket")
    p.add_argument("paths", nargs="+", metavar="BUCKET")
    add_connection(p)
    p.set_defaults(func=_mb)

    p = sub.add_parser(
        "rb", formatter_class=formatter, help="remove a bucket (aws s3 rb, rclone rmdir/purge)",
        description="Remove empty buckets; with --force, delete everything in them first "
        "(aws s3 rb --force, rclone purge).\n\nExamples:\n"
        "  storewire rb ds3://old-bucket\n  storewire rb --force s3://scratch")
    p.add_argument("paths", nargs="+", metavar="BUCKET")
    p.add_argument("--force", action="store_true",
                   help="delete every object (and, on Sector, directory) in it first")
    add_connection(p)
    p.set_defaults(func=_rb)
