"""The representation headers S3 stores with an object (Content-Type, Cache-Control, ...)
and the ``response-*`` query parameters that override them on one GET."""

from __future__ import annotations

import json

from .store import Row
from .wire import Query, Request

DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Stored as sent on PUT, CreateMultipartUpload and CopyObject with REPLACE; answered on
# GET and HEAD. (name as answered, the response-* parameter that overrides it)
STORED = (
    ("Content-Type", "response-content-type"),
    ("Cache-Control", "response-cache-control"),
    ("Content-Disposition", "response-content-disposition"),
    ("Content-Encoding", "response-content-encoding"),
    ("Content-Language", "response-content-language"),
    ("Expires", "response-expires"),
)
MAX_VALUE_CHARS = 8192


def from_request(req: Request) -> list[tuple[str, str]]:
    """The stored headers a request sets (empty values are not stored)."""
    out = []
    for name, _ in STORED:
        value = req.header(name)
        if value is not None and value.strip():
            out.append((name, value.strip()[:MAX_VALUE_CHARS]))
    return out


def stored(obj: Row) -> list[tuple[str, str]]:
    return [(str(n), str(v)) for n, v in json.loads(obj["headers"] or "[]")]


def encode(pairs: list[tuple[str, str]]) -> str:
    return json.dumps(pairs)


def answer(obj: Row, query: Query | None = None) -> list[tuple[str, str]]:
    """The headers a GET/HEAD answers: the stored ones (Content-Type defaults to
    ``application/octet-stream``), each replaced by its ``response-*`` parameter."""
    values = dict(stored(obj))
    values.setdefault("Content-Type", DEFAULT_CONTENT_TYPE)
    if query is not None:
        for name, parameter in STORED:
            override = query.get(parameter)
            if override:
                values[name] = override[:MAX_VALUE_CHARS]
    return [(name, values[name]) for name, _ in STORED if name in values]
