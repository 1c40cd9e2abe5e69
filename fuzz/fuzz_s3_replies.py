"""atheris target: the S3 client's reply checks (python/s3/_replies.py).

The input is one reply: a first line of JSON headers ([[name, value], ...]; anything else
means no headers) and the body after it. Every reader of a reply runs on it. Each may
return a value or raise storewire.errors.StorageError; ``error_fields`` must never raise.
Any other exception is a finding.
Run by fuzz/run.sh; by hand: .venv/bin/python fuzz/fuzz_s3_replies.py [flags] [corpus].
"""

from __future__ import annotations

import json
import sys
from typing import Any

import atheris
from atheris_support import instrument

from s3 import _replies as replies
from storewire import errors


class Reply:
    """What the readers use of a native http.Response, built from fuzz bytes."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.reason = "OK"
        self.headers = headers
        self.body = body

    def header(self, name: str, default: str | None = None) -> str | None:
        for key, value in reversed(self.headers):
            if key.lower() == name.lower():
                return value
        return default


def split(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    head, _, body = data.partition(b"\n")
    try:
        decoded: Any = json.loads(head)
    except (ValueError, RecursionError):
        return [], data
    if not isinstance(decoded, list):
        return [], body
    pairs = [(str(p[0]), str(p[1])) for p in decoded if isinstance(p, list) and len(p) == 2]
    return pairs, body

instrument("s3", "storewire.errors", "storewire.log")


def one_input(data: bytes) -> None:
    headers, body = split(data)
    resp: Any = Reply(200, headers, body)
    reply = replies.Reply("fuzz", "b/k")
    calls = [
        lambda: replies.listing(reply, resp, 1),
        lambda: replies.listing(reply, resp, 2),
        lambda: replies.buckets(reply, resp),
        lambda: replies.upload_id(reply, resp),
        lambda: replies.completed_etag(reply, resp),
        lambda: replies.copied_etag(reply, resp),
        lambda: replies.delete_errors(reply, resp, {"a", "b"}),
        lambda: replies.uploads(reply, resp),
        lambda: reply.head(resp),
        lambda: reply.required_etag(resp),
        lambda: reply.content_range(resp),
        lambda: reply.body_complete(resp, len(body)),
    ]
    for call in calls:
        try:
            call()
        except errors.StorageError:
            pass
    code, message, request_id = replies.error_fields(body)
    if not all(isinstance(x, str) for x in (code, message, request_id)):
        raise AssertionError("error_fields returned a non-str")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
