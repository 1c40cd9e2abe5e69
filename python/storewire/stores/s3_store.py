"""The S3 store: ``s3.Client`` (SigV4 on the native HTTP engine).

Settings, first found wins: explicit options; with ``profile=`` given, that profile of
``~/.aws/credentials``/``~/.aws/config``; the ``AWS_*`` variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``);
the ``$AWS_PROFILE`` (or ``default``) profile; the defaults.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import s3
from s3.config import Config
from storewire import errors
from storewire._native import auth
from storewire.config import describe
from storewire.verbs import ObjectMeta, parse_mtime

from .aws_profile import profile_settings
from .base import Entry, Range, Store, _found, split_options

if TYPE_CHECKING:
    from storewire.verbs import PathLike

__all__ = ["S3Store"]

_MD5_LENGTH = 32


def _with_profile(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the AWS profile's values filled in where they rank (module doc)."""
    given = {k: v for k, v in options.items() if v is not None}
    if "endpoint_url" in given:
        given["endpoint"] = given.pop("endpoint_url")
    profile = given.pop("profile", None)
    found = profile_settings(profile)
    if profile is None:
        # the environment outranks the implicit profile, as in the AWS CLI
        env_of = {s.name: s.env for s in describe(Config)}
        found = {k: v for k, v in found.items()
                 if not any(os.environ.get(var) for var in env_of.get(k, ()))}
    return {**found, **given}


class S3Store(Store[Config]):
    """``s3://bucket/key``. Options: ``endpoint`` (or ``endpoint_url``), ``access_key``,
    ``secret_key``, ``session_token``, ``region``, ``profile``, and any other
    :class:`s3.Client` keyword argument (``tls``, ``signature_version``, ``addressing``,
    ``multipart_threshold_bytes``, ``part_size_bytes``, ...)."""

    scheme = "s3"

    def __init__(self, **options: Any) -> None:
        config, rest = split_options(Config, _with_profile(options))
        super().__init__(config, rest)
        self.workers = config.max_in_flight

    def _connect(self) -> s3.Client:
        return s3.Client(config=self.config, **self.client_options)

    # --- namespace ----------------------------------------------------------------------

    def buckets(self) -> list[Entry]:
        return [Entry.directory(b.name, "") for b in self.client.list_buckets()]

    def make_bucket(self, bucket: str) -> None:
        self.client.create_bucket(bucket)

    def remove_bucket(self, bucket: str) -> None:
        self.client.delete_bucket(bucket)

    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        prefix = f"{key.strip('/')}/" if key.strip("/") else ""
        out: list[Entry] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.client.list_objects_page(bucket, prefix=prefix or None, delimiter="/",
                                                 continuation_token=token)
            out.extend(Entry.directory(bucket, p) for p in page.prefixes)
            out.extend(Entry.file(bucket, ObjectMeta(o.key, o.size, o.etag or None,
                                                     parse_mtime(o.last_modified)))
                       for o in page.objects if o.key != prefix)  # not a "dir/" marker
            if not page.is_truncated or not page.next_token:
                break
            if page.next_token in seen:
                raise errors.ProtocolError("the listing repeated its continuation token",
                                           operation="ls", resource=bucket)
            seen.add(page.next_token)
            token = page.next_token
        return _found(out, bucket, key)

    def info(self, bucket: str, key: str) -> Entry:
        if not key.strip("/"):
            if not self.client.bucket_exists(bucket):
                raise errors.NotFoundError(f"no bucket {bucket!r}", operation="info",
                                           resource=bucket)
            return Entry.directory(bucket, "")
        return super().info(bucket, key)

    def put_file(self, bucket: str, key: str, path: PathLike,
                 progress: Callable[[int], None] | None = None) -> None:
        """Multipart when large; ``progress`` hears of each part as it is stored."""
        self.client.upload_file(path, bucket, key, progress=progress)

    # --- batches on the engine ----------------------------------------------------------

    def read_ranges(self, bucket: str, ranges: Sequence[Range]) -> list[bytes]:
        """One ``perform_many`` batch of ranged GETs."""
        client: s3.Client = self.client
        wanted = list(ranges)
        sent = [(i, r) for i, r in enumerate(wanted) if r[2] is None or r[2] > r[1]]
        requests = [
            client.build_request("GET", bucket, key, headers=[
                ("Range", f"bytes={start}-{'' if end is None else end - 1}")])
            for _, (key, start, end) in sent]
        out = [b""] * len(wanted)
        for (i, (key, start, end)), resp in zip(
                sent, client.http.perform_many(requests) if requests else [], strict=True):
            resource = f"{bucket}/{key}"
            if resp.error is None and resp.status == 416:
                continue  # starts at or past the end: no bytes, as slicing
            client.check(resp, "get_object", resource, ok=(200, 206))
            body = resp.body
            if resp.status == 200:  # the server ignored Range: cut the slice out
                body = body[start:end]
            elif end is not None and len(body) > end - start:
                raise errors.ProtocolError(
                    f"asked for {end - start} bytes, {len(body)} arrived",
                    operation="get_object", resource=resource)
            out[i] = body
        return out

    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        """One ``perform_many`` batch streaming each object to a temporary file beside its
        target, checked (size, MD5 ETag), then renamed into place; a single file goes
        through ``get_file`` (parallel ranged GETs for a large object)."""
        client: s3.Client = self.client
        if len(files) == 1:  # one file, maybe large: parallel ranged GETs, verified
            [(key, path)] = files.items()
            client.get_file(bucket, key, path)
            return
        pairs = [(k, os.fspath(p)) for k, p in files.items()]
        temps = [os.path.join(os.path.dirname(p) or ".",
                              f".{os.path.basename(p)}.{uuid.uuid4().hex[:8]}.part")
                 for _, p in pairs]
        requests = [client.build_request("GET", bucket, k, into_file=t)
                    for (k, _), t in zip(pairs, temps, strict=True)]
        try:
            responses = client.http.perform_many(requests) if requests else []
            for (key, _), temp, resp in zip(pairs, temps, responses, strict=True):
                resource = f"{bucket}/{key}"
                client.check(resp, "get_object", resource)
                self._verify(resp, temp, resource)
            for (_, path), temp in zip(pairs, temps, strict=True):
                os.replace(temp, path)
        finally:
            for temp in temps:
                if os.path.exists(temp):
                    os.unlink(temp)

    def _verify(self, resp: Any, temp: str, resource: str) -> None:
        if not os.path.exists(temp):  # an empty body: the engine wrote nothing
            open(temp, "wb").close()
        size = os.path.getsize(temp)
        length = resp.header("Content-Length")
        if length is not None and length.isdigit() and int(length) != size:
            raise errors.ProtocolError(f"Content-Length {length} but {size} bytes arrived",
                                       operation="get_object", resource=resource)
        etag = (resp.header("ETag") or "").strip('"')
        if (self.client.verify_checksums and len(etag) == _MD5_LENGTH and "-" not in etag
                and auth.hash_file(temp, "md5").hex() != etag):
            raise errors.IntegrityError(f"downloaded data does not match ETag {etag}",
                                        operation="get_object", resource=resource)
