"""Each default of the HTTP engine is declared once, in C++ (cpp/http/types.h).

The bindings take optionals (None = the native default), the stubs say ``None``, and the
Python layer reads ``storewire._native.http.defaults()`` instead of repeating a number.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from storewire._native import ds3 as native_ds3
from storewire._native import http
from storewire.config import NATIVE_DEFAULTS, ClientConfig, describe, load

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "python" / "storewire" / "_native"
CLIENT_PACKAGES = ("ds3", "s3", "v3io", "sector")
OPTION_NAMES = frozenset(http.defaults())


def _init_keywords(stub: Path) -> dict[str, ast.expr | None]:
    tree = ast.parse(stub.read_text())
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client")
    init = next(n for n in client.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return {a.arg: d for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults, strict=True)}


def test_the_native_defaults_are_the_documented_ones() -> None:
    values = http.defaults()
    assert values["connect_timeout_s"] > 0 and values["max_retries"] >= 0
    assert values["max_in_flight"] >= 1 and values["retry_statuses"]
    assert http.defaults() == values and http.defaults() is not values  # a fresh copy
    with pytest.raises(TypeError):
        NATIVE_DEFAULTS["max_retries"] = 99  # type: ignore[index]


@pytest.mark.parametrize("stub", ["http.pyi", "ds3.pyi"])
def test_stub_defaults_are_none(stub: str) -> None:
    keywords = _init_keywords(STUBS / stub)
    options = OPTION_NAMES & set(keywords)
    assert {"connect_timeout_s", "max_retries", "max_in_flight"} <= options
    for name in options:
        default = keywords[name]
        assert isinstance(default, ast.Constant) and default.value is None, (stub, name)


def test_the_bindings_hold_no_default() -> None:
    for source in ("http.cpp", "ds3.cpp"):
        text = (ROOT / "cpp" / "bindings" / source).read_text()
        for name in OPTION_NAMES:
            for m in re.finditer(rf'py::arg\("{name}"\)\s*=\s*([^,)]+)', text):
                assert m.group(1).strip() == "py::none(", (source, name, m.group(0))


def test_config_defaults_are_the_native_ones() -> None:
    cfg = load(ClientConfig, env={})
    shared = {row.name for row in describe(ClientConfig)} & OPTION_NAMES
    assert {"connect_timeout_s", "max_retries", "max_in_flight", "timeout_s"} <= shared
    for name in shared:
        assert getattr(cfg, name) == NATIVE_DEFAULTS[name], name
    options = cfg.http_options()
    assert all(options[k] == NATIVE_DEFAULTS[k] for k in options if k in OPTION_NAMES)


def test_a_none_option_means_the_native_default() -> None:
    # Explicit None is accepted wherever a default exists; the engine still works.
    with http.Client(max_in_flight=None, connect_timeout_s=None, max_retries=None,
                     retry_statuses=None, verify_tls=None):
        pass
    native_ds3.Client("http://127.0.0.1:9", "k", "s", connect_timeout_s=None,
                      max_in_flight=None, low_speed_time_s=None).close()


def _literal_defaults(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            with_default = positional[len(positional) - len(a.defaults):]
            pairs = list(zip(with_default, a.defaults, strict=True))
            pairs += [
                (x, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None
            ]
            for arg, default in pairs:
                if arg.arg in OPTION_NAMES and not (
                    isinstance(default, ast.Constant) and default.value is None
                ):
                    found.append(f"{path}:{node.lineno} {arg.arg}={ast.unparse(default)}")
        # A config field named like an engine option must not default to a literal.
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id in OPTION_NAMES
            and isinstance(node.value, ast.Call)
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
            and node.value.args[0].value is not None
        ):
            found.append(f"{path}:{node.lineno} {node.target.id}={ast.unparse(node.value)}")
    return found


def test_the_python_layer_repeats_no_native_default() -> None:
    files = [ROOT / "python" / "storewire" / "config.py"]
    for package in CLIENT_PACKAGES:
        files += sorted((ROOT / "python" / package).rglob("*.py"))
    found = [hit for path in files for hit in _literal_defaults(path)]
    assert not found, "\n".join(found)


def test_the_engine_doc_states_the_native_defaults() -> None:
    text = (ROOT / "docs" / "http-engine.md").read_text()
    stated = re.findall(r"`(\w+)`[^`(|]*\(default ([\d.]+)\)", text)
    stated += re.findall(r"^\| `(\w+)` \| ([\d.]+) \|", text, re.M)
    checked = {name for name, _ in stated if name in OPTION_NAMES}
    assert {"connect_timeout_s", "max_in_flight", "max_retries"} <= checked, stated
    for name, value in stated:
        if name in OPTION_NAMES:
            assert float(value) == NATIVE_DEFAULTS[name], (name, value)
