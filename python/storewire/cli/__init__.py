"""The ``storewire`` command line (docs/cli.md).

storewire ls | cp | mv | rm | cat | stat | mkdir | du | sync
                       files and objects over ds3://, s3://, v3io://, sector:// and local
                       paths, through the shared store adapter (storewire.stores)
storewire completion   a bash or zsh completion script
storewire version      the package version and how the native core was built
storewire selfcheck    run the HTTP engine self-check against a local server
storewire serve ...    start the DS3, V3IO and Sector emulators on loopback

Exit codes: 0 all done, 1 some items failed (each reported with its typed error), 2 the
command line is wrong, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from storewire import errors

from . import completion, copying, listing, removing, system
from .locations import UsageError
from .output import error_text
from .system import EMULATORS, ServeOptions, serve

__all__ = ["EMULATORS", "ServeOptions", "build_parser", "main", "serve"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storewire",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Native-speed clients for DS3, Sector, V3IO and S3, with local emulators.",
        epilog="URLs: ds3://bucket/key  s3://bucket/key  v3io://container/path  "
        "sector://[host:port]/dir/path, or a local path.\n"
        "Run 'storewire COMMAND -h' for a command's options; docs/cli.md maps aws cli, "
        "rclone and the Sector tools to these commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing.add_commands(sub)
    copying.add_commands(sub)
    removing.add_commands(sub)
    completion.add_commands(sub, parser)
    system.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("storewire: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, errors.InvalidRequestError) as exc:
        parser.exit(EXIT_USAGE, f"storewire {args.command}: error: {exc}\n")
    except (errors.StorageError, OSError) as exc:
        print(f"storewire {args.command}: {error_text(exc)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED  # not reached: parser.exit raises SystemExit


if __name__ == "__main__":
    sys.exit(main())
