"""The same calls through the official 0.7.2 verifier transport and through ours record the
same requests (method, percent-encoded path and query, container, headers, JSON body),
except the deliberate differences below."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "emulators"))
import _v3io_support as support  # noqa: E402


def recorded(python: str | Path) -> list[Any]:
    done = subprocess.run([str(python), "-I", str(HERE / "verifier_requests.py")],
                          capture_output=True, text=True, timeout=60, check=False,
                          env=support._clean_env())
    assert done.returncode == 0, done.stderr[-4000:]
    result: list[Any] = json.loads(done.stdout)
    return result


def test_requests_match_the_official_ones() -> None:
    theirs = recorded(support.official_python())
    ours = recorded(sys.executable)
    assert len(theirs) == len(ours) >= 30
    assert all(isinstance(r, dict) for r in theirs + ours)  # every call built a request
    differences = []
    for index, (official, mine) in enumerate(zip(theirs, ours, strict=True)):
        if official == mine:
            continue
        # deliberate: the official SDK misspells the object Content-Type
        assert official["headers"]["Content-Type"] == "application-octet-stream"
        assert mine["headers"]["Content-Type"] == "application/octet-stream"
        assert {**official, "headers": {}} == {**mine, "headers": {}}
        differences.append(index)
    assert differences == [4, 17]  # put_object with bytes, create_schema
