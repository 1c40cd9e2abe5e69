"""Runs the fsspec benchmark's rows with v3iofs (in build/v3iofs-venv, started by
fsspec.py): ``driver.py WORKDIR ROOT RANGES``; V3IO_API and V3IO_ACCESS_KEY name the
emulator. Prints the seconds per row as JSON."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from v3iofs import V3ioFS

# loaded by path: the benchmarks folder also holds a v3io.py, which must not shadow the SDK
_spec = importlib.util.spec_from_file_location(
    "fsspec_workload", Path(__file__).resolve().with_name("fsspec_workload.py"))
assert _spec is not None and _spec.loader is not None
fsspec_workload = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fsspec_workload)

fs = V3ioFS(v3io_api=os.environ["V3IO_API"], v3io_access_key=os.environ["V3IO_ACCESS_KEY"])
fsspec_workload.warm_up(fs, sys.argv[2])
print(json.dumps(fsspec_workload.run(fs, sys.argv[2], Path(sys.argv[1]), int(sys.argv[3]))))
