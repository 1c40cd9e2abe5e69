"""AWS Signature V2: the S3 documentation examples, the DS3 flavour (verified examples),
the server-side verifier, and random S3 requests against botocore's HmacV1Auth."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from storewire._native import auth
from storewire.errors import InvalidRequestError


def reference_signature(secret: str, string_to_sign: str) -> str:
    """The independent reference: Python's hmac over the expected StringToSign."""
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


# ---- Amazon S3 Developer Guide, "Signing and authenticating REST requests" examples -------
AWS_AK = "AKIAIOSFODNN7EXAMPLE"
AWS_SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_s3_doc_object_get():
    headers = {"Host": "johnsmith.s3.amazonaws.com", "Date": "Tue, 27 Mar 2007 19:36:42 +0000"}
    sts = auth.string_to_sign_v2("GET", "/johnsmith/photos/puppy.jpg", None, headers)
    assert sts == "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"
    assert auth.signature_v2(AWS_SK, sts) == "bWq2s1WEIj+Ydj0vQ697zp+IXMU="
    assert (
        auth.authorization_v2(AWS_AK, AWS_SK, "GET", "/johnsmith/photos/puppy.jpg", None, headers)
        == "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="
    )


def test_s3_doc_object_put():
    headers = {
        "Content-Type": "image/jpeg",
        "Content-Length": "94328",
        "Date": "Tue, 27 Mar 2007 21:15:45 +0000",
    }
    sig = auth.sign_v2(AWS_SK, "PUT", "/johnsmith/photos/puppy.jpg", None, headers)
    assert sig == "MyyxeRY7whkBe+bq8fHCL/2kKUg="


def test_s3_doc_list_and_acl_sign_only_sub_resources():
    headers = {"User-Agent": "Mozilla/5.0", "Date": "Tue, 27 Mar 2007 19:42:41 +0000"}
    query = "prefix=photos&max-keys=50&marker=puppy"
    assert auth.string_to_sign_v2("GET", "/johnsmith/", query, headers).endswith("\n/johnsmith/")
    assert (
        auth.sign_v2(AWS_SK, "GET", "/johnsmith/", query, headers) == "htDYFYduRNen8P9ZfE/s9SuKy0U="
    )
    acl = {"Date": "Tue, 27 Mar 2007 19:44:46 +0000"}
    assert auth.string_to_sign_v2("GET", "/johnsmith/", "acl", acl).endswith("/johnsmith/?acl")
    assert auth.sign_v2(AWS_SK, "GET", "/johnsmith/", "acl", acl) == "c2WLPFtWHVgbEmeEG93a4cG37dM="


def test_s3_doc_delete_with_and_without_x_amz_date():
    path = "/johnsmith/photos/puppy.jpg"
    with_date = {"Date": "Tue, 27 Mar 2007 21:20:26 +0000"}
    assert auth.sign_v2(AWS_SK, "DELETE", path, None, with_date) == "lx3byBScXR6KzyMaifNkardMwNk="
    # x-amz-date present: the Date slot is empty and x-amz-date is an amz header.
    amz = {
        "Date": "Tue, 27 Mar 2007 21:20:27 +0000",
        "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
    }
    sts = auth.string_to_sign_v2("DELETE", path, None, amz)
    assert sts == f"DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n{path}"
    assert auth.sign_v2(AWS_SK, "DELETE", path, None, amz) == "R4dJ53KECjStyBO5iTBJZ4XVOaI="


def test_s3_doc_upload_with_metadata():
    headers = [
        ("Date", "Tue, 27 Mar 2007 21:06:08 +0000"),
        ("x-amz-acl", "public-read"),
        ("content-type", "application/x-download"),
        ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
        ("X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"),
        ("X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"),
        ("X-Amz-Meta-FileChecksum", "0x02661779"),
        ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
        ("Content-Disposition", "attachment; filename=database.dat"),
        ("Content-Encoding", "gzip"),
        ("Content-Length", "5913339"),
    ]
    path = "/static.johnsmith.net/db-backup.dat.gz"
    assert auth.string_to_sign_v2("PUT", path, None, headers) == (
        "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n"
        "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
        "x-amz-meta-filechecksum:0x02661779\n"
        "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n" + path
    )
    assert auth.sign_v2(AWS_SK, "PUT", path, None, headers) == "ilyl83RwaSoYIEdixDQcA4OnAnc="


