"""Runs README code blocks in order in one namespace and prints, as JSON, each block's
printed lines and the name of the exception it raised (or None). Blocks with a top-level
``await`` run inside ``asyncio.run``. Stdlib only: it runs under the official SDK's venv
and under ours (``test_v3io_official_readme.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import textwrap
from typing import Any


def run_block(source: str, namespace: dict[str, Any]) -> dict[str, Any]:
    printed = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(printed):
            if "await " in source:
                wrapped = "async def __block__():\n" + textwrap.indent(source, "    ")
                exec(compile(wrapped, "<readme>", "exec"), namespace)
                asyncio.run(namespace["__block__"]())
            else:
                exec(compile(source, "<readme>", "exec"), namespace)
    except Exception as exc:  # reported, so both clients can be compared
        error = f"{type(exc).__name__}: {exc}"
    return {"printed": printed.getvalue().splitlines(), "error": error}


def main() -> None:
    blocks = json.loads(sys.stdin.read())
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    results = [run_block(block, namespace) for block in blocks]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
