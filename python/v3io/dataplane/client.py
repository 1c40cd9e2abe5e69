"""``v3io.dataplane.Client``: the official SDK's flat methods and models, sent through
storewire's native HTTP engine.

The flat methods (``put_item``, ``get_object``, ...) take full paths, the models
(``client.kv.put(container, table_path, key, ...)``) split them; both encode a
:class:`~v3io.dataplane.request.Call` and give it to their owner: a :class:`Client` sends it
at once, a :class:`~v3io.dataplane.batch.Batch` queues it until ``wait()``.
"""

from __future__ import annotations

import threading
from typing import Any

from storewire import errors
from storewire.config import Secret, resolve
from storewire.log import get_logger

from . import request as enc
from . import validate
from .batch import Batch
from .config import ACCESS_KEY_VARIABLE, ENDPOINT_VARIABLE, Config
from .credentials import Endpoint, split_endpoint
from .foreign_transport import ForeignTransport
from .native_transport import Transport
from .owner import Compound, Owner
from .request import Call
from .response import RaiseForStatus, RaiseForStatusArg, Response, Responses, check_status
from .transport import httpclient, requests

__all__ = ["Client"]

_log = get_logger("v3io")

def _endpoint(value: str | None) -> Endpoint:
    """The endpoint without ``user:password@`` (sent as Basic authorization instead, so
    the password never shows in the URL, an error or a log line)."""
    if not value:
        raise RuntimeError(f"endpoint must be passed to the client or set in {ENDPOINT_VARIABLE}")
    if "://" not in value:
        value = "http://" + value
    return split_endpoint(value.rstrip("/"))


_KINDS: dict[str, type[httpclient.Transport]] = {
    "httpclient": httpclient.Transport,
    "requests": requests.Transport,
}


def _pick_transport(
    kind: Any, logger: Any, endpoint: str | None, max_connections: int | None,
    timeout: float | None, verbosity: Any,
) -> tuple[httpclient.Transport | None, Any]:
    """``transport_kind`` -> (a native-engine transport whose settings to use, or a foreign
    transport object to send through). A name or a native class selects the engine; another
    class is built with the official constructor arguments; an instance is used as is."""
    if kind is None:
        kind = "httpclient"
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise errors.InvalidRequestError(
                f"unknown transport_kind {kind!r}: use one of {sorted(_KINDS)}, a transport "
                "class or a transport instance", code="InvalidArgument")
        kind = _KINDS[kind]
    if isinstance(kind, type):
        if issubclass(kind, httpclient.Transport):
            return None, None  # the engine itself, with the client's own arguments
        factory: Any = kind  # a transport class with the official constructor
        kind = factory(logger, endpoint, max_connections, timeout, verbosity)
    if isinstance(kind, httpclient.Transport):
        return kind, None
    if not callable(getattr(kind, "request", None)):
        raise errors.InvalidRequestError(
            f"transport_kind {type(kind).__name__} has no request() method",
            code="InvalidArgument")
    return None, kind


