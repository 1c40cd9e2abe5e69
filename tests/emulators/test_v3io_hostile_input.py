"""The V3IO emulator against hostile requests (issue 19): deeply nested JSON and
expressions answer 400 (never 500), attribute values of the wrong type are refused, and
no path, table, stream or item key can reach outside its container."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storewire.emulators.v3io import V3IOEmulator

try:
    from . import _v3io_support as support
except ImportError:  # tests/emulators is not a package: its directory is on sys.path
    import _v3io_support as support  # type: ignore[no-redef]


@pytest.fixture(scope="module")
def emulator() -> Iterator[V3IOEmulator]:
    with V3IOEmulator(access_key="hostile-key") as emu:
        yield emu


@pytest.fixture
def w(emulator: V3IOEmulator) -> Iterator[support.Wire]:
    with support.wire(emulator.port, emulator.access_key) as client:
        yield client


def _bad_request(status: int, body: Any) -> str:
    assert status == 400, (status, body)
    assert body["ErrorCode"] == -22, body
    return str(body["ErrorMessage"])


DEEP = 50_000
NESTED_BODIES = {
    "array": b"[" * DEEP + b"]" * DEEP,
    "object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "in-item": b'{"Item": {"a": ' + b"[" * DEEP + b"]" * DEEP + b"}}",
    "in-records": b'{"Records": [' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"]}",
}


@pytest.mark.parametrize("function", ["PutItem", "UpdateItem", "GetItems", "PutRecords",
                                      "CreateStream"])
@pytest.mark.parametrize("body", NESTED_BODIES.values(), ids=NESTED_BODIES.keys())
def test_deeply_nested_json_is_a_bad_request(w: support.Wire, function: str,
                                             body: bytes) -> None:
    status, answer = w.function(function, "/bigdata/nested/k", body, method="POST")
    assert "nested too deeply" in _bad_request(status, answer)
    status, _ = w.function("PutItem", "/bigdata/nested/ok", {"Item": {"a": {"N": "1"}}})
    assert status == 200  # the server keeps serving


WRONG_VALUES = {
    "S-number": {"S": 5},
    "S-float": {"S": 1.5},
    "S-null": {"S": None},
    "S-list": {"S": ["a"]},
    "S-object": {"S": {"x": "y"}},
    "N-number": {"N": 5},
    "N-float": {"N": 2.5},
    "N-bool": {"N": True},
    "N-text": {"N": "abc"},
    "N-empty": {"N": ""},
    "N-null": {"N": None},
    "BOOL-string": {"BOOL": "true"},
    "BOOL-number": {"BOOL": 1},
    "B-number": {"B": 5},
    "B-invalid": {"B": "!!!"},
    "B-unpadded": {"B": "YQ"},
    "TS-number": {"TS": 5},
    "TS-text": {"TS": "noon"},
    "TS-nsecs-too-big": {"TS": "1:1000000000"},
    "TS-negative-nsecs": {"TS": "1:-1"},
    "TS-secs-overflow": {"TS": "99999999999999999999:0"},
    "unknown-type": {"Q": "1"},
    "two-types": {"S": "x", "N": "1"},
    "no-type": {},
    "bare-number": 5,
    "bare-list": [],
}


@pytest.mark.parametrize("value", WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_attribute_value_of_the_wrong_type_is_refused(w: support.Wire, value: Any) -> None:
    key = f"/bigdata/typed/{abs(hash(json.dumps(value)))}"
    status, answer = w.function("PutItem", key, {"Item": {"a": value}})
    assert "'a'" in _bad_request(status, answer)
    status, answer = w.function("PutItem", key, {"Item": {"a": value},
                                                 "UpdateMode": "CreateOrReplaceAttributes"})
    assert status == 400, answer
    status, _ = w.function("GetItem", key, {"AttributesToGet": "*"})
    assert status == 404  # nothing was written


@pytest.mark.parametrize(
    "value", [{"S": "x"}, {"N": "5"}, {"N": "-2.5e3"}, {"N": "nan"}, {"BOOL": False},
              {"B": "AAE="}, {"TS": "12:999999999"}, {"TS": "-5:0"}],
    ids=["S", "N-int", "N-float", "N-nan", "BOOL", "B", "TS", "TS-negative-secs"],
)
def test_attribute_values_of_the_right_type_are_stored(w: support.Wire, value: Any) -> None:
    key = f"/bigdata/typed-ok/{abs(hash(json.dumps(value)))}"
    status, answer = w.function("PutItem", key, {"Item": {"a": value}})
    assert status == 200, answer
    status, answer = w.function("GetItem", key, {"AttributesToGet": "a"})
    assert status == 200 and answer["Item"]["a"] == value


@pytest.mark.parametrize(
    "key", ["a/b", "..", ".", "../users/x", ""], ids=["slash", "dotdot", "dot", "escape", "empty"]
)
def test_item_key_in_the_body_is_one_segment(w: support.Wire, key: str) -> None:
    status, answer = w.function("PutItem", "/bigdata/keyed/",
                                {"Key": {"k": {"S": key}}, "Item": {"a": {"N": "1"}}})
    assert status == 400, answer


EXPRESSIONS = {
    "parentheses": "(" * 3000 + "a==1" + ")" * 3000,
    "nots": "not " * 690 + "a==1",
    "minus-signs": "a==" + "-" * 5000 + "1",
    "tildes": "a==" + "~" * 5000 + "1",
    "calls": "a==" + "max(" * 500 + "1" + ",1)" * 500,
    "long-sum": "a==1" + "+1" * 690,
    "long-product": "a==" + "*".join(["a"] * 690),
}


@pytest.mark.parametrize("expression", EXPRESSIONS.values(), ids=EXPRESSIONS.keys())
def test_deep_filter_expression_is_a_bad_request(w: support.Wire, expression: str) -> None:
    w.function("PutItem", "/bigdata/expr/k", {"Item": {"a": {"N": "1"}}})
    status, answer = w.function("GetItems", "/bigdata/expr/", {"FilterExpression": expression})
    _bad_request(status, answer)


@pytest.mark.parametrize("expression", EXPRESSIONS.values(), ids=EXPRESSIONS.keys())
def test_deep_update_expression_is_a_bad_request(w: support.Wire, expression: str) -> None:
    update = "SET b=" + expression.removeprefix("a==")
    status, answer = w.function("UpdateItem", "/bigdata/expr/k", {"UpdateExpression": update},
                                method="POST")
    _bad_request(status, answer)


def test_shallow_nesting_still_works(w: support.Wire) -> None:
    w.function("PutItem", "/bigdata/expr2/k", {"Item": {"a": {"N": "1"}}})
    expression = "(" * 20 + "a==1" + ")" * 20
    status, answer = w.function("GetItems", "/bigdata/expr2/", {"FilterExpression": expression})
    assert status == 200 and answer["NumItems"] == 1


TRAVERSAL_PATHS = [
    "/users/../bigdata/victim",
    "/users/a/../../bigdata/victim",
    "/users/%2e%2e/bigdata/victim",
    "/users/%2E%2E/bigdata/victim",
    "/users/.%2e/bigdata/victim",
    "/users/./victim",
    "/users/a%2f..%2f..%2fbigdata/victim",
]


@pytest.mark.parametrize("path", TRAVERSAL_PATHS)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "GET"])
def test_dot_segments_in_object_paths_are_refused(w: support.Wire, path: str,
                                                  method: str) -> None:
    w.request("PUT", "/bigdata/victim", b"keep me")
    status, _, data = w.request(method, path, b"overwritten" if method == "PUT" else None)
    assert status == 400, (status, data)
    status, _, data = w.request("GET", "/bigdata/victim")
    assert (status, data) == (200, b"keep me")


@pytest.mark.parametrize(
    ("function", "body"),
    [("GetItems", {"TableName": "../bigdata"}), ("GetItems", {"TableName": "a/../../x"}),
     ("PutItem", {"TableName": "..", "Item": {}}),
     ("CreateStream", {"StreamName": "../bigdata/s", "ShardCount": 1}),
     ("DescribeStream", {"StreamName": "./s"})],
    ids=["scan-up", "scan-up-twice", "put-table", "create-stream", "describe-dot"],
)
def test_dot_segments_in_body_names_are_refused(w: support.Wire, function: str,
                                                body: dict[str, Any]) -> None:
    status, answer = w.function(function, "/users/", body, method="POST")
    _bad_request(status, answer)


@pytest.mark.parametrize("prefix", ["..", "../bigdata", "a/../..", "%2e%2e"])
def test_dot_segments_in_listing_prefixes_are_refused(w: support.Wire, prefix: str) -> None:
    status, _, data = w.request("GET", f"/users?prefix={prefix}")
    assert status == 400, data
