"""The base of every transport: ``request`` builds a :class:`~v3io.dataplane.request.Request`
with the given encoder, then ``send_request`` and ``wait_response`` (the subclass's job)
deliver it and return the response."""

from __future__ import annotations

import os
from typing import Any

from ..config import ENDPOINT_VARIABLE
from ..request import Encoder, Request


class Transport:
    """A transport with the official constructor ``(logger, endpoint, max_connections,
    timeout, verbosity)``; ``endpoint`` defaults to ``$V3IO_API``."""

    def __init__(
        self,
        logger: Any = None,
        endpoint: str | None = None,
        max_connections: int | None = None,
        timeout: float | None = None,
        verbosity: str | None = None,
    ) -> None:
        self._logger = logger
        self._endpoint = self._get_endpoint(endpoint)
        self._timeout = timeout
        self.max_connections = max_connections or 8
        self._verbosity = verbosity

    def close(self) -> None:
        pass

    def requires_access_key(self) -> bool:
        return False

    def restart(self) -> None:
        pass

    def request(
        self,
        container: str | None,
        access_key: str | None,
        raise_for_status: Any,
        transport_actions: int | None,
        encoder: Encoder,
        encoder_args: Any,
        output: Any = None,
    ) -> Any:
        """Encode; unless ``transport_actions`` is ``Actions.encode_only`` (which returns the
        Request), send it and return its response."""
        from . import Actions  # the package imports this module first

        request = Request(container, access_key, raise_for_status, encoder, encoder_args, output)
        if transport_actions == Actions.encode_only:
            return request
        return self.wait_response(self.send_request(request))

    def send_request(self, request: Request) -> Any:
        raise NotImplementedError

    def wait_response(self, request: Any, raise_for_status: Any = None,
                      num_retries: int = 1) -> Any:
        raise NotImplementedError

    @staticmethod
    def _get_endpoint(endpoint: str | None) -> str:
        if endpoint is None:
            endpoint = os.environ.get(ENDPOINT_VARIABLE)
            if endpoint is None:
                raise RuntimeError(
                    f"endpoint must be passed to the transport or set in {ENDPOINT_VARIABLE}")
        if not endpoint.startswith(("http://", "https://")):
            endpoint = "http://" + endpoint
        return endpoint.rstrip("/")
