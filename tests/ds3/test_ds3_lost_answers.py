"""Ambiguous retries against the real emulator (issue 19): the server applies a write, the
answer is lost on the way back (the soak's fault proxy resets the connection inside the
status line), and the client's automatic retry meets 409 OBJECT_ALREADY_EXISTS. The client
must tell "my own first attempt" (success) from "someone else's object" (the 409 stands).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ds3
from storewire import errors
from storewire.emulators.ds3 import DS3Emulator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "soak"))
from fault_proxy import FaultProxy

BUCKET = "lost"


@pytest.fixture
def proxied(emulator: DS3Emulator) -> Iterator[tuple[ds3.Client, FaultProxy]]:
    with FaultProxy(("127.0.0.1", emulator.port), rate=0.0) as proxy, ds3.Client(
        f"http://{proxy.address}", emulator.access_key, emulator.secret_key, proxy="",
        max_retries=2, retry_max_delay_s=0.2,
    ) as client:
        client.put_bucket(BUCKET)
        yield client, proxy


@pytest.mark.parametrize("checksum", [None, "md5", "crc32c"])
def test_put_object_whose_answer_was_lost_succeeds(
    proxied: tuple[ds3.Client, FaultProxy], checksum: str | None
) -> None:
    client, proxy = proxied
    data = b"stored once, answered never" * 100
    proxy.arm("reset@response.line", method="PUT", target_contains=f"/{BUCKET}/k")
    client.put_object(BUCKET, "k", data, checksum=checksum)
    assert not proxy.armed  # the fault did meet the first PUT
    assert client.get_object(BUCKET, "k").body == data


@pytest.mark.parametrize("other", [b"someone else's data!!", b"same size, other bytes....."])
def test_put_object_meeting_another_object_still_conflicts(
    proxied: tuple[ds3.Client, FaultProxy], other: bytes
) -> None:
    client, proxy = proxied
    original = b"the object that was there first"[: len(other)]
    original = original.ljust(len(b"same size, other bytes....."), b".")
    client.put_object(BUCKET, "k", original)
    proxy.arm("reset@response.line", method="PUT", target_contains=f"/{BUCKET}/k")
    with pytest.raises(errors.AlreadyExistsError) as conflict:
        client.put_object(BUCKET, "k", other)
    assert conflict.value.code == "OBJECT_ALREADY_EXISTS"
    assert not proxy.armed
    assert client.get_object(BUCKET, "k").body == original


def test_start_bulk_put_whose_answer_was_lost_returns_its_job(
    proxied: tuple[ds3.Client, FaultProxy],
) -> None:
    client, proxy = proxied
    proxy.arm("reset@response.line", method="PUT", target_contains="start_bulk_put")
    job = client.start_bulk_put(BUCKET, [("a", 10), ("b", 20), ("empty", 0)])
    assert not proxy.armed
    assert [j.job_id for j in client.get_jobs(BUCKET)] == [job.job_id]
    sizes: dict[str, int] = {}
    for chunk in job.chunks:
        for blob in chunk.objects:
            sizes[blob.name] = sizes.get(blob.name, 0) + blob.length
    assert {k: v for k, v in sizes.items() if v} == {"a": 10, "b": 20}
    client.cancel_job(job.job_id)


def test_conflict_with_the_same_object_is_success(
    proxied: tuple[ds3.Client, FaultProxy],
) -> None:
    """Without a lost answer the client cannot know whether libcurl re-sent the PUT, so a
    409 over the very bytes it sends is a success, and over other bytes it stands."""
    client, _ = proxied
    client.put_object(BUCKET, "k", b"first")
    client.put_object(BUCKET, "k", b"first")
    with pytest.raises(errors.AlreadyExistsError):
        client.put_object(BUCKET, "k", b"other")
    assert client.get_object(BUCKET, "k").body == b"first"
