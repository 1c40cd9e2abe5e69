"""The README examples (examples/v3io) end to end, through ``storewire serve``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_run_examples():
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, str(REPO / "examples/v3io/run_examples.py")],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6/6 V3IO examples passed" in done.stdout
    assert "hello, there" in done.stdout
