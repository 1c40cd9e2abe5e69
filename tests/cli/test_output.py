"""The reporter's pieces that need no server: the JSON lines and summary, and how the live
display counts a download's bytes while its file grows."""

from __future__ import annotations

import io
import json
from pathlib import Path

from storewire import errors
from storewire.cli.output import Reporter, human_size


def test_partial_download_bytes_are_counted(tmp_path: Path) -> None:
    """The display reads the growing temporary files: the CLI's own name, S3's
    ``.name.XXXX.part`` beside it and Sector's ``name.sector-partial-XXXX``."""
    target = tmp_path / ".f.bin.abcd1234.swpart"
    reporter = Reporter("plain")
    reporter.watch([str(target)])
    assert reporter._partial_bytes() == 0
    (tmp_path / f"{target.name}.sector-partial-0001").write_bytes(b"x" * 100)
    (tmp_path / f".{target.name}.0123abcd.part").write_bytes(b"y" * 50)
    (tmp_path / "unrelated.bin").write_bytes(b"z" * 7)
    assert reporter._partial_bytes() == 150
    target.write_bytes(b"w" * 3)
    assert reporter._partial_bytes() == 153
    reporter.watch([])
    assert reporter._partial_bytes() == 0


def test_json_lines_then_summary() -> None:
    out = io.StringIO()
    reporter = Reporter("json", "copied", out=out)
    reporter.start(2, 30)
    reporter.done("upload", "a", "s3://b/a", 10)
    reporter.failed("upload", "c", "s3://b/c", errors.NotFoundError("no such file: c"))
    reporter.removed("s3://b/old")
    reporter.summary()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"action": "upload", "source": "a", "dest": "s3://b/a", "size": 10,
                        "ok": True}
    assert (lines[1]["ok"], lines[1]["error"]) == (False, "NotFoundError")
    assert lines[2]["action"] == "delete"
    assert {k: lines[3][k] for k in ("summary", "files", "bytes", "failed", "deleted")} == {
        "summary": True, "files": 1, "bytes": 10, "failed": 1, "deleted": 1}


def test_human_sizes() -> None:
    assert [human_size(n) for n in (0, 1023, 1536, 5 * 1024**3)] == [
        "0 Bytes", "1023 Bytes", "1.5 KiB", "5.0 GiB"]
