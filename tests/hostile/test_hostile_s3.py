"""Hostile S3 servers: every answer ends in a correct result or a typed storewire error.

The scripted server runs here; the client call runs in a child (hostile_s3_cases). The
cases cover malformed and incomplete replies (writes without an ETag, HEADs without a
length, XML that is empty, cut, not UTF-8, the wrong document or has absurd fields),
ambiguous retries (a lost answer, then "already exists" / NoSuchUpload / 404), listings
that repeat their markers, downloads that fail or are interrupted half way, caller input
that cannot be sent, and servers that echo credentials into their error text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hostile_harness import Outcome, expect_ok, expect_typed, run_case
from hostile_http import Answer, Close, HostileHTTPServer, Request, Reset, Stall, response
from hostile_s3_cases import OLD_CONTENT, SECRET_KEY, SESSION_TOKEN, payload

CASES = "hostile_s3_cases"
MIB = 1024 * 1024


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def xml200(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    return response(status, data, {"Content-Type": "application/xml", **(headers or {})})


def err(status: int, code: str, message: str = "refused") -> bytes:
    doc = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>r1</RequestId></Error>"
    return xml200(doc, status)


def head(size: int, etag: str | None, extra: dict[str, str] | None = None) -> bytes:
    headers = {"Content-Length": str(size), **(extra or {})}
    if etag is not None:
        headers["ETag"] = f'"{etag}"'
    return response(200, b"", headers)


@contextmanager
def serve(respond: Callable[[Request], Answer]) -> Iterator[HostileHTTPServer]:
    with HostileHTTPServer(respond) as server:
        yield server  # type: ignore[misc]


def run(respond: Callable[[Request], Answer], func: str, *args: Any) -> tuple[Outcome, Any]:
    with serve(respond) as server:
        outcome = run_case(f"{CASES}:{func}", server.url, *args)
        return outcome, server


def methods(server: HostileHTTPServer) -> list[str]:
    return [r.method for r in server.requests]


# ---- 1. a write's reply must say it stored the data -------------------------------------

DATA10 = payload(10)
GOOD_ETAG = f'"{md5(DATA10)}"'


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "ProtocolError"),
        ({"ETag": '""'}, "ProtocolError"),
        ({"ETag": "   "}, "ProtocolError"),
        ({"ETag": '"a b"'}, "ProtocolError"),
        ({"ETag": '"' + "e" * 2000 + '"'}, "ProtocolError"),
        ({"ETag": '"' + md5(b"other") + '"'}, "IntegrityError"),
        ({"Content-Type": "text/html"}, "ProtocolError"),
    ],
    ids=["no-etag", "empty-etag", "blank-etag", "etag-space", "etag-2000", "etag-wrong-md5",
         "html-no-etag"],
)
def test_put_object_reply_without_a_valid_etag(headers: dict[str, str], expected: str):
    body = b"<html>ok</html>" if headers.get("Content-Type") == "text/html" else b""
    outcome, _ = run(lambda r: response(200, body, headers), "put_object", 10)
    expect_typed(outcome, expected)


@pytest.mark.parametrize("etag", [GOOD_ETAG, '"abc-2"', "W/\"weak\""], ids=["md5", "mpu", "weak"])
def test_put_object_reply_with_an_etag_is_a_success(etag: str):
    outcome, _ = run(lambda r: response(200, b"", {"ETag": etag}), "put_object", 10)
    assert expect_ok(outcome) == etag.strip('"').removeprefix('W/"')


@pytest.mark.parametrize(
    "func", ["put_objects", "put_object_unverified", "upload_small_file"]
)
def test_other_writes_without_etag(func: str, tmp_path: Path):
    args: list[Any] = [10] + ([str(tmp_path)] if func == "upload_small_file" else [])
    outcome, _ = run(lambda r: response(200, b""), func, *args)
    expect_typed(outcome, "ProtocolError")


def test_put_cut_inside_the_header_block_is_not_a_success():
    # The engine sees the status line and nothing else: no ETag, so no success.
    outcome, _ = run(lambda r: Close(b"HTTP/1.1 200 OK\r\nContent-Ty"), "put_object", 10)
    expect_typed(outcome)


# ---- 2. ambiguous retries are resolved ---------------------------------------------------

LOST: dict[str, Callable[[], Answer]] = {
    "closed": lambda: Close(b""),
    "reset": lambda: Reset(b""),
    "503": lambda: err(503, "ServiceUnavailable"),
}


def retried_write(
    data: bytes, lost: str, conflict: bytes, head_answer: bytes | None
) -> Callable[[Request], Answer]:
    """The first write is applied but its answer lost; the retry meets ``conflict``."""

    def respond(req: Request) -> Answer:
        if req.method == "HEAD":
            return head_answer if head_answer is not None else err(404, "NoSuchKey")
        if req.index == 0:
            assert req.body == data
            return LOST[lost]()
        return conflict

    return respond


@pytest.mark.parametrize("lost", sorted(LOST))
@pytest.mark.parametrize(
    "conflict",
    [err(409, "OBJECT_ALREADY_EXISTS"), err(412, "PreconditionFailed"), err(409, "Conflict")],
    ids=["409-exists", "412", "409-conflict"],
)
def test_retried_put_meeting_already_exists_checks_the_stored_object(lost: str, conflict: bytes):
    respond = retried_write(DATA10, lost, conflict, head(10, md5(DATA10)))
    outcome, server = run(respond, "put_object", 10)
    assert expect_ok(outcome) == md5(DATA10)
    assert methods(server)[-1] == "HEAD"


@pytest.mark.parametrize(
    "stored",
    [head(11, md5(DATA10)), head(10, md5(b"x")), None, response(200, b"", {"ETag": GOOD_ETAG},
                                                                content_length=False),
     head(10, "abc-1")],
    ids=["size-differs", "etag-differs", "head-404", "head-no-length", "etag-not-md5"],
)
def test_retried_put_meeting_a_different_object_fails(stored: bytes | None):
    respond = retried_write(DATA10, "closed", err(409, "OBJECT_ALREADY_EXISTS"), stored)
    outcome, _ = run(respond, "put_object", 10)
    expect_typed(outcome, "ConflictError")


@pytest.mark.parametrize("func", ["put_object", "upload_small_file", "put_objects"])
@pytest.mark.parametrize("same", [True, False], ids=["same", "different"])
def test_first_attempt_conflict_checks_the_stored_object(func: str, same: bool, tmp_path: Path):
    # libcurl re-sends on a dead keep-alive connection without the engine counting an
    # attempt, so a conflict is checked even when it looks like a first answer.
    stored = head(10, md5(DATA10) if same else md5(b"other"))

    def respond(req: Request) -> Answer:
        return stored if req.method == "HEAD" else err(409, "OBJECT_ALREADY_EXISTS")

    args: list[Any] = [10] + ([str(tmp_path)] if func == "upload_small_file" else [])
    outcome, server = run(respond, func, *args)
    if same:
        assert expect_ok(outcome) in (md5(DATA10), [md5(DATA10)])
    else:
        expect_typed(outcome, "ConflictError")
    assert methods(server)[-1] == "HEAD"


def test_callers_own_precondition_failing_is_their_answer():
    def respond(req: Request) -> Answer:
        return head(1, md5(b"x")) if req.method == "HEAD" else err(412, "PreconditionFailed")

    outcome, server = run(respond, "put_with_header", "If-None-Match", "*")
    expect_typed(outcome, "PreconditionFailedError")
    assert methods(server) == ["PUT"]


@pytest.mark.parametrize("func", ["upload_small_file", "put_objects"])
@pytest.mark.parametrize("same", [True, False], ids=["same", "different"])
def test_retried_file_and_batch_writes(func: str, same: bool, tmp_path: Path):
    stored = head(10, md5(DATA10) if same else md5(b"zz"))
    respond = retried_write(DATA10, "closed", err(409, "OBJECT_ALREADY_EXISTS"), stored)
    args: list[Any] = [10] + ([str(tmp_path)] if func == "upload_small_file" else [])
    outcome, _ = run(respond, func, *args)
    if same:
        value = expect_ok(outcome)
        assert value == md5(DATA10) or value == [md5(DATA10)]
    else:
        expect_typed(outcome, "ConflictError")


PART_ETAGS = [md5(b"part-1"), md5(b"part-2")]
MPU_ETAG = md5(b"".join(bytes.fromhex(e) for e in PART_ETAGS)) + "-2"


def retried_complete(head_answer: bytes | None, first: str = "closed") -> Callable:
    def respond(req: Request) -> Answer:
        if req.method == "HEAD":
            return head_answer if head_answer is not None else err(404, "NoSuchKey")
        if req.index == 0:
            return LOST[first]()
        return err(404, "NoSuchUpload", "The specified upload does not exist")

    return respond


@pytest.mark.parametrize("first", sorted(LOST))
def test_retried_complete_meeting_no_such_upload_checks_the_object(first: str):
    outcome, server = run(retried_complete(head(123, MPU_ETAG), first), "complete_multipart",
                          PART_ETAGS, 123)
    assert expect_ok(outcome) == MPU_ETAG
    assert methods(server) == ["POST", "POST", "HEAD"]


@pytest.mark.parametrize(
    ("stored", "etags", "size"),
    [
        (head(123, md5(b"x") + "-2"), PART_ETAGS, 123),
        (None, PART_ETAGS, 123),
        (head(124, MPU_ETAG), PART_ETAGS, 123),
        (head(123, MPU_ETAG), ["not-an-md5", PART_ETAGS[1]], 123),
        (head(123, md5(b"single")), PART_ETAGS, None),
    ],
    ids=["etag-differs", "head-404", "size-differs", "parts-not-md5", "single-part-etag"],
)
def test_retried_complete_with_another_object_fails(stored, etags, size):
    outcome, _ = run(retried_complete(stored), "complete_multipart", etags, size)
    expect_typed(outcome, "NotFoundError")


@pytest.mark.parametrize("same", [True, False], ids=["same", "different"])
def test_complete_meeting_completion_in_progress_checks_the_object(same: bool):
    # radosgw answers a repeated completion with 500 "already in progress".
    def respond(req: Request) -> Answer:
        if req.method == "HEAD":
            return head(123, MPU_ETAG if same else md5(b"x") + "-2")
        return err(500, "InternalError", "This multipart completion is already in progress")

    outcome, server = run(respond, "complete_multipart", PART_ETAGS, 123)
    if same:
        assert expect_ok(outcome) == MPU_ETAG
    else:
        expect_typed(outcome, "ServerError")
    assert methods(server)[-1] == "HEAD"


def test_no_such_upload_with_no_object_is_an_error():
    outcome, server = run(lambda r: err(404, "NoSuchUpload"), "complete_multipart",
                          PART_ETAGS, None)
    expect_typed(outcome, "NotFoundError")
    assert methods(server) == ["POST", "HEAD"]


def multipart_server(*, part_etag: bool = True) -> Callable[[Request], Answer]:
    """Initiate, parts (ETag = MD5 of what arrived), a complete whose answer is lost and
    whose retry meets NoSuchUpload, then a HEAD of the object the parts make."""
    parts: dict[int, bytes] = {}
    completes: list[Request] = []

    def respond(req: Request) -> Answer:
        if req.method == "POST" and req.query == "uploads":
            return xml200("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                          "<UploadId>u-1</UploadId></InitiateMultipartUploadResult>")
        if req.method == "PUT":
            number = re.search(r"partNumber=(\d+)", req.query)
            assert number is not None
            parts[int(number.group(1))] = req.body
            return response(200, b"", {"ETag": f'"{md5(req.body)}"'} if part_etag else {})
        if req.method == "POST":
            completes.append(req)
            return Close(b"") if len(completes) == 1 else err(404, "NoSuchUpload")
        if req.method == "HEAD":
            digests = b"".join(hashlib.md5(parts[n]).digest() for n in sorted(parts))
            size = sum(len(p) for p in parts.values())
            return head(size, md5(digests) + f"-{len(parts)}")
        if req.method == "DELETE":
            return response(204)
        return err(400, "Unexpected")

    return respond


@pytest.mark.parametrize("part_etag", [True, False], ids=["retried-complete", "part-no-etag"])
def test_multipart_upload_file(part_etag: bool, tmp_path: Path):
    outcome, server = run(multipart_server(part_etag=part_etag), "upload_multipart_file",
                          6 * MIB, str(tmp_path))
    seen = methods(server)
    if part_etag:
        value = expect_ok(outcome)
        assert value.endswith("-2")
        assert seen[-1] == "HEAD"
    else:
        expect_typed(outcome, "ProtocolError")
        assert seen[-1] == "DELETE"  # the upload was aborted, nothing completed
        assert seen.count("POST") == 1


def lost_then(second: bytes, first: str = "closed") -> Callable[[Request], Answer]:
    return lambda req: LOST[first]() if req.index == 0 else second


def warm_then(answer: bytes) -> Callable[[Request], Answer]:
    """HEAD (the warm-up request) succeeds; everything else gets ``answer``."""
    return lambda req: response(200) if req.method == "HEAD" else answer


@pytest.mark.parametrize(
    ("func", "respond", "warm", "expected"),
    [
        ("delete_object", lost_then(err(404, "NoSuchKey")), False, "deleted"),
        ("delete_object", lost_then(err(404, "NoSuchKey"), "503"), False, "deleted"),
        ("delete_object", lost_then(response(404), "reset"), False, "deleted"),
        ("delete_object", lambda r: err(404, "NoSuchKey"), False, "deleted"),
        ("delete_object", warm_then(err(404, "NoSuchKey")), True, "NotFoundError"),
        ("delete_object", lost_then(err(403, "AccessDenied")), False, "PermissionDeniedError"),
        ("delete_bucket", lost_then(err(404, "NoSuchBucket")), False, "deleted"),
        ("delete_bucket", warm_then(err(404, "NoSuchBucket")), True, "NotFoundError"),
        ("create_bucket", lost_then(err(409, "BucketAlreadyOwnedByYou")), False, "created"),
        ("create_bucket", lost_then(err(409, "BucketAlreadyExists")), False, "ConflictError"),
        ("create_bucket", warm_then(err(409, "BucketAlreadyOwnedByYou")), True,
         "ConflictError"),
    ],
    ids=["del-lost-404", "del-503-404", "del-reset-404-bare", "del-404-new-connection",
         "del-404-kept-alive", "del-lost-403", "delbucket-lost-404", "delbucket-404-kept-alive",
         "mkbucket-lost-owned", "mkbucket-lost-taken", "mkbucket-owned-kept-alive"],
)
def test_retried_deletes_and_creates(func: str, respond: Callable, warm: bool, expected: str):
    # A 404 on a new connection may follow libcurl's unseen re-send of the request (the
    # kept-alive connection it first used died): it counts as done, like a visible retry.
    outcome, server = run(respond, func, warm)
    if expected.endswith("Error"):
        expect_typed(outcome, expected)
    else:
        assert expect_ok(outcome) == expected
    if warm:
        assert server.connections == 1


# ---- 3. XML replies are validated in one place --------------------------------------------

GOOD_DOCS: dict[str, tuple[str, tuple[Any, ...], str]] = {
    "list_v2": ("list_objects", (2,),
                "<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount>"
                "<IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>1</Size>"
                "<ETag>&quot;x&quot;</ETag></Contents></ListBucketResult>"),
    "list_v1": ("list_objects", (1,),
                "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>"
                "<Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>"),
    "buckets": ("list_buckets", (),
                "<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket>"
                "<Name>b</Name><CreationDate>2024-01-01T00:00:00Z</CreationDate></Bucket>"
                "</Buckets></ListAllMyBucketsResult>"),
    "initiate": ("create_multipart", (),
                 "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                 "<UploadId>u-1</UploadId></InitiateMultipartUploadResult>"),
    "complete": ("complete_multipart", (PART_ETAGS, None),
                 f"<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                 f"<ETag>&quot;{MPU_ETAG}&quot;</ETag></CompleteMultipartUploadResult>"),
    "delete": ("delete_objects", (["a", "b"],),
               "<DeleteResult><Deleted><Key>b</Key></Deleted><Error><Key>a</Key>"
               "<Code>AccessDenied</Code></Error></DeleteResult>"),
    "copy": ("copy_object", (),
             "<CopyObjectResult><LastModified>2024-01-01T00:00:00Z</LastModified>"
             "<ETag>&quot;abc&quot;</ETag></CopyObjectResult>"),
    "uploads": ("list_uploads", (),
                "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>"
                "<Upload><Key>k</Key><UploadId>u-1</UploadId></Upload>"
                "</ListMultipartUploadsResult>"),
}
GOOD_VALUES = {
    "list_v2": ["a"], "list_v1": ["a"], "buckets": ["b"], "initiate": "u-1",
    "complete": MPU_ETAG, "delete": [["a", "AccessDenied", ""]], "copy": "abc",
    "uploads": [["k", "u-1"]],
}


def _utf16_with_lone_surrogate(doc: str) -> bytes:
    # Replace the last text node (a field the client reads) with an unpaired surrogate.
    starts = [m.start() for m in re.finditer(r">[^<]+<", doc)]
    cut = starts[-1]
    bad = doc[:cut] + re.sub(r">[^<]+<", ">\udc80<", doc[cut:], count=1)
    return ('<?xml version="1.0" encoding="UTF-16"?>' + bad).encode("utf-16", "surrogatepass")


SHAPES: dict[str, Callable[[str], bytes]] = {
    "empty": lambda doc: b"",
    "blank": lambda doc: b"  \r\n\t ",
    "text": lambda doc: b"all good",
    "html": lambda doc: b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    "cut-half": lambda doc: doc.encode()[: len(doc) // 2],
    "cut-last-byte": lambda doc: doc.encode()[:-1],
    "not-utf8": lambda doc: re.sub(r">([^<]+)<", ">\\1\udcff\udcfe<", doc, count=1).encode(
        "utf-8", "surrogateescape"),
    "two-roots": lambda doc: (doc + doc).encode(),
    "wrong-root": lambda doc: b"<Unexpected><Thing/></Unexpected>",
    "utf16-surrogate": _utf16_with_lone_surrogate,
    "binary": lambda doc: bytes(range(256)) * 4,
    "error-doc": lambda doc: (b"<Error><Code>InternalError</Code><Message>We encountered an "
                              b"internal error</Message></Error>"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("op", sorted(GOOD_DOCS))
def test_xml_reply_shapes(op: str, shape: str):
    func, args, doc = GOOD_DOCS[op]
    body = SHAPES[shape](doc)
    outcome, _ = run(lambda r: xml200(body), func, *args)
    expect_typed(outcome, "ServerError" if shape == "error-doc" else "ProtocolError")


@pytest.mark.parametrize("op", sorted(GOOD_DOCS))
def test_xml_reply_well_formed(op: str):
    func, args, doc = GOOD_DOCS[op]
    outcome, _ = run(lambda r: xml200(doc), func, *args)
    assert expect_ok(outcome) == GOOD_VALUES[op]


def listing(contents: str, extra: str = "<IsTruncated>false</IsTruncated>") -> str:
    return f"<ListBucketResult><Name>b</Name>{extra}{contents}</ListBucketResult>"


def entry(key: str = "a", size: str = "1", more: str = "") -> str:
    return f"<Contents><Key>{key}</Key><Size>{size}</Size>{more}</Contents>"


BAD_LISTINGS: dict[str, tuple[int, str]] = {
    "size-negative": (2, listing(entry(size="-1"))),
    "size-word": (2, listing(entry(size="abc"))),
    "size-exponent": (2, listing(entry(size="1e3"))),
    "size-fraction": (2, listing(entry(size="1.5"))),
    "size-2^64": (2, listing(entry(size=str(2**64)))),
    "size-2^51": (2, listing(entry(size=str(2**51)))),
    "size-empty": (2, listing(entry(size=""))),
    "size-missing": (2, listing("<Contents><Key>a</Key></Contents>")),
    "size-100-digits": (2, listing(entry(size="9" * 100))),
    "key-missing": (2, listing("<Contents><Size>1</Size></Contents>")),
    "key-empty": (2, listing(entry(key=""))),
    "key-5000": (2, listing(entry(key="k" * 5000))),
    "etag-space": (2, listing(entry(more="<ETag>a b</ETag>"))),
    "truncated-maybe": (2, listing(entry(), "<IsTruncated>maybe</IsTruncated>")),
    "truncated-missing": (2, listing(entry(), "")),
    "v2-truncated-no-token": (2, listing(entry(), "<IsTruncated>true</IsTruncated>")),
    "v2-truncated-empty-token": (2, listing(entry(), "<IsTruncated>true</IsTruncated>"
                                                     "<NextContinuationToken></NextContinuationToken>")),
    "v1-truncated-no-marker": (1, listing("", "<IsTruncated>true</IsTruncated>")),
    "keycount-negative": (2, listing(entry(), "<IsTruncated>false</IsTruncated>"
                                              "<KeyCount>-3</KeyCount>")),
    "prefix-missing": (2, listing("<CommonPrefixes></CommonPrefixes>")),
    "latin1-declared": (2, ('<?xml version="1.0" encoding="ISO-8859-1"?>'
                            + listing(entry("caf\xe9")))),
    "utf16-key-with-surrogate": (2, ('<?xml version="1.0" encoding="UTF-16"?>'
                                     + listing(entry("a\udc80b")))),
    "token-huge": (2, listing(entry(), "<IsTruncated>true</IsTruncated><NextContinuationToken>"
                                       + "t" * 70000 + "</NextContinuationToken>")),
}


@pytest.mark.parametrize("case", sorted(BAD_LISTINGS))
def test_listing_fields(case: str):
    version, doc = BAD_LISTINGS[case]
    if "utf16" in case:
        body = doc.encode("utf-16", "surrogatepass")
    else:
        body = doc.encode("latin-1" if "latin1" in case else "utf-8")
    outcome, _ = run(lambda r: xml200(body), "list_objects", version)
    expect_typed(outcome, "ProtocolError")


BAD_DOCS: dict[str, tuple[str, tuple[Any, ...], str]] = {
    "initiate-no-id": ("create_multipart", (),
                       "<InitiateMultipartUploadResult><Key>k</Key></InitiateMultipartUploadResult>"),
    "initiate-empty-id": ("create_multipart", (), "<InitiateMultipartUploadResult><UploadId>"
                          "</UploadId></InitiateMultipartUploadResult>"),
    "initiate-newline-id": ("create_multipart", (), "<InitiateMultipartUploadResult><UploadId>"
                            "a&#10;b</UploadId></InitiateMultipartUploadResult>"),
    "delete-unsent-key": ("delete_objects", (["a"],), "<DeleteResult><Error><Key>zzz</Key>"
                          "<Code>AccessDenied</Code></Error></DeleteResult>"),
    "delete-no-code": ("delete_objects", (["a"],),
                       "<DeleteResult><Error><Key>a</Key></Error></DeleteResult>"),
    "copy-no-etag": ("copy_object", (), "<CopyObjectResult><LastModified>x</LastModified>"
                     "</CopyObjectResult>"),
    "copy-empty-etag": ("copy_object", (), "<CopyObjectResult><ETag></ETag></CopyObjectResult>"),
    "uploads-truncated-no-marker": ("list_uploads", (), "<ListMultipartUploadsResult>"
                                    "<IsTruncated>true</IsTruncated></ListMultipartUploadsResult>"),
    "uploads-no-upload-id": ("list_uploads", (), "<ListMultipartUploadsResult><Upload><Key>k"
                             "</Key></Upload></ListMultipartUploadsResult>"),
    "buckets-no-name": ("list_buckets", (), "<ListAllMyBucketsResult><Buckets><Bucket>"
                        "<CreationDate>x</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"),
    "complete-etag-space": ("complete_multipart", (PART_ETAGS, None),
                            "<CompleteMultipartUploadResult><ETag>a b</ETag>"
                            "</CompleteMultipartUploadResult>"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCS))
def test_document_fields(case: str):
    func, args, doc = BAD_DOCS[case]
    outcome, _ = run(lambda r: xml200(doc), func, *args)
    expect_typed(outcome, "ProtocolError")


def test_delete_errors_for_sent_keys_are_reported():
    doc = "<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code><Message>no</Message>" \
          "</Error></DeleteResult>"
    outcome, _ = run(lambda r: xml200(doc), "delete_objects", ["a", "b"])
    assert expect_ok(outcome) == [["a", "AccessDenied", "no"]]


def test_complete_with_empty_etag_is_accepted_as_radosgw_sends_it():
    doc = "<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>"
    outcome, _ = run(lambda r: xml200(doc), "complete_multipart", PART_ETAGS, None)
    assert expect_ok(outcome) == ""


def test_entity_expansion_is_not_performed():
    doc = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
           '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           "<ListBucketResult><IsTruncated>false</IsTruncated>"
           "<Contents><Key>&b;</Key><Size>1</Size></Contents></ListBucketResult>")
    outcome, _ = run(lambda r: xml200(doc), "list_objects", 2)
    if outcome.kind == "ok":
        assert outcome.value != ["a" * 100]
    else:
        expect_typed(outcome, "ProtocolError")


# ---- 4. listings never loop --------------------------------------------------------------


def pages(make: Callable[[int], str]) -> Callable[[Request], Answer]:
    return lambda req: xml200(make(req.index))


TRUNC = "<IsTruncated>true</IsTruncated>"
LOOPS: dict[str, tuple[str, tuple[Any, ...], Callable[[int], str]]] = {
    "v2-same-token": ("list_objects", (2,), lambda i: listing(
        entry(f"k{i}"), TRUNC + "<NextContinuationToken>T</NextContinuationToken>")),
    "v2-two-tokens": ("list_objects", (2,), lambda i: listing(
        entry(f"k{i}"), TRUNC + f"<NextContinuationToken>T{i % 2}</NextContinuationToken>")),
    "v2-empty-pages": ("list_objects", (2, 5), lambda i: listing(
        "", TRUNC + f"<NextContinuationToken>T{i}</NextContinuationToken>")),
    "v2-prefixes-same-token": ("list_prefixes", (2,), lambda i: listing(
        f"<CommonPrefixes><Prefix>p{i}/</Prefix></CommonPrefixes>",
        TRUNC + "<NextContinuationToken>T</NextContinuationToken>")),
    "v1-same-marker": ("list_objects", (1,), lambda i: listing(
        entry(f"k{i}"), TRUNC + "<NextMarker>m</NextMarker>")),
    "v1-same-last-key": ("list_objects", (1,), lambda i: listing(entry("same"), TRUNC)),
    "v1-marker-cycle": ("list_objects", (1,), lambda i: listing(
        entry(f"k{i}"), TRUNC + f"<NextMarker>{'ab'[i % 2]}</NextMarker>")),
    "v1-empty-pages": ("list_objects", (1, 5), lambda i: listing(
        "", TRUNC + f"<NextMarker>m{i}</NextMarker>")),
    "uploads-same-marker": ("list_uploads", (), lambda i: (
        "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k"
        "</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker>"
        f"<Upload><Key>k{i}</Key><UploadId>u{i}</UploadId></Upload>"
        "</ListMultipartUploadsResult>")),
    "uploads-empty-pages": ("list_uploads", (5,), lambda i: (
        "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
        f"<NextKeyMarker>k{i}</NextKeyMarker></ListMultipartUploadsResult>")),
}


@pytest.mark.parametrize("case", sorted(LOOPS))
def test_listing_that_repeats_itself_stops(case: str):
    func, args, make = LOOPS[case]
    outcome, server = run(pages(make), func, *args)
    expect_typed(outcome, "ProtocolError")
    assert len(server.requests) <= 8


def test_listing_with_a_few_empty_pages_completes():
    def make(i: int) -> str:
        if i < 3:
            return listing("", TRUNC + f"<NextContinuationToken>T{i}</NextContinuationToken>")
        return listing(entry("last"))

    outcome, _ = run(pages(make), "list_objects", 2, 5)
    assert expect_ok(outcome) == ["last"]


@pytest.mark.parametrize("version", [1, 2])
def test_listing_over_pages_completes(version: int):
    def make(i: int) -> str:
        more = TRUNC + (f"<NextContinuationToken>T{i}</NextContinuationToken>"
                        if version == 2 else "")
        return listing(entry(f"k{i}"), more if i < 2 else "<IsTruncated>false</IsTruncated>")

    outcome, server = run(pages(make), "list_objects", version)
    assert expect_ok(outcome) == ["k0", "k1", "k2"]
    if version == 1:
        assert "marker=k1" in server.requests[2].query


# ---- 5. HEAD and GET replies -----------------------------------------------------------------

OBJ = payload(100)


@pytest.mark.parametrize(
    "answer",
    [
        response(200, b"", {"ETag": '"x"'}, content_length=False),
        Close(b"HTTP/1.1 200 OK\r\nContent-Ty"),
        response(200, b"", {"Content-Length": "abc"}),
        response(200, b"", {"Content-Length": str(2**51)}),
        response(200, b"", {"Content-Length": "10", "Content-Range": "bytes 5-1/10"}),
        response(200, b"", {"Content-Length": "10", "Content-Range": "bytes */10"}),
        response(200, b"", {"Content-Length": "10", "ETag": '"' + "e" * 2000 + '"'}),
    ],
    ids=["no-length", "cut-in-headers", "length-word", "length-2^51", "range-backwards",
         "range-star", "etag-2000"],
)
def test_head_without_a_usable_size(answer: Answer):
    outcome, _ = run(lambda r: answer, "head_object")
    expect_typed(outcome, "ProtocolError")


def ranged(req: Request) -> tuple[int, int] | None:
    m = re.fullmatch(r"bytes=(\d+)-(\d+)", req.headers.get("range", ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (response(200, OBJ, {"ETag": f'"{md5(OBJ)}"'}), OBJ[10:20].hex()),
        (response(206, OBJ[10:20], {"Content-Range": "bytes 10-19/100"}), OBJ[10:20].hex()),
        (response(206, OBJ[10:20]), "ProtocolError"),
        (response(206, OBJ[11:21], {"Content-Range": "bytes 11-20/100"}), "ProtocolError"),
        (response(206, OBJ[10:15], {"Content-Range": "bytes 10-19/100"}), "ProtocolError"),
        (response(206, OBJ[10:20], {"Content-Range": "bytes 10-19/5"}), "ProtocolError"),
        (response(200, OBJ[:50] + b"x" * 50, {"ETag": f'"{md5(OBJ)}"'}), "IntegrityError"),
    ],
    ids=["200-sliced", "206-ok", "206-no-range", "206-wrong-start", "206-short-body",
         "206-range-past-total", "200-corrupt"],
)
def test_get_object_range(answer: bytes, expected: str):
    outcome, _ = run(lambda r: answer, "get_object", 10, 19)
    if expected.endswith("Error"):
        expect_typed(outcome, expected)
    else:
        assert expect_ok(outcome) == expected


@pytest.mark.parametrize("func", ["get_object", "get_objects"])
@pytest.mark.parametrize(
    "answer",
    [Close(b"HTTP/1.1 200 OK\r\nContent-Ty"), Close(b"HTTP/1.1 200 OK\r\n"),
     Close(b"HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Le"),
     Close(response(200, OBJ, content_length=False))],
    ids=["cut-in-header-name", "cut-after-status", "cut-in-second-header", "no-framing"],
)
def test_get_whose_headers_were_cut_is_not_an_empty_object(func: str, answer: Answer):
    outcome, _ = run(lambda r: answer, func)
    expect_typed(outcome, "ProtocolError")


@pytest.mark.parametrize("func", ["get_object", "get_objects"])
def test_get_corrupt_body_is_an_integrity_error(func: str):
    answer = response(200, OBJ[:-1] + b"!", {"ETag": f'"{md5(OBJ)}"'})
    outcome, _ = run(lambda r: answer, func)
    expect_typed(outcome, "IntegrityError")


# ---- 6. downloads are all or nothing ------------------------------------------------------


def object_server(
    data: bytes,
    *,
    etag: str | None = None,
    head_answer: Answer | None = None,
    get: Callable[[Request, tuple[int, int] | None], Answer | None] | None = None,
) -> Callable[[Request], Answer]:
    tag = md5(data) if etag is None else etag

    def respond(req: Request) -> Answer:
        if req.method == "HEAD":
            return head_answer if head_answer is not None else head(len(data), tag)
        rng = ranged(req)
        if get is not None:
            special = get(req, rng)
            if special is not None:
                return special
        if rng is None:
            return response(200, data, {"ETag": f'"{tag}"'})
        first, last = rng
        return response(206, data[first : last + 1],
                        {"ETag": f'"{tag}"', "Content-Range": f"bytes {first}-{last}/{len(data)}"})

    return respond


BIG = payload(14 * 1000 * 1000)  # 14 MB: two ranged GETs
SMALL = payload(100)

DOWNLOADS: dict[str, tuple[Callable[[Request], Answer], str]] = {
    "head-no-length": (object_server(BIG, head_answer=response(
        200, b"", {"ETag": f'"{md5(BIG)}"'}, content_length=False)), "ProtocolError"),
    "head-cut-in-headers": (object_server(BIG, head_answer=Close(
        b"HTTP/1.1 200 OK\r\nContent-Ty")), "ProtocolError"),
    "head-length-word": (object_server(BIG, head_answer=response(
        200, b"", {"Content-Length": "lots"})), "ProtocolError"),
    "head-404": (object_server(BIG, head_answer=err(404, "NoSuchKey")), "NotFoundError"),
    "get-cut-in-headers": (object_server(BIG, get=lambda r, g: Close(
        b"HTTP/1.1 206 Partial Content\r\nContent-Ra")), "ProtocolError"),
    "get-empty-200": (object_server(SMALL, get=lambda r, g: response(
        200, b"", {"ETag": f'"{md5(SMALL)}"'})), "ProtocolError"),
    "get-short-length": (object_server(SMALL, get=lambda r, g: response(
        200, SMALL[:50], {"ETag": f'"{md5(SMALL)}"'})), "ProtocolError"),
    "get-cut-in-body": (object_server(SMALL, get=lambda r, g: Close(
        response(200, SMALL)[:-40])), "ProtocolError"),
    "get-206-for-whole": (object_server(SMALL, get=lambda r, g: response(
        206, SMALL, {"Content-Range": "bytes 0-99/100"})), "ProtocolError"),
    "get-ignores-range": (object_server(BIG, get=lambda r, g: response(
        200, BIG, {"ETag": f'"{md5(BIG)}"'})), "ProtocolError"),
    "get-wrong-range": (object_server(BIG, get=lambda r, g: response(
        206, BIG[: g[1] - g[0] + 1], {"Content-Range": f"bytes 0-{g[1] - g[0]}/{len(BIG)}"})
        if g and g[0] else None), "ProtocolError"),
    "get-corrupt": (object_server(SMALL, get=lambda r, g: response(
        200, SMALL[:-1] + b"?", {"ETag": f'"{md5(SMALL)}"'})), "IntegrityError"),
    "get-corrupt-range": (object_server(BIG, get=lambda r, g: response(
        206, b"\0" * (g[1] - g[0] + 1),
        {"ETag": f'"{md5(BIG)}"', "Content-Range": f"bytes {g[0]}-{g[1]}/{len(BIG)}"})
        if g and g[0] else None), "IntegrityError"),
    "get-other-etag": (object_server(SMALL, get=lambda r, g: response(
        200, SMALL, {"ETag": '"' + md5(b"new") + '"'})), "ProtocolError"),
    "get-404": (object_server(SMALL, get=lambda r, g: err(404, "NoSuchKey")), "NotFoundError"),
    "get-500": (object_server(SMALL, get=lambda r, g: err(500, "InternalError")),
                "ServerError"),
    "big-head-says-0": (object_server(BIG, head_answer=head(0, md5(BIG))), "IntegrityError"),
}


@pytest.mark.parametrize("case", sorted(DOWNLOADS))
def test_failed_download_leaves_the_destination_alone(case: str, tmp_path: Path):
    respond, expected = DOWNLOADS[case]
    outcome, _ = run(respond, "download", str(tmp_path))
    state = expect_ok(outcome)
    assert state["raised"] == expected, state
    assert state["files"] == ["dest.bin"], state  # no temporary file left behind
    assert state["dest_md5"] == md5(OLD_CONTENT), state


@pytest.mark.parametrize("data", [SMALL, BIG, b""], ids=["small", "14MB", "empty"])
def test_good_download_replaces_the_destination(data: bytes, tmp_path: Path):
    outcome, _ = run(object_server(data), "download", str(tmp_path))
    state = expect_ok(outcome)
    assert state == {"raised": "", "files": ["dest.bin"], "dest_size": len(data),
                     "dest_md5": md5(data)}


def test_ctrl_c_during_download_removes_the_temporary_file(tmp_path: Path):
    outcome, _ = run(object_server(SMALL, get=lambda r, g: Stall()), "download_interrupted",
                     str(tmp_path), 1.0)
    state = expect_ok(outcome)
    assert state["raised"] == "KeyboardInterrupt"
    assert state["files"] == ["dest.bin"]
    assert state["dest_md5"] == md5(OLD_CONTENT)


@pytest.mark.parametrize(
    "head_answer", [Close(b"HTTP/1.1 200 OK\r\nContent-Ty"), response(200, content_length=False)],
    ids=["cut", "no-length"],
)
def test_remote_store_read_keeps_the_old_file(head_answer: Answer, tmp_path: Path):
    outcome, _ = run(object_server(BIG, head_answer=head_answer), "remote_store_read",
                     str(tmp_path))
    state = expect_ok(outcome)
    assert state["ok"] is False
    assert state["files"] == ["dest.bin"]
    assert state["dest_md5"] == md5(OLD_CONTENT)


# ---- 7. error replies are typed whatever their body ---------------------------------------

ERRORS: dict[str, tuple[bytes, str]] = {
    "403-non-utf8-code": (xml200(b"<Error><Code>\xff\xfe</Code><Message>\xc3</Message></Error>",
                                 403), "PermissionDeniedError"),
    "404-html": (response(404, b"<html><body>Not Found</body></html>",
                          {"Content-Type": "text/html"}), "NotFoundError"),
    "400-binary": (response(400, bytes(range(256))), "InvalidRequestError"),
    "409-code-with-spaces": (err(409, "Bad Code <x>".replace("<", "&lt;")), "ConflictError"),
    "412-empty": (response(412), "PreconditionFailedError"),
    "429-bare": (response(429), "ThrottledError"),
    "403-reason-not-utf8": (b"HTTP/1.1 403 \xff\xfe\xfd\r\nContent-Length: 0\r\n\r\n",
                            "PermissionDeniedError"),
    "404-utf16-surrogate": (xml200(_utf16_with_lone_surrogate(
        "<Error><Code>NoSuchKey</Code></Error>"), 404), "NotFoundError"),
    "400-huge-message": (err(400, "InvalidArgument", "m" * 1_000_000), "InvalidRequestError"),
    "403-error-root-cut": (xml200(b"<Error><Code>AccessDenied</Co", 403),
                           "PermissionDeniedError"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_replies_are_typed(case: str):
    answer, expected = ERRORS[case]
    outcome, _ = run(lambda r: answer, "put_object", 10)
    expect_typed(outcome, expected)
    assert len(outcome.message) < 5000


# ---- 8. caller input that cannot be sent ----------------------------------------------------

BAD_INPUT: dict[str, tuple[str, tuple[str, ...]]] = {
    "meta-latin1": ("put_with_metadata", ("note", "café")),
    "meta-cjk": ("put_with_metadata", ("note", "日本")),
    "meta-nul": ("put_with_metadata", ("note", "a\x00b")),
    "meta-cr": ("put_with_metadata", ("note", "a\rb")),
    "meta-lf": ("put_with_metadata", ("note", "a\nb")),
    "meta-crlf-injection": ("put_with_metadata", ("note", "a\r\nx-amz-acl: public-read")),
    "meta-lone-surrogate": ("put_with_metadata", ("note", "a\udc80b")),
    "meta-del": ("put_with_metadata", ("note", "a\x7fb")),
    "meta-name-space": ("put_with_metadata", ("bad name", "v")),
    "meta-name-colon": ("put_with_metadata", ("a:b", "v")),
    "meta-name-non-ascii": ("put_with_metadata", ("café", "v")),
    "header-crlf": ("put_with_header", ("Content-Type", "text/plain\r\nX-Evil: 1")),
    "header-nul": ("put_with_header", ("Content-Type", "text\x00plain")),
    "header-surrogate": ("put_with_header", ("Content-Type", "\ud800")),
    "key-lone-surrogate": ("put_with_key", ("a\udc80b",)),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_unsendable_input_is_refused_before_sending(case: str):
    func, args = BAD_INPUT[case]
    outcome, server = run(lambda r: response(200, b"", {"ETag": '"x"'}), func, *args)
    expect_typed(outcome, "InvalidRequestError")
    assert server.requests == []


def test_ascii_metadata_is_sent():
    outcome, server = run(lambda r: response(200, b"", {"ETag": '"x"'}), "put_with_metadata",
                          "note", "plain words\tand a tab")
    assert expect_ok(outcome) == "x"
    assert server.requests[0].headers["x-amz-meta-note"] == "plain words\tand a tab"


def test_remote_store_write_with_non_ascii_metadata_returns_false(tmp_path: Path):
    outcome, server = run(lambda r: response(200, b"", {"ETag": '"x"'}),
                          "remote_store_write_meta", str(tmp_path), "naïve")
    assert expect_ok(outcome) is False
    assert server.requests == []


# ---- 9. secrets stay out of errors, reprs and logs ----------------------------------------


def echo_credentials(status: int) -> Callable[[Request], Answer]:
    """An error whose text repeats the request's credentials, as some proxies do."""

    def respond(req: Request) -> Answer:
        auth = req.headers.get("authorization", "")
        token = req.headers.get("x-amz-security-token", "")
        message = f"denied: Authorization: {auth} token {token} Signature={auth[-20:]}"
        body = (f"<Error><Code>AccessDenied</Code><Message>{message}</Message>"
                f"<RequestId>{token}</RequestId></Error>")
        return xml200(body, status, {"x-amz-request-id": token})

    return respond