def test_s3_sub_resources_are_sorted_with_decoded_values():
    query = "versionId=v%2B1&uploadId=u%201&partNumber=3&response-content-type=a%2Fb&prefix=x"
    sts = auth.string_to_sign_v2("GET", "/b/k", query, {"Date": "d"})
    assert sts.endswith("/b/k?partNumber=3&response-content-type=a/b&uploadId=u 1&versionId=v+1")


# ---- DS3 (verified examples; secret "stubsecret") -----------------
DS3_SK = "stubsecret"
C_DATE = "Sat, 21 Nov 2026 11:25:25 +0000"
P_DATE = "Sat, 21 Nov 2026 11:25:28 -0000"
JOB = "job=4a8d7e68-2b14-4d6c-9a0e-7b3f3c1d2e5f&offset=0"


def check_ds3(variant: str, method: str, path: str, query, headers, expected: str) -> None:
    sts = auth.string_to_sign_v2(method, path, query, headers, variant=variant)  # type: ignore[arg-type]
    assert sts == expected
    signature = auth.sign_v2(DS3_SK, method, path, query, headers, variant=variant)  # type: ignore[arg-type]
    assert signature == reference_signature(DS3_SK, expected)
    assert auth.verify_v2(DS3_SK, signature, method, path, query, headers)


def test_ds3_c_sdk_blob_put():
    check_ds3(
        "ds3", "PUT", "/books/resources/beowulf.txt", JOB, {"Date": C_DATE},
        f"PUT\n\n\n{C_DATE}\n/books/resources/beowulf.txt",
    )  # fmt: skip


def test_ds3_python_sdk_blob_put():
    headers = {"Date": P_DATE, "Content-Type": "application/octet-stream"}
    check_ds3(
        "ds3-python", "PUT", "/py3_flow_bucket/beowulf.txt", JOB, headers,
        f"PUT\n\napplication/octet-stream\n{P_DATE}\n/py3_flow_bucket/beowulf.txt",
    )  # fmt: skip


def test_ds3_c_sdk_multi_delete():
    check_ds3(
        "ds3", "POST", "/edge%20bucket", "delete", {"Date": C_DATE},
        f"POST\n\n\n{C_DATE}\n/edge%20bucket?delete",
    )  # fmt: skip


def test_ds3_c_sdk_put_with_md5_and_metadata():
    path = "/edge%20bucket/dir/a%20b%20%C3%BC%2B%26%3D.txt"
    headers = [
        ("Date", C_DATE),
        ("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="),
        ("x-amz-meta-Owner", "x"),
        ("x-amz-meta-color", "light%20blue%2Fgreen"),
    ]
    check_ds3(
        "ds3", "PUT", path, None, headers,
        f"PUT\nXrY7u+Ae7tCTyyK7j1rNww==\n\n{C_DATE}\n"
        f"x-amz-meta-color:light%20blue%2Fgreen\nx-amz-meta-owner:x\n{path}",
    )  # fmt: skip


def test_ds3_python_sdk_keeps_amz_name_case_and_sorts_lines():
    headers = [
        ("Date", P_DATE),
        ("Content-Type", "application/octet-stream"),
        ("Content-CRC32C", "yZRlqg=="),
        ("x-amz-meta-color", "light blue/green"),
        ("x-amz-meta-Owner", "x"),
    ]
    check_ds3(
        "ds3-python", "PUT", "/b/k", None, headers,
        f"PUT\nyZRlqg==\napplication/octet-stream\n{P_DATE}\n"
        "x-amz-meta-Owner:x\nx-amz-meta-color:light blue/green\n/b/k",
    )  # fmt: skip


