"""Helpers of the command line tests: URLs on a test server, a store-free environment, the
in-process runner (``sw``) and local trees."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from store_servers import StoreServer, StoreServers

_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
               "ALL_PROXY")
#: Every variable a store reads its settings from; cleared so a test sees only its own.
_STORE_VARS = ("DS3_", "AWS_", "V3IO_", "SECTOR_")


def url(server: StoreServer, *parts: str) -> str:
    """``scheme://bucket/part/...`` on ``server`` (Sector: its configured master)."""
    path = "/".join((server.bucket, *parts))
    return f"sector:///{path}" if server.scheme == "sector" else f"{server.scheme}://{path}"


def store_env(*used: StoreServer) -> dict[str, str]:
    """This process's environment without any store settings, plus ``used``'s."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_STORE_VARS) and k not in _PROXY_VARS}
    env["AWS_SHARED_CREDENTIALS_FILE"] = env["AWS_CONFIG_FILE"] = os.devnull
    for s in used:
        env.update(s.env)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str
    raw: bytes = b""


class Runner:
    """``sw(*args)``: ``storewire ARGS`` in this process, with the servers' variables."""

    def __init__(self, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                 servers: StoreServers) -> None:
        self.capfd = capfd
        self.monkeypatch = monkeypatch
        self.servers = servers

    def use(self, *used: StoreServer) -> None:
        for k in list(os.environ):
            if k.startswith(_STORE_VARS):
                self.monkeypatch.delenv(k)
        self.monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        self.monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
        for s in used:
            for k, v in s.env.items():
                self.monkeypatch.setenv(k, v)

    def __call__(self, *args: str | Path) -> Result:
        from storewire.cli import main

        self.capfd.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        sys.stdout.flush()
        out, err = self.capfd.readouterr()
        return Result(code, out, err)


def make_tree(root: Path, seed: int = 0) -> dict[str, bytes]:
    """A small local tree: ``{relative path: bytes}``."""
    import random

    rng = random.Random(seed)
    files = {"a.bin": rng.randbytes(3000), "b.txt": b"hello\n", "sub/c.bin": rng.randbytes(70_000),
             "sub/deep/d.log": b"log line\n", "empty.dat": b""}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
