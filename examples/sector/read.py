"""Read a file from the Sector file system and write it to the local file system.

    python read.py sector_file local_file

Connection settings come from SECTOR_HOST / SECTOR_PORT / SECTOR_USER / SECTOR_PASSWORD /
SECTOR_CERT, defaulting to 'localhost', 6000, 'test', 'xxx',
'/opt/sector/conf/master_node.cert'.
"""

import os
import sys

import sector

if len(sys.argv) != 3:
    print("Usage: python read.py sector_file local_file")
    sys.exit(1)

path = sys.argv[1]
local = sys.argv[2]

sector.init(os.environ.get("SECTOR_HOST", "localhost"),
            int(os.environ.get("SECTOR_PORT", "6000")))
status = sector.login(os.environ.get("SECTOR_USER", "test"),
                      os.environ.get("SECTOR_PASSWORD", "xxx"),
                      os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert"))
if status < 0:
    sys.exit(f"login failed: {status}")
f = sector.open(path, 1)
if isinstance(f, int):
    sys.exit(f"cannot open {path}: {f}")

total = 0
with open(local, "wb") as out:
    while True:
        data = sector.read(f, 65536)
        if isinstance(data, int):
            sys.exit(f"read {path} failed: {data}")
        if len(data) == 0:
            break
        out.write(data)
        total += len(data)

sector.close(f)
sector.logout()
sector.closeclient()
print(f"{path} -> {local}: {total} bytes")
