"""The expected state of a key -> bytes store (DS3/S3 objects, V3IO objects) and the checks
that hold a client to it. The truth is read DIRECTLY from the server (no proxy): after a
failed write or delete, to learn what the server really did, and at the end, for every
key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from soak_ledger import Ledger, Result, describe_bytes

from storewire import errors

ReadDirect = Callable[[str], "bytes | None"]  # None: the key does not exist
ListDirect = Callable[[], Iterable[str]]


# A request whose connection broke may still be running on the server (a multi-object
# delete streams its answer while it deletes): "not applied" is only believed after this.
SETTLE_S = 0.5


class Incomplete(Exception):
    """Raised by a direct read when the server holds the key in an unfinished state (a DS3
    object whose bulk job has not received every blob): not readable, but listed."""


class ObjectBook:
    def __init__(self, ledger: Ledger, read_direct: ReadDirect, list_direct: ListDirect) -> None:
        self.ledger = ledger
        self.read_direct = read_direct
        self.list_direct = list_direct
        self.stored: dict[str, bytes] = {}  # what the server holds, as far as we know
        self.deleted: set[str] = set()  # deletes the client reported done
        self.limbo: set[str] = set()  # left unfinished by a failed write: may be listed

    # ---- after a call returned ------------------------------------------------------------

    def written(self, key: str, data: bytes) -> None:
        self.stored[key] = data
        self.deleted.discard(key)

    def removed(self, key: str) -> None:
        self.stored.pop(key, None)
        self.deleted.add(key)

    def check_read(
        self, op: str, key: str, got: bytes | bytearray | memoryview | None, expected: bytes,
        result: Result[Any],
    ) -> bool:
        """A successful read must return exactly ``expected``."""
        raw = None if got is None else bytes(got)
        if raw == expected:
            return True
        if not raw and expected:
            what = "empty data returned as success"
        elif raw is not None and expected.startswith(raw):
            what = f"a short body returned as success ({len(raw)} of {len(expected)} bytes)"
        else:
            what = "wrong bytes returned as success"
        self.ledger.fail("silent", op, key, f"{what}; expected {describe_bytes(expected)}",
                         returned=describe_bytes(raw), result=result)
        return False

    def check_listing(self, op: str, got: Iterable[str], result: Result[Any],
                      prefix: str = "") -> None:
        have = set(got) - self.limbo
        want = {k for k in self.stored if k.startswith(prefix)}
        if have == want:
            return
        missing, extra = sorted(want - have), sorted(have - want)
        first = (missing or extra)[0]
        self.ledger.fail(
            "silent", op, prefix or "*",
            f"listing differs: {len(missing)} missing (e.g. {missing[:3]}), "
            f"{len(extra)} unexpected (e.g. {extra[:3]}); operations on {first}: "
            f"{self.ledger.story(first)}",
            returned=f"{len(have)} keys", result=result,
        )

    # ---- after a call raised ------------------------------------------------------------

    def failed_write(self, op: str, key: str, data: bytes, result: Result[Any],
                     previous: bytes | None = None, *, own_error_only: bool = False) -> None:
        """The write raised: see what the server holds now. The old value, nothing, or
        the new value are all fine, except that a definitive "already exists" /
        "precondition" error for a write that was in fact applied is misreported.
        ``own_error_only``: the call wrote several independent keys, and the error counts
        against this key only when it names it (its ``resource``)."""
        try:
            stored = self.read_direct(key)
        except Incomplete:
            self.stored.pop(key, None)
            self.limbo.add(key)
            self.ledger.note(f"{op}: left an unfinished object after "
                             f"{type(result.error).__name__}")
            return
        if stored is None or (previous is not None and stored == previous):
            time.sleep(SETTLE_S)
            try:
                stored = self.read_direct(key)
            except Incomplete:
                stored = None
        if stored is None:
            self.stored.pop(key, None)
            return
        if stored == data:
            self.written(key, data)
            resource = str(getattr(result.error, "resource", "") or "")
            if isinstance(result.error, (errors.ConflictError, errors.PreconditionFailedError,
                                         errors.NotFoundError)) and (
                not own_error_only or resource.endswith(key)
            ):
                self.ledger.fail(
                    "misreported", op, key,
                    "the write was applied (stored bytes == sent bytes) but the call "
                    "reported a definitive failure", result=result)
            elif result.error is not None:
                self.ledger.note(f"{op}: applied although it raised {type(result.error).__name__}")
            return
        if previous is not None and stored == previous:
            return  # not applied; the old value stands
        self.stored[key] = stored
        self.ledger.fail(
            "corrupted", op, key,
            f"after a failed write the server holds {describe_bytes(stored)}, neither the "
            f"{describe_bytes(data)} sent nor the previous {describe_bytes(previous)}",
            result=result)

    def failed_delete(self, op: str, key: str, result: Result[Any]) -> None:
        if self.read_direct(key) is not None:
            time.sleep(SETTLE_S)
            if self.read_direct(key) is not None:
                return  # not applied: fine
        had = key in self.stored
        self.removed(key)
        if had and isinstance(result.error, errors.NotFoundError):
            self.ledger.fail("misreported", op, key,
                             "the delete was applied but the call reported 404 not found",
                             result=result)
        elif had and result.error is not None:
            self.ledger.note(f"{op}: applied although it raised {type(result.error).__name__}")

    def settle_whole_read(self, op: str, key: str, result: Result[Any]) -> None:
        """A read of a whole object: checked against the stored bytes, or its failure judged."""
        if result.ok:
            self.check_read(op, key, result.value, self.stored[key], result)
        else:
            self.failed_read(op, key, result)

    def failed_read(self, op: str, key: str, result: Result[Any]) -> None:
        """A read of a key we hold raised: a 404 must be true (a call that read several
        keys is held to it for the key its error names)."""
        resource = str(getattr(result.error, "resource", "") or "")
        if resource and not resource.endswith(key):
            return
        if isinstance(result.error, errors.NotFoundError) and key in self.stored:
            if self.read_direct(key) is not None:
                self.ledger.fail("misreported", op, key,
                                 "404 not found for an object that exists", result=result)

    # ---- at the end -------------------------------------------------------------------

    def verify_all(self) -> None:
        """Read every key back directly and compare; no reported delete may have left its
        object behind."""
        for key, data in sorted(self.stored.items()):
            stored = self.read_direct(key)
            self.ledger.verified += 1
            if stored is None:
                self.ledger.fail("lost", "verify", key,
                                 f"reported written ({describe_bytes(data)}), not on the "
                                 f"server; its operations: {self.ledger.story(key)}")
            elif stored != data:
                self.ledger.fail("corrupted", "verify", key,
                                 f"stored {describe_bytes(stored)}, written {describe_bytes(data)}"
                                 f"; its operations: {self.ledger.story(key)}")
        present = set(self.list_direct())
        for key in sorted(self.deleted & present):
            self.ledger.fail("silent", "verify", key,
                             "the client reported it deleted, but the server still lists it")
