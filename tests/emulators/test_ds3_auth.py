"""SigV2 (DS3 flavour) verification by the DS3 emulator: both real client styles, and
refusals. The test signs with its own hmac code (ds3_client.py), independent of the
emulator's verifier."""

from __future__ import annotations

import email.utils
import http.client
import time

import pytest
from ds3_client import DS3Raw, signature, string_to_sign

from storewire.emulators.ds3 import DS3Emulator, User


def test_documented_string_to_sign_examples() -> None:
    """The verified DS3 SigV2 examples come out of the test's own signer."""
    date_c, date_p = "Sat, 21 Nov 2026 11:25:25 +0000", "Sat, 21 Nov 2026 11:25:28 -0000"
    assert (
        string_to_sign(
            "c", "PUT", "/books/resources/beowulf.txt", "job=j&offset=0", {"Date": date_c}
        )
        == f"PUT\n\n\n{date_c}\n/books/resources/beowulf.txt"
    )
    assert (
        string_to_sign(
            "p",
            "PUT",
            "/py3_flow_bucket/beowulf.txt",
            "job=j&offset=0",
            {"Date": date_p, "Content-Type": "application/octet-stream"},
        )
        == f"PUT\n\napplication/octet-stream\n{date_p}\n/py3_flow_bucket/beowulf.txt"
    )
    assert (
        string_to_sign("c", "POST", "/edge%20bucket", "delete", {"Date": date_c})
        == f"POST\n\n\n{date_c}\n/edge%20bucket?delete"
    )
    assert string_to_sign(
        "c",
        "PUT",
        "/edge%20bucket/dir/a%20b%20%C3%BC%2B%26%3D.txt",
        "",
        {
            "Date": date_c,
            "Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww==",
            "x-amz-meta-color": "light%20blue%2Fgreen",
            "x-amz-meta-Owner": "x",
        },
    ) == (
        "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\n\n"
        + date_c
        + "\nx-amz-meta-color:light%20blue%2Fgreen\nx-amz-meta-owner:x\n"
        "/edge%20bucket/dir/a%20b%20%C3%BC%2B%26%3D.txt"
    )


@pytest.mark.parametrize("style", ["c", "p"])
def test_both_client_styles_are_accepted(ds3_emulator: DS3Emulator, style: str) -> None:
    with DS3Raw(
        ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key, style
    ) as c:
        assert c.request("PUT", "/edge%20bucket").status == 200
        key = "/edge%20bucket/dir/a%20b%20%C3%BC%2B%26%3D.txt"
        r = c.request(
            "PUT",
            key,
            body=b"data",
            headers={
                "Content-MD5": "jXd/OF09/siBXSD3SWAm3A==",
                "x-amz-meta-color": "light%20blue",
                "x-amz-meta-Owner": "x",
                "x-amz-meta-a-b": "1",
                "x-amz-meta-a": "2",
            },
        )
        assert r.status == 200, r.body
        assert c.request("GET", "/edge%20bucket", "prefix=dir%2Fa%20b&max_keys=5").status == 200
        assert (
            c.request(
                "GET", "/edge%20bucket", "versions" if style == "c" else "versions=True"
            ).status
            == 200
        )
        r = c.request(
            "POST",
            "/edge%20bucket",
            "delete",
            b"<Delete><Object><Key>dir/a b \xc3\xbc+&amp;=.txt</Key></Object></Delete>",
        )
        assert r.status == 200
        assert [d.findtext("Key") for d in r.xml().findall("Deleted")] == ["dir/a b \u00fc+&=.txt"]
        assert c.request("GET", "/_rest_/job/").status == 200
        assert c.request("DELETE", "/edge%20bucket").status == 204