@pytest.mark.parametrize("checksum", ["CRC32", "CRC32C", "SHA256", "SHA512", "MD5"])
def test_ds3_checksum_slot_takes_every_checksum_header(checksum):
    headers = {"Date": C_DATE, f"Content-{checksum}": "c2Vlbg=="}
    sts = auth.string_to_sign_v2("PUT", "/b/k", None, headers, variant="ds3")
    assert sts.split("\n")[1] == "c2Vlbg=="
    standard = auth.string_to_sign_v2("PUT", "/b/k", None, headers)
    assert standard.split("\n")[1] == ("c2Vlbg==" if checksum == "MD5" else "")


def test_ds3_sub_resource_styles():
    query = "versions&versioning=enabled&delete&prefix=a"
    c = auth.string_to_sign_v2("GET", "/b", query, {"Date": C_DATE}, variant="ds3")
    assert c.endswith("\n/b?delete&versioning=enabled&versions")
    p_query = "versions=True&uploads&max_keys=5"
    p = auth.string_to_sign_v2("GET", "/b", p_query, {"Date": P_DATE}, variant="ds3-python")
    assert p.endswith("\n/b?versions=True?uploads")
    # Options override the variant.
    legacy = auth.string_to_sign_v2(
        "GET", "/b", query, {"Date": C_DATE}, variant="ds3", subresources=["delete"]
    )
    assert legacy.endswith("\n/b?delete")
    separate = auth.string_to_sign_v2(
        "GET", "/b", query, {"Date": C_DATE}, variant="ds3", subresource_style="separate"
    )
    assert separate.endswith("\n/b?delete?versioning=enabled?versions")
    as_given = auth.string_to_sign_v2(
        "PUT", "/b", None, {"X-Amz-Meta-A": "1"}, variant="ds3", lowercase_amz=False
    )
    assert "\nX-Amz-Meta-A:1\n" in as_given


