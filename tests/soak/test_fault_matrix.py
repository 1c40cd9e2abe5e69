"""Every fault of the soak's proxy, once, at each write and read operation of the HTTP
clients (22 faults x 7-10 operations per system), on a warm connection, retries on; then every
object read back directly. Same failure classes as the soak (docs/soak.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from soak_runner import problems, run_soak, summary_line


def _check(result: dict[str, Any]) -> None:
    print(summary_line(result))
    missed = result.get("matrix_missed", [])
    text = problems(result)
    assert not text, text
    # a case whose fault never met its request proves nothing: few, and explained
    assert len(missed) <= result.get("matrix_cases", 0) // 10, missed


@pytest.mark.slow
@pytest.mark.parametrize("system", ["ds3", "v3io"])
def test_fault_matrix_emulators(tmp_path: Path, system: str) -> None:
    _check(run_soak(f"matrix-{system}", "soak_matrix", tmp_path, options={"system": system}))


@pytest.mark.slow
def test_fault_matrix_s3_ds3_emulator(tmp_path: Path) -> None:
    _check(run_soak("matrix-s3-ds3", "soak_matrix", tmp_path,
                    options={"system": "s3", "target": "ds3"}))


@pytest.mark.slow
def test_fault_matrix_s3_radosgw(tmp_path: Path, radosgw_server: dict[str, Any]) -> None:
    _check(run_soak("matrix-s3-radosgw", "soak_matrix", tmp_path,
                    options={**radosgw_server, "system": "s3"}))
