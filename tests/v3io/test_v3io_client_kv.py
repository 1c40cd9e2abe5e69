"""Key-value items through storewire's v3io client: typing, updates with expressions and
conditions, cursors, segments."""

from __future__ import annotations

import array
import datetime

import pytest

import v3io.dataplane
from storewire import errors

UTC = datetime.timezone.utc


def test_typed_attributes_round_trip(client, name):
    attributes = {
        "int": 42,
        "negative": -5,
        "big": 2**62,
        "float": 3.14,
        "whole_float": 2.0,
        "tiny": 1e-300,
        "string": "héllo wörld ✓",
        "empty": "",
        "true": True,
        "false": False,
        "bytes": b"\x00\xffbinary",
        "ints": [1, 2, 3],
        "doubles": [1.5, 2.0, -3.25],
        "ts": datetime.datetime(2021, 1, 17, 12, 41, 10, 258000, tzinfo=UTC),
    }
    client.kv.put("bigdata", name, "item", attributes)
    item = client.kv.get("bigdata", name, "item").output.item
    assert item == attributes
    for key, value in attributes.items():
        assert type(item[key]) is type(value), key  # int stays int, float stays float
    client.kv.put("bigdata", name, "arr", {"a": array.array("d", [1.0, 2.5]),
                                          "b": array.array("q", [7])})
    assert client.kv.get("bigdata", name, "arr").output.item == {"a": [1.0, 2.5], "b": [7]}


def test_naive_timestamp_is_utc(client, name):
    client.kv.put("bigdata", name, "k", {"ts": datetime.datetime(2020, 1, 1, 0, 0, 1)})
    got = client.kv.get("bigdata", name, "k").output.item["ts"]
    assert got == datetime.datetime(2020, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_unsupported_type_is_refused_client_side(client, name):
    with pytest.raises(AttributeError):
        client.kv.put("bigdata", name, "k", {"bad": {"nested": 1}})
    with pytest.raises(AttributeError):
        client.kv.put("bigdata", name, "k", {"none": None})


def test_get_item_attribute_selection(client, name):
    client.put_item("bigdata", f"{name}/louise", {"age": 9, "feature": "bunny ears"})
    out = client.get_item("bigdata", f"{name}/louise", attribute_names=["__size", "age"])
    assert out.output.item == {"__size": 0, "age": 9}
    # a plain string is sent as is (the official SDK would send "a,g,e")
    assert client.kv.get("bigdata", name, "louise", attribute_names="age").output.item == {
        "age": 9
    }


def test_put_replaces_update_merges(client, name):
    client.kv.put("bigdata", name, "k", {"a": 1, "b": 2})
    client.kv.put("bigdata", name, "k", {"c": 3})
    assert client.kv.get("bigdata", name, "k").output.item == {"c": 3}
    client.kv.update("bigdata", name, "k", attributes={"d": 4})
    assert client.kv.get("bigdata", name, "k").output.item == {"c": 3, "d": 4}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("age = age + 1", {"age": 10}),
        ("SET age = age * 2 + 1; SET name = 'x'", {"age": 19, "name": "x"}),
        ("ctr = if_not_exists(ctr, 0) + 1", {"age": 9, "ctr": 1}),
        ("arr[1] = arr[1] * 2", {"arr": [1, 4, 3]}),
        ("temp = age; age = 1; REMOVE temp", {"age": 1}),
        ("half = age / 2.0", {"age": 9, "half": 4.5}),
        ("m = max(age, 20); s = 'a' + 'b'", {"age": 9, "m": 20, "s": "ab"}),
    ],
)
def test_update_expressions(client, name, expression, expected):
    client.kv.put("bigdata", name, "k", {"age": 9, "arr": [1, 2, 3]})
    client.kv.update("bigdata", name, "k", expression=expression)
    item = client.kv.get("bigdata", name, "k").output.item
    assert {k: item.get(k) for k in expected} == expected
    assert "temp" not in item


def test_attributes_and_expression_together(client, name):
    # the official SDK sends both to PutItem; we merge them into one update
    client.kv.put("bigdata", name, "k", {"age": 9})
    client.kv.update("bigdata", name, "k", attributes={"tag": "new", "n": 2.5, "ok": True},
                     expression="age = age + 1")
    assert client.kv.get("bigdata", name, "k").output.item == {
        "age": 10, "tag": "new", "n": 2.5, "ok": True
    }


