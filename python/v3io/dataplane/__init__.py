"""The V3IO data-plane client (drop-in for the official ``v3io.dataplane``).

    import v3io.dataplane

    client = v3io.dataplane.Client(endpoint="http://127.0.0.1:8081", access_key="...")
    client.kv.put(container="bigdata", table_path="/people", key="bob", attributes={"age": 42})
    for idx in range(16):
        client.batch.put_object(container="bigdata", path=f"/o{idx}", body=b"x")
    client.batch.wait()  # all 16 in parallel, in the native engine
"""

from __future__ import annotations

from . import output
from .batch import Batch
from .client import Client
from .config import Config
from .cursor import Cursor
from .errors import HttpResponseError
from .response import RaiseForStatus, Response, Responses

__all__ = [
    "Batch",
    "Client",
    "Config",
    "Cursor",
    "HttpResponseError",
    "RaiseForStatus",
    "Response",
    "Responses",
    "output",
]
