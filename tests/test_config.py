"""Config precedence (argument > environment > default), Secret hiding, log redaction."""

from __future__ import annotations

import ast
import logging
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from storewire import log
from storewire.config import ClientConfig, Secret, describe, load, setting

STUB = Path(__file__).resolve().parents[1] / "python" / "storewire" / "_native" / "http.pyi"


def fresh_secret() -> str:
    return "sk-" + secrets.token_hex(12)


@pytest.fixture
def secret_value():
    value = fresh_secret()
    yield value
    log.forget_secret(value)


@pytest.fixture
def swlog(caplog):
    caplog.set_level(logging.DEBUG, logger="storewire")
    return log.get_logger("tests.config")


# -- precedence -----------------------------------------------------------------------


def test_defaults_when_nothing_is_set():
    cfg = load(ClientConfig, env={})
    assert cfg.endpoint is None
    assert cfg.access_key is None
    assert cfg.connect_timeout_s == 10.0
    assert cfg.max_in_flight == 64
    assert cfg.verify_tls is True


def test_environment_beats_default():
    env = {
        "STOREWIRE_ENDPOINT": "http://env:1",
        "STOREWIRE_MAX_IN_FLIGHT": "8",
        "STOREWIRE_CONNECT_TIMEOUT_S": "2.5",
        "STOREWIRE_VERIFY_TLS": "off",
    }
    cfg = load(ClientConfig, env=env)
    assert cfg.endpoint == "http://env:1"
    assert cfg.max_in_flight == 8
    assert cfg.connect_timeout_s == 2.5
    assert cfg.verify_tls is False


def test_argument_beats_environment():
    env = {"STOREWIRE_ENDPOINT": "http://env:1", "STOREWIRE_MAX_RETRIES": "9"}
    cfg = load(ClientConfig, env=env, endpoint="http://arg:2", max_retries=0)
    assert cfg.endpoint == "http://arg:2"
    assert cfg.max_retries == 0  # a falsy argument is still an argument


def test_none_argument_means_not_given():
    cfg = load(ClientConfig, env={"STOREWIRE_ENDPOINT": "http://env:1"}, endpoint=None)
    assert cfg.endpoint == "http://env:1"


def test_empty_variable_counts_as_unset():
    cfg = load(ClientConfig, env={"STOREWIRE_PROXY": "", "STOREWIRE_REGION": ""})
    assert cfg.proxy is None
    assert cfg.region == "us-east-1"


def test_reads_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("STOREWIRE_REGION", "eu-west-3")
    assert load(ClientConfig).region == "eu-west-3"


def test_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="STOREWIRE_MAX_IN_FLIGHT"):
        load(ClientConfig, env={"STOREWIRE_MAX_IN_FLIGHT": "lots"})
    with pytest.raises(ValueError, match="STOREWIRE_VERIFY_TLS"):
        load(ClientConfig, env={"STOREWIRE_VERIFY_TLS": "maybe"})


def test_unknown_argument_is_refused():
    with pytest.raises(TypeError, match="endpiont"):
        load(ClientConfig, env={}, endpiont="x")


@dataclass(frozen=True, kw_only=True)
class _SystemConfig(ClientConfig):
    endpoint: str | None = setting(None, env=("SYS_ENDPOINT", "STOREWIRE_ENDPOINT"), doc="x")


def test_subclass_reads_its_own_variables_in_order():
    both = {"SYS_ENDPOINT": "http://sys:1", "STOREWIRE_ENDPOINT": "http://common:2"}
    assert load(_SystemConfig, env=both).endpoint == "http://sys:1"
    assert load(_SystemConfig, env={"STOREWIRE_ENDPOINT": "http://c:2"}).endpoint == "http://c:2"


def test_every_field_is_documented_with_a_variable():
    rows = describe(ClientConfig)
    assert {r.name for r in rows} >= {"endpoint", "access_key", "secret_key", "proxy"}
    for row in rows:
        assert row.env and all(v.startswith("STOREWIRE_") for v in row.env), row
        assert row.doc, row
    assert {r.name for r in rows if r.secret} == {"access_key", "secret_key"}


