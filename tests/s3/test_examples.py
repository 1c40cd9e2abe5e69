"""The example scripts in examples/s3 run as shipped, against radosgw and the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "s3"


@pytest.mark.parametrize("script", ["example_1_roundtrip.py", "example_2_metadata.py"])
def test_example_script(s3server, bucket, other_bucket, tmp_path, script):
    """``other_bucket`` (my_other_bucket) is made fresh and removed afterwards."""
    (tmp_path / "s3.yaml").write_text(
        "---\ns3:\n"
        f'    access_key_id: "{s3server.access_key}"\n'
        f'    secret_access_key: "{s3server.secret_key}"\n'
        f'    default_bucket: "{bucket}"\n'
        f'    endpoint: "{s3server.host}"\n'
        "    tls: false\n"
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert ": OK" in result.stdout or "example 2:" in result.stdout


def test_run_examples_without_radosgw_uses_the_emulator(tmp_path):
    """What ``make demo`` runs where radosgw is missing: both examples, on the emulator."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["STOREWIRE_S3_EXAMPLES_SERVER"] = "emulator"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "run_examples.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DS3 emulator (S3 side, SigV4)" in result.stdout
    assert "example_1_roundtrip.py: ok" in result.stdout
    assert "example_2_metadata.py: ok" in result.stdout
