"""Our ``v3io`` against the official 0.7.2 package's public surface.

``v3io_surface.py`` prints a package's surface (modules, classes, functions, signatures,
constants); it runs under the official SDK's venv and under ours at test time, so no copy
of the official package is committed. Every difference must be one of ``DELIBERATE``
below (with its reason), and every entry there must still be a difference.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "emulators"))
import _v3io_support as support  # noqa: E402

try:
    from .surface_compare import compare
except ImportError:  # tests/v3io is not a package
    from surface_compare import compare  # type: ignore[no-redef]

# prefix of a difference -> why it is deliberate
DELIBERATE: dict[str, str] = {
    "v3io.dataplane.request.encode_": (
        "the official encoders (container, access_key, kwargs) -> tuple are internal to its "
        "transports; ours build Call objects (v3io.dataplane.request.<operation>). A custom "
        "transport still gets official Request objects (method, path, query, headers, body)"),
    "v3io.aio.dataplane.kv_cursor.Cursor.__init__": (
        "cursors are made by kv.new_cursor (same arguments as the official); the "
        "constructor wraps a sync cursor"),
    "v3io.dataplane.kv_cursor.Cursor.__init__": (
        "cursors are made by kv.new_cursor / new_items_cursor (same arguments as the "
        "official); the constructor takes the owner's send functions"),
    "v3io.dataplane.output.GetContainersOutput.__init__": (
        "listing outputs are built from the validated XML answer (Output.parse), not from "
        "an ElementTree root"),
    "v3io.dataplane.output.GetContainerContentsOutput.__init__": (
        "listing outputs are built from the validated XML answer (Output.parse)"),
    "v3io.dataplane.output.ContainerContent.__init__": (
        "a listing entry is built by its listing's parser (slots, typed fields), not from "
        "an XML element"),
    "v3io.dataplane.output.ContainerCommonPrefix.__init__": (
        "a listing prefix is built by its listing's parser, not from an XML element"),
    "v3io.dataplane.response.Responses.__init__": (
        "Responses is a list of Response (Responses() still makes an empty one)"),
}


def surface(python: str | Path) -> dict[str, Any]:
    done = subprocess.run([str(python), "-I", str(HERE / "v3io_surface.py")],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=support._clean_env())
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def differences() -> list[str]:
    official = surface(support.official_python())
    # sanity: the official tree as we know it (aio imports: aiohttp is installed beside it)
    assert {"v3io.dataplane.transport.verifier", "v3io.aio.dataplane", "v3io.common.helpers",
            "v3io.logger"} <= set(official)
    assert "__import_error__" not in official["v3io.aio.dataplane.client"]
    return compare(official, surface(sys.executable))


def test_every_difference_is_deliberate(differences: list[str]) -> None:
    unexplained = [d for d in differences if not any(d.startswith(p) for p in DELIBERATE)]
    assert unexplained == []


def test_every_listed_difference_still_exists(differences: list[str]) -> None:
    stale = [p for p in DELIBERATE if not any(d.startswith(p) for d in differences)]
    assert stale == []


def test_compare_finds_differences() -> None:
    """The comparison itself: a renamed, reordered, missing or async parameter is caught."""
    def method(*params: tuple[str, str, str | None], is_async: bool = False) -> Any:
        return {"kind": "method", "async": is_async, "params": [list(p) for p in params]}

    def module(**members: Any) -> dict[str, Any]:
        return {"m": {"C": {"kind": "class", "members": members}}}

    pk = "POSITIONAL_OR_KEYWORD"
    official = module(f=method(("self", pk, None), ("a", pk, None), ("b", pk, "None")))
    assert compare(official, official) == []
    assert compare(official, module(f=method(("self", pk, None), ("b", pk, "None"),
                                             ("a", pk, None)))) != []
    assert compare(official, module(f=method(("self", pk, None), ("a", pk, None),
                                             ("b", pk, "1")))) != []
    assert compare(official, module(f=method(("self", pk, None), ("a", pk, None),
                                             ("b", pk, "None"), is_async=True))) != []
    assert compare(official, module()) == ["m.C.f: missing"]
    assert compare(official, {}) == ["m: missing module"]
