"""Hostile V3IO servers (issue 19): odd JSON and XML, empty or cut answers, wrong statuses,
markers going round in circles, PutRecords answers lost, echoed secrets, dot segments.

Each case serves scripted bytes from this process and runs one v3io call in a child
interpreter (hostile_harness.run_case): the call must end within its bound with a correct
result or a typed storewire error, never a hang, a signal or an untyped exception.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hostile_harness import expect_ok, expect_safe, expect_typed, run_case
from hostile_http import (
    Answer,
    Close,
    HostileHTTPServer,
    Request,
    Reset,
    Stall,
    json_response,
    response,
    xml_response,
)
from hostile_v3io_cases import ACCESS_KEY, PASSWORD

CASES = "hostile_v3io_cases"


@contextmanager
def serving(respond: Callable[[Request], Answer]) -> Iterator[HostileHTTPServer]:
    with HostileHTTPServer(respond) as server:
        yield server


def always(answer: Answer) -> Callable[[Request], Answer]:
    return lambda request: answer


def run(server: HostileHTTPServer, case: str, *args: Any, bound_s: float = 30.0) -> Any:
    return run_case(f"{CASES}:{case}", server.url, *args, bound_s=bound_s)


def deep(depth: int) -> bytes:
    return b'{"Item":' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)


def array_blob(values: list[int]) -> str:
    head = struct.pack("<IIII", 11223344, 1, 8 * len(values), 259)
    return base64.b64encode(head + struct.pack(f"<{len(values)}q", *values)).decode()


# GetItem: every odd body is a ProtocolError, never a builtin exception or silent data

ODD_GET_ITEM = {
    "empty-200": b"",
    "whitespace": b"   ",
    "null": b"null",
    "list": b"[]",
    "number": b"5",
    "string": b'"Item"',
    "truncated-json": b'{"Item": {"a": {"S": "x"}',
    "not-utf8": b'\xff\xfe{"Item": {}}',
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": deep(50_000),
    "item-list": b'{"Item": [1]}',
    "item-number": b'{"Item": 5}',
    "item-string": b'{"Item": "x"}',
    "value-bare-number": b'{"Item": {"a": 5}}',
    "value-empty-object": b'{"Item": {"a": {}}}',
    "value-two-types": b'{"Item": {"a": {"S": "x", "N": "1"}}}',
    "value-unknown-type": b'{"Item": {"a": {"Q": "1"}}}',
    "N-abc": b'{"Item": {"a": {"N": "abc"}}}',
    "N-empty": b'{"Item": {"a": {"N": ""}}}',
    "N-true": b'{"Item": {"a": {"N": true}}}',
    "N-null": b'{"Item": {"a": {"N": null}}}',
    "N-list": b'{"Item": {"a": {"N": ["1"]}}}',
    "S-null": b'{"Item": {"a": {"S": null}}}',
    "S-object": b'{"Item": {"a": {"S": {"x": 1}}}}',
    "S-bool": b'{"Item": {"a": {"S": false}}}',
    "BOOL-string": b'{"Item": {"a": {"BOOL": "yes"}}}',
    "BOOL-number": b'{"Item": {"a": {"BOOL": 1}}}',
    "B-invalid": b'{"Item": {"a": {"B": "!!!"}}}',
    "B-unpadded": b'{"Item": {"a": {"B": "YQ"}}}',
    "B-number": b'{"Item": {"a": {"B": 5}}}',
    "B-null": b'{"Item": {"a": {"B": null}}}',
    "TS-text": b'{"Item": {"a": {"TS": "x"}}}',
    "TS-nsecs-too-big": b'{"Item": {"a": {"TS": "1:2000000000"}}}',
    "TS-negative-nsecs": b'{"Item": {"a": {"TS": "1:-5"}}}',
    "TS-overflow": b'{"Item": {"a": {"TS": "99999999999999:0"}}}',
    "TS-number": b'{"Item": {"a": {"TS": 12}}}',
    "html-page": b"<html><body>502 Bad Gateway</body></html>",
    "xml-body": b"<Item><a>1</a></Item>",
}


@pytest.mark.parametrize("body", ODD_GET_ITEM.values(), ids=ODD_GET_ITEM.keys())
def test_get_item_odd_json_is_a_protocol_error(body: bytes) -> None:
    with serving(always(json_response(200, body))) as server:
        outcome = expect_typed(run(server, "get_item"), "ProtocolError")
    assert "GetItem" in outcome.message


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/html", b"<html>oops</html>"), ("application/xml", b"<a/>"),
     ("application/octet-stream", b"\x00\x01\x02")],
    ids=["html", "xml", "binary"],
)
def test_get_item_wrong_content_type_is_a_protocol_error(content_type: str, body: bytes) -> None:
    answer = response(200, body, {"Content-Type": content_type})
    with serving(always(answer)) as server:
        expect_typed(run(server, "get_item"), "ProtocolError")


GOOD_ITEM = {
    "Item": {
        "s": {"S": "text"}, "i": {"N": "42"}, "f": {"N": "2.5"}, "j": {"N": 7},
        "b": {"B": base64.b64encode(b"\x00\xff").decode()}, "t": {"BOOL": True},
        "arr": {"B": array_blob([1, -2, 3])}, "ts": {"TS": "1:500000000"},
        "s-number": {"S": 12},
    }
}


def test_get_item_valid_typed_values_decode_exactly() -> None:
    with serving(always(json_response(200, json.dumps(GOOD_ITEM)))) as server:
        item = expect_ok(run(server, "get_item"))
    assert item == {
        "s": "text", "i": 42, "f": 2.5, "j": 7, "b": {"bytes": "00ff"}, "t": True,
        "arr": [1, -2, 3], "ts": "datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, "
        "tzinfo=datetime.timezone.utc)", "s-number": "12",
    }


@pytest.mark.parametrize(
    "status", [201, 203, 204, 206], ids=lambda s: f"status-{s}"
)
def test_get_item_empty_success_status_is_a_protocol_error(status: int) -> None:
    with serving(always(response(status, b"", reason="OK"))) as server:
        expect_typed(run(server, "get_item"), "ProtocolError")


# cut answers: a GetItem never returns "200 with output None"

CUT_ANSWERS = {
    "inside-status-line": Close(b"HTTP/1.1 20"),
    "inside-headers": Close(b"HTTP/1.1 200 OK\r\nContent-Ty"),
    "after-headers-no-body": Close(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"),
    "half-body": Close(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"Item\": {"),
    "reset-half-body": Reset(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"Item\""),
    "reset-nothing": Reset(b""),
    "close-nothing": Close(b""),
    "headers-then-close-no-length": Close(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
    "garbage-status": Close(b"HELLO WORLD\r\n\r\n"),
}


@pytest.mark.parametrize("answer", CUT_ANSWERS.values(), ids=CUT_ANSWERS.keys())
def test_get_item_cut_answer_is_an_error(answer: Answer) -> None:
    with serving(always(answer)) as server:
        expect_typed(run(server, "get_item"))


@pytest.mark.parametrize("operation", ["seek", "describe", "get_records", "scan",
                                       "list_contents", "get_containers"])
def test_empty_success_where_a_body_is_needed(operation: str) -> None:
    with serving(always(response(200, b""))) as server:
        outcome = expect_typed(run(server, operation), "ProtocolError")
    assert "empty body" in outcome.message


def test_error_body_nested_deeply_is_still_a_typed_error() -> None:
    answer = json_response(404, b"[" * 100_000 + b"]" * 100_000)
    with serving(always(answer)) as server:
        expect_typed(run(server, "get_item"), "NotFoundError")


@pytest.mark.parametrize(
    "answer",
    [
        response(301, b"", {"Location": "http://elsewhere/"}, reason="Moved"),
        response(302, b""),
        response(418, b"teapot", reason="I'm a teapot"),
        response(599, b"\xff\xfe", reason="Odd"),
        response(429, b"{}", reason="Slow down"),
        json_response(400, '{"ErrorCode": {"nested": 1}, "ErrorMessage": 5}'),
    ],
    ids=["301", "302-no-location", "418", "599-binary", "429", "400-odd-error-json"],
)
def test_odd_error_statuses_are_typed(answer: bytes) -> None:
    with serving(always(answer)) as server:
        expect_typed(run(server, "get_item"), "HttpResponseError", "StorageError")


# GetItems pages

ODD_SCAN = {
    "items-number": {"Items": 5},
    "items-string": {"Items": "abc"},
    "items-of-numbers": {"Items": [5]},
    "items-of-lists": {"Items": [[]]},
    "item-bad-value": {"Items": [{"a": {"N": "x"}}]},
    "last-maybe": {"LastItemIncluded": "maybe", "Items": []},
    "last-number": {"LastItemIncluded": 1, "Items": []},
    "marker-number": {"LastItemIncluded": "FALSE", "NextMarker": 5, "Items": []},
    "marker-object": {"LastItemIncluded": "FALSE", "NextMarker": {}, "Items": []},
    "numitems-string": {"NumItems": "2", "Items": []},
    "numitems-negative": {"NumItems": -1, "Items": []},
}


@pytest.mark.parametrize("body", ODD_SCAN.values(), ids=ODD_SCAN.keys())
def test_scan_odd_page_is_a_protocol_error(body: dict[str, Any]) -> None:
    with serving(always(json_response(200, json.dumps(body)))) as server:
        expect_typed(run(server, "scan"), "ProtocolError")


def _page(items: list[str], marker: str | None, last: bool = False) -> bytes:
    body: dict[str, Any] = {
        "LastItemIncluded": "TRUE" if last else "FALSE",
        "NumItems": len(items),
        "Items": [{"__name": {"S": name}} for name in items],
    }
    if marker is not None:
        body["NextMarker"] = marker
    return json_response(200, json.dumps(body))


def test_cursor_same_marker_for_ever_is_a_protocol_error() -> None:
    with serving(always(_page(["a"], "m1"))) as server:
        outcome = expect_typed(run(server, "cursor_all", bound_s=20), "ProtocolError")
        assert len(server.requests) <= 3
    assert "NextMarker" in outcome.message and "m1" in outcome.message


def test_cursor_markers_in_a_cycle_are_a_protocol_error() -> None:
    def respond(request: Request) -> Answer:
        return _page([f"i{request.index}"], ["m1", "m2", "m3"][request.index % 3])

    with serving(respond) as server:
        expect_typed(run(server, "cursor_all", bound_s=20), "ProtocolError")
        assert len(server.requests) <= 5


def test_cursor_endless_empty_pages_hit_the_bound() -> None:
    def respond(request: Request) -> Answer:
        return _page([], f"m{request.index}")

    with serving(respond) as server:
        outcome = expect_typed(run(server, "cursor_all", {"max_empty_pages": 5}),
                               "ProtocolError")
        assert len(server.requests) <= 8
    assert "max_empty_pages=5" in outcome.message


def test_cursor_endless_empty_pages_default_bound() -> None:
    def respond(request: Request) -> Answer:
        return _page([], f"m{request.index}")

    with serving(respond) as server:
        outcome = expect_typed(run(server, "cursor_all", bound_s=60), "ProtocolError")
        assert len(server.requests) <= 260
    assert "max_empty_pages=256" in outcome.message


def test_cursor_follows_empty_pages_to_the_items_behind_them() -> None:
    pages = [_page([], "m1"), _page([], "m2"), _page(["a", "b"], "m3"), _page(["c"], None, True)]

    with serving(lambda request: pages[min(request.index, 3)]) as server:
        items = expect_ok(run(server, "cursor_all"))
    assert [item["__name"] for item in items] == ["a", "b", "c"]


def test_cursor_repeats_allowed_when_the_caller_says_so() -> None:
    pages = [_page(["a"], "m1"), _page(["b"], "m1"), _page(["c"], None, True)]

    with serving(lambda request: pages[min(request.index, 2)]) as server:
        items = expect_ok(run(server, "cursor_all", {"max_repeated_markers": 1}))
    assert [item["__name"] for item in items] == ["a", "b", "c"]


def test_cursor_false_without_marker_ends() -> None:
    with serving(always(_page(["a"], None))) as server:
        items = expect_ok(run(server, "cursor_all"))
        assert len(server.requests) == 1
    assert items == [{"__name": "a"}]


@pytest.fixture
def real_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh interpreter per case: these cases are about what a real interpreter exit
    does (a zygote's fork only imitates it, and ends without finalization)."""
    monkeypatch.setenv("HOSTILE_FRESH_INTERPRETER", "1")


