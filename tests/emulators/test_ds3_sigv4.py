"""SigV4, presigned URLs, aws-chunked uploads and the request-time window of the DS3
emulator's S3 side, with boto3/botocore and minio-py as the peers that sign (issue 16).

Chunk signatures of the hand-built aws-chunked uploads are computed here with hmac, from
the seed signature botocore's own signer produced, independent of the emulator's code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import http.client
import io
import socket
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from storewire.emulators.ds3 import DS3Emulator, auth_v4

REGION = "us-east-1"
STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
NO_RETRY = {"total_max_attempts": 1}


def _client(emu: DS3Emulator, config: Config | None = None, secret: str | None = None) -> Any:
    return boto3.client(
        "s3", endpoint_url=emu.endpoint, region_name=REGION,
        aws_access_key_id=emu.access_key,
        aws_secret_access_key=emu.secret_key if secret is None else secret,
        config=(config or Config()).merge(Config(retries=NO_RETRY)),
    )


@pytest.fixture
def emu(ds3_emulator: DS3Emulator, clean_proxy_env: None) -> DS3Emulator:
    return ds3_emulator


@pytest.fixture
def s3(emu: DS3Emulator) -> Iterator[Any]:
    """boto3 with its default configuration: SigV4, header-signed, payload signed."""
    client = _client(emu)
    client.create_bucket(Bucket="v4")
    yield client
    client.close()


def _code(err: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = err.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def _sent_headers(client: Any) -> list[dict[str, str]]:
    """What botocore puts on the wire, recorded from its own before-send event."""
    seen: list[dict[str, str]] = []
    client.meta.events.register(
        "before-send.s3.*", lambda request, **_: seen.append(
            {k.lower(): v.decode() if isinstance(v, bytes) else v
             for k, v in request.headers.items()}))
    return seen


# --- header-signed requests ------------------------------------------------------------------


def test_boto3_default_config_signs_v4_and_payload(s3: Any) -> None:
    sent = _sent_headers(s3)
    data = bytes(range(256)) * 40
    s3.put_object(Bucket="v4", Key="dir/a b+c ü.bin", Body=data, Metadata={"k": "v"})
    put = sent[-1]
    assert put["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert put["x-amz-content-sha256"] == hashlib.sha256(data).hexdigest()
    got = s3.get_object(Bucket="v4", Key="dir/a b+c ü.bin", Range="bytes=10-19")
    assert got["Body"].read() == data[10:20]
    assert s3.head_object(Bucket="v4", Key="dir/a b+c ü.bin")["Metadata"] == {"k": "v"}
    listed = s3.list_objects_v2(Bucket="v4", Prefix="dir/a b", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a b+c ü.bin"]
    s3.delete_objects(Bucket="v4", Delete={"Objects": [{"Key": "dir/a b+c ü.bin"}]})
    assert s3.list_objects_v2(Bucket="v4")["KeyCount"] == 0


def test_boto3_unsigned_payload(emu: DS3Emulator) -> None:
    client = _client(emu, Config(s3={"payload_signing_enabled": False}))
    sent = _sent_headers(client)
    client.create_bucket(Bucket="unsigned")
    client.put_object(Bucket="unsigned", Key="k", Body=b"not hashed by the client")
    assert sent[-1]["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert client.get_object(Bucket="unsigned", Key="k")["Body"].read() == \
        b"not hashed by the client"
    client.close()


def test_wrong_secret_and_unknown_key_are_refused(emu: DS3Emulator) -> None:
    wrong = _client(emu, secret="not-the-secret")
    with pytest.raises(ClientError) as err:
        wrong.list_buckets()
    assert _code(err) == (403, "SignatureDoesNotMatch")
    wrong.close()
    unknown = boto3.client("s3", endpoint_url=emu.endpoint, region_name=REGION,
                           aws_access_key_id="nobody", aws_secret_access_key="x",
                           config=Config(retries=NO_RETRY))
    with pytest.raises(ClientError) as err:
        unknown.list_buckets()
    assert _code(err) == (403, "InvalidAccessKeyId")
    unknown.close()


@pytest.mark.parametrize("signature_version", [None, "s3"])
def test_skewed_clock_is_refused_for_v4_and_v2(emu: DS3Emulator, signature_version: str | None
                                               ) -> None:
    client = _client(emu, Config(signature_version=signature_version))
    client.list_buckets()
    assert emu.context is not None
    emu.context.clock.offset_s = 16 * 60  # the emulator runs 16 minutes ahead
    with pytest.raises(ClientError) as err:
        client.list_buckets()
    assert _code(err) == (403, "RequestTimeTooSkewed")
    emu.context.clock.offset_s = -14 * 60  # within the window
    client.list_buckets()
    client.close()


def _signed(emu: DS3Emulator, method: str, path: str, headers: dict[str, str],
            body: bytes = b"") -> AWSRequest:
    """A request signed by botocore's SigV4 signer over exactly these headers (an
    x-amz-content-sha256 given here is what the signature declares)."""
    request = AWSRequest(method=method, url=emu.endpoint + path, data=body,
                         headers=headers)
    SigV4Auth(Credentials(emu.access_key, emu.secret_key), "s3", REGION).add_auth(request)
    return request


def _send(emu: DS3Emulator, request: AWSRequest, body: bytes) -> tuple[int, bytes, str]:
    url = urllib.parse.urlsplit(emu.endpoint)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        path = urllib.parse.urlsplit(request.url)
        target = path.path + (f"?{path.query}" if path.query else "")
        conn.request(request.method or "GET", target, body=body,
                     headers=dict(request.headers.items()))
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheader("Content-Type") or ""
    finally:
        conn.close()


def _error_code(body: bytes) -> str:
    return ET.fromstring(body).findtext("Code") or ""


def test_declared_payload_hash_must_match_and_nothing_is_stored(s3: Any, emu: DS3Emulator
                                                                ) -> None:
    data = b"the real body" * 1000
    lie = hashlib.sha256(b"another body").hexdigest()
    request = _signed(emu, "PUT", "/v4/hashed", {"X-Amz-Content-SHA256": lie}, data)
    status, body, ctype = _send(emu, request, data)
    assert (status, _error_code(body), ctype) == (400, "XAmzContentSHA256Mismatch",
                                                  "application/xml")
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="v4", Key="hashed")
    assert _code(err)[0] == 404
    truth = hashlib.sha256(data).hexdigest()
    request = _signed(emu, "PUT", "/v4/hashed", {"X-Amz-Content-SHA256": truth}, data)
    assert _send(emu, request, data)[0] == 200
    assert s3.get_object(Bucket="v4", Key="hashed")["Body"].read() == data


# --- aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) ------------------------------------------


def _aws_chunked(emu: DS3Emulator, path: str, data: bytes, chunk_bytes: int,
                 length_change: int = 0) -> tuple[AWSRequest, bytes]:
    """A correctly signed aws-chunked upload of ``data``: botocore signs the head with the
    streaming payload marker; each chunk's signature chains from the one before.
    ``length_change``: added to the signed Content-Length (for a body mangled later)."""
    pieces = [data[i:i + chunk_bytes] for i in range(0, len(data), chunk_bytes)] + [b""]
    header_sizes = sum(len(f"{len(p):x};chunk-signature=") + 64 + 4 + len(p) for p in pieces)
    request = _signed(emu, "PUT", path, {
        "X-Amz-Content-SHA256": STREAMING, "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "Content-Length": str(header_sizes + length_change),
    })
    authorization = request.headers["Authorization"]
    previous = authorization.rsplit("Signature=", 1)[1]
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/", 1)[1]
    amz_date = request.headers["X-Amz-Date"]
    key = ("AWS4" + emu.secret_key).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    body = b""
    for piece in pieces:
        text = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256,
                          hashlib.sha256(piece).hexdigest()])
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        body += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece + b"\r\n"
    assert len(body) == header_sizes
    return request, body


def test_aws_chunked_upload_is_decoded(s3: Any, emu: DS3Emulator) -> None:
    data = bytes(range(256)) * 300  # 76,800 bytes: 9 chunks of 8 KiB, a short one, the end
    request, body = _aws_chunked(emu, "/v4/chunked.bin", data, 8192)
    status, answer, _ = _send(emu, request, body)
    assert status == 200, answer
    got = s3.get_object(Bucket="v4", Key="chunked.bin")
    assert got["Body"].read() == data
    assert "ContentEncoding" not in got  # aws-chunked is how it travelled, not what it is
    empty, empty_body = _aws_chunked(emu, "/v4/empty", b"", 8192)
    assert _send(emu, empty, empty_body)[0] == 200
    assert s3.head_object(Bucket="v4", Key="empty")["ContentLength"] == 0


def test_upload_part_aws_chunked_and_refused_hash(s3: Any, emu: DS3Emulator) -> None:
    upload = s3.create_multipart_upload(Bucket="v4", Key="parts")["UploadId"]
    part = bytes(range(256)) * 20480  # 5 MiB: a part that may be followed by another
    request, body = _aws_chunked(emu, f"/v4/parts?partNumber=1&uploadId={upload}", part, 65536)
    status, answer, _ = _send(emu, request, body)
    assert status == 200, answer
    lie = hashlib.sha256(b"not this").hexdigest()
    bad = _signed(emu, "PUT", f"/v4/parts?partNumber=2&uploadId={upload}",
                  {"X-Amz-Content-SHA256": lie}, b"tail")
    status, answer, _ = _send(emu, bad, b"tail")
    assert (status, _error_code(answer)) == (400, "XAmzContentSHA256Mismatch")
    listed = s3.list_parts(Bucket="v4", Key="parts", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, len(part))]
    s3.upload_part(Bucket="v4", Key="parts", UploadId=upload, PartNumber=2, Body=b"tail")
    etags = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
             for p in s3.list_parts(Bucket="v4", Key="parts", UploadId=upload)["Parts"]]
    s3.complete_multipart_upload(Bucket="v4", Key="parts", UploadId=upload,
                                 MultipartUpload={"Parts": etags})
    assert s3.get_object(Bucket="v4", Key="parts")["Body"].read() == part + b"tail"


@pytest.mark.parametrize("where", ["first-chunk-data", "later-chunk-data", "final-signature"])
def test_tampered_aws_chunk_is_refused_and_nothing_stored(s3: Any, emu: DS3Emulator,
                                                          where: str) -> None:
    data = b"0123456789abcdef" * 2048  # 32 KiB: 4 chunks of 8 KiB and the end
    request, body = _aws_chunked(emu, "/v4/tampered", data, 8192)
    flipped = bytearray(body)
    if where == "final-signature":
        at = body.rindex(b"chunk-signature=") + len(b"chunk-signature=")
        flipped[at] = ord("0") if body[at] != ord("0") else ord("1")
    else:
        at = body.index(b"\r\n", 0 if where == "first-chunk-data" else 3 * 8300) + 100
        flipped[at] ^= 0x01
    status, answer, ctype = _send(emu, request, bytes(flipped))
    assert (status, _error_code(answer), ctype) == (403, "SignatureDoesNotMatch",
                                                    "application/xml")
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="v4", Key="tampered")
    assert _code(err)[0] == 404


# AWS's documented SigV4 examples (S3 API reference: sigv4-header-based-auth, sigv4-streaming).
AWS_EXAMPLE_USER = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
AWS_EXAMPLE_TIME = 1369353600.0  # 20130524T000000Z


def test_aws_documented_streaming_example_is_accepted_byte_for_byte(clean_proxy_env: None
                                                                     ) -> None:
    """The documented aws-chunked PUT (66,560 bytes of 'a' in a 64 KiB and a 1 KiB chunk),
    sent as published to an emulator whose clock reads 2013-05-24."""
    with DS3Emulator(users=[AWS_EXAMPLE_USER]) as emu:
        client = _client(emu)
        client.create_bucket(Bucket="examplebucket")
        assert emu.context is not None
        emu.context.clock.offset_s = AWS_EXAMPLE_TIME - time.time()
        body = (
            b"10000;chunk-signature="
            b"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
            + b"a" * 65536 + b"\r\n"
            b"400;chunk-signature="
            b"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
            + b"a" * 1024 + b"\r\n"
            b"0;chunk-signature="
            b"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
        assert len(body) == 66824
        head = (
            "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n"
            "Host: s3.amazonaws.com\r\n"
            "x-amz-date: 20130524T000000Z\r\n"
            "x-amz-storage-class: REDUCED_REDUNDANCY\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1"
            "/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;"
            "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
            "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\r\n"
            "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n"
            "Content-Encoding: aws-chunked\r\n"
            "x-amz-decoded-content-length: 66560\r\n"
            "Content-Length: 66824\r\n\r\n")
        status, answer = _raw_exchange(emu, head.encode(), body)
        assert status == 200, answer
        # The same bytes with the last 'a' of the 1 KiB chunk changed: that chunk fails.
        at = body.index(b"\r\n0;chunk-signature") - 1
        status, answer = _raw_exchange(emu, head.encode(), body[:at] + b"b" + body[at + 1:])
        assert (status, _error_code(answer)) == (403, "SignatureDoesNotMatch")
        emu.context.clock.offset_s = 0.0
        got = client.get_object(Bucket="examplebucket", Key="chunkObject.txt")["Body"].read()
        assert got == b"a" * 66560
        client.close()


def test_aws_documented_get_object_example_verifies() -> None:
    """The documented header-signed GET (a range of /test.txt), through the verifier."""
    claim = auth_v4.parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    claim = dataclasses.replace(claim, amz_date="20130524T000000Z")
    headers = [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
               ("x-amz-content-sha256", EMPTY_SHA256), ("x-amz-date", "20130524T000000Z")]
    secret = AWS_EXAMPLE_USER[1]
    assert auth_v4.verify(secret, claim, "GET", "/test.txt", "", headers, EMPTY_SHA256)
    other_host = [*headers[1:], ("Host", "otherbucket.s3.amazonaws.com")]
    assert not auth_v4.verify(secret, claim, "GET", "/test.txt", "", other_host, EMPTY_SHA256)
    assert not auth_v4.verify(secret + "x", claim, "GET", "/test.txt", "", headers,
                              EMPTY_SHA256)


def _raw_exchange(emu: DS3Emulator, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """One request over a plain socket; the status and body of the answer."""
    url = urllib.parse.urlsplit(emu.endpoint)
    with socket.create_connection((url.hostname or "", url.port or 0), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("mangle", ["huge-size-line", "no-final-chunk", "size-past-decoded",
                                    "garbage-header", "data-after-final-chunk"])
def test_malformed_aws_chunked_is_a_clean_400(s3: Any, emu: DS3Emulator, mangle: str) -> None:
    data = b"x" * 20000
    final = len(b"0;chunk-signature=\r\n\r\n") + 64
    change = {"huge-size-line": 70000, "no-final-chunk": -final, "size-past-decoded": 4,
              "garbage-header": 13, "data-after-final-chunk": 9}[mangle]
    request, body = _aws_chunked(emu, "/v4/bad", data, 8192, change)
    if mangle == "huge-size-line":
        body = b"2000" + b"0" * 70000 + body[4:]
    elif mangle == "no-final-chunk":
        body = body[:-final]
    elif mangle == "size-past-decoded":
        body = b"ffffffff" + body[4:]
    elif mangle == "garbage-header":
        body = b"\x00\xff nonsense\r\n" + body
    else:
        body += b"x-amz: 1\n"
    headers = dict(request.headers.items())
    assert headers["Content-Length"] == str(len(body))
    headers["Host"] = urllib.parse.urlsplit(emu.endpoint).netloc  # signed by botocore
    head = "PUT /v4/bad HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    status, answer = _raw_exchange(emu, head.encode() + b"\r\n", body)
    assert status == 400, answer
    assert _error_code(answer) in ("InvalidRequest", "IncompleteBody")
    with pytest.raises(ClientError):
        s3.head_object(Bucket="v4", Key="bad")


@pytest.mark.parametrize("authorization", [
    "AWS4-HMAC-SHA256 " + "Credential=x," * 5000,
    "AWS4-HMAC-SHA256 Credential=a/b",
    "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, "
    "Signature=zz",
    "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, "
    "Signature=" + "0" * 64,
    "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, SignedHeaders="
    + ";".join(["h"] * 500) + ", Signature=" + "0" * 64,
])
def test_hostile_authorization_header_is_a_clean_4xx(emu: DS3Emulator, authorization: str
                                                     ) -> None:
    head = (f"GET / HTTP/1.1\r\nHost: x\r\nx-amz-date: 20260101T000000Z\r\n"
            f"x-amz-content-sha256: {EMPTY_SHA256}\r\nAuthorization: {authorization}\r\n\r\n")
    status, answer = _raw_exchange(emu, head.encode())
    assert status in (400, 403), answer
    assert _error_code(answer) in ("AuthorizationHeaderMalformed", "InvalidAccessKeyId")


# --- presigned URLs ---------------------------------------------------------------------------


def _fetch(url: str, method: str = "GET", body: bytes | None = None
           ) -> tuple[int, bytes, str]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request(method, f"{parts.path}?{parts.query}", body=body)
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheader("Content-Type") or ""
    finally:
        conn.close()


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_presigned_put_and_get(s3: Any, emu: DS3Emulator, signature_version: str) -> None:
    signer = _client(emu, Config(signature_version=signature_version))
    put_url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": "v4", "Key": "shared/a b.txt"}, ExpiresIn=300)
    get_url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": "v4", "Key": "shared/a b.txt"}, ExpiresIn=300)
    marker = "X-Amz-Signature=" if signature_version == "s3v4" else "AWSAccessKeyId="
    assert marker in put_url and marker in get_url
    assert _fetch(put_url, "PUT", b"shared bytes")[0] == 200
    assert _fetch(get_url)[:2] == (200, b"shared bytes")
    tampered = get_url.replace("shared/a%20b.txt", "shared/other.txt")
    status, body, ctype = _fetch(tampered)
    assert (status, _error_code(body), ctype) == (403, "SignatureDoesNotMatch",
                                                  "application/xml")
    signer.close()


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_expired_presigned_url_is_refused(s3: Any, emu: DS3Emulator, signature_version: str
                                          ) -> None:
    s3.put_object(Bucket="v4", Key="soon-gone", Body=b"x")
    signer = _client(emu, Config(signature_version=signature_version))
    url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": "v4", "Key": "soon-gone"}, ExpiresIn=60)
    signer.close()
    assert _fetch(url)[0] == 200
    assert emu.context is not None
    emu.context.clock.offset_s = 61  # a minute later for the emulator
    status, body, _ = _fetch(url)
    assert status == 403
    root = ET.fromstring(body)
    assert root.findtext("Code") == "AccessDenied"
    assert root.findtext("Message") == "Request has expired"


def test_presigned_v4_beyond_seven_days_is_refused(s3: Any, emu: DS3Emulator) -> None:
    s3.put_object(Bucket="v4", Key="k", Body=b"x")
    signer = _client(emu, Config(signature_version="s3v4"))
    ok = signer.generate_presigned_url("get_object", Params={"Bucket": "v4", "Key": "k"},
                                       ExpiresIn=7 * 24 * 3600)
    too_long = signer.generate_presigned_url("get_object", Params={"Bucket": "v4", "Key": "k"},
                                             ExpiresIn=7 * 24 * 3600 + 1)
    signer.close()
    assert _fetch(ok)[0] == 200
    status, body, _ = _fetch(too_long)
    assert (status, _error_code(body)) == (400, "AuthorizationQueryParametersError")


# --- minio-py ---------------------------------------------------------------------------------


def test_minio_put_get_stat_remove_and_error_codes(emu: DS3Emulator) -> None:
    from minio import Minio
    from minio.error import S3Error

    client = Minio(emu.endpoint.removeprefix("http://"), access_key=emu.access_key,
                   secret_key=emu.secret_key, secure=False, region=REGION)
    client.make_bucket("mini")
    assert client.bucket_exists("mini")
    data = bytes(range(256)) * 64
    client.put_object("mini", "dir/obj.bin", io.BytesIO(data), len(data),
                      metadata={"x-amz-meta-color": "blue"})
    stat = client.stat_object("mini", "dir/obj.bin")
    assert stat.size == len(data)
    assert stat.metadata is not None and stat.metadata.get("x-amz-meta-color") == "blue"
    resp = client.get_object("mini", "dir/obj.bin", offset=100, length=50)
    try:
        assert resp.read() == data[100:150]
    finally:
        resp.close()
        resp.release_conn()
    assert [o.object_name for o in client.list_objects("mini", recursive=True)] == \
        ["dir/obj.bin"]
    url = client.presigned_get_object("mini", "dir/obj.bin")
    assert "X-Amz-Signature=" in url and _fetch(url)[:2] == (200, data)
    with pytest.raises(S3Error) as err:
        client.get_object("mini", "missing")
    assert err.value.code == "NoSuchKey"  # read from the application/xml error document
    client.remove_object("mini", "dir/obj.bin")
    with pytest.raises(S3Error) as err:
        client.stat_object("mini", "dir/obj.bin")
    assert err.value.code in ("NoSuchKey", "ResourceNotFound")
    wrong = Minio(emu.endpoint.removeprefix("http://"), access_key=emu.access_key,
                  secret_key="wrong", secure=False, region=REGION)
    with pytest.raises(S3Error) as err:
        wrong.list_buckets()
    assert err.value.code == "SignatureDoesNotMatch"


# --- obstore (object_store's Rust signer) -----------------------------------------------------


@pytest.mark.parametrize("unsigned_payload", [False, True])
def test_obstore_put_get_head_list(s3: Any, emu: DS3Emulator, unsigned_payload: bool) -> None:
    import obstore
    from obstore.store import S3Store

    store = S3Store("v4", endpoint=emu.endpoint, access_key_id=emu.access_key,
                    secret_access_key=emu.secret_key, region=REGION, allow_http=True,
                    unsigned_payload=unsigned_payload, virtual_hosted_style_request=False)
    data = b"from object_store " * 500
    obstore.put(store, "ob/a b.bin", data)
    assert bytes(obstore.get(store, "ob/a b.bin").bytes()) == data
    assert obstore.head(store, "ob/a b.bin")["size"] == len(data)
    assert [o["path"] for o in obstore.list(store, prefix="ob").collect()] == ["ob/a b.bin"]
    with pytest.raises(FileNotFoundError):
        obstore.get(store, "ob/missing")
