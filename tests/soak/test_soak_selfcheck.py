"""The soak catches what it claims to catch: a server that lies (a GET answered "200, empty",
which no client can tell from an empty object) shows up as silent wrong results, and an
answer that never comes as a hang, each with its operation and fault. Without these, a clean
soak could mean blind bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest
from soak_runner import problems, run_soak


@pytest.mark.slow
def test_a_lying_server_is_reported_as_silent_wrong_results(tmp_path: Path) -> None:
    result = run_soak("ds3-lies", "soak_ds3", tmp_path, options={"faults": ["lie-empty-200"]},
                      ops=40, rate=0.5, seed=3)
    assert result["status"] == "done", problems(result)
    silent = [f for f in result["failures"] if f["kind"] == "silent"]
    assert silent and result["summary"]["silent"] == len(silent)
    assert any("empty data returned as success" in f["detail"] for f in silent), silent
    assert all(any("lie-empty-200 on GET" in x for x in f["faults"]) for f in silent), silent
    assert "empty data returned as success" in problems(result)


@pytest.mark.slow
def test_an_answer_that_never_comes_is_reported_as_a_hang(tmp_path: Path) -> None:
    result = run_soak("ds3-stall", "soak_ds3", tmp_path, options={"faults": ["stall@response"]},
                      ops=5, rate=1.0, bound_s=4.0)
    assert result["status"] == "hang" and result["returncode"] == 3, problems(result)
    [hang] = result["failures"]
    assert hang["kind"] == "hang" and "stall@response" in hang["faults"][0], hang
    assert result["wall_s"] < 60
    assert "1 hang:" in problems(result)