class Client(Owner):
    """A V3IO data-plane client.

    ``endpoint`` defaults to ``$V3IO_API`` (``http://`` is added when it has no scheme) and
    ``access_key`` to ``$V3IO_ACCESS_KEY``. ``max_connections`` bounds the requests in
    flight (a batch runs that many at once), ``timeout`` is a per-request limit in seconds.
    ``verify_tls`` is on by default (the official SDK never verifies). Other keyword
    arguments go to :class:`storewire._native.http.Client`. ``transport_kind``
    is a name (``"httpclient"``/``"requests"``: the native engine), a transport class or
    an instance (the verifier, a custom transport; see docs/v3io-client.md). ``logger`` and
    the verbosity arguments are accepted for compatibility.
    ``config`` (a :class:`v3io.dataplane.config.Config`) replaces the environment as the
    source of what the arguments leave unset.
    """

    def __init__(
        self,
        logger: Any = None,
        endpoint: str | None = None,
        access_key: str | Secret | None = None,
        max_connections: int | None = None,
        timeout: float | None = None,
        transport_kind: Any = "httpclient",
        logger_verbosity: Any = None,
        transport_verbosity: Any = "info",
        *,
        verify_tls: bool | None = None,
        config: Config | None = None,
        **http_options: Any,
    ) -> None:
        native, foreign = _pick_transport(transport_kind, logger, endpoint, max_connections,
                                          timeout, transport_verbosity)
        if native is not None:  # an httpclient/requests transport: its settings count
            endpoint = endpoint or native._endpoint
            max_connections = max_connections or native.max_connections
            timeout = timeout or native._timeout
        # The SDK's falsy arguments (endpoint="", max_connections=0, timeout=0) mean unset.
        cfg = resolve(
            Config, config, endpoint=endpoint or None, access_key=access_key,
            max_in_flight=max_connections or None,
            timeout_s=float(timeout) if timeout else None, verify_tls=verify_tls,
        )
        self.config = cfg
        self.max_connections = cfg.max_in_flight
        self._transport: Transport | ForeignTransport
        if foreign is not None:
            requires_key = getattr(foreign, "requires_access_key", None)
            if requires_key is not None and requires_key() and not cfg.access_key:
                raise ValueError(
                    f"access_key must be passed to the client or set in {ACCESS_KEY_VARIABLE}")
            self._transport = ForeignTransport(foreign, cfg.access_key)
            self.endpoint = self._transport.endpoint
        else:
            parsed = _endpoint(cfg.endpoint)
            self.endpoint = parsed.url
            if not cfg.access_key:
                raise ValueError(
                    f"access_key must be passed to the client or set in {ACCESS_KEY_VARIABLE}"
                )
            options = cfg.http_options()
            options["max_host_connections"] = self.max_connections
            if config is None:  # the official class-wide settings, when changed
                options.update(httpclient.explicit)
            options.update(http_options)
            self._transport = Transport(parsed, cfg.access_key, **options)
        self._init_models()
        self.batch = Batch(self)
        _log.debug("v3io client for %s (%d connections)", self.endpoint, self.max_connections)

    def __repr__(self) -> str:
        return f"Client(endpoint={self.endpoint!r}, max_connections={self.max_connections})"

    def create_batch(self) -> Any:
        """A new, independent :class:`~v3io.dataplane.batch.Batch`."""
        return Batch(self)

    def close(self) -> None:
        """Closes the connections; later calls raise ``RuntimeError``."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # owner interface: send at once

    def _execute(self, call: Call) -> Response:
        return self._transport.send(call)

    def _send_now(self, call: Call, started: threading.Event | None = None) -> Response:
        return self._transport.send(call, started)

    def _prefetch_now(self, call: Call, started: threading.Event | None = None) -> Response:
        return self._transport.prefetch(call, started)

    def _execute_many(self, calls: list[Call]) -> Responses:
        """Sends calls concurrently; raises the first transport error or status
        violation after all of them completed."""
        results = self._transport.send_many(calls)
        responses = Responses()
        for call, result in zip(calls, results, strict=True):
            if isinstance(result, BaseException):
                raise result
            # a foreign transport's result is what it returned (the verifier's choice)
            responses.append(check_status(result, call.raise_for_status)
                             if isinstance(result, Response) else result)
        return responses

    def _execute_compound(self, run: Compound) -> Response:
        return run(self)

    def _delete_stream(
        self,
        container: str,
        path: str,
        access_key: str | None,
        raise_for_status: RaiseForStatusArg,
    ) -> Response:
        """List the stream directory, delete every shard object in parallel, then the
        directory itself (there is no DeleteStream operation)."""
        stream_dir = path.rstrip("/") + "/"
        keys: list[str] = []
        marker = None
        seen: set[str] = set()
        while True:
            listing = enc.get_container_contents(container, stream_dir, marker=marker)
            listing.sent_as(access_key, RaiseForStatus.never)
            response = self._transport.send(listing)
            if response.status_code != 200:
                return check_status(response, raise_for_status)
            out = response.output
            page = [_stream_entry(c, stream_dir) for c in out.contents]
            keys += page
            if out.is_truncated != "true" or not page:
                break
            marker = out.next_marker
            if not marker or marker in seen:  # a listing going round in circles
                validate.protocol_error("ListContainer: NextMarker",
                                        "repeats a marker of this listing (or is empty) "
                                        "while IsTruncated is true", marker)
            seen.add(marker)
        deletes = [enc.delete_object(container, key) for key in keys]
        self._execute_many([call.sent_as(access_key, raise_for_status) for call in deletes])
        last = enc.delete_object(container, stream_dir)
        return self._transport.send(last.sent_as(access_key, raise_for_status))


def _stream_entry(content: Any, stream_dir: str) -> str:
    """A listed key to delete: it must name an entry of the stream directory, so that a
    hostile listing cannot make ``stream.delete`` remove anything else."""
    key = getattr(content, "key", None)
    inside = stream_dir.strip("/") + "/"
    name = key.strip("/") if isinstance(key, str) else ""
    rest = name[len(inside):] if name.startswith(inside) else ""
    if not rest or "/" in rest or rest in (".", ".."):
        validate.protocol_error("ListContainer: Contents.Key",
                                f"must name an entry of the stream directory {inside!r}", key)
    return name
