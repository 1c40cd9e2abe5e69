"""Child side of the V3IO hostile cases: each function makes one v3io client call against
the scripted server at ``url`` and returns something JSON-able for the test to check.

Run through ``hostile_harness.run_case("hostile_v3io_cases:<name>", url, ...)``; the
hostile answer itself is chosen by the test (tests/hostile/test_hostile_v3io.py).
"""

from __future__ import annotations

import io
import logging
from typing import Any

import v3io.dataplane

ACCESS_KEY = "hostile-access-key-7f3a9c"
PASSWORD = "hostile-url-password-51d2"


def _client(url: str, **options: Any) -> v3io.dataplane.Client:
    settings: dict[str, Any] = {
        "use_env_proxy": False,
        "retry_base_delay_s": 0.01,
        "retry_max_delay_s": 0.05,
        "timeout": 10,
    }
    settings.update(options)
    return v3io.dataplane.Client(endpoint=url, access_key=ACCESS_KEY, **settings)


def _plain(value: Any) -> Any:
    """A decoded value in JSON form (bytes as hex, anything odd as its repr)."""
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


# key-value


def get_item(url: str) -> Any:
    with _client(url) as client:
        return _plain(client.kv.get("bigdata", "table", "key").output.item)


def scan(url: str) -> Any:
    with _client(url) as client:
        out = client.kv.scan("bigdata", "table").output
        return {"items": _plain(out.items), "last": out.last, "next_marker": out.next_marker}


def cursor_all(url: str, options: dict[str, Any] | None = None) -> Any:
    with _client(url) as client:
        cursor = client.kv.new_cursor("bigdata", "table", **(options or {}))
        return _plain(cursor.all())


def cursor_abandoned(url: str) -> Any:
    """Takes the first item and leaves the cursor (and its page fetched ahead) behind: the
    interpreter must still exit at once."""
    client = _client(url, timeout=None)
    cursor = client.kv.new_cursor("bigdata", "table")
    first = cursor.next_item()
    globals()["_kept"] = (client, cursor)  # alive until the interpreter exits
    return _plain(first)


def cursor_in_thread(url: str) -> Any:
    """The main thread returns at once while another (non-daemon) thread scans page after
    page: exiting must not cut that scan short. The thread reports on stderr."""
    import sys
    import threading

    def scan() -> None:
        try:
            with _client(url) as client:
                items = client.kv.new_cursor("bigdata", "table").all()
            sys.stderr.write(f"scan-result: {len(items)} items\n")
        except Exception as exc:
            sys.stderr.write(f"scan-error: {exc!r}\n")

    threading.Thread(target=scan).start()
    return "started"


def put_item_key(url: str, table: str, key: str) -> Any:
    with _client(url) as client:
        client.kv.put("bigdata", table, key, {"a": 1})
        return "sent"


# objects and containers


def put_object(url: str, container: str, path: str) -> Any:
    with _client(url) as client:
        client.put_object(container, path, body=b"data")
        return "sent"


def delete_object(url: str, container: str, path: str) -> Any:
    with _client(url) as client:
        client.delete_object(container, path)
        return "sent"


def path_call(url: str, what: str, path: str) -> Any:
    """One of the other calls that build a path from a user's key."""
    with _client(url) as client:
        calls = {
            "get_object": lambda: client.object.get("bigdata", path),
            "head_object": lambda: client.object.head("bigdata", path),
            "get_item": lambda: client.get_item("bigdata", path),
            "update_item": lambda: client.kv.update("bigdata", path, "k", attributes={"a": 1}),
            "kv_delete": lambda: client.kv.delete("bigdata", "t", path),
            "scan": lambda: client.kv.scan("bigdata", path),
            "scan_table_name": lambda: client.kv.scan("bigdata", "t", table_name=path),
            "cursor": lambda: client.kv.new_cursor("bigdata", path).all(),
            "create_schema": lambda: client.kv.create_schema("bigdata", path),
            "create_stream": lambda: client.stream.create("bigdata", path, 1),
            "put_records": lambda: client.stream.put_records("bigdata", path, [{"data": "x"}]),
            "seek": lambda: client.stream.seek("bigdata", path, 0, "EARLIEST"),
            "list": lambda: client.container.list("bigdata", path),
            "batch_put": lambda: client.batch.object.put("bigdata", path, body=b"x"),
        }
        calls[what]()
        return "sent"


