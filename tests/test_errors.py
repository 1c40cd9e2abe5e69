"""The exception hierarchy of storewire.errors: inheritance, fields, text, pickling, and the
two translators (from_status for HTTP replies, from_native for the native core)."""

from __future__ import annotations

import builtins
import copy
import pickle

import pytest

from storewire import errors
from storewire.errors import (
    AlreadyExistsError,
    BufferTooSmallError,
    CancelledError,
    ConflictError,
    IntegrityError,
    InvalidRequestError,
    LocalIOError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ProtocolError,
    ServerError,
    StorageError,
    ThrottledError,
    TimeoutError,
    TlsError,
    TransportError,
    from_native,
    from_status,
)

ALL_CLASSES = [
    getattr(errors, name)
    for name in errors.__all__
    if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), Exception)
]

FULL_FIELDS = {
    "status": 503,
    "code": "SlowDown",
    "operation": "PutObject",
    "resource": "bucket/key",
    "request_id": "req-42",
}

# Each class and the builtins (or storewire parents) code unaware of storewire would catch.
EXPECTED_BASES = [
    (InvalidRequestError, (ValueError,)),
    (PermissionDeniedError, (PermissionError, OSError)),
    (NotFoundError, (FileNotFoundError, OSError)),
    (ConflictError, ()),
    (AlreadyExistsError, (ConflictError, FileExistsError, OSError)),
    (PreconditionFailedError, ()),
    (ThrottledError, ()),
    (ServerError, ()),
    (IntegrityError, ()),
    (LocalIOError, (OSError,)),
    (BufferTooSmallError, (ValueError,)),
    (CancelledError, ()),
    (TransportError, (ConnectionError, OSError)),
    (TimeoutError, (TransportError, builtins.TimeoutError, ConnectionError)),
    (TlsError, (TransportError, ConnectionError)),
    (ProtocolError, (TransportError, ConnectionError)),
]


def test_all_lists_every_class_once():
    names = [cls.__name__ for cls in ALL_CLASSES]
    assert len(names) == len(set(names)) == 17
    assert "from_status" in errors.__all__
    assert "from_native" in errors.__all__


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_every_class_is_a_storage_error(cls):
    assert issubclass(cls, StorageError)
    assert issubclass(cls, Exception)


@pytest.mark.parametrize(("cls", "bases"), EXPECTED_BASES, ids=lambda v: getattr(v, "__name__", ""))
def test_builtin_inheritance(cls, bases):
    err = cls("boom")
    for base in bases:
        assert isinstance(err, base), f"{cls.__name__} should be a {base.__name__}"
    with pytest.raises(StorageError):
        raise err


def test_categories_do_not_leak_into_each_other():
    assert not issubclass(ConflictError, FileExistsError)
    assert not issubclass(TransportError, builtins.TimeoutError)
    assert not issubclass(TlsError, builtins.TimeoutError)
    assert not issubclass(NotFoundError, PermissionError)
    assert not issubclass(ServerError, ConnectionError)
    # The module's TimeoutError is its own class, catchable as the builtin.
    assert TimeoutError is not builtins.TimeoutError
    with pytest.raises(builtins.TimeoutError):
        raise TimeoutError("slow")


def test_fields_default_to_empty():
    err = StorageError()
    assert (err.message, err.status, err.code) == ("", 0, "")
    assert (err.operation, err.resource, err.request_id) == ("", "", "")
    assert err.args == ("",)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_fields_are_kept(cls):
    err = cls("it broke", **FULL_FIELDS)
    assert err.message == "it broke"
    for name, value in FULL_FIELDS.items():
        assert getattr(err, name) == value
    assert err.args[0] == "it broke"


def test_str_with_every_part():
    err = NotFoundError(
        "The key does not exist",
        status=404,
        code="NoSuchKey",
        operation="GetObject",
        resource="bkt/a.txt",
    )
    assert str(err) == "GetObject bkt/a.txt: [404, NoSuchKey] The key does not exist"


@pytest.mark.parametrize(
    ("err", "text"),
    [
        (StorageError("plain"), "plain"),
        (StorageError(), "StorageError"),
        (ServerError(status=500), "[500] ServerError"),
        (ThrottledError(code="SlowDown"), "[SlowDown] SlowDown"),
        (ConflictError("busy", resource="job-1"), "job-1: busy"),
        (TlsError("bad cert", operation="connect"), "connect: bad cert"),
        (TransportError("reset", status=0, code="CURLE_RECV_ERROR"), "[CURLE_RECV_ERROR] reset"),
    ],
)
def test_str_variants(err, text):
    assert str(err) == text


