"""The V3IO emulator against hostile requests (issue 19): deeply nested JSON and
expressions answer 400 (never 500), attribute values of the wrong type are refused, and
no path, table, stream or item key can reach outside its container."""

from __future__ import annotations

import json
import random
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


# seeded mutations of valid bodies: whatever arrives, the answer is never a 5xx

VALID_CALLS = [
    ("PutItem", "/bigdata/mut/k", {"Item": {"a": {"S": "x"}, "n": {"N": "1"}},
                                   "ConditionExpression": "n==1 or true",
                                   "UpdateMode": "CreateOrReplaceAttributes"}),
    ("UpdateItem", "/bigdata/mut/k", {"UpdateExpression": "SET n=n+1",
                                      "ConditionExpression": "exists(n)",
                                      "AlternateUpdateExpression": "SET n=0"}),
    ("GetItem", "/bigdata/mut/k", {"AttributesToGet": "a,n,__size"}),
    ("GetItems", "/bigdata/mut/", {"AttributesToGet": "*", "FilterExpression": "n>0",
                                   "Limit": 5, "Marker": "k", "Segment": 0,
                                   "TotalSegment": 2}),
    ("GetItems", "/bigdata/mut/", {"ShardingKey": "a", "SortKeyRangeStart": "b",
                                   "SortKeyRangeEnd": "c", "TableName": "x"}),
    ("CreateStream", "/bigdata/mut-s2/", {"ShardCount": 2, "RetentionPeriodHours": 1}),
    ("UpdateStream", "/bigdata/mut-s/", {"ShardCount": 3}),
    ("SeekShard", "/bigdata/mut-s/0/", {"Type": "SEQUENCE", "StartingSequenceNumber": 1}),
    ("SeekShard", "/bigdata/mut-s/0/", {"Type": "TIME", "TimestampSec": 1,
                                        "TimestampNSec": 0}),
    ("PutRecords", "/bigdata/mut-s/", {"Records": [{"Data": "eA==", "ShardId": 0,
                                                    "ClientInfo": "aQ==",
                                                    "PartitionKey": "p"}]}),
    ("GetRecords", "/bigdata/mut-s/0/", {"Location": "AAAAAAAAAAAAAAAAAAAAAA==",
                                         "Limit": 10}),
]
ODD: list[Any] = [None, True, 0, -1, 2**70, 1.5, "", "x", "\udcff", "\x00", [], [1], {},
                  {"S": 1}, {"N": "abc"}, {"B": "@@"}, {"Q": 1}, "é", "((", "a" * 300]


def _mutate(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        out = dict(value)
        if rng.random() < 0.15:
            del out[key]
        else:
            out[key] = _mutate(value[key], rng)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        return [_mutate(v, rng) for v in value]
    return rng.choice(ODD)


@pytest.mark.parametrize(("function", "path", "body"), VALID_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(VALID_CALLS)])
def test_mutated_requests_never_get_a_server_error(w: support.Wire, function: str, path: str,
                                                   body: dict[str, Any]) -> None:
    w.function("CreateStream", "/bigdata/mut-s/", {"ShardCount": 2}, method="POST")
    w.function("PutItem", "/bigdata/mut/k", {"Item": {"n": {"N": "1"}}})
    rng = random.Random(f"19-{function}-{path}")
    statuses: set[int] = set()
    for _ in range(150):
        if rng.random() < 0.75:
            data = json.dumps(_mutate(body, rng)).encode("utf-8", "surrogatepass")
        else:
            raw = bytearray(json.dumps(body).encode())
            cut = rng.randrange(len(raw))
            raw[cut:cut + rng.randint(0, 3)] = bytes(rng.choice(b'{}[]":,\\u0d\xff')
                                                     for _ in range(rng.randint(0, 3)))
            data = bytes(raw)
        status, _, answer = w.request("POST", path, data, {"X-v3io-function": function})
        assert status < 500, (data[:300], answer[:300])
        statuses.add(status)
    assert 400 in statuses  # the mutations reached the checks


@pytest.mark.parametrize(
    ("function", "path", "body"),
    [("PutItem", "/bigdata/odd/k", b'{"Item": {}, "UpdateMode": {"S": "x"}}'),
     ("UpdateItem", "/bigdata/odd/k", b'{"UpdateExpression": "SET a=\\udcff"}'),
     ("GetItems", "/bigdata/odd/", b'{"ShardingKey": "\\udcff"}'),
     ("PutItem", "/bigdata/odd/k", b'{"Item": {"a": {"S": "\\ud800"}}}'),
     ("PutRecords", "/bigdata/odd-s/", '{"Records": [{"Data": "é"}]}'.encode()),
     ("GetRecords", "/bigdata/odd-s/0/", '{"Location": "é"}'.encode())],
    ids=["update-mode-object", "lone-surrogate-expression", "lone-surrogate-sharding-key",
         "lone-surrogate-value", "non-ascii-base64", "non-ascii-location"],
)
def test_odd_json_strings_are_bad_requests(w: support.Wire, function: str, path: str,
                                           body: bytes) -> None:
    w.function("CreateStream", "/bigdata/odd-s/", {"ShardCount": 1}, method="POST")
    status, _, answer = w.request("POST", path, body, {"X-v3io-function": function})
    assert status in (400, 404), answer


def test_surrogate_pairs_are_fine(w: support.Wire) -> None:
    status, _, _ = w.request("POST", "/bigdata/pair/k", b'{"Item": {"a": {"S": "\\ud83d\\ude00"}}}',
                             {"X-v3io-function": "PutItem"})
    assert status == 200
    status, answer = w.function("GetItem", "/bigdata/pair/k", {"AttributesToGet": "a"})
    assert answer["Item"]["a"] == {"S": "\U0001f600"}


def test_basic_authorization_with_non_ascii_is_refused_not_a_crash(w: support.Wire) -> None:
    status, _, _ = w.request("GET", "/bigdata/x", headers={"Authorization": "Basic é=="},
                             key=None)
    assert status in (401, 403)


@pytest.mark.parametrize(
    "query",
    ["max-keys=99999999999999999999", "max-keys=-1", "max-keys=abc", "marker=%00",
     "prefix=%ff", "marker=%ff", "prefix-info=weird", "marker=" + "a" * 100_000],
)
def test_odd_listing_queries_never_get_a_server_error(w: support.Wire, query: str) -> None:
    status, _, data = w.request("GET", f"/bigdata?{query}")
    assert status < 500, data


@pytest.mark.parametrize(
    "value",
    ["bytes=99999999999999999999999-", "bytes=-", "bytes=5-2", "bytes=a", "bytes=1-2,3-4",
     "bytes=-99999999999999999999", "bytes=0-99999999999999999999999", "bytes=10-"],
)
def test_odd_ranges_never_get_a_server_error(w: support.Wire, value: str) -> None:
    w.request("PUT", "/bigdata/ranged", b"0123456789")
    status, _, data = w.request("GET", "/bigdata/ranged", headers={"Range": value})
    assert status < 500, data
