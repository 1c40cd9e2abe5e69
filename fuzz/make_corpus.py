"""Writes the seed corpora and dictionaries of the fuzz targets (never committed as blobs).

Usage: make_corpus.py OUT_DIR. Creates OUT_DIR/<target>/seed-NNN for every target, and
OUT_DIR/<target>.dict (libFuzzer dictionary) where one helps. Seeds are well-formed answers
as the real servers send them plus a few hostile variants (wrapped offsets, odd ports,
cut messages); the fuzzer mutates from there. Output is deterministic.
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

SEEDS: dict[str, Callable[[], Iterable[bytes]]] = {}
DICTS: dict[str, list[bytes]] = {}


def target(name: str, words: Iterable[str | bytes] = ()) -> Callable[..., object]:
    def register(fn: Callable[[], Iterable[bytes]]) -> Callable[[], Iterable[bytes]]:
        SEEDS[name] = fn
        DICTS[name] = [w.encode() if isinstance(w, str) else w for w in words]
        return fn

    return register


def u8(text: str) -> bytes:
    return text.encode()


# ---- XML (DS3, S3, V3IO container listings) -------------------------------------------

S3NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

DS3_WORDS = [
    "MasterObjectList", "Objects", "Object", "Nodes", "Node", "JobId", "ChunkId",
    "ChunkNumber", "NodeId", "Offset", "Length", "InCache", "Name", "Id", "EndPoint",
    "HttpPort", "HttpsPort", "BucketName", "RequestType", "Status", "Aggregating", "Naked",
    "OriginalSizeInBytes", "CachedSizeInBytes", "CompletedSizeInBytes", "Jobs", "Job",
    "Data", "Error", "Code", "Message", "Resource", "RequestId", "18446744073709551615",
    "9223372036854775808", "-1", "65536", "true", "false", "<![CDATA[", "]]>", "&#0;",
    "&amp;", "xmlns=", "\xef\xbb\xbf",
]


def blob(name: str, offset: int, length: int, in_cache: str = "false") -> str:
    return (f'<Object Name="{name}" Offset="{offset}" Length="{length}" '
            f'InCache="{in_cache}" Id="b-{offset}"/>')


def chunk(number: int, blobs: str, chunk_id: str = "c-1") -> str:
    return f'<Objects ChunkId="{chunk_id}" ChunkNumber="{number}" NodeId="n-1">{blobs}</Objects>'


def master_object_list(chunks: str, job_id: str = "j-1") -> str:
    return (f'<MasterObjectList JobId="{job_id}" BucketName="b" RequestType="GET" '
            'Status="IN_PROGRESS" Priority="NORMAL" Aggregating="false" Naked="false" '
            'ChunkClientProcessingOrderGuarantee="NONE" OriginalSizeInBytes="10" '
            'CachedSizeInBytes="0" CompletedSizeInBytes="0" StartDate="2026-01-01T00:00:00Z" '
            'UserId="u" UserName="spectra"><Nodes><Node Id="n-1" EndPoint="127.0.0.1" '
            f'HttpPort="8080" HttpsPort="8443"/></Nodes>{chunks}</MasterObjectList>')


@target("fuzz_ds3_xml", DS3_WORDS)
def ds3_xml() -> Iterable[bytes]:
    yield u8(master_object_list(chunk(0, blob("a", 0, 10) + blob("a", 10, 5))))
    yield u8(master_object_list(chunk(1, blob("x", 2**63, 2**63 + 16))))  # wraps
    yield u8(master_object_list(chunk(-1, blob("x", 2**64 - 64, 72)), job_id=""))
    yield u8(master_object_list(""))
    yield u8("<Data>" + master_object_list(chunk(0, blob("a", 0, 1))) + "</Data>")
    yield u8(chunk(3, blob("k", 0, 1024, "true") + blob("k", 1024, 1024)))
    yield u8("<Jobs><Job JobId='j-1' BucketName='b' Status='COMPLETED'/>"
             "<Job JobId='j-2' BucketName='b' Status='CANCELED'/></Jobs>")
    yield u8("<Error><Code>NotFound</Code><Message>no such job</Message>"
             "<Resource>/_rest_/job/j</Resource><RequestId>1</RequestId></Error>")
    yield b"<Error><Code>\xff\xfe</Code></Error>"
    yield u8("<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>spectra</DisplayName>"
             "</Owner><Buckets><Bucket><Name>b</Name><CreationDate>2026-01-01T00:00:00.000Z"
             "</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>")
    yield u8("<ListBucketResult><Name>b</Name><Prefix/><Marker/><MaxKeys>1000</MaxKeys>"
             "<IsTruncated>true</IsTruncated><NextMarker>k</NextMarker><Contents><Key>k"
             "</Key><Size>18446744073709551616</Size><ETag>\"e\"</ETag><Owner><ID>1</ID>"
             "</Owner><IsLatest>maybe</IsLatest></Contents><CommonPrefixes><Prefix>d/</Prefix>"
             "</CommonPrefixes></ListBucketResult>")
    yield u8("<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>"
             "AccessDenied</Code><Message>no</Message></Error></DeleteResult>")
    yield u8("<Data><S3Object><BucketId>b</BucketId><Id>i</Id><Name>n</Name><Size>-5</Size>"
             "<Type>DATA</Type><Latest>true</Latest></S3Object></Data>")
    yield u8("<Data><ApiVersion>5.0</ApiVersion><SerialNumber>s</SerialNumber>"
             "<BuildInformation><Branch>b</Branch><Version>5</Version></BuildInformation>"
             "<BackendActivated>true</BackendActivated></Data>")
    yield u8("<Data><DatabaseFilesystemFreeSpace>OK</DatabaseFilesystemFreeSpace>"
             "<MsRequiredToVerifyDataPlannerHealth>99999999999999999999"
             "</MsRequiredToVerifyDataPlannerHealth></Data>")
    yield u8("<Data><Tapes><Tape BarCode='T1' State='NORMAL'/></Tapes><Pools><Pool "
             "Name='p' Health='OK'/></Pools></Data>")
    yield b""
    yield b"<a>" * 200


@target("fuzz_ds3_plan", [*DS3_WORDS, "!object ", "!complete\n", "\n!chunk\n"])
def ds3_plan() -> Iterable[bytes]:
    plan = master_object_list(chunk(0, blob("a", 0, 10)) + chunk(1, blob("a", 10, 5), "c-2"))
    yield u8("!object a 15 15\n!complete\n" + plan)
    yield u8("!object a 15\n" + plan + "\n!chunk\n" + chunk(1, blob("a", 10, 5), "c-2"))
    yield u8("!object a - 16\n" + plan + "\n!chunk\n" + chunk(7, blob("a", 3, 5), "c-9"))
    yield u8("!object x 8 8\n!complete\n" + master_object_list(chunk(0, blob("x", 2**64 - 64, 72))))
    yield u8("!object x 8\n" + master_object_list(chunk(0, blob("x", 2**63, 2**63 + 16))))
    yield u8("!object e 0\n!complete\n" + master_object_list(chunk(0, blob("e", 0, 0))))
    yield u8("!object a 10\n!object b 10\n!complete\n"
             + master_object_list(chunk(0, blob("a", 0, 10) + blob("b", 0, 4) + blob("b", 2, 8))))


S3_WORDS = [
    "ListBucketResult", "ListAllMyBucketsResult", "Contents", "Key", "Size", "ETag",
    "CommonPrefixes", "Prefix", "IsTruncated", "NextContinuationToken", "NextMarker",
    "InitiateMultipartUploadResult", "UploadId", "CompleteMultipartUploadResult",
    "ListMultipartUploadsResult", "Upload", "CopyObjectResult", "DeleteResult", "Deleted",
    "Error", "Code", "Message", "RequestId", "KeyCount", "MaxKeys", S3NS.strip(), "s3:",
    "xmlns:s3=", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "&#13;", "&#xD800;",
]


def s3_documents() -> Iterable[str]:
    yield (f"<ListBucketResult{S3NS}><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>"
           "<MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>"
           "t==</NextContinuationToken><Contents><Key>p/a</Key><LastModified>2026-01-01T00:"
           "00:00.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;"
           "</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents><Contents>"
           "<Key> </Key><Size>5</Size><ETag>\"x\"</ETag></Contents><CommonPrefixes><Prefix>"
           "p/d/</Prefix></CommonPrefixes></ListBucketResult>")
    yield (f"<ListBucketResult{S3NS}><Name>b</Name><Marker></Marker><NextMarker>k</NextMarker>"
           "<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>12x</Size></Contents>"
           "</ListBucketResult>")
    yield (f"<ListAllMyBucketsResult{S3NS}><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>b"
           "</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>"
           "</ListAllMyBucketsResult>")
    yield (f"<InitiateMultipartUploadResult{S3NS}><Bucket>b</Bucket><Key>k</Key><UploadId>"
           "2~abc</UploadId></InitiateMultipartUploadResult>")
    yield (f"<CompleteMultipartUploadResult{S3NS}><Location>http://h/b/k</Location><Bucket>b"
           "</Bucket><Key>k</Key><ETag>\"abc-2\"</ETag></CompleteMultipartUploadResult>")
    yield (f"<ListMultipartUploadsResult{S3NS}><Bucket>b</Bucket><IsTruncated>false"
           "</IsTruncated><Upload><Key>k</Key><UploadId>u</UploadId><Initiated>2026-01-01T00:"
           "00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>")
    yield (f"<CopyObjectResult{S3NS}><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
           "<ETag>\"e\"</ETag></CopyObjectResult>")
    yield (f"<DeleteResult{S3NS}><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>"
           "AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>")
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The '
           "specified key does not exist.</Message><Key>k</Key><RequestId>r</RequestId>"
           "</Error>")
    yield ('<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">'
           "<s3:Contents><s3:Key>k</s3:Key></s3:Contents></s3:ListBucketResult>")
    yield "<html><body><h1>502 Bad Gateway</h1></body></html>"


@target("fuzz_xml", S3_WORDS)
def xml_layer() -> Iterable[bytes]:
    for doc in s3_documents():
        yield u8(doc)
    yield "\ufeff<Error><Code>é</Code></Error>".encode("utf-16")
    yield u8("#Contents/Key\n" + next(iter(s3_documents())))
    yield u8("#.//{http://s3.amazonaws.com/doc/2006-03-01/}Key\n<a><b><Key>1</Key></b></a>")
    yield u8("#a/../b\n<a/>")
    yield u8("<r>" + "<x>" * 3000 + "</x>" * 3000 + "</r>")
    yield b"<Key>a\x00b</Key>"
    yield b"key with\r\nCR LF & <markup> \"quotes\" \t tab"


# ---- HTTP response heads ----------------------------------------------------------------

HTTP_WORDS = [
    "HTTP/1.1 ", "HTTP/1.0 ", "\r\n", "\r\n\r\n", "Content-Length: ", "Transfer-Encoding: chunked",
    "ETag: ", "Retry-After: ", "Location: ", "Connection: close", "x-amz-request-id: ",
    "100 Continue", "200 OK", "204 No Content", "206 Partial Content", "307 Temporary Redirect",
    "503 Slow Down", "999", "000", " \t", "\x00", "\x7f", ": ", "http://user:pw@host/",
    "?X-Amz-Signature=", "&Signature=", "x-v3io-session-key=", "x-amz-security-token=", "@",
]


@target("fuzz_http_head", HTTP_WORDS)
def http_head() -> Iterable[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\n\r\n"
    yield b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /b/k\r\n\r\n"
    yield b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n"
    yield b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nX-Trailer: 1\r\n\r\n"
    yield b"HTTP/1.1 503 Slow Down\r\nRetry-After: 3\r\nX-Folded: a\r\n  b\r\n\r\n"
    yield b"HTTP/1.0 200\r\nX: \x00\r\n\r\n"
    yield b"HTTP/1.1 200 OK\r\nContent-Ty"
    yield b"HTTP/1.1 2000 OK\r\n\r\n"
    yield b"GETHTTP/1.1 200 \xff\xfe\r\nBad Name: v\r\n\r\n"
    yield b"http://user:secret@host:8080/b/k?X-Amz-Signature=abc&x=1"
    yield b"https://a@b@c/path@x?Signature=s&AWSAccessKeyId=k"


@target("fuzz_http_response", HTTP_WORDS)
def http_response() -> Iterable[bytes]:
    # First byte: the sink (bit 7: a caller's buffer of (byte & 0x7f) bytes; else memory).
    for mode in (b"\x00", b"\x90"):
        yield mode + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        yield mode + b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"
        yield mode + b"HTTP/1.1 200 OK\r\nContent-Ty"
        yield mode + b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil close"
        yield mode + (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n")
        yield mode + b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n<Error/>\n"
        yield mode + b"HTTP/1.1 204 No Content\r\n\r\n"
        yield mode + b"HTTP/1.0 200 OK\r\nX-Fold: a\r\n \x01b\r\n\r\nbody"
    yield b"\x00"


# ---- Sector -------------------------------------------------------------------------------

SECTOR_WORDS = [
    b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80",
    b"\xf4\x65\x55\x49", b"127.0.0.1", b",", b";", b"/../", b"/./", b"//",
]


def i32(v: int) -> bytes:
    return struct.pack("<i", v)


def i64(v: int) -> bytes:
    return struct.pack("<q", v)


def fixed(text: str, n: int) -> bytes:
    return text.encode().ljust(n, b"\0")[:n]


def snode(name: str, size: int = 10, locations: str = ",127.0.0.1,6001") -> str:
    return f"{len(name.encode())},{name},0,1700000000,{size},1,1,0{locations}"


def sysinfo(port: int) -> bytes:
    out = i64(1700000000) + i64(1 << 40) + i64(1 << 30) + i64(7) + i64(0)
    out += i32(1) + i32(0) + i32(1) + i64(1 << 40) + i64(1 << 30) + i64(0) + i64(0)
    out += i32(1) + i32(1) + fixed("127.0.0.1", 16) + i32(port)
    slave = i32(1) + fixed("127.0.0.1", 16) + i32(port + 2) + i64(1 << 40) + i64(0) * 5
    slave += i64(0) + i32(1) + i32(0) + i32(5) + b"/data"
    return out + i32(1) + slave


def open_reply(port: int, n: int = 1, size: int = 10) -> bytes:
    out = i32(7) + i64(size) + i64(1700000000) + i32(n)
    for _ in range(max(n, 0)):
        out += fixed("127.0.0.1", 64) + i32(port)
    return out


def master_list(port: int) -> bytes:
    return i32(1) + i32(42) + b"127.0.0.1\0" + i32(port)


@target("fuzz_sector", SECTOR_WORDS)
def sector() -> Iterable[bytes]:
    yield u8(snode("file.txt"))
    yield u8(snode("dir", locations="") + ";" + snode("a b", 0) + ";")
    yield u8(snode("..") + ";" + snode("x/y"))
    yield u8("99999999999999999999,a,0,0,0,0,0,0")
    yield u8(snode("f", -1, ",127.0.0.1,70000"))
    yield sysinfo(6000)
    yield sysinfo(0x495565F4)
    yield open_reply(6001)
    yield open_reply(0, n=2, size=-5)
    yield open_reply(6001, n=65)
    yield fixed("127.0.0.1", 64) + i32(6001)
    yield i64(1 << 40) + i64(-1)
    yield master_list(6000)
    yield master_list(0x495565F4)
    yield i32(2**31 - 1) + i32(1)
    yield i32(0) + i32(0) + i32(1) + i32(0) + i32(101) + i32(5) + b"/a\0"  # GMP + SectorMsg
    yield b"//a/./b/../c"
    yield b"/a/" + b"n" * 300


# ---- V3IO (JSON and container XML) and S3 replies via atheris -------------------------------

V3IO_WORDS = [
    '"Item"', '"Items"', '"N"', '"S"', '"B"', '"BOOL"', '"TS"', '"LastItemIncluded"',
    '"NextMarker"', '"NumItems"', '"Records"', '"Location"', '"ShardCount"', '"ShardId"',
    '"SequenceNumber"', '"FailedRecordCount"', '"ErrorCode"', '"ErrorMessage"', '"Data"',
    '"ClientInfo"', '"NextLocation"', '"MSecBehindLatest"', '"RecordsBehindLatest"',
    '"RetentionPeriodHours"', '"ArrivalTimeSec"', '"ArrivalTimeNSec"', '"PartitionKey"',
    "1e309", "-0", "NaN", "[[[[[[[[", "{}", "null", "true", "\\ud800",
]


def v3io_json() -> Iterable[object]:
    yield {"Item": {"a": {"N": "1"}, "b": {"S": "x"}, "c": {"B": "AAE="}, "d": {"BOOL": True},
                    "e": {"N": "1.5"}, "t": {"TS": "1700000000:5"}}}
    yield {"Items": [{"__name": {"S": "k"}, "v": {"N": "7"}}], "LastItemIncluded": "FALSE",
           "NextMarker": "m", "NumItems": 1}
    yield {"Items": 5}
    yield {"Item": [1, 2]}
    yield {"Item": {"a": {"N": "abc"}}}
    yield {"Item": {"a": {"B": "!!!"}}}
    yield {"Location": "AQAAAAAAAAA="}
    yield {"ShardCount": 4, "RetentionPeriodHours": 24}
    yield {"FailedRecordCount": 1, "Records": [{"SequenceNumber": 1, "ShardId": 0},
                                               {"ErrorCode": -1, "ErrorMessage": "full"}]}
    data = base64.b64encode(b"payload").decode()
    yield {"NextLocation": "AQ==", "MSecBehindLatest": 0, "RecordsBehindLatest": 0,
           "Records": [{"ArrivalTimeSec": 1, "ArrivalTimeNSec": 2, "SequenceNumber": 3,
                        "Data": data, "ClientInfo": data, "PartitionKey": "p"}]}
    yield {"ErrorCode": -2, "ErrorMessage": "not found"}


@target("fuzz_v3io", V3IO_WORDS)
def v3io() -> Iterable[bytes]:
    for doc in v3io_json():
        yield json.dumps(doc).encode()
    yield b"[" * 20000
    yield u8('<ListAllMyBucketsResult><Buckets><Bucket><Name>users</Name><CreationDate>2026'
             "</CreationDate><Id>x</Id></Bucket></Buckets></ListAllMyBucketsResult>")
    yield u8("<ListBucketResult><Name>users</Name><NextMarker>m</NextMarker><MaxKeys>10"
             "</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size>"
             "<LastSequenceId>5</LastSequenceId></Contents><CommonPrefixes><Prefix>d/</Prefix>"
             "<ShardCount>x</ShardCount></CommonPrefixes></ListBucketResult>")


@target("fuzz_v3io_json", [*V3IO_WORDS, '"\\u00e9"', '"\\ud83d\\ude00"', "AAE=", "1.5e-3"])
def v3io_json_reader() -> Iterable[bytes]:
    for doc in v3io_json():
        yield json.dumps(doc).encode()
        yield json.dumps(doc, ensure_ascii=False, indent=1).encode()
    yield b"[" * 100
    yield b'{"a":"\\ud800\\udc00\\u0000\\n","b":-0.0e+5,"c":123456789012345678901}'


@target("fuzz_s3_replies", [*S3_WORDS, "ETag", "Content-Length", "Content-Range", "bytes "])
def s3_replies() -> Iterable[bytes]:
    # The first line holds the reply's headers as JSON ([[name, value], ...]).
    heads = [[["ETag", '"abc"'], ["Content-Length", "12"]],
             [["Content-Range", "bytes 0-9/10"], ["x-amz-meta-a", "1"]],
             [["ETag", "\x00"], ["Content-Length", "-1"]]]
    for index, doc in enumerate(s3_documents()):
        yield json.dumps(heads[index % len(heads)]).encode() + b"\n" + u8(doc)


def write_all(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, make in SEEDS.items():
        folder = out / name
        folder.mkdir()
        for index, seed in enumerate(make()):
            (folder / f"seed-{index:03d}").write_bytes(seed)
        if DICTS[name]:
            lines = ['"' + "".join(f"\\x{b:02x}" for b in word) + '"' for word in DICTS[name]]
            (out / f"{name}.dict").write_text("\n".join(lines) + "\n")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    write_all(Path(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