def test_repr_shows_only_set_fields_in_order():
    err = NotFoundError("gone", status=404, code="NoSuchKey", request_id="r1")
    assert (
        repr(err) == "NotFoundError(status=404, code='NoSuchKey', message='gone', request_id='r1')"
    )
    assert repr(StorageError()) == "StorageError()"


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_keeps_class_and_fields(cls, protocol):
    err = cls("it broke", **FULL_FIELDS)
    err.extra_note = "kept"  # attributes added after creation travel too
    back = pickle.loads(pickle.dumps(err, protocol=protocol))
    assert type(back) is cls
    assert back.message == "it broke"
    for name, value in FULL_FIELDS.items():
        assert getattr(back, name) == value
    assert back.extra_note == "kept"
    assert str(back) == str(err)
    assert repr(back) == repr(err)
    assert back.args == err.args


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_copy_and_deepcopy(cls):
    err = cls("x", **FULL_FIELDS)
    for clone in (copy.copy(err), copy.deepcopy(err)):
        assert type(clone) is cls
        assert repr(clone) == repr(err)


def test_pickled_error_raised_from_a_cause_is_still_raisable():
    try:
        try:
            raise OSError("disk")
        except OSError as inner:
            raise LocalIOError("cannot read", resource="/tmp/f") from inner
    except LocalIOError as err:
        back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, OSError)
    assert back.resource == "/tmp/f"
    with pytest.raises(LocalIOError, match="cannot read"):
        raise back


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "", InvalidRequestError),
        (400, "InvalidArgument", InvalidRequestError),
        (401, "", PermissionDeniedError),
        (403, "AccessDenied", PermissionDeniedError),
        (404, "NoSuchKey", NotFoundError),
        (410, "", NotFoundError),
        (409, "", ConflictError),
        (409, "BucketNotEmpty", ConflictError),
        (409, "BucketAlreadyExists", AlreadyExistsError),
        (409, "BucketAlreadyOwnedByYou", AlreadyExistsError),
        (409, "OBJECT_ALREADY_EXISTS", AlreadyExistsError),
        (409, "ResourceAlreadyExists", AlreadyExistsError),
        (409, "ResourceInUseException", AlreadyExistsError),
        (412, "PreconditionFailed", PreconditionFailedError),
        (429, "", ThrottledError),
        (503, "SlowDown", ThrottledError),
        (503, "", ServerError),
        (500, "InternalError", ServerError),
        (502, "", ServerError),
        (504, "", ServerError),
        (400, "Throttling", ThrottledError),  # the code wins over the status
        (418, "", StorageError),
        (301, "PermanentRedirect", StorageError),
    ],
)
def test_from_status_mapping(status, code, cls):
    err = from_status(status, code, "msg", operation="op", resource="res", request_id="rid")
    assert type(err) is cls
    assert (err.status, err.code, err.message) == (status, code, "msg")
    assert (err.operation, err.resource, err.request_id) == ("op", "res", "rid")


def test_from_status_defaults():
    err = from_status(404)
    assert type(err) is NotFoundError
    assert isinstance(err, FileNotFoundError)
    assert (err.code, err.message, err.operation) == ("", "", "")
    assert str(err) == "[404] NotFoundError"


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("invalid_argument", InvalidRequestError),
        ("io", LocalIOError),
        ("connection", TransportError),
        ("timeout", TimeoutError),
        ("tls", TlsError),
        ("protocol", ProtocolError),
        ("buffer_too_small", BufferTooSmallError),
        ("cancelled", CancelledError),
        ("internal", StorageError),
        ("something_new", StorageError),
    ],
)
def test_from_native_mapping(kind, cls):
    err = from_native(kind, "it failed", "CURLE_SOMETHING", "http://h/x")
    assert type(err) is cls
    assert err.message == "it failed"
    assert err.code == "CURLE_SOMETHING"
    assert err.resource == "http://h/x"
    assert err.status == 0


def test_from_native_without_detail_uses_the_kind_as_code():
    err = from_native("timeout", "too slow")
    assert isinstance(err, builtins.TimeoutError)
    assert err.code == "timeout"
    assert err.resource == ""
    assert str(err) == "[timeout] too slow"


def test_from_native_errors_pickle():
    err = from_native("tls", "certificate verify failed", "CURLE_PEER_FAILED_VERIFICATION", "u")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is TlsError
    assert (back.code, back.resource, back.message) == (err.code, "u", err.message)
