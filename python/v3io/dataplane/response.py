"""``Response`` / ``Responses`` and the ``raise_for_status`` policy.

A ``Response`` is cheap to build (a batch makes thousands): headers become a mapping and
the body is parsed into the call's output object only when ``.output`` is first read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from storewire import errors

from .errors import HttpResponseError, error_for_response
from .output import Output

__all__ = ["Headers", "RaiseForStatus", "Response", "Responses", "check_status"]

RaiseForStatusArg = str | Sequence[int] | None


class RaiseForStatus:
    """``raise_for_status`` values: ``never``, ``always`` (the default: raise on >= 300),
    or pass a list of accepted status codes instead."""

    never = "never"
    always = "always"


def violates(status: int, policy: RaiseForStatusArg) -> bool:
    """Whether ``status`` breaks the ``raise_for_status`` policy."""
    if policy is None or policy == RaiseForStatus.always:
        return status >= 300
    if policy == RaiseForStatus.never:
        return False
    return status not in policy


class Headers:
    """Response headers: case-insensitive lookups, ``items()`` with the server's spelling."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._index: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        if self._index is None:
            self._index = {name.lower(): value for name, value in self._items}
        return self._index

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._lookup().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._lookup()[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [name for name, _ in self._items]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class Response:
    """One call's answer: ``status_code``, ``headers``, ``body`` (bytes) and ``output``
    (the parsed output object, or None for calls without one)."""

    __slots__ = ("_headers", "_output", "_output_class", "body", "operation", "resource",
                 "status_code")

    def __init__(
        self,
        output: type[Output] | None,
        status_code: int,
        headers: Headers | list[tuple[str, str]] | Mapping[str, str] | Any,
        body: bytes,
        *,
        operation: str = "",
        resource: str = "",
    ) -> None:
        self.status_code = status_code
        self._headers = headers
        self.body = body
        self._output_class = output
        self._output: Any = None
        self.operation = operation
        self.resource = resource

    @property
    def headers(self) -> Headers:
        if not isinstance(self._headers, Headers):
            raw = self._headers
            if isinstance(raw, Mapping):
                items = list(raw.items())
            elif isinstance(raw, list):
                items = raw
            else:  # the engine's response: its headers are converted on first use only
                items = raw.headers
            self._headers = Headers(items)
        return self._headers

    @property
    def output(self) -> Any:
        if self._output is None and self._output_class is not None and self.body:
            try:
                self._output = self._output_class.parse(self.body, self.status_code)
            except errors.StorageError as exc:  # name the call whose answer was bad
                exc.operation = exc.operation or self.operation
                exc.resource = exc.resource or self.resource
                raise
        return self._output

    def raise_for_status(self, expected_statuses: RaiseForStatusArg = None) -> None:
        """Raise the :mod:`errors` type for this status unless ``expected_statuses`` allows it."""
        if violates(self.status_code, expected_statuses):
            raise error_for_response(
                self.status_code,
                self.body,
                self.headers.get("Location"),
                operation=self.operation,
                resource=self.resource,
            )

    def __repr__(self) -> str:
        return f"Response({self.operation} {self.resource}: {self.status_code})"


class Responses(list):  # type: ignore[type-arg]
    """Several responses in submission order (``put_items``, ``batch.wait()``): a list
    of :class:`Response`, also exposed as ``.responses``, with ``.success``."""

    @property
    def responses(self) -> list[Response]:
        return self

    @property
    def success(self) -> bool:
        return all(r.status_code < 300 for r in self)

    def add_response(self, response: Response) -> None:
        self.append(response)

    def raise_for_status(self) -> None:
        for response in self:
            response.raise_for_status()

    def __repr__(self) -> str:
        return f"Responses({len(self)}, success={self.success})"


def check_status(response: Response, policy: RaiseForStatusArg) -> Response:
    if violates(response.status_code, policy):
        response.raise_for_status(policy)
    return response


__all__ += ["HttpResponseError"]
