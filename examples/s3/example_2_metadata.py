"""The seed README's second example, as written: upload "example" into the explicit
bucket "my_other_bucket" with metadata, check it, update it, check it again.

    python example_2_metadata.py [s3.yaml]
"""

from _config import ensure_local_file, load_config

import s3

config = load_config()
ensure_local_file("example")

connection = s3.S3Connection(**config["s3"])
store = s3.RemoteStore(connection)

# Not in the README (whose bucket was made in the AWS console): make sure it exists.
if not connection.client.bucket_exists("my_other_bucket"):
    connection.client.create_bucket("my_other_bucket")

headers = {
    "x-amz-meta-state": "unprocessed",
}
remote_name = s3.S3Name("example-in-s3", bucket="my_other_bucket")
assert store.write("example", remote_name, headers=headers)
exists, metadata = store.exists(remote_name)
assert exists
assert metadata == headers
headers["x-amz-meta-state"] = "processed"
assert store.update_metadata(remote_name, headers)
ok, metadata = store.read(remote_name, "example-from-s3")
assert ok
assert metadata == headers

print(f"example 2: metadata set, checked, updated, checked in my_other_bucket: {metadata}")
assert store.delete(remote_name)