def test_wrong_secret_unknown_id_and_unsigned_are_403(ds3_emulator: DS3Emulator) -> None:
    ep = ds3_emulator.endpoint
    with DS3Raw(ep, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        for reply in (
            c.request("GET", "/", secret="not-the-secret"),
            c.request("PUT", "/b", secret="not-the-secret"),
            c.request("GET", "/", sign=False),
        ):
            assert reply.status == 403
            assert reply.xml().findtext("HttpErrorCode") == "403"
        assert c.request("HEAD", "/b", secret="wrong").status == 403
        assert c.request("GET", "/_rest_/job/", secret="wrong").status == 403
        assert c.request("HEAD", "/b").status == 404  # nothing was created by the bad PUT
    with DS3Raw(ep, "bm9ib2R5", ds3_emulator.secret_key) as stranger:
        assert stranger.request("GET", "/").status == 403


def test_signature_covers_the_raw_path(ds3_c: DS3Raw) -> None:
    """A signature for another path (or the decoded form of this one) is refused."""
    ds3_c.request("PUT", "/b")
    date = email.utils.formatdate()
    sig = signature(ds3_c.secret, string_to_sign("c", "GET", "/b/a b", "", {"Date": date}))
    ds3_c.conn.request(
        "GET", "/b/a%20b", headers={"Date": date, "Authorization": f"AWS {ds3_c.access}:{sig}"}
    )
    resp = ds3_c.conn.getresponse()
    resp.read()
    assert resp.status == 403


def test_configured_users_and_gmt_dates() -> None:
    users = [User("YWxpY2U=", "alice-secret", "alice"), ("Ym9i", "bob-secret", "bob")]
    with DS3Emulator(users=users) as emu:
        assert (emu.access_key, emu.secret_key) == ("YWxpY2U=", "alice-secret")
        with DS3Raw(emu.endpoint, "Ym9i", "bob-secret") as bob:
            date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
            assert bob.request("PUT", "/bobs", headers={"Date": date}).status == 200
            assert bob.request("GET", "/", secret="alice-secret").status == 403
            mine = bob.request("GET", "/").xml()
            assert mine.findtext("Owner/DisplayName") == "bob"
        with DS3Raw(emu.endpoint, "YWxpY2U=", "alice-secret") as alice:
            # Only the caller's buckets are listed.
            assert alice.request("GET", "/").xml().findall("Buckets/Bucket") == []
        emu.add_user("Y2Fyb2w=", "carol-secret", "carol")
        with DS3Raw(emu.endpoint, "Y2Fyb2w=", "carol-secret") as carol:
            assert carol.request("GET", "/").status == 200


def test_absolute_form_request_target(ds3_emulator: DS3Emulator) -> None:
    """Proxy-forwarded requests (C via http_proxy) carry absolute URLs; the signature
    covers only the path."""
    date = email.utils.formatdate()
    sig = signature(ds3_emulator.secret_key, string_to_sign("c", "GET", "/", "", {"Date": date}))
    conn = http.client.HTTPConnection("127.0.0.1", ds3_emulator.port, timeout=10)
    try:
        conn.request(
            "GET",
            f"{ds3_emulator.endpoint}/",
            headers={"Date": date, "Authorization": f"AWS {ds3_emulator.access_key}:{sig}"},
        )
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read().startswith(b"<ListAllMyBucketsResult>")
    finally:
        conn.close()


@pytest.mark.parametrize("style", ["c", "p"])
def test_python_verifier_alone(style: str) -> None:
    """The pure-Python verifier (used when the native core is absent) accepts both
    styles, AWS's "/bucket/" form, and nothing signed with another secret."""
    from storewire.emulators.ds3 import auth

    headers = {
        "Date": "Sat, 21 Nov 2026 11:25:25 +0000",
        "Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww==",
        "x-amz-meta-Owner": "x",
        "x-amz-meta-color": "light%20blue%2Fgreen",
    }
    if style == "p":
        headers["Content-Type"] = "application/octet-stream"
    path, query = "/edge%20bucket", "delete&versioning=KEEP_LATEST"
    pairs: list[tuple[str, str | None]] = [("delete", None), ("versioning", "KEEP_LATEST")]
    good = signature("stubsecret", string_to_sign(style, "POST", path, query, headers))
    received = list(headers.items())
    assert auth.verify_python("stubsecret", good, "POST", path, pairs, received)
    assert not auth.verify_python("other", good, "POST", path, pairs, received)
    assert not auth.verify_python("stubsecret", good, "POST", "/other", pairs, received)
    aws = signature("stubsecret", f"PUT\n\n\n{headers['Date']}\n/b/")
    assert auth.verify_python("stubsecret", aws, "PUT", "/b", [], [("Date", headers["Date"])])
