"""Fixtures for the emulator tests: a DS3 emulator on port 0 and raw signed clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ds3_client import DS3Raw

from storewire.emulators.ds3 import DS3Emulator


@pytest.fixture
def ds3_emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emulator:
        yield emulator


@pytest.fixture
def ds3_c(ds3_emulator: DS3Emulator) -> Iterator[DS3Raw]:
    """A raw client signing like the C SDK."""
    with DS3Raw(
        ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key, "c"
    ) as client:
        yield client


@pytest.fixture
def ds3_p(ds3_emulator: DS3Emulator) -> Iterator[DS3Raw]:
    """A raw client signing like the Python 3 SDK."""
    with DS3Raw(
        ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key, "p"
    ) as client:
        yield client
