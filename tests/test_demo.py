"""`make demo`'s job, run the way make runs it: a subprocess, checked by its report."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

STEPS = (
    "GET 256 KiB into memory",
    "GET 1 MiB into a caller's buffer",
    "PUT 8 MiB from a file range",
    "GET 8 MiB into a file",
    "perform_many: 256 GETs, 64 in flight",
    "SigV4-signed PUT",
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # No proxy variables: the self-check talks to loopback only.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    return _run("-m", "storewire.demo")


def test_demo_runs_and_reports_every_step(demo):
    out = demo
    report = out.stdout
    assert out.returncode == 0, report + out.stderr
    assert report.startswith("storewire ")
    assert "Release build" in report
    for title in STEPS:
        line = next((ln for ln in report.splitlines() if title in ln), None)
        assert line is not None, f"missing step {title!r}:\n{report}"
        assert "[ ok ]" in line, line
    # Large steps report a rate and a duration.
    assert re.search(r"PUT 8 MiB from a file range\s+[\d.]+ ms\s+[\d.]+ MB/s", report), report
    assert re.search(r"the server saw up to \d+ at once", report), report
    assert f"{len(STEPS)}/{len(STEPS)} checks passed" in report
    assert "all checks passed" in report
    assert "FAIL" not in report


def test_demo_never_prints_a_signature(demo):
    report = demo.stdout
    shown = re.search(r"Authorization: AWS4-HMAC-SHA256 Credential=([^/\s]+)/.*", report)
    assert shown, report
    assert shown[1] == "***"  # the access key, a registered Secret
    assert shown[0].endswith("Signature=***")
    assert not re.search(r"[0-9a-f]{64}", report)


def test_selfcheck_command_matches_the_demo():
    out = _run("-m", "storewire.cli", "selfcheck")
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(STEPS)}/{len(STEPS)} checks passed" in out.stdout
