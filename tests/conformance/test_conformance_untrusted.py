"""The verbs walk directory listings; a server that names a directory outside the one
listed (or the same one again) would make the walk endless: it is a ProtocolError.

The server is a real one on 127.0.0.1 port 0, answering every listing with one scripted
document."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import v3io
from storewire import errors


def _listing(prefixes: list[str]) -> bytes:
    entries = "".join(f"<CommonPrefixes><Prefix>{p}</Prefix></CommonPrefixes>"
                      for p in prefixes)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>bigdata</Name>"
            f"<IsTruncated>false</IsTruncated>{entries}</ListBucketResult>").encode()


@pytest.fixture
def listing_server() -> Iterator[tuple[str, list[bytes]]]:
    """``(url, answer)``: every GET is answered with ``answer[0]``."""
    answer = [b""]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answer[0]
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("prefixes", [["a/"], ["/"], [""]],
                         ids=["itself-again", "root", "empty"])
def test_v3io_ls_refuses_a_listing_that_never_ends(
        listing_server: tuple[str, list[bytes]], prefixes: list[str]) -> None:
    url, answer = listing_server
    answer[0] = _listing(prefixes)  # listing "a/" names a directory not below it
    with v3io.ObjectClient(endpoint=url, access_key="k", use_env_proxy=False,
                           max_retries=0) as objects:
        with pytest.raises(errors.ProtocolError, match="named the directory"):
            objects.ls("bigdata", "a/")
