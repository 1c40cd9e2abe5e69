"""The v3io answer decoder under seeded random mutations (issue 19): every output class
turns any body into a result or a ``ProtocolError``, never a builtin exception.

This checks the one place (``v3io.dataplane.validate``) with thousands of bodies that a
scripted server would take minutes to serve; tests/hostile/test_hostile_v3io.py serves the
named shapes over the wire.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from storewire import errors
from v3io.dataplane import output

SEED = 19
ROUNDS = 1000

VALID = {
    output.GetItemOutput: {"Item": {"a": {"S": "x"}, "n": {"N": "1.5"}, "b": {"B": "AAE="},
                                    "t": {"BOOL": True}, "ts": {"TS": "1:2"}}},
    output.GetItemsOutput: {"LastItemIncluded": "FALSE", "NextMarker": "m", "NumItems": 1,
                            "Items": [{"__name": {"S": "k"}, "v": {"N": "3"}}]},
    output.DescribeStreamOutput: {"ShardCount": 4, "RetentionPeriodHours": 24},
    output.SeekShardOutput: {"Location": "bG9j"},
    output.PutRecordsOutput: {"FailedRecordCount": 1, "Records": [
        {"SequenceNumber": 1, "ShardId": 0}, {"ErrorCode": -1, "ErrorMessage": "x"}]},
    output.GetRecordsOutput: {"NextLocation": "n", "MSecBehindLatest": 0,
                              "RecordsBehindLatest": 0, "Records": [
                                  {"Data": "eA==", "SequenceNumber": 1, "ClientInfo": "aQ==",
                                   "PartitionKey": "p", "ArrivalTimeSec": 1,
                                   "ArrivalTimeNSec": 2}]},
}

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**70, 1.5, float("inf"), "", "x", "!!!", "1:2000000000",
    [], [1], {}, {"S": 1}, {"N": "abc"}, {"B": "@@"}, {"Q": 1}, "\udcff", "\x00",
]


def _mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """``value`` with one random change somewhere inside it."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.15:
            del out[key]
        elif roll < 0.25:
            out[key + "x"] = rng.choice(ODD_VALUES)
        else:
            out[key] = _mutate(value[key], rng, depth + 1)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        out_list = list(value)
        index = rng.randrange(len(out_list))
        if rng.random() < 0.2:
            out_list.append(rng.choice(ODD_VALUES))
        else:
            out_list[index] = _mutate(out_list[index], rng, depth + 1)
        return out_list
    return rng.choice(ODD_VALUES)


def _bytes_mutation(body: bytes, rng: random.Random) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        position = rng.randrange(len(data) + 1)
        if roll < 0.4 and data:
            del data[position:position + rng.randint(1, 8)]
        elif roll < 0.7:
            data[position:position] = bytes(rng.choice(b'{}[]":,\\0123456789aeE-+.\xff'
                                                       ) for _ in range(rng.randint(1, 4)))
        else:
            data = data[:position]
    return bytes(data)


@pytest.mark.parametrize("cls", list(VALID), ids=lambda c: c.__name__)
def test_mutated_bodies_decode_or_raise_protocol_error(cls: type[output.Output]) -> None:
    rng = random.Random(f"{SEED}-{cls.__name__}")
    valid = VALID[cls]
    cls.parse(json.dumps(valid).encode())  # the unmutated body decodes
    outcomes = {"ok": 0, "protocol": 0}
    for _ in range(ROUNDS):
        if rng.random() < 0.7:
            body = json.dumps(_mutate(valid, rng)).encode("utf-8", "surrogatepass")
        else:
            body = _bytes_mutation(json.dumps(valid).encode(), rng)
        try:
            cls.parse(body)
            outcomes["ok"] += 1
        except errors.ProtocolError:
            outcomes["protocol"] += 1
    # both kinds happen: the mutations reach the checks, and valid variants still decode
    assert outcomes["ok"] > 0 and outcomes["protocol"] > ROUNDS // 4, outcomes


def test_blob_array_header_lies_decode_as_bytes() -> None:
    """An array header whose size does not match the data is a plain blob, not a read
    past the end."""
    import struct

    head = struct.pack("<IIII", 11223344, 1, 800, 259)
    body = {"Item": {"a": {"B": base64.b64encode(head + b"\0" * 8).decode()}}}
    item = output.GetItemOutput.parse(json.dumps(body).encode()).item
    assert item["a"] == head + b"\0" * 8