@pytest.mark.parametrize("later", ["stall", "answer", "reset"])
def test_abandoned_cursor_does_not_delay_exit(later: str, real_exit: None) -> None:
    """The page fetched ahead stalls for ever (or arrives, or fails); the child must still
    exit at once (it used to wait ~60 s for the request's low-speed timeout) and cleanly
    (no abort from a thread left inside the native engine)."""
    answers: dict[str, Answer] = {"stall": Stall(), "answer": _page(["b"], "m2"),
                                  "reset": Reset(b"")}

    def respond(request: Request) -> Answer:
        return _page(["a"], "m1") if request.index == 0 else answers[later]

    with serving(respond) as server:
        outcome = run(server, "cursor_abandoned", bound_s=20)
    assert expect_ok(outcome) == {"__name": "a"}
    assert outcome.returncode == 0 and outcome.seconds < 10, outcome.describe()


def test_exit_does_not_cut_a_scan_running_in_another_thread(real_exit: None) -> None:
    import time

    def respond(request: Request) -> Answer:
        time.sleep(0.2)  # the main thread is long gone when the last pages come
        last = request.index >= 4
        return _page([f"i{request.index}"], None if last else f"m{request.index}", last)

    with serving(respond) as server:
        outcome = run(server, "cursor_in_thread", bound_s=30)
    assert expect_ok(outcome) == "started"
    assert "scan-result: 5 items" in outcome.stderr, outcome.describe()


