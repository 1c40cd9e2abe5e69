"""V3IO's 400s and 503s from a real V3IO emulator are the classes ``V3IO_ERRORS`` names, and
those are the storewire leaves the DS3/S3 table gives the same status (one decision)."""

from __future__ import annotations

import pytest

import v3io.dataplane
from storewire import errors
from storewire.emulators.v3io import V3IOEmulator
from v3io.dataplane import errors as v3io_errors


def _check(error: BaseException, status: int, cls: type[BaseException]) -> None:
    assert isinstance(error, v3io_errors.HttpResponseError)
    assert error.status_code == status
    assert type(error) is v3io_errors.V3IO_ERRORS.class_for(status, error.code) is cls
    assert isinstance(error, errors.HTTP_ERRORS.class_for(status, ""))


def test_a_400_is_an_invalid_request(client, name):
    with pytest.raises(errors.StorageError) as info:
        client.kv.put("bigdata", name, "k", {"bad name": 1})
    _check(info.value, 400, v3io_errors.InvalidRequestError)
    assert isinstance(info.value, ValueError)


def test_a_400_with_a_false_condition_is_a_condition_failure(client, name):
    client.kv.put("bigdata", name, "k", {"age": 9})
    with pytest.raises(errors.StorageError) as info:
        client.kv.put("bigdata", name, "k", {"age": 11}, condition="age == 1")
    _check(info.value, 400, v3io_errors.ConditionFailedError)
    assert info.value.code == v3io_errors.CONDITION_FALSE_CODE
    assert isinstance(info.value, errors.PreconditionFailedError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(503, v3io_errors.ServerError), (429, v3io_errors.ThrottledError),
     (500, v3io_errors.ServerError)],
)
def test_injected_statuses(status, cls):
    with V3IOEmulator(faults={"error_rate": 1.0, "error_status": status}) as emu, \
            v3io.dataplane.Client(endpoint=emu.endpoint, access_key=emu.access_key,
                                  use_env_proxy=False, max_retries=0) as c:
        with pytest.raises(errors.StorageError) as info:
            c.get_containers()
    _check(info.value, status, cls)
    if status == 503:  # V3IO sends no "slow down" code: a 503 is not throttling
        assert not isinstance(info.value, errors.ThrottledError)
