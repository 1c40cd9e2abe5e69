"""Addressing and canonical resources without a server (any endpoint signs correctly)."""

from __future__ import annotations

import pytest

import s3
from s3._signing import Addresser, parse_endpoint


def test_parse_endpoint():
    assert parse_endpoint("s3.amazonaws.com", True) == ("https", "s3.amazonaws.com")
    assert parse_endpoint("127.0.0.1:7480", False) == ("http", "127.0.0.1:7480")
    assert parse_endpoint("http://127.0.0.1:7480/", True) == ("http", "127.0.0.1:7480")
    with pytest.raises(ValueError):
        parse_endpoint("ftp://x", True)


def test_path_style_resource_is_the_path_sent():
    t = Addresser("http", "127.0.0.1:7480", "path").target("seed", "k1")
    assert t.url == "http://127.0.0.1:7480/seed/k1"
    # The seed signed "/127.0.0.1/seed/k1" here; we sign the path.
    assert t.resource == "/seed/k1" and t.path == "/seed/k1" and t.host == "127.0.0.1:7480"


def test_virtual_host_resource_keeps_the_bucket():
    t = Addresser("https", "s3.us-west-2.amazonaws.com", "virtual").target(
        "bkt", "a b/c", [("uploads", None)]
    )
    assert t.url == "https://bkt.s3.us-west-2.amazonaws.com/a%20b/c?uploads"
    assert t.path == "/a%20b/c" and t.resource == "/bkt/a%20b/c"


def test_service_and_bucket_targets():
    a = Addresser("http", "h:1", "path")
    assert a.target(None, None).url == "http://h:1/"
    assert a.target("b", None, [("list-type", "2"), ("prefix", "a/b")]).url == (
        "http://h:1/b?list-type=2&prefix=a%2Fb"
    )


def test_s3name_and_connection_basics():
    name = s3.S3Name("key", bucket="b")
    assert (name.key, name.bucket, str(name)) == ("key", "b", "b/key")
    conn = s3.S3Connection("AKID", "shhh-secret", default_bucket="d", endpoint="h:1", tls=False)
    assert conn.resolve("k") == ("d", "k")
    assert conn.resolve(s3.S3Name("/k", bucket="o")) == ("o", "k")
    assert "shhh-secret" not in repr(conn)
    assert conn.client.endpoint == "http://h:1"
    conn.client.close()
