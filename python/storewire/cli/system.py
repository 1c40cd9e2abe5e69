"""The ``storewire`` console script.

storewire version      the package version, how the native core was built and the
                       version and origin of each native library it uses
storewire selfcheck    run the HTTP engine self-check against a local server
storewire serve ...    start the DS3, V3IO and Sector emulators on loopback
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

EMULATORS = ("ds3", "v3io", "sector")


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return (host or "127.0.0.1"), int(port)


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in EMULATORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated subset of {','.join(EMULATORS)}, got {text!r}"
        )
    return names


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"expected a count from 1 to 64, got {text!r}")
    return int(text)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 60.0:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 60, got {text!r}")
    return value


@dataclass(frozen=True)
class ServeOptions:
    """What ``storewire serve`` was asked to start; None address = the emulator's default."""

    ds3: tuple[str, int] | None
    v3io: tuple[str, int] | None
    sector: tuple[str, int] | None
    only: tuple[str, ...]
    data: Path | None
    env_file: Path | None
    sector_masters: int = 1
    sector_slaves: int = 1
    sector_replicas: int = 1
    sector_drop_rate: float = 0.0
    sector_delay: float = 0.0
    s3_buckets: bool = False
    ds3_persist_delay: float = 0.0


def _cmd_version(_: argparse.Namespace) -> int:
    from storewire import native_report

    return native_report.print_version()


def _cmd_selfcheck(_: argparse.Namespace) -> int:
    from storewire import selfcheck

    print(selfcheck.build_summary())
    steps = selfcheck.run()
    print(selfcheck.format_report(steps))
    return 0 if all(s.ok for s in steps) else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    options = ServeOptions(
        ds3=args.ds3,
        v3io=args.v3io,
        sector=args.sector,
        only=args.only or EMULATORS,
        data=args.data,
        env_file=args.env_file,
        sector_masters=args.sector_masters,
        sector_slaves=args.sector_slaves,
        sector_replicas=args.sector_replicas,
        sector_drop_rate=args.sector_drop_rate,
        sector_delay=args.sector_delay,
        s3_buckets=args.s3_buckets,
        ds3_persist_delay=args.ds3_persist_delay,
    )
    return serve(options)


def serve(options: ServeOptions) -> int:
    """Start the requested emulators, print their endpoints, block until Ctrl-C."""
    from storewire.emulators import serve as emulators

    return emulators.serve(options)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``version``, ``selfcheck`` and ``serve`` on the ``storewire`` parser."""

    p = sub.add_parser(
        "version", help="print the version, the native build and its libraries (versions, origin)")
    p.set_defaults(func=_cmd_version)

    p = sub.add_parser("selfcheck", help="check the native HTTP engine against a local server")
    p.set_defaults(func=_cmd_selfcheck)

    p = sub.add_parser("serve", help="run the DS3/S3, V3IO and Sector emulators on loopback")
    p.add_argument("--ds3", type=_host_port, metavar="HOST:PORT", help="DS3/S3 address")
    p.add_argument("--v3io", type=_host_port, metavar="HOST:PORT", help="V3IO address")
    p.add_argument("--sector", type=_host_port, metavar="HOST:PORT", help="Sector master")
    p.add_argument("--only", type=_names, metavar="NAMES", help="e.g. ds3,v3io (default: all)")
    p.add_argument("--data", type=Path, metavar="DIR", help="persist state here (default: memory)")
    p.add_argument(
        "--env-file", type=Path, metavar="PATH", help="write client env vars (DS3_ENDPOINT, ...)"
    )
    p.add_argument(
        "--s3-buckets", action="store_true",
        help="DS3: every new bucket is S3-style (PUT over an existing key replaces it); "
        "without it only buckets made by SigV4-signed S3 tools are")
    p.add_argument(
        "--ds3-persist-delay", type=_seconds, default=0.0, metavar="S",
        help="DS3: seconds from a chunk's arrival to its persistence; a PUT job whose data "
        "all arrived stays IN_PROGRESS (and cancellable) until then (0)")
    g = p.add_argument_group(
        "Sector cluster and fault knobs",
        "While serving, SIGHUP restarts the Sector masters (sessions are forgotten, the "
        "namespace is rebuilt from the slaves) and SIGUSR1 kills the next live slave.")
    g.add_argument("--sector-masters", type=_count, default=1, metavar="N", help="masters (1)")
    g.add_argument("--sector-slaves", type=_count, default=1, metavar="N", help="slaves (1)")
    g.add_argument("--sector-replicas", type=_count, default=1, metavar="N",
                   help="replicas per file (1)")
    g.add_argument("--sector-drop-rate", type=_fraction, default=0.0, metavar="F",
                   help="fraction of GMP datagrams dropped in each direction (0)")
    g.add_argument("--sector-delay", type=_seconds, default=0.0, metavar="S",
                   help="seconds before each GMP reply (0)")
    p.set_defaults(func=_cmd_serve)
