"""Dask across processes: the example (examples/dask/dask_parquet.py) writes a partitioned
Parquet dataset with pandas/pyarrow to each store and reads it back with
dask.dataframe.read_parquet on a LocalCluster of two worker processes; equal to the source."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fs_helpers import PROTOCOL, fresh_dir, make_fs

from store_servers import SCHEMES, StoreServers

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dask" / "dask_parquet.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dask_parquet", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# a cluster of worker processes takes seconds to start and stop: see test_fsspec_abstract.py
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dask_client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        yield client


def test_parquet_written_with_pandas_read_by_dask_workers(servers: StoreServers,
                                                          dask_client: object) -> None:
    from distributed import Client

    example = _example()
    assert isinstance(dask_client, Client)
    pids = set(dask_client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # two worker processes
    for scheme in SCHEMES:
        server = servers[scheme]
        url = f"{PROTOCOL[scheme]}://{fresh_dir(server)}/sales"
        back = example.round_trip(url, server.options)  # asserts equality itself
        assert len(back) == 4000
        fs = make_fs(server)
        parts = fs.find(url)
        assert {p.split("/")[-2] for p in parts} == {
            "region=east", "region=north", "region=south", "region=west"}