def test_bad_variant_and_style():
    with pytest.raises(InvalidRequestError, match="variant"):
        auth.string_to_sign_v2("GET", "/", variant="s4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="subresource_style"):
        auth.string_to_sign_v2("GET", "/", subresource_style="mixed")  # type: ignore[arg-type]


# ---- server-side verification -----------------------------------------------------------


def c_style(method, path, query, headers):
    return auth.sign_v2(DS3_SK, method, path, query, headers, variant="ds3")


def p_style(method, path, query, headers):
    return auth.sign_v2(DS3_SK, method, path, query, headers, variant="ds3-python")


@pytest.mark.parametrize("signer", [c_style, p_style], ids=["C", "P"])
@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/", None),
        ("PUT", "/books/beowulf.txt", JOB),
        ("POST", "/edge%20bucket", "delete"),
        ("GET", "/b", "versions"),
        ("GET", "/b", "versions=True&prefix=x"),
        ("PUT", "/b", "versioning=Enabled"),
        ("POST", "/b/k", "uploads"),
        ("GET", "/b", "delete&versioning=x&versions=y"),
        ("GET", "/_rest_/job_chunk/", "job=1234"),
    ],
)
def test_verify_accepts_c_and_python_clients(signer, method, path, query):
    headers = [
        ("Date", P_DATE),
        ("Content-Type", "application/octet-stream"),
        ("Content-SHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        ("x-amz-meta-Owner", " x "),
        ("x-amz-meta-color", "light%20blue"),
    ]
    signature = signer(method, path, query, headers)
    assert auth.verify_v2(DS3_SK, signature, method, path, query, headers)
    assert not auth.verify_v2("wrongsecret", signature, method, path, query, headers)
    assert not auth.verify_v2(DS3_SK, signature, method, path + "x", query, headers)
    tampered = [(n, v + "!" if n == "x-amz-meta-color" else v) for n, v in headers]
    assert not auth.verify_v2(DS3_SK, signature, method, path, query, tampered)
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert not auth.verify_v2(DS3_SK, flipped, method, path, query, headers)


def test_verify_accepts_standard_s3_signatures_only_with_s3_compat():
    headers = {"Date": C_DATE, "x-amz-date": C_DATE}
    signature = auth.sign_v2(DS3_SK, "GET", "/b", "acl", headers)
    assert auth.verify_v2(DS3_SK, signature, "GET", "/b", "acl", headers)
    assert not auth.verify_v2(DS3_SK, signature, "GET", "/b", "acl", headers, s3_compat=False)


def test_parse_authorization_v2():
    assert auth.parse_authorization_v2("AWS c3BlY3RyYQ==:abc/def+=") == (
        "c3BlY3RyYQ==",
        "abc/def+=",
    )
    assert auth.parse_authorization_v2("  AWS  id:sig ") == ("id", "sig")
    for bad in ("AWS4-HMAC-SHA256 Credential=x", "AWS :sig", "AWS id:", "AWS idsig", "Basic x"):
        assert auth.parse_authorization_v2(bad) is None


# ---- random S3 requests against botocore -------------------------------------------------

SIGNED = ["acl", "cors", "delete", "location", "logging", "partNumber", "policy", "uploads",
          "uploadId", "versionId", "versioning", "versions", "website", "tagging", "torrent",
          "lifecycle", "notification", "requestPayment", "response-content-type",
          "response-expires", "response-cache-control"]  # fmt: skip
UNSIGNED = ["prefix", "max-keys", "marker", "delimiter", "list-type", "job", "offset"]


def random_s3_request(rng: random.Random) -> tuple[str, str, dict[str, str]]:
    key = "".join(rng.choice("abcXYZ019-._~ !$&'()*+,;=:@üሴ%/") for _ in range(rng.randint(0, 12)))
    path = quote(f"/bucket/{key}", safe="/~")
    names = rng.sample(SIGNED + UNSIGNED, rng.randint(0, 4))
    pieces = []
    for name in names:
        value = "".join(rng.choice("ab1 /+=%ü") for _ in range(rng.randint(0, 5)))
        pieces.append(name if rng.random() < 0.3 else f"{name}={quote(value, safe='')}")
    headers: dict[str, str] = {}
    if rng.random() < 0.5:
        headers["Content-MD5"] = base64.b64encode(rng.randbytes(16)).decode()
    if rng.random() < 0.5:
        headers["Content-Type"] = rng.choice(["text/plain", "application/octet-stream"])
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["x-amz-meta-", "X-Amz-Meta-", "x-amz-"]) + "".join(
            rng.choice("abcXYZ-") for _ in range(rng.randint(1, 6))
        )
        if name.lower() in {h.lower() for h in headers} or name.lower() == "x-amz-date":
            continue
        headers[name] = rng.choice(["", " "]) + "".join(
            rng.choice("abc 019/=:") for _ in range(rng.randint(0, 8))
        )
    return path, "&".join(pieces), headers


def test_random_requests_match_botocore_hmacv1(rng):
    signer = HmacV1Auth(Credentials(AWS_AK, AWS_SK))
    for _ in range(500):
        path, query, headers = random_s3_request(rng)
        url = f"https://s3.amazonaws.com{path}" + (f"?{query}" if query else "")
        method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
        request = AWSRequest(method=method, url=url, headers=headers)
        theirs = signer.canonical_string(method, urlsplit(url), request.headers)
        sent = list(request.headers.items())  # now with the Date botocore chose
        ours = auth.string_to_sign_v2(method, path, query, sent)
        assert ours == theirs, url
        expected = signer.get_signature(method, urlsplit(url), request.headers)
        assert auth.sign_v2(AWS_SK, method, path, query, list(request.headers.items())) == expected
        assert auth.verify_v2(AWS_SK, expected, method, path, query, list(request.headers.items()))
