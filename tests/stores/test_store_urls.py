"""Store URLs and scheme lookup: text only, no server."""

from __future__ import annotations

import pytest

from storewire import errors
from storewire.stores import StoreURL, parse_url, store_class


@pytest.mark.parametrize(("url", "expected"), [
    ("ds3://books/a/b.txt", StoreURL("ds3", "books", "a/b.txt")),
    ("s3://books", StoreURL("s3", "books", "")),
    ("s3://books/dir/", StoreURL("s3", "books", "dir")),
    ("S3://books/x%20y", StoreURL("s3", "books", "x y")),
    ("v3io://bigdata/p/q", StoreURL("v3io", "bigdata", "p/q")),
    ("sector:///data/a.bin", StoreURL("sector", "data", "a.bin")),
    ("sector://master:6000/data/a.bin", StoreURL("sector", "data", "a.bin", "master", 6000)),
    ("sector://data/a.bin", StoreURL("sector", "data", "a.bin")),
    ("sector://[::1]:6000/d/k", StoreURL("sector", "d", "k", "::1", 6000)),
    ("ds3://", StoreURL("ds3", "", "")),
])
def test_parse_url(url: str, expected: StoreURL) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize("url", ["books/a", "http://x/y", "gs://b/k", "s3://b/k?x=1",
                                 "sector://host:0/d", "sector://host:99999/d",
                                 "sector://host:abc/d", "sector://:6000/d", ""])
def test_bad_urls_are_typed_errors(url: str) -> None:
    with pytest.raises(errors.InvalidRequestError):
        parse_url(url)


def test_path_and_text() -> None:
    assert parse_url("ds3://b/k/x").path == "b/k/x"
    assert str(parse_url("v3io://c/p")) == "v3io://c/p"
    assert str(parse_url("sector://h:1/d/k")) == "sector://h:1/d/k"
    assert str(parse_url("sector://[::1]:6000/d/k")) == "sector://[::1]:6000/d/k"
    assert str(parse_url("sector:///d/k")) == "sector://d/k"


def test_unknown_scheme() -> None:
    assert store_class("ds3").scheme == "ds3"
    with pytest.raises(errors.InvalidRequestError):
        store_class("ftp")