def _client_keywords() -> set[str]:
    tree = ast.parse(STUB.read_text())
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client")
    init = next(n for n in client.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return {a.arg for a in init.args.kwonlyargs}


def test_http_options_match_the_engine_contract():
    cfg = load(ClientConfig, env={}, proxy="http://proxy:3128", ca_file="/tmp/ca.pem")
    options = cfg.http_options()
    assert set(options) <= _client_keywords()
    assert options["proxy"] == "http://proxy:3128"
    assert "proxy" not in load(ClientConfig, env={}).http_options()


# -- Secret ---------------------------------------------------------------------------


def test_secret_never_shows_its_value(secret_value):
    s = Secret(secret_value)
    percent = "%s %r" % (s, s)  # noqa: UP031 - the formatting logging itself uses
    shown = [repr(s), str(s), f"{s}", f"{s!r}", f"{s:>10}", percent, repr([s]), repr({"k": s})]
    for text in shown:
        assert secret_value not in text
        assert "***" in text
    assert s.reveal() == secret_value


def test_secret_from_environment_is_hidden_in_config_repr(secret_value):
    cfg = load(
        ClientConfig, env={"STOREWIRE_SECRET_KEY": secret_value, "STOREWIRE_ACCESS_KEY": "AKID1234"}
    )
    assert isinstance(cfg.secret_key, Secret)
    assert cfg.secret_key.reveal() == secret_value
    assert secret_value not in repr(cfg) and secret_value not in str(cfg)
    assert "AKID1234" not in repr(cfg)
    log.forget_secret("AKID1234")


def test_plain_string_argument_is_wrapped(secret_value):
    cfg = load(ClientConfig, env={}, secret_key=secret_value)
    assert isinstance(cfg.secret_key, Secret)
    assert secret_value not in repr(cfg)


def test_secret_equality_hash_and_pickle(secret_value):
    a, b = Secret(secret_value), Secret(secret_value)
    assert a == b and hash(a) == hash(b)
    assert a != Secret(fresh_secret())
    assert a != secret_value  # never equal to the bare string: no accidental comparisons
    assert pickle.loads(pickle.dumps(a)).reveal() == secret_value
    assert bool(a) and not Secret("")


def test_secret_rejects_non_strings():
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


# -- redaction on real log records --------------------------------------------------


def test_secret_object_logged_is_masked(caplog, swlog, secret_value):
    swlog.info("key is %s / %r", Secret(secret_value), Secret(secret_value))
    assert secret_value not in caplog.text
    assert "key is *** / Secret('***')" in caplog.text


def test_registered_secret_is_masked_even_when_revealed(caplog, swlog, secret_value):
    s = Secret(secret_value)
    swlog.warning("oops: %s and url-encoded", s.reveal())
    swlog.warning("plain f-string %s", f"x{s.reveal()}y")
    assert secret_value not in caplog.text
    assert caplog.records[0].getMessage() == "oops: *** and url-encoded"
    assert caplog.records[1].getMessage() == "plain f-string x***y"


def test_url_encoded_secret_is_masked(caplog, swlog):
    value = "abc/def+ghi=" + secrets.token_hex(4)
    log.register_secret(value)
    try:
        swlog.info("GET /?token=%s", quote(value, safe=""))
        assert caplog.records[0].getMessage() == "GET /?token=***"
    finally:
        log.forget_secret(value)


AUTH_V4 = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    "SignedHeaders=host;x-amz-date, "
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
)


@pytest.mark.parametrize(
    ("message", "hidden"),
    [
        (f"Authorization: {AUTH_V4}", "5d672d79"),
        ("authorization: AWS AKID:frJIUN8DYpKDtOLCwo//yllqDzg=", "frJIUN8D"),
        (f"headers={{'Authorization': '{AUTH_V4}', 'Host': 'h'}}", "AKIDEXAMPLE/2015"),
        ("headers=[('Authorization', 'AWS id:c2lnbmF0dXJl'), ('Range', 'bytes=0-1')]", "c2ln"),
        ('{"Proxy-Authorization": "Basic dXNlcjpwYXNz"}', "dXNlcjpwYXNz"),
        ("X-Amz-Security-Token: FwoGZXIvYXdzEBYaDH", "FwoGZXIvYXdzEBYaDH"),
        ("X-v3io-session-key: 1c5f8d8a-key", "1c5f8d8a"),
        ("GET /b/k?AWSAccessKeyId=AK&Expires=1&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", "vjby"),
        ("https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=aeeed9bbccd4d0", "aeeed9"),
    ],
)
def test_credentials_in_messages_are_masked(caplog, swlog, message, hidden):
    swlog.debug("request %s", message)
    assert hidden not in caplog.text
    assert "***" in caplog.text


