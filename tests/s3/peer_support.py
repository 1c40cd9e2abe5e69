"""Helpers shared by the peer tests (boto3, minio, s3fs against radosgw and the emulator)."""

from __future__ import annotations

import http.client
import urllib.parse
from typing import Any

import boto3
from botocore.config import Config


def boto3_client(server: Any, secret: str | None = None, **config: Any) -> Any:
    """boto3 with its default configuration (SigV4, payload signing as it chooses); only
    the endpoint and keys are given, and one attempt so a failure shows at once."""
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name=server.region,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=secret or server.secret_key,
        config=Config(retries={"max_attempts": 1}, **config),
    )


def remove_bucket(client: Any, bucket: str) -> None:
    """Deletes every version, delete marker and upload, then the bucket (boto3)."""
    try:
        for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                          UploadId=upload["UploadId"])
        client.delete_bucket(Bucket=bucket)
    except client.exceptions.NoSuchBucket:
        pass


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    """A plain HTTP request without credentials or a Content-Type (a presigned URL's
    signature covers the Content-Type sent, and presigning gave none)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        conn.request(method, f"{parts.path}?{parts.query}", body=data)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()

