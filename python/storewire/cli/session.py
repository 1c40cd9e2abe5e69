"""One command's connections: the stores its URLs name, opened once each with the
settings from the environment (an ``--env-file`` first), overridden by the flags."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from storewire.stores import Store, open_store

from .locations import Location, UsageError

__all__ = ["Session", "load_env_file"]

#: The stores that speak HTTP, where ``--endpoint-url`` and ``--no-verify-ssl`` apply.
_HTTP = ("ds3", "s3", "v3io")


def load_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines as ``storewire serve --env-file`` writes them (``#`` comments,
    ``export`` and quotes allowed), put into ``os.environ``: the file was named on the
    command line, so it outranks the variables already set."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --env-file {path}: {exc.strerror}") from None
    values = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise UsageError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    os.environ.update(values)
    return values


class Session:
    """The stores of one command, keyed by scheme and (for Sector) master."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        if getattr(args, "env_file", None):
            load_env_file(args.env_file)
        self.jobs: int | None = getattr(args, "jobs", None)
        self._stores: dict[tuple[str, str | None, int | None], Store[Any]] = {}

    def options(self, loc: Location) -> dict[str, Any]:
        """The flags as store options (None: not given, the environment's)."""
        a = self.args
        opts: dict[str, Any] = {"max_in_flight": self.jobs}
        if loc.scheme in _HTTP:
            opts["endpoint"] = getattr(a, "endpoint_url", None)
            if getattr(a, "no_verify_ssl", False):
                opts["verify_tls"] = False
        if loc.scheme == "s3":
            opts["profile"] = getattr(a, "profile", None)
            opts["region"] = getattr(a, "region", None)
        if loc.host is not None:
            opts.update(host=loc.host, port=loc.port)
        return opts

    def store(self, loc: Location) -> Store[Any]:
        """The store ``loc`` names, opened on first use."""
        if loc.is_local:
            raise UsageError(f"{loc} is a local path, not a store URL")
        found = self._stores.get(loc.store_id)
        if found is None:
            found = open_store(loc.scheme, **self.options(loc))
            if self.jobs:
                found.workers = self.jobs
            self._stores[loc.store_id] = found
        return found

    def close(self) -> None:
        for store in self._stores.values():
            store.close()
        self._stores.clear()
