"""The official SDK's README examples (read from the installed 0.7.2 wheel's metadata at
test time) run with the official client and with ours, each against its own fresh V3IO
emulator, and give equal results: the same printed lines and the same failures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storewire.emulators.v3io import V3IOEmulator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "emulators"))
import _v3io_support as support  # noqa: E402

# the README's placeholder client: ours and theirs read V3IO_API / V3IO_ACCESS_KEY instead
_PLACEHOLDER = re.compile(r"endpoint='https://v3io-webapi:8081', access_key='some_access_key'")


def readme_blocks(official: Path) -> list[str]:
    done = subprocess.run(
        [str(official), "-I", "-c",
         "import importlib.metadata as m; print(m.metadata('v3io').get_payload())"],
        capture_output=True, text=True, timeout=60, check=True, env=support._clean_env())
    blocks = re.findall(r"```python\n(.*?)```", done.stdout, re.S)
    return [_PLACEHOLDER.sub("", block) for block in blocks]


def run(python: str | Path, blocks: list[str]) -> list[dict[str, Any]]:
    with V3IOEmulator() as emulator:
        done = subprocess.run([str(python), "-I", str(HERE / "readme_runner.py")],
                              input=json.dumps(blocks), capture_output=True, text=True,
                              timeout=120, check=False,
                              env={**support._clean_env(), **emulator.env()})
    assert done.returncode == 0, done.stderr[-4000:]
    results: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    return results


@pytest.fixture(scope="module")
def outcomes() -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    official = support.official_python()
    blocks = readme_blocks(official)
    return blocks, run(official, blocks), run(sys.executable, blocks)


def test_readme_has_the_examples(outcomes: Any) -> None:
    blocks, _, _ = outcomes
    assert len(blocks) >= 9
    assert any("v3io.aio.dataplane.Client" in b for b in blocks)
    assert all("v3io-webapi" not in b for b in blocks)


def test_official_client_runs_every_example(outcomes: Any) -> None:
    _, theirs, _ = outcomes
    assert [r["error"] for r in theirs] == [None] * len(theirs)
    printed = [line for r in theirs for line in r["printed"]]
    assert "Status code: 200" in printed and printed.count("hello, there") == 2
    assert "first shard record #1" in printed


def test_ours_gives_equal_results(outcomes: Any) -> None:
    blocks, theirs, ours = outcomes
    for block, mine, official in zip(blocks, ours, theirs, strict=True):
        if block.lstrip().startswith("help("):
            # help() prints each client's own docstrings: only that it runs is compared
            assert mine["error"] is None and mine["printed"]
            continue
        assert mine == official, block
