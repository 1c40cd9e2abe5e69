"""S3 connector — placeholder until the S3 issue lands.

It will provide the s3 connector's API as a drop-in: ``S3Connection(access_key_id,
secret_access_key, default_bucket=, endpoint=, tls=)``, ``S3Name(key, bucket=None)`` and
``RemoteStore(connection)`` with ``copy``, ``delete``, ``exists``, ``read``,
``update_metadata`` and ``write`` (``exists`` raises ``RemoteStoreError``), signed with
SigV4, multipart for large files and streamed from/to files by storewire's native engine.
"""