def test_redaction_keeps_the_rest_of_the_message(caplog, swlog):
    swlog.info("%s", "headers=[('Authorization', 'AWS a:b'), ('Range', 'bytes=0-1')] status=200")
    msg = caplog.records[0].getMessage()
    assert msg == "headers=[('Authorization', '***'), ('Range', 'bytes=0-1')] status=200"
    swlog.info("https://h/k?X-Amz-Signature=abc123&partNumber=2")
    assert caplog.records[1].getMessage() == "https://h/k?X-Amz-Signature=***&partNumber=2"


def test_exception_text_and_extra_fields_are_masked(caplog, swlog, secret_value):
    Secret(secret_value)
    try:
        raise RuntimeError(f"signing with {secret_value} failed")
    except RuntimeError:
        swlog.exception("failed", extra={"request_url": f"https://h/?Signature=zzz{secret_value}"})
    assert secret_value not in caplog.text
    record = caplog.records[0]
    assert secret_value not in (record.exc_text or "")
    assert "signing with *** failed" in record.exc_text
    assert secret_value not in record.request_url


def test_short_values_are_not_registered(caplog, swlog):
    log.register_secret("ab")
    swlog.info("table tab abacus")
    assert caplog.records[0].getMessage() == "table tab abacus"


def test_loggers_live_under_storewire():
    assert log.get_logger().name == "storewire"
    assert log.get_logger("ds3").name == "storewire.ds3"
    assert log.get_logger("storewire.http").name == "storewire.http"
    assert any(isinstance(f, log.RedactingFilter) for f in log.get_logger("ds3").filters)


def test_filter_on_a_handler_covers_foreign_loggers(secret_value):
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    handler.addFilter(log.RedactingFilter())
    foreign = logging.getLogger("not.storewire.tests")
    foreign.addHandler(handler)
    foreign.propagate = False
    try:
        Secret(secret_value)
        foreign.error("botocore-style %s", {"Authorization": "AWS x:y", "k": secret_value})
    finally:
        foreign.removeHandler(handler)
    assert records[0].getMessage() == "botocore-style {'Authorization': '***', 'k': '***'}"


def test_readme_documents_every_variable():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for row in describe(ClientConfig):
        for var in row.env:
            assert f"`{var}`" in readme, f"README.md does not document {var}"


def test_every_client_package_exports_a_documented_config(secret_value):
    import ds3
    import s3
    import sector
    import v3io.dataplane

    for package in (ds3, s3, sector, v3io.dataplane):
        cls = package.Config
        assert issubclass(cls, ClientConfig), package
        rows = describe(cls)
        assert all(row.doc for row in rows), package
        secrets_ = [row.name for row in rows if row.secret]
        assert secrets_, package
        cfg = load(cls, env={}, **{name: secret_value for name in secrets_})
        assert secret_value not in repr(cfg), package


def test_resolve_applies_given_arguments_on_a_ready_config():
    from storewire.config import require, resolve

    base = load(ClientConfig, env={"STOREWIRE_ENDPOINT": "http://env:1"})
    cfg = resolve(ClientConfig, base, endpoint=None, max_retries="7")
    assert cfg.endpoint == "http://env:1" and cfg.max_retries == 7
    assert resolve(ClientConfig, None, endpoint="http://a:1").endpoint == "http://a:1"
    with pytest.raises(TypeError, match="config must be a _SystemConfig"):
        resolve(_SystemConfig, base)
    with pytest.raises(TypeError, match="nope"):
        resolve(ClientConfig, base, nope=1)
    with pytest.raises(ValueError, match=r"access_key must be passed .* STOREWIRE_ACCESS_KEY"):
        require(cfg, "endpoint", "access_key")