# container listings (XML)

def _listing(contents: str = "", truncated: str = "false", marker: str = "",
             max_keys: str = "1000") -> bytes:
    return xml_response(
        200,
        f"<ListBucketResult><Name>bigdata</Name><NextMarker>{marker}</NextMarker>"
        f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{truncated}</IsTruncated>{contents}"
        "</ListBucketResult>",
    )


ODD_LISTINGS = {
    "size-text": _listing("<Contents><Key>dir/a</Key><Size>big</Size></Contents>"),
    "size-negative": _listing("<Contents><Key>dir/a</Key><Size>-5</Size></Contents>"),
    "size-huge": _listing("<Contents><Key>dir/a</Key><Size>1" + "0" * 40 + "</Size></Contents>"),
    "inode-text": _listing("<Contents><Key>dir/a</Key><InodeNumber>x</InodeNumber></Contents>"),
    "truncated-maybe": _listing(truncated="maybe"),
    "max-keys-text": _listing(max_keys="many"),
    "malformed-xml": xml_response(200, "<ListBucketResult><Name>"),
    "not-utf8-xml": xml_response(200, b"<ListBucketResult><Name>\xff</Name></ListBucketResult>"),
    "deep-xml": xml_response(200, "<a>" * 5000 + "</a>" * 4999),
    "json-array": json_response(200, "[1, 2]"),
    "json-empty-object": json_response(200, "{}"),
    "json-error-with-200": json_response(200, '{"ErrorCode": -2, "ErrorMessage": "gone"}'),
    "json-deep": json_response(200, b"{" + b'"a":{' * 50_000 + b"}" * 50_001),
}


