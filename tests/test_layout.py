"""The test tree's own rule: test folders have no __init__.py, so pytest imports each test
module by its basename, and two files with the same name in different folders break
collection for the whole suite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_module_basenames_are_unique():
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py")
    clashes = sorted(name for name, count in names.items() if count > 1)
    assert not clashes, f"rename these test modules, their basenames repeat: {clashes}"
