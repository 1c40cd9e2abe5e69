"""Failure cases with nothing lost: bad credentials, a dead endpoint, missing keys, an
interrupted multipart upload, a corrupted download."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import s3
from storewire import errors
from storewire.testing import pattern_bytes, write_pattern_file


def _connection(s3server, bucket: str, **kw: object) -> s3.S3Connection:
    args: dict[str, object] = {
        "access_key_id": s3server.access_key,
        "secret_access_key": s3server.secret_key,
        "default_bucket": bucket,
        "endpoint": s3server.host,
        "tls": False,
    }
    args.update(kw)
    return s3.S3Connection(**args)  # type: ignore[arg-type]


def test_wrong_secret_write_returns_false_and_logs(s3server, bucket, tmp_path, caplog_error):
    local = tmp_path / "f"
    write_pattern_file(local, 5000, seed=1)
    secret = "definitely-the-wrong-secret"
    store = s3.RemoteStore(_connection(s3server, bucket, secret_access_key=secret))
    assert store.write(str(local), "k") is False
    text = caplog_error.text
    assert "unable to PUT" in text
    assert "SignatureDoesNotMatch" in text
    assert secret not in text
    # Nothing was stored.
    assert s3.RemoteStore(_connection(s3server, bucket)).exists("k") == (False, {})


def test_wrong_secret_exists_raises_remote_store_error(s3server, bucket):
    store = s3.RemoteStore(_connection(s3server, bucket, secret_access_key="wrong-secret-here"))
    with pytest.raises(s3.RemoteStoreError) as info:
        store.exists("k")
    assert info.value.status == 403
    assert str(info.value).startswith("exists: ")


def test_wrong_secret_other_methods_return_false(s3server, bucket, tmp_path, caplog_error):
    store = s3.RemoteStore(_connection(s3server, bucket, secret_access_key="wrong-secret-here"))
    assert store.read("k", str(tmp_path / "out")) == (False, {})
    assert not (tmp_path / "out").exists()
    assert store.delete("k") is False
    assert store.copy("k", "k2") is False
    assert store.update_metadata("k", {"x-amz-meta-a": "b"}) is False
    assert caplog_error.text.count("unable to") == 4


def _dead_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"127.0.0.1:{port}"


def test_endpoint_down_exists_raises_but_others_return_false(s3server, tmp_path, caplog_error):
    conn = s3.S3Connection(
        "k", "s", default_bucket="b", endpoint=_dead_endpoint(), tls=False, max_retries=0
    )
    store = s3.RemoteStore(conn)
    with pytest.raises(ConnectionError) as info:
        store.exists("x")
    assert isinstance(info.value, errors.TransportError)
    local = tmp_path / "f"
    local.write_bytes(b"data")
    assert store.write(str(local), "x") is False
    assert store.read("x", str(tmp_path / "g")) == (False, {})
    assert "unable to" in caplog_error.text


def test_missing_key_and_bucket(store, s3client, bucket, tmp_path):
    assert store.exists("no-such-key") == (False, {})
    assert store.exists(s3.S3Name("k", bucket="no-such-bucket-here")) == (False, {})
    assert store.read("no-such-key", str(tmp_path / "out")) == (False, {})
    assert not (tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError) as info:
        s3client.get_object(bucket, "no-such-key")
    err = info.value
    assert isinstance(err, errors.NotFoundError)
    assert err.code == "NoSuchKey" and err.status == 404 and err.request_id
    with pytest.raises(errors.NotFoundError) as binfo:
        s3client.list_objects_page("no-such-bucket-here")
    assert binfo.value.code == "NoSuchBucket"


def test_remote_name_rules(s3server):
    conn = s3.S3Connection(s3server.access_key, s3server.secret_key, endpoint=s3server.host,
                           tls=False)
    store = s3.RemoteStore(conn)
    with pytest.raises(ValueError):
        store.exists("key-without-any-bucket")
    with pytest.raises(Exception, match="invalid remote_name"):
        store.exists(42)


def test_secrets_never_in_reprs(s3server, bucket):
    secret = "a-very-secret-secret-key"
    conn = _connection(s3server, bucket, secret_access_key=secret)
    store = s3.RemoteStore(conn)
    for thing in (conn, store, conn.client, conn.secret_access_key):
        assert secret not in repr(thing)
        assert secret not in str(thing)


def test_interrupted_multipart_upload_is_aborted(client_factory, bucket, tmp_path):
    local = tmp_path / "big"
    write_pattern_file(local, 24 * 2**20, seed=7)
    client = client_factory(
        multipart_threshold_bytes=5 * 2**20, part_size_bytes=5 * 2**20, max_concurrency=2
    )
    seen = []

    def interrupt(nbytes: int) -> None:
        seen.append(nbytes)
        raise KeyboardInterrupt  # the user pressing Ctrl-C mid-transfer

    with pytest.raises(KeyboardInterrupt):
        client.upload_file(local, bucket, "big", progress=interrupt)
    assert seen
    assert client.list_multipart_uploads(bucket) == []
    assert not client.object_exists(bucket, "big")


def test_failed_part_aborts_upload(client_factory, bucket, tmp_path):
    """A part the server rejects (its Content-MD5 does not match) aborts the upload."""
    local = tmp_path / "big"
    write_pattern_file(local, 12 * 2**20, seed=8)
    client = client_factory(multipart_threshold_bytes=5 * 2**20, part_size_bytes=5 * 2**20)
    original = s3.Client.part_request

    def bad_md5(self, *args, **kwargs):
        kwargs["content_md5"] = "AAAAAAAAAAAAAAAAAAAAAA=="
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(s3.Client, "part_request", bad_md5)
        with pytest.raises(errors.StorageError):
            client.upload_file(local, bucket, "big")
    assert client.list_multipart_uploads(bucket) == []
    assert not client.object_exists(bucket, "big")


# ---- corrupted downloads: a scripted server that sends the wrong bytes ---------------------


class _CorruptingHandler(BaseHTTPRequestHandler):
    objects: dict[str, tuple[bytes, str]] = {}  # path -> (served bytes, ETag)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _lookup(self) -> tuple[bytes, str] | None:
        return self.objects.get(self.path.split("?")[0])

    def do_HEAD(self) -> None:
        obj = self._lookup()
        if obj is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(obj[0])))
        self.send_header("ETag", f'"{obj[1]}"')
        self.end_headers()

    def do_GET(self) -> None:
        obj = self._lookup()
        assert obj is not None
        data, etag = obj
        rng = self.headers.get("Range")
        if rng:
            first, last = (int(x) for x in rng.split("=")[1].split("-"))
            part = data[first : last + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
        else:
            part = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(part)))
        self.send_header("ETag", f'"{etag}"')
        self.end_headers()
        self.wfile.write(part)


@pytest.fixture
def corrupting_server() -> Iterator[str]:
    mib = 2**20
    single = pattern_bytes(100_000, seed=11)
    multi = pattern_bytes(40 * mib, seed=12)
    parts = [multi[i : i + 16 * mib] for i in range(0, len(multi), 16 * mib)]
    multi_etag = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"

    def flip(data: bytes, at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]

    _CorruptingHandler.objects = {
        "/b/single": (flip(single, 500), hashlib.md5(single).hexdigest()),
        "/b/multi": (flip(multi, 20 * mib + 3), multi_etag),
        "/b/multi-ok": (multi, multi_etag),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CorruptingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_corrupted_download_is_detected(corrupting_server: str, tmp_path: Path, caplog_error):
    client = s3.Client(corrupting_server, access_key="k", secret_key="secret", tls=False)
    for key in ("single", "multi"):
        target = tmp_path / key
        with pytest.raises(errors.IntegrityError):
            client.download_file("b", key, target)
        assert not target.exists()
        assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    with pytest.raises(errors.IntegrityError):
        client.get_object("b", "single")
    # The intact multipart object passes the same check.
    head = client.download_file("b", "multi-ok", tmp_path / "ok")
    assert head.size == 40 * 2**20
    assert (tmp_path / "ok").read_bytes() == pattern_bytes(40 * 2**20, seed=12)
    # The seed API reports it as a failed read.
    conn = s3.S3Connection("k", "secret", default_bucket="b", endpoint=corrupting_server, tls=False)
    assert s3.RemoteStore(conn).read("single", str(tmp_path / "r")) == (False, {})
    assert "IntegrityError" in caplog_error.text or "does not match" in caplog_error.text
    client.close()


# ---- multipart uploads: each part's MD5 computed once, on a hashing thread ---------------


@pytest.mark.parametrize("mode", ["content-md5", "etag"])
def test_multipart_part_checks_round_trip(client_factory, bucket, tmp_path, mode):
    """Both ways of checking parts upload intact data and record part MD5s."""
    from s3 import _transfer

    local = tmp_path / "big"
    write_pattern_file(local, 11 * 2**20 + 17, seed=21)
    client = client_factory(
        multipart_threshold_bytes=5 * 2**20, part_size_bytes=5 * 2**20, max_concurrency=2
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_transfer, "_PART_CHECK", mode)
        etag = client.upload_file(local, bucket, "big")
    data = local.read_bytes()
    parts = [data[i : i + 5 * 2**20] for i in range(0, len(data), 5 * 2**20)]
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert etag == hashlib.md5(md5s).hexdigest() + "-3"
    assert client.get_object(bucket, "big") == data


@pytest.mark.parametrize("mode", ["content-md5", "etag"])
def test_multipart_md5_mismatch_aborts_upload(client_factory, bucket, tmp_path, mode):
    """A part whose bytes do not hash to what the client computed (here: the client's
    hash of part 2 is made wrong) fails the upload as an integrity error (etag mode) or
    a server rejection (content-md5 mode); the upload is aborted, nothing is stored."""
    from s3 import _transfer

    local = tmp_path / "big"
    write_pattern_file(local, 12 * 2**20, seed=22)
    client = client_factory(multipart_threshold_bytes=5 * 2**20, part_size_bytes=5 * 2**20)
    real_hash = _transfer.auth.hash_file

    def wrong_second_part(path, algorithm, offset=0, length=None):
        digest = real_hash(path, algorithm, offset, length)
        return bytes(16) if offset == 5 * 2**20 else digest

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_transfer, "_PART_CHECK", mode)
        mp.setattr(_transfer.auth, "hash_file", wrong_second_part)
        expected = errors.IntegrityError if mode == "etag" else errors.StorageError
        with pytest.raises(expected):
            client.upload_file(local, bucket, "big")
    assert client.list_multipart_uploads(bucket) == []
    assert not client.object_exists(bucket, "big")


def test_put_object_hashes_once(s3client, bucket):
    """put_object sends Content-MD5 and checks the ETag from a single MD5 pass."""
    import s3.client as client_module

    calls = []
    real_digest = client_module.auth.digest

    def counting(algorithm, data):
        calls.append(algorithm)
        return real_digest(algorithm, data)

    def second_pass(*_):
        pytest.fail("the body was hashed twice")

    data = pattern_bytes(4096, seed=23)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(client_module.auth, "digest", counting)
        mp.setattr(client_module.auth, "md5_base64", second_pass)
        mp.setattr(client_module.auth, "md5_hex", second_pass)
        etag = s3client.put_object(bucket, "small", data)
    assert calls == ["md5"]
    assert etag == hashlib.md5(data).hexdigest()
