"""The DS3 emulator's request-time window (issue 19): like S3 and BlackPearl it refuses a
correctly signed request whose Date (or x-amz-date) is more than 15 minutes from its clock,
so a captured request cannot be replayed for ever. Requests are signed with the project's
own SigV2 signer and sent to a running emulator."""

from __future__ import annotations

import calendar
import email.utils
import time
import xml.etree.ElementTree as ET

import pytest

from storewire._native import auth, http
from storewire.emulators.ds3 import DS3Emulator

MINUTE = 60.0


def _rfc1123(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def _send(emu: DS3Emulator, headers: dict[str, str], path: str = "/") -> http.Response:
    """GET ``path`` signed over exactly ``headers`` (Date and x-amz-date as given)."""
    signature = auth.authorization_v2(emu.access_key, emu.secret_key, "GET", path,
                                      headers=headers)
    with http.Client(use_env_proxy=False, max_retries=0) as client:
        return client.request("GET", emu.endpoint + path,
                              headers={**headers, "Authorization": signature})


def _error(resp: http.Response) -> ET.Element:
    assert resp.status == 403, (resp.status, resp.body)
    return ET.fromstring(resp.body)


def test_a_request_signed_in_2001_is_refused_as_too_skewed(ds3_emulator: DS3Emulator) -> None:
    sent = "Mon, 01 Jan 2001 00:00:00 GMT"
    before = time.time()
    root = _error(_send(ds3_emulator, {"Date": sent}))
    assert root.findtext("Code") == "RequestTimeTooSkewed"
    assert root.findtext("RequestTime") == sent
    assert root.findtext("MaxAllowedSkewMilliseconds") == "900000"
    server_time = root.findtext("ServerTime") or ""
    assert server_time.endswith("Z")
    parsed = calendar.timegm(time.strptime(server_time[:19], "%Y-%m-%dT%H:%M:%S"))
    assert abs(parsed - before) < 60


def test_the_same_request_with_a_current_date_is_accepted(ds3_emulator: DS3Emulator) -> None:
    resp = _send(ds3_emulator, {"Date": _rfc1123(time.time())})
    assert resp.status == 200, resp.body
    assert ET.fromstring(resp.body).tag == "ListAllMyBucketsResult"


@pytest.mark.parametrize("offset_min", [-14, -1, 0, 1, 14])
def test_within_fifteen_minutes_either_way_is_accepted(
    ds3_emulator: DS3Emulator, offset_min: int
) -> None:
    resp = _send(ds3_emulator, {"Date": _rfc1123(time.time() + offset_min * MINUTE)})
    assert resp.status == 200, resp.body


@pytest.mark.parametrize("offset_min", [-16, 16, -60 * 24 * 365, 60 * 24 * 365 * 30])
def test_beyond_fifteen_minutes_either_way_is_refused(
    ds3_emulator: DS3Emulator, offset_min: int
) -> None:
    root = _error(_send(ds3_emulator, {"Date": _rfc1123(time.time() + offset_min * MINUTE)}))
    assert root.findtext("Code") == "RequestTimeTooSkewed"


@pytest.mark.parametrize(
    "form",
    [
        "%a, %d %b %Y %H:%M:%S GMT",  # RFC 1123 (botocore, the native client)
        "%a, %d %b %Y %H:%M:%S +0000",  # the C SDK
        "%a, %d %b %Y %H:%M:%S -0000",  # the Python 3 SDK (email.utils.formatdate)
    ],
)
def test_every_date_form_the_clients_send_is_read(ds3_emulator: DS3Emulator, form: str) -> None:
    now = time.time()
    assert _send(ds3_emulator, {"Date": time.strftime(form, time.gmtime(now))}).status == 200
    old = time.strftime(form, time.gmtime(now - 20 * MINUTE))
    assert _error(_send(ds3_emulator, {"Date": old})).findtext("Code") == \
        "RequestTimeTooSkewed"


def test_x_amz_date_wins_over_date(ds3_emulator: DS3Emulator) -> None:
    """With x-amz-date, SigV2 signs it and not Date, so it is the time that counts."""
    now, old = _rfc1123(time.time()), _rfc1123(time.time() - 3600)
    fresh = _send(ds3_emulator, {"Date": old, "x-amz-date": now})
    assert fresh.status == 200, fresh.body
    stale = _send(ds3_emulator, {"Date": now, "x-amz-date": old})
    assert _error(stale).findtext("Code") == "RequestTimeTooSkewed"
    iso_old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 3600))
    assert _error(_send(ds3_emulator, {"x-amz-date": iso_old})).findtext("Code") == \
        "RequestTimeTooSkewed"


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 99 Foo 2026 99:99:99 GMT",
                                  "Mon, 01 Jan 99999 00:00:00 GMT"])
def test_a_missing_or_unreadable_date_is_refused(
    ds3_emulator: DS3Emulator, date: str | None
) -> None:
    """A signature over no time at all would be replayable for ever too."""
    headers = {} if date is None else {"Date": date}
    root = _error(_send(ds3_emulator, headers))
    assert root.findtext("Code") == "AccessDenied"


def test_a_bad_signature_is_reported_before_the_time(ds3_emulator: DS3Emulator) -> None:
    """A wrong key with an old date says "signature", the more useful of the two."""
    headers = {"Date": "Mon, 01 Jan 2001 00:00:00 GMT"}
    signature = auth.authorization_v2(ds3_emulator.access_key, "not-the-secret", "GET", "/",
                                      headers=headers)
    with http.Client(use_env_proxy=False, max_retries=0) as client:
        resp = client.request("GET", ds3_emulator.endpoint + "/",
                              headers={**headers, "Authorization": signature})
    assert _error(resp).findtext("Code") == "SignatureDoesNotMatch"


def test_the_ds3_client_works_against_the_checking_emulator(ds3_emulator: DS3Emulator) -> None:
    """The project's own client sends a current Date on every request, retries included."""
    import ds3

    with ds3.Client(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key,
                    proxy="") as client:
        client.put_bucket("clock")
        client.put_object("clock", "k", b"tick")
        assert bytes(client.get_object("clock", "k").body) == b"tick"
        assert client.get_bytes("clock", ["k"]) == {"k": bytearray(b"tick")}  # a bulk job


def test_the_emulator_clock_can_be_moved(ds3_emulator: DS3Emulator) -> None:
    """``context.clock.offset_s`` moves the server's time (not the client's): a request
    dated now is refused while the emulator runs 20 minutes ahead, and its error document
    reports the moved time."""
    assert ds3_emulator.context is not None
    clock = ds3_emulator.context.clock
    clock.offset_s = 20 * MINUTE
    try:
        root = _error(_send(ds3_emulator, {"Date": _rfc1123(time.time())}))
        assert root.findtext("Code") == "RequestTimeTooSkewed"
        server_time = root.findtext("ServerTime") or ""
        moved = calendar.timegm(time.strptime(server_time[:19], "%Y-%m-%dT%H:%M:%S"))
        assert abs(moved - (time.time() + 20 * MINUTE)) < 60
        resp = _send(ds3_emulator, {"Date": _rfc1123(time.time() + 20 * MINUTE)})
        assert resp.status == 200, resp.body
    finally:
        clock.offset_s = 0.0
    assert _send(ds3_emulator, {"Date": _rfc1123(time.time())}).status == 200
