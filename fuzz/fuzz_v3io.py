"""atheris target: V3IO response decoding (python/v3io/dataplane).

Every output class parses the same body, as ``Response.output`` would, and the error path
builds its exception from it. A hostile body may only end in a value or a
storewire.errors.StorageError (ProtocolError for malformed answers); any other exception
(RecursionError, ValueError, TypeError, AttributeError...) is a finding.
Run by fuzz/run.sh; by hand: .venv/bin/python fuzz/fuzz_v3io.py [libFuzzer flags] [corpus].
"""

from __future__ import annotations

import sys

import atheris
from atheris_support import instrument

from storewire import errors
from v3io.dataplane import errors as v3io_errors
from v3io.dataplane import output, response

instrument("v3io", "storewire.errors", "storewire.log")

OUTPUTS = sorted(
    (cls for cls in vars(output).values()
     if isinstance(cls, type) and issubclass(cls, output.Output) and cls is not output.Output
     and not cls.__name__.startswith("_")),
    key=lambda cls: cls.__name__,
)


def one_input(data: bytes) -> None:
    for cls in OUTPUTS:
        try:
            repr(response.Response(cls, 200, [], data, operation="fuzz").output)
        except errors.StorageError:
            pass
    status = 400 + (data[0] % 200 if data else 0)
    exc = v3io_errors.error_for_response(status, data, None, operation="fuzz", resource="r")
    if not isinstance(exc, errors.StorageError):
        raise AssertionError(f"error_for_response gave {type(exc).__name__}")
    str(exc)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
