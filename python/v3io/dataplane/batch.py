"""``Batch``: calls queued now, sent together by ``wait()`` in the native engine.

Every call (flat or model) returns at once; ``wait()`` hands all queued requests to
``perform_many``, which runs them concurrently with the GIL released, then runs queued
multi-request calls (``delete_stream``) and returns :class:`Responses` in submission
order. Unlike the official SDK, a failing batch still lets every request finish, so no
connection is lost, and the batch is empty afterwards either way.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .owner import Compound, Owner
from .request import Call
from .response import RaiseForStatus, RaiseForStatusArg, Response, Responses, violates

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Batch"]


class Batch(Owner):
    """Queue calls on it with the client's method names; ``wait()`` sends them."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._queued: list[Call | Compound] = []
        self._init_models()

    def __len__(self) -> int:
        return len(self._queued)

    def _execute(self, call: Call) -> None:
        self._queued.append(call)

    def _execute_many(self, calls: list[Call]) -> None:
        self._queued.extend(calls)

    def _execute_compound(self, run: Compound) -> None:
        self._queued.append(run)

    def _send_now(self, call: Call, started: threading.Event | None = None) -> Response:
        # cursors are not batched: they page lazily
        return self._client._send_now(call, started)

    def _prefetch_now(self, call: Call, started: threading.Event | None = None) -> Response:
        return self._client._prefetch_now(call, started)

    def wait(self, raise_for_status: RaiseForStatusArg = None) -> Responses:
        """Sends everything queued and waits; raises the first failure (a call's own
        ``raise_for_status`` wins over this one) once all requests completed."""
        queued, self._queued = self._queued, []
        calls = [q for q in queued if type(q) is Call]
        if len(calls) == len(queued):
            return self._wait_calls(calls, raise_for_status)
        sent = iter(self._client._transport.send_many(calls, raise_for_status)
                    if calls else [])
        results: list[Any] = []
        for entry in queued:
            if isinstance(entry, Call):
                results.append(next(sent))
            else:
                try:
                    results.append(entry(self._client))
                except Exception as exc:  # reported in order with the others
                    results.append(exc)
        responses = Responses()
        first_error: BaseException | None = None
        for entry, result in zip(queued, results, strict=True):
            if isinstance(result, BaseException):
                first_error = first_error or result
                continue
            if isinstance(entry, Call):
                policy = entry.raise_for_status
                policy = policy if policy is not None else raise_for_status
            else:
                policy = RaiseForStatus.never  # a compound call applied its own policy
            if first_error is None and violates(result.status_code, policy):
                try:
                    result.raise_for_status(policy)
                except Exception as exc:
                    first_error = exc
            responses.append(result)
        if first_error is not None:
            raise first_error
        return responses

    def _wait_calls(self, calls: list[Call], raise_for_status: RaiseForStatusArg) -> Responses:
        """``wait()`` of a batch of plain calls (no compound ones): one pass."""
        responses = Responses()
        if not calls:
            return responses
        first_error: BaseException | None = None
        append = responses.append
        for call, result in zip(calls, self._client._transport.send_many(calls,
                                                                         raise_for_status),
                                strict=True):
            if type(result) is not Response and isinstance(result, BaseException):
                first_error = first_error or result
                continue
            if first_error is None:
                policy = call.raise_for_status
                if policy is None:
                    policy = raise_for_status
                if (result.status_code >= 300 if policy is None
                        else violates(result.status_code, policy)):
                    try:
                        result.raise_for_status(policy)
                    except Exception as exc:
                        first_error = exc
            append(result)
        if first_error is not None:
            raise first_error
        return responses
