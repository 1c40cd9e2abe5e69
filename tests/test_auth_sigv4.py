"""AWS Signature V4: the published test suite, the S3 documentation examples, and random
requests cross-checked against botocore's signers."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from storewire._native import auth
from storewire.errors import InvalidRequestError

# ---- AWS SigV4 test suite ("aws-sig-v4-test-suite", 2015-08-30 edition, as also carried by
# awslabs/aws-c-auth tests/aws-signing-test-suite/v4). Requests and expected values typed
# from the suite's .req/.creq/.sts/.authz facts.
SUITE_AK = "AKIDEXAMPLE"
SUITE_SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_DATE = "20150830T123600Z"
SUITE_HOST = "example.amazonaws.com"
SUITE_TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMic"
    "RXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsbu"
    "rEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPk"
    "UL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)
UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class SuiteCase:
    name: str
    method: str
    path: str
    query: str
    signature: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    normalize: bool = False
    signed_headers: str = "host;x-amz-date"


SUITE = [
    SuiteCase(
        "get-vanilla",
        "GET",
        "/",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    SuiteCase(
        "get-vanilla-query",
        "GET",
        "/",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    SuiteCase(
        "get-vanilla-empty-query-key",
        "GET",
        "/",
        "Param1=value1",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    ),
    SuiteCase(
        "get-vanilla-query-order-key-case",
        "GET",
        "/",
        "Param2=value2&Param1=value1",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    SuiteCase(
        "get-vanilla-query-unreserved",
        "GET",
        "/",
        f"{UNRESERVED}={UNRESERVED}",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    SuiteCase(
        "get-vanilla-utf8-query",
        "GET",
        "/",
        "ሴ=bar",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    ),
    SuiteCase(
        "get-utf8",
        "GET",
        "/ሴ",
        "",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    ),
    SuiteCase(
        "get-unreserved",
        "GET",
        "/" + UNRESERVED,
        "",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    SuiteCase(
        "get-space-normalized",
        "GET",
        "/example space/",
        "",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        normalize=True,
    ),
    SuiteCase(
        "get-space-unnormalized",
        "GET",
        "/example space/",
        "",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    ),
    SuiteCase(
        "get-slashes-normalized",
        "GET",
        "//example//",
        "",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
        normalize=True,
    ),
    SuiteCase(
        "get-slashes-unnormalized",
        "GET",
        "//example//",
        "",
        "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
    ),
    SuiteCase(
        "get-relative-relative-normalized",
        "GET",
        "/example1/example2/../..",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        normalize=True,
    ),
    SuiteCase(
        "get-relative-relative-unnormalized",
        "GET",
        "/example1/example2/../..",
        "",
        "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
    ),
    SuiteCase(
        "get-relative-normalized",
        "GET",
        "/example/..",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        normalize=True,
    ),
    SuiteCase(
        "get-slash-dot-slash-normalized",
        "GET",
        "/./",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        normalize=True,
    ),
    SuiteCase(
        "get-header-value-trim",
        "GET",
        "/",
        "",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        headers=[("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')],
        signed_headers="host;my-header1;my-header2;x-amz-date",
    ),
    SuiteCase(
        "get-header-key-duplicate",
        "GET",
        "/",
        "",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        headers=[("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
        signed_headers="host;my-header1;x-amz-date",
    ),
    SuiteCase(
        "get-header-value-order",
        "GET",
        "/",
        "",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
        headers=[("My-Header1", v) for v in ("value4", "value1", "value3", "value2")],
        signed_headers="host;my-header1;x-amz-date",
    ),
    SuiteCase(
        "post-vanilla",
        "POST",
        "/",
        "",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    SuiteCase(
        "post-vanilla-query",
        "POST",
        "/",
        "Param1=value1",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    SuiteCase(
        "post-header-key-sort",
        "POST",
        "/",
        "",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
        headers=[("My-Header1", "value1")],
        signed_headers="host;my-header1;x-amz-date",
    ),
    SuiteCase(
        "post-header-value-case",
        "POST",
        "/",
        "",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
        headers=[("My-Header1", "VALUE1")],
        signed_headers="host;my-header1;x-amz-date",
    ),
    SuiteCase(
        "post-x-www-form-urlencoded",
        "POST",
        "/",
        "",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
        body=b"Param1=value1",
        signed_headers="content-type;host;x-amz-date",
    ),
    SuiteCase(
        "post-x-www-form-urlencoded-parameters",
        "POST",
        "/",
        "",
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf8")],
        body=b"Param1=value1",
        signed_headers="content-type;host;x-amz-date",
    ),
    SuiteCase(
        "post-sts-header-before",
        "POST",
        "/",
        "",
        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        headers=[("X-Amz-Security-Token", SUITE_TOKEN)],
        signed_headers="host;x-amz-date;x-amz-security-token",
    ),
]

CASES = {c.name: c for c in SUITE}


def suite_sign(case: SuiteCase, headers: list[tuple[str, str]], **options: object):
    return auth.sign_v4(
        case.method,
        case.path,
        case.query,
        headers,
        hashlib.sha256(case.body).hexdigest(),
        SUITE_AK,
        SUITE_SK,
        "us-east-1",
        "service",
        SUITE_DATE,
        normalize_path=case.normalize,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("case", SUITE, ids=lambda c: c.name)
def test_aws_sigv4_suite(case):
    headers = [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE), *case.headers]
    signed = suite_sign(case, headers)
    assert signed.signature == case.signature
    assert signed.signed_headers == case.signed_headers
    assert signed.authorization == (
        f"AWS4-HMAC-SHA256 Credential={SUITE_AK}/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders={case.signed_headers}, Signature={case.signature}"
    )
    assert signed.headers == [("Authorization", signed.authorization)]


def test_suite_canonical_request_and_string_to_sign():
    # get-vanilla.creq / .sts
    signed = suite_sign(CASES["get-vanilla"], [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE)])
    assert signed.canonical_request == (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert signed.string_to_sign == (
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    )
    assert signed.credential_scope == "20150830/us-east-1/service/aws4_request"
    # get-vanilla-query-order-key-case: sorted by name; get-header-value-trim: Trimall.
    order = suite_sign(
        CASES["get-vanilla-query-order-key-case"],
        [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE)],
    )
    assert order.canonical_request.split("\n")[2] == "Param1=value1&Param2=value2"
    assert order.string_to_sign.endswith(
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"
    )
    trim = CASES["get-header-value-trim"]
    signed = suite_sign(trim, [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE), *trim.headers])
    assert 'my-header1:value1\nmy-header2:"a b c"\n' in signed.canonical_request
    # get-utf8 and get-space: raw characters of the request line are encoded once.
    assert suite_sign(CASES["get-utf8"], []).canonical_request.split("\n")[1] == "/%E1%88%B4"
    assert (
        suite_sign(CASES["get-space-normalized"], []).canonical_request.split("\n")[1]
        == "/example%20space/"
    )
    # post-sts-header-before.sts
    sts = CASES["post-sts-header-before"]
    signed = suite_sign(sts, [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE), *sts.headers])
    assert signed.string_to_sign.endswith(
        "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"
    )


def test_signer_adds_date_and_session_token_headers():
    # aws-c-auth get-vanilla-with-session-token: the token is sent and signed as a header.
    token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
    signed = auth.sign_v4(
        "GET", "/", None, {"Host": SUITE_HOST}, auth.EMPTY_SHA256, SUITE_AK, SUITE_SK,
        "us-east-1", "service", SUITE_DATE, session_token=token,
    )  # fmt: skip
    assert signed.signature == "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
    assert signed.signed_headers == "host;x-amz-date;x-amz-security-token"
    assert signed.headers == [
        ("X-Amz-Date", SUITE_DATE),
        ("X-Amz-Security-Token", token),
        ("Authorization", signed.authorization),
    ]


def test_suite_presigned_url():
    # aws-c-auth get-vanilla-utf8-query, query-signed-request (signed payload hash).
    url = auth.presign_v4(
        "GET", "https://example.amazonaws.com/?ሴ=bar", None, SUITE_AK, SUITE_SK, "us-east-1",
        "service", SUITE_DATE, 3600, payload_hash=auth.EMPTY_SHA256,
    )  # fmt: skip
    assert url == (
        "https://example.amazonaws.com/?%E1%88%B4=bar&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request"
        "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600"
    )


# ---- Amazon S3 API reference, "Signature Calculations for the Authorization Header" and
# "Authenticating Requests: Using Query Parameters" examples.
S3_AK = "AKIAIOSFODNN7EXAMPLE"
S3_SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
S3_DATE = "20130524T000000Z"
S3_HOST = "examplebucket.s3.amazonaws.com"


def s3_sign(method: str, path: str, query: str | None, extra: dict[str, str], payload: str):
    headers = {"Host": S3_HOST, "x-amz-date": S3_DATE, "x-amz-content-sha256": payload, **extra}
    return auth.sign_v4(
        method, path, query, headers, payload, S3_AK, S3_SK, "us-east-1", "s3", S3_DATE
    )


def test_s3_get_object_with_range():
    signed = s3_sign("GET", "/test.txt", None, {"Range": "bytes=0-9"}, auth.EMPTY_SHA256)
    assert signed.canonical_request == (
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert signed.string_to_sign == (
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    )
    assert signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


def test_s3_put_object():
    payload = auth.sha256_hex(b"Welcome to Amazon S3.")
    assert payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    extra = {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"}
    signed = s3_sign("PUT", "/test%24file.text", None, extra, payload)
    assert signed.canonical_request.split("\n")[1] == "/test%24file.text"
    assert signed.signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class"
    assert signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"


def test_s3_get_bucket_lifecycle_and_list_objects():
    lifecycle = s3_sign("GET", "/", "lifecycle", {}, auth.EMPTY_SHA256)
    assert lifecycle.canonical_request.split("\n")[2] == "lifecycle="
    assert lifecycle.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
    listing = s3_sign("GET", "/", {"prefix": "J", "max-keys": "2"}, {}, auth.EMPTY_SHA256)
    assert listing.canonical_request.split("\n")[2] == "max-keys=2&prefix=J"
    assert listing.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"


def test_s3_presigned_url():
    url = auth.presign_v4(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", None, S3_AK, S3_SK,
        "us-east-1", "s3", S3_DATE, 86400,
    )  # fmt: skip
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


def test_signing_key_derivation():
    # The SigV4 documentation's example: secret, 20150830, us-east-1, iam.
    key = auth.signing_key_v4(SUITE_SK, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"


def test_query_forms_are_equivalent():
    base = ("GET", "/", None, {"Host": "h"}, auth.EMPTY_SHA256, "a", "s", "r", "svc", SUITE_DATE)

    def canonical_query(query: object) -> str:
        args = list(base)
        args[2] = query
        return auth.sign_v4(*args).canonical_request.split("\n")[2]  # type: ignore[arg-type]

    expected = "a%20b=c%2Fd&flag=&z=1"
    assert canonical_query("z=1&flag&a%20b=c%2Fd") == expected
    assert canonical_query({"z": "1", "flag": None, "a b": "c/d"}) == expected
    assert canonical_query([("z", "1"), ("flag", None), ("a b", "c/d")]) == expected


def test_double_encoding_for_non_s3_services():
    signed = auth.sign_v4(
        "GET", "/a%20b/c", None, {"Host": "h"}, auth.EMPTY_SHA256, "a", "s", "r", "svc",
        SUITE_DATE, double_encode=True,
    )  # fmt: skip
    assert signed.canonical_request.split("\n")[1] == "/a%2520b/c"


def test_unsigned_headers_option():
    headers = {"Host": "h", "User-Agent": "x", "X-Custom": "1"}
    default = auth.sign_v4("GET", "/", None, headers, "U", "a", "s", "r", "svc", SUITE_DATE)
    assert default.signed_headers == "host;x-amz-date;x-custom"
    everything = auth.sign_v4(
        "GET", "/", None, headers, "U", "a", "s", "r", "svc", SUITE_DATE, unsigned_headers=()
    )
    assert everything.signed_headers == "host;user-agent;x-amz-date;x-custom"


@pytest.mark.parametrize("date", ["2015-08-30T12:36:00Z", "20150830T123600", "20150830X123600Z"])
def test_bad_amz_date_is_rejected(date):
    with pytest.raises(InvalidRequestError, match="amz_date"):
        auth.sign_v4("GET", "/", None, None, "U", "a", "s", "r", "svc", date)


@pytest.mark.parametrize("expires", [0, 604801])
def test_presign_expiry_bounds(expires):
    with pytest.raises(InvalidRequestError, match="expires_s"):
        auth.presign_v4("GET", "https://h/", None, "a", "s", "r", "s3", SUITE_DATE, expires)


def test_presign_rejects_relative_urls():
    with pytest.raises(InvalidRequestError, match="absolute URL"):
        auth.presign_v4("GET", "/path", None, "a", "s", "r", "s3", SUITE_DATE, 60)


# ---- random requests against botocore ------------------------------------------------------

PATH_CHARS = "abcXYZ019-._~ !$&'()*+,;=:@ü€ሴ%"
VALUE_CHARS = "abcXYZ019-._~ /?=&+%ü€"


def random_text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_request(rng: random.Random, *, dots: bool) -> tuple[str, str, list[tuple[str, str]]]:
    """(encoded path, encoded query, headers) as a well-behaved client would send them."""
    segments = []
    for _ in range(rng.randint(0, 4)):
        pool = [random_text(rng, PATH_CHARS, 1, 8)] * 4 + ([".", "..", ""] if dots else [""])
        segments.append(rng.choice(pool))
    path = quote("/" + "/".join(segments) + rng.choice(["", "/"]), safe="/~")
    params = {random_text(rng, VALUE_CHARS, 1, 6): random_text(rng, VALUE_CHARS, 0, 8)}
    for _ in range(rng.randint(0, 3)):
        params[random_text(rng, VALUE_CHARS, 1, 6)] = random_text(rng, VALUE_CHARS, 0, 8)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in params.items()
        if rng.random() < 0.8
    )
    headers = []
    names = {"host", "x-amz-date", "date", "authorization", "x-amz-security-token"}
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["X-Meta-", "x-amz-meta-", "Content-", "Custom"]) + random_text(
            rng, "abcdefXYZ-", 1, 6
        )
        if name.lower() in names:
            continue
        names.add(name.lower())
        value = rng.choice(["", " ", "  "]) + " ".join(
            random_text(rng, "abcXYZ019-_/=:;,.\"'", 1, 6) for _ in range(rng.randint(1, 3))
        )
        headers.append((name, value + rng.choice(["", " ", "\t"])))
    return path, query, headers


def botocore_signed(signer: SigV4Auth, url: str, method: str, headers, body: bytes) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    signer.add_auth(request)
    return request


@pytest.mark.parametrize("service", ["s3", "execute-api"])
def test_random_requests_match_botocore(rng, service):
    token = rng.choice([None, "FwoGZXIvYXdzEXAMPLE//token+/="])
    creds = Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", token)
    s3 = service == "s3"
    signer = (
        S3SigV4Auth(creds, service, "eu-west-3") if s3 else SigV4Auth(creds, service, "eu-west-3")
    )
    for _ in range(300):
        path, query, headers = random_request(rng, dots=not s3)
        host = rng.choice(["examplebucket.s3.amazonaws.com", "127.0.0.1:9000", "localhost"])
        url = f"http://{host}{path}" + (f"?{query}" if query else "")
        body = rng.randbytes(rng.randint(0, 64))
        method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
        request = botocore_signed(signer, url, method, headers, body)
        amz_date = request.headers["X-Amz-Date"]
        payload = request.headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
        sent = [(k, v) for k, v in request.headers.items() if k.lower() != "authorization"]
        ours = auth.sign_v4(
            method, path, query, [("Host", host), *sent], payload, creds.access_key,
            creds.secret_key, "eu-west-3", service, amz_date, session_token=token,
            double_encode=not s3, normalize_path=not s3,
        )  # fmt: skip
        assert ours.authorization == request.headers["Authorization"], (url, headers)
        assert [h for h in ours.headers if h[0] != "Authorization"] == []  # all were present


def test_random_presigned_urls_match_botocore(rng):
    for _ in range(200):
        token = rng.choice([None, "session/token+="])
        creds = Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", token)
        expires = rng.randint(1, 604800)
        signer = S3SigV4QueryAuth(creds, "s3", "us-west-2", expires=expires)
        path, _, _ = random_request(rng, dots=False)
        params = {
            f"p{i}": random_text(rng, "abcXYZ019-_. /", 0, 6) for i in range(rng.randint(0, 3))
        }
        query = "&".join(f"{k}={quote(v, safe='-_.~')}" for k, v in params.items())
        url = f"https://examplebucket.s3.amazonaws.com{path}" + (f"?{query}" if query else "")
        request = AWSRequest(method="GET", url=url, headers={})
        signer.add_auth(request)
        theirs = urlsplit(request.url)
        amz_date = dict(parse_qsl(theirs.query))["X-Amz-Date"]
        ours = urlsplit(
            auth.presign_v4(
                "GET", url, None, creds.access_key, creds.secret_key, "us-west-2", "s3",
                amz_date, expires, session_token=token,
            )
        )  # fmt: skip
        assert ours.path == theirs.path
        assert sorted(parse_qsl(ours.query, keep_blank_values=True)) == sorted(
            parse_qsl(theirs.query, keep_blank_values=True)
        ), url
