"""``transport_kind`` as the official SDK takes it (a name, a class, an instance), the
verifier transport, custom transports, and the official error text, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

import v3io.dataplane
import v3io.dataplane.output
import v3io.dataplane.response
from storewire import errors
from storewire.emulators.v3io import V3IOEmulator
from v3io.dataplane.request import Request
from v3io.dataplane.transport import Actions, abstract, httpclient, requests, verifier


@pytest.mark.parametrize("kind", ["httpclient", "requests", httpclient.Transport,
                                  requests.Transport])
def test_names_and_native_classes_select_the_engine(emulator: V3IOEmulator, name: str,
                                                    kind: Any) -> None:
    with v3io.dataplane.Client(endpoint=emulator.endpoint, access_key=emulator.access_key,
                               transport_kind=kind, use_env_proxy=False) as client:
        client.object.put("bigdata", f"{name}/o", body=b"abc")
        assert client.object.get("bigdata", f"{name}/o").body == b"abc"
        assert type(client._transport).__module__ == "v3io.dataplane.native_transport"


def test_a_native_instance_lends_its_settings(emulator: V3IOEmulator, name: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("V3IO_API", raising=False)
    transport = requests.Transport(None, emulator.endpoint, 3)
    with v3io.dataplane.Client(access_key=emulator.access_key, transport_kind=transport,
                               use_env_proxy=False) as client:
        assert client.endpoint == emulator.endpoint and client.max_connections == 3
        client.kv.put("bigdata", name, "k", {"a": 1})
        assert client.kv.get("bigdata", name, "k").output.item == {"a": 1}


def test_an_unknown_name_is_a_typed_error() -> None:
    with pytest.raises(errors.InvalidRequestError, match="transport_kind 'aiohttp'"):
        v3io.dataplane.Client(endpoint="http://127.0.0.1:1", access_key="k",
                              transport_kind="aiohttp")


def test_verifier_checks_requests_without_sending() -> None:
    """No endpoint, no access key, no server: each request goes to the next function."""
    def get_item(request: Request) -> v3io.dataplane.Response:
        assert (request.method, request.container, request.path) == ("PUT", "bigdata",
                                                                     "/bigdata/t/k")
        assert request.headers["X-v3io-function"] == "GetItem"
        assert request.body == b'{"AttributesToGet":"a,b"}'
        return v3io.dataplane.response.Response(
            v3io.dataplane.output.GetItemOutput, 200, {}, b'{"Item":{"a":{"N":"1"}}}')

    def get_object(request: Request) -> str:
        assert request.encode_path() == "/bigdata/sp%20ace"
        assert request.headers["Range"] == "bytes=2-4"
        return "anything the test returns"

    transport = verifier.Transport([get_item, get_object])
    client = v3io.dataplane.Client(transport_kind=transport)
    assert client.kv.get("bigdata", "t", "k", attribute_names=["a", "b"]).output.item == {"a": 1}
    assert client.object.get("bigdata", "sp ace", offset=2, num_bytes=3) == \
        "anything the test returns"
    assert [r.method for r in transport.requests] == ["PUT", "GET"]
    with pytest.raises(IndexError, match="Have only 2 verifiers"):
        client.object.delete("bigdata", "x")


def test_verifier_sees_the_per_call_access_key_and_batches() -> None:
    keys: list[str | None] = []

    def record(request: Request) -> v3io.dataplane.Response:
        keys.append(request.headers.get("X-v3io-session-key"))
        return v3io.dataplane.response.Response(None, 204, {}, b"")

    client = v3io.dataplane.Client(access_key="client-key",
                                   transport_kind=verifier.Transport([record] * 3))
    client.batch.object.put("bigdata", "a", body=b"1")
    client.batch.object.put("bigdata", "b", body=b"2", access_key="call-key")
    assert [r.status_code for r in client.batch.wait()] == [204, 204]
    client.object.delete("bigdata", "a")
    assert keys == ["client-key", "call-key", "client-key"]


class Recording(abstract.Transport):
    """A custom transport: the official base class, its own send and wait."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.sent: list[str] = []

    def send_request(self, request: Request) -> Request:
        self.sent.append(request.encode_path())
        return request

    def wait_response(self, request: Any, raise_for_status: Any = None,
                      num_retries: int = 1) -> Any:
        return v3io.dataplane.response.Response(None, 200, {}, b"")


def test_a_custom_class_is_built_with_the_official_arguments() -> None:
    client = v3io.dataplane.Client(endpoint="emulated:1", transport_kind=Recording)
    client.object.put("bigdata", "dir/x y", body=b"")
    assert client._transport.transport.sent == ["/bigdata/dir/x%20y"]
    assert client.endpoint == "http://emulated:1"
    encoded = client._transport.transport.request(
        "c", None, None, Actions.encode_only, lambda c, k, a: ("GET", "/c/p", {"q": "1 2"}, {},
                                                                None), {})
    assert isinstance(encoded, Request) and encoded.encode_path() == "/c/p?q=1%202"


def test_error_text_is_the_official_one(client: v3io.dataplane.Client, name: str) -> None:
    with pytest.raises(v3io.dataplane.response.HttpResponseError) as caught:
        client.kv.get("bigdata", name, "missing")
    error = caught.value
    assert isinstance(error, errors.NotFoundError) and error.status_code == 404
    assert str(error).startswith("Request failed with status 404: b'{")
    body = client.kv.get("bigdata", name, "missing",
                         raise_for_status=v3io.dataplane.RaiseForStatus.never).body
    assert str(error) == f"Request failed with status 404: {body!r}"  # the official form
    assert error.operation == "GetItem" and name in error.resource  # kept beside the text


def test_class_wide_retry_setting_reaches_new_clients(name: str) -> None:
    """``httpclient.Transport.set_request_max_retries`` (the official class-wide knob)
    applies to clients created afterwards: 0 means one attempt at a 503."""
    saved_explicit = dict(httpclient.explicit)
    saved_retries = httpclient.Transport.get_request_max_retries()
    with V3IOEmulator() as emulator:
        try:
            httpclient.Transport.set_request_max_retries(0)
            with v3io.dataplane.Client(endpoint=emulator.endpoint,
                                       access_key=emulator.access_key,
                                       use_env_proxy=False) as client:
                emulator.set_faults({"error_rate": 1.0, "error_status": 503})
                before = emulator.requests_served
                with pytest.raises(errors.ServerError):
                    client.object.get("bigdata", f"{name}/o")
                assert emulator.requests_served - before == 1
        finally:  # other tests' clients must not inherit the setting
            httpclient.Transport.set_request_max_retries(saved_retries)
            httpclient.explicit.clear()
            httpclient.explicit.update(saved_explicit)
