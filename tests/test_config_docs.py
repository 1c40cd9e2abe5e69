"""The configuration tables in README.md and docs/*.md are generated from the config classes.

Each table sits between ``<!-- config-table: module:Class -->`` and
``<!-- /config-table -->``; ``python tests/test_config_docs.py`` rewrites them.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from storewire.config import markdown_table

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"(<!-- config-table: (?P<ref>[\w.]+:\w+) -->\n)(?P<body>.*?)(<!-- /config-table -->)",
    re.S,
)
EVERY_CONFIG = {
    "storewire.config:ClientConfig",
    "ds3.config:Config",
    "ds3.config:SdkConfig",
    "s3.config:Config",
    "v3io.dataplane.config:Config",
    "sector.config:Config",
}


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _table(ref: str) -> str:
    module, _, name = ref.partition(":")
    return markdown_table(getattr(importlib.import_module(module), name))


def test_every_config_class_has_a_table_that_is_up_to_date() -> None:
    seen: set[str] = set()
    stale = []
    for doc in _documents():
        for m in BLOCK.finditer(doc.read_text()):
            seen.add(m["ref"])
            if m["body"] != _table(m["ref"]):
                stale.append(f"{doc.name}: {m['ref']}")
    assert not stale, f"stale tables (run python {Path(__file__).name}): {stale}"
    assert seen >= EVERY_CONFIG, f"no table for {sorted(EVERY_CONFIG - seen)}"


def test_every_client_doc_has_a_configuration_section() -> None:
    for name in ("ds3-client.md", "v3io-client.md", "sector-client.md"):
        text = (ROOT / "docs" / name).read_text()
        assert "## Configuration" in text and "<!-- config-table:" in text, name


def _rewrite() -> None:
    for doc in _documents():
        text = doc.read_text()
        new = BLOCK.sub(lambda m: m[1] + _table(m["ref"]) + m[4], text)
        if new != text:
            doc.write_text(new)
            print(f"rewrote {doc}")


if __name__ == "__main__":
    sys.exit(_rewrite())
