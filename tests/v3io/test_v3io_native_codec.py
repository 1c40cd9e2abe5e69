"""The native V3IO codec (storewire._native.v3io) against the Python reference.

Every output class decodes a body natively in ``parse`` and in Python in ``__init__``
(from ``json.loads``): both must give the same values, or both a ProtocolError, for the
valid bodies and for thousands of seeded mutations of them. The encoders must write the
same bytes as Python's json module. Hostile bodies (deep nesting, huge numbers, bad UTF-8,
truncation) are refused with a typed ProtocolError, never a crash or a builtin exception.
"""

from __future__ import annotations

import array
import base64
import datetime
import gc
import json
import random
import struct
import weakref
from typing import Any

import pytest
from test_v3io_decode_mutations import VALID, _bytes_mutation, _mutate

from storewire import errors
from storewire._native import v3io as native
from v3io.dataplane import output, request
from v3io.dataplane.typed import encode_attributes, encode_value

ROUNDS = 1500


def _state(value: Any) -> Any:
    """An output object as comparable plain data (objects by class and attributes)."""
    if isinstance(value, list):
        return [_state(v) for v in value]
    if isinstance(value, dict):
        return {k: _state(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return "nan"
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return (type(value).__name__, _state(vars(value)))
    return (type(value).__name__, value)


def _outcome(decode: Any) -> Any:
    try:
        return _state(decode())
    except errors.ProtocolError:
        return "ProtocolError"


def _reference(cls: type[output.Output], body: bytes) -> Any:
    def run() -> Any:
        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            raise errors.ProtocolError("not JSON") from None
        if type(decoded) is not dict:
            raise errors.ProtocolError("not an object")
        return cls(decoded)
    return _outcome(run)


def _non_strict(body: bytes) -> bool:
    """JSON that Python's json module takes and the strict reader refuses."""
    return any(word in body for word in (b"Infinity", b"NaN"))


def _mutated_bodies(valid: object, rng: random.Random) -> list[bytes]:
    """ROUNDS bodies derived from ``valid``: mostly JSON-level mutations, some byte-level."""
    bodies: list[bytes] = []
    for _ in range(ROUNDS):
        if rng.random() < 0.7:
            bodies.append(json.dumps(_mutate(valid, rng)).encode("utf-8", "surrogatepass"))
        else:
            bodies.append(_bytes_mutation(json.dumps(valid).encode(), rng))
    return bodies


@pytest.mark.parametrize("cls", list(VALID), ids=lambda c: c.__name__)
def test_native_decoding_matches_the_python_reference(cls: type[output.Output]) -> None:
    rng = random.Random(f"native-{cls.__name__}")
    valid = VALID[cls]
    bodies = [json.dumps(valid).encode()]
    bodies += _mutated_bodies(valid, rng)
    compared = 0
    for body in bodies:
        native_result = _outcome(lambda body=body: cls.parse(body))
        reference = _reference(cls, body)
        if native_result == "ProtocolError" and _non_strict(body):
            continue
        assert native_result == reference, body
        compared += 1
    assert compared > ROUNDS // 2


def _item_body(values: dict[str, Any]) -> bytes:
    return json.dumps({"Item": values}).encode()


def test_canonical_and_odd_typed_values_decode_like_python() -> None:
    head = struct.pack("<IIII", 11223344, 1, 16, 261)
    values = {
        "s": {"S": "tést \u2028 \"q\""}, "i": {"N": "-9223372036854775808"},
        "big": {"N": "123456789012345678901234567890"}, "f": {"N": "1e-7"},
        "g": {"N": "2.50"}, "exp": {"N": "1E400"}, "sp": {"N": " 12 "}, "us": {"N": "1_000"},
        "plus": {"N": "+3"}, "jn": {"N": 4.5}, "b": {"B": ""}, "b1": {"B": "AQ=="},
        "b2": {"B": "AQI="}, "odd": {"B": "AQJ="}, "doubles": {
            "B": base64.b64encode(head + struct.pack("<2d", 1.5, -0.0)).decode()},
        "t": {"BOOL": False}, "ts": {"TS": "1700000000:999999999"}, "sn": {"S": 7},
    }
    body = _item_body(values)
    assert _outcome(lambda: output.GetItemOutput.parse(body)) == _reference(
        output.GetItemOutput, body)
    item = output.GetItemOutput.parse(body).item
    assert item["i"] == -2**63 and item["big"] == 123456789012345678901234567890
    assert item["exp"] == float("inf") and item["doubles"] == [1.5, -0.0]
    assert item["sn"] == "7" and item["odd"] == b"\x01\x02"


@pytest.mark.parametrize("bad", [
    {"N": "1.2.3"}, {"N": ""}, {"B": "AQ="}, {"B": "A"}, {"B": "AQ==AQ=="}, {"B": "A\nQ=="},
    {"BOOL": "true"}, {"TS": "1:1000000000"}, {"S": None}, {"X": "1"}, {}, {"S": "a", "N": "1"},
])
def test_malformed_typed_values_raise_the_python_decoders_error(bad: dict[str, Any]) -> None:
    body = _item_body({"a": bad})
    with pytest.raises(errors.ProtocolError) as native_error:
        output.GetItemOutput.parse(body)
    with pytest.raises(errors.ProtocolError) as python_error:
        output.GetItemOutput(json.loads(body))
    assert str(native_error.value) == str(python_error.value)
    assert "GetItem: Item.a" in str(native_error.value)


@pytest.mark.parametrize(("body", "problem"), [
    (b"[" * 100_000, "nested too deeply"),
    (b'{"Item":' * 70 + b"{}" + b"}" * 70, "nested too deeply"),
    (b'{"Item": {"a": {"N": 1' + b"0" * 5000 + b"}}}", "number literal too long"),
    (b'{"Item": {"a": {"S": "\xff"}}}', "invalid UTF-8"),
    (b'{"Item": {"a": {"S": "\xed\xa0\x80"}}}', "invalid UTF-8"),
    (b'{"Item": {"a": {"S": "x\x01"}}}', "control character"),
    (b'{"Item": {"a": {"S": "x"}}', "unexpected end"),
    (b'{"Item": {}} {}', "extra data"),
    (b'{"Item": {"a": {"S": "\\u12"}}}', "escape"),
    (b'{"Item": NaN}', "unexpected character"),
    (b'\xef\xbb\xbf{"Item": {}}', "unexpected character"),
    (b"", "unexpected end"),
])
def test_hostile_bodies_are_a_protocol_error(body: bytes, problem: str) -> None:
    for cls in (output.GetItemOutput, output.GetItemsOutput, output.GetRecordsOutput,
                output.PutRecordsOutput, output.DescribeStreamOutput):
        with pytest.raises(errors.ProtocolError) as caught:
            cls.parse(body)
        assert problem in str(caught.value) and caught.value.code == "V3IO_BAD_RESPONSE"


def test_hostile_strings_decode_like_python() -> None:
    body = b'{"Item": {"\\ud800": {"S": "\\udc00\\ud83d\\ude00\\u0000\\/"}, "k": {"S": "a"}, ' \
           b'"k": {"N": "2"}}}'
    assert output.GetItemOutput.parse(body).item == output.GetItemOutput(json.loads(body)).item


def test_hostile_records_fall_back_to_the_python_checks() -> None:
    record = {"Data": "eA==", "SequenceNumber": 1, "ArrivalTimeSec": 1, "ArrivalTimeNSec": 2}
    for change, problem in [({"SequenceNumber": -1}, "must be in"),
                            ({"ArrivalTimeNSec": 10**9}, "must be in"),
                            ({"Data": None}, "base64 string"), ({"Data": "e==="}, "base64"),
                            ({"SequenceNumber": True}, "integer"),
                            ({"PartitionKey": 5}, "string")]:
        body = json.dumps({"Records": [record, {**record, **change}]}).encode()
        with pytest.raises(errors.ProtocolError, match=problem) as caught:
            output.GetRecordsOutput.parse(body)
        assert "GetRecords: Records[1]" in str(caught.value)
    body = json.dumps({"Records": [record, 5]}).encode()
    with pytest.raises(errors.ProtocolError, match=r"Records\[1\] must be an object"):
        output.GetRecordsOutput.parse(body)


ATTRIBUTES: list[dict[str, Any]] = [
    {"i": 1, "neg": -5, "big": 2**80, "f": 0.1, "g": 1e300, "h": -0.0, "inf": float("inf"),
     "nan": float("nan"), "t": True, "no": False},
    {"s": "plain", "u": "ünï\u2028😀", "ctl": "\x00\x1f\"\\\n\r\t\b\f\x7f", "e": ""},
    {"b": b"\x00\xff", "ba": bytearray(b"xyz"), "mv": memoryview(b"abcd"), "l": [1, 2],
     "ld": [1.5], "arr": array.array("q", [3]),
     "ts": datetime.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.timezone.utc)},
    {},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
@pytest.mark.parametrize(("condition", "mode"), [(None, None), ("a > 1", "CreateOrReplace"),
                                                 ("", "")])
def test_item_encoding_matches_python(attributes: dict[str, Any], condition: str | None,
                                      mode: str | None) -> None:
    body: dict[str, Any] = {"Item": encode_attributes(attributes)}
    if condition:
        body["ConditionExpression"] = condition
    if mode:
        body["UpdateMode"] = mode
    expected = request._dumps(body).encode()
    assert native.encode_item(attributes, condition, mode, encode_value) == expected
    call = request.put_item("c", "t/k", attributes, condition, mode)
    assert call.body == expected


def test_item_encoding_refuses_what_python_refuses() -> None:
    with pytest.raises(AttributeError):
        native.encode_item({"x": {1, 2}}, None, None, encode_value)
    with pytest.raises(AttributeError):
        native.encode_item({"x": "y" * 61200}, None, None, encode_value)
    with pytest.raises(UnicodeEncodeError):
        native.encode_item({"x": "\udc80"}, None, None, encode_value)
    assert native.encode_item({1: 2}, None, None, encode_value) is None  # Python's job


def test_records_encoding_matches_python() -> None:
    records = [{"data": b"\x00\x01"}, {"data": "tëxt", "client_info": b"ci", "shard_id": 3,
                                       "partition_key": "p\"k"},
               {"data": b"", "client_info": None, "shard_id": None, "partition_key": None}]
    body = native.encode_records(records)
    expected = {"Records": [
        {"Data": "AAE="},
        {"Data": base64.b64encode("tëxt".encode()).decode(), "ClientInfo": "Y2k=",
         "ShardId": 3, "PartitionKey": "p\"k"},
        {"Data": ""}]}
    assert body == request._dumps(expected).encode()
    assert native.encode_records([{"data": memoryview(b"x")}]) is None  # Python's job
    assert native.encode_records([{"no data": b"x"}]) is None
    with pytest.raises(KeyError):
        request.put_records("c", "s", [{"no data": b"x"}])


@pytest.mark.parametrize("value", [
    {"a": [1, None, True, "x\u00e9\n", {"b": -2**70}], "f": 2.5e-10},
    {"AttributesToGet": "*", "Limit": 10},
    [],
])
def test_plain_json_encoding_matches_python(value: Any) -> None:
    assert native.encode_json(value) == request._dumps(value).encode()


def test_plain_json_encoding_leaves_odd_values_to_python() -> None:
    deep: list[Any] = []
    for _ in range(40):
        deep = [deep]
    for value in ({"f": float("nan")}, {"f": float("inf")}, {1: 2}, {"t": (1, 2)}, deep):
        assert native.encode_json(value) is None


def _summary_of_parse(body: bytes) -> Any:
    """What the PutRecords check reads from a parsed answer, or "ProtocolError"."""
    try:
        out = output.PutRecordsOutput.parse(body)
    except errors.ProtocolError:
        return "ProtocolError"
    failed = [i for i, r in enumerate(out.records) if r.error_code is not None]
    return (len(out.records), failed, out.failed_record_count)


def test_put_records_summary_agrees_with_the_parsed_answer() -> None:
    # the native check may decline any body (None: the caller parses it), but a body it
    # takes must parse, to the same count, refused records and FailedRecordCount
    rng = random.Random("records-summary")
    valid = {"FailedRecordCount": 1, "Records": [
        {"SequenceNumber": 7, "ShardId": 0}, {"ErrorCode": -2, "ErrorMessage": "full"},
        {"SequenceNumber": 8, "ShardId": 1, "ErrorCode": None, "ErrorMessage": None}]}
    bodies = [json.dumps(valid).encode(), b'{"Records": []}', b'{"Records": [], "x": [1]}',
              b'{"Records": [{}], "FailedRecordCount": 0}',
              b'{"Records": [{"SequenceNumber": 1}], "Records": []}',
              b'{"Records": [{"SequenceNumber": 1, "SequenceNumber": 2}]}',
              b'{"Records": [], "FailedRecordCount": 2147483649}',
              b'{"Records": [{}], "FailedRecordCount": 2}', b'{"Records": null}',
              b'{"Records": [{"ShardId": 65537}]}', b'{"Records": [5]}', b'[]', b'{"Rec']
    bodies += _mutated_bodies(valid, rng)
    taken = 0
    for body in bodies:
        summary = output.PutRecordsOutput.summary(body)
        if summary is not None:
            assert _summary_of_parse(body) == summary, body
            taken += 1
    assert output.PutRecordsOutput.summary(bodies[0]) == (3, [1], 1)
    assert output.PutRecordsOutput.summary(b'{"Records": [{}], "FailedRecordCount": 2}') is None
    assert taken > ROUNDS // 10


def test_records_decoding_repeats_values_like_python() -> None:
    # arrival times and partition keys repeat between records (the decoder reuses them)
    records = [{"Data": base64.b64encode(f"r{i}".encode()).decode(), "SequenceNumber": i,
                "ArrivalTimeSec": 5 + i // 3, "ArrivalTimeNSec": 9, "PartitionKey": f"p{i % 2}",
                **({"ClientInfo": "Y2k="} if i % 4 == 0 else {})} for i in range(10)]
    body = json.dumps({"NextLocation": "x", "Records": records}).encode()
    assert _outcome(lambda: output.GetRecordsOutput.parse(body)) == \
        _reference(output.GetRecordsOutput, body)


def test_decoded_records_are_left_to_refcounting() -> None:
    # records of atoms are not tracked by the cyclic GC (young collections skip them);
    # they still take new attributes and are freed when the last reference goes
    body = json.dumps({"NextLocation": "x", "Records": [
        {"Data": "ZA==", "SequenceNumber": 1, "ArrivalTimeSec": 2, "ArrivalTimeNSec": 3,
         "PartitionKey": "k"}]}).encode()
    record = output.GetRecordsOutput.parse(body).records[0]
    assert not gc.is_tracked(record)
    assert (record.data, record.sequence_number, record.partition_key) == (b"d", 1, "k")
    record.extra = [1, 2]
    assert vars(record)["extra"] == [1, 2]
    gone = weakref.ref(record)
    del record
    assert gone() is None


def test_records_encoding_finds_members_by_value() -> None:
    class Key(str):
        pass

    data = "".join(["da", "ta"])  # equal to the member name, not the interned object
    body = native.encode_records([{data: b"x", "partition_key": "k", "other": object()}])
    assert body == b'{"Records":[{"Data":"eA==","PartitionKey":"k"}]}'
    # keys that are not exact str: Python encodes, to the same body
    for odd in ({"data": b"x", 1: 2, "partition_key": "k"},
                {"data": b"x", Key("partition_key"): "k"}):
        assert native.encode_records([odd]) is None
        assert request.put_records("c", "s", [odd]).body == body
