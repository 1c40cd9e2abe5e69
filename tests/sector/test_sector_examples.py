"""examples/sector: the PySector README examples run end to end through ``storewire serve``
(what ``make demo`` does)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sector"
SCRIPTS = ("example_1_mkdir.py", "example_2_rm.py", "example_3_upload.py",
           "example_4_download.py", "example_5_read.py", "read.py", "sectorgrep.py")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if "proxy" not in k.lower() and not k.startswith("SECTOR_")}


def _runner() -> ModuleType:
    # A unique module name: other systems' runners are also called run_examples.
    spec = importlib.util.spec_from_file_location("sector_run_examples",
                                                  EXAMPLES / "run_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_examples_passes_against_storewire_serve(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLES / "run_examples.py")], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=300,
                          check=False)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "storewire serve --only sector at 127.0.0.1:" in out
    for script in SCRIPTS:
        assert f"  {script}" in out
    assert "FAILED" not in out
    assert "mkdir /mydir: 0" in out and "rm /mydir: 0" in out
    assert "static PyObject* sector_upload(PyObject* self, PyObject* args)" in out
    assert "storewire serve stopped by SIGINT" in out
    assert f"{len(SCRIPTS)}/{len(SCRIPTS)} Sector examples passed" in out


def test_run_examples_fails_when_an_example_fails(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name in [n for n in os.environ if "proxy" in n.lower() or n.startswith("SECTOR_")]:
        monkeypatch.delenv(name)
    runner = _runner()

    def run_all(env: dict[str, str], tmp: Path) -> list[bool]:
        return [runner.run_one("example_1_mkdir.py", [], ("mkdir /mydir: 0",), env),
                runner.run_one("no_such_example.py", [], (), env)]

    monkeypatch.setattr(runner, "run_all", run_all)
    assert runner.main() == 1
    out = capsys.readouterr().out
    assert "example_1_mkdir.py: ok" in out
    assert "no_such_example.py: FAILED" in out
    assert "storewire serve stopped by SIGINT" in out  # stopped all the same
    assert "1/2 Sector examples passed" in out


def test_examples_without_arguments_print_their_usage() -> None:
    for script in ("read.py", "sectorgrep.py"):
        done = subprocess.run([sys.executable, str(EXAMPLES / script)], env=_env(),
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1
        assert done.stdout.startswith(f"Usage: python {script} ")
