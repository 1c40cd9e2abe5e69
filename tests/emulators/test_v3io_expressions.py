"""The expression language over the wire: precedence, types, missing attributes, functions,
update actions, and errors (400 with the V3IO error body, the server keeps serving)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storewire.emulators.v3io import V3IOEmulator
from storewire.emulators.v3io.values import Array, encode

try:
    from . import _v3io_support as support
except ImportError:  # tests/emulators is not a package: its directory is on sys.path
    import _v3io_support as support  # type: ignore[no-redef]

TABLE = "/bigdata/exprs/fruit/"
ITEMS: dict[str, dict[str, Any]] = {
    "a": {"n": 1, "s": "apple", "f": 1.5, "b": True, "arr": Array(False, (1, 2, 3))},
    "b": {"n": 2, "s": "banana", "b": False},
    "c": {"n": 3, "s": "cherry", "f": 3.0},
    "d": {"s": "date"},
    "e": {"n": "five"},
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[V3IOEmulator]:
    with V3IOEmulator() as emu:
        with support.wire(emu.port, emu.access_key) as w:
            for key, attrs in ITEMS.items():
                item = {name: encode(value) for name, value in attrs.items()}
                status, _ = w.function("PutItem", TABLE + key, {"Item": item})
                assert status == 200
        yield emu


@pytest.fixture
def w(emulator: V3IOEmulator) -> Iterator[support.Wire]:
    with support.wire(emulator.port, emulator.access_key) as client:
        yield client


def scan(w: support.Wire, expression: str) -> list[str]:
    status, body = w.function("GetItems", TABLE, {"FilterExpression": expression})
    assert status == 200, body
    assert body["LastItemIncluded"] == "TRUE"
    return sorted(item["__name"]["S"] for item in body["Items"])


def evaluate(w: support.Wire, expression: str, **attrs: Any) -> Any:
    """``SET r = <expression>`` on a fresh item holding ``attrs``; the stored typed value."""
    path = "/bigdata/exprs/eval/item"
    item = {name: encode(value) for name, value in attrs.items()}
    assert w.function("PutItem", path, {"Item": item})[0] == 200
    status, body = w.function(
        "UpdateItem", path, {"UpdateExpression": f"SET r = {expression}"}, method="POST"
    )
    assert status == 200, body
    status, body = w.function("GetItem", path, {"AttributesToGet": "r"})
    assert status == 200, body
    return body["Item"]["r"]


def n(text: str) -> dict[str, str]:
    return {"N": text}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", n("7")),
        ("(1 + 2) * 3", n("9")),
        ("10 - 4 - 3", n("3")),  # left associative
        ("2 * 3 + 4 * 5", n("26")),
        ("1 + 2 << 1", n("6")),  # shift binds looser than +
        ("6 & 3 | 8", n("10")),  # & before |
        ("5 ^ 1 & 3", n("4")),  # & before ^
        ("-2 * 3", n("-6")),
        ("- (2 + 3)", n("-5")),
        ("~0", n("-1")),
        ("7 / 2", n("3")),  # int / int truncates
        ("-7 / 2", n("-3")),  # toward zero
        ("7.0 / 2", n("3.5")),
        ("2.0 + 1", n("3.0")),  # a double stays a double
        ("1 + 2 == 3", {"BOOL": True}),
        ("true or false and false", {"BOOL": True}),  # AND before OR
        ("not true or true", {"BOOL": True}),  # NOT before OR
        ("not (true or true)", {"BOOL": False}),
        ("1 == 1.0", {"BOOL": True}),  # numeric promotion
        ("'1' == 1", {"BOOL": False}),  # different types compare false
        ("'1' != 1", {"BOOL": False}),
        ("'ab' + 'cd'", {"S": "abcd"}),
        ("length('abc' + 'efg')", n("6")),
        ("max(1.0, 9)", n("9.0")),
        ("min(3, 2)", n("2")),
        ("max('apple', 'banana')", {"S": "banana"}),
        ("max(true, 0)", {"BOOL": True}),  # a Boolean keeps its type when it wins
        ("sqrt(16)", n("4.0")),
        ("if_else(3 > 2, 'big', 'small')", {"S": "big"}),
        ("str(5) + 'x'", {"S": "5x"}),
        ("to_int('42') + 1", n("43")),
        ("(2 == 2) * 4 + 1", n("5")),  # Booleans are 1/0 in arithmetic
        ("1577934245:599999904 > 0:0", {"BOOL": True}),
        ("starts('banana', 'ban') AND ends('banana', 'na')", {"BOOL": True}),
        ("contains('banana', 'nan')", {"BOOL": True}),
        ("5 IN (1, 5, 9)", {"BOOL": True}),
        ("'x' IN ('a', 'b')", {"BOOL": False}),
    ],
)
def test_value_semantics(w: support.Wire, expression: str, expected: Any) -> None:
    assert evaluate(w, expression) == expected


def test_attribute_arithmetic_and_arrays(w: support.Wire) -> None:
    arr = Array(False, (4, 8, 15, 16))
    dbl = Array(True, (0.5, 1.5))
    assert evaluate(w, "i * 2 + j", i=3, j=4) == n("10")
    assert evaluate(w, "i + 0.5", i=3) == n("3.5")
    assert evaluate(w, "arr[1] + arr[i]", arr=arr, i=2) == n("23")
    assert evaluate(w, "sum(arr)", arr=arr) == n("43")
    assert evaluate(w, "max(arr[0..2])", arr=arr) == n("15")
    assert evaluate(w, "min(arr)", arr=arr) == n("4")
    assert evaluate(w, "length(arr)", arr=arr) == n("4")
    assert evaluate(w, "arr[1..2]", arr=arr) == encode(Array(False, (8, 15)))
    assert evaluate(w, "arr + dbl", arr=arr, dbl=dbl) == encode(
        Array(True, (4.0, 8.0, 15.0, 16.0, 0.5, 1.5))
    )
    assert evaluate(w, "init_array(3, 'double')") == encode(Array(True, (0.0, 0.0, 0.0)))
    assert evaluate(w, "init_array(2, 'int', 7)") == encode(Array(False, (7, 7)))
    assert evaluate(w, "pmax(arr[0..1], arr[2..3])", arr=arr) == encode(Array(False, (15, 16)))
    assert evaluate(w, "blob('AAE=')") == {"B": "AAE="}
    assert evaluate(w, "if_not_exists(nope, 10) + if_not_exists(i, 0)", i=5) == n("15")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("n > 1", ["b", "c"]),  # d lacks n, e's n is a string: both false
        ("n != 1", ["b", "c"]),  # missing and mistyped attributes compare false
        ("NOT (n == 1)", ["b", "c", "d", "e"]),  # NOT of a false atom is true
        ("n IN (1, 3)", ["a", "c"]),
        ("s in ('apple', 'date')", ["a", "d"]),
        ("starts(s, 'b') OR ends(s, 'y')", ["b", "c"]),
        ("contains(s, 'an')", ["b"]),
        ("exists(f)", ["a", "c"]),
        ("NOT exists(n)", ["d"]),
        ("n >= 2 AND s < 'c'", ["b"]),
        ("n == 1 OR n == 3 AND s == 'x'", ["a"]),  # AND binds tighter than OR
        ("(n == 1 OR n == 3) AND s == 'cherry'", ["c"]),
        ("b == true", ["a"]),
        ("b", ["a"]),  # a Boolean attribute is a condition by itself
        ("f == 3", ["c"]),  # 3.0 == 3
        ("length(s) == 5", ["a"]),
        ("arr[1] == 2 AND length(arr) == 3", ["a"]),
        ("arr[7] == 2", []),  # out of range: false, not an error
        ("__name == 'c' OR __name == 'e'", ["c", "e"]),
        ("__size == 0", ["a", "b", "c", "d", "e"]),
        ("n + 1 > 2", ["b", "c"]),
        ("n * 2 == 'x'", []),
        ("if_not_exists(n, 0) == 0", ["d"]),
        ("n == 1 Or N == 2 oR n = 2", ["a", "b"]),  # keywords are case-insensitive, = is ==
        ("`s` == 'date'", ["d"]),
        ("s == \"it's\" OR s == 'apple'", ["a"]),
        ("", ["a", "b", "c", "d", "e"]),
    ],
)
def test_filters(w: support.Wire, expression: str, expected: list[str]) -> None:
    assert scan(w, expression) == expected


def test_update_actions_run_in_order(w: support.Wire) -> None:
    path = "/bigdata/exprs/updates/x"
    item = {"a": encode(1), "b": encode(2), "arr": encode(Array(False, (1, 1, 0, 0))), "i": n("1")}
    assert w.function("PutItem", path, {"Item": item})[0] == 200
    expression = (
        "produce=20000; dairy=15000; sum = produce + dairy;"
        "temp=b; b=a; a=temp; REMOVE temp;"
        "i=i+1; arr[i] = arr[i-1] + arr[i-2]; SET manager='Jackson S.'; "
        "SET expenses = if_not_exists(expenses,0); delete(produce);"
    )
    status, body = w.function("UpdateItem", path, {"UpdateExpression": expression}, method="POST")
    assert status == 200, body
    status, body = w.function("GetItem", path, {"AttributesToGet": "*"})
    assert body["Item"] == {
        "a": n("2"),
        "b": n("1"),
        "arr": encode(Array(False, (1, 1, 2, 0))),
        "i": n("2"),
        "dairy": n("15000"),
        "sum": n("35000"),
        "manager": {"S": "Jackson S."},
        "expenses": n("0"),
    }


def check_error(status: int, body: Any, *, fragment: str, code: int = -22) -> None:
    assert status == 400, body
    assert set(body) == {"ErrorCode", "ErrorMessage"}
    assert body["ErrorCode"] == code
    assert fragment in body["ErrorMessage"]


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("nosuch(n) == 1", "unknown function 'nosuch'"),
        ("n >", "expected a value"),
        ("n == 'unterminated", "unterminated string"),
        ("s == 'a\\b'", "backslash"),
        ("n + 1", "must be Boolean"),
        ("exists == 1", "reserved word"),
        ("starts(s)", "takes 2 arguments"),
        ("1 AND n == 1", "needs Boolean operands"),
        ("n == 1 == 1", "cannot be chained"),
        ("(n == 1", "expected ')'"),
        ("n == 1 && n == 2", "write AND"),
        ("n == 1.2.3", "malformed number"),
        ("n # 1", "unexpected character"),
    ],
)
def test_filter_errors(w: support.Wire, expression: str, fragment: str) -> None:
    status, body = w.function("GetItems", TABLE, {"FilterExpression": expression})
    check_error(status, body, fragment=fragment)
    assert w.request("GET", "/")[0] == 200  # same connection, still serving


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("SET __name = 'x'", "system attribute"),
        ("SET r = missing + 1", "attribute 'missing' does not exist"),
        ("SET r = 's' - 1", "needs a number"),
        ("SET arr[10] = 1", "out of range"),
        ("SET r = 1 / 0", "division by zero"),
        ("SET r = 9223372036854775807 + 1", "integer overflow"),
        ("SET r = 1 r = 2", "expected ';'"),
        ("REMOVE", "expected an attribute name"),
        ("SET r = unknownfn()", "unknown function"),
        ("SET s = init_array(2, 'text')", "'int' or 'double'"),
    ],
)
def test_update_errors(w: support.Wire, expression: str, fragment: str) -> None:
    path = "/bigdata/exprs/errors/x"
    item = {"s": {"S": "text"}, "arr": encode(Array(False, (1, 2)))}
    assert w.function("PutItem", path, {"Item": item})[0] == 200
    status, body = w.function("UpdateItem", path, {"UpdateExpression": expression}, method="POST")
    check_error(status, body, fragment=fragment)
    # nothing was applied
    assert w.function("GetItem", path)[1] == {"Item": item}


def test_conditions_on_put_and_update(w: support.Wire) -> None:
    path = "/bigdata/exprs/cond/x"
    assert w.function("PutItem", path, {"Item": {"v": n("1")}})[0] == 200
    status, body = w.function(
        "PutItem", path, {"Item": {"v": n("2")}, "ConditionExpression": "v == 5"}
    )
    check_error(status, body, fragment="false", code=16777244)
    # a condition on a missing attribute is false; on a missing item it sees no attributes
    status, body = w.function(
        "UpdateItem",
        path,
        {"UpdateExpression": "v = 3", "ConditionExpression": "nope > 0"},
        method="POST",
    )
    check_error(status, body, fragment="false", code=16777244)
    status, _ = w.function(
        "UpdateItem",
        "/bigdata/exprs/cond/new",
        {"UpdateExpression": "v = 1", "ConditionExpression": "NOT exists(v)"},
        method="POST",
    )
    assert status == 200
    # the transaction verifier works as an optimistic lock (storey's idiom)
    status, headers, _ = w.request("PUT", path, json.dumps({}), {"X-v3io-function": "GetItem"})
    verifier = headers["X-v3io-transaction-verifier"]
    status, _ = w.function(
        "UpdateItem",
        path,
        {"UpdateExpression": "v = v + 1", "ConditionExpression": verifier},
        method="POST",
    )
    assert status == 200
    status, body = w.function(
        "UpdateItem",
        path,
        {"UpdateExpression": "v = v + 1", "ConditionExpression": verifier},
        method="POST",
    )
    check_error(status, body, fragment="false", code=16777244)
    assert w.function("GetItem", path)[1] == {"Item": {"v": n("2")}}
    # an empty update expression creates the item and changes nothing else
    assert w.function("UpdateItem", "/bigdata/exprs/cond/empty", {}, method="POST")[0] == 200
    assert w.function("GetItem", "/bigdata/exprs/cond/empty")[1] == {"Item": {}}


def test_expression_size_limits(w: support.Wire) -> None:
    long_text = "n == 1 OR " * 900 + "n == 2"
    status, body = w.function("GetItems", TABLE, {"FilterExpression": long_text})
    check_error(status, body, fragment="longer than 8192 bytes")
    many = " OR ".join(["n==1"] * 400)  # 799 operators, under 8 KB
    status, body = w.function("GetItems", TABLE, {"FilterExpression": many})
    check_error(status, body, fragment="more than 700 operators")