@pytest.mark.parametrize("answer", ODD_LISTINGS.values(), ids=ODD_LISTINGS.keys())
def test_listing_odd_answer_is_a_protocol_error(answer: bytes) -> None:
    with serving(always(answer)) as server:
        expect_typed(run(server, "list_contents"), "ProtocolError")


def test_listing_valid_answer_decodes() -> None:
    answer = _listing("<Contents><Key>dir/a</Key><Size>12</Size></Contents>")
    with serving(always(answer)) as server:
        out = expect_ok(run(server, "list_contents"))
    assert out == {"keys": ["dir/a"], "sizes": [12], "truncated": "false"}


@pytest.mark.parametrize(
    "ident", ["abc", "-1", "1" * 30], ids=["text", "negative", "huge"]
)
def test_container_id_not_a_number_is_a_protocol_error(ident: str) -> None:
    body = ("<ListAllMyBucketsResult><Buckets><Bucket><Name>bigdata</Name>"
            f"<Id>{ident}</Id></Bucket></Buckets></ListAllMyBucketsResult>")
    with serving(always(xml_response(200, body))) as server:
        expect_typed(run(server, "get_containers"), "ProtocolError")


def test_delete_stream_listing_repeating_its_marker_is_a_protocol_error() -> None:
    page = _listing("<Contents><Key>stream/0</Key><Size>0</Size></Contents>",
                    truncated="true", marker="stream/0")

    with serving(always(page)) as server:
        outcome = expect_typed(run(server, "delete_stream", bound_s=20), "ProtocolError")
        assert len(server.requests) <= 3
    assert "NextMarker" in outcome.message


