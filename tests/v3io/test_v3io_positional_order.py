"""The official SDK's argument order, every slot filled positionally, against the emulator.

Flat methods that are a model method under another name, and the scan arguments forwarded
by name, must still take each positional argument where the official 0.7.2 signatures put
it; a slot out of place would read or filter something else here.
"""

from __future__ import annotations

import v3io.dataplane

NO = None  # access_key, raise_for_status and transport_actions, left to their defaults


def test_object_and_container_calls_in_official_order(
    client: v3io.dataplane.Client, name: str
) -> None:
    # container, path, access_key, raise_for_status, transport_actions, body, append
    put = client.put_object("bigdata", f"{name}/o", NO, NO, NO, b"hello", None)
    assert put.status_code == 200
    client.put_object("bigdata", f"{name}/o", NO, NO, NO, b"!", True)
    # ..., offset, num_bytes
    assert client.get_object("bigdata", f"{name}/o", NO, NO, NO, 1, 3).body == b"ell"
    assert client.get_object("bigdata", f"{name}/o", NO, NO, NO).body == b"hello!"
    # ..., get_all_attributes, directories_only, limit, marker
    client.put_object("bigdata", f"{name}/d/x", NO, NO, NO, b"x")
    dirs = client.get_container_contents("bigdata", f"{name}/", NO, NO, NO, False, True, 10)
    assert [p.prefix for p in dirs.output.common_prefixes] == [f"{name}/d/"]
    assert dirs.output.contents == []
    listing = client.get_container_contents("bigdata", f"{name}/", NO, NO, NO, True, False, 10)
    assert [c.key for c in listing.output.contents] == [f"{name}/o"]
    assert listing.output.contents[0].size == 6  # get_all_attributes
    one = client.get_container_contents("bigdata", f"{name}/", NO, NO, NO, False, False, 1)
    out = one.output
    assert len(out.contents) + len(out.common_prefixes) == 1 and out.is_truncated == "true"
    after = client.get_container_contents("bigdata", f"{name}/", NO, NO, NO, False, False, 10,
                                          out.next_marker)
    assert len(after.output.contents) + len(after.output.common_prefixes) == 1
    assert "bigdata" in [c.name for c in client.get_containers(NO, NO, NO).output.containers]
    client.delete_object("bigdata", f"{name}/o", NO, [204], NO)  # raise_for_status
    assert client.get_object("bigdata", f"{name}/o", NO, [200, 404]).status_code == 404


def test_flat_calls_batch_in_official_order(client: v3io.dataplane.Client, name: str) -> None:
    client.batch.put_object("bigdata", f"{name}/b", NO, NO, NO, b"batched")
    client.batch.wait()
    client.batch.get_object("bigdata", f"{name}/b", NO, NO, NO, 0, 5)
    assert [r.body for r in client.batch.wait().responses] == [b"batch"]


def test_scans_in_official_order(client: v3io.dataplane.Client, name: str) -> None:
    table = f"{name}/t/"
    client.put_items("bigdata", table, {f"k{i}": {"n": i, "m": -i} for i in range(6)})

    def ns(items: list[dict[str, object]]) -> list[object]:
        assert all(set(item) == {"n"} for item in items)  # attribute_names took ["n"]
        return sorted(item["n"] for item in items)  # type: ignore[type-var]

    # get_items: container, path, access_key, raise_for_status, transport_actions,
    # table_name, attribute_names, filter_expression, marker, sharding_key, limit
    page = client.get_items("bigdata", table, NO, NO, NO, None, ["n"], "n >= 2", None, None, 10)
    assert ns(page.output.items) == [2, 3, 4, 5] and page.output.last
    # kv.scan: container, table_path, table_name, access_key, raise_for_status,
    # transport_actions, attribute_names, filter_expression, marker, sharding_key, limit
    first = client.kv.scan("bigdata", table, None, NO, NO, NO, ["n"], "n >= 1", None, None, 2)
    assert len(first.output.items) == 2 and first.output.next_marker
    rest = client.kv.scan("bigdata", table, None, NO, NO, NO, ["n"], "n >= 1",
                          first.output.next_marker)
    assert ns(first.output.items + rest.output.items) == [1, 2, 3, 4, 5]
    # new_items_cursor: container, path, access_key, raise_for_status, attribute_names,
    # filter_expression, marker, sharding_key, limit
    cursor = client.new_items_cursor("bigdata", table, NO, NO, ["n"], "n < 4", None, None, 2)
    assert len(ns(cursor.all())) == 2
    # kv.new_cursor: container, table_path, table_name, access_key, raise_for_status,
    # attribute_names, filter_expression
    everything = client.kv.new_cursor("bigdata", table, None, NO, NO, ["n"], "n != 3").all()
    assert ns(everything) == [0, 1, 2, 4, 5]
    # an iterator of names, read once
    from_iter = client.kv.new_cursor("bigdata", table, None, NO, NO, iter(["n"]), None, None,
                                     None, 3).all()
    assert len(ns(from_iter)) == 3
    # delete_item: container, path, access_key, raise_for_status, transport_actions
    client.delete_item("bigdata", f"{table}k0", NO, [204, 200], NO)
    assert ns(client.kv.new_cursor("bigdata", table, attribute_names=["n"]).all()) == [
        1, 2, 3, 4, 5]
