"""PySector README example 3: upload a local file to the Sector file system.

    python example_3_upload.py [LOCAL_FILE]

Copies LOCAL_FILE (default: the README's '/opt/pysector/SectorModule.cpp') to
'/SectorModule.cpp' in Sector. Connection settings come from SECTOR_HOST / SECTOR_PORT /
SECTOR_USER / SECTOR_PASSWORD / SECTOR_CERT, defaulting to the README's values.
"""

import os
import sys

import sector

host = os.environ.get("SECTOR_HOST", "localhost")
port = int(os.environ.get("SECTOR_PORT", "6000"))
user = os.environ.get("SECTOR_USER", "test")
password = os.environ.get("SECTOR_PASSWORD", "xxx")
cert = os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert")
local = sys.argv[1] if len(sys.argv) > 1 else "/opt/pysector/SectorModule.cpp"

status = sector.init(host, port)
status = sector.login(user, password, cert)
if status < 0:
    sys.exit(f"login failed: {status}")
status = sector.upload(local, "/SectorModule.cpp")
print(f"upload {local} -> /SectorModule.cpp: {status}")
upload_status = status
status = sector.logout()
status = sector.closeclient()
sys.exit(0 if upload_status == 0 else 1)