def test_delete_stream_listing_truncated_without_marker_is_a_protocol_error() -> None:
    page = _listing("<Contents><Key>stream/0</Key><Size>0</Size></Contents>", truncated="true")
    with serving(always(page)) as server:
        expect_typed(run(server, "delete_stream", bound_s=20), "ProtocolError")


# streams

ODD_STREAM = {
    ("describe", "shards-string"): {"ShardCount": "8", "RetentionPeriodHours": 24},
    ("describe", "shards-negative"): {"ShardCount": -1},
    ("describe", "shards-huge"): {"ShardCount": 10**30},
    ("describe", "shards-bool"): {"ShardCount": True},
    ("describe", "retention-float"): {"ShardCount": 1, "RetentionPeriodHours": 1.5},
    ("seek", "location-missing"): {},
    ("seek", "location-empty"): {"Location": ""},
    ("seek", "location-number"): {"Location": 5},
    ("seek", "location-list"): {"Location": ["x"]},
    ("get_records", "records-number"): {"Records": 5},
    ("get_records", "records-of-strings"): {"Records": ["x"]},
    ("get_records", "data-invalid-base64"): {"Records": [{"Data": "%%%"}]},
    ("get_records", "data-missing"): {"Records": [{"SequenceNumber": 1}]},
    ("get_records", "data-number"): {"Records": [{"Data": 7}]},
    ("get_records", "client-info-number"): {"Records": [{"Data": "eA==", "ClientInfo": 5}]},
    ("get_records", "sequence-string"): {"Records": [{"Data": "eA==", "SequenceNumber": "1"}]},
    ("get_records", "sequence-negative"): {"Records": [{"Data": "eA==", "SequenceNumber": -1}]},
    ("get_records", "nsec-too-big"): {"Records": [{"Data": "eA==", "ArrivalTimeNSec": 2 * 10**9}]},
    ("get_records", "partition-key-number"): {"Records": [{"Data": "eA==", "PartitionKey": 1}]},
    ("get_records", "next-location-number"): {"NextLocation": 1, "Records": []},
    ("get_records", "behind-string"): {"RecordsBehindLatest": "0", "Records": []},
}


@pytest.mark.parametrize(("operation", "body"),
                         [(op, body) for (op, _), body in ODD_STREAM.items()],
                         ids=[f"{op}-{name}" for op, name in ODD_STREAM])
def test_stream_odd_answer_is_a_protocol_error(operation: str, body: dict[str, Any]) -> None:
    with serving(always(json_response(200, json.dumps(body)))) as server:
        expect_typed(run(server, operation), "ProtocolError")


def test_get_records_valid_answer_decodes() -> None:
    body = {"NextLocation": "n1", "Records": [
        {"Data": "eA==", "SequenceNumber": 3, "ClientInfo": "aQ==", "ArrivalTimeSec": 1,
         "ArrivalTimeNSec": 5},
        {"Data": "", "SequenceNumber": 4},
    ]}
    with serving(always(json_response(200, json.dumps(body)))) as server:
        out = expect_ok(run(server, "get_records"))
    assert out == {"next": "n1", "records": [
        {"data": {"bytes": "78"}, "seq": 3, "info": {"bytes": "69"}},
        {"data": {"bytes": ""}, "seq": 4, "info": None},
    ]}


# PutRecords: an error always says which records may already be stored

def _put_answer(results: list[dict[str, Any]], failed: int | None = None) -> bytes:
    body: dict[str, Any] = {"Records": results}
    body["FailedRecordCount"] = (
        failed if failed is not None else sum("ErrorCode" in r for r in results))
    return json_response(200, json.dumps(body))


def test_put_records_partial_failure_names_stored_and_refused_records() -> None:
    results = [{"SequenceNumber": 1, "ShardId": 0}, {"ErrorCode": -1, "ErrorMessage": "no"},
               {"SequenceNumber": 2, "ShardId": 0}, {"ErrorCode": -2, "ErrorMessage": "no"}]
    with serving(always(_put_answer(results))) as server:
        report = expect_ok(run(server, "put_records", 4))
    assert report["class"] == "PutRecordsError"
    assert (report["stored"], report["failed"], report["maybe"]) == ([0, 2], [1, 3], [])
    assert "records stored: 0, 2; refused: 1, 3" in report["message"]


