"""Child side of hostile_harness.run_case: import the case, call it, report one line."""

from __future__ import annotations

import importlib
import json
import sys

_MARK = "@@hostile-outcome@@"


def _report(**fields: object) -> None:
    sys.stdout.write(_MARK + json.dumps(fields, default=repr) + "\n")
    sys.stdout.flush()


def main() -> int:
    return run(json.loads(sys.argv[1]))


def run(spec: dict[str, object]) -> int:
    """Call the case the spec names and report its outcome on stdout."""
    module_name, _, func_name = str(spec["target"]).partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    args = spec["args"]
    assert isinstance(args, list)
    from storewire.errors import StorageError

    try:
        value = func(*args)
    except StorageError as exc:
        _report(
            kind="typed",
            error_class=type(exc).__name__,
            error_mro=[c.__name__ for c in type(exc).__mro__],
            message=str(exc),
        )
        return 0
    except BaseException as exc:  # the suite's whole point is to see these
        import traceback

        traceback.print_exc()
        _report(
            kind="untyped",
            error_class=type(exc).__name__,
            error_mro=[c.__name__ for c in type(exc).__mro__],
            message=str(exc)[:2000],
        )
        return 0
    _report(kind="ok", value=value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
