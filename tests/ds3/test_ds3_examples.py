"""examples/ds3 run end to end against the emulator (and, through run_examples.py, against
`storewire serve`), the README example as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ds3"
SAMPLES = ("beowulf.txt", "sherlock_holmes.txt", "tale_of_two_cities.txt", "ulysses.txt")


def _run(script: str, emulator, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(emulator.env())
    proc = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def sample_dir(tmp_path: Path, emulator) -> Path:
    _run("make_sample_files.py", emulator, tmp_path)
    return tmp_path


def test_readme_bulk_put_example(emulator, sample_dir, client):
    out = _run("bulk_put.py", emulator, sample_dir)
    assert out.split() == sorted(SAMPLES)
    assert "testBucket" not in [b.name for b in client.get_service()]


def test_bulk_get_example(emulator, sample_dir):
    out = _run("bulk_get.py", emulator, sample_dir)
    assert out.split() == [w for name in SAMPLES for w in (name, "ok")]


def test_listing_example(emulator, tmp_path):
    out = _run("listing.py", emulator, tmp_path)
    assert "folders: ['docs/', 'logs/']" in out
    assert "page 4:" in out and out.strip().endswith("done")


def test_run_examples_runs_them_against_storewire_serve(tmp_path):
    # What `make demo` does: the runner starts `storewire serve --only ds3 --env-file ...`,
    # runs each example with the variables of the env file, stops the server with SIGINT.
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and not k.startswith("DS3_")}
    proc = subprocess.run([sys.executable, str(EXAMPLES / "run_examples.py")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "serve --only ds3 --ds3 127.0.0.1:0 --env-file" in out
    assert "storewire serve (pid" in out
    for script in ("bulk_put.py", "bulk_get.py", "listing.py"):
        assert f"{script}: ok" in out
    assert "storewire serve stopped by SIGINT (exit 0)" in out
    assert "3/3 DS3 examples passed against storewire serve" in out


def test_run_examples_fails_when_an_example_fails(monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    for name in [n for n in os.environ if "proxy" in n.lower() or n.startswith("DS3_")]:
        monkeypatch.delenv(name)
    import run_examples

    monkeypatch.setattr(run_examples, "SCRIPTS", ("listing.py", "no_such_example.py"))
    assert run_examples.main() == 1
    out = capsys.readouterr().out
    assert "listing.py: ok" in out
    assert "no_such_example.py: FAILED" in out
    assert "storewire serve stopped by SIGINT (exit 0)" in out  # stopped all the same
    assert "1/2 DS3 examples passed" in out
