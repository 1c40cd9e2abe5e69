"""The options many commands share, declared once: connection settings, output modes,
``--include``/``--exclude`` and ``-j/--jobs``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_connection", "add_filters", "add_jobs", "add_output", "formatter"]


def formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"expected a count from 1 to 256, got {text!r}")
    return int(text)


class _Filter(argparse.Action):
    """``--include``/``--exclude`` kept in command-line order in one list (the last
    pattern that matches decides, as in aws cli)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        kind = "include" if option_string == "--include" else "exclude"
        found = list(getattr(namespace, "filters", None) or [])
        found.append((kind, str(values)))
        namespace.filters = found


def add_connection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "connection", "Settings come from each system's variables (DS3_*, AWS_* and "
        "~/.aws profiles, V3IO_*, SECTOR_*); these flags override them.")
    g.add_argument("--endpoint-url", metavar="URL",
                   help="endpoint of the ds3, s3 or v3io store (DS3_ENDPOINT, "
                   "AWS_ENDPOINT_URL, V3IO_API)")
    g.add_argument("--profile", metavar="NAME", help="s3: profile of ~/.aws/credentials")
    g.add_argument("--region", metavar="NAME", help="s3: region (AWS_REGION)")
    g.add_argument("--no-verify-ssl", action="store_true",
                   help="do not verify the HTTPS server's certificate")
    g.add_argument("--env-file", type=Path, metavar="PATH",
                   help="read KEY=VALUE settings first (e.g. a `storewire serve --env-file`)")


def add_output(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("-q", "--quiet", action="store_true",
                      help="print nothing but errors")
    mode.add_argument("--json", action="store_true",
                      help="one JSON object per finished item, then a summary object")


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exclude", action=_Filter, metavar="PATTERN", dest="filters",
                   help="skip files whose path below the source matches (fnmatch)")
    p.add_argument("--include", action=_Filter, metavar="PATTERN", dest="filters",
                   help="take matching files again after an --exclude (the last match wins)")
    p.set_defaults(filters=[])


def add_jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                   help="requests, data channels and threads in flight (default: the "
                   "client's setting)")
