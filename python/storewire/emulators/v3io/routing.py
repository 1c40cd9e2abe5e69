"""Dispatch of one request: data-service functions by the
``X-v3io-function`` header, otherwise Simple-Object calls by method and path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from . import auth, containers, kv, objects, streams
from .errors import EINVAL, V3ioError, bad_request, container_not_found
from .httpio import Request, Response
from .store import Node, Store, split_path

MAX_JSON_BODY = 16 * 1024 * 1024  # PutRecords may carry 10 MB of data, base64-encoded

Function = Callable[[Store, Node, list[str], dict[str, Any]], Response]

FUNCTIONS: dict[str, Function] = {
    "putitem": kv.put_item,
    "updateitem": kv.update_item,
    "getitem": kv.get_item,
    "getitems": kv.get_items,
    "createstream": streams.create_stream,
    "updatestream": streams.update_stream,
    "describestream": streams.describe_stream,
    "seekshard": streams.seek_shard,
    "seek": streams.seek_shard,  # the docs' name; both SDKs send SeekShard
    "putrecords": streams.put_records,
    "getrecords": streams.get_records,
}

# Go-SDK functions the Python SDK never sends
_UNSUPPORTED = frozenset({"getclustermd", "putchunk", "oosrun", "dirsetattr"})


# A "\ud800".."\udfff" escape: only a valid surrogate pair may come out of it. A lone one
# would make a str that cannot be encoded (stored, hashed, compared) later on.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _check_surrogates(body: Any) -> None:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("malformed JSON body: a lone surrogate in a string") from None


def function_name(request: Request) -> str:
    """What fault filters and logs call this request: the function, or "object"."""
    return request.headers.get("x-v3io-function", "object")


def dispatch(store: Store, access_key: str, request: Request) -> Response:
    auth.check(request.headers, access_key)
    function = request.headers.get("x-v3io-function")
    trailing = request.path.endswith("/") and request.path != "/"
    parts = split_path(request.path)
    if function is not None:
        return _data_service(store, function.strip(), parts, request)
    method = request.method
    if not parts:
        if method in ("GET", "HEAD"):
            return containers.list_containers(store)
        raise V3ioError(405, EINVAL, f"{method} / is not supported")
    root = _container(store, parts[0])
    rest = parts[1:]
    if method == "GET":
        if not rest:
            return containers.list_contents(store, root, [], request.query)
        return objects.get(store, root, rest, request)
    if method == "HEAD":
        return objects.head(store, root, rest)
    if method in ("PUT", "POST"):
        return objects.put(store, root, rest, trailing, request)
    if method == "DELETE":
        return objects.delete(store, root, rest)
    raise V3ioError(405, EINVAL, f"method {method} is not supported")


def _container(store: Store, name: str) -> Node:
    root = store.container(name)
    if root is None:
        raise container_not_found(name)
    return root


def _data_service(store: Store, function: str, parts: list[str], request: Request) -> Response:
    key = function.lower()
    handler = FUNCTIONS.get(key)
    if handler is None:
        if key in _UNSUPPORTED:
            raise bad_request(f"function '{function}' is not supported by this emulator")
        raise bad_request(f"unknown function '{function}' in X-v3io-function")
    if request.method not in ("PUT", "POST"):
        raise V3ioError(405, EINVAL, f"{function} needs PUT or POST, not {request.method}")
    raw = request.body.read_all(MAX_JSON_BODY)
    body: Any = {}
    if raw.strip():
        try:
            body = json.loads(raw)
        except RecursionError:  # deeply nested arrays/objects: a bad request, not a crash
            raise bad_request("malformed JSON body: nested too deeply") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"malformed JSON body: {exc}") from None
        if not isinstance(body, dict):
            raise bad_request("the JSON body must be an object")
        if _SURROGATE_ESCAPE.search(raw):
            _check_surrogates(body)
    if not parts:
        raise bad_request(f"{function} needs a container in the path")
    try:
        return handler(store, _container(store, parts[0]), parts[1:], body)
    except RecursionError:
        # e.g. an expression whose operators chain hundreds deep: the request's fault
        raise bad_request(f"{function}: request nested too deeply to evaluate") from None
