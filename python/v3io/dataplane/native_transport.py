"""The transport: Calls over storewire's native HTTP engine.

One :class:`storewire._native.http.Client` per V3IO client (libcurl multi handle,
keep-alive pool). ``send`` runs one call; ``send_many`` hands a whole batch to
``perform_many``, which runs it concurrently in native code with the GIL released.
Cursor pages fetched ahead of time go through a second native client (made on first use)
that :func:`stop_prefetches` closes at interpreter exit, so a pending prefetch cannot hold
the exit up until its timeout.

Every answer passes :func:`finish` before anyone sees it: an empty 2xx body where the
operation needs one is a ``ProtocolError``, and a PutRecords error says which records may
already be stored (see :class:`~v3io.dataplane.errors.PutRecordsError`).

The official SDK's ``v3io.dataplane.transport`` package (``transport_kind`` names, the
verifier) is :mod:`v3io.dataplane.transport`; this module is the engine behind it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from storewire import errors
from storewire._native import http as _http
from storewire.config import Secret
from storewire.log import register_secret

from . import validate
from .credentials import Endpoint
from .errors import PutRecordsError, annotate_records
from .request import Call, Headers
from .response import RaiseForStatus, RaiseForStatusArg, Response, check_status, violates

__all__ = ["Transport", "finish"]

_KEY_HEADER = "X-v3io-session-key"
_NOT_IDEMPOTENT = frozenset({"PutRecords", "UpdateItem", "AppendObject"})
_BODYLESS = frozenset({"GET", "HEAD", "DELETE"})
# methods the engine re-sends after a connection error unless told otherwise
_ENGINE_RETRIES = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_MAX_SENT_HEADERS = 256  # distinct header tuples kept (Range headers vary per call)
_LAZY_HEADERS_BYTES = 64 * 1024


class Transport:
    """Sends :class:`Call` objects to ``endpoint`` with ``access_key``."""

    def __init__(self, endpoint: Endpoint, access_key: Secret, **http_options: Any) -> None:
        self.endpoint = endpoint.url
        self._authorization = endpoint.authorization  # Basic credentials from the URL
        self.access_key = access_key
        self._call_keys: set[str] = set()  # per-call keys already registered as secrets
        # a call's header tuple -> the tuple sent for it with the client's key (secret: the
        # transport's repr is object's, and this dict is never logged)
        self._sent_headers: dict[Headers, Headers] = {}
        self._options = http_options
        self._http = _http.Client(**http_options)
        self._prefetch: _http.Client | None = None
        self._prefetch_lock = threading.Lock()
        self.closed = False

    def _native(self, call: Call) -> _http.Request:
        key = call.access_key
        if key is None:
            # the client's key: the usual header tuples are shared, so are their full forms
            headers = self._sent_headers.get(call.headers)
            if headers is None:
                headers = self._headers(self.access_key.reveal(), call.headers)
                if len(self._sent_headers) < _MAX_SENT_HEADERS:
                    self._sent_headers[call.headers] = headers
        else:
            if key not in self._call_keys:
                register_secret(key)  # a per-call key is as secret as the client's
                self._call_keys.add(key)
            headers = self._headers(key, call.headers)
        method, body = call.method, call.body
        # only idempotent calls may be re-sent after a connection error; each keyword
        # argument costs the binding a lookup, so the engine's defaults are not passed
        retry = call.operation not in _NOT_IDEMPOTENT
        if retry is not (method in _ENGINE_RETRIES):
            return _http.Request(method, self.endpoint + call.path, headers=headers,
                                 body=b"" if body is None and method not in _BODYLESS
                                 else body, retry=retry)
        if body is None:
            if method in _BODYLESS:
                return _http.Request(method, self.endpoint + call.path, headers=headers)
            body = b""  # a body-less PUT/POST still announces Content-Length: 0
        return _http.Request(method, self.endpoint + call.path, headers=headers, body=body)

    def _headers(self, key: str, headers: Headers) -> Headers:
        """What goes out for a call's ``headers``: the session key first, then Basic
        credentials from the endpoint URL if it had them."""
        if self._authorization is None:
            return ((_KEY_HEADER, key), *headers)
        return ((_KEY_HEADER, key), *headers, ("Authorization", self._authorization.reveal()))

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("Cannot send request on a closed client")

    def send(self, call: Call, started: threading.Event | None = None) -> Response:
        """One call; raises the call's ``raise_for_status`` violation or a transport error.
        ``started`` is set just before the request goes out (see the cursor's prefetch)."""
        self._check_open()
        request = self._native(call)
        if started is not None:
            started.set()
        try:
            native = self._http.perform(request)
        except errors.StorageError as exc:
            transport_failure(call, exc)
            raise  # the same error, annotated: its own cause and traceback stay
        return finish(call, native)

    def prefetch(self, call: Call, started: threading.Event | None = None) -> Response:
        """Like :meth:`send`, on the prefetch client; ``CancelledError`` once the
        interpreter is exiting (the cursor then fetches its next page itself)."""
        self._check_open()
        client = self._prefetch_client()
        if client is None:
            raise errors.CancelledError("page not fetched ahead: the interpreter is exiting",
                                        operation=call.operation, resource=call.resource)
        request = self._native(call)
        if started is not None:
            started.set()
        try:
            native = client.perform(request)
        except errors.StorageError as exc:
            transport_failure(call, exc)
            raise  # the same error, annotated: its own cause and traceback stay
        return finish(call, native)

    def _prefetch_client(self) -> _http.Client | None:
        with self._prefetch_lock:
            if self._prefetch is None and not _exiting:
                self._prefetch = _http.Client(**self._options)
                _prefetching.add(self)
            return self._prefetch

    def stop_prefetch(self) -> None:
        """Close the prefetch client: a request in progress on it ends at once."""
        with self._prefetch_lock:
            client, self._prefetch = self._prefetch, None
        if client is not None:
            client.close()

    def send_many(
        self, calls: Sequence[Call], policy: RaiseForStatusArg = None
    ) -> list[Response | BaseException]:
        """All calls concurrently; each slot holds a Response or the error (transport,
        protocol, or a PutRecords failure). ``policy`` is the batch's ``raise_for_status``
        for calls without their own; applying it to the other calls is the caller's job."""
        self._check_open()
        natives = self._http.perform_many([self._native(c) for c in calls])
        results: list[Response | BaseException] = []
        for call, native in zip(calls, natives, strict=True):
            error = native.error
            if error is not None:
                results.append(transport_failure(call, error))
                continue
            try:
                results.append(finish(call, native, check=False, policy=policy))
            except errors.StorageError as exc:
                results.append(exc)
        return results

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.stop_prefetch()
            self._http.close()


def transport_failure(call: Call, exc: BaseException) -> BaseException:
    """``exc`` for ``call``; a PutRecords without an answer may have been applied."""
    if call.operation == "PutRecords" and isinstance(exc, errors.StorageError):
        annotate_records(exc, [], list(range(call.record_count)), [])
    return exc


# operations whose success answer is a body: an empty 2xx is a broken answer, not a result
_BODY_REQUIRED = frozenset({
    "GetContainers", "ListContainer", "GetItem", "GetItems", "DescribeStream", "SeekShard",
    "PutRecords", "GetRecords",
})


def finish(call: Call, native: _http.Response, *, check: bool = True,
           policy: RaiseForStatusArg = None) -> Response:
    """The Response for ``native``, validated for ``call``; with ``check`` the call's
    ``raise_for_status`` policy is applied too (``policy`` when the call has none)."""
    status = native.status
    if status == 404 and call.method == "DELETE" and native.attempts > 1:
        # A 404 to a delete sent more than once (a retry, or libcurl's own re-send on a
        # fresh connection) answers our earlier copy: the object is gone, as asked.
        status = 204
    body = native.body if status != 204 else b""
    # Headers are rarely read: a small answer keeps the engine's response to convert them
    # on first use; a large one gives them up now, so its body is not held twice.
    headers = native if len(body) <= _LAZY_HEADERS_BYTES else native.headers
    response = Response(call.output_class, status, headers, body, operation=call.operation,
                        resource=call.resource)
    if 200 <= status < 300 and call.operation in _BODY_REQUIRED and not body:
        exc = errors.ProtocolError(
            f"invalid server response: {call.operation} answered {status} with an empty "
            "body", code="V3IO_EMPTY_BODY", operation=call.operation, resource=call.resource)
        raise transport_failure(call, exc)
    if call.operation == "PutRecords":
        effective = call.raise_for_status if call.raise_for_status is not None else policy
        _check_records(call, response, effective)
    if check:
        return check_status(response, call.raise_for_status)
    return response


def _summary(call: Call, response: Response) -> tuple[int, list[int], int | None] | None:
    """The PutRecords answer's (record count, refused indices, FailedRecordCount), from
    the native check when the output class has one and the body is in canonical form."""
    summary = getattr(call.output_class, "summary", None)
    return None if summary is None else summary(response.body)  # type: ignore[no-any-return]


def _check_records(call: Call, response: Response, policy: RaiseForStatusArg) -> None:
    """Raise for a PutRecords that refused records, naming which ones are stored."""
    count = call.record_count
    every = list(range(count))
    status = response.status_code
    if status >= 300:
        if violates(status, policy):
            try:
                response.raise_for_status(policy)
            except errors.StorageError as exc:
                # a 4xx refused the whole request; other answers (a proxy's 5xx after the
                # server got it) leave every record in doubt
                if 400 <= status < 500:
                    annotate_records(exc, [], [], every)
                else:
                    annotate_records(exc, [], every, [])
                raise
        return
    try:
        # the usual answer is checked natively; its records are built only if read
        summary = _summary(call, response)
        if summary is None:
            out = response.output
            listed = len(out.records)
            failed = [i for i, r in enumerate(out.records) if r.error_code is not None]
            reported = out.failed_record_count
        else:
            listed, failed, reported = summary
        if listed != count:
            validate.protocol_error("PutRecords: Records", f"must list {count} results",
                                    listed)
        if reported is not None and reported != len(failed):
            validate.protocol_error("PutRecords: FailedRecordCount",
                                    f"must match the {len(failed)} failed records", reported)
    except errors.ProtocolError as exc:
        annotate_records(exc, [], every, [])
        raise
    if not failed or policy == RaiseForStatus.never:
        return
    stored = [i for i in every if i not in set(failed)]
    first = response.output.records[failed[0]]
    error = PutRecordsError(
        f"PutRecords refused {len(failed)} of {count} records (first: "
        f"{first.error_code} {first.error_message or ''}".rstrip() + ")",
        status=status, code=str(first.error_code), operation=call.operation,
        resource=call.resource)
    error.response = response
    raise annotate_records(error, stored, [], failed)


# Transports with a prefetch client, stopped by the cursor module's exit hook.
_prefetching: weakref.WeakSet[Transport] = weakref.WeakSet()
_exiting = False


def stop_prefetches() -> None:
    """Interpreter exit: close every prefetch client (a request in progress on one ends at
    once) and refuse new prefetches."""
    global _exiting
    _exiting = True
    for transport in list(_prefetching):
        transport.stop_prefetch()
