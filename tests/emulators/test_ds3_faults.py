"""Fault injection knobs of the DS3 emulator (off by default)."""

from __future__ import annotations

import http.client
import time

import pytest
from ds3_client import DS3Raw

from storewire.emulators.ds3 import DS3Emulator, Faults


def test_faults_are_off_by_default(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    assert not ds3_emulator.faults.active
    assert all(ds3_c.request("GET", "/").status == 200 for _ in range(50))


def test_error_rate_answers_500_or_503_with_retry_after() -> None:
    with (
        DS3Emulator(faults=Faults(error_rate=1.0, retry_after_s=2, seed=7)) as emu,
        DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c,
    ):
        statuses = set()
        for _ in range(20):
            r = c.request("PUT", "/b")
            statuses.add(r.status)
            assert r.header("Retry-After") == "2"
            assert r.xml().findtext("HttpErrorCode") == str(r.status)
        assert statuses == {500, 503}
        # Nothing happened on the server: the faults came before processing.
        emu.set_faults()
        assert c.request("HEAD", "/b").status == 404


def test_partial_error_rate_and_admin_call(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    r = ds3_c.request("PUT", "/_rest_/emulator_faults/", "error_rate=0.5&seed=3&error_statuses=503")
    assert r.status == 200 and r.xml().findtext("error_rate") == "0.5"
    results = [ds3_c.request("GET", "/").status for _ in range(200)]
    assert set(results) == {200, 503}
    assert 60 < results.count(503) < 140
    assert ds3_c.request("PUT", "/_rest_/emulator_faults/").status == 200  # all off again
    assert ds3_c.request("GET", "/_rest_/emulator_faults").xml().findtext("error_rate") == "0.0"
    assert ds3_c.request("PUT", "/_rest_/emulator_faults/", "error_rate=2").status == 400


def test_data_only_faults_spare_job_calls(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    ds3_emulator.set_faults(error_rate=1.0, data_only=True)
    assert ds3_c.request("GET", "/").status == 200
    assert ds3_c.request("GET", "/_rest_/job/").status == 200
    assert ds3_c.request("PUT", "/b/k", body=b"x").status in (500, 503)


def test_delay(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    ds3_emulator.set_faults(delay_s=0.2)
    started = time.monotonic()
    assert ds3_c.request("GET", "/").status == 200
    assert time.monotonic() - started >= 0.2


def test_dropped_connections_cut_the_body(ds3_emulator: DS3Emulator) -> None:
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        c.request("PUT", "/b")
        assert c.request("PUT", "/b/k", body=b"0123456789" * 1000).status == 200
    ds3_emulator.set_faults(drop_rate=1.0)
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        with pytest.raises(
            (http.client.IncompleteRead, ConnectionError, http.client.RemoteDisconnected)
        ):
            c.request("GET", "/b/k")
    ds3_emulator.set_faults()
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("GET", "/b/k").body == b"0123456789" * 1000


def test_faults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREWIRE_DS3_FAULTS", "error_rate=1,error_statuses=500,retry_after_s=3")
    with DS3Emulator() as emu, DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
        r = c.request("GET", "/")
        assert (r.status, r.header("Retry-After")) == (500, "3")
    with pytest.raises(ValueError):
        Faults.from_mapping({"nonsense": "1"})