def _signature(server: HostileHTTPServer) -> str:
    auth = server.requests[0].headers["authorization"]
    return auth.rsplit("Signature=", 1)[-1] if "Signature=" in auth else auth.rsplit(":", 1)[-1]


@pytest.mark.parametrize("version", ["v4", "v2"])
@pytest.mark.parametrize("call", ["put", "store"])
def test_echoed_credentials_are_not_repeated(call: str, version: str):
    outcome, server = run(echo_credentials(403), "texts_after_failure", call, version)
    result = expect_ok(outcome)
    text = result["text"]
    for secret in (SECRET_KEY, SESSION_TOKEN, _signature(server), result["presigned_signature"]):
        assert secret not in text, (secret, text)
    if call == "put":
        assert result["raised"] == "PermissionDeniedError"


@pytest.mark.parametrize(
    ("call", "doc"),
    [
        ("initiate", "<InitiateMultipartUploadResult><UploadId>{token}&#10;</UploadId>"
                     "</InitiateMultipartUploadResult>"),
        ("list", "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key>"
                 "<Size>1</Size></Contents><NextContinuationToken>{token}"
                 "</NextContinuationToken></ListBucketResult>"),
    ],
    ids=["upload-id", "repeated-token"],
)
def test_server_values_in_protocol_errors_are_redacted(call: str, doc: str):
    def respond(req: Request) -> Answer:
        return xml200(doc.format(token=req.headers.get("x-amz-security-token", "")))

    outcome, _ = run(respond, "texts_after_failure", call, "v4")
    result = expect_ok(outcome)
    assert result["raised"] == "ProtocolError"
    assert SESSION_TOKEN not in result["text"]