def test_put_records_partial_failure_in_a_batch_names_records() -> None:
    results = [{"SequenceNumber": 1, "ShardId": 0}, {"ErrorCode": -1, "ErrorMessage": "no"}]
    with serving(always(_put_answer(results))) as server:
        report = expect_ok(run(server, "put_records", 2, True))
    assert (report["stored"], report["failed"], report["maybe"]) == ([0], [1], [])


AMBIGUOUS_PUT = {
    "close-before-answer": Close(b""),
    "reset-before-answer": Reset(b""),
    "cut-inside-headers": Close(b"HTTP/1.1 200 OK\r\nContent-Le"),
    "cut-inside-body": Close(b"HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n{\"Records\":"),
    "empty-200": response(200, b""),
    "not-json": json_response(200, b"<html>ok</html>"),
    "too-few-results": _put_answer([{"SequenceNumber": 1, "ShardId": 0}]),
    "too-many-results": _put_answer([{"SequenceNumber": i, "ShardId": 0} for i in range(5)]),
    "failed-count-lies": _put_answer([{"SequenceNumber": 1, "ShardId": 0}] * 3, failed=2),
    "result-not-object": json_response(200, '{"Records": [1, 2, 3]}'),
    "503-from-proxy": response(503, b"Service Unavailable", reason="Unavailable"),
    "502-from-proxy": response(502, b"<html>bad gateway</html>", reason="Bad Gateway"),
}


@pytest.mark.parametrize("batch", [False, True], ids=["call", "batch"])
@pytest.mark.parametrize("answer", AMBIGUOUS_PUT.values(), ids=AMBIGUOUS_PUT.keys())
def test_put_records_ambiguous_failure_says_every_record_may_be_stored(
    answer: Answer, batch: bool
) -> None:
    with serving(always(answer)) as server:
        report = expect_ok(run(server, "put_records", 3, batch))
        # never re-sent by the engine: a resend would store the records twice
        assert len(server.requests) == 1
    assert report["maybe"] == [0, 1, 2], report
    assert report["stored"] == [] and "MAY ALREADY BE STORED: 0-2" in report["message"]


def test_put_records_stalled_answer_times_out_with_every_record_in_doubt() -> None:
    with serving(always(Stall())) as server:
        outcome = run(server, "put_records", 2, bound_s=40)
    report = expect_ok(outcome)
    assert "TimeoutError" in report["mro"] and report["maybe"] == [0, 1]


@pytest.mark.parametrize("status", [400, 403, 404], ids=lambda s: f"status-{s}")
def test_put_records_refused_request_stores_nothing(status: int) -> None:
    answer = json_response(status, '{"ErrorCode": -22, "ErrorMessage": "refused"}')
    with serving(always(answer)) as server:
        report = expect_ok(run(server, "put_records", 2))
    assert (report["stored"], report["maybe"], report["failed"]) == ([], [], [0, 1])


# dot segments never leave the client

TRAVERSALS = [
    ("put_object", ("users", "../bigdata/x")),
    ("put_object", ("users", "a/./b")),
    ("put_object", ("users", "..")),
    ("put_object", ("..", "x")),
    ("put_object", (".", "x")),
    ("put_object", ("", "x")),
    ("put_object", ("users/../bigdata", "x")),
    ("delete_object", ("users", "a/../../bigdata/victim")),
    ("delete_object", ("users", "/../x/")),
    ("put_item_key", ("t", "..")),
    ("put_item_key", ("../bigdata/t", "k")),
    ("put_item_key", ("t/.", "k")),
]


@pytest.mark.parametrize(("case", "args"), TRAVERSALS,
                         ids=[f"{case}-{'|'.join(args)}" for case, args in TRAVERSALS])
def test_dot_segments_are_refused_before_sending(case: str, args: tuple[str, str]) -> None:
    with serving(always(response(200, b""))) as server:
        outcome = expect_typed(run(server, case, *args), "InvalidRequestError")
        assert server.requests == []
    assert "InvalidRequestError" in outcome.error_mro


PATH_CALLS = ["get_object", "head_object", "get_item", "update_item", "kv_delete", "scan",
              "scan_table_name", "cursor", "create_schema", "create_stream", "put_records",
              "seek", "list", "batch_put"]


