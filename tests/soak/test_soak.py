"""The soak under faults (issue 19, part 12): each client runs a bounded mixed workload
through a fault-injecting proxy (or, for Sector, the emulator's own GMP drop/delay knobs
and a slave killed mid-write), and every result is checked against what the server holds.

Short by default (SOAK_OPS=150 per system); ``make soak SOAK_OPS=10000`` for a long run.
Other knobs: SOAK_SEED, SOAK_FAULT_RATE (0.1), SOAK_OP_BOUND_S (90).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from soak_runner import problems, run_soak, summary_line


def _check(result: dict) -> None:
    print(summary_line(result))
    text = problems(result)
    assert not text, text


@pytest.mark.slow
def test_soak_ds3(tmp_path: Path) -> None:
    _check(run_soak("ds3", "soak_ds3", tmp_path))


@pytest.mark.slow
def test_soak_s3_radosgw(tmp_path: Path, radosgw_server: dict) -> None:
    _check(run_soak("s3-radosgw", "soak_s3", tmp_path, options=radosgw_server))


@pytest.mark.slow
def test_soak_s3_ds3_emulator(tmp_path: Path) -> None:
    _check(run_soak("s3-ds3", "soak_s3", tmp_path, options={"target": "ds3"}))


@pytest.mark.slow
def test_soak_v3io(tmp_path: Path) -> None:
    _check(run_soak("v3io", "soak_v3io", tmp_path))


@pytest.mark.slow
def test_soak_sector(tmp_path: Path) -> None:
    _check(run_soak("sector", "soak_sector", tmp_path))