def list_contents(url: str) -> Any:
    with _client(url) as client:
        out = client.container.list("bigdata", "dir").output
        return {
            "keys": [getattr(c, "key", None) for c in out.contents],
            "sizes": [getattr(c, "size", None) for c in out.contents],
            "truncated": out.is_truncated,
        }


def get_containers(url: str) -> Any:
    with _client(url) as client:
        out = client.container.get().output
        return [[c.name, c.identifier] for c in out.containers]


def delete_stream(url: str) -> Any:
    with _client(url) as client:
        return client.stream.delete("bigdata", "stream").status_code


# streams


def describe(url: str) -> Any:
    with _client(url) as client:
        out = client.stream.describe("bigdata", "stream").output
        return [out.shard_count, out.retention_period_hours]


def seek(url: str) -> Any:
    with _client(url) as client:
        return client.stream.seek("bigdata", "stream", 0, "EARLIEST").output.location


def get_records(url: str) -> Any:
    with _client(url) as client:
        out = client.stream.get_records("bigdata", "stream", 0, "loc").output
        return {
            "next": out.next_location,
            "records": [
                {"data": _plain(r.data), "seq": r.sequence_number, "info": _plain(r.client_info)}
                for r in out.records
            ],
        }


def put_records(url: str, count: int, batch: bool = False) -> Any:
    """``count`` records; a failure comes back as what it says about each record."""
    records = [{"data": f"record-{i}", "shard_id": 0} for i in range(count)]
    with _client(url, timeout=3) as client:  # a stalled answer times out quickly
        try:
            if batch:
                client.batch.stream.put_records("bigdata", "stream", records)
                client.batch.wait()
            else:
                client.stream.put_records("bigdata", "stream", records)
        except v3io.dataplane.HttpResponseError as exc:
            return _records_report(exc)
        except Exception as exc:
            from storewire.errors import StorageError

            if isinstance(exc, StorageError):
                return _records_report(exc)
            raise
        return "stored"


def put_records_batch_never(url: str, count: int) -> Any:
    """A batch waited with ``raise_for_status=never``: the per-record answer, no error."""
    records = [{"data": f"record-{i}", "shard_id": 0} for i in range(count)]
    with _client(url) as client:
        client.batch.stream.put_records("bigdata", "stream", records)
        (result,) = client.batch.wait(raise_for_status=v3io.dataplane.RaiseForStatus.never)
        return [0 if r.error_code is None else 1 for r in result.output.records]


def _records_report(exc: Exception) -> dict[str, Any]:
    return {
        "class": type(exc).__name__,
        "mro": [c.__name__ for c in type(exc).__mro__],
        "stored": getattr(exc, "stored_records", None),
        "maybe": getattr(exc, "maybe_stored_records", None),
        "failed": getattr(exc, "failed_records", None),
        "message": str(exc),
    }


# secrets


def secret_texts(url: str, call: str) -> Any:
    """Runs ``call`` with a password in the endpoint URL and debug logging on; returns
    every text a user could see: the exception's str and repr, and the log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("storewire")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    endpoint = url.replace("http://", f"http://hostile-user:{PASSWORD}@")
    texts: list[str] = []
    try:
        with _client(endpoint, max_retries=0, timeout=3) as client:
            texts.append(repr(client))
            texts.append(client.endpoint)
            if call == "get_item":
                client.kv.get("bigdata", "table", "key")
            elif call == "per_call_key":
                client.kv.get("bigdata", "table", "key", access_key="per-call-key-9b8e7d")
            elif call == "put_records":
                client.stream.put_records("bigdata", "stream", [{"data": "x"}])
            else:
                client.object.get("bigdata", "obj")
    except Exception as exc:
        texts += [type(exc).__name__, str(exc), repr(exc), repr(exc.args)]
    texts.append(stream.getvalue())
    return texts
