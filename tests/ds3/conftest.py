"""Fixtures for the DS3 client tests: an emulator on port 0, modern and 1.x clients, and
seeded local files."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import ds3
from ds3 import ds3 as seed
from storewire.emulators.ds3 import DS3Emulator

PROXY_ENV_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                  "ALL_PROXY", "no_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: DS3Emulator) -> Iterator[ds3.Client]:
    with ds3.Client(emulator.endpoint, emulator.access_key, emulator.secret_key) as c:
        yield c


@pytest.fixture
def seed_client(emulator: DS3Emulator, monkeypatch: pytest.MonkeyPatch) -> seed.Ds3Client:
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    return seed.createClientFromEnv()


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    return random.Random(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def make_file(tmp_path: Path, rng: random.Random) -> Callable[[str, int], Path]:
    """``make_file(name, size)``: a file of seeded random bytes under tmp_path/src."""

    def make(name: str, size: int) -> Path:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
        return path

    return make
