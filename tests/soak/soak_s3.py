"""S3 workload: puts (and overwrites where the server allows them), gets, ranged gets,
heads, listings, deletes, batch deletes, parallel many-object puts and gets, multipart
uploads and file downloads through the fault proxy. ``options["target"]`` picks the server:
``radosgw`` (a real Ceph radosgw, started by the test) or ``ds3`` (the DS3 emulator's
plain-S3 side, SigV2, no overwrites: DS3 refuses them)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from soak_context import Soak
from soak_objects import ObjectBook

import s3
from storewire import errors

MiB = 1 << 20
BUCKET = "soak"
WEIGHTS = {
    "put": 22, "overwrite": 6, "get": 16, "range": 9, "head": 6, "list": 4, "delete": 8,
    "delete_many": 3, "get_missing": 3, "put_many": 6, "get_many": 6, "upload": 4,
    "download": 7,
}  # fmt: skip


class Workload:
    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.ledger = soak.ledger
        self.rng = soak.rng
        target = soak.options.get("target", "radosgw")
        options: dict[str, Any] = {
            "tls": False, "multipart_threshold_bytes": 5 * MiB, "part_size_bytes": 5 * MiB,
            "max_concurrency": 4,
        }  # fmt: skip
        if target == "radosgw":
            endpoint = soak.options["endpoint"]
            keys = (soak.options["access_key"], soak.options["secret_key"])
            self.overwrites = True
        else:
            env = soak.serve("ds3").variables
            endpoint = env["DS3_ENDPOINT"].split("//", 1)[1]
            keys = (env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"])
            options["signature_version"] = "v2"
            self.overwrites = False  # DS3: 409 OBJECT_ALREADY_EXISTS, by design
        self.proxy = soak.proxy(endpoint)
        self.direct = soak.stack.enter_context(
            s3.Client(endpoint, access_key=keys[0], secret_key=keys[1], **options))
        self.robust = soak.stack.enter_context(
            s3.Client(self.proxy.address, access_key=keys[0], secret_key=keys[1], **options))
        self.fragile = soak.stack.enter_context(
            s3.Client(self.proxy.address, access_key=keys[0], secret_key=keys[1],
                      max_retries=0, **options))
        self.client = self.robust
        self.bucket = f"{BUCKET}-{soak.seed}-{os.getpid()}"
        self.direct.create_bucket(self.bucket)
        self.book = ObjectBook(soak.ledger, self.read_direct,
                               lambda: [o.key for o in self.direct.list_objects(self.bucket)])
        self.files = soak.workdir / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.serial = 0
        self.upload_max = 12 * MiB  # multipart uploads: 2-3 parts of 5 MiB

    def read_direct(self, key: str) -> bytes | None:
        try:
            return self.direct.get_object(self.bucket, key)
        except errors.NotFoundError:
            return None

    def new_key(self) -> str:
        self.serial += 1
        return f"o/{self.serial:06d}"

    def pick(self) -> str:
        return self.rng.choice(sorted(self.book.stored))

    def run(self) -> None:
        for _ in range(self.soak.ops):
            op = self.soak.choose(WEIGHTS, live=len(self.book.stored),
                                  growing=("put", "put_many", "upload"))
            if op == "overwrite" and not self.overwrites:
                op = "put"
            if op not in ("put", "put_many", "upload", "get_missing") and not self.book.stored:
                op = "put"
            self.client = self.soak.pick_client(self.robust, self.fragile)
            getattr(self, f"op_{op}")()
        self.finish()

    def finish(self) -> None:
        """Faults off, then every object read back directly."""
        self.proxy.set_rate(0.0)
        self.book.verify_all()
        self.ledger.extra["target"] = self.soak.options.get("target", "radosgw")

    def check_etag(self, op: str, key: str, etag: str | None, data: bytes, r: Any) -> None:
        """A simple PUT's ETag is the MD5 of the body: empty or different is a wrong
        result reported as success."""
        if etag != hashlib.md5(data).hexdigest():
            self.ledger.fail("silent", op, key,
                             f"ETag {etag!r} returned as success, MD5 of the data sent is "
                             f"{hashlib.md5(data).hexdigest()}", result=r)

    # ---- operations ---------------------------------------------------------------------

    def _put(self, key: str, previous: bytes | None) -> None:
        data = self.soak.payload()
        op = "put_object" if previous is None else "put_object(overwrite)"
        r = self.ledger.call(op, key, lambda: self.client.put_object(self.bucket, key, data))
        if r.ok:
            self.check_etag(op, key, r.value, data, r)
            self.book.written(key, data)
        else:
            self.book.failed_write(op, key, data, r, previous)

    def op_put(self) -> None:
        self._put(self.new_key(), None)

    def op_overwrite(self) -> None:
        key = self.pick()
        self._put(key, self.book.stored[key])

    def op_get(self) -> None:
        key = self.pick()
        r = self.ledger.call("get_object", key, lambda: self.client.get_object(self.bucket, key))
        self.book.settle_whole_read("get_object", key, r)

    def op_range(self) -> None:
        key = self.pick()
        data = self.book.stored[key]
        if not data:
            return
        first = self.rng.randrange(len(data))
        last = self.rng.randrange(first, len(data))
        r = self.ledger.call(
            "get_object(range)", f"{key} bytes={first}-{last}",
            lambda: self.client.get_object(self.bucket, key, range_bytes=(first, last)))
        if r.ok:
            self.book.check_read("get_object(range)", key, r.value, data[first : last + 1], r)
        else:
            self.book.failed_read("get_object(range)", key, r)

    def op_head(self) -> None:
        key = self.pick()
        data = self.book.stored[key]
        r = self.ledger.call("head_object", key,
                             lambda: self.client.head_object(self.bucket, key))
        if r.ok:
            assert r.value is not None
            if r.value.size != len(data) or not r.value.etag:
                self.ledger.fail("silent", "head_object", key,
                                 f"size {r.value.size} etag {r.value.etag!r}; stored "
                                 f"{len(data)} bytes", result=r)
        else:
            self.book.failed_read("head_object", key, r)

    def op_list(self) -> None:
        r = self.ledger.call(
            "list_objects", "o/",
            lambda: [o.key for o in self.client.list_objects(self.bucket, prefix="o/",
                                                             page_size=25)])
        if r.ok:
            assert r.value is not None
            self.book.check_listing("list_objects", r.value, r, prefix="o/")

    def op_delete(self) -> None:
        key = self.pick()
        r = self.ledger.call("delete_object", key,
                             lambda: self.client.delete_object(self.bucket, key))
        if r.ok:
            self.book.removed(key)
        else:
            self.book.failed_delete("delete_object", key, r)

    def op_delete_many(self) -> None:
        stored = sorted(self.book.stored)
        keys = self.rng.sample(stored, min(len(stored), self.rng.randrange(1, 6)))
        r = self.ledger.call("delete_objects", ",".join(keys),
                             lambda: self.client.delete_objects(self.bucket, keys))
        failed = {e.key for e in r.value or ()} if r.ok else set(keys)
        for key in keys:
            if key not in failed:
                self.book.removed(key)
            else:
                self.book.failed_delete("delete_objects", key, r)

    def op_get_missing(self) -> None:
        key = f"missing/{self.rng.randrange(1 << 30)}"
        r = self.ledger.call("get_object(missing)", key,
                             lambda: self.client.get_object(self.bucket, key))
        if r.ok:
            self.ledger.fail("silent", "get_object(missing)", key,
                             "data returned for an object that does not exist",
                             returned=repr(r.value)[:80], result=r)

    def op_put_many(self) -> None:
        items = [(self.new_key(), self.soak.payload(large=1 * MiB))
                 for _ in range(self.rng.randrange(2, 6))]
        r = self.ledger.call("put_objects", ",".join(k for k, _ in items),
                             lambda: self.client.put_objects(self.bucket, items))
        for i, (key, data) in enumerate(items):
            if r.ok:
                assert r.value is not None
                self.check_etag("put_objects", key, r.value[i], data, r)
                self.book.written(key, data)
            else:
                self.book.failed_write("put_objects", key, data, r, own_error_only=True)

    def op_get_many(self) -> None:
        stored = sorted(self.book.stored)
        keys = self.rng.sample(stored, min(len(stored), self.rng.randrange(2, 6)))
        r = self.ledger.call("get_objects", ",".join(keys),
                             lambda: list(self.client.get_many(self.bucket, keys).values()))
        for i, key in enumerate(keys):
            if r.ok:
                assert r.value is not None
                self.book.check_read("get_objects", key, r.value[i], self.book.stored[key], r)
            else:
                self.book.failed_read("get_objects", key, r)

    def op_upload(self) -> None:
        """A multipart upload (2-3 parts of 5 MiB) from a file."""
        key = self.new_key()
        data = self.rng.randbytes(self.rng.randrange(5 * MiB + 1, self.upload_max))
        path = self.files / "upload.bin"
        path.write_bytes(data)
        r = self.ledger.call("upload_file", key,
                             lambda: self.client.upload_file(path, self.bucket, key))
        if r.ok:  # (a multipart ETag may be empty: radosgw sends none)
            self.book.written(key, data)
        else:
            self.book.failed_write("upload_file", key, data, r)

    def op_download(self) -> None:
        key = self.pick()
        data = self.book.stored[key]
        path = self.files / f"download-{self.serial}-{self.rng.randrange(1 << 30)}.bin"
        r = self.ledger.call("download_file", key,
                             lambda: self.client.download_file(self.bucket, key, path))
        if r.ok:
            got = path.read_bytes() if path.exists() else None
            self.book.check_read("download_file", key, got, data, r)
        else:
            if path.exists():
                self.ledger.fail("silent", "download_file", key,
                                 f"the download failed but left a {path.stat().st_size}-byte "
                                 "file at the destination", result=r)
            self.book.failed_read("download_file", key, r)
        if path.exists():
            path.unlink()


def run(soak: Soak) -> None:
    Workload(soak).run()
