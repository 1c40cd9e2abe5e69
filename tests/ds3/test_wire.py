"""Wire details: 307 re-sends, proxies, escaping and signing as seen by a server."""

from __future__ import annotations

import socket
import threading

import ds3
from ds3 import ds3 as seed
from fault_servers import ForwardProxy, ScriptedServer, read_head
from storewire import _native

SERVICE = (b"<ListAllMyBucketsResult><Owner><DisplayName>u</DisplayName><ID>1</ID></Owner>"
           b"<Buckets><Bucket><CreationDate>2026-01-01T00:00:00.000Z</CreationDate>"
           b"<Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>")


class Recorder:
    """Answers 307 to the first ``redirects`` requests, then the service document."""

    def __init__(self, redirects: int) -> None:
        self.redirects = redirects
        self.heads: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, conn: socket.socket, server: ScriptedServer) -> None:
        while not server.stopping.is_set():
            head = read_head(conn)
            if not head:
                return
            with self.lock:
                self.heads.append(head.decode("latin-1"))
                redirect = len(self.heads) <= self.redirects
            if redirect:
                conn.sendall(b"HTTP/1.1 307 Temporary Redirect\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(SERVICE), SERVICE))


def test_307_is_sent_again_identically():
    recorder = Recorder(redirects=2)
    with ScriptedServer(recorder) as server, ds3.Client(server.url, "id", "key") as client:
        buckets = client.get_service()
    assert [b.name for b in buckets] == ["b"]
    assert len(recorder.heads) == 3
    assert len({h.split("\r\n")[0] for h in recorder.heads}) == 1


def test_request_line_escaping_and_signature_headers():
    recorder = Recorder(redirects=0)
    with ScriptedServer(recorder) as server, ds3.Client(server.url, "id", "key") as client:
        client.get_service()  # answered with the service document whatever was asked
        client.delete_folder("my bucket", "a/b c")  # any 2xx will do
    first = recorder.heads[0].split("\r\n")
    assert first[0] == "GET / HTTP/1.1"
    auth = [h for h in first if h.lower().startswith("authorization:")]
    assert auth and auth[0].split(":", 1)[1].strip().startswith("AWS id:")
    assert any(h.lower().startswith("date:") and h.endswith("GMT") for h in first)
    line = recorder.heads[1].split("\r\n")[0]
    assert line == ("DELETE /_rest_/folder/a%2Fb%20c?bucket_id=my%20bucket&recursive "
                    "HTTP/1.1")


def test_seed_client_goes_through_http_proxy(emulator, monkeypatch):
    with ForwardProxy() as proxy:
        for name, value in emulator.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("http_proxy", proxy.url)
        client = seed.createClientFromEnv()
        assert client.proxy == proxy.url
        client.putBucket("proxied")
        assert "proxied" in [b.name for b in client.getService()]
        assert proxy.relayed >= 2


def test_native_module_exposes_the_ds3_area():
    assert _native.ds3.Client is ds3.Client("http://h:1", "a", "b").native.__class__
