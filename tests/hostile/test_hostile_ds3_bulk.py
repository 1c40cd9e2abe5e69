"""DS3 bulk plans from a hostile server: blob offsets and lengths that wrap past 2^64,
lie outside the object or the caller's buffer, overlap or leave gaps, and chunk answers
that name chunks or blobs the job does not hold. The client must refuse the plan with a
typed error before a byte moves or a file is created (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_ds3_bulk_server import Blob as B
from hostile_ds3_bulk_server import BulkScript, Chunk, serve
from hostile_harness import expect_ok, expect_typed, run_case

DATA = b"01234567"  # the object "k": 8 bytes
U64 = 1 << 64

# Plans for a job over the 8-byte object "k", and the error each must end in.
BAD_PLANS: dict[str, tuple[list[Chunk], str]] = {
    "wraps-2^63": ([Chunk("c1", [B("k", 1 << 63, (1 << 63) + 16)])], "ProtocolError"),
    "wraps-near-2^64": ([Chunk("c1", [B("k", U64 - 64, 72)])], "ProtocolError"),
    "wraps-length-max": ([Chunk("c1", [B("k", 1, U64 - 1)])], "ProtocolError"),
    "second-blob-wraps": ([Chunk("c1", [B("k", 0, 4), B("k", U64 - 2, 6)])], "ProtocolError"),
    "offset-1e12": ([Chunk("c1", [B("k", 10**12, 8)])], "StorageError"),
    "longer-than-object": ([Chunk("c1", [B("k", 0, 16)])], "StorageError"),
    "gap-at-start": ([Chunk("c1", [B("k", 4, 4)])], "StorageError"),
    "gap-in-middle": ([Chunk("c1", [B("k", 0, 2), B("k", 4, 4)])], "StorageError"),
    "overlap": ([Chunk("c1", [B("k", 0, 6), B("k", 4, 4)])], "StorageError"),
    "overlap-across-chunks": ([Chunk("c1", [B("k", 0, 6)]), Chunk("c2", [B("k", 2, 6)])],
                              "StorageError"),
    "same-offset-other-length": ([Chunk("c1", [B("k", 0, 8)]), Chunk("c2", [B("k", 0, 4)])],
                                 "StorageError"),
    "zero-length-blob-in-object": ([Chunk("c1", [B("k", 0, 8), B("k", 8, 0)])], "StorageError"),
    "unknown-object": ([Chunk("c1", [B("k", 0, 8), B("other", 0, 8)])], "ProtocolError"),
    "no-blob-for-object": ([Chunk("c1", [])], "ProtocolError"),
    "no-chunks": ([], "ProtocolError"),
    "empty-chunk-id": ([Chunk("", [B("k", 0, 8)])], "ProtocolError"),
}


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_get_bytes_refuses_a_bad_plan(name: str) -> None:
    chunks, expected = BAD_PLANS[name]
    script = BulkScript("GET", chunks, {"k": DATA})
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_bytes", server.url, ["k"])
        expect_typed(outcome, expected)
        assert not [r for r in server.requests if "job=" in r.query and r.method == "GET"
                    and not r.path.startswith("/_rest_")], "data was requested"


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_get_files_refuses_a_bad_plan_and_creates_no_file(name: str, tmp_path: Path) -> None:
    chunks, _ = BAD_PLANS[name]
    script = BulkScript("GET", chunks, {"k": DATA})
    target = tmp_path / "k.bin"
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_files", server.url, {"k": str(target)})
    expect_typed(outcome, "StorageError")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_put_from_a_buffer_refuses_a_bad_plan_and_sends_nothing(name: str) -> None:
    chunks, _ = BAD_PLANS[name]
    script = BulkScript("PUT", chunks)
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:put_buffer", server.url, {"k": 8})
        expect_typed(outcome, "StorageError")
        assert script.received == {}


def test_put_from_a_file_refuses_a_blob_beyond_the_file(tmp_path: Path) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(DATA)
    script = BulkScript("PUT", [Chunk("c1", [B("k", 0, 8), B("k", 8, 1 << 40)])])
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:put_file", server.url, "k", str(source))
        expect_typed(outcome, "ProtocolError")
        assert script.received == {}


def test_a_sound_plan_still_works_both_ways(tmp_path: Path) -> None:
    plan = [Chunk("c1", [B("k", 0, 3)]), Chunk("c2", [B("k", 3, 5)])]
    script = BulkScript("GET", plan, {"k": DATA})
    target = tmp_path / "k.bin"
    with serve(script) as server:
        got = expect_ok(run_case("hostile_ds3_bulk_cases:get_bytes", server.url, ["k"]))
        files = expect_ok(run_case("hostile_ds3_bulk_cases:get_files", server.url,
                                   {"k": str(target)}))
    assert got["k"] == __import__("hashlib").sha256(DATA).hexdigest()
    assert files == ["k.bin"] and target.read_bytes() == DATA
    put = BulkScript("PUT", plan)
    with serve(put) as server:
        assert expect_ok(run_case("hostile_ds3_bulk_cases:put_buffer", server.url,
                                  {"k": 8}))["bytes"] == 8
    assert put.received == {("k", 0): b"Z" * 3, ("k", 3): b"Z" * 5}


# -- later answers: chunks ready ------------------------------------------------------------

PLAN = [Chunk("c1", [B("k", 0, 4)]), Chunk("c2", [B("k", 4, 4)])]
BAD_READY: dict[str, list[Chunk]] = {
    "foreign-chunk": [Chunk("c9", [B("k", 0, 4)])],
    "foreign-blob": [Chunk("c1", [B("k", 2, 4)])],
    "other-length": [Chunk("c1", [B("k", 0, 8)])],
    "unknown-object": [Chunk("c1", [B("x", 0, 4)])],
    "wrapping-blob": [Chunk("c1", [B("k", U64 - 1, 4)])],
}


@pytest.mark.parametrize("name", sorted(BAD_READY))
def test_chunk_answers_naming_what_the_job_does_not_hold_end_fast(name: str) -> None:
    script = BulkScript("GET", PLAN, {"k": DATA}, ready=BAD_READY[name])
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_bytes", server.url, ["k"], bound_s=15)
    expect_typed(outcome, "ProtocolError")
    assert outcome.seconds < 10


def test_a_server_that_only_relists_finished_chunks_is_bounded(tmp_path: Path) -> None:
    # c1 is ready and gets done; then the server lists c1 for ever and never c2.
    script = BulkScript("GET", PLAN, {"k": DATA}, ready=[Chunk("c1", [B("k", 0, 4)])])
    target = tmp_path / "k.bin"
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_files", server.url, {"k": str(target)},
                           bound_s=40)
    expect_typed(outcome, "StorageError")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_leaves_no_file(tmp_path: Path) -> None:
    # The plan says 8 bytes; the data answers are cut short: nothing may stay behind.
    script = BulkScript("GET", [Chunk("c1", [B("k", 0, 8)])], {"k": DATA[:3]})
    target = tmp_path / "k.bin"
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_files", server.url, {"k": str(target)})
    expect_typed(outcome, "StorageError")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("job_id", ["../../etc/x", "", ".hidden", "a/b", "id with space"])
def test_a_job_id_that_is_not_a_plain_token_is_refused(job_id: str, tmp_path: Path) -> None:
    script = BulkScript("GET", [Chunk("c1", [B("k", 0, 8)])], {"k": DATA}, job_id=job_id)
    with serve(script) as server:
        outcome = run_case("hostile_ds3_bulk_cases:get_files", server.url,
                           {"k": str(tmp_path / "k.bin")})
    expect_typed(outcome, "StorageError")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_get_files_leaves_no_file(tmp_path: Path) -> None:
    import signal
    import time

    from hostile_harness import finish_case, spawn_case
    from hostile_http import HostileHTTPServer, Request, Stall

    script = BulkScript("GET", [Chunk("c1", [B("k", 0, 4)]), Chunk("c2", [B("k", 4, 4)])],
                        {"k": DATA})
    data_asked = []

    def respond(request: Request) -> object:
        if request.method == "GET" and "offset=4" in request.query:
            data_asked.append(request)
            return Stall()  # the second blob never comes: the user presses Ctrl-C
        return script.respond(request)

    target = tmp_path / "k.bin"
    with HostileHTTPServer(respond) as server:  # type: ignore[arg-type]
        proc = spawn_case("hostile_ds3_bulk_cases:get_files", server.url, {"k": str(target)})
        deadline = time.monotonic() + 20
        while not data_asked and time.monotonic() < deadline:
            time.sleep(0.05)
        assert data_asked, "the client never asked for the data"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        outcome = finish_case(proc, bound_s=15)
    assert outcome.error_class == "KeyboardInterrupt", outcome.describe()
    assert list(tmp_path.iterdir()) == []
