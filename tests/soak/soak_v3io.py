"""V3IO workload through the fault proxy, in front of ``storewire serve --only v3io``:
objects (put, get, ranged get, delete, listing), KV items (put, get, attribute update,
delete, scans with a cursor) and streams (put_records, seek + get_records)."""

from __future__ import annotations

import time
from typing import Any

from soak_context import MAX_LIVE, Soak
from soak_ledger import Result, require
from soak_objects import SETTLE_S, ObjectBook

import v3io.dataplane
from storewire import errors

CONTAINER = "users"
SHARDS = 2
WEIGHTS = {
    "put": 14, "get": 10, "range": 6, "delete": 6, "list": 3, "get_missing": 2,
    "kv_put": 10, "kv_get": 8, "kv_update": 8, "kv_delete": 4, "kv_scan": 4,
    "put_records": 10, "get_records": 8,
}  # fmt: skip


def body(response: Any) -> bytes:
    return bytes(require(response.body, f"body of a {response.status_code} response"))


def output(response: Any, attribute: str) -> Any:
    """``response.output.<attribute>``; a success without it is a wrong result."""
    out = require(response.output, f"output of a {response.status_code} response")
    return require(getattr(out, attribute, None), f"output.{attribute}")


class Workload:
    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.ledger = soak.ledger
        self.rng = soak.rng
        env = soak.serve("v3io").variables
        self.proxy = soak.proxy(env["V3IO_API"])
        key = env["V3IO_ACCESS_KEY"]
        self.direct = soak.stack.enter_context(v3io.dataplane.Client(
            endpoint=env["V3IO_API"], access_key=key, use_env_proxy=False))
        self.robust = soak.stack.enter_context(v3io.dataplane.Client(
            endpoint=f"http://{self.proxy.address}", access_key=key, use_env_proxy=False,
            max_connections=4))
        self.fragile = soak.stack.enter_context(v3io.dataplane.Client(
            endpoint=f"http://{self.proxy.address}", access_key=key, use_env_proxy=False,
            max_connections=4, max_retries=0))
        self.client = self.robust
        self.dir = f"soak-{soak.seed}"
        self.table = f"{self.dir}/table/"
        self.stream = f"{self.dir}/stream/"
        self.book = ObjectBook(soak.ledger, self.read_direct, self.list_direct)
        self.items: dict[str, dict[str, Any]] = {}  # KV: what each item holds
        self.items_deleted: set[str] = set()
        self.records: dict[int, list[bytes]] = {s: [] for s in range(SHARDS)}  # acknowledged
        # records of a put_records that raised: flagged as possibly stored by the error, or
        # not (refused / not flagged: they must not be in the stream) -> that call's result
        self.maybe: dict[bytes, Result[Any]] = {}
        self.refused: dict[bytes, Result[Any]] = {}
        self.acked_by: dict[bytes, Result[Any]] = {}  # the put_records that acknowledged it
        self.direct.create_stream(CONTAINER, self.stream, shard_count=SHARDS)
        self.serial = 0

    def next(self) -> int:
        self.serial += 1
        return self.serial

    # ---- direct truth ---------------------------------------------------------------------

    def read_direct(self, key: str) -> bytes | None:
        try:
            return bytes(self.direct.get_object(CONTAINER, f"{self.dir}/o/{key}").body)
        except errors.NotFoundError:
            return None

    def list_direct(self) -> list[str]:
        out = self.direct.get_container_contents(CONTAINER, f"{self.dir}/o/").output
        return [c.key.rsplit("/", 1)[-1] for c in out.contents]

    def item_direct(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.direct.get_item(CONTAINER, f"{self.table}{key}").output.item)
        except errors.NotFoundError:
            return None

    def shard_direct(self, shard: int) -> list[bytes]:
        path = f"{self.stream}{shard}"
        location = self.direct.seek_shard(CONTAINER, path, "EARLIEST").output.location
        out: list[bytes] = []
        while True:
            got = self.direct.get_records(CONTAINER, path, location, limit=500).output
            out.extend(r.data for r in got.records)
            if not got.records:
                return out
            location = got.next_location

    def run(self) -> None:
        for _ in range(self.soak.ops):
            op = self.soak.choose(WEIGHTS, live=len(self.book.stored), growing=("put",))
            if op == "kv_put" and len(self.items) > MAX_LIVE:
                op = "kv_delete"
            if op in ("get", "range", "delete") and not self.book.stored:
                op = "put"
            if op in ("kv_get", "kv_update", "kv_delete") and not self.items:
                op = "kv_put"
            self.client = self.soak.pick_client(self.robust, self.fragile)
            getattr(self, f"op_{op}")()
        self.finish()

    def finish(self) -> None:
        """Faults off, then every object, item and record read back directly."""
        self.proxy.set_rate(0.0)
        self.book.verify_all()
        self.verify_items()
        self.verify_streams()

    # ---- objects --------------------------------------------------------------------------

    def path(self, key: str) -> str:
        return f"{self.dir}/o/{key}"

    def pick(self) -> str:
        return self.rng.choice(sorted(self.book.stored))

    def op_put(self) -> None:
        key, data = f"{self.next():06d}", self.soak.payload()
        previous = None
        if self.book.stored and self.rng.random() < 0.2:  # an overwrite
            key = self.pick()
            previous = self.book.stored[key]
        r = self.ledger.call("put_object", key,
                             lambda: self.client.put_object(CONTAINER, self.path(key), body=data))
        if r.ok:
            self.book.written(key, data)
        else:
            self.book.failed_write("put_object", key, data, r, previous)

    def op_get(self) -> None:
        key = self.pick()
        r = self.ledger.call(
            "get_object", key, lambda: body(self.client.get_object(CONTAINER, self.path(key))))
        self.book.settle_whole_read("get_object", key, r)

    def op_range(self) -> None:
        key = self.pick()
        data = self.book.stored[key]
        if not data:
            return
        offset = self.rng.randrange(len(data))
        count = self.rng.randrange(1, len(data) - offset + 1)
        r = self.ledger.call(
            "get_object(range)", f"{key} offset={offset} num_bytes={count}",
            lambda: body(self.client.get_object(CONTAINER, self.path(key), offset=offset,
                                                num_bytes=count)))
        if r.ok:
            self.book.check_read("get_object(range)", key, r.value,
                                 data[offset : offset + count], r)
        else:
            self.book.failed_read("get_object(range)", key, r)

    def op_delete(self) -> None:
        key = self.pick()
        r = self.ledger.call("delete_object", key,
                             lambda: self.client.delete_object(CONTAINER, self.path(key)))
        if r.ok:
            self.book.removed(key)
        else:
            self.book.failed_delete("delete_object", key, r)

    def op_list(self) -> None:
        def listing() -> list[str]:
            resp = self.client.get_container_contents(CONTAINER, f"{self.dir}/o/")
            return [c.key.rsplit("/", 1)[-1] for c in output(resp, "contents")]

        r = self.ledger.call("get_container_contents", f"{self.dir}/o/", listing)
        if r.ok:
            assert r.value is not None
            self.book.check_listing("get_container_contents", r.value, r)

    def op_get_missing(self) -> None:
        key = f"missing-{self.rng.randrange(1 << 30)}"
        r = self.ledger.call(
            "get_object(missing)", key,
            lambda: body(self.client.get_object(CONTAINER, self.path(key))))
        if r.ok:
            self.ledger.fail("silent", "get_object(missing)", key,
                             "data returned for an object that does not exist",
                             returned=repr(r.value)[:80], result=r)

    # ---- KV -------------------------------------------------------------------------------

    def attributes(self) -> dict[str, Any]:
        return {
            "n": self.rng.randrange(-(1 << 40), 1 << 40),
            "s": self.rng.randbytes(self.rng.randrange(0, 64)).hex(),
            "f": self.rng.randrange(1 << 20) / 8.0,
        }

    def check_item(self, op: str, key: str, got: Any, r: Result[Any]) -> None:
        want = self.items[key]
        if not isinstance(got, dict) or got != want:
            what = "an empty item" if not got else "wrong attributes"
            self.ledger.fail("silent", op, key, f"{what} returned as success; stored {want}",
                             returned=repr(got)[:300], result=r)

    def failed_item_write(self, op: str, key: str, want: dict[str, Any],
                          r: Result[Any]) -> None:
        stored = self.item_direct(key)
        if stored != want:  # the server may still be applying it (see SETTLE_S)
            time.sleep(SETTLE_S)
            stored = self.item_direct(key)
        if stored == want:
            self.items[key] = want
            self.items_deleted.discard(key)
            if isinstance(r.error, (errors.ConflictError, errors.PreconditionFailedError)):
                self.ledger.fail("misreported", op, key,
                                 "the write was applied but the call reported a definitive "
                                 "failure", result=r)
            else:
                self.ledger.note(f"{op}: applied although it raised")
        elif stored is None:
            self.items.pop(key, None)
        elif stored != self.items.get(key):
            self.ledger.fail("corrupted", op, key, f"after a failed write the item holds "
                             f"{stored}, neither {want} nor {self.items.get(key)}", result=r)
            self.items[key] = stored

    def op_kv_put(self) -> None:
        key = f"k{self.next():06d}"
        attrs = self.attributes()
        r = self.ledger.call(
            "put_item", key,
            lambda: self.client.put_item(CONTAINER, f"{self.table}{key}", attributes=attrs))
        if r.ok:
            self.items[key] = attrs
        else:
            self.failed_item_write("put_item", key, attrs, r)

    def op_kv_get(self) -> None:
        key = self.rng.choice(sorted(self.items))
        r = self.ledger.call(
            "get_item", key,
            lambda: output(self.client.get_item(CONTAINER, f"{self.table}{key}"), "item"))
        if r.ok:
            self.check_item("get_item", key, r.value, r)
        elif isinstance(r.error, errors.NotFoundError) and self.item_direct(key) is not None:
            self.ledger.fail("misreported", "get_item", key, "404 for an item that exists",
                             result=r)

    def op_kv_update(self) -> None:
        """An idempotent update (attribute values, not an increment): repeating it after a
        lost answer must leave the same item."""
        key = self.rng.choice(sorted(self.items))
        change = {"n": self.rng.randrange(1 << 30), "u": self.rng.randrange(1 << 20)}
        want = {**self.items[key], **change}
        r = self.ledger.call(
            "update_item", key,
            lambda: self.client.update_item(CONTAINER, f"{self.table}{key}", attributes=change))
        if r.ok:
            self.items[key] = want
        else:
            self.failed_item_write("update_item", key, want, r)

    def op_kv_delete(self) -> None:
        key = self.rng.choice(sorted(self.items))
        r = self.ledger.call(
            "delete_item", key,
            lambda: self.client.delete_item(CONTAINER, f"{self.table}{key}"))
        if r.ok:
            self.items.pop(key)
            self.items_deleted.add(key)
            return
        if self.item_direct(key) is not None:
            time.sleep(SETTLE_S)  # the server may still be applying it
        if self.item_direct(key) is None:
            self.items.pop(key)
            self.items_deleted.add(key)
            if isinstance(r.error, errors.NotFoundError):
                self.ledger.fail("misreported", "delete_item", key,
                                 "the delete was applied but the call reported 404", result=r)

    def op_kv_scan(self) -> None:
        def scan() -> dict[str, dict[str, Any]]:
            cursor = self.client.new_items_cursor(CONTAINER, self.table)
            with cursor:
                return {str(i.get("__name")): {k: v for k, v in i.items() if k != "__name"}
                        for i in cursor.all()}

        r = self.ledger.call("items cursor", self.table, scan)
        if not r.ok:
            return
        assert r.value is not None
        if r.value != self.items:
            missing = sorted(set(self.items) - set(r.value))
            extra = sorted(set(r.value) - set(self.items))
            wrong = sorted(k for k in set(r.value) & set(self.items)
                           if r.value[k] != self.items[k])
            self.ledger.fail("silent", "items cursor", self.table,
                             f"scan differs: missing {missing[:3]}, unexpected {extra[:3]}, "
                             f"different {wrong[:3]}", returned=f"{len(r.value)} items",
                             result=r)

    def verify_items(self) -> None:
        for key, want in sorted(self.items.items()):
            stored = self.item_direct(key)
            self.ledger.verified += 1
            if stored is None:
                self.ledger.fail("lost", "verify", key, f"item reported written ({want}), gone")
            elif stored != want:
                self.ledger.fail("corrupted", "verify", key, f"item holds {stored}, want {want}")
        for key in sorted(self.items_deleted):
            if self.item_direct(key) is not None:
                self.ledger.fail("silent", "verify", key, "item reported deleted still exists")

    # ---- streams --------------------------------------------------------------------------

    def op_put_records(self) -> None:
        shard = self.rng.randrange(SHARDS)
        batch = [f"{self.next()}:{self.rng.randbytes(8).hex()}".encode()
                 for _ in range(self.rng.randrange(1, 8))]
        records = [{"shard_id": shard, "data": d} for d in batch]
        r = self.ledger.call(
            "put_records", f"{self.stream}{shard} x{len(batch)}",
            lambda: require(self.client.put_records(CONTAINER, self.stream, records).output,
                            "put_records output"))
        if not r.ok:
            self.failed_put(shard, batch, r)
            return
        out = r.value
        failed = getattr(out, "failed_record_count", None)
        results = getattr(out, "records", None) or []
        if failed != 0 or len(results) != len(batch) or any(
            x.sequence_number is None for x in results
        ):
            self.ledger.fail("silent", "put_records", self.stream,
                             "success without a sequence number for every record",
                             returned=f"failed_record_count={failed} records={len(results)}",
                             result=r)
            for data in batch:
                self.maybe[data] = r
            return
        self.records[shard].extend(batch)
        for data in batch:
            self.acked_by[data] = r

    def failed_put(self, shard: int, batch: list[bytes], r: Result[Any]) -> None:
        """Appends cannot be made idempotent: the error must say which records are stored
        (``stored_records``) and which may be (``maybe_stored_records``), issue 19 part 4."""
        stored = set(getattr(r.error, "stored_records", None) or ())
        maybe = set(getattr(r.error, "maybe_stored_records", None) or ())
        for i, data in enumerate(batch):
            if i in stored:
                self.records[shard].append(data)  # confirmed: it must be in the stream
                self.acked_by[data] = r
            elif i in maybe or r.error is None:
                self.maybe[data] = r
            else:
                self.refused[data] = r

    def unacked(self, data: bytes) -> bool:
        return data in self.maybe or data in self.refused

    def op_get_records(self) -> None:
        shard = self.rng.randrange(SHARDS)
        path = f"{self.stream}{shard}"

        def read() -> list[bytes]:
            location = output(self.client.seek_shard(CONTAINER, path, "EARLIEST"), "location")
            got = self.client.get_records(CONTAINER, path, location, limit=1000)
            return [bytes(require(x.data, "record data")) for x in output(got, "records")]

        r = self.ledger.call("seek_shard+get_records", path, read)
        if r.ok:
            assert r.value is not None
            truth = self.shard_direct(shard)[:1000]  # what the shard holds (no proxy)
            if r.value != truth:
                self.ledger.fail(
                    "silent", "seek_shard+get_records", path,
                    f"records differ from the {len(truth)} the shard holds",
                    returned=f"{len(r.value)} records", result=r)

    def verify_streams(self) -> None:
        ambiguous_stored = 0
        for shard in range(SHARDS):
            stored = self.shard_direct(shard)
            self.ledger.verified += len(self.records[shard])
            seen: dict[bytes, int] = {}
            for data in stored:
                seen[data] = seen.get(data, 0) + 1
            for data in self.records[shard]:
                if data not in seen:
                    self.ledger.fail("lost", "verify", f"{self.stream}{shard}",
                                     f"acknowledged record {data!r} is not in the shard")
            by_call: dict[int, list[bytes]] = {}
            for data, n in seen.items():
                if n > 1:
                    call = self.acked_by.get(data) or self.maybe.get(data)
                    by_call.setdefault(call.index if call else 0, []).append(data)
            for _, dupes in sorted(by_call.items()):
                call = self.acked_by.get(dupes[0]) or self.maybe.get(dupes[0])
                self.ledger.fail(
                    "corrupted", "put_records", f"{self.stream}{shard}",
                    f"{len(dupes)} records of this call are stored more than once (retried "
                    f"after a lost answer?), e.g. {dupes[0]!r}", result=call)
            # in order, each once (copies are reported above)
            acked = list(dict.fromkeys(d for d in stored if not self.unacked(d)))
            if acked != self.records[shard]:
                self.ledger.fail("corrupted", "verify", f"{self.stream}{shard}",
                                 "acknowledged records out of order or unknown records present")
            ambiguous_stored += sum(1 for d in stored if d in self.maybe)
            misreported: dict[int, list[bytes]] = {}
            for data in stored:
                if data in self.refused:
                    misreported.setdefault(self.refused[data].index, []).append(data)
            for records in misreported.values():
                self.ledger.fail(
                    "misreported", "put_records", f"{self.stream}{shard}",
                    f"the call raised without flagging {len(records)} records as (maybe) "
                    f"stored, yet they are in the stream: resending them duplicates them "
                    f"(e.g. {records[0]!r})", result=self.refused[records[0]])
        if ambiguous_stored:
            # flagged by the error as maybe stored, and they were: the caller was told
            self.ledger.note(f"put_records raised, {ambiguous_stored} records it flagged as "
                             "maybe stored are in the stream")


def run(soak: Soak) -> None:
    Workload(soak).run()
