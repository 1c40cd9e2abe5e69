"""The Sector password never shows: storewire's log redaction masks it once a client has
logged in with it, and it is in no repr and no exception text (issue 19)."""

from __future__ import annotations

import logging

import pytest

import sector
from storewire import errors, log


def test_the_password_is_masked_in_storewire_logs_after_login(master, caplog):
    with sector.Client(master.host, master.port, user=master.user, password=master.password,
                       cert=master.cert_path, timeout_s=20.0) as client:
        logger = log.get_logger("sector-test")
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("connected to %s with %s", client.host, master.password)
        assert master.password not in caplog.text
        assert log.MASK in caplog.text
        assert master.password not in repr(client)


def test_a_refused_login_does_not_repeat_the_password(master):
    wrong = "not-the-password-" + master.password[::-1]
    with pytest.raises(errors.PermissionDeniedError) as info:
        sector.Client(master.host, master.port, user=master.user, password=wrong,
                      cert=master.cert_path, timeout_s=20.0)
    shown = f"{info.value} {info.value!r} {info.value.resource} {info.value.message}"
    assert wrong not in shown
    assert master.user in shown  # the user name is fine to show


def test_emulated_accounts_do_not_show_their_password(master):
    account = master.users[master.user]
    assert master.password not in repr(account)
    assert master.password not in repr(master.sessions())
