"""The seed README's first example, as written: upload "example" as "example-in-s3",
check it exists, download it, diff, delete, check it is gone.

    python example_1_roundtrip.py [s3.yaml]
"""

import subprocess

from _config import ensure_local_file, load_config

import s3

config = load_config()  # README: config = yaml.load(fi) from s3.yaml
ensure_local_file("example")

connection = s3.S3Connection(**config["s3"])
store = s3.RemoteStore(connection)

assert store.write("example", "example-in-s3")
exists, metadata = store.exists("example-in-s3")
assert exists
ok, metadata = store.read("example-in-s3", "example-from-s3")
assert ok
assert 0 == subprocess.call(["diff", "example", "example-from-s3"])
assert store.delete("example-in-s3")
exists, metadata = store.exists("example-in-s3")
assert not exists

print("example 1: write, exists, read, diff, delete, not exists: OK")
