"""``storewire ls``, ``du``, ``stat`` and ``cat``: looking at what a store or a local
directory holds."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any

from storewire import errors
from storewire.stores import Entry

from .args import add_connection, add_filters, formatter
from .locations import Location, UsageError, apply_filters, expand, has_glob, listing
from .output import human_size
from .session import Session

__all__ = ["add_commands"]


def _when(mtime: datetime | None) -> str:
    return mtime.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if mtime else " " * 19


def _local_entries(path: str) -> list[Entry]:
    if not os.path.isdir(path):
        st = os.stat(path)
        return [Entry("", path, "file", st.st_size, None,
                      datetime.fromtimestamp(st.st_mtime, timezone.utc))]
    out = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        st = os.stat(full)
        if os.path.isdir(full):
            out.append(Entry("", name, "directory"))
        else:
            out.append(Entry("", name, "file", st.st_size, None,
                             datetime.fromtimestamp(st.st_mtime, timezone.utc)))
    return out


def _entries(session: Session, loc: Location, recursive: bool) -> list[tuple[str, Entry]]:
    """``(name shown, entry)``: one level (aws cli's names relative to the directory), or
    with ``recursive`` every file with its full key."""
    if recursive or has_glob(loc.key):
        items = expand(session, loc, True) if has_glob(loc.key) else listing(session, loc)
        if not items and not has_glob(loc.key):
            _entries(session, loc, False)  # NotFoundError when there is nothing at all
        return [(i.rel if loc.is_local else i.location.key,
                 Entry(i.location.bucket, i.location.key, "file", i.size, i.etag, i.mtime))
                for i in items]
    if loc.is_local:
        return [(e.key, e) for e in _local_entries(loc.key)]
    store = session.store(loc)
    if not loc.bucket:
        return [(e.bucket + "/", e) for e in store.buckets()]
    if loc.key and not loc.slash:
        try:
            entry = store.head(loc.bucket, loc.key)
            return [(entry.key.rpartition("/")[2], entry)]
        except errors.NotFoundError:
            pass
    base = loc.key.strip("/")
    cut = len(base) + 1 if base else 0
    return [(e.key[cut:] + ("/" if e.is_dir else ""), e) for e in store.ls(loc.bucket, base)]


def _as_json(loc: Location, entry: Entry) -> dict[str, Any]:
    where = str(Location(loc.scheme, entry.bucket, entry.key, loc.host, loc.port)
                ) if not loc.is_local else entry.key
    return {"path": where, "type": entry.type, "size": entry.size, "etag": entry.etag,
            "mtime": entry.mtime.isoformat() if entry.mtime else None}


def _ls(args: argparse.Namespace) -> int:
    session = Session(args)
    try:
        loc = Location.parse(args.path or ".")
        if not loc.is_local and not loc.bucket and loc.key:
            raise UsageError(f"{loc}: no bucket")
        found = [(n, e) for n, e in _entries(session, loc, args.recursive)
                 if e.is_dir or apply_filters(n, args.filters)]
        total = sum(e.size for _, e in found)
        for name, entry in found:
            if args.json:
                print(json.dumps(_as_json(loc, entry)))
            elif entry.is_dir:
                print(f"{'PRE':>30} {name}")
            else:
                size = human_size(entry.size) if args.human_readable else str(entry.size)
                print(f"{_when(entry.mtime)} {size:>10} {name}")
        if args.summarize and not args.json:
            files = sum(1 for _, e in found if not e.is_dir)
            print(f"\nTotal Objects: {files}\n   Total Size: "
                  f"{human_size(total) if args.human_readable else total}")
    finally:
        session.close()
    return 0


def _du(args: argparse.Namespace) -> int:
    session = Session(args)
    try:
        for text in args.paths:
            loc = Location.parse(text)
            items = [i for i in (expand(session, loc, True) if has_glob(loc.key)
                                 else listing(session, loc) or expand(session, loc, True))
                     if apply_filters(i.rel, args.filters)]
            size = sum(i.size for i in items)
            if args.json:
                print(json.dumps({"path": str(loc), "files": len(items), "bytes": size}))
            else:
                shown = human_size(size) if args.human_readable else str(size)
                print(f"{shown:>12} {len(items):>8} files  {loc}")
    finally:
        session.close()
    return 0


def _stat(args: argparse.Namespace) -> int:
    session = Session(args)
    try:
        for text in args.paths:
            loc = Location.parse(text)
            if loc.is_local:
                st = os.stat(loc.key)
                entry = Entry("", loc.key, "directory" if os.path.isdir(loc.key) else "file",
                              st.st_size, None, datetime.fromtimestamp(st.st_mtime,
                                                                       timezone.utc))
            elif not loc.bucket:
                raise UsageError(f"{loc}: no bucket")
            else:
                entry = session.store(loc).info(loc.bucket, loc.key)
            if args.json:
                print(json.dumps(_as_json(loc, entry)))
                continue
            print(f"path:  {loc}\ntype:  {entry.type}\nsize:  {entry.size}\n"
                  f"mtime: {entry.mtime.isoformat() if entry.mtime else '-'}\n"
                  f"etag:  {entry.etag or '-'}")
    finally:
        session.close()
    return 0


def _cat(args: argparse.Namespace) -> int:
    from .streams import download_to, stdout_closed

    session = Session(args)
    out = sys.stdout.buffer
    try:
        for text in args.paths:
            download_to(session, Location.parse(text), out)
        out.flush()
    except BrokenPipeError:
        return stdout_closed("cat")
    finally:
        session.close()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ls", formatter_class=formatter,
        help="list buckets, directories and files (aws s3 ls, rclone lsl, sector_ls)",
        description="List one level (directories as PRE name/), every file below with "
        "-r, or a store's buckets (ds3://).\n\nExamples:\n"
        "  storewire ls s3://\n  storewire ls ds3://bucket/dir/\n"
        "  storewire ls -r --human-readable --summarize sector:///data")
    p.add_argument("path", nargs="?", metavar="PATH", help="a URL or local path (.)")
    p.add_argument("-r", "--recursive", action="store_true", help="every file below")
    p.add_argument("-H", "--human-readable", action="store_true",
                   help="sizes in KiB, MiB, ...")
    p.add_argument("--summarize", action="store_true", help="end with the count and size")
    p.add_argument("--json", action="store_true", help="one JSON object per entry")
    add_filters(p)
    add_connection(p)
    p.set_defaults(func=_ls)

    p = sub.add_parser(
        "du", formatter_class=formatter,
        help="total size and file count below a path (rclone size, du -s)",
        description="Total size and number of files below each PATH.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-H", "--human-readable", action="store_true",
                   help="sizes in KiB, MiB, ...")
    p.add_argument("--json", action="store_true", help="one JSON object per PATH")
    add_filters(p)
    add_connection(p)
    p.set_defaults(func=_du)

    p = sub.add_parser(
        "stat", formatter_class=formatter,
        help="type, size, mtime and ETag of a file or directory (aws s3api head-object, "
        "rclone lsjson --stat, sector_stat)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per PATH")
    add_connection(p)
    p.set_defaults(func=_stat)

    p = sub.add_parser(
        "cat", formatter_class=formatter,
        help="write files to stdout (aws s3 cp URL -, rclone cat)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_connection(p)
    p.set_defaults(func=_cat)

