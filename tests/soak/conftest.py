"""Servers the soak shares across its tests: one real Ceph radosgw for the S3 workload
(the emulators are started by each workload itself, through ``storewire serve``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def radosgw_server() -> Iterator[dict[str, Any]]:
    from storewire.testing import radosgw

    radosgw.ensure_installed()  # not skipped: a missing radosgw is an error here
    gateway = radosgw.RadosGateway(block_size_bytes=4 * 1024**3)
    try:
        gateway.start()
    except radosgw.RadosGatewayUnavailable:  # e.g. a picked free port got taken: once more
        gateway = radosgw.RadosGateway(block_size_bytes=4 * 1024**3)
        gateway.start()
    try:
        yield {
            "target": "radosgw",
            "endpoint": gateway.host,
            "access_key": gateway.access_key,
            "secret_key": gateway.secret_key,
        }
    finally:
        gateway.stop()
