"""V3IO client tests: storewire's ``v3io`` against a V3IOEmulator on port 0."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

import v3io.dataplane
from storewire.emulators.v3io import V3IOEmulator

_counter = itertools.count()


@pytest.fixture(scope="session")
def emulator() -> Iterator[V3IOEmulator]:
    with V3IOEmulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: V3IOEmulator) -> Iterator[v3io.dataplane.Client]:
    # no proxy: loopback only, whatever the machine's environment says
    with v3io.dataplane.Client(
        endpoint=emulator.endpoint, access_key=emulator.access_key, use_env_proxy=False
    ) as c:
        yield c


@pytest.fixture
def name() -> str:
    """A fresh path component, so tests sharing the emulator never collide."""
    return f"t{next(_counter)}"
