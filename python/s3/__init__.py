"""S3 on storewire's native engine: a drop-in for the ``s3`` connector plus a modern client.

The connector's API, as its README documents it::

    connection = s3.S3Connection(**config['s3'])   # access_key_id, secret_access_key,
    store = s3.RemoteStore(connection)             # default_bucket, endpoint, tls
    assert store.write("example", "example-in-s3")
    exists, metadata = store.exists(s3.S3Name("example-in-s3", bucket="other"))

and the modern, exception-raising :class:`s3.Client` it is built on (SigV4 or SigV2,
path-style or virtual-hosted, buckets, listing, multipart, presigned URLs, parallel file
transfers with integrity checks, and the verbs the four modern clients share: docs/verbs.md).
Errors are :mod:`storewire.errors` types.

Servers are not trusted: every answer is checked before use (``s3/_replies.py``), and a
malformed or incomplete one is a ``ProtocolError`` naming the field, never a silent
success (a write without an ETag, a HEAD without a Content-Length, a listing that is not
the XML asked for). Listings stop when a server repeats a marker (``max_empty_pages``
bounds runs of empty pages). Downloads are all or nothing: a temporary file beside the
destination, renamed only when size and ETag check out, removed on any failure or
Ctrl-C. Metadata and header values must be US-ASCII without control characters
(``InvalidRequestError`` otherwise; RFC 2047-encode non-ASCII text yourself). Secrets
(the secret key, session token, signatures) stay out of reprs, logs and exception text.
"""

from storewire.errors import StorageError

from .client import Client
from .config import Config
from .connector import RemoteStore, RemoteStoreError, S3Connection, S3Name
from .types import Bucket, DeleteError, ListPage, MultipartUpload, ObjectHead, ObjectInfo

__all__ = [
    "Bucket",
    "Client",
    "Config",
    "DeleteError",
    "ListPage",
    "MultipartUpload",
    "ObjectHead",
    "ObjectInfo",
    "RemoteStore",
    "RemoteStoreError",
    "S3Connection",
    "S3Name",
    "StorageError",
]
