"""DS3 workload: puts, gets, ranged gets, heads, listings, deletes and bulk jobs (PUT and
GET) through the fault proxy, in front of ``storewire serve --only ds3``."""

from __future__ import annotations

from typing import Any

from soak_context import Soak
from soak_ledger import require
from soak_objects import Incomplete, ObjectBook

import ds3
from storewire import errors

BUCKET = "soak"
WEIGHTS = {
    "put": 26, "get": 18, "range": 10, "head": 6, "list": 5, "delete": 10,
    "get_missing": 3, "bulk_put": 8, "bulk_get": 8,
}  # fmt: skip


def body(info: Any) -> bytes:
    return bytes(require(getattr(info, "body", None), "ObjectInfo.body"))


class Workload:
    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.ledger = soak.ledger
        self.rng = soak.rng
        server = soak.serve("ds3")
        env = server.variables
        access, secret = env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"]
        self.proxy = soak.proxy(env["DS3_ENDPOINT"])
        self.direct = soak.stack.enter_context(
            ds3.Client(env["DS3_ENDPOINT"], access, secret, proxy=""))
        self.robust = soak.stack.enter_context(
            ds3.Client(f"http://{self.proxy.address}", access, secret, proxy="", workers=4))
        self.fragile = soak.stack.enter_context(
            ds3.Client(f"http://{self.proxy.address}", access, secret, proxy="", workers=4,
                       max_retries=0))
        self.client = self.robust
        self.direct.put_bucket(BUCKET)
        self.book = ObjectBook(soak.ledger, self.read_direct,
                               lambda: [o.key for o in self.direct.list_objects(BUCKET)])
        self.serial = 0

    def read_direct(self, key: str) -> bytes | None:
        try:
            return bytes(self.direct.get_object(BUCKET, key).body)
        except errors.NotFoundError:
            return None
        except errors.ServerError as exc:
            if "not fully uploaded" in str(exc):
                raise Incomplete(key) from exc
            raise

    def new_key(self) -> str:
        self.serial += 1
        return f"o/{self.serial:06d}"

    def pick(self) -> str:
        return self.rng.choice(sorted(self.book.stored))

    def run(self) -> None:
        for _ in range(self.soak.ops):
            op = self.soak.choose(WEIGHTS, live=len(self.book.stored),
                                  growing=("put", "bulk_put"))
            if op not in ("put", "bulk_put", "get_missing") and not self.book.stored:
                op = "put"
            self.client = self.soak.pick_client(self.robust, self.fragile)
            getattr(self, f"op_{op}")()
        self.finish()

    def finish(self) -> None:
        """Faults off, then every object read back directly."""
        self.proxy.set_rate(0.0)
        self.book.verify_all()

    # ---- operations ---------------------------------------------------------------------

    def op_put(self) -> None:
        key, data = self.new_key(), self.soak.payload()
        r = self.ledger.call("put_object", key,
                             lambda: self.client.put_object(BUCKET, key, data))
        if r.ok:
            self.book.written(key, data)
        else:
            self.book.failed_write("put_object", key, data, r)

    def op_get(self) -> None:
        key = self.pick()
        r = self.ledger.call("get_object", key,
                             lambda: body(self.client.get_object(BUCKET, key)))
        self.book.settle_whole_read("get_object", key, r)

    def op_range(self) -> None:
        key = self.pick()
        data = self.book.stored[key]
        if not data:
            return
        first = self.rng.randrange(len(data))
        last = self.rng.randrange(first, len(data))
        spec = f"bytes={first}-{last}"
        r = self.ledger.call(
            "get_object(range)", f"{key} {spec}",
            lambda: body(self.client.get_object(BUCKET, key, range=spec)))
        if r.ok:
            self.book.check_read("get_object(range)", key, r.value, data[first : last + 1], r)
        else:
            self.book.failed_read("get_object(range)", key, r)

    def op_head(self) -> None:
        key = self.pick()
        r = self.ledger.call("head_object", key,
                             lambda: self.client.head_object(BUCKET, key).size)
        expected = len(self.book.stored[key])
        if r.ok and r.value != expected:
            self.ledger.fail("silent", "head_object", key, f"size {r.value}, stored {expected}",
                             result=r)
        elif not r.ok:
            self.book.failed_read("head_object", key, r)

    def op_list(self) -> None:
        r = self.ledger.call(
            "list_objects", "o/",
            lambda: [o.key for o in self.client.list_objects(BUCKET, prefix="o/",
                                                             page_size=40)])
        if r.ok:
            assert r.value is not None
            self.book.check_listing("list_objects", r.value, r, prefix="o/")

    def op_delete(self) -> None:
        key = self.pick()
        r = self.ledger.call("delete_object", key,
                             lambda: self.client.delete_object(BUCKET, key))
        if r.ok:
            self.book.removed(key)
        else:
            self.book.failed_delete("delete_object", key, r)

    def op_get_missing(self) -> None:
        key = f"missing/{self.rng.randrange(1 << 30)}"
        r = self.ledger.call("get_object(missing)", key,
                             lambda: body(self.client.get_object(BUCKET, key)))
        if r.ok:
            self.ledger.fail("silent", "get_object(missing)", key,
                             "data returned for an object that does not exist",
                             returned=repr(r.value)[:80], result=r)

    def op_bulk_put(self) -> None:
        items = {self.new_key(): self.soak.payload(large=1 << 20)
                 for _ in range(self.rng.randrange(1, 5))}
        r = self.ledger.call("put_files", ",".join(items),
                             lambda: self.client.put_files(BUCKET, dict(items)))
        for key, data in items.items():
            if r.ok:
                self.book.written(key, data)
            else:
                self.book.failed_write("put_files", key, data, r)

    def op_bulk_get(self) -> None:
        stored = sorted(self.book.stored)
        names = self.rng.sample(stored, min(len(stored), self.rng.randrange(1, 5)))

        def get() -> dict[str, bytes]:
            return {k: bytes(v) for k, v in self.client.get_bytes(BUCKET, names).items()}

        r = self.ledger.call("get_bytes", ",".join(names), get)
        for key in names:
            if r.ok:
                assert r.value is not None
                self.book.check_read("get_bytes", key, r.value.get(key), self.book.stored[key], r)
            else:
                self.book.failed_read("get_bytes", key, r)


def run(soak: Soak) -> None:
    Workload(soak).run()
