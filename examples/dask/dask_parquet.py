"""A partitioned Parquet dataset written with pandas/pyarrow to a store, then read back with
``dask.dataframe.read_parquet`` on a Dask cluster of worker processes (docs/fsspec.md).

    python examples/dask/dask_parquet.py ds3://books/sales sector://data/sales \
        swv3io://bigdata/sales sws3://my-bucket/sales [--scheduler tcp://host:8786]

Each store's settings come from its environment variables (DS3_*, AWS_*, V3IO_*, SECTOR_*).
Without ``--scheduler`` a ``distributed.LocalCluster`` of two worker processes is started;
with it, the same code runs on that cluster (every worker needs storewire installed).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster


def source_frame(rows: int = 4000, seed: int = 7) -> pd.DataFrame:
    """A small sales table; ``region`` is the partition column."""
    rnd = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": np.arange(rows, dtype="int64"),
        "region": rnd.choice(["north", "south", "east", "west"], rows),
        "amount": rnd.normal(100.0, 25.0, rows).round(2),
        "units": rnd.integers(1, 50, rows, dtype="int64"),
    })


def write_dataset(frame: pd.DataFrame, url: str, storage_options: dict[str, Any]) -> None:
    """One Parquet file per region under ``url/region=<name>/`` (pandas + pyarrow)."""
    frame.to_parquet(url, engine="pyarrow", partition_cols=["region"], index=False,
                     storage_options=storage_options)


def read_with_dask(url: str, storage_options: dict[str, Any]) -> pd.DataFrame:
    """The dataset read by the cluster's workers, gathered here, in ``id`` order."""
    frame = dd.read_parquet(url, storage_options=storage_options).compute()
    return normalized(frame)


def normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in ``id`` order, columns by name, the partition column as plain strings."""
    out = frame.assign(region=frame["region"].astype(str))
    return out.sort_values("id").reset_index(drop=True)[sorted(out.columns)]


def round_trip(url: str, storage_options: dict[str, Any] | None = None) -> pd.DataFrame:
    """Writes the source table to ``url`` and reads it back with Dask; what came back
    (equal to the source, or AssertionError)."""
    options = storage_options or {}
    source = source_frame()
    write_dataset(source, url, options)
    back = read_with_dask(url, options)
    pd.testing.assert_frame_equal(back, normalized(source))
    return back


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", help="where to write, e.g. ds3://bucket/sales")
    parser.add_argument("--scheduler", help="a running Dask scheduler (default: local)")
    args = parser.parse_args(argv)
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    with client:
        for url in args.urls:
            back = round_trip(url)
            print(f"{url}: {len(back)} rows written with pandas, read back with dask: equal")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
