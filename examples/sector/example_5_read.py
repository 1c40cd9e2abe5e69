"""PySector README example 5: read a file in the Sector file system, 4096 bytes at a time.

    python example_5_read.py

Reads '/SectorModule.cpp' to the end and prints how many bytes it read. Connection
settings come from SECTOR_HOST / SECTOR_PORT / SECTOR_USER / SECTOR_PASSWORD /
SECTOR_CERT, defaulting to the README's values.
"""

import os
import sys

import sector

host = os.environ.get("SECTOR_HOST", "localhost")
port = int(os.environ.get("SECTOR_PORT", "6000"))
user = os.environ.get("SECTOR_USER", "test")
password = os.environ.get("SECTOR_PASSWORD", "xxx")
cert = os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert")

status = sector.init(host, port)
status = sector.login(user, password, cert)
if status < 0:
    sys.exit(f"login failed: {status}")
f = sector.open("/SectorModule.cpp", 1)
if isinstance(f, int):
    sys.exit(f"open /SectorModule.cpp failed: {f}")
total = 0
data = sector.read(f, 4096)
while len(data) != 0:
    total += len(data)
    data = sector.read(f, 4096)
status = sector.close(f)
print(f"read /SectorModule.cpp: {total} bytes")
status = sector.logout()
status = sector.closeclient()
