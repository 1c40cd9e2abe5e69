"""The official helper modules (``kv_array``, ``kv_timestamp``, ``common.helpers``,
``logger``) give the same results in the official 0.7.2 package and in ours: one snippet
runs under both interpreters and prints JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "emulators"))
import _v3io_support as support  # noqa: E402

SNIPPET = r'''
import base64, datetime, io, json, logging
import v3io.common.helpers as helpers
import v3io.dataplane.kv_array as kv_array
import v3io.dataplane.kv_timestamp as kv_timestamp
import v3io.logger

out = {}
ints = kv_array.encode_list([1, -2, 3 ** 30])
floats = kv_array.encode_list([1.5, -0.25])
out["ints"] = ints.decode()
out["floats"] = floats.decode()
out["typed"] = kv_array.encode_array([7, 8], "l").decode()
out["decoded"] = [kv_array.decode(base64.b64decode(blob)) for blob in (ints, floats)]
try:
    kv_array.decode(b"not an array blob")
except ValueError as exc:
    out["bad"] = str(exc)
utc = datetime.timezone.utc
moment = datetime.datetime(2021, 3, 4, 5, 6, 7, 250000, tzinfo=utc)
out["ts"] = kv_timestamp.encode(moment)
out["ts_back"] = kv_timestamp.decode("1614834367:250000000").isoformat()
out["urls"] = [helpers.url_join("a", "b", "/c"), helpers.url_join("/x", "y/z")]
stream = io.StringIO()
logger = v3io.logger.Logger(level="INFO")
logger.set_handler("out", stream, v3io.logger.HumanReadableFormatter())
logger.set_handler("out", stream, v3io.logger.HumanReadableFormatter())  # replaced, not added
logger.info_with("hello", answer=42)
logger.debug("hidden")
logger.warn("plain %s", "text")
out["log"] = [line.split(" ", 2)[2] for line in stream.getvalue().splitlines()]
print(json.dumps(out))
'''


def run(python: str | Path) -> dict[str, Any]:
    done = subprocess.run([str(python), "-I", "-c", SNIPPET], capture_output=True, text=True,
                          timeout=60, check=False, env=support._clean_env())
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_helpers_match_the_official_ones() -> None:
    theirs = run(support.official_python())
    ours = run(sys.executable)
    assert theirs["log"] == ["[info] hello: {'answer': 42}", "[warning] plain text"]
    assert theirs["decoded"] == [[1, -2, 3 ** 30], [1.5, -0.25]]
    assert ours == theirs