@pytest.mark.parametrize("what", PATH_CALLS)
def test_every_path_building_call_refuses_dot_segments(what: str) -> None:
    with serving(always(response(200, b""))) as server:
        expect_typed(run(server, "path_call", what, "x/../../users/y"), "InvalidRequestError")
        assert server.requests == []


def test_names_with_dots_that_are_not_segments_are_sent() -> None:
    with serving(always(response(200, b""))) as server:
        assert expect_ok(run(server, "put_object", "users", "a/..b/.c/d..")) == "sent"
        assert server.requests[0].path == "/users/a/..b/.c/d.."


# secrets: the URL password and the access key never show

def _echo(request: Request) -> Answer:
    echoed = json.dumps({"ErrorCode": -13, "ErrorMessage": json.dumps(request.headers)})
    return json_response(403, echoed, {"X-Echo": request.headers.get("authorization", "")})


def _secrets_in(texts: list[str]) -> list[str]:
    token = base64.b64encode(f"hostile-user:{PASSWORD}".encode()).decode()
    joined = "\n".join(texts)
    return [s for s in (PASSWORD, ACCESS_KEY, "per-call-key-9b8e7d", token) if s in joined]


@pytest.mark.parametrize("call", ["get_item", "per_call_key", "put_records", "get_object"])
def test_server_echoing_credentials_does_not_leak_them(call: str) -> None:
    with serving(_echo) as server:
        texts = expect_ok(run(server, "secret_texts", call))
        # the password went as Basic authorization, never in the URL
        assert server.requests[0].headers["authorization"].startswith("Basic ")
    assert "403" in "\n".join(texts)
    assert _secrets_in(texts) == [], texts


def test_redirect_location_with_credentials_is_masked() -> None:
    location = f"http://hostile-user:{PASSWORD}@elsewhere/{ACCESS_KEY}"
    answer = response(301, b"", {"Location": location}, reason="Moved")
    with serving(always(answer)) as server:
        texts = expect_ok(run(server, "secret_texts", "get_object"))
    assert "301" in "\n".join(texts) and _secrets_in(texts) == [], texts


@pytest.mark.parametrize("answer", [Reset(b""), Stall()], ids=["reset", "stall-timeout"])
def test_transport_errors_do_not_show_the_password(answer: Answer) -> None:
    with serving(always(answer)) as server:
        texts = expect_ok(run(server, "secret_texts", "get_item", bound_s=40))
    assert _secrets_in(texts) == [], texts


def test_everything_above_is_safe_for_a_batch_too() -> None:
    with serving(always(json_response(200, b'{"Records": 5}'))) as server:
        report = expect_ok(run(server, "put_records", 2, True))
    assert report["maybe"] == [0, 1] and "ProtocolError" in report["mro"]


def test_answer_with_nul_and_controls_in_strings_decodes_safely() -> None:
    body = json.dumps({"Item": {"a": {"S": "x\x00\r\n\u2028y"}}})
    with serving(always(json_response(200, body))) as server:
        expect_safe(run(server, "get_item"))


@pytest.mark.parametrize("case", ["list_contents", "get_containers"])
def test_listing_error_object_with_an_error_status_is_still_typed(case: str) -> None:
    answer = json_response(404, '{"ErrorCode": -2, "ErrorMessage": "No such file"}')
    with serving(always(answer)) as server:
        expect_typed(run(server, case), "NotFoundError")


def test_batch_wait_never_returns_the_partial_failure_answer() -> None:
    results = [{"SequenceNumber": 1, "ShardId": 0}, {"ErrorCode": -1, "ErrorMessage": "no"}]
    with serving(always(_put_answer(results))) as server:
        assert expect_ok(run(server, "put_records_batch_never", 2)) == [0, 1]


@pytest.mark.parametrize(
    "key",
    ["../victim", "stream/../../victim", "other/victim", "stream/0/deeper", "stream/..",
     "stream/", "", "streamx/0"],
    ids=["up", "up-twice", "elsewhere", "deeper", "dotdot-entry", "the-dir", "empty",
         "sibling-prefix"],
)
def test_delete_stream_never_deletes_what_the_listing_says_outside_the_stream(key: str) -> None:
    page = _listing(f"<Contents><Key>{key}</Key><Size>0</Size></Contents>")
    with serving(always(page)) as server:
        expect_typed(run(server, "delete_stream"), "ProtocolError")
        assert [r.method for r in server.requests] == ["GET"]  # no DELETE went out