def test_endpoint_with_a_password_is_refused_without_showing_it():
    outcome, server = run(lambda r: response(200), "endpoint_with_password", "pw-in-the-url")
    expect_typed(outcome, "InvalidRequestError")
    assert "pw-in-the-url" not in outcome.message
    assert server.requests == []


def test_v1_prefix_page_without_next_marker_continues_after_the_last_prefix():
    def make(i: int) -> str:
        if i == 0:
            return listing("<CommonPrefixes><Prefix>d0/</Prefix></CommonPrefixes>", TRUNC)
        return listing("<CommonPrefixes><Prefix>d1/</Prefix></CommonPrefixes>")

    outcome, server = run(pages(make), "list_prefixes", 1)
    assert expect_ok(outcome) == ["d0/", "d1/"]
    assert "marker=d0%2F" in server.requests[1].query


@pytest.mark.parametrize("call", ["prefix", "token", "presign", "copy-source"])
def test_lone_surrogates_anywhere_are_refused(call: str):
    outcome, server = run(lambda r: response(200), "surrogate_in", call)
    expect_typed(outcome, "InvalidRequestError")
    assert server.requests == []


@pytest.mark.parametrize("status", [201, 204, 206, 301, 302, 304, 307, 308, 418, 451, 599, 999])
def test_unexpected_status_on_get_is_typed(status: int):
    answer = response(status, b"body", {"Location": "http://127.0.0.1:1/elsewhere"},
                      reason="Odd")
    outcome, _ = run(lambda r: answer, "get_object")
    expect_typed(outcome)


@pytest.mark.parametrize(
    "answer",
    [response(200, b"", {"ETag": '"x"'}, content_length=False), err(500, "InternalError"),
     err(403, "AccessDenied")],
    ids=["no-length", "500", "403"],
)
def test_remote_store_exists_raises_typed(answer: bytes):
    outcome, _ = run(lambda r: answer, "remote_store_exists")
    # A malformed reply passes through as the ProtocolError it is, like transport errors.
    expect_typed(outcome, "RemoteStoreError", "ProtocolError")


def test_download_does_not_grow_a_file_to_the_size_a_head_claims(tmp_path: Path):
    seen: list[int] = []

    def respond(req: Request) -> Answer:
        if req.method == "HEAD":
            return head(2**40, md5(b"never sent"))  # 1 TiB
        seen.extend(p.stat().st_size for p in tmp_path.glob("*.part"))
        return err(403, "AccessDenied")

    outcome, _ = run(respond, "download", str(tmp_path))
    state = expect_ok(outcome)
    assert state["raised"] == "PermissionDeniedError"
    assert state["files"] == ["dest.bin"]
    assert seen and max(seen) == 0  # the temporary file held what had arrived: nothing
