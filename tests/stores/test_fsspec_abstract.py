"""fsspec's own abstract test suite (fsspec.tests.abstract) against every filesystem.

Every test of the suite runs; the one difference the suite itself knows is
``supports_empty_directories``: true for Sector and V3IO (real directories), false for
DS3 and S3, where a directory is the prefix of the keys below it (docs/fsspec.md).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fs_helpers import fresh_dir, make_fs
from fsspec.tests.abstract import (
    AbstractCopyTests,
    AbstractFixtures,
    AbstractGetTests,
    AbstractOpenTests,
    AbstractPipeTests,
    AbstractPutTests,
)

from store_servers import StoreServer
from storewire.fs import StoreFileSystem

# ~550 tests, about a minute (most of it radosgw): marked so a pass that must be short (the
# ASan run) can leave them out with -m "not slow"; make test runs them
pytestmark = pytest.mark.slow


class StoreFixtures(AbstractFixtures):
    @pytest.fixture
    def fs(self, server: StoreServer) -> StoreFileSystem:
        return make_fs(server)

    @pytest.fixture
    def fs_join(self) -> Callable[..., str]:
        # a trailing "/" on the last part is meaningful (a directory target)
        return lambda *parts: "/".join([p.rstrip("/") for p in parts[:-1]] + [parts[-1]])

    @pytest.fixture
    def fs_path(self, server: StoreServer) -> str:
        return fresh_dir(server)

    @pytest.fixture
    def supports_empty_directories(self, server: StoreServer) -> bool:
        return server.scheme in ("sector", "v3io")


class TestCopy(AbstractCopyTests, StoreFixtures):
    pass


class TestGet(AbstractGetTests, StoreFixtures):
    pass


class TestPut(AbstractPutTests, StoreFixtures):
    pass


class TestOpen(AbstractOpenTests, StoreFixtures):
    pass


class TestPipe(AbstractPipeTests, StoreFixtures):
    pass
