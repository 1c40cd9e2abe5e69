"""Errors: storewire.errors types, also catchable under the official SDK's names."""

from __future__ import annotations

import pickle

import pytest

import v3io.dataplane
import v3io.dataplane.response
import v3io.dataplane.transport
from storewire import errors
from storewire.emulators.v3io import V3IOEmulator


def test_wrong_access_key_is_permission_error(emulator):
    with v3io.dataplane.Client(endpoint=emulator.endpoint, access_key="wrong-key",
                               use_env_proxy=False) as c:
        with pytest.raises(PermissionError) as info:
            c.get_containers()
    error = info.value
    assert isinstance(error, errors.PermissionDeniedError)
    assert isinstance(error, v3io.dataplane.transport.HttpResponseError)
    assert error.status_code == error.status and error.status in (401, 403)
    assert "wrong-key" not in str(error)


def test_per_call_access_key(client, emulator):
    with pytest.raises(PermissionError):
        client.get_containers(access_key="other")
    assert client.get_containers(access_key=emulator.access_key).status_code == 200


def test_missing_item_and_raise_for_status(client, name):
    with pytest.raises(FileNotFoundError) as info:
        client.get_item("bigdata", f"{name}/nope")
    error = info.value
    assert isinstance(error, errors.NotFoundError)
    assert isinstance(error, v3io.dataplane.response.HttpResponseError)
    assert error.status_code == 404 and error.code == "-2"
    assert error.operation == "GetItem" and error.resource == f"bigdata/{name}/nope"
    assert str(error).count("Request failed with status 404") == 1
    never = client.get_item("bigdata", f"{name}/nope",
                            raise_for_status=v3io.dataplane.RaiseForStatus.never)
    assert never.status_code == 404 and never.output.item == {}
    accepted = client.get_item("bigdata", f"{name}/nope", raise_for_status=[200, 404])
    assert accepted.status_code == 404
    with pytest.raises(errors.NotFoundError):
        accepted.raise_for_status()
    with pytest.raises(errors.NotFoundError):
        client.get_item("bigdata", f"{name}/nope", raise_for_status=[200, 204])
    assert client.get_containers(raise_for_status=v3io.dataplane.RaiseForStatus.always)


def test_errors_pickle(client, name):
    with pytest.raises(errors.NotFoundError) as info:
        client.get_object("bigdata", f"{name}/none")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is type(info.value)
    assert (copy.status_code, copy.code, copy.resource) == (404, "-2", f"bigdata/{name}/none")


def test_official_constructor_shape():
    error = v3io.dataplane.HttpResponseError("Request failed with status 500: x", 500)
    assert error.status_code == 500 and isinstance(error, errors.StorageError)


def test_malformed_and_huge_requests_are_clear_errors(client, name):
    with pytest.raises(errors.InvalidRequestError):
        client.kv.put("bigdata", name, "k", {"bad name": 1})
    with pytest.raises(AttributeError):
        client.kv.put("bigdata", name, "k", {"s": "x" * 70000})
    huge = client.put_records("bigdata", f"{name}/nope", [{"data": b"x"}],
                              raise_for_status="never")
    assert huge.status_code >= 400
    assert client.get_containers().status_code == 200  # still serving


def test_transport_error_is_connection_error():
    with V3IOEmulator() as emu:
        endpoint, key = emu.endpoint, emu.access_key
    with v3io.dataplane.Client(endpoint=endpoint, access_key=key, use_env_proxy=False,
                               max_retries=0) as c:
        with pytest.raises(ConnectionError):
            c.get_containers()
        c.batch.get_containers()
        with pytest.raises(errors.TransportError):
            c.batch.wait()


def test_server_errors_are_retried_then_raised(name):
    with V3IOEmulator(faults={"error_rate": 1.0, "error_status": 503}) as emu, \
            v3io.dataplane.Client(endpoint=emu.endpoint, access_key=emu.access_key,
                                  use_env_proxy=False, max_retries=1,
                                  retry_base_delay_s=0.01) as c:
        with pytest.raises(errors.ServerError) as info:
            c.get_containers()
        assert isinstance(info.value, v3io.dataplane.HttpResponseError)
