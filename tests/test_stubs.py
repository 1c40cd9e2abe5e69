"""The ``.pyi`` stubs of ``storewire._native`` match the built extension.

Two checks: mypy's stubtest (names, kinds, classes; pybind11's metaclass and its default
``__init__`` on constructor-less classes are expected differences, filtered precisely),
and :mod:`stub_check`, which compares every signature pybind11 documents — something
stubtest cannot do for pybind11 functions.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import storewire
import stub_check

STUB_DIR = Path(storewire.__file__).resolve().parent / "_native"
PYTHON_DIR = STUB_DIR.parent.parent

_METACLASS = re.compile(r"^(?P<name>[\w.]+) is inconsistent, metaclass differs$")
_DEFAULT_INIT = re.compile(
    r"^(?P<name>[\w.]+)\.__init__ is inconsistent, "
    r"stub does not have \*\*?(args|kwargs) parameter \"(args|kwargs)\"$"
)


def _resolve(dotted: str) -> object:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _expected_pybind11_difference(line: str) -> bool:
    if m := _METACLASS.match(line):
        return type(_resolve(m["name"])).__name__ == "pybind11_type"
    if m := _DEFAULT_INIT.match(line):
        cls = _resolve(m["name"])
        init = vars(cls).get("__init__")  # type: ignore[arg-type]
        # No py::init: the class keeps pybind11_object's "no constructor" __init__.
        return not stub_check.runtime_signatures(init, "__init__")
    return False


def test_stubtest_finds_only_pybind11_artefacts(tmp_path):
    env = {**os.environ, "MYPYPATH": str(PYTHON_DIR)}
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "storewire._native", "--concise"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no stray sources for mypy to pick up
        timeout=600,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.strip()]
    unexpected = [ln for ln in lines if not _expected_pybind11_difference(ln)]
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert not unexpected, "\n".join(unexpected) + "\n" + out.stderr
    assert "not checking stubs" not in out.stdout + out.stderr


def test_every_name_and_signature_matches():
    problems = stub_check.check(STUB_DIR, "storewire._native")
    assert not problems, "\n".join(problems)


def test_stub_files_exist_for_every_submodule():
    from storewire import _native

    for area in ("http", "auth", "xml", "ds3", "sector", "v3io"):
        assert isinstance(getattr(_native, area), type(sys))
        assert (STUB_DIR / f"{area}.pyi").is_file(), f"missing {area}.pyi"


@pytest.mark.parametrize(
    ("edit", "reported"),
    [
        (
            ("max_in_flight: int | None = None", "max_inflight: int | None = None"),
            "'max_inflight' is 'max_in_flight'",
        ),
        (
            ("max_retries: int | None = None", "max_retries: int | None = 5"),
            "default 5 in stub, None at runtime",
        ),
        (("def bytes_sent(self) -> int", "def bytes_sent(self) -> str"), "stub says ['str']"),
        (("    def close(self) -> None: ...\n", ""), "Client.close: at runtime but not in"),
        (("    def in_flight", "    def in_flight_now"), "in_flight_now: missing at runtime"),
    ],
)
def test_checker_catches_a_drifted_stub(tmp_path, edit, reported):
    stub_dir = tmp_path / "_native"
    stub_dir.mkdir()
    for stub in STUB_DIR.glob("*.pyi"):
        (stub_dir / stub.name).write_text(stub.read_text())
    http_stub = stub_dir / "http.pyi"
    old, new = edit
    assert old in http_stub.read_text()
    http_stub.write_text(http_stub.read_text().replace(old, new, 1))
    problems = stub_check.check(stub_dir, "storewire._native")
    assert any(reported in p for p in problems), problems
