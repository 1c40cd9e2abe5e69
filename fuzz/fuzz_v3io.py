"""atheris target: V3IO response decoding (python/v3io/dataplane).

Every output class parses the same body, as ``Response.output`` would, and the error path
builds its exception from it. A body the native PutRecords check (``records_summary``)
takes must parse to the same record count, refused records and FailedRecordCount. A
hostile body may only end in a value or a storewire.errors.StorageError (ProtocolError
for malformed answers); any other exception (RecursionError, ValueError, TypeError,
AttributeError...) is a finding.
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
    _check_records_summary(data)
    status = 400 + (data[0] % 200 if data else 0)
    exc = v3io_errors.error_for_response(status, data, None, operation="fuzz", resource="r")
    if not isinstance(exc, errors.StorageError):
        raise AssertionError(f"error_for_response gave {type(exc).__name__}")
    str(exc)


def _check_records_summary(data: bytes) -> None:
    """A PutRecords answer the native check takes must parse to the same summary."""
    summary = output.PutRecordsOutput.summary(data)
    if summary is None:
        return
    out = output.PutRecordsOutput.parse(data)  # a ProtocolError here is a finding
    failed = [i for i, r in enumerate(out.records) if r.error_code is not None]
    if summary != (len(out.records), failed, out.failed_record_count):
        raise AssertionError(f"records_summary {summary!r} disagrees with the parsed answer")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
