"""The code-to-exception tables are the one place classes are chosen: every entry of each
table is what the translators build, the V3IO table agrees with the HTTP one on 400/503, the
Sector table and the native code table list the same codes, and no C++ file names a Python
exception class (the native core reports kinds and codes only)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import v3io.dataplane.errors as v3io_errors
from ds3 import ds3
from s3 import connector
from storewire import errors
from storewire._native import sector as native_sector

ROOT = Path(__file__).resolve().parent.parent
CPP = ROOT / "cpp"


def _exception_classes() -> set[str]:
    """The names of every exception class the Python packages define."""
    found: set[str] = set()
    for module in (errors, v3io_errors, ds3, connector):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException):
                if value.__module__ == module.__name__:
                    found.add(value.__name__)
    return found


EXCEPTION_CLASSES = _exception_classes()


def _cpp_files() -> list[Path]:
    return sorted(p for p in CPP.rglob("*") if p.suffix in (".h", ".cpp"))


def test_the_guard_knows_the_classes_it_looks_for():
    assert {"NotFoundError", "IntegrityError", "ConditionFailedError", "Ds3NotFoundError",
            "RemoteStoreError", "HttpResponseError"} <= EXCEPTION_CLASSES
    assert len(_cpp_files()) > 40


@pytest.mark.parametrize("path", _cpp_files(), ids=lambda p: str(p.relative_to(CPP)))
def test_no_cpp_file_names_a_python_exception_class(path):
    text = path.read_text()
    if path.parent.name == "bindings":
        # The binding layer may tell Python users what a call raises in a docstring, but
        # never looks a class up by name: no string that is a class name, no attr("...").
        named = set(re.findall(r'"([A-Za-z0-9_]+)"', text)) & EXCEPTION_CLASSES
        assert not named, f"{path} looks up Python exception classes {sorted(named)}"
        return
    # The C++ core knows nothing about Python's exceptions, not even in comments.
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    named = words & EXCEPTION_CLASSES
    assert not named, f"{path} names Python exception classes {sorted(named)}"
    assert "storewire.errors" not in text and "storewire/errors" not in text


def test_the_bindings_pass_kinds_and_codes_to_the_python_translators():
    text = (CPP / "bindings" / "errors.cpp").read_text()
    assert 'attr("from_native")' in text and 'attr("from_native_status")' in text
    assert "python_class" not in "".join(p.read_text() for p in _cpp_files())


@pytest.mark.parametrize(("kind", "cls"), sorted(errors.NATIVE_KINDS.items()))
def test_every_native_kind_builds_its_class(kind, cls):
    assert type(errors.from_native(kind, "m", "D")) is cls


@pytest.mark.parametrize(("code", "cls"), sorted(errors.HTTP_ERRORS.codes.items()))
def test_every_http_code_wins_over_any_status(code, cls):
    for status in (0, 400, 409, 500, 503):
        assert type(errors.from_status(status, code)) is cls


@pytest.mark.parametrize(("status", "cls"), sorted(errors.HTTP_ERRORS.statuses.items()))
def test_every_http_status_builds_its_class(status, cls):
    err = errors.from_status(status, "SomeUnlistedCode", "m")
    assert type(err) is cls
    assert (err.status, err.code) == (status, "SomeUnlistedCode")


@pytest.mark.parametrize(
    ("status", "cls"),
    [(501, errors.ServerError), (599, errors.ServerError), (418, errors.StorageError),
     (302, errors.StorageError), (0, errors.StorageError)],
)
def test_unlisted_statuses_fall_back_to_their_hundred_then_the_default(status, cls):
    assert type(errors.from_status(status)) is cls


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 429, 500, 502, 503, 504])
def test_v3io_and_http_agree_on_every_status_without_a_code(status):
    # V3IO's classes are its own (HttpResponseError too) but each is the same storewire leaf.
    v3io_cls = v3io_errors.V3IO_ERRORS.class_for(status, "")
    http_cls = errors.HTTP_ERRORS.class_for(status, "")
    assert issubclass(v3io_cls, v3io_errors.HttpResponseError)
    assert issubclass(v3io_cls, http_cls)
    assert next(c for c in v3io_cls.__mro__ if c.__module__ == "storewire.errors") is http_cls


def test_the_400_and_503_decision():
    for table in (errors.HTTP_ERRORS, v3io_errors.V3IO_ERRORS):
        assert issubclass(table.class_for(400, ""), errors.InvalidRequestError)
        assert issubclass(table.class_for(503, ""), errors.ServerError)
        assert not issubclass(table.class_for(503, ""), errors.ThrottledError)
    # only a code that says so refines them
    assert errors.HTTP_ERRORS.class_for(503, "SlowDown") is errors.ThrottledError
    assert errors.HTTP_ERRORS.class_for(400, "Throttling") is errors.ThrottledError
    assert (v3io_errors.V3IO_ERRORS.class_for(400, v3io_errors.CONDITION_FALSE_CODE)
            is v3io_errors.ConditionFailedError)


def test_v3io_errors_are_built_from_the_v3io_table():
    for status, body, cls in [
        (400, b'{"ErrorCode": 16777244, "ErrorMessage": "false"}',
         v3io_errors.ConditionFailedError),
        (400, b'{"ErrorCode": -22}', v3io_errors.InvalidRequestError),
        (503, b'{"ErrorCode": -11}', v3io_errors.ServerError),
        (418, b"", v3io_errors.HttpResponseError),
    ]:
        err = v3io_errors.error_for_response(status, body, None, operation="op", resource="r")
        assert type(err) is cls
        assert err.status_code == status


def _cpp_sector_code_names() -> set[str]:
    text = (CPP / "sector" / "protocol.cpp").read_text()
    table = text[text.index("kCodes[]"):]
    table = table[:table.index("};")]
    return set(re.findall(r'"(E_[A-Z]+)"', table))


def test_the_sector_table_and_the_native_code_names_list_the_same_codes():
    python_names = {native_sector.code_name(int(code)) for code in errors.SECTOR_ERRORS.codes}
    assert python_names == _cpp_sector_code_names()
    assert len(python_names) == len(errors.SECTOR_ERRORS.codes) == 38


@pytest.mark.parametrize(("code", "cls"), sorted(errors.SECTOR_ERRORS.codes.items()))
def test_every_sector_code_builds_its_class(code, cls):
    err = errors.from_native_status("sector", 0, code, "m", operation="op", resource="/p")
    assert type(err) is cls
    assert (err.status, err.code, err.operation, err.resource) == (0, code, "op", "/p")


def test_an_unknown_sector_code_is_a_plain_storage_error():
    assert type(errors.from_native_status("sector", 0, "-424242", "m")) is errors.StorageError
    # a Sector code means nothing in the HTTP space, nor an HTTP code in Sector's
    assert type(errors.from_native_status("http", 0, "-1003", "m")) is errors.StorageError
    assert type(errors.from_native_status("sector", 404, "", "m")) is errors.StorageError


def _raises_without_cause(tree: ast.AST) -> list[int]:
    """Lines of ``raise X`` / ``raise X from None`` inside an except block (not in a nested
    function): a new error there must name the one it replaces with ``from``."""
    found: list[int] = []

    def visit(node: ast.AST, in_except: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.ExceptHandler):
                visit(child, True)
            else:
                if in_except and isinstance(child, ast.Raise) and child.exc is not None:
                    cause = child.cause
                    if cause is None or (isinstance(cause, ast.Constant) and cause.value is None):
                        found.append(child.lineno)
                visit(child, in_except)

    visit(tree, False)
    return found


@pytest.mark.parametrize("package", ["ds3", "s3", "sector", "v3io"])
def test_clients_keep_the_cause_when_they_raise_a_new_error(package):
    bad = []
    for path in sorted((ROOT / "python" / package).rglob("*.py")):
        for line in _raises_without_cause(ast.parse(path.read_text())):
            bad.append(f"{path.relative_to(ROOT)}:{line}")
    assert not bad, "raise ... from <the caught error> expected at " + ", ".join(bad)