def test_conditions(client, name):
    client.kv.put("bigdata", name, "k", {"age": 9, "state": "AZ"})
    client.kv.put("bigdata", name, "k", {"age": 10}, condition="age == 9 AND state IN ('AZ', 'MA')")
    with pytest.raises(errors.PreconditionFailedError) as info:
        client.kv.put("bigdata", name, "k", {"age": 11}, condition="age == 9")
    assert isinstance(info.value, v3io.dataplane.HttpResponseError)
    assert isinstance(info.value, ValueError)  # a 400
    assert info.value.status_code == 400 and "16777244" in str(info.value)
    # a false condition applies the alternate expression
    client.kv.update("bigdata", name, "k", expression="age = 100", condition="age > 50",
                     alternate_expression="age = age + 5")
    assert client.kv.get("bigdata", name, "k").output.item == {"age": 15}
    # missing attribute -> condition false
    response = client.kv.update("bigdata", name, "k", expression="age = 0",
                                condition="nope == 1",
                                raise_for_status=v3io.dataplane.RaiseForStatus.never)
    assert response.status_code == 400


def test_bad_expression_is_a_400(client, name):
    with pytest.raises(errors.InvalidRequestError):
        client.kv.update("bigdata", name, "k", expression="age = = 1")
    with pytest.raises(errors.InvalidRequestError):
        client.kv.scan("bigdata", name, filter_expression="no_such_function(a)")


def _load(client, table, count):
    responses = client.put_items("bigdata", table, {
        f"item-{i:03d}": {"n": i, "even": i % 2 == 0, "name": f"name-{i}"} for i in range(count)
    })
    assert responses.success and len(responses.responses) == count


def test_cursor_paging_filter_limit(client, name):
    _load(client, name, 100)
    cursor = client.kv.new_cursor("bigdata", name, attribute_names=["n"])
    items = cursor.all()
    assert sorted(i["n"] for i in items) == list(range(100))
    # iteration, filters, limits across pages
    odd = [i["n"] for i in client.new_items_cursor("bigdata", f"/{name}/",
                                                   filter_expression="even == false")]
    assert sorted(odd) == list(range(1, 100, 2))
    limited = client.kv.new_cursor("bigdata", name, limit=30).all()
    assert len(limited) == 30
    first = client.kv.scan("bigdata", name, limit=10).output
    assert len(first.items) == 10 and not first.last and first.next_marker
    rest = client.kv.new_cursor("bigdata", name, marker=first.next_marker).all()
    assert len(rest) == 90
    # __name comes with the default "*" of a scan
    names = {i["__name"] for i in client.kv.new_cursor("bigdata", name)}
    assert names == {f"item-{i:03d}" for i in range(100)}


def test_segments_partition_the_table(client, name):
    _load(client, name, 60)
    seen: list[int] = []
    for segment in range(4):
        cursor = client.kv.new_cursor("bigdata", name, segment=segment, total_segments=4)
        seen += [i["n"] for i in cursor]
    assert sorted(seen) == list(range(60))


def test_scan_with_table_name(client, name):
    _load(client, f"{name}/inner", 3)
    out = client.kv.scan("bigdata", name, table_name="inner").output
    assert out.last and len(out.items) == 3


def test_delete_item_and_schema(client, name):
    client.kv.put("bigdata", name, "k", {"a": 1})
    client.kv.delete("bigdata", name, "k")
    with pytest.raises(FileNotFoundError):
        client.kv.get("bigdata", name, "k")
    client.put_item("bigdata", f"{name}/j", {"a": 1})
    client.delete_item("bigdata", f"{name}/j")
    assert client.get_item("bigdata", f"{name}/j", raise_for_status=[200, 404]).status_code == 404
    client.kv.create_schema("bigdata", name, key="id", fields=[{"name": "a", "type": "long",
                                                               "nullable": True}])
    schema = client.object.get("bigdata", f"{name}/.#schema").body
    assert b'"key":"id"' in schema


def test_cursor_close_and_bounds(client, name):
    for i in range(5):
        client.kv.put("bigdata", f"/{name}", f"k{i}", {"i": i})
    with client.kv.new_cursor("bigdata", f"/{name}", limit=10) as cursor:
        assert cursor.next_item() is not None
    assert cursor.next_item() is None  # closed: the scan is over
    cursor = client.kv.new_cursor("bigdata", f"/{name}", max_empty_pages=None,
                                  max_repeated_markers=None)
    assert sorted(item["i"] for item in cursor) == [0, 1, 2, 3, 4]
    with pytest.raises(errors.InvalidRequestError):
        client.kv.new_cursor("bigdata", f"/{name}", max_empty_pages=-1)


@pytest.mark.parametrize("key", ["..", ".", "a/../b", "../x"])
def test_dot_segment_keys_are_refused_and_nothing_is_sent(client, key):
    with pytest.raises(errors.InvalidRequestError):
        client.kv.put("bigdata", "t", key, {"a": 1})
    with pytest.raises(ValueError):  # InvalidRequestError is a ValueError
        client.put_object("users", f"{key}/obj", body=b"x")
